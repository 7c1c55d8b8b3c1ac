//! Ruleset packages through GraphQL on SQLite and PostgreSQL: export → install into a fresh
//! database → export again round-trips; merge strategies; version-1 packages; bad packages
//! write nothing; installs needing custom fields need admin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, spawn};
use serde_json::{Value, json};
use store::Store;
use test_support::{Backend, TestDb};

both_backends! {
    round_trip => round_trip;
    strategies => strategies;
    bad_packages => bad_packages;
    version_one => version_one;
}

const EXPORT: &str = "query($ids: [ID!]!, $m: PackageMetadataInput) {
    exportRulesetPackage(rulesetIds: $ids, metadata: $m) }";
const INSTALL: &str = "mutation($p: JSON!, $s: PackageMergeStrategy = REPLACE) {
    installRulesetPackage(package: $p, mergeStrategy: $s) {
        plan { name targetName outcome existingRulesetId groups rulesCreated rulesUpdated }
        rulesets { id databaseId name priority isActive conditions
                   groups { name isActive rules { name version isActive } } }
        customFieldsCreated { key } jobId } }";
const PREVIEW: &str = "query($p: JSON!, $s: PackageMergeStrategy = REPLACE) {
    previewRulesetPackage(package: $p, mergeStrategy: $s) {
        valid rulesets { targetName outcome rulesCreated rulesUpdated }
        customFieldsToCreate { entity key dataType } errors { path kind message } } }";

/// A second, empty-of-rules database of the same backend.
async fn fresh(db: &TestDb) -> TestDb {
    match db.backend {
        Backend::Sqlite => TestDb::sqlite().await,
        Backend::Postgres => TestDb::postgres().await.expect("postgres"),
    }
}

/// (rulesets, groups, rules, custom fields, audit rows).
pub async fn counts(s: &Store) -> (usize, usize, usize, usize, usize) {
    let sets = s.rulesets(false).await.unwrap();
    let mut groups = Vec::new();
    for r in &sets {
        groups.extend(s.rule_groups(r.id).await.unwrap().into_iter().map(|g| g.id));
    }
    let rules = s.rules_of_groups(&groups).await.unwrap().len();
    let mut fields = 0;
    for e in domain::model::CustomFieldEntity::ALL {
        fields += s.custom_fields(*e, true).await.unwrap().len();
    }
    let audit = s.rule_audit(None, 100_000).await.unwrap().len();
    (sets.len(), groups.len(), rules, fields, audit)
}

/// A ruleset with a priority, conditions, an inactive group and rule, and a rule on a
/// custom field; its global id.
async fn build_ruleset(app: &TestApp) -> String {
    let admin = Some(app.admin.as_str());
    app.ok(
        "mutation { createCustomField(input: {entity: LISTING, key: \"bay_count\", label: \"Bays\", dataType: NUMBER}) { id } }",
        json!({}),
        admin,
    )
    .await;
    let d = app
        .ok(
            "mutation($c: JSON) { createRuleset(input: {name: \"Packaged\", priority: 7, version: \"2.3.4\", description: \"d\", conditions: $c}) { id } }",
            json!({"c": {"field": "price_usd", "operator": "gte", "value": 1}}),
            admin,
        )
        .await;
    let rs = d["createRuleset"]["id"].as_str().unwrap().to_owned();
    for (name, active) in [("Storage", true), ("Dormant", false)] {
        let d = app
            .ok(
                "mutation($r: ID!, $n: String!, $a: Boolean!) { createRuleGroup(input: {rulesetId: $r, name: $n, category: \"storage\", isActive: $a, displayOrder: 5}) { id } }",
                json!({"r": rs, "n": name, "a": active}),
                admin,
            )
            .await;
        let g = d["createRuleGroup"]["id"].as_str().unwrap().to_owned();
        for (rule, on, conds) in [
            (
                "bays",
                true,
                json!({"field": "custom.bay_count", "operator": "gte", "value": 2}),
            ),
            (
                "off",
                false,
                json!({"logic": "or", "conditions": [{"field": "ram_gb", "operator": "less_than", "value": 8}]}),
            ),
        ] {
            app.ok(
                "mutation($g: ID!, $n: String!, $a: Boolean!, $c: JSON, $x: JSON!) { createRule(input: {groupId: $g, name: $n, isActive: $a, conditions: $c, actions: $x, evaluationOrder: 3}) { id } }",
                json!({"g": g, "n": rule, "a": on, "c": conds,
                       "x": [{"type": "fixed_value", "value": 12.5}]}),
                admin,
            )
            .await;
        }
    }
    rs
}

async fn export(app: &TestApp, id: &str) -> Value {
    let m = json!({"name": "pkg", "version": "1.0.0", "author": "tests"});
    let d = app
        .ok(EXPORT, json!({"ids": [id], "m": m}), Some(&app.viewer))
        .await;
    d["exportRulesetPackage"].clone()
}

async fn round_trip(db: TestDb) {
    let other = fresh(&db).await;
    let app = spawn(db, 3).await;
    let rs = build_ruleset(&app).await;
    let pkg = export(&app, &rs).await;
    assert_eq!(
        (pkg["format"].as_str(), pkg["formatVersion"].as_u64()),
        (Some("dealbrain-ruleset"), Some(2))
    );
    let r = &pkg["rulesets"][0];
    assert_eq!(
        (r["priority"].as_i64(), r["version"].as_str()),
        (Some(7), Some("2.3.4"))
    );
    assert_eq!(r["conditions"]["field"], "price_usd");
    assert_eq!(r["groups"][1]["isActive"], false);
    assert_eq!(r["groups"][0]["rules"][1]["isActive"], false);
    assert_eq!(pkg["customFields"].as_array().unwrap().len(), 1, "{pkg}");
    assert_eq!(pkg["customFields"][0]["key"], "bay_count");
    assert!(!pkg.to_string().contains("\"id\""), "no ids: {pkg}");

    // Into a fresh database: the custom field is created, every rule has version 1.
    let app2 = spawn(other, 2).await;
    let before = counts(&app2.store).await;
    let d = app2
        .ok(PREVIEW, json!({"p": pkg}), Some(&app2.viewer))
        .await;
    let p = &d["previewRulesetPackage"];
    assert_eq!(p["valid"], true, "{p}");
    assert_eq!(p["customFieldsToCreate"][0]["key"], "bay_count");
    assert_eq!(p["rulesets"][0]["outcome"], "CREATE");
    assert_eq!(counts(&app2.store).await, before, "preview writes nothing");
    let d = app2.ok(INSTALL, json!({"p": pkg}), Some(&app2.admin)).await;
    let res = &d["installRulesetPackage"];
    assert_eq!(res["plan"][0]["rulesCreated"], 4);
    assert_eq!(res["customFieldsCreated"][0]["key"], "bay_count");
    let installed = &res["rulesets"][0];
    assert_eq!(
        (
            installed["priority"].as_i64(),
            installed["isActive"].as_bool()
        ),
        (Some(7), Some(true))
    );
    let after = counts(&app2.store).await;
    assert_eq!(
        (after.0, after.1, after.2, after.3),
        (before.0 + 1, before.1 + 2, before.2 + 4, before.3 + 1)
    );
    assert_eq!(after.4, before.4 + 1, "one package_installed audit row");
    let audit = app2.store.rule_audit(None, 1).await.unwrap();
    assert_eq!(audit[0].action.as_str(), "package_installed");
    let rule_ids: Vec<i64> = {
        let id = installed["databaseId"].as_i64().unwrap();
        let gs: Vec<i64> = app2
            .store
            .rule_groups(id)
            .await
            .unwrap()
            .iter()
            .map(|g| g.id)
            .collect();
        app2.store
            .rules_of_groups(&gs)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    for id in rule_ids {
        assert_eq!(app2.store.rule_versions(id).await.unwrap().len(), 1);
    }
    let again = export(&app2, installed["id"].as_str().unwrap()).await;
    assert_eq!(again, pkg, "export → install → export is the same package");
}

async fn strategies(db: TestDb) {
    let app = spawn(db, 2).await;
    let ed = Some(app.editor.as_str());
    let pkg = |rules: Value| {
        json!({"format": "dealbrain-ruleset", "formatVersion": 2, "metadata": {"name": "s", "version": "1.0.0"},
               "rulesets": [{"name": "Strat", "version": "1.1.0", "priority": 4,
                             "groups": [{"name": "G", "rules": rules}]}]})
    };
    let fixed =
        |n: &str, v: i64| json!({"name": n, "actions": [{"type": "fixed_value", "value": v}]});
    let d = app
        .ok(
            INSTALL,
            json!({"p": pkg(json!([fixed("a", 1), fixed("b", 2)]))}),
            ed,
        )
        .await;
    let id = d["installRulesetPackage"]["rulesets"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = pkg(json!([fixed("a", 5), fixed("c", 3)]));

    let d = app.ok(INSTALL, json!({"p": second, "s": "SKIP"}), ed).await;
    let res = &d["installRulesetPackage"];
    assert_eq!(res["plan"][0]["outcome"], "SKIP");
    assert_eq!(res["rulesets"][0]["id"], id);
    assert!(
        res["jobId"].is_null(),
        "nothing written, nothing to recalculate"
    );

    let d = app
        .ok(PREVIEW, json!({"p": second, "s": "MERGE"}), ed)
        .await;
    let plan = &d["previewRulesetPackage"]["rulesets"][0];
    assert_eq!(
        (plan["rulesCreated"].as_i64(), plan["rulesUpdated"].as_i64()),
        (Some(1), Some(1))
    );
    let d = app
        .ok(INSTALL, json!({"p": second, "s": "MERGE"}), ed)
        .await;
    let rules = &d["installRulesetPackage"]["rulesets"][0]["groups"][0]["rules"];
    let got: Vec<(String, i64)> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("a".into(), 2), ("b".into(), 1), ("c".into(), 1)]);

    let d = app
        .ok(INSTALL, json!({"p": second, "s": "VERSION"}), ed)
        .await;
    let res = &d["installRulesetPackage"];
    assert_eq!(res["rulesets"][0]["name"], "Strat (v1.1.0)");
    assert_ne!(res["rulesets"][0]["id"], id);
    let e = app
        .err(INSTALL, json!({"p": second, "s": "VERSION"}), ed)
        .await;
    assert_eq!(
        (e["code"].as_str(), e["kind"].as_str()),
        (Some("BAD_USER_INPUT"), Some("conflict"))
    );

    let d = app.ok(INSTALL, json!({"p": second}), ed).await;
    let res = &d["installRulesetPackage"];
    assert_eq!(res["plan"][0]["outcome"], "REPLACE");
    assert_eq!(
        res["rulesets"][0]["id"], id,
        "replace keeps the ruleset's id"
    );
    let names: Vec<&str> = res["rulesets"][0]["groups"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "c"]);

    // An editor may not create field definitions through a package.
    let mut with_field = pkg(json!([fixed("z", 1)]));
    with_field["rulesets"][0]["name"] = json!("Other");
    with_field["customFields"] = json!([{"key": "dock", "dataType": "boolean"}]);
    let e = app.err(INSTALL, json!({"p": with_field}), ed).await;
    assert_eq!(e["code"], "FORBIDDEN");
}

async fn bad_packages(db: TestDb) {
    let app = spawn(db, 2).await;
    let ed = Some(app.editor.as_str());
    let before = counts(&app.store).await;
    let bad = json!({"format": "dealbrain-ruleset", "formatVersion": 2, "metadata": {"name": "bad"},
        "customFields": [{"key": "new_field", "dataType": "number"}],
        "rulesets": [{"name": "Fine", "groups": [{"name": "G", "rules": [
            {"name": "ok", "actions": [{"type": "fixed_value", "value": 1}]},
            {"name": "broken", "actions": [{"type": "no_such_type", "value": 1}]},
            {"name": "also", "conditions": {"field": "nowhere", "operator": "equals", "value": 1},
             "actions": [{"type": "fixed_value", "value": 1}]}]}]}]});
    let (_, body) = app.post(INSTALL, json!({"p": bad}), Some(&app.admin)).await;
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(
        ext["field"],
        "package.rulesets[0].groups[0].rules[1].actions[0].type"
    );
    let all: Vec<&str> = ext["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        all,
        [
            "rulesets[0].groups[0].rules[1].actions[0].type",
            "rulesets[0].groups[0].rules[2].conditions.field"
        ]
    );
    assert_eq!(
        counts(&app.store).await,
        before,
        "nothing written, not even the custom field"
    );

    let d = app.ok(PREVIEW, json!({"p": bad}), ed).await;
    let p = &d["previewRulesetPackage"];
    assert_eq!(p["valid"], false);
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
    assert_eq!(p["errors"][1]["kind"], "unknown_field");

    for (package, field) in [
        (
            json!({"format": "zip", "formatVersion": 2}),
            "package.format",
        ),
        (
            json!({"format": "dealbrain-ruleset", "formatVersion": 3}),
            "package.formatVersion",
        ),
        (json!("{not json"), "package"),
        (
            json!({"format": "dealbrain-ruleset", "formatVersion": 2, "metadata": {"name": "x"}, "rulesets": "nope"}),
            "package",
        ),
        (
            json!({"format": "dealbrain-ruleset", "formatVersion": 2, "metadata": {"name": "x", "version": "1"}, "rulesets": []}),
            "package.metadata.version",
        ),
    ] {
        let e = app.err(INSTALL, json!({"p": package}), ed).await;
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{package}"
        );
    }
    assert_eq!(counts(&app.store).await, before);
}

async fn version_one(db: TestDb) {
    let app = spawn(db, 2).await;
    let v1 = json!({
        "schema_version": "1.0",
        "metadata": {"name": "legacy", "version": "1.0.0", "author": "a", "description": "d"},
        "rulesets": [{"id": 1, "name": "Legacy Rules", "version": "1.0.0", "is_active": true,
                      "metadata_json": {"priority": 15}}],
        "rule_groups": [{"id": 2, "ruleset_id": 1, "name": "RAM", "category": "ram",
                         "display_order": 1, "weight": 1.0}],
        "rules": [{"id": 3, "group_id": 2, "name": "lots of ram", "priority": 1, "is_active": true,
                   "evaluation_order": 1, "metadata_json": {},
                   "conditions": [{"field_name": "ram_gb", "field_type": "number",
                                   "operator": "gte", "value_json": 32, "group_order": 0}],
                   "actions": [{"action_type": "fixed_value", "value_usd": 40.0,
                                "modifiers_json": {}, "display_order": 0}]}]
    });
    let d = app.ok(INSTALL, json!({"p": v1}), Some(&app.editor)).await;
    let rs = &d["installRulesetPackage"]["rulesets"][0];
    assert_eq!(
        (rs["name"].as_str(), rs["priority"].as_i64()),
        (Some("Legacy Rules"), Some(15))
    );
    let id = rs["id"].as_str().unwrap();
    let pkg = export(&app, id).await;
    let rule = &pkg["rulesets"][0]["groups"][0]["rules"][0];
    assert_eq!(
        rule["conditions"],
        json!({"logic": "and", "conditions": [{"field": "ram_gb", "operator": "gte", "value": 32}]})
    );
    assert_eq!(rule["actions"][0]["value"], 40.0);
}
