//! Unit tests of the parsers.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::*;
use crate::error::ErrorKind;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn capacities() {
    let cases: &[(&str, Option<i64>)] = &[
        ("1 TB", Some(1000)),
        ("2.5TB", Some(2500)),
        ("512GB", Some(512)),
        ("256", Some(256)),
        ("2 x 512GB", Some(1024)),
        ("2x8GB", Some(16)),
        ("2×8 GB", Some(16)),
        ("1,024 GB", Some(1024)),
        ("512 GB NVMe SSD", Some(512)),
        ("16 GB DDR4-3200", Some(16)),
        ("DDR4-3200 16GB", Some(16)),
        ("1T", Some(1000)),
        ("8g", Some(8)),
        ("1.5 GB", Some(2)),
        ("0.5", Some(1)),
        ("", None),
        ("  N/A ", None),
        ("na", None),
        ("None", None),
        ("-", None),
        ("lots", None),
        ("2 Gen", None),
        ("16 DDR4", None),
        ("-5", None),
        ("99999999999999999999999999999999 TB", None),
    ];
    for (text, want) in cases {
        assert_eq!(capacity_gb(text), *want, "{text:?}");
    }
}

#[test]
fn prices() {
    let ok: &[(Cell<'_>, &str)] = &[
        (Cell::Text("$1,299.99"), "1299.99"),
        (Cell::Text("1299"), "1299"),
        (Cell::Text("89 USD"), "89"),
        (Cell::Text("89usd"), "89"),
        (Cell::Text("USD 89"), "89"),
        (Cell::Text("US$ 1,000"), "1000"),
        (Cell::Text("$ 5"), "5"),
        (Cell::Text("12.345"), "12.35"),
        (Cell::Text("0.005"), "0.01"),
        (Cell::Number(450.0), "450"),
        (Cell::Number(12.345), "12.35"),
    ];
    for (cell, want) in ok {
        assert_eq!(price(*cell), Ok(dec(want)), "{cell:?}");
    }
    assert_eq!(price(Cell::Text("  ")), Err(ErrorKind::Missing));
    for bad in [
        "-5", "$-5", "€500", "1.299,99", "$", "12,34", "1234,567", "1,2345", "5$", "$5 USD", "1e3",
        ".5", "5.",
    ] {
        assert_eq!(
            price(Cell::Text(bad)),
            Err(ErrorKind::InvalidPrice),
            "{bad:?}"
        );
    }
    assert_eq!(price(Cell::Number(-1.0)), Err(ErrorKind::InvalidPrice));
    assert_eq!(price(Cell::Number(1e300)), Err(ErrorKind::InvalidPrice));
}

#[test]
fn conditions() {
    let c = |t| condition(t);
    assert_eq!(
        c("Refurbished"),
        ParsedCondition {
            value: "refurb",
            unknown: false
        }
    );
    assert_eq!(
        c(""),
        ParsedCondition {
            value: "used",
            unknown: false
        }
    );
    assert_eq!(
        c("  Brand   New "),
        ParsedCondition {
            value: "new",
            unknown: false
        }
    );
    assert_eq!(c("Pre-Owned").value, "used");
    assert_eq!(c("NIB").value, "new");
    assert_eq!(c("Seller refurbished").value, "refurb");
    assert_eq!(
        c("mint"),
        ParsedCondition {
            value: "used",
            unknown: true
        }
    );
}

#[test]
fn ram_generations() {
    for (text, want) in [
        ("DDR4", "ddr4"),
        ("DDR4/3200", "ddr4"),
        ("ddr", "unknown"),
        ("LPDDR5X", "lpddr5x"),
        ("lpddr5 6400", "lpddr5"),
        ("LP-DDR 4X", "lpddr4x"),
        ("SO-DIMM", "unknown"),
        ("HBM3", "hbm3"),
        ("16GB DDR5-5600", "ddr5"),
        ("", "unknown"),
    ] {
        assert_eq!(ram_generation(text), want, "{text:?}");
    }
}

#[test]
fn port_types_and_aliases() {
    for (text, want) in [
        ("USB-A", "usb_a"),
        ("USB Type-C", "usb_c"),
        ("usb", "usb_a"),
        ("2.5GbE", "rj45_2_5g"),
        ("DP", "displayport"),
        ("Mini DisplayPort", "displayport"),
        ("SD card", "sdxc"),
        ("Thunderbolt 4", "thunderbolt"),
        ("3.5mm", "audio"),
        ("M.2", "m2_slot"),
        ("HDMI", "hdmi"),
        ("pcie_x16", "pcie_x16"),
        (" 10GbE ", "rj45_10g"),
    ] {
        assert_eq!(port_type(text), Ok(want), "{text:?}");
    }
    for bad in ["VGA", "", "serial"] {
        assert_eq!(port_type(bad), Err(ErrorKind::InvalidPortType), "{bad:?}");
    }
}

#[test]
fn cpu_makers() {
    for (name, want) in [
        ("Ryzen 5 5600G", "AMD"),
        ("AMD Ryzen 7 7840HS", "AMD"),
        ("Apple M2", "Apple"),
        ("M1 Max 10-core", "Apple"),
        ("Snapdragon X Elite", "Qualcomm"),
        ("Snapdragon X Elite 12 core", "Qualcomm"),
        ("Core i7-8700", "Intel"),
        ("Intel(R) Core(TM) i5", "Intel"),
        ("Celeron N5105", "Intel"),
        ("MediaTek Kompanio 1380", "MediaTek"),
        ("Loongson 3A6000", "Unknown"),
        ("", "Unknown"),
    ] {
        assert_eq!(cpu_manufacturer(name), want, "{name:?}");
    }
}

#[test]
fn urls() {
    assert_eq!(
        url(" https://ebay.com/itm/1 "),
        Ok(Some("https://ebay.com/itm/1".into()))
    );
    assert_eq!(
        url("HTTP://Example.com:8080?q=1"),
        Ok(Some("HTTP://Example.com:8080?q=1".into()))
    );
    assert_eq!(url("http://[::1]/x"), Ok(Some("http://[::1]/x".into())));
    assert_eq!(url(""), Ok(None));
    for bad in [
        "ftp://x.com",
        "https://",
        "https:///path",
        "example.com",
        "http://a b.com",
        "http://x.com:port",
        "http://[zz]/",
    ] {
        assert_eq!(url(bad), Err(ErrorKind::InvalidUrl), "{bad:?}");
    }
}

#[test]
fn integers() {
    for (text, want) in [
        ("1,024", Some(1024)),
        ("12", Some(12)),
        ("2.5", Some(3)),
        ("-2.5", Some(-3)),
        ("+7", Some(7)),
        ("1e3", Some(1000)),
        ("NA", None),
        ("n/a", None),
        ("null", None),
        ("None", None),
        ("", None),
        ("eight", None),
        ("1e300", None),
    ] {
        assert_eq!(integer(text), want, "{text:?}");
    }
}
