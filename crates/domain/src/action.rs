//! Actions and modifiers (DOMAIN.md §4.5–4.6).
