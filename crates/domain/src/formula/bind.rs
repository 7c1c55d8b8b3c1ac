//! Binding names to context fields and functions (DOMAIN.md §4.10 "Identifiers").
//!
//! The rules apply in the listed order and the first match wins; a flattened alias only matches
//! when the dotted path it stands for is in the registry, so a custom key such as `cpu_bonus`
//! still falls through to rule 5 instead of failing as `cpu.bonus`.

use std::sync::Arc;

use super::code::{Func, Instr};
use crate::context::{FieldRef, FieldRegistry, Root, listing_slot, storage_root};

/// The roots a flattened alias may start with, as `<root>_`.
const ALIAS_ROOTS: [&str; 7] = [
    "listing", "cpu", "gpu", "ram_spec", "storage", "ports", "custom",
];

/// Resolves an identifier path (`names` joined by dots) to a field, or `None` when unknown.
pub(super) fn identifier(names: &[String], registry: &FieldRegistry) -> Option<FieldRef> {
    let first = names.first()?;
    // (1) a path from a root
    if Root::top_level(first).is_some() {
        return registry.resolve(&names.join("."));
    }
    if let [name] = names {
        // (2) a core listing field
        if let Some(slot) = listing_slot(name) {
            return Some(FieldRef::Slot(slot));
        }
        // (3) a flattened alias
        if let Some(field) = alias(name, registry) {
            return Some(field);
        }
        // (4) `primary` / `secondary`
        if let Some(root) = storage_root(name) {
            return Some(FieldRef::Root(root));
        }
        // (5) a custom key
        return registry
            .has_custom(name)
            .then(|| FieldRef::Custom(Arc::from(name.as_str())));
    }
    // `primary.capacity_gb`: rule (4) applied to the first name of a dotted path.
    storage_root(first).and_then(|_| registry.resolve(&format!("storage.{}", names.join("."))))
}

/// `<root>_<field>` → `<root>.<field>`; for storage, `storage_primary_<field>` and friends.
fn alias(name: &str, registry: &FieldRegistry) -> Option<FieldRef> {
    for root in ALIAS_ROOTS {
        let Some(rest) = name.strip_prefix(root).and_then(|r| r.strip_prefix('_')) else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        if root != "storage" {
            if let Some(field) = registry.resolve(&format!("{root}.{rest}")) {
                return Some(field);
            }
            continue;
        }
        for which in ["primary", "secondary"] {
            let path = match rest.strip_prefix(which) {
                Some("") => format!("storage.{which}"),
                Some(tail) => match tail.strip_prefix('_') {
                    Some(field) if !field.is_empty() => format!("storage.{which}.{field}"),
                    _ => continue,
                },
                None => continue,
            };
            if let Some(field) = registry.resolve(&path) {
                return Some(field);
            }
        }
    }
    None
}

/// The load instruction of a resolved field.
pub(super) fn load(field: FieldRef) -> Instr {
    match field {
        FieldRef::Slot(s) => Instr::Slot(s),
        FieldRef::Custom(k) => Instr::Custom(k),
        FieldRef::Root(r) => Instr::Root(r),
    }
}

/// A built-in function by name, with its minimum and maximum argument counts.
pub(super) fn function(name: &str) -> Option<(Func, usize, usize)> {
    Some(match name {
        "abs" => (Func::Abs, 1, 1),
        "floor" => (Func::Floor, 1, 1),
        "ceil" => (Func::Ceil, 1, 1),
        "sqrt" => (Func::Sqrt, 1, 1),
        "min" => (Func::Min, 1, usize::MAX),
        "max" => (Func::Max, 1, usize::MAX),
        "round" => (Func::Round, 1, 2),
        "int" => (Func::Int, 1, 1),
        "float" => (Func::Float, 1, 1),
        "sum" => (Func::Sum, 1, 1),
        "pow" => (Func::Pow, 2, 2),
        "clamp" => (Func::Clamp, 3, 3),
        _ => return None,
    })
}

/// The message of an `arity` failure.
pub(super) fn arity_message(name: &str, min: usize, max: usize, argc: usize) -> String {
    let expected = match (min, max) {
        (a, b) if a == b => format!("{a}"),
        (a, usize::MAX) => format!("at least {a}"),
        (a, b) => format!("{a} to {b}"),
    };
    format!("{name}() takes {expected} arguments, got {argc}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::slot_of;

    fn bind(path: &str, r: &FieldRegistry) -> Option<FieldRef> {
        let names: Vec<String> = path.split('.').map(String::from).collect();
        identifier(&names, r)
    }

    #[test]
    fn rules_in_order() {
        let r = FieldRegistry::new(["warranty_months", "cpu_bonus", "tags"]);
        let slot = |root, f| Some(FieldRef::Slot(slot_of(root, f).unwrap()));
        let custom = |k: &str| Some(FieldRef::Custom(Arc::from(k)));
        assert_eq!(bind("cpu.cores", &r), slot(Root::Cpu, "cores"));
        assert_eq!(bind("cpu", &r), Some(FieldRef::Root(Root::Cpu)));
        assert_eq!(
            bind("storage.primary", &r),
            Some(FieldRef::Root(Root::StoragePrimary))
        );
        assert_eq!(
            bind("listing.warranty_months", &r),
            custom("warranty_months")
        );
        assert_eq!(bind("ram_gb", &r), slot(Root::Listing, "ram_gb"));
        assert_eq!(
            bind("cpu_cpu_mark_multi", &r),
            slot(Root::Cpu, "cpu_mark_multi")
        );
        assert_eq!(
            bind("storage_primary_capacity_gb", &r),
            slot(Root::StoragePrimary, "capacity_gb")
        );
        assert_eq!(
            bind("storage_secondary", &r),
            Some(FieldRef::Root(Root::StorageSecondary))
        );
        assert_eq!(
            bind("ram_spec_total_capacity_gb", &r),
            slot(Root::RamSpec, "total_capacity_gb")
        );
        assert_eq!(bind("ports_usb_c", &r), slot(Root::Ports, "usb_c"));
        assert_eq!(bind("listing_ram_gb", &r), slot(Root::Listing, "ram_gb"));
        assert_eq!(
            bind("custom_warranty_months", &r),
            custom("warranty_months")
        );
        assert_eq!(
            bind("primary", &r),
            Some(FieldRef::Root(Root::StoragePrimary))
        );
        assert_eq!(
            bind("primary.capacity_gb", &r),
            slot(Root::StoragePrimary, "capacity_gb")
        );
        assert_eq!(bind("warranty_months", &r), custom("warranty_months"));
        assert_eq!(bind("cpu_bonus", &r), custom("cpu_bonus"));
        for unknown in [
            "cores",
            "cpu_mark_multi",
            "cpu.foo",
            "custom.nope",
            "custom_nope",
            "os.system",
            "storage_primary_nope",
            "storage_tertiary",
            "ram_total_capacity_gb",
            "cpu_",
            "x.y",
        ] {
            assert_eq!(bind(unknown, &r), None, "{unknown}");
        }
    }

    #[test]
    fn function_table() {
        assert_eq!(function("round"), Some((Func::Round, 1, 2)));
        assert_eq!(function("__import__"), None);
        assert_eq!(function("os.system"), None);
    }
}
