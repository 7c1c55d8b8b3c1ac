//! Import benchmark (not a test): generates a workbook of 2,000 CPUs and 50,000 listing rows,
//! then times the session preview (upload, inspection, mapping, parsing every row, matching,
//! conflicts) and the one-transaction commit on a fresh PostgreSQL database, and reports the
//! peak resident memory of the process.
//!
//! `just bench-import` (= `cargo run --release -p transfer --example bench_import`); needs
//! `DEALBRAIN_TEST_DATABASE_URL` (a server where it may create a database). `BENCH_LISTINGS`
//! and `BENCH_CPUS` change the sizes; `BENCH_BACKEND=sqlite` uses a SQLite file instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::Instant;

use rust_xlsxwriter::Workbook;
use store::Store;
use test_support::TestDb;
use transfer::import::session::{self, Upload};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn workbook(cpus: usize, listings: usize) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet_with_constant_memory().unwrap();
    ws.set_name("CPUs").unwrap();
    for (c, h) in [
        "Name",
        "Cores",
        "Threads",
        "TDP",
        "CPU Mark",
        "Single Thread",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..cpus {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("Bench CPU {i}")).unwrap();
        ws.write_number(r, 1, (4 + i % 12) as f64).unwrap();
        ws.write_number(r, 2, (8 + i % 24) as f64).unwrap();
        ws.write_number(r, 3, 35.0).unwrap();
        ws.write_number(r, 4, (5_000 + i * 7) as f64).unwrap();
        ws.write_number(r, 5, (1_500 + i) as f64).unwrap();
    }
    let ws = book.add_worksheet_with_constant_memory().unwrap();
    ws.set_name("SFF listings").unwrap();
    let head = [
        "Title",
        "Price",
        "URL",
        "Processor",
        "RAM",
        "Storage",
        "Condition",
        "Seller",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rams = ["8GB DDR4-2666", "16GB DDR4-3200", "32GB DDR5-5600", "16 GB"];
    let disks = ["256GB NVMe SSD", "512GB SSD", "1TB HDD", "1 TB NVMe"];
    let conds = ["used", "Refurbished", "new", "open box"];
    for i in 0..listings {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("Bench mini PC {i}")).unwrap();
        ws.write_number(r, 1, 150.0 + (i % 900) as f64 + 0.99)
            .unwrap();
        ws.write_string(r, 2, format!("https://shop.example/item/{i}"))
            .unwrap();
        ws.write_string(r, 3, format!("Bench CPU {}", i % cpus.max(1)))
            .unwrap();
        ws.write_string(r, 4, rams[i % 4]).unwrap();
        ws.write_string(r, 5, disks[(i / 4) % 4]).unwrap();
        ws.write_string(r, 6, conds[(i / 16) % 4]).unwrap();
        ws.write_string(r, 7, format!("Seller {}", i % 50)).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// Peak resident set size of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (cpus, listings) = (env("BENCH_CPUS", 2_000), env("BENCH_LISTINGS", 50_000));
    let t = Instant::now();
    let bytes = workbook(cpus, listings);
    println!(
        "workbook: {cpus} CPUs + {listings} listings, {:.1} MiB, generated in {:.2} s",
        bytes.len() as f64 / 1_048_576.0,
        t.elapsed().as_secs_f64()
    );
    let db = if std::env::var("BENCH_BACKEND").as_deref() == Ok("sqlite") {
        TestDb::sqlite().await
    } else {
        TestDb::postgres()
            .await
            .expect("set DEALBRAIN_TEST_DATABASE_URL to a PostgreSQL server")
    };
    let store = Store::connect(&db.url, 5).await.unwrap();
    let root = std::env::temp_dir().join(format!("dealbrain-bench-import-{}", std::process::id()));
    let t = Instant::now();
    let up = Upload {
        filename: "bench.xlsx",
        bytes: &bytes,
        declared: BTreeMap::new(),
        actor: None,
    };
    let s = session::create(&store, &root, up).await.unwrap();
    let preview = t.elapsed().as_secs_f64();
    println!(
        "preview (upload, inspect, map, parse, match, conflicts): {preview:.2} s, status {}, \
         peak RSS so far {:.0} MiB",
        s.status.as_str(),
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    let t = Instant::now();
    let done = session::commit(&store, &root, &s.id, false).await.unwrap();
    let commit = t.elapsed().as_secs_f64();
    println!(
        "commit (one transaction): {commit:.2} s — {} listings, {} CPUs created",
        done.counts.created_listings,
        done.counts.created_cpus.len()
    );
    assert_eq!(done.counts.created_listings, listings);
    println!("peak RSS: {:.0} MiB", peak_rss_mib().unwrap_or(f64::NAN));
    let _ = std::fs::remove_dir_all(root);
}
