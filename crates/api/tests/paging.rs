//! Relay paging in both directions on every connection, on SQLite and PostgreSQL: walking
//! backward with `last`/`before` visits exactly the items walking forward visits, in the same
//! order, with correct `pageInfo`; bad arguments and foreign cursors are `BAD_USER_INPUT`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use api::ApiConfig;
use common::{TestApp, spawn, spawn_with};
use serde_json::{Value, json};
use test_support::TestDb;

/// A connection query: `$first $after $last $before` plus `extra` arguments, selecting the
/// node's `id`.
fn doc(field: &str, extra_decl: &str, extra_args: &str) -> String {
    format!(
        "query($first: Int, $after: String, $last: Int, $before: String{extra_decl}) {{ c: {field}(first: $first, after: $after, last: $last, before: $before{extra_args}) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ id }} }} }} }}"
    )
}

fn ids(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].to_string())
        .collect()
}

/// Checks start/end cursors against the edges.
fn check_cursors(conn: &Value) {
    let edges = conn["edges"].as_array().unwrap();
    let pi = &conn["pageInfo"];
    match (edges.first(), edges.last()) {
        (Some(f), Some(l)) => {
            assert_eq!(pi["startCursor"], f["cursor"], "{conn}");
            assert_eq!(pi["endCursor"], l["cursor"], "{conn}");
        }
        _ => assert!(pi["startCursor"].is_null() && pi["endCursor"].is_null()),
    }
}

/// Walks a connection both ways with pages of `size`; returns the forward order after
/// checking that the backward walk saw the same items and every page's flags.
async fn walk(app: &TestApp, doc: &str, vars: Value, size: i64) -> Vec<String> {
    let with = |extra: Value| {
        let mut v = vars.clone();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let mut forward = Vec::new();
    let mut after = Value::Null;
    for page in 0.. {
        let d = app
            .ok(doc, with(json!({"first": size, "after": after})), None)
            .await;
        let c = &d["c"];
        check_cursors(c);
        assert_eq!(c["pageInfo"]["hasPreviousPage"], page > 0, "{c}");
        forward.extend(ids(c));
        if c["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert_eq!(ids(c).len() as i64, size);
        after = c["pageInfo"]["endCursor"].clone();
    }
    let mut backward: Vec<Vec<String>> = Vec::new();
    let mut before = Value::Null;
    for page in 0.. {
        let d = app
            .ok(doc, with(json!({"last": size, "before": before})), None)
            .await;
        let c = &d["c"];
        check_cursors(c);
        assert_eq!(c["pageInfo"]["hasNextPage"], page > 0, "{c}");
        backward.push(ids(c));
        if c["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        assert_eq!(ids(c).len() as i64, size);
        before = c["pageInfo"]["startCursor"].clone();
    }
    let backward: Vec<String> = backward.into_iter().rev().flatten().collect();
    assert_eq!(backward, forward, "backward walk differs for {vars}");
    let mut unique = forward.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), forward.len(), "an item repeats: {forward:?}");
    forward
}

const FIELDS: &[&str] = &[
    "ID",
    "PRICE",
    "ADJUSTED_PRICE",
    "DOLLAR_PER_CPU_MARK_MULTI",
    "DOLLAR_PER_CPU_MARK_MULTI_ADJUSTED",
    "DOLLAR_PER_CPU_MARK_SINGLE",
    "DOLLAR_PER_CPU_MARK_SINGLE_ADJUSTED",
    "SCORE_COMPOSITE",
    "PERF_PER_WATT",
    "CREATED_AT",
    "UPDATED_AT",
    "TITLE",
    "DELTA",
    "DELTA_PCT",
    "DEAL_CLASS",
    "CPU",
    "GPU",
    "RAM",
    "STORAGE",
    "FORM_FACTOR",
    "BOARD_RANK",
];

async fn listings_every_order(db: TestDb) {
    // Hundreds of page requests in a few seconds from one address: this test is about paging,
    // not about the rate limit (which `limits.rs` covers).
    let config = ApiConfig {
        rate_per_second: 100_000,
        rate_burst: 100_000,
        ..ApiConfig::default()
    };
    let app = spawn_with(db, 30, config).await;
    // Listings without a CPU have NULL $/mark and perf/watt: the NULL segment is walked too.
    for n in 0..3 {
        app.ok(
            r#"mutation($t: String!) { createListing(input: {title: $t, price: "150.00"}) { id } }"#,
            json!({"t": format!("No CPU box {n}")}),
            Some(&app.editor),
        )
        .await;
    }
    let d = doc(
        "listings",
        ", $order: ListingOrder, $filter: ListingFilterInput",
        ", orderBy: $order, filter: $filter",
    );
    let all = walk(&app, &d, json!({"order": {"field": "ID"}}), 7).await;
    assert_eq!(all.len(), 33);
    for f in FIELDS {
        for dir in ["ASC", "DESC"] {
            let got = walk(
                &app,
                &d,
                json!({"order": {"field": f, "direction": dir}}),
                7,
            )
            .await;
            assert_eq!(got.len(), 33, "{f} {dir}");
        }
    }
    // The board rank of a profile other than the default one (its scores are joined).
    let profiles = app
        .ok(
            "{ scoringProfiles { nodes { id isDefault } } }",
            json!({}),
            None,
        )
        .await;
    let other = profiles["scoringProfiles"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["isDefault"] == false)
        .unwrap()["id"]
        .clone();
    for dir in ["ASC", "DESC"] {
        let order = json!({"field": "BOARD_RANK", "direction": dir, "profileId": other});
        let got = walk(&app, &d, json!({ "order": order }), 7).await;
        assert_eq!(got.len(), 33, "BOARD_RANK {dir}");
    }
    // The board-column keys order by the value the board shows, NULLs last both ways.
    let shown = "query($order: ListingOrder) { listings(first: 200, orderBy: $order) { nodes { deltaPct dealClass ramGb } } }";
    let classes = [
        "GREAT_DEAL",
        "GOOD_DEAL",
        "LIGHT_SAVING",
        "NEUTRAL",
        "LIGHT_PREMIUM",
        "PREMIUM",
    ];
    for (field, key) in [
        ("DELTA_PCT", "deltaPct"),
        ("DEAL_CLASS", "dealClass"),
        ("RAM", "ramGb"),
    ] {
        for dir in ["ASC", "DESC"] {
            let order = json!({"field": field, "direction": dir});
            let r = app.ok(shown, json!({ "order": order }), None).await;
            let vals: Vec<Option<f64>> = r["listings"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| match &n[key] {
                    Value::Null => None,
                    Value::String(c) if key == "dealClass" => {
                        classes.iter().position(|x| x == c).map(|i| i as f64)
                    }
                    Value::String(t) => Some(t.parse().unwrap()),
                    v => v.as_f64(),
                })
                .collect();
            let present: Vec<f64> = vals.iter().map_while(|v| *v).collect();
            assert!(
                vals[present.len()..].iter().all(Option::is_none),
                "{field} {dir}: NULLs last"
            );
            assert!(
                present.windows(2).all(|w| if dir == "ASC" {
                    w[0] <= w[1]
                } else {
                    w[0] >= w[1]
                }),
                "{field} {dir}: {vals:?}"
            );
            assert!(
                present.len() > 1 && present.first() != present.last(),
                "{field}: values vary"
            );
        }
    }
    // Filters hold in both directions, and totalCount is the filtered count.
    let filter = json!({"priceMax": "500.00", "statuses": ["ACTIVE"]});
    let vars = json!({"order": {"field": "ADJUSTED_PRICE", "direction": "DESC"}, "filter": filter});
    let got = walk(&app, &d, vars.clone(), 4).await;
    let mut v = vars.clone();
    v["last"] = json!(200);
    let total = app.ok(&d, v, None).await["c"]["totalCount"]
        .as_u64()
        .unwrap();
    assert_eq!(got.len() as u64, total);
    // Both cursors: the items strictly between them.
    let v = json!({"order": {"field": "PRICE"}, "first": 10});
    let c = app.ok(&d, v, None).await;
    let edges = c["c"]["edges"].as_array().unwrap().clone();
    let v = json!({"order": {"field": "PRICE"}, "first": 100, "after": edges[2]["cursor"], "before": edges[6]["cursor"]});
    let mid = app.ok(&d, v.clone(), None).await;
    let want: Vec<String> = edges[3..6]
        .iter()
        .map(|e| e["node"]["id"].to_string())
        .collect();
    assert_eq!(ids(&mid["c"]), want);
    let mut v = v;
    v["last"] = json!(2);
    v.as_object_mut().unwrap().remove("first");
    let tail = app.ok(&d, v, None).await;
    assert_eq!(ids(&tail["c"]), want[1..].to_vec());
    assert_eq!(tail["c"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(tail["c"]["pageInfo"]["hasNextPage"], true);
}

async fn bad_arguments(db: TestDb) {
    let app = spawn(db, 5).await;
    let d = doc("listings", ", $order: ListingOrder", ", orderBy: $order");
    let bad = |e: &Value, field: &str| {
        assert_eq!(e["code"], "BAD_USER_INPUT", "{e}");
        assert_eq!(e["field"], field, "{e}");
    };
    bad(
        &app.err(&d, json!({"first": 2, "last": 2}), None).await,
        "last",
    );
    bad(&app.err(&d, json!({"last": 0}), None).await, "last");
    bad(&app.err(&d, json!({"last": 201}), None).await, "last");
    bad(&app.err(&d, json!({"first": 201}), None).await, "first");
    bad(
        &app.err(&d, json!({"last": 2, "before": "zz"}), None).await,
        "before",
    );
    bad(
        &app.err(&d, json!({"first": 2, "after": "not hex!"}), None)
            .await,
        "after",
    );
    bad(
        &app.err(&d, json!({"first": 2, "after": ""}), None).await,
        "after",
    );
    // `profileId` belongs to BOARD_RANK, and must name a profile.
    bad(
        &app.err(
            &d,
            json!({"first": 2, "order": {"field": "PRICE", "profileId": "1"}}),
            None,
        )
        .await,
        "profileId",
    );
    bad(
        &app.err(
            &d,
            json!({"first": 2, "order": {"field": "BOARD_RANK", "profileId": "999999"}}),
            None,
        )
        .await,
        "profileId",
    );
    // A cursor of another sort, and of another list, is foreign.
    let by_price = app
        .ok(&d, json!({"first": 2, "order": {"field": "PRICE"}}), None)
        .await;
    let c = by_price["c"]["pageInfo"]["endCursor"].clone();
    bad(
        &app.err(
            &d,
            json!({"last": 2, "before": c, "order": {"field": "TITLE"}}),
            None,
        )
        .await,
        "before",
    );
    let cpus = app
        .ok(&doc("cpus", "", ""), json!({"first": 1}), None)
        .await;
    let c = cpus["c"]["pageInfo"]["endCursor"].clone();
    bad(
        &app.err(&doc("gpus", "", ""), json!({"first": 1, "after": c}), None)
            .await,
        "after",
    );
    bad(
        &app.err(&d, json!({"first": 1, "after": c}), None).await,
        "after",
    );
    let rs = app
        .ok(&doc("rulesets", "", ""), json!({"first": 1}), None)
        .await;
    let c = rs["c"]["pageInfo"]["endCursor"].clone();
    bad(
        &app.err(
            &doc("scoringProfiles", "", ""),
            json!({"last": 1, "before": c}),
            None,
        )
        .await,
        "before",
    );
    bad(
        &app.err(&doc("jobs", "", ""), json!({"first": 1, "after": c}), None)
            .await,
        "after",
    );
}

async fn other_connections(db: TestDb) {
    let app = spawn(db, 6).await;
    let ad = Some(app.admin.as_str());
    for label in ["Colour", "Warranty", "Bay count"] {
        app.ok(
            r#"mutation($l: String!) { createCustomField(input: {entity: LISTING, label: $l}) { id } }"#,
            json!({"l": label}),
            ad,
        )
        .await;
    }
    for n in 0..2 {
        app.ok(
            r#"mutation($n: String!) { createRuleset(input: {name: $n, priority: 20}) { id } }"#,
            json!({"n": format!("Extra rules {n}")}),
            Some(&app.editor),
        )
        .await;
    }
    for n in 0..3 {
        app.ok(
            r#"mutation($n: String!) { createPortsProfile(input: {name: $n, ports: [{portType: HDMI}]}) { id } }"#,
            json!({"n": format!("Ports {n}")}),
            Some(&app.editor),
        )
        .await;
    }
    for n in 0..3 {
        let now = chrono::Utc::now();
        app.store
            .save_import_session(&domain::model::ImportSession {
                id: uuid_like(n),
                filename: format!("upload-{n}.csv"),
                content_type: "text/csv".into(),
                byte_size: 10,
                checksum: "0".repeat(64),
                storage_ref: format!("mem:{n}"),
                status: domain::model::ImportStatus::MappingRequired,
                sheets: json!([]),
                mappings: json!({}),
                preview: json!({}),
                conflicts: json!([]),
                attached_fields: json!([]),
                resolutions: json!({}),
                result: None,
                error: None,
                created_by: None,
                expires_at: now + chrono::Duration::days(7),
                created_at: now,
                updated_at: now,
            })
            .await
            .unwrap();
    }
    for _ in 0..4 {
        app.store
            .request_recalculation(
                &store::RecalcTargets::all(),
                domain::model::ValuationCause::Manual,
                None,
                chrono::Duration::seconds(60),
                chrono::Duration::seconds(120),
            )
            .await
            .unwrap();
    }
    for (field, size, at_least) in [
        ("cpus", 5, 6),
        ("gpus", 2, 3),
        ("ramSpecs", 2, 3),
        ("storageProfiles", 2, 3),
        ("portsProfiles", 2, 3),
        ("scoringProfiles", 1, 2),
        ("rulesets", 1, 2),
        ("customFields", 2, 3),
        ("importSessions", 2, 3),
        ("jobs", 3, 4),
    ] {
        let got = walk(&app, &doc(field, "", ""), json!({}), size).await;
        assert!(got.len() >= at_least, "{field}: {got:?}");
    }
    // Newest first, whichever way it is walked.
    let d = app
        .ok(
            "{ importSessions(first: 3) { totalCount edges { node { filename } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(d["importSessions"]["totalCount"], 3);
    assert_eq!(
        d["importSessions"]["edges"][0]["node"]["filename"],
        "upload-2.csv"
    );
}

/// A distinct, valid UUID per `n` (v4 layout).
fn uuid_like(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

both_backends! {
    listings_both_ways => listings_every_order;
    errors => bad_arguments;
    every_connection => other_connections;
}
