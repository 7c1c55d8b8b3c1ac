//! Valuation (DOMAIN.md §4.2–4.9).
