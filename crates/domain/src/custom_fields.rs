//! Custom fields (DOMAIN.md §6).
