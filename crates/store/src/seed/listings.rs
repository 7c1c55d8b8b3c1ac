//! A deterministic generator of sample listings: a seeded SplitMix64 (no external PRNG, so the
//! same N gives the same listings on every machine and version) picks a device, CPU, RAM,
//! storage and condition and prices them plausibly.

use domain::model::{Condition, ListingData, ListingStatus, ListingWrite};
use rust_decimal::Decimal;

/// SplitMix64: tiny, fast and fully reproducible.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// (manufacturer, series, model, form factor)
const DEVICES: &[(&str, &str, &str, &str)] = &[
    ("HP", "EliteDesk", "800 G4 Mini", "Mini"),
    ("HP", "EliteDesk", "800 G5 SFF", "SFF"),
    ("HP", "ProDesk", "400 G6 Mini", "Mini"),
    ("HP", "ProDesk", "600 G3 SFF", "SFF"),
    ("Dell", "OptiPlex", "3070 Micro", "Micro"),
    ("Dell", "OptiPlex", "7060 SFF", "SFF"),
    ("Dell", "OptiPlex", "7090 Micro", "Micro"),
    ("Lenovo", "ThinkCentre", "M720q Tiny", "Tiny"),
    ("Lenovo", "ThinkCentre", "M920q Tiny", "Tiny"),
    ("Lenovo", "ThinkCentre", "M70s SFF", "SFF"),
    ("Intel", "NUC", "NUC11PAHi5", "NUC"),
    ("Beelink", "EQ", "EQ12", "Mini"),
    ("Minisforum", "UM", "UM790 Pro", "Mini"),
    ("Apple", "Mac mini", "M1 2020", "Mini"),
];

const SELLERS: &[&str] = &[
    "ReuseIT",
    "OfficeSurplus",
    "TechRecycle",
    "MiniPC Outlet",
    "private seller",
];

/// Indices into the seeded catalogue chosen for one listing.
#[derive(Debug, Clone)]
pub(crate) struct Draw {
    pub write: ListingWrite,
    pub cpu: usize,
    pub ram: usize,
    pub storage: usize,
    pub gpu: Option<usize>,
}

/// The `i`-th sample listing (independent of the others, so `seed` can resume).
pub(crate) fn draw(
    i: usize,
    cpus: &[(&str, i32)],
    rams: &[i32],
    storages: &[i32],
    gpus: usize,
) -> Draw {
    let mut rng = Rng::new(0xDEA1_B8A1_u64 ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let (maker, series, model, ff) = *rng.pick(DEVICES);
    let cpu = rng.below(cpus.len());
    let ram = rng.below(rams.len());
    let storage = rng.below(storages.len());
    let gpu = (gpus > 0 && ff == "SFF" && rng.below(4) == 0).then(|| rng.below(gpus));
    let condition = *rng.pick(&[
        Condition::Used,
        Condition::Used,
        Condition::Refurb,
        Condition::New,
    ]);
    let status = if rng.below(20) == 0 {
        ListingStatus::Pending
    } else {
        ListingStatus::Active
    };
    let (cpu_name, multi) = cpus[cpu];
    // Price: a base by CPU mark, RAM and storage, a condition factor, then noise ±15 %.
    let base = 60.0
        + f64::from(multi) / 100.0
        + f64::from(rams[ram]) * 2.0
        + f64::from(storages[storage]) / 20.0;
    let factor = match condition {
        Condition::New => 1.3,
        Condition::Refurb => 1.05,
        Condition::Used => 0.9,
    };
    let noise = 0.85 + (rng.below(3001) as f64) / 10_000.0;
    let cents = (base * factor * noise * 100.0).round() as i64;
    let mut data = ListingData::new(
        format!(
            "{maker} {series} {model} {cpu_name} {}GB / {}GB",
            rams[ram], storages[storage]
        ),
        Decimal::new(cents - cents % 100 + 99, 2),
    );
    data.listing_url = Some(format!("https://deals.example.com/listing/{i}"));
    data.seller = Some((*rng.pick(SELLERS)).to_owned());
    data.condition = condition;
    data.status = status;
    data.manufacturer = Some(maker.to_owned());
    data.series = Some(series.to_owned());
    data.model_number = Some(model.to_owned());
    data.form_factor = Some(ff.to_owned());
    data.device_model = Some(format!("{series} {model}"));
    data.ram_gb = Some(rams[ram]);
    data.primary_storage_gb = Some(storages[storage]);
    if rng.below(3) == 0 {
        data.os_license = Some("Windows 11 Pro".to_owned());
    }
    Draw {
        write: ListingWrite {
            data,
            components: vec![],
            disabled_ruleset_ids: vec![],
        },
        cpu,
        ram,
        storage,
        gpu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        let cpus = [("A", 10000), ("B", 20000)];
        let a = draw(7, &cpus, &[8, 16], &[256, 512], 2);
        let b = draw(7, &cpus, &[8, 16], &[256, 512], 2);
        assert_eq!(a.write, b.write);
        assert_ne!(draw(8, &cpus, &[8, 16], &[256, 512], 2).write, a.write);
        assert!(a.write.data.price_usd > Decimal::ZERO);
    }
}
