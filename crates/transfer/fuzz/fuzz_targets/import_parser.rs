//! Fuzzes the upload path of import sessions: any bytes, read as CSV, TSV, XLSX, ODS or XLS
//! (the first byte picks), must become sheets or a typed refusal; the sheets must then inspect,
//! auto-map, parse row by row and plan against an empty catalogue without panicking. The
//! PassMark reader gets the same bytes.
//!
//! Run from `crates/transfer/fuzz` (see crates/transfer/README.md):
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run import_parser -- -max_total_time=600`.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use store::ImportCatalogue;
use transfer::import::{book, plan, read, state::Resolutions};

/// The upload names the reader dispatches on (by extension).
const NAMES: &[&str] = &["u.csv", "u.tsv", "u.xlsx", "u.ods", "u.xls"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let _ = transfer::passmark::parse(bytes);
    let Ok(sheets) = read::read(name, bytes) else {
        return;
    };
    let infos = book::inspect(&sheets, &BTreeMap::new());
    let mappings = book::initial_mappings(&infos);
    let parsed = book::parse(&sheets, &mappings, &BTreeMap::new());
    let _ = plan::analyse(&parsed, &ImportCatalogue::default(), &Resolutions::default());
});
