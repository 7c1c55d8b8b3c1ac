//! Workbook / CSV import sessions (DOMAIN.md §7.1–7.3).
//!
//! The pure part — normalising column names, scoring entities, mapping columns, parsing rows
//! by the §7.3 rules, fuzzy matching CPU/GPU names and planning the writes — lives here in
//! `transfer` rather than in `domain`: it is about spreadsheet columns and cells, not about
//! valuing listings, and it plans store writes ([`store::ImportPlan`]). It has no I/O and is
//! unit-tested on its own; [`session`] is the thin async layer over the store and the files,
//! running the CPU-heavy steps (reading, parsing, planning) on tokio's blocking pool.
//!
//! Layout: [`read`] (files → sheets of calamine cells; `workbook` reads `.xlsx` values and
//! formula marks in one pass), [`fields`] (entity table, similarity,
//! auto-map), [`cells`] + [`rows`] (row parsing), [`matching`] (name index), [`book`]
//! (inspection and parsed sheets), [`plan`] (conflicts, matches, the write plan), [`state`]
//! (what a session stores), [`progress`] (commit progress), [`session`] (the workflow),
//! [`entities`] (the one-shot import of one entity kind, without a session's round trips).

pub mod book;
pub mod cells;
mod commit;
mod edit;
pub mod entities;
pub mod fields;
pub mod matching;
pub mod plan;
pub mod progress;
pub mod read;
pub mod rows;
pub mod session;
pub mod state;
mod workbook;

pub use fields::Entity;
pub use read::{MAX_BYTES, MAX_ROWS};

use crate::TransferError;

/// A refusal of the user's input: field (GraphQL path or `file`), stable code, message.
pub(crate) fn bad(field: &str, code: &str, message: impl Into<String>) -> TransferError {
    TransferError::Input {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

#[cfg(test)]
mod entities_tests;
#[cfg(test)]
mod tests;
