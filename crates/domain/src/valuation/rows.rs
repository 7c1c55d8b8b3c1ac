//! The records of one kind of shared row (CPUs, GPUs, …) for the per-row memo, found by the
//! row's address.
//!
//! Every listing looks up one record per kind of row with memoised rules (five on the
//! benchmark workload). A small direct-mapped front of recently found addresses answers most
//! lookups with one multiplication and one comparison; the hash map behind it answers the
//! rest and holds every record.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Past this many rows a table starts again (rows that are not shared would otherwise grow
/// it without bound).
const MAX_ROWS: usize = 1 << 14;

/// Front slots: a power of two, indexed by the top bits of the address's hash.
const FRONT: usize = 64;
const FRONT_SHIFT: u32 = 64 - FRONT.trailing_zeros();
/// A front slot that holds no address (no row has this address; an absent row has key 0).
const EMPTY: usize = usize::MAX;

/// Records of type `E` by row address.
#[derive(Debug)]
pub(super) struct RowTable<E> {
    records: Vec<E>,
    places: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
    /// `(address, place in records)` of recently found rows.
    front: Box<[(usize, usize)]>,
}

impl<E> Default for RowTable<E> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
            places: HashMap::default(),
            front: vec![(EMPTY, 0); FRONT].into(),
        }
    }
}

impl<E> RowTable<E> {
    /// The record of the row at `key`, made by `new` when there is none.
    #[inline(always)]
    pub(super) fn get_or_insert(&mut self, key: usize, new: impl FnOnce() -> E) -> &mut E {
        let slot = (spread(key as u64) >> FRONT_SHIFT) as usize;
        if let Some(&(k, place)) = self.front.get(slot)
            && k == key
            && place < self.records.len()
        {
            return &mut self.records[place];
        }
        self.find(key, slot, new)
    }

    /// [`RowTable::get_or_insert`] past the front.
    #[inline(never)]
    fn find(&mut self, key: usize, slot: usize, new: impl FnOnce() -> E) -> &mut E {
        if self.records.len() >= MAX_ROWS && !self.places.contains_key(&key) {
            self.records.clear();
            self.places.clear();
            self.front.fill((EMPTY, 0));
        }
        let records = &mut self.records;
        let place = *self.places.entry(key).or_insert_with(|| {
            records.push(new());
            records.len() - 1
        });
        if let Some(f) = self.front.get_mut(slot) {
            *f = (key, place);
        }
        &mut self.records[place]
    }
}

/// The multiplication spreads the aligned low bits of an address; the fold brings the high
/// bits down to where the hash map takes its bucket index.
#[inline(always)]
fn spread(n: u64) -> u64 {
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 32)
}

/// Hashes a row's address (see [`spread`]).
#[derive(Debug, Default)]
pub(super) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64((self.0 << 8) | u64::from(*b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = spread(n);
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_ROWS, RowTable};

    /// Every lookup finds the record made for its own key: through the front, past it (keys
    /// sharing a front slot, in turn), and across the restart past `MAX_ROWS`.
    #[test]
    fn each_key_finds_its_own_record() {
        let mut table: RowTable<usize> = RowTable::default();
        let mut made = 0;
        for round in 0..3 {
            for i in 0..(MAX_ROWS + 500) {
                let key = i * 16 + 0x1000;
                let r = *table.get_or_insert(key, || {
                    made += 1;
                    key
                });
                assert_eq!(r, key, "round {round}");
                // A few hot keys in between, as listings linking popular rows give them.
                for hot in [0usize, 0x10, 0x20, 0x4000] {
                    assert_eq!(*table.get_or_insert(hot, || hot), hot);
                }
            }
        }
        assert!(made > MAX_ROWS, "{made}");
    }
}
