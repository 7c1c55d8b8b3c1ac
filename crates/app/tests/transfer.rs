//! `dealbrain export` and `dealbrain import-passmark` against a seeded SQLite database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use domain::model::ValuationCause;
use store::{PageRequest, Store};
use test_support::TestDb;

fn dealbrain(db: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dealbrain"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db)
        .env("EXPORT_ROOT", dir.join("exports"))
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_passmark() {
    let db = TestDb::sqlite().await;
    let store = Store::connect(&db.url, 2).await.unwrap();
    store.migrate_up().await.unwrap();
    store::seed::seed(&store, 25).await.unwrap();
    let ids = store.active_listing_ids(0, 1000).await.unwrap();
    store::revalue::revalue(&store, &ids, ValuationCause::Manual, None)
        .await
        .unwrap();
    let total = store.count_listings().await.unwrap();
    let dir = std::env::temp_dir().join(format!("dealbrain-cli-transfer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // Listings as JSON to an explicit file.
    let out = dir.join("listings.json");
    let o = dealbrain(
        &db.url,
        &dir,
        &[
            "export",
            "listings",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{o:?}");
    assert!(
        stdout(&o).contains(&format!("wrote {total} rows")),
        "{}",
        stdout(&o)
    );
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(rows.len() as u64, total);
    assert!(
        rows.iter().all(|r| r["adjusted_price_usd"].is_string()),
        "valued"
    );

    // CPUs as XLSX under EXPORT_ROOT (default name).
    let o = dealbrain(&db.url, &dir, &["export", "cpus", "--format", "xlsx"]);
    assert!(o.status.success(), "{o:?}");
    let files: Vec<_> = std::fs::read_dir(dir.join("exports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "xlsx"));
    let sheet = transfer::xlsx::read(&std::fs::read(&files[0]).unwrap()).unwrap();
    let cpus = store.cpus(&PageRequest::first(500)).await.unwrap().items;
    assert_eq!(sheet.len(), cpus.len() + 1);

    // PassMark: a CPU used by listings gets a new mark; its listings are revalued.
    let used = store
        .listing(ids[0])
        .await
        .unwrap()
        .unwrap()
        .data
        .cpu_id
        .unwrap();
    let cpu = store.cpu(used).await.unwrap().unwrap();
    let mark = cpu.data.cpu_mark_multi.unwrap_or(0) + 5000;
    let file = dir.join("marks.csv");
    std::fs::write(
        &file,
        format!(
            "cpu_name,cpu_mark_multi\n\"{}\",{mark}\nNew Test Chip,100\n",
            cpu.data.name
        ),
    )
    .unwrap();
    let o = dealbrain(&db.url, &dir, &["import-passmark", file.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(o.status.success(), "{o:?}");
    assert!(
        text.contains("1 updated, 0 created, 0 unchanged, 1 not found, 0 failed"),
        "{text}"
    );
    assert!(text.contains("revalued "), "{text}");
    assert_eq!(
        store.cpu(used).await.unwrap().unwrap().data.cpu_mark_multi,
        Some(mark)
    );
    let l = store.listing(ids[0]).await.unwrap().unwrap();
    assert_eq!(l.valuation.score_cpu_multi, Some(mark.into()));

    // A bad row: exit status 1, nothing written.
    std::fs::write(
        &file,
        format!("cpu_name,cpu_mark_multi\n\"{}\",1\n,2\n", cpu.data.name),
    )
    .unwrap();
    let o = dealbrain(
        &db.url,
        &dir,
        &[
            "import-passmark",
            file.to_str().unwrap(),
            "--create-missing",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(
        stdout(&o).contains("line 3: -: missing cpu_name"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("nothing written"));
    assert_eq!(
        store.cpu(used).await.unwrap().unwrap().data.cpu_mark_multi,
        Some(mark)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
