//! JSON export: one array of objects keyed by column, one object per line, streamed.
//! Decimals are strings (exact), integers and booleans are JSON numbers and booleans.

use std::io::{BufWriter, Write};

use serde_json::{Map, Value as Json};

use crate::Result;
use crate::table::{Cell, RowSink};

/// Writes a JSON array of row objects.
pub struct JsonSink<W: Write> {
    columns: Vec<String>,
    out: BufWriter<W>,
    rows: usize,
}

impl<W: Write> std::fmt::Debug for JsonSink<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonSink")
    }
}

impl<W: Write> JsonSink<W> {
    pub fn new(columns: &[String], out: W) -> Self {
        Self {
            columns: columns.to_vec(),
            out: BufWriter::new(out),
            rows: 0,
        }
    }
}

/// A cell as a JSON value.
pub fn value(c: &Cell) -> Json {
    match c {
        Cell::Null => Json::Null,
        Cell::Text(s) => Json::String(s.clone()),
        Cell::Int(n) => Json::from(*n),
        Cell::Decimal(d) => Json::String(d.to_string()),
        Cell::Bool(b) => Json::Bool(*b),
        Cell::Json(j) => j.clone(),
    }
}

impl<W: Write + Send> RowSink for JsonSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        let obj: Map<String, Json> = self
            .columns
            .iter()
            .zip(cells)
            .map(|(k, c)| (k.clone(), value(c)))
            .collect();
        self.out
            .write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.out, &obj).map_err(std::io::Error::from)?;
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.out
            .write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::*;

    #[test]
    fn array_of_objects_with_exact_decimals() {
        let cols = vec!["id".to_owned(), "price".to_owned(), "tags".to_owned()];
        let mut buf = Vec::new();
        {
            let mut s: Box<dyn RowSink + '_> = Box::new(JsonSink::new(&cols, &mut buf));
            s.row(&[
                Cell::Int(1),
                Cell::Decimal(Decimal::new(19999, 2)),
                Cell::Json(json!(["a", "b"])),
            ])
            .unwrap();
            s.row(&[Cell::Int(2), Cell::Null, Cell::Text("t\"x".into())])
                .unwrap();
            s.finish().unwrap();
        }
        let v: Json = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            v,
            json!([
                {"id": 1, "price": "199.99", "tags": ["a", "b"]},
                {"id": 2, "price": null, "tags": "t\"x"}
            ])
        );
    }

    #[test]
    fn empty_export_is_an_empty_array() {
        let mut buf = Vec::new();
        let s: Box<dyn RowSink + '_> = Box::new(JsonSink::new(&["a".to_owned()], &mut buf));
        s.finish().unwrap();
        let v: Json = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v, json!([]));
    }
}
