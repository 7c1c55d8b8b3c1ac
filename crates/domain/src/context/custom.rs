//! The listing's values of a plan's custom keys, looked up once per evaluation.
//!
//! A condition leaf on `custom.<key>` would otherwise search the listing's custom values every
//! time it is evaluated (several leaves per listing read the same few keys). The plan numbers
//! the keys its conditions read; evaluation looks them all up in one pass over the listing's
//! values, and each leaf reads its key's entry.

use std::sync::Arc;

use super::{Context, SCAN_CUSTOM_MAX, same_key};
use crate::value::{NULL, Value};

/// Up to this many distinct custom keys of a plan get an entry; leaves reading others look
/// their key up themselves.
pub(crate) const MAX_KEYS: usize = 8;

/// The index of a key without an entry.
pub(crate) const UNINDEXED: u8 = u8::MAX;

/// The custom keys a plan's conditions read, each at its index.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomKeys {
    keys: Vec<Arc<str>>,
}

impl CustomKeys {
    /// The index of `key`, numbering it when new; [`UNINDEXED`] past [`MAX_KEYS`] keys.
    pub(crate) fn index(&mut self, key: &Arc<str>) -> u8 {
        if let Some(i) = self.keys.iter().position(|k| **k == **key) {
            return i as u8;
        }
        if self.keys.len() == MAX_KEYS {
            return UNINDEXED;
        }
        self.keys.push(key.clone());
        (self.keys.len() - 1) as u8
    }

    /// Looks every key up in `ctx`'s custom values: what [`Context::custom_value`] gives for
    /// each, with one pass over a small map instead of one search per key.
    #[inline]
    pub(crate) fn resolve<'a>(&self, ctx: &'a Context) -> CustomValues<'a> {
        let mut values = [&NULL; MAX_KEYS];
        if !self.keys.is_empty()
            && let Some(map) = ctx.custom.as_deref()
        {
            if map.len() > SCAN_CUSTOM_MAX {
                for (k, v) in self.keys.iter().zip(&mut values) {
                    *v = map.get(&**k).unwrap_or(&NULL);
                }
            } else {
                // Keys are unique on both sides: each listing value fills at most one entry,
                // and once every key is found the rest of the map cannot fill any.
                let mut missing = self.keys.len();
                for (k, v) in map {
                    if let Some(i) = self
                        .keys
                        .iter()
                        .position(|key| same_key(key.as_bytes(), k.as_bytes()))
                        && let Some(slot) = values.get_mut(i)
                    {
                        *slot = v;
                        missing -= 1;
                        if missing == 0 {
                            break;
                        }
                    }
                }
            }
        }
        CustomValues {
            values,
            resolved: true,
        }
    }
}

/// The entries of one evaluation (see [`CustomKeys::resolve`]), or none.
pub(crate) struct CustomValues<'a> {
    values: [&'a Value; MAX_KEYS],
    resolved: bool,
}

impl<'a> CustomValues<'a> {
    /// No entries: every read looks its key up (evaluation outside a plan).
    pub(crate) fn unresolved() -> Self {
        Self {
            values: [&NULL; MAX_KEYS],
            resolved: false,
        }
    }

    /// The value of `key`, whose index is `index`.
    #[inline(always)]
    pub(crate) fn value(&self, ctx: &'a Context, key: &str, index: u8) -> &'a Value {
        match self.values.get(usize::from(index)) {
            Some(v) if self.resolved => v,
            _ => ctx.custom_value(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{CustomKeys, CustomValues, MAX_KEYS, UNINDEXED};
    use crate::context::Context;
    use crate::value::{Value, ValueMap};

    #[test]
    fn entries_are_what_a_lookup_gives() {
        let mut keys = CustomKeys::default();
        let names: Vec<Arc<str>> = (0..MAX_KEYS + 2)
            .map(|i| Arc::from(format!("key_{i:02}_of_the_plan").as_str()))
            .chain(["a", "form_factor", "has_wifi", ""].map(Arc::from))
            .collect();
        let indices: Vec<u8> = names.iter().map(|k| keys.index(k)).collect();
        assert_eq!(keys.index(&names[3]), indices[3], "numbered once");
        assert!(indices[MAX_KEYS..].iter().all(|i| *i == UNINDEXED));
        // Small maps (scanned) and a large one (searched), with and without the keys.
        for size in [0usize, 1, 3, 16, 17, 40] {
            let mut map = ValueMap::new();
            for (i, k) in names.iter().enumerate().take(size) {
                map.insert(k.to_string(), Value::num(i as f64));
            }
            // Unrelated values, so that the larger sizes pass the scan's limit.
            for i in 0..size {
                map.insert(format!("other_{i}"), Value::Bool(true));
            }
            map.insert("form_factor".into(), Value::str("usff"));
            map.insert("form_factors".into(), Value::str("x"));
            let mut ctx = Context::new();
            ctx.set_custom(Arc::new(map));
            let table = keys.resolve(&ctx);
            let none = CustomValues::unresolved();
            for (k, i) in names.iter().zip(&indices) {
                let want = ctx.custom_value(k);
                assert!(std::ptr::eq(table.value(&ctx, k, *i), want), "{size} {k}");
                assert!(std::ptr::eq(none.value(&ctx, k, *i), want), "{size} {k}");
            }
        }
        let empty = Context::new();
        assert!(
            keys.resolve(&empty)
                .value(&empty, "a", indices[MAX_KEYS + 2])
                .is_null()
        );
    }
}
