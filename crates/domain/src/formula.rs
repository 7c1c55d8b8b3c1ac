//! The formula language (DOMAIN.md §4.10).
