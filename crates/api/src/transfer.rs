//! Exports and the PassMark import over GraphQL, and the download route of exports.
//!
//! `exportListings`/`exportCpus`/`exportGpus` (viewer) write a file under
//! [`ApiConfig::export_root`] named `<kind>-<32 random hex>.<ext>` and return its URL,
//! `/exports/<name>`: the random name is the capability (a download needs no header, so a
//! browser link works); [`download`] accepts only names of that exact shape, so nothing
//! outside the directory can be reached. `importPassmark` (editor) takes a file through the
//! GraphQL multipart request spec.

use std::path::PathBuf;

use async_graphql::{Context, Enum, Object, SimpleObject, Upload};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use domain::model::{ApiRole, ValuationCause};
use store::Store;
use transfer::{ExportKind, Format};

use crate::auth::require;
use crate::config::ApiConfig;
use crate::error::{ApiError, ApiResultExt as _};
use crate::http::AppState;
use crate::inputs::ListingFilterInput;
use crate::mutation::recalc;
use crate::recalc::RecalcScope;

/// The file format of an export.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Json,
}

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Format {
        match f {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Xlsx => Format::Xlsx,
            ExportFormat::Json => Format::Json,
        }
    }
}

/// A written export.
#[derive(SimpleObject, Debug, Clone)]
pub struct ExportFile {
    /// Where to download it (`GET`, relative to the API's origin).
    pub url: String,
    /// The file's name.
    pub filename: String,
    /// Data rows written (the header not counted).
    pub rows: i64,
}

/// A PassMark row that could not be read.
#[derive(SimpleObject, Debug, Clone)]
pub struct PassmarkRowError {
    /// CSV line (the header is line 1) or 1-based position in the JSON list.
    pub line: i32,
    /// The CPU name, when the row had one.
    pub name: Option<String>,
    /// Why the row was refused.
    pub message: String,
}

/// What `importPassmark` did. With row errors nothing is written (`committed: false`).
#[derive(SimpleObject, Debug, Clone)]
pub struct PassmarkImportResult {
    /// Whether anything was written (false when any row failed).
    pub committed: bool,
    /// CPUs whose values changed.
    pub updated: i32,
    /// CPUs created (`createMissing`).
    pub created: i32,
    /// Rows whose CPU already had every value given.
    pub unchanged: i32,
    /// CPU names not in the catalogue (created only with `createMissing`).
    pub not_found: Vec<String>,
    /// Rows that could not be read, with the reason.
    pub failed: Vec<PassmarkRowError>,
    /// The recalculation of the changed CPUs' listings, when one was queued.
    pub job_id: Option<String>,
}

/// Export and import mutations.
#[derive(Default, Debug)]
pub struct TransferMutation;

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

async fn export(
    ctx: &Context<'_>,
    kind: ExportKind,
    format: ExportFormat,
) -> async_graphql::Result<ExportFile> {
    require(ctx, ApiRole::Viewer)?;
    let store = ctx
        .data::<Store>()
        .map_err(|_| ApiError::internal(&"no store"))?;
    let root = ctx
        .data::<ApiConfig>()
        .map(|c| c.export_root.clone())
        .unwrap_or_else(|_| ApiConfig::default().export_root);
    let format = Format::from(format);
    let token: [u8; 16] = rand::random();
    let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let filename = format!("{}-{hex}.{}", kind.name(), format.extension());
    let summary = transfer::export_to_path(store, &kind, format, &root.join(&filename))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(ExportFile {
        url: format!("/exports/{filename}"),
        filename,
        rows: i64::try_from(summary.rows).unwrap_or(i64::MAX),
    })
}

#[Object]
impl TransferMutation {
    /// Exports the listings matching `filter` (all when absent) with their current
    /// valuation, metrics and custom fields; the file is downloaded from the returned URL.
    async fn export_listings(
        &self,
        ctx: &Context<'_>,
        format: ExportFormat,
        filter: Option<ListingFilterInput>,
    ) -> async_graphql::Result<ExportFile> {
        let filter = filter.unwrap_or_default().to_store().api()?;
        export(ctx, ExportKind::Listings(Box::new(filter)), format).await
    }

    /// Exports every CPU with its custom fields.
    async fn export_cpus(
        &self,
        ctx: &Context<'_>,
        format: ExportFormat,
    ) -> async_graphql::Result<ExportFile> {
        export(ctx, ExportKind::Cpus, format).await
    }

    /// Exports every GPU with its custom fields.
    async fn export_gpus(
        &self,
        ctx: &Context<'_>,
        format: ExportFormat,
    ) -> async_graphql::Result<ExportFile> {
        export(ctx, ExportKind::Gpus, format).await
    }

    /// Imports CPU marks from a PassMark CSV or JSON file (DOMAIN.md §7.4), all or nothing:
    /// any row error writes nothing and lists the rows. CPUs are found by name; missing ones
    /// are created only with `createMissing`. Listings of changed CPUs are recalculated.
    async fn import_passmark(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        #[graphql(default = false)] create_missing: bool,
    ) -> async_graphql::Result<PassmarkImportResult> {
        require(ctx, ApiRole::Editor)?;
        let store = ctx
            .data::<Store>()
            .map_err(|_| ApiError::internal(&"no store"))?;
        // The same bounds-checked read (and size cap) as workbook uploads.
        let (_, bytes) = crate::imports::read_upload(ctx, &file, transfer::import::MAX_BYTES)?;
        let parsed = transfer::passmark::parse(&bytes)
            .map_err(|e| ApiError::invalid("file", "invalid_file", e.to_string()))?;
        let report = transfer::passmark::apply(store, parsed, create_missing)
            .await
            .map_err(|e| match e {
                transfer::TransferError::Store(s) => ApiError::from(s),
                other => ApiError::internal(&other),
            })?;
        let job_id = if report.changed_cpu_ids.is_empty() {
            None
        } else {
            recalc(
                ctx,
                RecalcScope::Cpus(report.changed_cpu_ids.clone()),
                ValuationCause::CpuChange,
            )
            .await
            .api()?
        };
        Ok(PassmarkImportResult {
            committed: report.committed,
            updated: count(report.updated),
            created: count(report.created),
            unchanged: count(report.unchanged),
            not_found: report.not_found,
            failed: report
                .failed
                .into_iter()
                .map(|e| PassmarkRowError {
                    line: count(e.line),
                    name: e.name,
                    message: e.message,
                })
                .collect(),
            job_id,
        })
    }
}

/// Whether `name` is one this module wrote: `<letters>-<32 hex>.<csv|xlsx|json>`.
fn valid_name(name: &str) -> Option<Format> {
    let (stem, ext) = name.rsplit_once('.')?;
    let format =
        Format::from_extension(ext).filter(|_| ext.bytes().all(|b| b.is_ascii_lowercase()))?;
    let (kind, hex) = stem.split_once('-')?;
    let ok = !kind.is_empty()
        && kind.bytes().all(|b| b.is_ascii_lowercase())
        && hex.len() == 32
        && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    ok.then_some(format)
}

/// `GET /exports/{name}`: streams an export file with its media type, as an attachment.
pub async fn download(State(s): State<AppState>, Path(name): Path<String>) -> Response<Body> {
    let not_found = || (StatusCode::NOT_FOUND, "no such export").into_response();
    let Some(format) = valid_name(&name) else {
        return not_found();
    };
    let path: PathBuf = s.config.export_root.join(&name);
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return not_found(),
        Err(e) => {
            let _ = ApiError::internal(&e);
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let len = file.metadata().await.ok().map(|m| m.len());
    let mut r = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_names_are_served() {
        let hex = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            valid_name(&format!("listings-{hex}.csv")),
            Some(Format::Csv)
        );
        assert_eq!(valid_name(&format!("cpus-{hex}.xlsx")), Some(Format::Xlsx));
        for bad in [
            format!("../listings-{hex}.csv"),
            format!("listings-{hex}.csv.partial"),
            format!("listings-{hex}.CSV"),
            format!("listings-{}.csv", &hex[..31]),
            format!("listings-{}.json", hex.to_uppercase()),
            "..".to_owned(),
            format!("-{hex}.csv"),
            format!("a/b-{hex}.csv"),
        ] {
            assert_eq!(valid_name(&bad), None, "{bad}");
        }
    }
}
