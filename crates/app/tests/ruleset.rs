//! `dealbrain ruleset export` and `dealbrain ruleset install` against seeded SQLite databases:
//! a package round-trips into a fresh database, and bad packages write nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use store::Store;
use test_support::TestDb;

fn dealbrain(db: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dealbrain"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn rule_count(store: &Store) -> usize {
    let mut groups = Vec::new();
    for rs in store.rulesets(false).await.unwrap() {
        groups.extend(store.rule_groups(rs.id).await.unwrap().iter().map(|g| g.id));
    }
    store.rules_of_groups(&groups).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_install_round_trip() {
    let (a, b) = (TestDb::sqlite().await, TestDb::sqlite().await);
    let source = Store::connect(&a.url, 2).await.unwrap();
    source.migrate_up().await.unwrap();
    store::seed::seed(&source, 5).await.unwrap();
    let target = Store::connect(&b.url, 2).await.unwrap();
    target.migrate_up().await.unwrap();
    let dir = std::env::temp_dir().join(format!("dealbrain-cli-ruleset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A seeded ruleset whose first group has rules (the bad package below breaks one).
    let mut id = String::new();
    for rs in source.rulesets(false).await.unwrap() {
        let groups = source.rule_groups(rs.id).await.unwrap();
        let first = groups.first().map(|g| g.id).unwrap_or_default();
        if !source.rules_of_groups(&[first]).await.unwrap().is_empty() {
            id = rs.id.to_string();
            break;
        }
    }
    assert!(!id.is_empty(), "the seed has rules");

    let file = dir.join("rules.dbrs");
    let f = file.to_str().unwrap();
    let o = dealbrain(
        &a.url,
        &dir,
        &["ruleset", "export", "--id", &id, "--out", f],
    );
    assert!(o.status.success(), "{o:?}");
    let pkg: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(pkg["formatVersion"], 2);

    let o = dealbrain(&b.url, &dir, &["ruleset", "install", f]);
    let text = stdout(&o);
    assert!(o.status.success(), "{o:?}");
    assert!(text.contains("Create: "), "{text}");
    let installed = target.rulesets(false).await.unwrap();
    assert_eq!(installed.len(), 1);
    let new_id = installed[0].id.to_string();
    let o = dealbrain(&b.url, &dir, &["ruleset", "export", "--id", &new_id]);
    assert!(o.status.success(), "{o:?}");
    let again: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(again, pkg, "export → install → export is the same package");

    let o = dealbrain(
        &b.url,
        &dir,
        &["ruleset", "install", f, "--strategy", "skip"],
    );
    assert!(stdout(&o).contains("Skip: "), "{}", stdout(&o));

    // Bad input writes nothing: an invalid rule (exit 1, its path), malformed JSON (exit 2).
    let rules = rule_count(&target).await;
    let mut bad = pkg.clone();
    bad["rulesets"][0]["name"] = serde_json::json!("Another");
    bad["rulesets"][0]["groups"][0]["rules"][0]["actions"] = serde_json::json!([]);
    std::fs::write(&file, bad.to_string()).unwrap();
    let o = dealbrain(&b.url, &dir, &["ruleset", "install", f]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(
        stdout(&o).contains("rulesets[0].groups[0].rules[0].actions: "),
        "{}",
        stdout(&o)
    );
    std::fs::write(&file, "{\"format\": ").unwrap();
    let o = dealbrain(&b.url, &dir, &["ruleset", "install", f]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is not JSON"),
        "{o:?}"
    );
    assert_eq!(rule_count(&target).await, rules);
    assert_eq!(target.rulesets(false).await.unwrap().len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}
