//! Exports: walks the store in keyset pages (never the whole table at once) and streams each
//! page into a [`RowSink`]. The file is written as `NAME.partial` and renamed when complete.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use domain::model::CustomFieldEntity;
use store::{ListingFilter, ListingSort, ListingSortKey, PageRequest, Store};

use crate::Result;
use crate::columns;
use crate::table::{Format, RowSink, open_sink};

/// Rows read per page.
pub const PAGE: u64 = 500;

/// What to export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportKind {
    Listings(Box<ListingFilter>),
    Cpus,
    Gpus,
}

impl ExportKind {
    /// `listings`, `cpus` or `gpus` (file name prefix).
    pub fn name(&self) -> &'static str {
        match self {
            ExportKind::Listings(_) => "listings",
            ExportKind::Cpus => "cpus",
            ExportKind::Gpus => "gpus",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: u64,
}

async fn custom_keys(store: &Store, entity: CustomFieldEntity) -> Result<Vec<String>> {
    Ok(store
        .custom_fields(entity, false)
        .await?
        .into_iter()
        .map(|f| f.data.key)
        .collect())
}

/// Exports `kind` as `format` to `path` (its directory is created).
pub async fn export_to_path(
    store: &Store,
    kind: &ExportKind,
    format: Format,
    path: &Path,
) -> Result<ExportSummary> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let result = write(store, kind, format, &partial).await;
    match result {
        Ok(summary) => {
            std::fs::rename(&partial, path)?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn write(
    store: &Store,
    kind: &ExportKind,
    format: Format,
    path: &Path,
) -> Result<ExportSummary> {
    let file = File::create(path)?;
    let rows = match kind {
        ExportKind::Listings(filter) => {
            let keys = custom_keys(store, CustomFieldEntity::Listing).await?;
            let mut sink = open_sink(format, &columns::listing_columns(&keys), file)?;
            let rows = listings(store, filter, &keys, sink.as_mut()).await?;
            sink.finish()?;
            rows
        }
        ExportKind::Cpus => {
            let keys = custom_keys(store, CustomFieldEntity::Cpu).await?;
            let mut sink = open_sink(format, &columns::cpu_columns(&keys), file)?;
            let rows = catalogue(
                |req| async move { store.cpus(&req).await },
                |c| columns::cpu_row(c, &keys),
                sink.as_mut(),
            )
            .await?;
            sink.finish()?;
            rows
        }
        ExportKind::Gpus => {
            let keys = custom_keys(store, CustomFieldEntity::Gpu).await?;
            let mut sink = open_sink(format, &columns::gpu_columns(&keys), file)?;
            let rows = catalogue(
                |req| async move { store.gpus(&req).await },
                |g| columns::gpu_row(g, &keys),
                sink.as_mut(),
            )
            .await?;
            sink.finish()?;
            rows
        }
    };
    Ok(ExportSummary { rows })
}

/// Walks a catalogue list page by page (`fetch`), writing `row` of each item; the row count.
async fn catalogue<T, F, Fut>(
    fetch: F,
    row: impl Fn(&T) -> Vec<crate::table::Cell>,
    sink: &mut dyn RowSink,
) -> Result<u64>
where
    F: Fn(PageRequest) -> Fut,
    Fut: std::future::Future<Output = store::Result<store::Page<T>>>,
{
    let mut req = PageRequest::first(PAGE);
    let mut rows = 0;
    loop {
        let page = fetch(req).await?;
        for item in &page.items {
            sink.row(&row(item))?;
        }
        rows += page.items.len() as u64;
        match (page.has_next, page.end_cursor()) {
            (true, Some(c)) => req = PageRequest::after(PAGE, c),
            _ => return Ok(rows),
        }
    }
}

async fn listings(
    store: &Store,
    filter: &ListingFilter,
    keys: &[String],
    sink: &mut dyn RowSink,
) -> Result<u64> {
    let sort = ListingSort::asc(ListingSortKey::Id);
    let mut req = PageRequest::first(PAGE);
    let mut rows = 0;
    loop {
        let page = store.list_listings(filter, sort, &req).await?;
        let ids = |f: fn(&domain::model::Listing) -> Option<i64>| -> Vec<i64> {
            let mut v: Vec<i64> = page.items.iter().filter_map(f).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let cpus: HashMap<i64, String> = store
            .cpus_by_ids(&ids(|l| l.data.cpu_id))
            .await?
            .into_iter()
            .map(|(id, c)| (id, c.data.name))
            .collect();
        let gpus: HashMap<i64, String> = store
            .gpus_by_ids(&ids(|l| l.data.gpu_id))
            .await?
            .into_iter()
            .map(|(id, g)| (id, g.data.name))
            .collect();
        for l in &page.items {
            let cpu = l.data.cpu_id.and_then(|i| cpus.get(&i)).map(String::as_str);
            let gpu = l.data.gpu_id.and_then(|i| gpus.get(&i)).map(String::as_str);
            sink.row(&columns::listing_row(l, cpu, gpu, keys))?;
        }
        rows += page.items.len() as u64;
        match (page.has_next, page.end_cursor()) {
            (true, Some(c)) => req = PageRequest::after(PAGE, c),
            _ => break,
        }
    }
    Ok(rows)
}
