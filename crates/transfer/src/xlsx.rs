//! XLSX: one worksheet in rust_xlsxwriter's constant-memory mode (rows go to a temporary
//! file as they come), a bold frozen header; numbers as numbers. [`read`] reads a sheet back
//! with calamine (tests, and any later workbook import).

use std::io::{Cursor, Write};

use calamine::{Data, Reader as _, Xlsx};
use rust_decimal::prelude::ToPrimitive as _;
use rust_xlsxwriter::{Format as XFormat, Workbook};

use crate::table::{Cell, RowSink, xlsx_err};
use crate::{Result, TransferError};

/// Excel's last row index.
const MAX_ROW: u32 = 1_048_575;

/// Writes an XLSX workbook of one sheet.
pub struct XlsxSink<W: Write + Send> {
    book: Workbook,
    row: u32,
    out: W,
}

impl<W: Write + Send> std::fmt::Debug for XlsxSink<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxSink").field("row", &self.row).finish()
    }
}

impl<W: Write + Send> XlsxSink<W> {
    /// Starts the workbook with its header row.
    pub fn new(columns: &[String], out: W) -> Result<Self> {
        let mut book = Workbook::new();
        let bold = XFormat::new().set_bold();
        let sheet = book
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_err)?;
        sheet.set_name("export").map_err(xlsx_err)?;
        for (c, name) in columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, col(c)?, name, &bold)
                .map_err(xlsx_err)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        Ok(Self { book, row: 0, out })
    }
}

fn col(c: usize) -> Result<u16> {
    u16::try_from(c).map_err(|_| TransferError::Invalid("too many columns for XLSX".into()))
}

impl<W: Write + Send> RowSink for XlsxSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        if self.row >= MAX_ROW {
            return Err(TransferError::Invalid(
                "more rows than an XLSX sheet holds; export CSV or JSON".into(),
            ));
        }
        self.row += 1;
        let r = self.row;
        let sheet = self.book.worksheet_from_index(0).map_err(xlsx_err)?;
        for (c, cell) in cells.iter().enumerate() {
            let c = col(c)?;
            match cell {
                Cell::Null => continue,
                Cell::Int(n) => sheet.write_number(r, c, *n as f64),
                Cell::Decimal(d) => sheet.write_number(r, c, d.to_f64().unwrap_or_default()),
                Cell::Bool(b) => sheet.write_boolean(r, c, *b),
                other => sheet.write_string(r, c, other.text()),
            }
            .map_err(xlsx_err)?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let mut out = self.out;
        self.book.save_to_writer(&mut out).map_err(xlsx_err)?;
        out.flush()?;
        Ok(())
    }
}

/// The first sheet of an XLSX file as rows of cells (empty cells as [`Cell::Null`]; whole
/// floats as [`Cell::Int`], other floats as [`Cell::Decimal`]).
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<Cell>>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| TransferError::Invalid(format!("not a readable XLSX workbook: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| TransferError::Invalid("the workbook has no sheet".into()))?
        .map_err(|e| TransferError::Invalid(e.to_string()))?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(cell_of).collect())
        .collect())
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Null,
        Data::Int(n) => Cell::Int(*n),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Cell::Int(*f as i64),
        Data::Float(f) => rust_decimal::Decimal::from_f64_retain(*f)
            .map(|d| Cell::Decimal(d.round_dp(6).normalize()))
            .unwrap_or(Cell::Null),
        Data::Bool(b) => Cell::Bool(*b),
        Data::String(s) => Cell::Text(s.clone()),
        other => Cell::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn round_trip_through_calamine() {
        let cols: Vec<String> = ["id", "name", "price", "active", "note"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let mut buf = Vec::new();
        {
            let mut s: Box<dyn RowSink + '_> =
                Box::new(XlsxSink::new(&cols, Cursor::new(&mut buf)).unwrap());
            for i in 0..3 {
                s.row(&[
                    Cell::Int(i),
                    Cell::Text(format!("cpu, \"{i}\"")),
                    Cell::Decimal(Decimal::new(12_345 + i, 2)),
                    Cell::Bool(i % 2 == 0),
                    Cell::Null,
                ])
                .unwrap();
            }
            s.finish().unwrap();
        }
        let rows = read(&buf).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0][1], Cell::Text("name".into()));
        assert_eq!(rows[2][0], Cell::Int(1));
        assert_eq!(rows[2][1], Cell::Text("cpu, \"1\"".into()));
        assert_eq!(rows[2][2], Cell::Decimal(Decimal::new(12_346, 2)));
        assert_eq!(rows[2][3], Cell::Bool(false));
        assert!(rows[3].get(4).is_none_or(|c| *c == Cell::Null));
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        assert!(matches!(read(b"not a zip"), Err(TransferError::Invalid(_))));
    }
}
