//! # domain — Deal Brain's pure valuation engine
//!
//! Everything that turns a listing's facts and the user's rules into an adjusted price, metrics,
//! scores and a deal class (DOMAIN.md §3–6). No async, no I/O, no database, no web types: the
//! store feeds it plain values and persists what it returns.
//!
//! Layout:
//! - [`value`] — the JSON-like [`Value`] and the coercions of §4.4; [`decimal`] — exact money.
//! - [`context`] — the per-listing evaluation context: a fixed slot per core field, the field
//!   registry that resolves paths (`listing.x`, bare `x`, `custom.k`, roots).
//! - [`condition`] — condition trees: write-time validation and compiled evaluation.
//! - [`formula`] — the formula language: lexer, parser, binder and a compiled evaluator.
//! - [`action`] — actions and modifiers: validation and exact-decimal evaluation.
//! - [`valuation`] — rulesets compiled into a plan, selection, rule order, totals, breakdown.
//! - [`metrics`] — $/mark, perf/watt, GPU score, composite scores, deal classes.
//! - [`custom_fields`] — custom-field keys, definitions and value validation (§6).
//! - [`parsing`] — text parsers for import and derivation (§7.3).
//! - [`model`] — records and enumerations of the stored entities (§2–3), engine-agnostic.
//! - [`package`] — ruleset packages (`.dbrs`, §7.5): the format, version-1 conversion, export
//!   and the install plan; [`baseline`] — baseline documents (§7.6): shape, canonical hash,
//!   the system ruleset they become and diffs. Pure, so the store can run the plan inside its
//!   install transaction and the API's preview runs the very same code (the `transfer` crate
//!   depends on `store` and could not be used there).
//! - [`acceptance`] — the runner of engine acceptance cases (used by tests and `check-cases`).
//! - [`error`] — the closed set of error kinds and the error type with a path.
//!
//! Speed comes from compiling once: a ruleset becomes a [`valuation::Plan`] (resolved slots,
//! parsed formulas, built regexes) that evaluates many contexts without per-listing maps.

pub mod acceptance;
pub mod action;
pub mod baseline;
pub mod condition;
pub mod context;
pub mod custom_fields;
pub mod decimal;
pub mod error;
pub mod formula;
pub mod metrics;
pub mod model;
pub mod package;
pub mod parsing;
pub mod valuation;
pub mod value;

pub use context::{Context, FieldRef, FieldRegistry, Root};
pub use error::{DomainError, ErrorKind};
pub use value::Value;
