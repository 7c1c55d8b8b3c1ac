//! Workbook/CSV import sessions over GraphQL (DOMAIN.md §7.1, §9 "imports"): the upload
//! through the GraphQL multipart request spec, then mappings, conflicts, custom fields,
//! commit and cancel (editor), and `importSession(id)` (viewer). Resolvers only translate:
//! the workflow is `transfer::import::session`. A commit asks for one recalculation job
//! (cause `import`) covering exactly the listings it wrote. [`entities`] is the one-shot
//! `importEntities` over the same pipeline.

pub mod entities;
pub mod preview;
pub mod types;

use std::collections::BTreeMap;
use std::path::PathBuf;

use async_graphql::{Context, InputObject, Object, SimpleObject, Upload};
use domain::model::{ApiRole, ValuationCause};
use store::Store;
use transfer::TransferError;
use transfer::import::session::{self, MappingChange, Upload as NewUpload};
use transfer::import::state::{MatchChoice, Resolutions, row_key};

use crate::auth::require;
use crate::config::ApiConfig;
use crate::error::ApiError;
use crate::mutation::recalc;
use crate::recalc::RecalcScope;
use crate::types::enums::CustomFieldType;
pub use preview::*;
pub use types::*;

/// Asks for the recalculations an import needs (DOMAIN.md §8): exactly the listings it wrote
/// (cause `import`), then the listings of the stored CPUs and GPUs it changed (`cpu_change`,
/// `gpu_change`) — or every listing when it changed a ports profile, as `updatePortsProfile`
/// does. Returns the first job's id (the imported listings' when there are any).
pub(crate) async fn recalc_touched(
    ctx: &Context<'_>,
    t: session::Touched,
) -> async_graphql::Result<Option<String>> {
    let mut jobs = Vec::new();
    if !t.listing_ids.is_empty() {
        jobs.push((RecalcScope::Listings(t.listing_ids), ValuationCause::Import));
    }
    if !t.updated_ports_profile_ids.is_empty() {
        jobs.push((RecalcScope::All, ValuationCause::CatalogChange));
    } else {
        if !t.updated_cpu_ids.is_empty() {
            jobs.push((
                RecalcScope::Cpus(t.updated_cpu_ids),
                ValuationCause::CpuChange,
            ));
        }
        if !t.updated_gpu_ids.is_empty() {
            jobs.push((
                RecalcScope::Gpus(t.updated_gpu_ids),
                ValuationCause::GpuChange,
            ));
        }
    }
    let mut first = None;
    for (scope, cause) in jobs {
        let job = recalc(ctx, scope, cause).await?;
        first = first.or(job);
    }
    Ok(first)
}

/// A transfer error as an API error (user input → `BAD_USER_INPUT` with its field).
pub(crate) fn api_err(e: TransferError) -> ApiError {
    match e {
        TransferError::Input {
            field,
            code,
            message,
        } => ApiError::invalid(field, &code, message),
        TransferError::NotFound(id) => ApiError::not_found("import session", id),
        TransferError::Store(s) => ApiError::from(s),
        other => ApiError::internal(&other),
    }
}

fn store<'a>(ctx: &Context<'a>) -> Result<&'a Store, ApiError> {
    ctx.data::<Store>()
        .map_err(|_| ApiError::internal(&"no store"))
}

fn root(ctx: &Context<'_>) -> PathBuf {
    ctx.data::<ApiConfig>()
        .map(|c| c.import_root.clone())
        .unwrap_or_else(|_| ApiConfig::default().import_root)
}

/// The bytes and file name of an upload; a missing file part is a user error.
pub(crate) fn read_upload(
    ctx: &Context<'_>,
    file: &Upload,
    limit: usize,
) -> Result<(String, Vec<u8>), ApiError> {
    // `Upload::value` indexes the request's files without a bounds check, and a client can
    // name any index (`"#__graphql_file__:7"`) without sending a part: check first.
    let missing = || {
        ApiError::invalid(
            "file",
            "missing_file",
            "no file was uploaded for `file`: send a multipart request",
        )
    };
    if file.0 >= ctx.query_env.uploads.len() {
        return Err(missing());
    }
    let upload = file.value(ctx).map_err(|_| missing())?;
    let name = upload.filename.clone();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(upload.into_read(), limit as u64 + 1),
        &mut bytes,
    )
    .map_err(|e| ApiError::internal(&e))?;
    if bytes.len() > limit {
        return Err(api_err(transfer::import::read::too_large(bytes.len())));
    }
    Ok((name, bytes))
}

/// Declares the entity of a sheet (it wins over inference).
#[derive(InputObject, Debug, Clone)]
pub struct ImportDeclaredEntityInput {
    /// Sheet name; absent = every sheet (a CSV's only sheet).
    pub sheet: Option<String>,
    /// What the sheet holds.
    pub entity: ImportEntity,
}

/// A mapping change.
#[derive(InputObject, Debug, Clone)]
pub struct ImportMappingInput {
    /// Sheet name.
    pub sheet: String,
    /// New entity of the sheet (its fields are mapped again automatically).
    pub entity: Option<ImportEntity>,
    /// The field to map (`price_usd`, …).
    pub field: Option<String>,
    /// The column for `field`; null unmaps it.
    pub column: Option<String>,
}

/// A decision on a CPU conflict.
#[derive(InputObject, Debug, Clone)]
pub struct ImportCpuResolutionInput {
    /// CPU name (any case).
    pub name: String,
    /// Update or keep.
    pub action: ImportCpuAction,
}

/// A decision on a listing row.
#[derive(InputObject, Debug, Clone)]
pub struct ImportListingResolutionInput {
    /// Sheet name.
    pub sheet: String,
    /// Spreadsheet row.
    pub row: i32,
    /// Update, skip or create.
    pub action: ImportListingAction,
}

/// A decision on a CPU/GPU name of the listing rows.
#[derive(InputObject, Debug, Clone)]
pub struct ImportMatchResolutionInput {
    /// CPU or GPU.
    pub kind: ImportMatchKind,
    /// The name as in the file.
    pub name: String,
    /// Link to this catalogue name; absent = create a new CPU/GPU with the file's name.
    pub existing_name: Option<String>,
}

/// Decisions merged into the session.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ImportResolutionsInput {
    /// Per CPU conflict.
    #[graphql(default)]
    pub cpus: Vec<ImportCpuResolutionInput>,
    /// For every CPU conflict without its own decision.
    pub all_cpus: Option<ImportCpuAction>,
    /// Per listing row.
    #[graphql(default)]
    pub listings: Vec<ImportListingResolutionInput>,
    /// For every URL match without its own decision (default update).
    pub url_matches: Option<ImportListingAction>,
    /// For every possible duplicate without its own decision.
    pub possible_duplicates: Option<ImportListingAction>,
    /// Per CPU/GPU name.
    #[graphql(default)]
    pub matches: Vec<ImportMatchResolutionInput>,
}

impl ImportResolutionsInput {
    fn into_domain(self) -> Resolutions {
        use domain::model::name_key;
        Resolutions {
            cpus: self
                .cpus
                .into_iter()
                .map(|c| (name_key(&c.name), c.action.into()))
                .collect(),
            cpu_default: self.all_cpus.map(Into::into),
            listings: self
                .listings
                .into_iter()
                .map(|l| {
                    let row = usize::try_from(l.row).unwrap_or_default();
                    (row_key(&l.sheet, row), l.action.into())
                })
                .collect(),
            url_match_default: self.url_matches.map(Into::into),
            duplicate_default: self.possible_duplicates.map(Into::into),
            matches: self
                .matches
                .into_iter()
                .map(|m| {
                    let kind = match m.kind {
                        ImportMatchKind::Cpu => "cpu",
                        ImportMatchKind::Gpu => "gpu",
                    };
                    let choice = MatchChoice {
                        existing: m.existing_name,
                    };
                    (format!("{kind}:{}", name_key(&m.name)), choice)
                })
                .collect(),
        }
    }
}

/// What `commitImportSession` returns.
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportCommitPayload {
    /// The session, now `completed`.
    pub session: ImportSession,
    /// Counts, created CPUs and the recalculation job.
    pub result: ImportResult,
}

/// Import session queries.
#[derive(Debug, Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// One import session (poll `status` and `progress` during a commit).
    async fn import_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Session id (UUID).")] id: String,
    ) -> async_graphql::Result<Option<ImportSession>> {
        require(ctx, ApiRole::Viewer)?;
        match session::load(store(ctx)?, &id).await {
            Ok(s) => Ok(Some(s.into())),
            Err(TransferError::NotFound(_)) => Ok(None),
            Err(e) => Err(api_err(e).into()),
        }
    }
}

/// Import session mutations (editor).
#[derive(Debug, Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Uploads a workbook (`.xlsx .xlsm .xls .ods`, every sheet) or `.csv`/`.tsv` (≤ 20 MiB, ≤ 50,000 rows a sheet) through the GraphQL multipart request spec; inspects the sheets, maps the columns and previews the rows. Nothing is imported before `commitImportSession`.
    async fn create_import_session(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        declared_entities: Option<Vec<ImportDeclaredEntityInput>>,
    ) -> async_graphql::Result<ImportSession> {
        let caller = require(ctx, ApiRole::Editor)?;
        let (filename, bytes) = read_upload(ctx, &file, transfer::import::MAX_BYTES)?;
        let declared: BTreeMap<String, _> = declared_entities
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.sheet.unwrap_or_default(), d.entity.into()))
            .collect();
        let up = NewUpload {
            filename: &filename,
            bytes: &bytes,
            declared,
            actor: caller.actor(),
        };
        let s = session::create(store(ctx)?, &root(ctx), up)
            .await
            .map_err(api_err)?;
        Ok(s.into())
    }

    /// Changes sheet entities and field columns (the user's choices become `manual`) and refreshes the preview.
    async fn update_import_mappings(
        &self,
        ctx: &Context<'_>,
        id: String,
        mappings: Vec<ImportMappingInput>,
    ) -> async_graphql::Result<ImportSession> {
        require(ctx, ApiRole::Editor)?;
        let changes: Vec<MappingChange> = mappings
            .into_iter()
            .map(|m| MappingChange {
                sheet: m.sheet,
                entity: m.entity.map(Into::into),
                field: m.field,
                column: m.column,
            })
            .collect();
        let s = session::update_mappings(store(ctx)?, &root(ctx), &id, &changes)
            .await
            .map_err(api_err)?;
        Ok(s.into())
    }

    /// Records decisions on CPU conflicts, listing matches and CPU/GPU names, and recomputes the conflicts against the current catalogue.
    async fn refresh_import_conflicts(
        &self,
        ctx: &Context<'_>,
        id: String,
        resolutions: Option<ImportResolutionsInput>,
    ) -> async_graphql::Result<ImportSession> {
        require(ctx, ApiRole::Editor)?;
        let r = resolutions.unwrap_or_default().into_domain();
        let s = session::refresh_conflicts(store(ctx)?, &root(ctx), &id, r)
            .await
            .map_err(api_err)?;
        Ok(s.into())
    }

    /// Imports a column into a custom field of the sheet's entity: reuses the active definition with that key or creates one (key from `key` or the column name); its values are validated per row and imported.
    async fn attach_import_custom_field(
        &self,
        ctx: &Context<'_>,
        id: String,
        sheet: String,
        column: String,
        key: Option<String>,
        #[graphql(default_with = "CustomFieldType::String")] data_type: CustomFieldType,
    ) -> async_graphql::Result<ImportSession> {
        require(ctx, ApiRole::Editor)?;
        let s = session::attach_custom_field(
            store(ctx)?,
            &root(ctx),
            &id,
            &sheet,
            &column,
            key.as_deref(),
            data_type.into(),
        )
        .await
        .map_err(api_err)?;
        Ok(s.into())
    }

    /// Writes the session in ONE transaction (all or nothing): CPUs, GPUs, ports profiles, RAM specs, storage profiles and listings; then one recalculation job (cause `import`) for exactly the imported listings. Refused while required mappings, conflicts, review matches or (without `skipInvalidRows`) row errors remain.
    async fn commit_import_session(
        &self,
        ctx: &Context<'_>,
        id: String,
        #[graphql(default)] skip_invalid_rows: bool,
    ) -> async_graphql::Result<ImportCommitPayload> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx)?;
        let done = session::commit(s, &root(ctx), &id, skip_invalid_rows)
            .await
            .map_err(api_err)?;
        let mut counts = done.counts;
        counts.job_id = recalc_touched(ctx, done.touched).await?;
        if let Some(job) = &counts.job_id {
            session::record_job(s, &id, job).await.map_err(api_err)?;
        }
        let session = session::load(s, &id).await.map_err(api_err)?;
        Ok(ImportCommitPayload {
            session: session.into(),
            result: counts.into(),
        })
    }

    /// Cancels an open session; its stored file is deleted.
    async fn cancel_import_session(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<ImportSession> {
        require(ctx, ApiRole::Editor)?;
        let s = session::cancel(store(ctx)?, &root(ctx), &id)
            .await
            .map_err(api_err)?;
        Ok(s.into())
    }
}
