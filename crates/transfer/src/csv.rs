//! CSV (RFC 4180): a field is quoted when it holds a comma, a quote, a line break or outer
//! spaces, quotes inside are doubled; lines end with CRLF. The reader accepts the same (and
//! LF line ends, a UTF-8 BOM, a quoted field spanning lines).

use std::io::{BufWriter, Write};

use crate::table::{Cell, RowSink};
use crate::{Result, TransferError};

/// One field as CSV text.
pub fn quote(field: &str) -> String {
    let needs =
        field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ');
    if needs {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn line(fields: impl Iterator<Item = String>) -> String {
    let mut s = fields.map(|f| quote(&f)).collect::<Vec<_>>().join(",");
    s.push_str("\r\n");
    s
}

/// Writes CSV rows.
pub struct CsvSink<W: Write> {
    out: BufWriter<W>,
}

impl<W: Write> std::fmt::Debug for CsvSink<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsvSink")
    }
}

impl<W: Write> CsvSink<W> {
    /// Writes the header line.
    pub fn new(columns: &[String], out: W) -> Result<Self> {
        let mut out = BufWriter::new(out);
        out.write_all(line(columns.iter().cloned()).as_bytes())?;
        Ok(Self { out })
    }
}

impl<W: Write + Send> RowSink for CsvSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        self.out
            .write_all(line(cells.iter().map(Cell::text)).as_bytes())?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// A parsed record with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Parses CSV text into records; blank lines are skipped. An unterminated quote is an error.
pub fn parse(text: &str) -> Result<Vec<Record>> {
    parse_delimited(text, ',')
}

/// [`parse`] with another field separator (`\t` for TSV).
pub fn parse_delimited(text: &str, delim: char) -> Result<Vec<Record>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut end_record = |fields: &mut Vec<String>, field: &mut String, was: bool, start| {
        fields.push(std::mem::take(field));
        let f = std::mem::take(fields);
        if !(f.len() == 1 && f[0].is_empty() && !was) {
            records.push(Record {
                line: start,
                fields: f,
            });
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            c if c == delim => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                let was = was_quoted || !fields.is_empty();
                end_record(&mut fields, &mut field, was, start);
                was_quoted = false;
                line += 1;
                start = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(TransferError::Invalid(format!(
            "unterminated quoted field starting on line {start}"
        )));
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        end_record(&mut fields, &mut field, true, start);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote(" padded"), "\" padded\"");
        assert_eq!(quote(""), "");
    }

    #[test]
    fn writes_and_reads_back() {
        let cols = vec!["name".to_owned(), "note".to_owned(), "n".to_owned()];
        let mut buf = Vec::new();
        {
            let mut s: Box<dyn RowSink + '_> = Box::new(CsvSink::new(&cols, &mut buf).unwrap());
            s.row(&[
                "Intel Core i5-8500".into(),
                "has, comma and \"quotes\"\nand a line".into(),
                Cell::Int(9_000),
            ])
            .unwrap();
            s.row(&[Cell::Text("x".into()), Cell::Null, Cell::Bool(true)])
                .unwrap();
            s.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("name,note,n\r\n"));
        let recs = parse(&text).unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].fields[1], "has, comma and \"quotes\"\nand a line");
        assert_eq!(recs[1].fields[2], "9000");
        assert_eq!(recs[2].line, 4, "the quoted line break counts");
        assert_eq!(recs[2].fields, vec!["x", "", "true"]);
    }

    #[test]
    fn reader_edge_cases() {
        let recs = parse("\u{feff}a,b\n\n1,\"\"\n").unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].fields, vec!["a", "b"]);
        assert_eq!(recs[1].fields, vec!["1", ""]);
        assert_eq!(recs[1].line, 3);
        assert!(parse("a,\"open\n").is_err());
        assert_eq!(parse("x").unwrap()[0].fields, vec!["x"]);
    }
}
