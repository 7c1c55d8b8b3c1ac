//! The formats, the cell values they carry, and one streaming row writer per format.

use std::io::Write;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use crate::{Result, TransferError};

/// An export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    /// The file extension (no dot).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }

    /// The media type served with the file.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
        }
    }

    /// The format of an extension (`csv`, `xlsx`, `json`, any case).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::from_extension(s).ok_or_else(|| format!("unknown format `{s}` (csv, xlsx, json)"))
    }
}

/// One exported value. Money and ratios stay exact decimals (JSON strings, CSV text); XLSX
/// writes them as numbers because spreadsheets compute with them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Decimal(Decimal),
    Bool(bool),
    /// A custom value that is a list or an object (compact JSON text outside JSON).
    Json(Json),
}

impl Cell {
    /// The cell as CSV/plain text (`""` for null).
    pub fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Decimal(d) => d.normalize().to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Json(j) => j.to_string(),
        }
    }

    /// A custom value as a cell.
    pub fn from_json(v: &Json) -> Cell {
        match v {
            Json::Null => Cell::Null,
            Json::Bool(b) => Cell::Bool(*b),
            Json::String(s) => Cell::Text(s.clone()),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Cell::Int(i),
                None => n
                    .to_string()
                    .parse::<Decimal>()
                    .map(Cell::Decimal)
                    .unwrap_or_else(|_| Cell::Text(n.to_string())),
            },
            other => Cell::Json(other.clone()),
        }
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Cell {
        v.map_or(Cell::Null, Cell::Text)
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Cell {
        Cell::Text(v)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Cell {
        Cell::Text(v.to_owned())
    }
}
impl From<Option<i32>> for Cell {
    fn from(v: Option<i32>) -> Cell {
        v.map_or(Cell::Null, |n| Cell::Int(n.into()))
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(v)
    }
}
impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Cell {
        v.map_or(Cell::Null, Cell::Int)
    }
}
impl From<Decimal> for Cell {
    fn from(v: Decimal) -> Cell {
        Cell::Decimal(v)
    }
}
impl From<Option<Decimal>> for Cell {
    fn from(v: Option<Decimal>) -> Cell {
        v.map_or(Cell::Null, Cell::Decimal)
    }
}

/// A streaming table writer: a header, then rows in order, then `finish`.
pub trait RowSink: Send {
    /// Writes one row (as many cells as columns).
    fn row(&mut self, cells: &[Cell]) -> Result<()>;
    /// Completes the file and flushes it.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// A sink writing `format` with `columns` into `out`.
pub fn open_sink<'a, W: Write + Send + 'a>(
    format: Format,
    columns: &[String],
    out: W,
) -> Result<Box<dyn RowSink + 'a>> {
    Ok(match format {
        Format::Csv => Box::new(crate::csv::CsvSink::new(columns, out)?),
        Format::Json => Box::new(crate::json::JsonSink::new(columns, out)),
        Format::Xlsx => Box::new(crate::xlsx::XlsxSink::new(columns, out)?),
    })
}

pub(crate) fn xlsx_err(e: impl std::fmt::Display) -> TransferError {
    TransferError::Xlsx(e.to_string())
}
