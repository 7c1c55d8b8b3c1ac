//! Derived metrics and scoring (DOMAIN.md §5).
