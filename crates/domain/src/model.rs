//! Domain records of the stored entities (DOMAIN.md §2–3).
