//! What part of a context a compiled condition or action reads, worked out at compile time.
//! A rule that reads one shared row and nothing else (`cpu.cores`, `cpu.igpu_model`) decides
//! the same on every listing that links that row: the basis of the per-row memo of
//! [`crate::valuation::Evaluator`].

use super::fields::{ROW_OF_SLOT, Root, Slot};
use super::{Context, FieldRef, LISTING_LEN, Row, row_index};

/// A set of context parts: the listing block, the custom values, the running price and each
/// of the six shared rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reads(u16);

const LISTING: u16 = 1;
const CUSTOM: u16 = 1 << 1;
const PRICE: u16 = 1 << 2;
const FIRST_ROW: u32 = 3;

impl Reads {
    /// Nothing read.
    pub const NOTHING: Reads = Reads(0);
    /// The listing's own fields (a modifier's condition, age or brand).
    pub const LISTING: Reads = Reads(LISTING);
    /// The listing's custom values.
    pub const CUSTOM: Reads = Reads(CUSTOM);
    /// The running price (a multiplier).
    pub const PRICE: Reads = Reads(PRICE);
    /// Anything: what cannot be analysed is treated as reading everything.
    pub const EVERYTHING: Reads = Reads(u16::MAX);

    fn row(i: usize) -> Reads {
        Reads(1 << (FIRST_ROW as usize + i))
    }

    /// The part holding a slot.
    pub fn slot(s: Slot) -> Reads {
        let s = s as usize;
        if s < LISTING_LEN {
            return Reads::LISTING;
        }
        ROW_OF_SLOT
            .get(s)
            .map_or(Reads::EVERYTHING, |(row, _)| Reads::row(*row as usize))
    }

    /// The parts a whole root is made of (read as a map, or tested for presence). The
    /// listing read as a map is taken to include the custom values.
    pub fn root(root: Root) -> Reads {
        match (root, row_index(root)) {
            (_, Some(i)) => Reads::row(i),
            (Root::Storage, None) => {
                Reads::root(Root::StoragePrimary).with(Reads::root(Root::StorageSecondary))
            }
            (Root::Custom, None) => Reads::CUSTOM,
            _ => Reads(LISTING | CUSTOM),
        }
    }

    /// The part a resolved field reads.
    pub fn field(f: &FieldRef) -> Reads {
        match f {
            FieldRef::Slot(s) => Reads::slot(*s),
            FieldRef::Root(r) => Reads::root(*r),
            FieldRef::Custom(_) => Reads::CUSTOM,
        }
    }

    /// The union of two sets.
    #[must_use]
    pub fn with(self, other: Reads) -> Reads {
        Reads(self.0 | other.0)
    }

    /// The index of the one shared row read (`0` for `cpu`, as [`super::Context`] numbers its
    /// rows), when that row is all that is read.
    pub fn only_row(self) -> Option<usize> {
        let rows = self.0 >> FIRST_ROW;
        (self.0 & (LISTING | CUSTOM | PRICE) == 0 && rows.count_ones() == 1)
            .then(|| rows.trailing_zeros() as usize)
            .filter(|i| *i < 6)
    }
}

impl Context {
    /// The shared row linked as row `i` (0 for `cpu`, the numbering of [`Reads::only_row`]),
    /// whose address keys the per-row memo.
    pub(crate) fn shared_row(&self, i: usize) -> Option<&Row> {
        self.rows.get(i)?.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::Reads;
    use crate::context::{FieldRef, Root, slot_of};

    #[test]
    fn one_row_alone_is_recognised() {
        let cores = FieldRef::Slot(slot_of(Root::Cpu, "cores").unwrap());
        let gpu = FieldRef::Slot(slot_of(Root::Gpu, "gpu_mark").unwrap());
        let ram = FieldRef::Slot(slot_of(Root::Listing, "ram_gb").unwrap());
        assert_eq!(Reads::field(&cores).only_row(), Some(0));
        assert_eq!(Reads::field(&gpu).only_row(), Some(1));
        assert_eq!(Reads::root(Root::Ports).only_row(), Some(5));
        assert_eq!(Reads::root(Root::Cpu), Reads::field(&cores));
        for other in [
            Reads::field(&ram),
            Reads::field(&FieldRef::Custom("form_factor".into())),
            Reads::PRICE,
            Reads::root(Root::Storage),
            Reads::root(Root::Listing),
        ] {
            assert_eq!(Reads::field(&cores).with(other).only_row(), None);
        }
        assert_eq!(Reads::NOTHING.only_row(), None);
        assert_eq!(Reads::EVERYTHING.only_row(), None);
    }
}
