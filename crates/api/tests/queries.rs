//! Every query through GraphQL documents, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{first_cpu, first_listing, spawn};
use serde_json::json;
use test_support::TestDb;

const BOARD: &str = r#"query Board($first: Int!, $after: String) {
  listings(first: $first, after: $after, orderBy: {field: SCORE_COMPOSITE, direction: DESC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id databaseId title price adjustedPrice delta deltaPct dealClass scoreComposite
      dollarPerCpuMarkMultiAdjusted perfPerWatt scoreCpuMulti
      cpu { name cpuMarkMulti } gpu { name } ramSpec { label totalCapacityGb }
      storage { label capacityGb } ports { name ports { portType count } }
      components { name } customFields customFieldValues { key value }
      valuationBreakdown { listingPrice adjustedPrice totalAdjustment mode
        rulesets { name layer adjustment rules { ruleName matched adjustment actions { actionType contribution } } } }
    } }
  }
}"#;

async fn board_pages_and_totals(db: TestDb) {
    let app = spawn(db, 30).await;
    let d = app.ok(BOARD, json!({"first": 20}), None).await;
    let conn = &d["listings"];
    assert_eq!(conn["totalCount"], 30);
    assert_eq!(conn["edges"].as_array().unwrap().len(), 20);
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    let first = &conn["edges"][0]["node"];
    assert!(first["adjustedPrice"].is_string(), "valued: {first}");
    assert!(first["valuationBreakdown"]["rulesets"].as_array().is_some());
    assert!(first["cpu"]["name"].is_string());
    // Scores descend.
    let scores: Vec<f64> = conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            e["node"]["scoreComposite"]
                .as_str()
                .map(|s| s.parse().unwrap())
        })
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let after = conn["pageInfo"]["endCursor"].as_str().unwrap();
    let d2 = app
        .ok(BOARD, json!({"first": 20, "after": after}), None)
        .await;
    assert_eq!(d2["listings"]["edges"].as_array().unwrap().len(), 10);
    assert_eq!(d2["listings"]["pageInfo"]["hasNextPage"], false);
    // Filters.
    let d = app.ok(r#"{ listings(first: 200, filter: {priceMax: "400.00", statuses: [ACTIVE]}) { totalCount edges { node { price status } } } }"#, json!({}), None).await;
    for e in d["listings"]["edges"].as_array().unwrap() {
        assert!(e["node"]["price"].as_str().unwrap().parse::<f64>().unwrap() <= 400.0);
    }
    assert_eq!(
        d["listings"]["totalCount"].as_u64().unwrap() as usize,
        d["listings"]["edges"].as_array().unwrap().len()
    );
}

async fn lookups_and_nodes(db: TestDb) {
    let app = spawn(db, 10).await;
    let id = first_listing(&app).await;
    let d = app.ok("query($id: ID!) { listing(id: $id) { id title valuationHistory { price adjustedPrice cause } } node(id: $id) { id ... on Listing { title } } }", json!({"id": id}), None).await;
    assert_eq!(d["listing"]["id"], id);
    assert_eq!(d["node"]["title"], d["listing"]["title"]);
    assert!(
        !d["listing"]["valuationHistory"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let cpu = first_cpu(&app).await;
    let d = app
        .ok(
            "query($id: ID!) { cpu(id: $id) { name } node(id: $id) { ... on Cpu { name } } }",
            json!({"id": cpu}),
            None,
        )
        .await;
    assert_eq!(d["cpu"]["name"], d["node"]["name"]);
    let d = app
        .ok(
            "{ missing: listing(id: \"999999\") { id } }",
            json!({}),
            None,
        )
        .await;
    assert!(d["missing"].is_null());
}

async fn catalogue_and_rules(db: TestDb) {
    let app = spawn(db, 5).await;
    let d = app.ok(r#"{
      cpus(first: 5) { totalCount edges { node { name } } pageInfo { hasNextPage } }
      gpus(first: 5) { edges { node { name gpuMark } } }
      ramSpecs(first: 5) { edges { node { label ddrGeneration } } }
      storageProfiles(first: 5) { edges { node { label medium } } }
      portsProfiles(first: 5) { edges { node { name } } }
      scoringProfiles { totalCount edges { node { id name isDefault weights } } }
      rulesets { edges { node { id name priority isActive groups { id name rules { id name conditions actions version } } } } }
      customFields(entity: LISTING) { edges { node { key dataType } } }
      setting(key: "nope") { key }
      listingSchema { coreFields customFields { key } }
      importSessions { edges { node { id status } } }
      customFieldHistory(entity: LISTING, recordId: 1) { key reason }
    }"#, json!({}), None).await;
    assert_eq!(d["cpus"]["edges"].as_array().unwrap().len(), 5);
    assert!(
        d["scoringProfiles"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["isDefault"] == true)
    );
    let rs = &d["rulesets"]["edges"][0]["node"];
    assert!(
        !rs["groups"][0]["rules"].as_array().unwrap().is_empty(),
        "{rs}"
    );
    // Each level of the tree is also readable by its own id.
    let group = &rs["groups"][0];
    let rule = &group["rules"][0];
    let one = app
        .ok(
            "query($s: ID!, $g: ID!, $r: ID!) { ruleset(id: $s) { name } ruleGroup(id: $g) { name rules { id } } rule(id: $r) { name } none: ruleGroup(id: \"UnVsZUdyb3VwOjk5OTk5\") { id } }",
            json!({"s": rs["id"], "g": group["id"], "r": rule["id"]}),
            None,
        )
        .await;
    assert_eq!(one["ruleset"]["name"], rs["name"]);
    assert_eq!(one["ruleGroup"]["name"], group["name"]);
    assert_eq!(one["ruleGroup"]["rules"][0]["id"], rule["id"]);
    assert_eq!(one["rule"]["name"], rule["name"]);
    assert!(one["none"].is_null());
    assert!(d["setting"].is_null());
    assert!(
        d["listingSchema"]["coreFields"]
            .as_array()
            .unwrap()
            .contains(&json!("price_usd"))
    );
}

async fn insights(db: TestDb) {
    let app = spawn(db, 25).await;
    let d = app.ok(r#"{
      rankings(metric: SCORE_COMPOSITE, first: 5) { scoreComposite }
      dashboard(budget: "500.00") { bestValue { id } bestPerfPerWatt { id } bestUnderBudget { adjustedPrice } dealClassCounts { dealClass count } }
      valuationThresholds { goodDeal greatDeal premiumWarning }
      ruleBuilderMetadata { entities { key fields { path } } operators actionTypes }
      viewer { role }
      health
    }"#, json!({}), None).await;
    assert_eq!(d["rankings"].as_array().unwrap().len(), 5);
    let total: u64 = d["dashboard"]["dealClassCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 25);
    for l in d["dashboard"]["bestUnderBudget"].as_array().unwrap() {
        assert!(l["adjustedPrice"].as_str().unwrap().parse::<f64>().unwrap() <= 500.0);
    }
    assert_eq!(d["valuationThresholds"]["goodDeal"], "15");
    assert!(
        d["ruleBuilderMetadata"]["operators"]
            .as_array()
            .unwrap()
            .contains(&json!("between"))
    );
    assert!(d["viewer"]["role"].is_null());
    let d = app
        .ok("{ viewer { role } }", json!({}), Some(&app.editor))
        .await;
    assert_eq!(d["viewer"]["role"], "EDITOR");

    // Dry runs write nothing.
    let id = first_listing(&app).await;
    let before = app
        .ok(
            "query($id: ID!) { listing(id: $id) { adjustedPrice valuedAt } }",
            json!({"id": id}),
            None,
        )
        .await;
    let d = app.ok("query($id: ID!) { evaluateListing(listingId: $id) { adjustedPrice dealClass breakdown { mode rulesets { name } } } }", json!({"id": id}), None).await;
    assert_eq!(
        d["evaluateListing"]["adjustedPrice"],
        before["listing"]["adjustedPrice"]
    );
    let d = app.ok(r#"{ previewRule(conditions: {field: "ram_gb", operator: "gte", value: 16}, actions: [{type: "fixed_value", value: -10}], sampleSize: 25) { evaluated matched totalAdjustment samples { adjustment listing { ramGb } } } }"#, json!({}), None).await;
    let p = &d["previewRule"];
    assert_eq!(p["evaluated"], 25);
    for s in p["samples"].as_array().unwrap() {
        assert!(
            s["listing"]["ramGb"].as_i64().unwrap_or(0) >= 16 || s["listing"]["ramGb"].is_null()
        );
        assert_eq!(s["adjustment"], "-10");
    }
    let after = app
        .ok(
            "query($id: ID!) { listing(id: $id) { adjustedPrice valuedAt } }",
            json!({"id": id}),
            None,
        )
        .await;
    assert_eq!(before, after);
    // A bad draft names the node.
    let e = app.err(r#"{ previewRule(conditions: {field: "nope", operator: "gte", value: 1}, actions: [{type: "fixed_value", value: 1}]) { matched } }"#, json!({}), None).await;
    assert_eq!(e["code"], "BAD_USER_INPUT");
    assert_eq!(e["kind"], "unknown_field");
    assert_eq!(e["field"], "conditions.field");
}

both_backends! {
    board => board_pages_and_totals;
    lookups => lookups_and_nodes;
    catalogue => catalogue_and_rules;
    analysis => insights;
}
