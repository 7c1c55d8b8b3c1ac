//! The static field table of the evaluation context (DOMAIN.md §4.1).
//!
//! Every core path has a fixed slot so that compiled conditions, actions and formulas read a
//! field with one array index instead of walking maps.

/// The roots of the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Root {
    /// `listing` (always present).
    Listing,
    /// `cpu` (null without a CPU).
    Cpu,
    /// `gpu` (null without a GPU).
    Gpu,
    /// `ram_spec` (null without a RAM spec).
    RamSpec,
    /// `storage` (a map of `primary` and `secondary`, always present).
    Storage,
    /// `storage.primary` (null without a primary storage profile).
    StoragePrimary,
    /// `storage.secondary` (null without a secondary storage profile).
    StorageSecondary,
    /// `ports` (null without a ports profile).
    Ports,
    /// `custom` (the listing's custom values, `{}` if none).
    Custom,
}

impl Root {
    /// The dotted path of the root.
    pub fn path(self) -> &'static str {
        match self {
            Root::Listing => "listing",
            Root::Cpu => "cpu",
            Root::Gpu => "gpu",
            Root::RamSpec => "ram_spec",
            Root::Storage => "storage",
            Root::StoragePrimary => "storage.primary",
            Root::StorageSecondary => "storage.secondary",
            Root::Ports => "ports",
            Root::Custom => "custom",
        }
    }

    /// The top-level roots, by name (the first segment of a path).
    pub fn top_level(name: &str) -> Option<Root> {
        Some(match name {
            "listing" => Root::Listing,
            "cpu" => Root::Cpu,
            "gpu" => Root::Gpu,
            "ram_spec" => Root::RamSpec,
            "storage" => Root::Storage,
            "ports" => Root::Ports,
            "custom" => Root::Custom,
            _ => return None,
        })
    }
}

/// A slot index into the context's field array.
pub type Slot = u8;

static LISTING: &[&str] = &[
    "id",
    "title",
    "seller",
    "price_usd",
    "price_date",
    "condition",
    "status",
    "manufacturer",
    "series",
    "model_number",
    "form_factor",
    "device_model",
    "listing_url",
    "os_license",
    "notes",
    "ram_gb",
    "ram_notes",
    "ram_type",
    "ram_speed_mhz",
    "primary_storage_gb",
    "primary_storage_type",
    "primary_storage_medium",
    "secondary_storage_gb",
    "secondary_storage_type",
    "secondary_storage_medium",
    "other_components",
    "age_years",
];
static CPU: &[&str] = &[
    "id",
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
];
static GPU: &[&str] = &["id", "name", "manufacturer", "gpu_mark", "metal_score"];
static RAM_SPEC: &[&str] = &[
    "id",
    "label",
    "ddr_generation",
    "speed_mhz",
    "module_count",
    "capacity_per_module_gb",
    "total_capacity_gb",
];
static STORAGE: &[&str] = &[
    "id",
    "label",
    "medium",
    "interface",
    "form_factor",
    "capacity_gb",
    "performance_tier",
];
static PORTS: &[&str] = &[
    "usb_a",
    "usb_c",
    "thunderbolt",
    "hdmi",
    "displayport",
    "rj45_1g",
    "rj45_2_5g",
    "rj45_10g",
    "audio",
    "sdxc",
    "pcie_x16",
    "pcie_x8",
    "m2_slot",
    "sata_bay",
    "other",
];

/// The port types of DOMAIN.md §3, in slot order.
pub fn port_types() -> &'static [&'static str] {
    PORTS
}

/// Core listing field names (§4.1), in slot order.
pub fn listing_field_names() -> &'static [&'static str] {
    LISTING
}

/// Every root with core fields and their names, in slot order (`storage.primary` and
/// `storage.secondary` share the storage profile's names) — what rule builders list.
pub fn root_fields() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    BLOCKS.iter().map(|b| (b.root.path(), b.names))
}

/// A contiguous block of slots for one root.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    pub root: Root,
    pub start: Slot,
    pub names: &'static [&'static str],
}

/// Slot blocks in slot order; secondary storage reuses the storage field names.
pub(crate) static BLOCKS: [Block; 7] = [
    Block {
        root: Root::Listing,
        start: 0,
        names: LISTING,
    },
    Block {
        root: Root::Cpu,
        start: 27,
        names: CPU,
    },
    Block {
        root: Root::Gpu,
        start: 39,
        names: GPU,
    },
    Block {
        root: Root::RamSpec,
        start: 44,
        names: RAM_SPEC,
    },
    Block {
        root: Root::StoragePrimary,
        start: 51,
        names: STORAGE,
    },
    Block {
        root: Root::StorageSecondary,
        start: 58,
        names: STORAGE,
    },
    Block {
        root: Root::Ports,
        start: 65,
        names: PORTS,
    },
];

/// For each slot past the listing block: (row index, offset in the row).
pub(crate) static ROW_OF_SLOT: [(u8, u8); SLOT_COUNT] = {
    let mut table = [(0u8, 0u8); SLOT_COUNT];
    let mut b = 1;
    while b < BLOCKS.len() {
        let start = BLOCKS[b].start as usize;
        let mut i = 0;
        while i < BLOCKS[b].names.len() {
            table[start + i] = ((b - 1) as u8, i as u8);
            i += 1;
        }
        b += 1;
    }
    table
};

/// The number of slots in a context.
pub const SLOT_COUNT: usize = 27 + 12 + 5 + 7 + 7 + 7 + 15;

/// The block of a root that has slots.
pub(crate) fn block(root: Root) -> Option<&'static Block> {
    BLOCKS.iter().find(|b| b.root == root)
}

/// The absolute slot of `field` under `root`.
pub fn slot_of(root: Root, field: &str) -> Option<Slot> {
    let b = block(root)?;
    b.names
        .iter()
        .position(|n| *n == field)
        .map(|i| b.start + i as Slot)
}

/// Absolute slots the engine reads directly (checked against the table by a test).
#[allow(missing_docs)]
pub mod slot {
    use super::Slot;
    pub const LISTING_PRICE_USD: Slot = 3;
    pub const LISTING_CONDITION: Slot = 5;
    pub const LISTING_MANUFACTURER: Slot = 7;
    pub const LISTING_RAM_GB: Slot = 15;
    pub const LISTING_RAM_TYPE: Slot = 17;
    pub const LISTING_RAM_SPEED_MHZ: Slot = 18;
    pub const LISTING_PRIMARY_STORAGE_GB: Slot = 19;
    pub const LISTING_PRIMARY_STORAGE_TYPE: Slot = 20;
    pub const LISTING_PRIMARY_STORAGE_MEDIUM: Slot = 21;
    pub const LISTING_SECONDARY_STORAGE_GB: Slot = 22;
    pub const LISTING_SECONDARY_STORAGE_TYPE: Slot = 23;
    pub const LISTING_SECONDARY_STORAGE_MEDIUM: Slot = 24;
    pub const LISTING_AGE_YEARS: Slot = 26;
    pub const CPU_MANUFACTURER: Slot = 29;
    pub const CPU_RELEASE_YEAR: Slot = 38;
    pub const RAM_DDR_GENERATION: Slot = 46;
    pub const RAM_SPEED_MHZ: Slot = 47;
    pub const RAM_TOTAL_CAPACITY_GB: Slot = 50;
    pub const PRIMARY_MEDIUM: Slot = 53;
    pub const PRIMARY_CAPACITY_GB: Slot = 56;
    pub const SECONDARY_MEDIUM: Slot = 60;
    pub const SECONDARY_CAPACITY_GB: Slot = 63;
    pub const PORTS_START: Slot = 65;
}

/// The absolute slot of a listing field.
pub fn listing_slot(field: &str) -> Option<Slot> {
    slot_of(Root::Listing, field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_tile_the_slot_array() {
        let mut next = 0usize;
        for b in &BLOCKS {
            assert_eq!(b.start as usize, next);
            next += b.names.len();
        }
        assert_eq!(next, SLOT_COUNT);
        let checks = [
            (Root::Listing, "price_usd", slot::LISTING_PRICE_USD),
            (Root::Listing, "condition", slot::LISTING_CONDITION),
            (Root::Listing, "manufacturer", slot::LISTING_MANUFACTURER),
            (Root::Listing, "ram_gb", slot::LISTING_RAM_GB),
            (Root::Listing, "ram_type", slot::LISTING_RAM_TYPE),
            (Root::Listing, "ram_speed_mhz", slot::LISTING_RAM_SPEED_MHZ),
            (
                Root::Listing,
                "primary_storage_gb",
                slot::LISTING_PRIMARY_STORAGE_GB,
            ),
            (
                Root::Listing,
                "primary_storage_type",
                slot::LISTING_PRIMARY_STORAGE_TYPE,
            ),
            (
                Root::Listing,
                "primary_storage_medium",
                slot::LISTING_PRIMARY_STORAGE_MEDIUM,
            ),
            (
                Root::Listing,
                "secondary_storage_gb",
                slot::LISTING_SECONDARY_STORAGE_GB,
            ),
            (
                Root::Listing,
                "secondary_storage_type",
                slot::LISTING_SECONDARY_STORAGE_TYPE,
            ),
            (
                Root::Listing,
                "secondary_storage_medium",
                slot::LISTING_SECONDARY_STORAGE_MEDIUM,
            ),
            (Root::Listing, "age_years", slot::LISTING_AGE_YEARS),
            (Root::Cpu, "manufacturer", slot::CPU_MANUFACTURER),
            (Root::Cpu, "release_year", slot::CPU_RELEASE_YEAR),
            (Root::RamSpec, "ddr_generation", slot::RAM_DDR_GENERATION),
            (Root::RamSpec, "speed_mhz", slot::RAM_SPEED_MHZ),
            (
                Root::RamSpec,
                "total_capacity_gb",
                slot::RAM_TOTAL_CAPACITY_GB,
            ),
            (Root::StoragePrimary, "medium", slot::PRIMARY_MEDIUM),
            (
                Root::StoragePrimary,
                "capacity_gb",
                slot::PRIMARY_CAPACITY_GB,
            ),
            (Root::StorageSecondary, "medium", slot::SECONDARY_MEDIUM),
            (
                Root::StorageSecondary,
                "capacity_gb",
                slot::SECONDARY_CAPACITY_GB,
            ),
            (Root::Ports, "usb_a", slot::PORTS_START),
        ];
        for (root, name, expected) in checks {
            assert_eq!(slot_of(root, name), Some(expected), "{name}");
        }
    }
}
