//! The evaluation context of one listing (DOMAIN.md §4.1).
//!
//! Layout: `fields` holds the static slot table, `registry` resolves paths to slots, `custom`
//! looks a plan's custom keys up once per evaluation, this module holds [`Context`] itself, how
//! it is filled (typed setters plus [`Context::derive`] for the derived fields) and how a whole
//! root is read as a map.

mod custom;
mod fields;
mod json;
mod reads;
mod registry;

use std::borrow::Cow;
use std::sync::Arc;

pub(crate) use custom::{CustomKeys, CustomValues, UNINDEXED};
pub use fields::{
    Root, SLOT_COUNT, Slot, listing_field_names, listing_slot, port_types, root_fields, slot,
    slot_of,
};
pub(crate) use reads::Reads;
pub use registry::{FieldRef, FieldRegistry, storage_root};

use crate::value::{NULL, Value, ValueMap};
use fields::{BLOCKS, ROW_OF_SLOT, block};

static EMPTY_MAP: ValueMap = ValueMap::new();

/// Up to this many custom values, [`Context::custom_value`] scans instead of searching.
const SCAN_CUSTOM_MAX: usize = 16;

/// A row of nulls for `root` (ports: every count 0).
fn empty_row(root: Root) -> Row {
    let len = block(root).map_or(0, |b| b.names.len());
    let fill = if root == Root::Ports {
        Value::Num(0.0)
    } else {
        Value::Null
    };
    vec![fill; len].into()
}

/// Byte equality of two keys. Custom keys are short (`form_factor`): from 8 to 16 bytes two
/// overlapping 8-byte windows cover the key and decide, where a call to `memcmp` costs more
/// than the comparison; other lengths compare as slices.
#[inline(always)]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        let word = |s: &[u8], at: usize| {
            s.get(at..at + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .map(u64::from_ne_bytes)
        };
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    a == b
}

/// A shared row of a root's fields in slot order (a CPU, a storage profile, …). Listings that
/// link the same catalogue row share one allocation, so building a context is a few pointer
/// copies rather than a copy of every field.
pub type Row = Arc<[Value]>;

/// The listing block: slots `0..LISTING_LEN` live in the context itself.
const LISTING_LEN: usize = 27;

/// One listing's context: the listing's own fields, a shared row per linked entity and the
/// custom values. Built once per listing, read by every compiled rule without allocation.
#[derive(Debug, Clone)]
pub struct Context {
    /// Inline, not behind a pointer: every read of a listing field is one index.
    listing: [Value; LISTING_LEN],
    /// Rows of cpu, gpu, ram_spec, storage.primary, storage.secondary, ports (`BLOCKS[1..]`).
    rows: [Option<Row>; 6],
    custom: Option<Arc<ValueMap>>,
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

/// The row index of a nullable root (its position in `BLOCKS` minus the listing block; a
/// test checks the two agree). A match, not a search: presence tests run several times per
/// listing.
#[inline]
fn row_index(root: Root) -> Option<usize> {
    match root {
        Root::Cpu => Some(0),
        Root::Gpu => Some(1),
        Root::RamSpec => Some(2),
        Root::StoragePrimary => Some(3),
        Root::StorageSecondary => Some(4),
        Root::Ports => Some(5),
        Root::Listing | Root::Storage | Root::Custom => None,
    }
}

impl Context {
    /// An empty context: every field null, no CPU/GPU/spec/profiles/ports, no custom values.
    pub fn new() -> Self {
        Self {
            listing: [const { Value::Null }; LISTING_LEN],
            rows: Default::default(),
            custom: None,
        }
    }

    /// Resets to the empty context, keeping the allocation (for reuse across listings).
    pub fn clear(&mut self) {
        self.listing.iter_mut().for_each(|v| *v = Value::Null);
        self.rows = Default::default();
        self.custom = None;
    }

    /// The value of a slot.
    #[inline]
    pub fn slot(&self, slot: Slot) -> &Value {
        let s = slot as usize;
        if s < LISTING_LEN {
            return &self.listing[s];
        }
        let (row, offset) = ROW_OF_SLOT[s];
        match &self.rows[row as usize] {
            Some(r) => &r[offset as usize],
            None => &NULL,
        }
    }

    /// Sets a slot. Setting a field of an absent root makes the root present (other fields
    /// null); a shared row is copied before it is changed.
    ///
    /// Inlined for the listing's own fields, which every context build sets one by one.
    #[inline]
    pub fn set(&mut self, slot: Slot, value: Value) {
        match self.listing.get_mut(slot as usize) {
            Some(v) => *v = value,
            None => self.set_in_row(slot as usize, value),
        }
    }

    /// [`Context::set`] for a field of a row.
    fn set_in_row(&mut self, s: usize, value: Value) {
        let (row, offset) = ROW_OF_SLOT[s];
        let r =
            self.rows[row as usize].get_or_insert_with(|| empty_row(BLOCKS[row as usize + 1].root));
        match Arc::get_mut(r) {
            Some(fields) => fields[offset as usize] = value,
            None => {
                let mut fields = r.to_vec();
                fields[offset as usize] = value;
                *r = fields.into();
            }
        }
    }

    /// Sets a field of `root` by name; false when the name is not a core field of the root.
    pub fn set_field(&mut self, root: Root, name: &str, value: Value) -> bool {
        match slot_of(root, name) {
            Some(s) => {
                self.set(s, value);
                true
            }
            None => false,
        }
    }

    /// Links a whole row for a nullable root (fields in the root's slot order, see
    /// [`Context::row`]); `None` makes the root absent.
    pub fn set_row(&mut self, root: Root, row: Option<Row>) {
        if let Some(i) = row_index(root) {
            self.rows[i] = row.filter(|r| r.len() == BLOCKS[i + 1].names.len());
        }
    }

    /// Builds a row for `root` from `(field name, value)` pairs; unknown names are ignored,
    /// missing ones are null (0 for port counts).
    pub fn row<'a>(root: Root, fields: impl IntoIterator<Item = (&'a str, Value)>) -> Row {
        let mut row: Vec<Value> = empty_row(root).to_vec();
        if let Some(b) = block(root) {
            for (name, v) in fields {
                if let Some(i) = b.names.iter().position(|n| *n == name) {
                    row[i] = v;
                }
            }
        }
        row.into()
    }

    /// Marks a nullable root present or absent. Absent roots read as null with all fields null;
    /// a newly present root has null fields (ports: every port type at 0).
    pub fn set_present(&mut self, root: Root, present: bool) {
        if let Some(i) = row_index(root) {
            if !present {
                self.rows[i] = None;
            } else if self.rows[i].is_none() {
                self.rows[i] = Some(empty_row(root));
            }
        }
    }

    /// True when the root is present (always for listing, storage and custom).
    pub fn is_present(&self, root: Root) -> bool {
        row_index(root).is_none_or(|i| self.rows[i].is_some())
    }

    /// Replaces the custom values.
    pub fn set_custom(&mut self, custom: Arc<ValueMap>) {
        self.custom = Some(custom);
    }

    /// The custom values.
    pub fn custom(&self) -> &ValueMap {
        self.custom.as_deref().unwrap_or(&EMPTY_MAP)
    }

    /// The custom value under `key`, null when absent.
    ///
    /// Listings carry a handful of custom values, so a scan that compares lengths before bytes
    /// beats the map's ordered search (one string comparison per step); large maps still use it.
    #[inline]
    pub fn custom_value(&self, key: &str) -> &Value {
        let Some(map) = self.custom.as_deref() else {
            return &NULL;
        };
        if map.len() > SCAN_CUSTOM_MAX {
            return map.get(key).unwrap_or(&NULL);
        }
        map.iter()
            .find(|(k, _)| same_key(k.as_bytes(), key.as_bytes()))
            .map_or(&NULL, |(_, v)| v)
    }

    /// Reads a core or custom field without copying; a whole root reads as null here (use
    /// [`Context::get`] or [`Context::root_value`] to materialise roots).
    #[inline]
    pub fn value(&self, field: &FieldRef) -> &Value {
        match field {
            FieldRef::Slot(s) => self.slot(*s),
            FieldRef::Custom(k) => self.custom_value(k),
            FieldRef::Root(_) => &NULL,
        }
    }

    /// Reads a resolved field; whole roots are materialised as maps.
    #[inline]
    pub fn get(&self, field: &FieldRef) -> Cow<'_, Value> {
        match field {
            FieldRef::Slot(s) => Cow::Borrowed(self.slot(*s)),
            FieldRef::Custom(k) => Cow::Borrowed(self.custom_value(k)),
            FieldRef::Root(r) => Cow::Owned(self.root_value(*r)),
        }
    }

    /// A whole root as a map, or null when the root is absent.
    pub fn root_value(&self, root: Root) -> Value {
        match root {
            Root::Custom => Value::Map(self.custom.clone().unwrap_or_default()),
            Root::Storage => {
                let mut m = ValueMap::new();
                m.insert("primary".into(), self.root_value(Root::StoragePrimary));
                m.insert("secondary".into(), self.root_value(Root::StorageSecondary));
                Value::Map(Arc::new(m))
            }
            _ if !self.is_present(root) => Value::Null,
            _ => match block(root) {
                Some(b) => {
                    let m = b
                        .names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| ((*n).to_owned(), self.slot(b.start + i as Slot).clone()))
                        .collect();
                    Value::Map(Arc::new(m))
                }
                None => Value::Null,
            },
        }
    }

    /// Applies the derivations of §4.1: linked RAM spec and storage profiles win over the
    /// declared columns, storage media are parsed from free text when no profile says, and
    /// `age_years` follows the CPU's release year.
    pub fn derive(&mut self, current_year: i32) {
        use slot::*;
        let copy = |ctx: &mut Self, from: Slot, to: Slot| {
            let v = ctx.slot(from).clone();
            if !v.is_null() {
                ctx.set(to, v);
            }
        };
        if self.is_present(Root::RamSpec) {
            copy(self, RAM_TOTAL_CAPACITY_GB, LISTING_RAM_GB);
            self.set(LISTING_RAM_TYPE, self.slot(RAM_DDR_GENERATION).clone());
            self.set(LISTING_RAM_SPEED_MHZ, self.slot(RAM_SPEED_MHZ).clone());
        } else {
            self.set(LISTING_RAM_TYPE, Value::Null);
            self.set(LISTING_RAM_SPEED_MHZ, Value::Null);
        }
        for (present_root, capacity, medium, gb, text, listing_medium) in [
            (
                Root::StoragePrimary,
                PRIMARY_CAPACITY_GB,
                PRIMARY_MEDIUM,
                LISTING_PRIMARY_STORAGE_GB,
                LISTING_PRIMARY_STORAGE_TYPE,
                LISTING_PRIMARY_STORAGE_MEDIUM,
            ),
            (
                Root::StorageSecondary,
                SECONDARY_CAPACITY_GB,
                SECONDARY_MEDIUM,
                LISTING_SECONDARY_STORAGE_GB,
                LISTING_SECONDARY_STORAGE_TYPE,
                LISTING_SECONDARY_STORAGE_MEDIUM,
            ),
        ] {
            let profile = self.is_present(present_root);
            if profile {
                copy(self, capacity, gb);
            }
            let derived = match (profile, self.slot(medium), self.slot(text)) {
                (true, m @ Value::Str(_), _) => m.clone(),
                (_, _, Value::Str(t)) => Value::str(crate::parsing::storage_medium(t)),
                _ => Value::Null,
            };
            self.set(listing_medium, derived);
        }
        let age = match self.slot(CPU_RELEASE_YEAR).as_number() {
            Some(year) if self.is_present(Root::Cpu) => {
                Value::Num((f64::from(current_year) - year).max(0.0))
            }
            _ => Value::Null,
        };
        self.set(LISTING_AGE_YEARS, age);
    }

    /// Iterates `(root, field name, value)` over every present root's core fields.
    pub fn fields(&self) -> impl Iterator<Item = (Root, &'static str, &Value)> {
        BLOCKS
            .iter()
            .filter(|b| self.is_present(b.root))
            .flat_map(move |b| {
                b.names
                    .iter()
                    .enumerate()
                    .map(move |(i, n)| (b.root, *n, self.slot(b.start + i as Slot)))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{BLOCKS, Root, row_index, same_key};

    #[test]
    fn row_index_is_the_block_position() {
        for root in [
            Root::Listing,
            Root::Cpu,
            Root::Gpu,
            Root::RamSpec,
            Root::Storage,
            Root::StoragePrimary,
            Root::StorageSecondary,
            Root::Ports,
            Root::Custom,
        ] {
            let by_block = BLOCKS
                .iter()
                .position(|b| b.root == root)
                .and_then(|i| i.checked_sub(1));
            assert_eq!(row_index(root), by_block, "{root:?}");
        }
    }

    #[test]
    fn same_key_agrees_with_slice_equality() {
        // Every pair of keys up to 20 bytes that differ in at most one byte, at every
        // position: the windows must see a difference anywhere in the key.
        for len in 0..=20usize {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_key(&base, &base), "{len}");
            for at in 0..len {
                let mut other = base.clone();
                other[at] ^= 0x20;
                assert_eq!(same_key(&base, &other), base == other, "{len} {at}");
            }
            let mut longer = base.clone();
            longer.push(b'a');
            assert!(!same_key(&base, &longer), "{len}");
        }
    }
}
