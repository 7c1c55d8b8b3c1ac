//! Applies parsed PassMark rows to the catalogue, all or nothing: a file with any row error
//! writes nothing; otherwise every row is planned (looked up by `name_key`) before the first
//! write, and a write failure undoes the writes already made (previous values restored,
//! created CPUs deleted) before the error is returned.

use domain::model::{Cpu, CpuData};
use serde::Serialize;
use store::Store;

use super::fields::{PassmarkCpu, maker};
use super::{Parsed, RowError};
use crate::Result;

/// What an import did (or, with `committed = false`, why it did nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PassmarkReport {
    /// Whether anything was written (false when any row failed).
    pub committed: bool,
    pub updated: usize,
    pub created: usize,
    /// Rows whose CPU already had every given value.
    pub unchanged: usize,
    /// Names not in the catalogue (and not created).
    pub not_found: Vec<String>,
    /// Rows that could not be read.
    pub failed: Vec<RowError>,
    /// CPUs whose values changed: their listings need a revaluation.
    pub changed_cpu_ids: Vec<i64>,
}

enum Step {
    Update { before: Box<Cpu>, after: CpuData },
    Create(CpuData),
}

/// `cpu` with the row's non-null values; `None` when nothing changes.
fn merged(cpu: &CpuData, row: &PassmarkCpu) -> Option<CpuData> {
    let mut d = cpu.clone();
    fn set<T: Clone>(slot: &mut Option<T>, v: &Option<T>) {
        if v.is_some() {
            slot.clone_from(v);
        }
    }
    set(&mut d.cpu_mark_multi, &row.cpu_mark_multi);
    set(&mut d.cpu_mark_single, &row.cpu_mark_single);
    set(&mut d.igpu_model, &row.igpu_model);
    set(&mut d.igpu_mark, &row.igpu_mark);
    set(&mut d.tdp_w, &row.tdp_w);
    set(&mut d.release_year, &row.release_year);
    set(&mut d.cores, &row.cores);
    set(&mut d.threads, &row.threads);
    set(&mut d.passmark_category, &row.category);
    set(&mut d.passmark_slug, &row.slug);
    set(&mut d.passmark_id, &row.passmark_id);
    (d != *cpu).then_some(d)
}

fn created(row: &PassmarkCpu) -> CpuData {
    let blank = CpuData {
        name: row.name.clone(),
        manufacturer: maker(&row.name).to_owned(),
        attributes: serde_json::json!({}),
        ..CpuData::default()
    };
    merged(&blank, row).unwrap_or(blank)
}

/// Writes `parsed` to the catalogue (see the module doc); `create_missing` creates CPUs not
/// found by name, else they are reported in `not_found`.
pub async fn apply(store: &Store, parsed: Parsed, create_missing: bool) -> Result<PassmarkReport> {
    let mut report = PassmarkReport::default();
    if !parsed.errors.is_empty() {
        report.failed = parsed.errors;
        return Ok(report);
    }
    let mut plan = Vec::new();
    for (_, row) in &parsed.rows {
        match store.cpu_by_name(&row.name).await? {
            Some(cpu) => match merged(&cpu.data, row) {
                Some(after) => plan.push(Step::Update {
                    before: Box::new(cpu),
                    after,
                }),
                None => report.unchanged += 1,
            },
            None if create_missing => plan.push(Step::Create(created(row))),
            None => report.not_found.push(row.name.clone()),
        }
    }
    let mut done: Vec<(i64, Option<CpuData>)> = Vec::new();
    for step in &plan {
        let res = match step {
            Step::Update { before, after } => store
                .update_cpu(before.id, after)
                .await
                .map(|c| (c.id, Some(before.data.clone()))),
            Step::Create(data) => store.create_cpu(data).await.map(|c| (c.id, None)),
        };
        match res {
            Ok(d) => done.push(d),
            Err(e) => {
                undo(store, done).await;
                return Err(e.into());
            }
        }
    }
    for (id, before) in done {
        if before.is_some() {
            report.updated += 1;
            report.changed_cpu_ids.push(id);
        } else {
            report.created += 1;
        }
    }
    report.committed = true;
    Ok(report)
}

async fn undo(store: &Store, done: Vec<(i64, Option<CpuData>)>) {
    for (id, before) in done.into_iter().rev() {
        let r = match before {
            Some(data) => store.update_cpu(id, &data).await.map(|_| ()),
            None => store.delete_cpu(id).await,
        };
        if let Err(e) = r {
            tracing::error!(cpu_id = id, error = %e, "passmark import: could not undo a write");
        }
    }
}
