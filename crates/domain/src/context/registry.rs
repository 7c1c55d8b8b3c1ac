//! The field registry: which paths a rule may name (DOMAIN.md §4.1), and their resolution.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::fields::{Root, Slot, listing_slot, slot_of};

/// A resolved reference to a context field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldRef {
    /// A core field with a fixed slot.
    Slot(Slot),
    /// A whole root (`cpu`, `storage.primary`, …), read as a map or null.
    Root(Root),
    /// A custom value of the listing, `custom.<key>`.
    Custom(Arc<str>),
}

impl FieldRef {
    /// True for whole roots, which conditions accept only with `is_null`/`is_not_null`.
    pub fn is_root(&self) -> bool {
        matches!(self, FieldRef::Root(_))
    }
}

/// The paths a rule may use: the core table plus `custom.<key>` of active listing custom fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldRegistry {
    custom_keys: BTreeSet<String>,
}

impl FieldRegistry {
    /// A registry with the given custom keys.
    pub fn new<I, S>(custom_keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            custom_keys: custom_keys.into_iter().map(Into::into).collect(),
        }
    }

    /// True when `key` is a registered custom key.
    pub fn has_custom(&self, key: &str) -> bool {
        self.custom_keys.contains(key)
    }

    /// The registered custom keys, sorted.
    pub fn custom_keys(&self) -> impl Iterator<Item = &str> {
        self.custom_keys.iter().map(String::as_str)
    }

    /// Resolves a dotted path against the registry; `None` means `unknown_field`.
    ///
    /// `listing.<name>` with a non-core name and a bare `<name>` both mean `custom.<name>`.
    pub fn resolve(&self, path: &str) -> Option<FieldRef> {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        let Some(root) = Root::top_level(segments[0]) else {
            return match segments.as_slice() {
                [name] => self.listing_field(name),
                _ => None,
            };
        };
        match (root, &segments[1..]) {
            (_, []) => Some(FieldRef::Root(root)),
            (Root::Listing, [name]) => self.listing_field(name),
            (Root::Custom, [key]) => self.custom(key),
            (Root::Storage, [which]) => storage_root(which).map(FieldRef::Root),
            (Root::Storage, [which, field]) => {
                slot_of(storage_root(which)?, field).map(FieldRef::Slot)
            }
            (Root::Cpu | Root::Gpu | Root::RamSpec | Root::Ports, [field]) => {
                slot_of(root, field).map(FieldRef::Slot)
            }
            _ => None,
        }
    }

    fn listing_field(&self, name: &str) -> Option<FieldRef> {
        listing_slot(name)
            .map(FieldRef::Slot)
            .or_else(|| self.custom(name))
    }

    fn custom(&self, key: &str) -> Option<FieldRef> {
        self.has_custom(key)
            .then(|| FieldRef::Custom(Arc::from(key)))
    }
}

/// `primary`/`secondary` → the storage sub-root.
pub fn storage_root(which: &str) -> Option<Root> {
    match which {
        "primary" => Some(Root::StoragePrimary),
        "secondary" => Some(Root::StorageSecondary),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_roots_bare_names_and_custom_fallback() {
        let r = FieldRegistry::new(["warranty_months"]);
        assert_eq!(r.resolve("ram_gb"), r.resolve("listing.ram_gb"));
        assert!(matches!(r.resolve("cpu.cores"), Some(FieldRef::Slot(_))));
        assert_eq!(r.resolve("cpu"), Some(FieldRef::Root(Root::Cpu)));
        assert_eq!(
            r.resolve("storage.primary"),
            Some(FieldRef::Root(Root::StoragePrimary))
        );
        assert!(matches!(
            r.resolve("storage.secondary.capacity_gb"),
            Some(FieldRef::Slot(_))
        ));
        let custom = Some(FieldRef::Custom(Arc::from("warranty_months")));
        assert_eq!(r.resolve("warranty_months"), custom);
        assert_eq!(r.resolve("listing.warranty_months"), custom);
        assert_eq!(r.resolve("custom.warranty_months"), custom);
        for bad in [
            "cpu.foo",
            "custom.nope",
            "nope",
            "ram_gb.x",
            "cpu..cores",
            "",
            "storage.tertiary",
        ] {
            assert_eq!(r.resolve(bad), None, "{bad}");
        }
    }
}
