//! Unit tests of the pure import pipeline: reading, row parsing (§7.3), parsing a book and
//! planning against a catalogue (§7.2 de-duplication).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use domain::model::{Listing, ListingData, ListingValuation};
use rust_decimal::Decimal;
use store::ImportCatalogue;

use super::book::{initial_mappings, inspect, parse};
use super::plan::analyse;
use super::read::read;
use super::rows::{Parsed, parse_ports};
use super::state::{ListingAction, ListingConflictKind, Resolutions, row_key};

const CSV: &str = "Title,Price,URL,Processor,Memory,Storage,Storage 2,Condition\n\
    Box A,\"1,299.00\",https://shop.test/a,Intel Core i5-6500,2x8GB DDR4-2400,1 TB SSD,2TB HDD,renewed\n\
    Box B,USD 200,,Intel Core i5-6500,16GB,256GB eMMC,,pre-owned\n\
    Box C,abc,,,,,,\n";

fn book(csv: &str) -> (Vec<super::read::Sheet>, Vec<super::state::SheetMapping>) {
    let sheets = read("boxes.csv", csv.as_bytes()).unwrap();
    let infos = inspect(&sheets, &BTreeMap::new());
    let maps = initial_mappings(&infos);
    (sheets, maps)
}

#[test]
fn reads_csv_and_tsv_with_header_and_blank_rows() {
    let sheets = read("x.tsv", b"\n\na\tb\n1\t2\n\n3\t\n".as_slice()).unwrap();
    assert_eq!(sheets[0].columns, ["a", "b"]);
    let rows: Vec<usize> = sheets[0].rows().map(|(n, _)| n).collect();
    assert_eq!(rows.len(), 2);
    assert!(read("x.csv", b"").is_err());
    assert!(read("x.pdf", b"a").is_err());
}

#[test]
fn listing_rows_follow_the_parsing_rules() {
    let (sheets, maps) = book(CSV);
    let parsed = parse(&sheets, &maps, &BTreeMap::new());
    let s = &parsed.sheets[0];
    assert_eq!(s.preview.error_count, 1);
    assert_eq!(s.preview.errors[0].code, "invalid_price");
    let Parsed::Listing(a) = &s.rows[0].1 else {
        panic!()
    };
    assert_eq!(a.data.price_usd, Decimal::new(129_900, 2));
    assert_eq!(a.data.condition.as_str(), "refurb");
    assert_eq!(a.data.ram_gb, Some(16));
    let ram = a.ram.as_ref().unwrap();
    assert_eq!(
        (ram.ddr_generation.as_str(), ram.speed_mhz),
        ("ddr4", Some(2400))
    );
    assert_eq!(a.data.primary_storage_gb, Some(1000));
    assert_eq!(a.data.primary_storage_type.as_deref(), Some("sata_ssd"));
    assert_eq!(a.data.secondary_storage_type.as_deref(), Some("hdd"));
    let Parsed::Listing(b) = &s.rows[1].1 else {
        panic!()
    };
    assert_eq!(b.data.condition.as_str(), "used");
    assert_eq!(b.data.primary_storage_type.as_deref(), Some("emmc"));
    assert_eq!(b.cpu_name.as_deref(), Some("Intel Core i5-6500"));
}

#[test]
fn ports_lists() {
    let p = parse_ports("2x USB-A, 1x HDMI; usb-c").unwrap();
    assert_eq!(p.len(), 3);
    assert_eq!((p[0].port_type.as_str(), p[0].count), ("usb_a", 2));
    assert_eq!(p[2].port_type.as_str(), "usb_c");
    let j = parse_ports(r#"[{"type": "dp", "count": 2, "spec_notes": "1.4"}]"#).unwrap();
    assert_eq!(
        (j[0].port_type.as_str(), j[0].spec_notes.as_str()),
        ("displayport", "1.4")
    );
    assert!(parse_ports("3x warp drive").is_err());
    assert!(parse_ports("99x usb").is_err());
}

fn stored(id: i64, title: &str, price: i64, url: Option<&str>) -> Listing {
    let mut data = ListingData::new(title, Decimal::new(price, 2));
    data.listing_url = url.map(str::to_owned);
    Listing {
        id,
        data,
        valuation: ListingValuation::default(),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    }
}

#[test]
fn urls_update_titles_never_merge_silently() {
    let (sheets, maps) = book(CSV);
    let parsed = parse(&sheets, &maps, &BTreeMap::new());
    let cat = ImportCatalogue {
        listings_by_url: vec![stored(7, "Old A", 100, Some("HTTPS://shop.test/a/"))],
        listings_by_title: vec![(9, "box b".into(), Decimal::new(20_000, 2))],
        ..ImportCatalogue::default()
    };
    let a = analyse(&parsed, &cat, &Resolutions::default());
    let kinds: Vec<_> = a.conflicts.listings.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ListingConflictKind::UrlMatch,
            ListingConflictKind::PossibleDuplicate
        ]
    );
    assert_eq!(
        a.conflicts.unresolved, 1,
        "the possible duplicate needs a decision"
    );
    assert_eq!(a.plan.listings.len(), 1);
    assert_eq!(a.plan.listings[0].update_id, Some(7));
    assert_eq!(a.plan.listings[0].data.title, "Box A");
    // The unmatched CPU name becomes a new CPU.
    assert_eq!(a.plan.cpus.len(), 1);
    assert_eq!(a.plan.cpus[0].data.manufacturer, "Intel");

    let mut res = Resolutions::default();
    res.listings
        .insert(row_key("boxes.csv", 3), ListingAction::Create);
    res.url_match_default = Some(ListingAction::Skip);
    let a = analyse(&parsed, &cat, &res);
    assert_eq!(a.conflicts.unresolved, 0);
    assert_eq!((a.plan.listings.len(), a.skipped), (1, 1));
    assert_eq!(a.plan.listings[0].update_id, None);
}
