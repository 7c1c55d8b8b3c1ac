//! Custom-field keys (DOMAIN.md §6 "Keys").
//!
//! A key is derived from the given key or the label by one normalisation, then checked for shape
//! ([`ErrorKind::InvalidKey`]) and against the entity's core fields ([`ErrorKind::ReservedKey`]):
//! a custom key equal to a core name would be shadowed by the core field in paths such as
//! `listing.<name>` (§4.1), so it is refused up front.

use super::CustomFieldEntity;
use crate::context::listing_field_names;
use crate::error::{DomainError, ErrorKind};

/// The longest key, in characters (keys are ASCII, so also bytes).
pub const MAX_KEY_LEN: usize = 64;

/// Names every entity reserves: the record's identity, its custom values and its timestamps.
const COMMON: &[&str] = &["id", "attributes", "created_at", "updated_at"];

/// Core columns of §2 per entity (besides [`COMMON`]), in schema order; exports list the same.
pub const CPU_COLUMNS: &[&str] = &[
    "name",
    "manufacturer",
    "socket",
    "cores",
    "threads",
    "tdp_w",
    "igpu_model",
    "igpu_mark",
    "cpu_mark_multi",
    "cpu_mark_single",
    "release_year",
    "passmark_slug",
    "passmark_category",
    "passmark_id",
    "notes",
];
pub const GPU_COLUMNS: &[&str] = &["name", "manufacturer", "gpu_mark", "metal_score", "notes"];
const PORTS_PROFILE: &[&str] = &["name", "description", "ports"];

/// Normalises text into key shape (§6): trim → lower case → whitespace runs to `_` → runs of
/// characters outside `[a-z0-9_]` to `_` → `_` runs collapsed → outer `_` stripped.
///
/// `"  CPU Speed (Turbo)  "` → `cpu_speed_turbo`, `"Größe cm"` → `gr_e_cm`. The result may still
/// be an invalid key (empty, leading digit, too long); [`normalize_key`] checks that.
pub fn normalize_key_text(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let mut out = String::with_capacity(lower.len());
    // Whitespace, `_` and any other character all become one separator, so a single pass with
    // a pending flag does the replace, the collapse and the stripping of outer `_` at once.
    let mut pending_sep = false;
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.push(c);
        } else {
            pending_sep = true;
        }
    }
    out
}

/// The core names a custom key of `entity` must not take.
pub fn reserved_keys(entity: CustomFieldEntity) -> impl Iterator<Item = &'static str> {
    let (core, extra): (&'static [&'static str], &'static [&'static str]) = match entity {
        // `custom` is the listing context root of custom values (§4.1).
        CustomFieldEntity::Listing => (listing_field_names(), &["custom"]),
        CustomFieldEntity::Cpu => (CPU_COLUMNS, &[]),
        CustomFieldEntity::Gpu => (GPU_COLUMNS, &[]),
        CustomFieldEntity::PortsProfile => (PORTS_PROFILE, &[]),
    };
    core.iter().chain(extra).chain(COMMON).copied()
}

/// Whether `key` (already normalised) is a core field of `entity`.
pub fn is_reserved_key(entity: CustomFieldEntity, key: &str) -> bool {
    reserved_keys(entity).any(|k| k == key)
}

/// The key of a new custom field of `entity`: `key` when given (and not blank), else `label`,
/// normalised by [`normalize_key_text`].
///
/// Errors: [`ErrorKind::InvalidKey`] when the result is empty, does not start with a letter or
/// is longer than [`MAX_KEY_LEN`]; [`ErrorKind::ReservedKey`] when it names a core field of the
/// entity. The error path is `key` when a key was given, else `label`.
pub fn normalize_key(
    entity: CustomFieldEntity,
    key: Option<&str>,
    label: &str,
) -> Result<String, DomainError> {
    let (source, path) = match key {
        Some(k) if !k.trim().is_empty() => (k, "key"),
        _ => (label, "label"),
    };
    let normalized = normalize_key_text(source);
    let invalid = |why: &str| {
        Err(DomainError::new(
            ErrorKind::InvalidKey,
            path,
            format!("key {normalized:?} (from {source:?}) {why}"),
        ))
    };
    if normalized.is_empty() {
        return invalid("is empty");
    }
    if !normalized.starts_with(|c: char| c.is_ascii_lowercase()) {
        return invalid("must start with a letter");
    }
    if normalized.len() > MAX_KEY_LEN {
        return invalid(&format!("is longer than {MAX_KEY_LEN} characters"));
    }
    if is_reserved_key(entity, &normalized) {
        return Err(DomainError::new(
            ErrorKind::ReservedKey,
            path,
            format!("{normalized:?} is a core field of {entity}"),
        ));
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(entity: CustomFieldEntity, label: &str) -> Result<String, ErrorKind> {
        normalize_key(entity, None, label).map_err(|e| e.kind)
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_key_text("  CPU Speed (Turbo)  "),
            "cpu_speed_turbo"
        );
        assert_eq!(normalize_key_text("Warranty--Months"), "warranty_months");
        assert_eq!(normalize_key_text("__x__"), "x");
        assert_eq!(normalize_key_text("Größe cm"), "gr_e_cm");
        assert_eq!(normalize_key_text("a\t \n b"), "a_b");
        assert_eq!(normalize_key_text("!!!"), "");
    }

    #[test]
    fn checks() {
        use CustomFieldEntity::*;
        assert_eq!(key(Listing, "123 abc"), Err(ErrorKind::InvalidKey));
        assert_eq!(key(Listing, "!!!"), Err(ErrorKind::InvalidKey));
        assert_eq!(key(Listing, &"a".repeat(65)), Err(ErrorKind::InvalidKey));
        assert_eq!(key(Listing, &"a".repeat(64)), Ok("a".repeat(64)));
        assert_eq!(key(Listing, "Price USD"), Err(ErrorKind::ReservedKey));
        assert_eq!(key(Listing, "Custom"), Err(ErrorKind::ReservedKey));
        assert_eq!(key(Listing, "Created At"), Err(ErrorKind::ReservedKey));
        assert_eq!(key(Cpu, "Price USD"), Ok("price_usd".into()));
        assert_eq!(key(Cpu, "TDP W"), Err(ErrorKind::ReservedKey));
        assert_eq!(key(Cpu, "passmark id"), Err(ErrorKind::ReservedKey));
        assert_eq!(key(Gpu, "Metal Score"), Err(ErrorKind::ReservedKey));
        assert_eq!(key(Gpu, "cores"), Ok("cores".into()));
        assert_eq!(key(PortsProfile, "Ports"), Err(ErrorKind::ReservedKey));
        assert_eq!(key(PortsProfile, "attributes"), Err(ErrorKind::ReservedKey));
    }

    #[test]
    fn given_key_wins_over_label() {
        let k = normalize_key(CustomFieldEntity::Listing, Some(" Warranty "), "Price USD");
        assert_eq!(k, Ok("warranty".into()));
        let k = normalize_key(CustomFieldEntity::Listing, Some("  "), "Warranty months");
        assert_eq!(k, Ok("warranty_months".into()));
        let e = normalize_key(CustomFieldEntity::Listing, Some("9lives"), "ok").unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (ErrorKind::InvalidKey, "key"));
    }
}
