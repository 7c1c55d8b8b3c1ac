//! Reading an upload into sheets: `.xlsx .xlsm .xls .ods` through calamine (every sheet), `.csv`
//! and `.tsv` as one sheet. Cells stay calamine [`Data`] values in one contiguous grid per
//! sheet (a number stays a number, text is one allocation per cell) — never a map of strings
//! per row — and callers walk the rows by reference.
//!
//! Refused as a whole, with a stable code: an empty file (`empty_file`), more than
//! [`MAX_BYTES`] (`file_too_large`), an unknown extension (`unsupported_format`), a
//! password-protected workbook (`password_protected`), a file the format's reader cannot
//! read (`corrupt_file`), and a sheet of more than [`MAX_ROWS`] data rows (`too_many_rows`).

use std::collections::HashSet;

use calamine::{Data, Range};

use super::bad;
use crate::Result;

/// The largest upload (20 MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The most data rows in one sheet.
pub const MAX_ROWS: usize = 50_000;

/// The kinds of file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Workbook,
    Csv,
    Tsv,
}

impl FileKind {
    /// The kind of a file name's extension.
    pub fn of(filename: &str) -> Result<FileKind> {
        let ext = filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "xlsx" | "xlsm" | "xls" | "ods" => Ok(FileKind::Workbook),
            "csv" => Ok(FileKind::Csv),
            "tsv" => Ok(FileKind::Tsv),
            _ => Err(bad(
                "file",
                "unsupported_format",
                format!("`{filename}` is not an .xlsx, .xlsm, .xls, .ods, .csv or .tsv file"),
            )),
        }
    }

    /// The media type recorded with a session.
    pub fn content_type(self, filename: &str) -> &'static str {
        match self {
            FileKind::Csv => "text/csv",
            FileKind::Tsv => "text/tab-separated-values",
            FileKind::Workbook if filename.to_ascii_lowercase().ends_with(".ods") => {
                "application/vnd.oasis.opendocument.spreadsheet"
            }
            FileKind::Workbook => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

pub(super) enum Grid {
    Range(Range<Data>),
    Flat { width: usize, cells: Vec<Data> },
}

/// One sheet: its header (the first non-empty row) and its data rows below it.
pub struct Sheet {
    pub name: String,
    /// Header texts, trimmed; a blank header cell is named `column N`.
    pub columns: Vec<String>,
    grid: Grid,
    /// Index of the header row in the grid.
    header: usize,
    /// Spreadsheet row number of grid row 0 (1-based).
    first_row: usize,
    /// Grid positions (row, column) holding a formula.
    formulas: HashSet<(u32, u32)>,
}

impl std::fmt::Debug for Sheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sheet")
            .field("name", &self.name)
            .field("columns", &self.columns)
            .field("rows", &self.row_count())
            .finish()
    }
}

fn blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

impl Sheet {
    /// A sheet over `grid`, whose row 0 is spreadsheet row `first_row`; `formulas` are grid
    /// positions.
    pub(super) fn new(
        name: String,
        grid: Grid,
        first_row: usize,
        formulas: HashSet<(u32, u32)>,
    ) -> Self {
        let mut s = Sheet {
            name,
            columns: Vec::new(),
            grid,
            header: 0,
            first_row,
            formulas,
        };
        let header = s.grid_rows().position(|r| !r.iter().all(blank));
        if let Some(h) = header {
            s.header = h;
            let row = s.grid_rows().nth(h).unwrap_or_default();
            let mut cols: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, d)| match d.to_string().trim() {
                    "" => format!("column {}", i + 1),
                    t => t.to_owned(),
                })
                .collect();
            while cols.last().is_some_and(|c| c.starts_with("column ")) {
                cols.pop();
            }
            s.columns = cols;
        }
        s
    }

    /// A sheet over a calamine range; `formulas` are absolute (row, column) positions. A
    /// range starting right of column A is padded on the left so that column indexes are the
    /// sheet's; grid columns are then absolute and grid rows count from the range's first.
    pub(super) fn from_range(
        name: String,
        range: Range<Data>,
        formulas: impl IntoIterator<Item = (u32, u32)>,
    ) -> Option<Self> {
        let (r0, c0) = range.start()?;
        let formulas = formulas
            .into_iter()
            .filter_map(|(r, c)| Some((r.checked_sub(r0)?, c)))
            .collect();
        let grid = if c0 > 0 {
            let pad = c0 as usize;
            let width = range.width() + pad;
            let mut cells = Vec::with_capacity(range.height() * width);
            for row in range.rows() {
                cells.extend(std::iter::repeat_n(Data::Empty, pad));
                cells.extend(row.iter().cloned());
            }
            Grid::Flat { width, cells }
        } else {
            Grid::Range(range)
        };
        Some(Sheet::new(name, grid, r0 as usize + 1, formulas))
    }

    fn grid_rows(&self) -> Box<dyn Iterator<Item = &[Data]> + '_> {
        match &self.grid {
            Grid::Range(r) => Box::new(r.rows()),
            Grid::Flat { width, cells } => Box::new(cells.chunks((*width).max(1))),
        }
    }

    /// Data rows (blank rows skipped) with their spreadsheet row number (1-based).
    pub fn rows(&self) -> impl Iterator<Item = (usize, &[Data])> + '_ {
        let skip = if self.columns.is_empty() {
            usize::MAX
        } else {
            self.header + 1
        };
        self.grid_rows()
            .enumerate()
            .skip(skip)
            .filter(|(_, r)| !r.iter().all(blank))
            .map(|(i, r)| (i + self.first_row, r))
    }

    /// How many data rows.
    pub fn row_count(&self) -> usize {
        self.rows().count()
    }

    /// Whether the cell at spreadsheet row `row`, column index `col` holds a formula.
    pub fn is_formula(&self, row: usize, col: usize) -> bool {
        !self.formulas.is_empty()
            && self.formulas.contains(&(
                u32::try_from(row - self.first_row).unwrap_or(u32::MAX),
                u32::try_from(col).unwrap_or(u32::MAX),
            ))
    }

    /// The index of a header.
    pub fn column_index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }
}

/// Reads every non-empty sheet of an upload (see the module doc for the refusals).
pub fn read(filename: &str, bytes: &[u8]) -> Result<Vec<Sheet>> {
    let kind = FileKind::of(filename)?;
    if bytes.is_empty() {
        return Err(bad("file", "empty_file", "the file is empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(too_large(bytes.len()));
    }
    let sheets = match kind {
        FileKind::Workbook => super::workbook::read(bytes)?,
        FileKind::Csv => vec![delimited(filename, bytes, b',')?],
        FileKind::Tsv => vec![delimited(filename, bytes, b'\t')?],
    };
    let sheets: Vec<Sheet> = sheets
        .into_iter()
        .filter(|s| !s.columns.is_empty())
        .collect();
    if sheets.is_empty() {
        return Err(bad("file", "empty_file", "the file holds no rows"));
    }
    for s in &sheets {
        let n = s.row_count();
        if n > MAX_ROWS {
            return Err(bad(
                "file",
                "too_many_rows",
                format!(
                    "sheet `{}` has {n} rows; at most {MAX_ROWS} rows a sheet are imported",
                    s.name
                ),
            ));
        }
    }
    Ok(sheets)
}

/// The error for an upload over [`MAX_BYTES`].
pub fn too_large(len: usize) -> crate::TransferError {
    bad(
        "file",
        "file_too_large",
        format!(
            "the file has {:.1} MiB; uploads are limited to {} MiB",
            len as f64 / 1_048_576.0,
            MAX_BYTES / 1_048_576
        ),
    )
}

fn delimited(filename: &str, bytes: &[u8], delim: u8) -> Result<Sheet> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| bad("file", "corrupt_file", "the file is not UTF-8 text"))?;
    let records = crate::csv::parse_delimited(text, char::from(delim))
        .map_err(|e| bad("file", "corrupt_file", e.to_string()))?;
    let width = records.iter().map(|r| r.fields.len()).max().unwrap_or(0);
    let mut cells = Vec::with_capacity(records.len() * width);
    // Row numbers are record positions (the header is row 1); blank lines are not rows.
    for r in records {
        let n = r.fields.len();
        cells.extend(r.fields.into_iter().map(|f| {
            if f.is_empty() {
                Data::Empty
            } else {
                Data::String(f)
            }
        }));
        cells.extend(std::iter::repeat_n(Data::Empty, width - n));
    }
    let stem = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    Ok(Sheet::new(
        stem.to_owned(),
        Grid::Flat { width, cells },
        1,
        HashSet::new(),
    ))
}
