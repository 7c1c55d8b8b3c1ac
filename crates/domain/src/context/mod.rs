//! The evaluation context of one listing (DOMAIN.md §4.1).
//!
//! Layout: `fields` holds the static slot table, `registry` resolves paths to slots, this module
//! holds [`Context`] itself, how it is filled (typed setters plus [`Context::derive`] for the
//! derived fields) and how a whole root is read as a map.

mod fields;
mod json;
mod registry;

use std::borrow::Cow;
use std::sync::Arc;

pub use fields::{
    Root, SLOT_COUNT, Slot, listing_field_names, listing_slot, port_types, slot, slot_of,
};
pub use registry::{FieldRef, FieldRegistry, storage_root};

use crate::value::{NULL, Value, ValueMap};
use fields::{BLOCKS, block};

/// One listing's context: a fixed array of core fields, the presence of nullable roots and the
/// custom values. Built once per listing, read by every compiled rule without allocation.
#[derive(Debug, Clone)]
pub struct Context {
    slots: Vec<Value>,
    present: u8,
    custom: Arc<ValueMap>,
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

impl Context {
    /// An empty context: every field null, no CPU/GPU/spec/profiles/ports, no custom values.
    pub fn new() -> Self {
        Self {
            slots: vec![Value::Null; SLOT_COUNT],
            present: 0,
            custom: Arc::default(),
        }
    }

    /// Resets to the empty context, keeping the allocation (for reuse across listings).
    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|v| *v = Value::Null);
        self.present = 0;
        self.custom = Arc::default();
    }

    /// The value of a slot.
    #[inline]
    pub fn slot(&self, slot: Slot) -> &Value {
        &self.slots[slot as usize]
    }

    /// Sets a slot.
    #[inline]
    pub fn set(&mut self, slot: Slot, value: Value) {
        self.slots[slot as usize] = value;
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

    /// Marks a nullable root present or absent. Absent roots read as null with all fields null;
    /// a present ports root starts with every port type at 0.
    pub fn set_present(&mut self, root: Root, present: bool) {
        let bit = root.presence_bit();
        if present {
            self.present |= bit;
        } else {
            self.present &= !bit;
        }
        if let Some(b) = block(root) {
            let fill = if present && root == Root::Ports {
                Value::Num(0.0)
            } else {
                Value::Null
            };
            if !present || root == Root::Ports {
                for i in 0..b.names.len() {
                    self.slots[b.start as usize + i] = fill.clone();
                }
            }
        }
    }

    /// True when the root is present (always for listing, storage and custom).
    pub fn is_present(&self, root: Root) -> bool {
        let bit = root.presence_bit();
        bit == 0 || self.present & bit != 0
    }

    /// Replaces the custom values.
    pub fn set_custom(&mut self, custom: Arc<ValueMap>) {
        self.custom = custom;
    }

    /// The custom values.
    pub fn custom(&self) -> &ValueMap {
        &self.custom
    }

    /// Reads a resolved field; whole roots are materialised as maps.
    #[inline]
    pub fn get(&self, field: &FieldRef) -> Cow<'_, Value> {
        match field {
            FieldRef::Slot(s) => Cow::Borrowed(self.slot(*s)),
            FieldRef::Custom(k) => Cow::Borrowed(self.custom.get(&**k).unwrap_or(&NULL)),
            FieldRef::Root(r) => Cow::Owned(self.root_value(*r)),
        }
    }

    /// A whole root as a map, or null when the root is absent.
    pub fn root_value(&self, root: Root) -> Value {
        match root {
            Root::Custom => Value::Map(self.custom.clone()),
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
                        .map(|(i, n)| ((*n).to_owned(), self.slots[b.start as usize + i].clone()))
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
                    .map(move |(i, n)| (b.root, *n, &self.slots[b.start as usize + i]))
            })
    }
}
