//! Baselines through GraphQL on SQLite and PostgreSQL: instantiation (idempotent by content
//! hash, placeholders add 0), the read-only system ruleset, diffs, adoption of a selection,
//! and documents of a bad shape writing nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, spawn};
use domain::model::ValuationCause;
use serde_json::{Value, json};
use test_support::TestDb;

both_backends! {
    instantiate => instantiate;
    diff_and_adopt => diff_and_adopt;
    read_only => read_only;
}

const INSTANTIATE: &str = "mutation($d: JSON!) { instantiateBaseline(document: $d) {
    ruleset { id databaseId name priority isActive metadata groups { id name rules { id name actions metadata } } }
    created deactivatedRulesetIds } }";
const DIFF: &str = "query($c: JSON!) { baselineDiff(candidate: $c) {
    activeRulesetId activeHash candidateHash added removed changed { key attributes { attribute before after } } } }";
const ADOPT: &str = "mutation($c: JSON!, $s: [String!]) { adoptBaseline(candidate: $c, selected: $s, recalculate: true) {
    ruleset { id databaseId name isActive } created deactivatedRulesetIds } }";

fn doc() -> Value {
    json!({"schema_version": "1.0", "generated_at": "2025-10-03T08:00:00Z", "entities": {
        "cpu": [{"id": "cpu_mark_multi", "proper_name": "CPU Mark", "unit": "points",
                 "valuation_buckets": [{"label": "low", "min_usd": 0, "max_usd": 50, "Formula": null}],
                 "Formula": "cpu_mark_multi / 1000", "dependencies": [], "nullable": false},
                {"id": "tdp", "proper_name": "TDP", "unit": "W", "nullable": true}],
        "ram": [{"id": "capacity", "proper_name": "RAM", "unit": "GB", "description": "RAM size"}]}})
}

fn candidate() -> Value {
    let mut c = doc();
    c["generated_at"] = json!("2025-11-01T00:00:00Z");
    c["entities"]["cpu"][0]["Formula"] = json!("cpu_mark_multi / 900");
    c["entities"]["cpu"].as_array_mut().unwrap().remove(1);
    c["entities"]["gpu"] = json!([{"id": "gpu_mark", "proper_name": "GPU Mark"}]);
    c
}

async fn adjusted(app: &TestApp) -> Vec<Option<String>> {
    let ids = app.store.active_listing_ids(0, 1000).await.unwrap();
    store::revalue::revalue(&app.store, &ids, ValuationCause::Baseline, None)
        .await
        .unwrap();
    let mut out = Vec::new();
    for id in ids {
        let l = app.store.listing(id).await.unwrap().unwrap();
        out.push(l.valuation.adjusted_price_usd.map(|d| d.to_string()));
    }
    out
}

async fn instantiate(db: TestDb) {
    let app = spawn(db, 5).await;
    let admin = Some(app.admin.as_str());
    let prices = adjusted(&app).await;
    let d = app.ok(INSTANTIATE, json!({"d": doc()}), admin).await;
    let b = &d["instantiateBaseline"];
    assert_eq!(b["created"], true);
    let rs = &b["ruleset"];
    assert_eq!(rs["name"], "System: Baseline v1.0.20251003");
    assert_eq!(
        (rs["priority"].as_i64(), rs["isActive"].as_bool()),
        (Some(5), Some(true))
    );
    assert_eq!(rs["metadata"]["read_only"], true);
    assert_eq!(rs["metadata"]["system_baseline"], true);
    assert_eq!(rs["metadata"]["source_hash"].as_str().unwrap().len(), 64);
    let groups: Vec<&str> = rs["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["cpu", "ram"]);
    let rule = &rs["groups"][0]["rules"][0];
    assert_eq!(rule["name"], "cpu_mark_multi");
    assert_eq!(
        rule["actions"][0]["modifiers"]["baseline_placeholder"],
        true
    );
    assert_eq!(
        rule["metadata"]["field"]["Formula"],
        "cpu_mark_multi / 1000"
    );
    assert_eq!(
        adjusted(&app).await,
        prices,
        "placeholder rules add exactly 0"
    );

    // The influence reports read the stored breakdowns: the baseline layer moved nothing.
    let q = "{ valuationLayerInfluence { layer listings adjustedListings totalAdjustment share }
               topRules(first: 3) { ruleId layer matched totalAbsAdjustment } }";
    let d = app.ok(q, json!({}), Some(&app.viewer)).await;
    let layers = d["valuationLayerInfluence"].as_array().unwrap();
    let base = layers.iter().find(|l| l["layer"] == "baseline").unwrap();
    assert_eq!(base["listings"].as_u64(), Some(prices.len() as u64));
    assert_eq!(
        (base["adjustedListings"].as_i64(), base["share"].as_str()),
        (Some(0), Some("0"))
    );
    let top = d["topRules"].as_array().unwrap();
    assert!(!top.is_empty() && top.len() <= 3);
    let abs: Vec<f64> = top
        .iter()
        .map(|r| r["totalAbsAdjustment"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(abs.windows(2).all(|w| w[0] >= w[1]), "{abs:?}");
    assert!(abs[0] > 0.0, "the seeded rules move prices");

    // The same content with other key order and spacing: the same ruleset, nothing new.
    let audit = app.store.rule_audit(None, 100_000).await.unwrap().len();
    let text = "{\"entities\": {\"ram\": [{\"unit\": \"GB\", \"proper_name\": \"RAM\", \"id\": \"capacity\", \"description\": \"RAM size\"}],
        \"cpu\": [{\"id\": \"cpu_mark_multi\", \"proper_name\": \"CPU Mark\", \"unit\": \"points\", \"nullable\": false, \"dependencies\": [],
                   \"Formula\": \"cpu_mark_multi / 1000\", \"valuation_buckets\": [{\"max_usd\": 50, \"min_usd\": 0, \"label\": \"low\", \"Formula\": null}]},
                  {\"nullable\": true, \"unit\": \"W\", \"proper_name\": \"TDP\", \"id\": \"tdp\"}]},
        \"generated_at\": \"2025-10-03T08:00:00Z\", \"schema_version\": \"1.0\"}";
    let same: Value = serde_json::from_str(text).unwrap();
    let d = app.ok(INSTANTIATE, json!({"d": same}), admin).await;
    assert_eq!(d["instantiateBaseline"]["created"], false);
    assert_eq!(d["instantiateBaseline"]["ruleset"]["id"], rs["id"]);
    assert_eq!(
        app.store.rule_audit(None, 100_000).await.unwrap().len(),
        audit
    );
    let d = app
        .ok("{ baseline { id } }", json!({}), Some(&app.viewer))
        .await;
    assert_eq!(d["baseline"]["id"], rs["id"]);
    let log = app.store.rule_audit(None, 1).await.unwrap();
    assert_eq!(log[0].action.as_str(), "baseline_instantiated");

    // Bad shapes: BAD_USER_INPUT naming the field, nothing written.
    let sets = app.store.rulesets(false).await.unwrap().len();
    let mut no_id = doc();
    no_id["entities"]["cpu"][1] = json!({"proper_name": "x"});
    let mut bad_buckets = doc();
    bad_buckets["entities"]["ram"][0]["valuation_buckets"] = json!("many");
    for (d, field) in [
        (no_id, "document.entities.cpu[1].id"),
        (bad_buckets, "document.entities.ram[0].valuation_buckets"),
        (json!({"entities": {}}), "document.schema_version"),
        (json!([1, 2]), "document"),
    ] {
        let e = app.err(INSTANTIATE, json!({"d": d}), admin).await;
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some("BAD_USER_INPUT"), Some(field))
        );
    }
    assert_eq!(app.store.rulesets(false).await.unwrap().len(), sets);
    let e = app
        .err(INSTANTIATE, json!({"d": doc()}), Some(&app.editor))
        .await;
    assert_eq!(e["code"], "FORBIDDEN");
}

async fn diff_and_adopt(db: TestDb) {
    let app = spawn(db, 3).await;
    let admin = Some(app.admin.as_str());
    let d = app.ok(DIFF, json!({"c": doc()}), Some(&app.viewer)).await;
    assert!(d["baselineDiff"]["activeRulesetId"].is_null());
    assert_eq!(d["baselineDiff"]["added"].as_array().unwrap().len(), 3);
    let d = app.ok(INSTANTIATE, json!({"d": doc()}), admin).await;
    let first = d["instantiateBaseline"]["ruleset"]["id"].clone();

    let d = app
        .ok(DIFF, json!({"c": candidate()}), Some(&app.viewer))
        .await;
    let diff = &d["baselineDiff"];
    assert_eq!(diff["activeRulesetId"], first);
    assert_ne!(diff["activeHash"], diff["candidateHash"]);
    assert_eq!(diff["added"], json!(["gpu.gpu_mark"]));
    assert_eq!(diff["removed"], json!(["cpu.tdp"]));
    assert_eq!(diff["changed"][0]["key"], "cpu.cpu_mark_multi");
    assert_eq!(
        diff["changed"][0]["attributes"],
        json!([{"attribute": "Formula", "before": "cpu_mark_multi / 1000", "after": "cpu_mark_multi / 900"}])
    );

    // Adopt only the new GPU field: a new version, the previous one deactivated.
    let d = app
        .ok(
            ADOPT,
            json!({"c": candidate(), "s": ["gpu.gpu_mark"]}),
            admin,
        )
        .await;
    let a = &d["adoptBaseline"];
    assert_eq!(a["created"], true);
    assert_eq!(a["deactivatedRulesetIds"], json!([first]));
    assert_eq!(a["ruleset"]["name"], "System: Baseline v1.0.20251101");
    let old = app
        .ok(
            "query($id: ID!) { ruleset(id: $id) { isActive } }",
            json!({"id": first}),
            None,
        )
        .await;
    assert_eq!(old["ruleset"]["isActive"], false);
    let log = app.store.rule_audit(None, 1).await.unwrap();
    assert_eq!(log[0].action.as_str(), "baseline_adopted");
    let d = app
        .ok(DIFF, json!({"c": candidate()}), Some(&app.viewer))
        .await;
    let diff = &d["baselineDiff"];
    assert_eq!(diff["activeRulesetId"], a["ruleset"]["id"]);
    assert_eq!(diff["added"], json!([]));
    assert_eq!(
        diff["removed"],
        json!(["cpu.tdp"]),
        "not selected, still there"
    );
    assert_eq!(diff["changed"].as_array().unwrap().len(), 1);

    // A key that is no difference is refused; adopting everything leaves no difference.
    let e = app
        .err(
            ADOPT,
            json!({"c": candidate(), "s": ["ram.capacity"]}),
            admin,
        )
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("selected[0]"))
    );
    app.ok(ADOPT, json!({"c": candidate()}), admin).await;
    let d = app
        .ok(DIFF, json!({"c": candidate()}), Some(&app.viewer))
        .await;
    let diff = &d["baselineDiff"];
    assert_eq!(diff["activeHash"], diff["candidateHash"]);
    let active: Vec<_> = app
        .store
        .rulesets(true)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.data.metadata["system_baseline"] == true)
        .collect();
    assert_eq!(active.len(), 1, "one active system baseline");
}

async fn read_only(db: TestDb) {
    let app = spawn(db, 2).await;
    let admin = Some(app.admin.as_str());
    let d = app.ok(INSTANTIATE, json!({"d": doc()}), admin).await;
    let rs = &d["instantiateBaseline"]["ruleset"];
    let group = rs["groups"][0]["id"].as_str().unwrap();
    let rule = rs["groups"][0]["rules"][0]["id"].as_str().unwrap();
    let forbidden = [
        (
            "mutation($g: ID!) { createRule(input: {groupId: $g, name: \"x\", actions: [{type: \"fixed_value\", value: 1}]}) { id } }",
            json!({"g": group}),
        ),
        (
            "mutation($r: ID!) { updateRule(id: $r, input: {name: \"renamed\"}) { id } }",
            json!({"r": rule}),
        ),
        (
            "mutation($r: ID!) { deleteRule(id: $r) { deletedId } }",
            json!({"r": rule}),
        ),
        (
            "mutation($g: ID!) { deleteRuleGroup(id: $g) { deletedId } }",
            json!({"g": group}),
        ),
        (
            "mutation($g: ID!) { updateRuleGroup(id: $g, input: {name: \"y\"}) { id } }",
            json!({"g": group}),
        ),
        (
            "mutation($r: ID!) { updateRuleset(id: $r, input: {priority: 1}) { id } }",
            json!({"r": rs["id"]}),
        ),
        (
            "mutation($r: ID!) { deleteRuleset(id: $r) { deletedId } }",
            json!({"r": rs["id"]}),
        ),
    ];
    for (q, v) in forbidden {
        let e = app.err(q, v, admin).await;
        assert_eq!(e["code"], "FORBIDDEN", "{q}");
    }
    let d = app
        .ok(
            "mutation($r: ID!) { updateRuleset(id: $r, input: {isActive: false}) { isActive } }",
            json!({"r": rs["id"]}),
            admin,
        )
        .await;
    assert_eq!(
        d["updateRuleset"]["isActive"], false,
        "activation stays allowed"
    );

    // A package may not overwrite it either (but may install beside it).
    let pkg = json!({"format": "dealbrain-ruleset", "formatVersion": 2, "metadata": {"name": "p"},
        "rulesets": [{"name": rs["name"], "groups": []}]});
    let e = app
        .err(
            "mutation($p: JSON!) { installRulesetPackage(package: $p) { jobId } }",
            json!({"p": pkg}),
            admin,
        )
        .await;
    assert_eq!(
        (e["code"].as_str(), e["kind"].as_str()),
        (Some("BAD_USER_INPUT"), Some("read_only"))
    );

    // Its own export installs beside it as an ordinary, editable ruleset.
    let q = "query($id: ID!) { exportRulesetPackage(rulesetIds: [$id]) }";
    let d = app.ok(q, json!({"id": rs["id"]}), admin).await;
    let q = "mutation($p: JSON!) { installRulesetPackage(package: $p, mergeStrategy: VERSION) {
        rulesets { name metadata } } }";
    let d = app
        .ok(q, json!({"p": d["exportRulesetPackage"]}), admin)
        .await;
    let copy = &d["installRulesetPackage"]["rulesets"][0];
    assert_eq!(copy["name"], "System: Baseline v1.0.20251003 (v1.0.0)");
    assert!(copy["metadata"].get("read_only").is_none(), "{copy}");
    assert!(copy["metadata"].get("system_baseline").is_none(), "{copy}");
}
