//! PassMark import (DOMAIN.md §7.4): CPU marks from CSV (`cpu_name, cpu_mark_single,
//! cpu_mark_multi, igpu_model, igpu_mark, tdp_w, release_year`) or JSON (a list, or one under
//! `cpus`/`items`/`data`), with the field fallbacks of the spec. [`parse`] turns a file into
//! rows and per-row errors; [`apply`] writes them to the catalogue.

pub mod apply;
mod fields;

pub use apply::{PassmarkReport, apply};
pub use fields::PassmarkCpu;

use serde_json::{Map, Value as Json};

use crate::{Result, TransferError, csv};

/// A row that could not be read: its line (CSV, 1-based, the header is line 1) or position
/// (JSON, 1-based), the CPU name when known, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: usize,
    pub name: Option<String>,
    pub message: String,
}

/// A parsed file: good rows (with their line) and row errors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub rows: Vec<(usize, PassmarkCpu)>,
    pub errors: Vec<RowError>,
}

/// Parses a PassMark file; JSON when it starts with `[` or `{`, else CSV. A file that is not
/// readable at all (bad JSON, unterminated quote, no rows) is an error; bad rows are listed.
pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| TransferError::Invalid("the file is not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = if text.trim_start().starts_with(['[', '{']) {
        json_records(text)?
    } else {
        csv_records(text)?
    };
    if records.is_empty() {
        return Err(TransferError::Invalid("the file holds no CPU rows".into()));
    }
    let mut out = Parsed::default();
    let mut seen = std::collections::HashMap::new();
    for (line, rec) in records {
        match fields::cpu(&rec) {
            Ok(cpu) => {
                let key = domain::model::name_key(&cpu.name);
                if let Some(first) = seen.insert(key, line) {
                    out.errors.push(RowError {
                        line,
                        name: Some(cpu.name),
                        message: format!("duplicate CPU (first on line {first})"),
                    });
                } else {
                    out.rows.push((line, cpu));
                }
            }
            Err((name, message)) => out.errors.push(RowError {
                line,
                name,
                message,
            }),
        }
    }
    Ok(out)
}

/// A record: lower-cased keys to values (CSV cells are strings; blank cells are absent).
type Rec = Map<String, Json>;

fn csv_records(text: &str) -> Result<Vec<(usize, Rec)>> {
    let mut rows = csv::parse(text)?.into_iter();
    let Some(header) = rows.next() else {
        return Ok(Vec::new());
    };
    let keys: Vec<String> = header
        .fields
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    Ok(rows
        .map(|r| {
            let rec = keys
                .iter()
                .zip(r.fields)
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.clone(), Json::String(v)))
                .collect();
            (r.line, rec)
        })
        .collect())
}

fn json_records(text: &str) -> Result<Vec<(usize, Rec)>> {
    let v: Json = serde_json::from_str(text)
        .map_err(|e| TransferError::Invalid(format!("invalid JSON: {e}")))?;
    let list = match v {
        Json::Array(a) => a,
        Json::Object(mut o) => match ["cpus", "items", "data"]
            .iter()
            .find_map(|k| o.remove(*k).filter(Json::is_array))
        {
            Some(Json::Array(a)) => a,
            _ => {
                return Err(TransferError::Invalid(
                    "JSON must be a list of CPUs or hold one under `cpus`, `items` or `data`"
                        .into(),
                ));
            }
        },
        _ => return Err(TransferError::Invalid("JSON must be a list of CPUs".into())),
    };
    Ok(list
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let rec = match item {
                Json::Object(o) => o
                    .into_iter()
                    .map(|(k, v)| (k.trim().to_lowercase(), v))
                    .filter(|(_, v)| !v.is_null())
                    .collect(),
                // Not an object: an empty record fails with "missing cpu_name".
                _ => Rec::new(),
            };
            (i + 1, rec)
        })
        .collect())
}

#[cfg(test)]
mod tests;
