//! Reading one row's mapped cells with the §7.3 rules: each accessor returns the parsed value
//! or records a per-row error (`field` = the entity field, `code` from the closed set) and
//! returns `None`. Formula cells are refused: only values are imported.

use calamine::Data;
use domain::parsing::{self, Cell};
use serde::{Deserialize, Serialize};

use super::read::Sheet;

/// A problem with one row (an error blocks the row; a warning does not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    pub sheet: String,
    /// Spreadsheet row (1-based; the header is usually row 1).
    pub row: usize,
    /// The entity field (or `attributes.<key>`).
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Field → column index for the mapped fields of one sheet.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub fields: Vec<(String, usize)>,
}

impl Columns {
    /// The column index of `field`, when mapped.
    pub fn get(&self, field: &str) -> Option<usize> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, c)| *c)
    }
}

/// One row being read.
#[derive(Debug)]
pub struct RowReader<'a> {
    pub sheet: &'a Sheet,
    pub row: usize,
    pub cells: &'a [Data],
    pub cols: &'a Columns,
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
}

/// Text of a cell as a person would read it (`450` for 450.0).
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => domain::value::NumText(*f).to_string(),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

impl<'a> RowReader<'a> {
    pub fn new(sheet: &'a Sheet, row: usize, cells: &'a [Data], cols: &'a Columns) -> Self {
        Self {
            sheet,
            row,
            cells,
            cols,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn issue(&self, field: &str, code: &str, message: String) -> RowIssue {
        RowIssue {
            sheet: self.sheet.name.clone(),
            row: self.row,
            field: field.to_owned(),
            code: code.to_owned(),
            message,
        }
    }

    /// Records an error on `field` (the first one only: a refused formula is not also
    /// reported as a missing value).
    pub fn error(&mut self, field: &str, code: &str, message: impl Into<String>) {
        if self.errors.iter().any(|e| e.field == field) {
            return;
        }
        let i = self.issue(field, code, message.into());
        self.errors.push(i);
    }

    /// Records a warning on `field`.
    pub fn warn(&mut self, field: &str, code: &str, message: impl Into<String>) {
        let i = self.issue(field, code, message.into());
        self.warnings.push(i);
    }

    /// The non-blank cell of `field` at column `col` (formulas and error cells refused).
    pub fn raw_at(&mut self, field: &str, col: usize) -> Option<&'a Data> {
        let d = self.cells.get(col)?;
        let formula = self.sheet.is_formula(self.row, col)
            || matches!(d, Data::String(s) if s.len() > 1 && s.starts_with('='));
        if formula {
            self.error(
                field,
                "formula",
                "the cell holds a formula; only values are imported (paste values)",
            );
            return None;
        }
        match d {
            Data::Empty => None,
            Data::String(s) if s.trim().is_empty() => None,
            Data::Error(e) => {
                self.error(
                    field,
                    "cell_error",
                    format!("the cell holds an error ({e})"),
                );
                None
            }
            d => Some(d),
        }
    }

    /// The non-blank cell of `field`, when mapped.
    pub fn raw(&mut self, field: &str) -> Option<&'a Data> {
        let col = self.cols.get(field)?;
        self.raw_at(field, col)
    }

    /// Trimmed text of `field`.
    pub fn text(&mut self, field: &str) -> Option<String> {
        let d = self.raw(field)?;
        let t = cell_text(d).trim().to_owned();
        (!t.is_empty()).then_some(t)
    }

    /// `field` as a parser cell (numbers stay numbers).
    pub fn cell(&mut self, field: &str) -> Option<(Cell<'a>, String)> {
        let d = self.raw(field)?;
        Some(match d {
            Data::String(s) => (Cell::Text(s), s.clone()),
            Data::Float(f) => (Cell::Number(*f), cell_text(d)),
            Data::Int(i) => (Cell::Number(*i as f64), i.to_string()),
            other => (Cell::Text(""), other.to_string()),
        })
    }

    /// A whole number ≥ 0 (§7.3 integers); other text → `invalid_integer`.
    pub fn int(&mut self, field: &str) -> Option<i32> {
        let t = self.text(field)?;
        let null = ["-", "na", "n/a", "null", "none"]
            .iter()
            .any(|n| t.eq_ignore_ascii_case(n));
        if null {
            return None;
        }
        match parsing::integer(&t).and_then(|n| i32::try_from(n).ok()) {
            Some(n) if n >= 0 => Some(n),
            _ => {
                self.error(
                    field,
                    "invalid_integer",
                    format!("`{t}` is not a whole number ≥ 0"),
                );
                None
            }
        }
    }

    /// A capacity in GB (§7.3); other text → `invalid_capacity`. Also returns the text.
    pub fn capacity(&mut self, field: &str) -> Option<(Option<i32>, String)> {
        let t = self.text(field)?;
        let null = ["-", "na", "n/a", "none"]
            .iter()
            .any(|n| t.eq_ignore_ascii_case(n));
        if null {
            return None;
        }
        match parsing::capacity_gb(&t).and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Some((Some(n), t)),
            None => {
                self.error(
                    field,
                    "invalid_capacity",
                    format!("`{t}` is not a capacity (e.g. 512GB, 1 TB)"),
                );
                None
            }
        }
    }
}

/// The speed in a RAM text (`DDR4-3200`, `3200MHz`, `ddr5 5600`), when one is given.
pub fn ram_speed(text: &str) -> Option<i32> {
    let t = text.to_lowercase();
    let num_at = |s: &str| -> Option<i32> {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        d.parse().ok().filter(|n| (100..=20_000).contains(n))
    };
    if let Some(i) = t.find("mhz") {
        let before = t[..i].trim_end();
        let start = before
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |p| p + 1);
        if let Some(n) = num_at(&before[start..]) {
            return Some(n);
        }
    }
    if let Some(i) = t.find("ddr") {
        let rest = &t[i + 3..];
        // Skip the generation digit (and an `x`), then separators, then read the speed.
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == 'x');
        let rest = rest.trim_start_matches([' ', '-', '_']);
        return num_at(rest);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_speeds() {
        assert_eq!(ram_speed("16GB DDR4-3200"), Some(3200));
        assert_eq!(ram_speed("32 GB LPDDR5x 6400"), Some(6400));
        assert_eq!(ram_speed("8GB 2666MHz"), Some(2666));
        assert_eq!(ram_speed("16GB DDR4"), None);
        assert_eq!(ram_speed("16GB"), None);
    }
}
