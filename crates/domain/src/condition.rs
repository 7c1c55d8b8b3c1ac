//! Condition trees (DOMAIN.md §4.4).
