//! # transfer — Deal Brain's file formats
//!
//! Moves data between the store and the files people use: exports of listings (with their
//! current valuation, metrics and custom fields), CPUs and GPUs as CSV, XLSX or JSON, and the
//! PassMark import of CPU marks (CSV or JSON, with the field fallbacks of DOMAIN.md §7.4), and
//! workbook/CSV import sessions. Shared by the GraphQL API (`exportListings`, `importPassmark`,
//! the import-session mutations) and the `dealbrain` CLI (`export`, `import-passmark`,
//! `import`). Parsing and writing are plain synchronous code; only the
//! walks over the store ([`export`], [`passmark::apply`]) are async.
//!
//! Layout:
//! - [`table`] — [`Format`], [`Cell`] and [`RowSink`]: one streaming writer per format, fed
//!   row by row so a 100k-row export never holds the whole table.
//! - [`csv`] — RFC 4180 writing (quoting) and reading; [`json`] — a JSON array of objects;
//!   [`xlsx`] — a constant-memory worksheet (rust_xlsxwriter) and a reader (calamine).
//! - [`columns`] — the exported columns of listings, CPUs and GPUs and their cells.
//! - [`export`] — walks the store in keyset pages into a sink; writes `NAME.partial` and
//!   renames it, so a download never sees half a file.
//! - [`import`] — workbook/CSV import sessions (DOMAIN.md §7.1–7.3): reading, inspection,
//!   auto-mapping, row parsing, fuzzy matching, conflicts and the one-transaction commit.
//! - [`passmark`] — parsing with per-row errors ([`passmark::parse`]) and applying the marks
//!   to the catalogue ([`passmark::apply`]), all or nothing.

pub mod columns;
pub mod csv;
pub mod export;
pub mod import;
pub mod json;
pub mod passmark;
pub mod table;
pub mod xlsx;

pub use export::{ExportKind, ExportSummary, export_to_path};
pub use table::{Cell, Format, RowSink, open_sink};

/// Why a transfer failed as a whole (row problems are reported per row instead).
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("xlsx error: {0}")]
    Xlsx(String),
    #[error("invalid file: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The user's input is refused: `field` names it (`file`, `mappings`, …), `code` is stable.
    #[error("{message}")]
    Input {
        field: String,
        code: String,
        message: String,
    },
    /// No such import session.
    #[error("import session {0} not found")]
    NotFound(String),
}

/// Result of this crate.
pub type Result<T, E = TransferError> = std::result::Result<T, E>;
