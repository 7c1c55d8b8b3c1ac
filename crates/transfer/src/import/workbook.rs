//! Workbook files (`.xlsx .xlsm .xls .ods`) into [`Sheet`]s through calamine, with the
//! positions of formula cells (refused per row: only values are imported).
//!
//! An `.xlsx`/`.xlsm` sheet's XML is walked once, each cell giving its value and whether it
//! holds a formula together: reading values and formulas separately parsed every sheet twice,
//! the largest part of a big upload's preview. `.xls`, `.xlsb` and `.ods` readers have no such
//! one-pass API; their values and formula ranges are read separately.

use std::io::Cursor;

use calamine::{Cell, Data, Range, Reader as _, Sheets, Xlsx, XlsxError};

use super::bad;
use super::read::Sheet;
use crate::{Result, TransferError};

/// Whether `bytes` is an OLE compound file holding an `EncryptedPackage` stream: how Office
/// stores a password-protected `.xlsx`.
fn encrypted_ooxml(bytes: &[u8]) -> bool {
    const CFB: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if !bytes.starts_with(&CFB) {
        return false;
    }
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(name.len()).any(|w| w == name.as_slice())
}

/// A reader's error as the upload's refusal: `password_protected` when the reader says so,
/// else `corrupt_file`.
fn corrupt(e: &dyn std::fmt::Display) -> TransferError {
    let msg = e.to_string();
    if msg.to_lowercase().contains("password") {
        bad(
            "file",
            "password_protected",
            "the workbook is password-protected; save a copy without a password",
        )
    } else {
        bad(
            "file",
            "corrupt_file",
            format!("the workbook cannot be read ({msg})"),
        )
    }
}

/// Reads every sheet of a workbook (empty sheets are left out).
pub(super) fn read(bytes: &[u8]) -> Result<Vec<Sheet>> {
    if encrypted_ooxml(bytes) {
        return Err(bad(
            "file",
            "password_protected",
            "the workbook is password-protected; save a copy without a password and upload that",
        ));
    }
    let book: Sheets<_> =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| corrupt(&e))?;
    match book {
        Sheets::Xlsx(mut x) => {
            let mut out = Vec::new();
            for name in x.sheet_names() {
                out.extend(xlsx_sheet(&mut x, name)?);
            }
            Ok(out)
        }
        mut other => {
            let mut out = Vec::new();
            for name in other.sheet_names() {
                let range = other.worksheet_range(&name).map_err(|e| corrupt(&e))?;
                // A reader without formula support simply reports none.
                let formulas = other
                    .worksheet_formula(&name)
                    .map(|f| formula_cells(&f))
                    .unwrap_or_default();
                out.extend(Sheet::from_range(name, range, formulas));
            }
            Ok(out)
        }
    }
}

/// Absolute positions of the non-empty cells of a formula range.
fn formula_cells(f: &Range<String>) -> Vec<(u32, u32)> {
    let Some((fr, fc)) = f.start() else {
        return Vec::new();
    };
    f.used_cells()
        .filter(|(_, _, t)| !t.is_empty())
        .filter_map(|(r, c, _)| {
            Some((
                fr.checked_add(u32::try_from(r).ok()?)?,
                fc.checked_add(u32::try_from(c).ok()?)?,
            ))
        })
        .collect()
}

/// One `.xlsx` sheet in one pass over its XML; `None` when it has no value (or is a chart
/// sheet). Like calamine's own range reading, empty cells are not stored; a formula is
/// recorded even when its cached value is empty.
fn xlsx_sheet<RS: std::io::Read + std::io::Seek>(
    x: &mut Xlsx<RS>,
    name: String,
) -> Result<Option<Sheet>> {
    let mut reader = match x.worksheet_cells_reader(&name) {
        Ok(r) => r,
        Err(XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(corrupt(&e)),
    };
    let mut cells: Vec<Cell<Data>> = Vec::new();
    let mut formulas = Vec::new();
    while let Some(c) = reader
        .next_cell_with_formula_metadata()
        .map_err(|e| corrupt(&e))?
    {
        if c.formula.is_some() {
            formulas.push(c.pos);
        }
        let value = Data::from(c.value);
        if value != Data::Empty {
            cells.push(Cell::new(c.pos, value));
        }
    }
    Ok(Sheet::from_range(name, Range::from_sparse(cells), formulas))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use calamine::Data;
    use rust_xlsxwriter::{Formula, Workbook};

    /// A sheet whose table starts at C3, with a formula in D5, and a sheet that is empty.
    fn offset_book() -> Vec<u8> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name("Offset").unwrap();
        ws.write_string(2, 2, "Name").unwrap();
        ws.write_string(2, 3, "Price").unwrap();
        ws.write_string(3, 2, "first").unwrap();
        ws.write_number(3, 3, 10.0).unwrap();
        ws.write_string(4, 2, "second").unwrap();
        ws.write_formula(4, 3, Formula::new("=D4*2").set_result("20"))
            .unwrap();
        book.add_worksheet().set_name("Empty").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn one_pass_keeps_sheet_positions_and_marks_formulas() {
        let sheets = super::read(&offset_book()).unwrap();
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Offset"], "an empty sheet has no range");
        let s = &sheets[0];
        // Columns keep the sheet's indexes: A and B are padding before the header in C.
        assert_eq!(s.columns, ["column 1", "column 2", "Name", "Price"]);
        let rows: Vec<(usize, Vec<Data>)> = s.rows().map(|(n, r)| (n, r.to_vec())).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 4, "spreadsheet row numbers");
        assert_eq!(rows[0].1[2], Data::String("first".into()));
        assert_eq!(rows[0].1[3], Data::Float(10.0));
        assert_eq!(rows[1].0, 5);
        assert!(s.is_formula(5, 3), "D5 holds a formula");
        assert!(!s.is_formula(4, 3) && !s.is_formula(5, 2));
    }

    #[test]
    fn unreadable_workbooks_are_refused_as_corrupt() {
        let mut bytes = offset_book();
        bytes.truncate(bytes.len() / 2);
        match super::read(&bytes) {
            Err(crate::TransferError::Input { code, .. }) => assert_eq!(code, "corrupt_file"),
            other => panic!("{other:?}"),
        }
    }
}
