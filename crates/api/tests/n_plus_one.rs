//! The board query runs a fixed, small number of SQL statements whatever the page size.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::spawn;
use serde_json::json;
use test_support::TestDb;

const BOARD: &str = r#"query($first: Int!) {
  listings(first: $first, orderBy: {field: SCORE_COMPOSITE, direction: DESC}) {
    edges { node { id title price adjustedPrice dealClass scoreComposite
      cpu { name cpuMarkMulti } gpu { name } ramSpec { label } storage { label }
      ports { name ports { portType count } }
      valuationBreakdown { adjustedPrice rulesets { name rules { ruleName adjustment } } } } }
  }
}"#;

async fn board_statements(db: TestDb) {
    let app = spawn(db, 210).await;
    let mut counts = Vec::new();
    for first in [50, 200] {
        app.counter.reset();
        let d = app.ok(BOARD, json!({"first": first}), None).await;
        assert_eq!(d["listings"]["edges"].as_array().unwrap().len(), first);
        counts.push(app.counter.get());
    }
    eprintln!("statements per board query (50, 200 listings): {counts:?}");
    assert!(
        counts.iter().all(|c| *c <= 8),
        "statements per board query: {counts:?}"
    );
    assert_eq!(
        counts[0], counts[1],
        "the count must not grow with the page: {counts:?}"
    );
}

both_backends! {
    board => board_statements;
}
