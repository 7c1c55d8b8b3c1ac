//! Mutations: writes, validation errors naming the field, valuation at once, conflicts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{first_cpu, first_listing, spawn};
use serde_json::json;
use test_support::TestDb;

async fn listing_writes(db: TestDb) {
    let app = spawn(db, 5).await;
    let ed = Some(app.editor.as_str());
    let cpu = first_cpu(&app).await;
    let d = app.ok(r#"mutation($cpu: ID!) { createListing(input: {title: "Test box", price: "300.00", cpuId: $cpu, ramGb: 16, condition: NEW, formFactor: "SFF"}) {
        id title price adjustedPrice dealClass valuedAt cpu { id } valuationHistory { cause } } }"#, json!({"cpu": cpu}), ed).await;
    let l = &d["createListing"];
    assert!(l["adjustedPrice"].is_string(), "valued at once: {l}");
    assert_eq!(l["cpu"]["id"], cpu);
    assert_eq!(l["valuationHistory"][0]["cause"], "LISTING_CREATED");
    let id = l["id"].as_str().unwrap().to_owned();
    // absent = keep, null = clear
    let d = app.ok(r#"mutation($id: ID!) { updateListing(id: $id, input: {price: "250.00", formFactor: null}) { title price formFactor ramGb adjustedPrice valuationHistory { cause } } }"#, json!({"id": id}), ed).await;
    let u = &d["updateListing"];
    assert_eq!(u["title"], "Test box");
    assert_eq!(u["price"], "250.00");
    assert!(u["formFactor"].is_null());
    assert_eq!(u["ramGb"], 16);
    assert_eq!(u["valuationHistory"][0]["cause"], "LISTING_EDIT");
    // validation names the field
    let e = app
        .err(
            r#"mutation { createListing(input: {title: "ab", price: "1.00"}) { id } }"#,
            json!({}),
            ed,
        )
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("input.title"))
    );
    let e = app
        .err(
            r#"mutation { createListing(input: {title: "abc", price: "-1.00"}) { id } }"#,
            json!({}),
            ed,
        )
        .await;
    assert_eq!(e["field"], "input.price");
    let e = app.err(r#"mutation { createListing(input: {title: "abc", price: "1.00", customFields: {nope: 1}}) { id } }"#, json!({}), ed).await;
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("unknown_field"), Some("attributes.nope"))
    );
    let e = app.err(r#"mutation { createListing(input: {title: "abc", price: "1.00", cpuId: "999999"}) { id } }"#, json!({}), ed).await;
    assert_eq!(e["code"], "NOT_FOUND");
    // duplicate URL
    let q = r#"mutation { createListing(input: {title: "abc", price: "1.00", listingUrl: "https://example.com/x"}) { id } }"#;
    app.ok(q, json!({}), ed).await;
    assert_eq!(app.err(q, json!({}), ed).await["code"], "CONFLICT");
    // bulk update values every listing again
    let d = app.ok("mutation($id: ID!) { bulkUpdateListings(ids: [$id], input: {status: PENDING}) { status adjustedPrice } }", json!({"id": id}), ed).await;
    assert_eq!(d["bulkUpdateListings"][0]["status"], "PENDING");
    // override + recalculate + delete
    let d = app
        .ok("{ rulesets { edges { node { id } } } }", json!({}), None)
        .await;
    let rs = d["rulesets"]["edges"][0]["node"]["id"].clone();
    let d = app.ok("mutation($id: ID!, $rs: ID!) { setListingValuationOverride(id: $id, mode: STATIC, rulesetId: $rs) { pinnedRulesetId valuationBreakdown { mode } } }", json!({"id": id, "rs": rs}), ed).await;
    assert_eq!(
        d["setListingValuationOverride"]["valuationBreakdown"]["mode"],
        "static"
    );
    app.ok(
        "mutation($id: ID!) { recalculateListing(id: $id) { id } }",
        json!({"id": id}),
        ed,
    )
    .await;
    let d = app
        .ok(
            "mutation($id: ID!) { deleteListing(id: $id) { deletedId } }",
            json!({"id": id}),
            ed,
        )
        .await;
    assert_eq!(d["deleteListing"]["deletedId"], id);
    assert_eq!(
        app.err(
            "mutation($id: ID!) { deleteListing(id: $id) { deletedId } }",
            json!({"id": id}),
            ed
        )
        .await["code"],
        "NOT_FOUND"
    );
}

async fn catalogue_writes(db: TestDb) {
    let app = spawn(db, 5).await;
    let ed = Some(app.editor.as_str());
    let d = app.ok(r#"mutation { createCpu(input: {name: "Test CPU 9000", manufacturer: "Intel", cpuMarkMulti: 12000, tdpW: 35}) { id name cpuMarkMulti } }"#, json!({}), ed).await;
    let id = d["createCpu"]["id"].clone();
    let d = app.ok("mutation($id: ID!) { updateCpu(id: $id, input: {cpuMarkSingle: 3000}) { name cpuMarkMulti cpuMarkSingle } }", json!({"id": id}), ed).await;
    assert_eq!(d["updateCpu"]["cpuMarkMulti"], 12000);
    assert_eq!(d["updateCpu"]["cpuMarkSingle"], 3000);
    assert_eq!(
        app.err(
            r#"mutation { createCpu(input: {name: "test cpu 9000"}) { id } }"#,
            json!({}),
            ed
        )
        .await["code"],
        "CONFLICT"
    );
    let e = app
        .err(
            r#"mutation { createCpu(input: {name: "X", cores: -1}) { id } }"#,
            json!({}),
            ed,
        )
        .await;
    assert_eq!(e["field"], "input.cores");
    app.ok(
        "mutation($id: ID!) { deleteCpu(id: $id) { deletedId } }",
        json!({"id": id}),
        ed,
    )
    .await;
    // a CPU in use cannot be deleted
    let used = first_cpu(&app).await;
    let listing = first_listing(&app).await;
    app.ok(
        "mutation($l: ID!, $c: ID!) { updateListing(id: $l, input: {cpuId: $c}) { id } }",
        json!({"l": listing, "c": used}),
        ed,
    )
    .await;
    assert_eq!(
        app.err(
            "mutation($id: ID!) { deleteCpu(id: $id) { deletedId } }",
            json!({"id": used}),
            ed
        )
        .await["code"],
        "CONFLICT"
    );
    let d = app.ok(r#"mutation { createGpu(input: {name: "Test GPU", gpuMark: 5000}) { id } createPortsProfile(input: {name: "Test ports", ports: [{portType: USB_C, count: 2}]}) { ports { portType count } }
        createRamSpec(input: {ddrGeneration: DDR5, moduleCount: 2, capacityPerModuleGb: 8}) { totalCapacityGb label }
        createStorageProfile(input: {medium: NVME, capacityGb: 512}) { label } }"#, json!({}), ed).await;
    assert_eq!(d["createPortsProfile"]["ports"][0]["count"], 2);
    assert_eq!(d["createRamSpec"]["totalCapacityGb"], 16);
    let e = app.err(r#"mutation { createPortsProfile(input: {name: "P", ports: [{portType: HDMI, count: 99}]}) { name } }"#, json!({}), ed).await;
    assert_eq!(e["field"], "input.ports[0].count");
}

async fn rule_writes(db: TestDb) {
    let app = spawn(db, 5).await;
    let ed = Some(app.editor.as_str());
    let d = app.ok(r#"mutation { createRuleset(input: {name: "Test set", priority: 20}) { id version isActive } }"#, json!({}), ed).await;
    let rs = d["createRuleset"]["id"].clone();
    let d = app
        .ok(
            "mutation($rs: ID!) { createRuleGroup(input: {rulesetId: $rs, name: \"G\"}) { id } }",
            json!({"rs": rs}),
            ed,
        )
        .await;
    let g = d["createRuleGroup"]["id"].clone();
    let d = app.ok(r#"mutation($g: ID!) { createRule(input: {groupId: $g, name: "R", conditions: {field: "ram_gb", operator: "gte", value: 8}, actions: [{type: "fixed_value", value: -5}]}) { id version } }"#, json!({"g": g}), ed).await;
    let r = d["createRule"]["id"].clone();
    let d = app.ok(r#"mutation($r: ID!) { updateRule(id: $r, input: {actions: [{type: "fixed_value", value: -7}], changeSummary: "cheaper"}) { version actions } }"#, json!({"r": r}), ed).await;
    assert_eq!(d["updateRule"]["version"], 2);
    let d = app.ok("query($r: ID!) { ruleVersions(ruleId: $r) { version changeSummary } ruleAuditLog(first: 10) { action } }", json!({"r": r}), None).await;
    assert_eq!(d["ruleVersions"].as_array().unwrap().len(), 2);
    assert!(
        d["ruleAuditLog"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "rule_updated")
    );
    // invalid rules name the offending node
    let e = app.err(r#"mutation($g: ID!) { createRule(input: {groupId: $g, name: "Bad", conditions: {logic: "and", conditions: [{field: "ram_gb", operator: "between", value: 3}]}, actions: [{type: "fixed_value", value: 1}]}) { id } }"#, json!({"g": g}), ed).await;
    assert_eq!(
        (e["code"].as_str(), e["kind"].as_str(), e["field"].as_str()),
        (
            Some("BAD_USER_INPUT"),
            Some("invalid_value"),
            Some("conditions.conditions[0].value")
        )
    );
    let e = app.err(r#"mutation($g: ID!) { createRule(input: {groupId: $g, name: "Bad", actions: [{type: "fixed_value", value: 1}, {type: "multiplier", value: -1}]}) { id } }"#, json!({"g": g}), ed).await;
    assert_eq!(
        e["field"].as_str().map(|f| f.starts_with("actions[1]")),
        Some(true),
        "{e}"
    );
    let e = app.err(r#"mutation($g: ID!) { createRule(input: {groupId: $g, name: "Bad", actions: [{type: "formula", formula: "1 +"}]}) { id } }"#, json!({"g": g}), ed).await;
    assert_eq!(e["kind"], "syntax");
    // scoring profiles
    let e = app
        .err(
            r#"mutation { createScoringProfile(input: {name: "S", weights: {bogus: 1}}) { id } }"#,
            json!({}),
            ed,
        )
        .await;
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("invalid_weights"), Some("weights.bogus"))
    );
    let d = app.ok(r#"mutation { createScoringProfile(input: {name: "S", weights: {cpu_mark_multi: 1}}) { id } }"#, json!({}), ed).await;
    let p = d["createScoringProfile"]["id"].clone();
    let d = app
        .ok(
            "mutation($p: ID!) { setDefaultScoringProfile(id: $p) { isDefault } }",
            json!({"p": p}),
            ed,
        )
        .await;
    assert_eq!(d["setDefaultScoringProfile"]["isDefault"], true);
    let l = first_listing(&app).await;
    let d = app
        .ok(
            "query($l: ID!, $p: ID!) { listing(id: $l) { score(profileId: $p) scoreCpuMulti } }",
            json!({"l": l, "p": p}),
            None,
        )
        .await;
    let num = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    assert_eq!(
        num(&d["listing"]["score"]),
        num(&d["listing"]["scoreCpuMulti"])
    );
    app.ok("mutation($r: ID!, $g: ID!, $rs: ID!) { deleteRule(id: $r) { deletedId } deleteRuleGroup(id: $g) { deletedId } deleteRuleset(id: $rs) { deletedId } }", json!({"r": r, "g": g, "rs": rs}), ed).await;
}

async fn admin_writes(db: TestDb) {
    let app = spawn(db, 3).await;
    let ad = Some(app.admin.as_str());
    let d = app.ok(r#"mutation { createCustomField(input: {entity: LISTING, label: "Colour Name", dataType: ENUM, options: ["Black", "Silver"]}) { id key dataType } }"#, json!({}), ad).await;
    assert_eq!(d["createCustomField"]["key"], "colour_name");
    let f = d["createCustomField"]["id"].clone();
    let l = first_listing(&app).await;
    let d = app.ok(r#"mutation($l: ID!) { updateListing(id: $l, input: {customFields: {colour_name: "black"}}) { customFields customFieldValues { key value } } }"#, json!({"l": l}), Some(&app.editor)).await;
    assert_eq!(d["updateListing"]["customFields"]["colour_name"], "Black");
    let e = app.err(r#"mutation($l: ID!) { updateListing(id: $l, input: {customFields: {colour_name: "red"}}) { id } }"#, json!({"l": l}), Some(&app.editor)).await;
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("not_in_options"), Some("attributes.colour_name"))
    );
    let e = app
        .err(
            r#"mutation { createCustomField(input: {entity: LISTING, label: "Title"}) { id } }"#,
            json!({}),
            ad,
        )
        .await;
    assert_eq!(e["kind"], "reserved_key");
    // A used field needs `force`; then its value is archived and removed.
    let e = app
        .err(
            "mutation($f: ID!) { deleteCustomField(id: $f) { deletedId } }",
            json!({"f": f}),
            ad,
        )
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("CONFLICT"), Some("force"))
    );
    app.ok(
        "mutation($f: ID!) { deleteCustomField(id: $f, force: true) { deletedId } }",
        json!({"f": f}),
        ad,
    )
    .await;
    let d = app.ok("mutation { setValuationThresholds(goodDeal: 10, greatDeal: 30, premiumWarning: 5) { goodDeal } }", json!({}), ad).await;
    assert_eq!(d["setValuationThresholds"]["goodDeal"], "10");
    let d = app
        .ok("{ valuationThresholds { greatDeal } }", json!({}), None)
        .await;
    assert_eq!(d["valuationThresholds"]["greatDeal"], "30");
    let e = app.err("mutation { setValuationThresholds(goodDeal: 40, greatDeal: 30, premiumWarning: 5) { goodDeal } }", json!({}), ad).await;
    assert_eq!(e["field"], "goodDeal");
    app.ok(
        r#"mutation { setSetting(key: "ui", value: {theme: "dark"}) { key value } }"#,
        json!({}),
        ad,
    )
    .await;
    let d = app
        .ok(r#"{ setting(key: "ui") { value } }"#, json!({}), None)
        .await;
    assert_eq!(d["setting"]["value"]["theme"], "dark");
    // tokens: created once, usable, revocable
    let d = app.ok("mutation { createApiToken(name: \"ci\", role: VIEWER) { secret token { databaseId role tokenPrefix } } }", json!({}), ad).await;
    let secret = d["createApiToken"]["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("dbk_"));
    let d2 = app
        .ok("{ viewer { role name } }", json!({}), Some(&secret))
        .await;
    assert_eq!(d2["viewer"]["role"], "VIEWER");
    let tid = d["createApiToken"]["token"]["databaseId"].clone();
    app.ok(
        "mutation($id: Int!) { revokeApiToken(id: $id) { revokedAt } }",
        json!({"id": tid}),
        ad,
    )
    .await;
    let (status, body) = app
        .post("{ viewer { role } }", json!({}), Some(&secret))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let d = app
        .ok("{ apiTokens { name revokedAt } }", json!({}), ad)
        .await;
    assert!(d["apiTokens"].as_array().unwrap().len() >= 4);
}

both_backends! {
    listings => listing_writes;
    catalogue => catalogue_writes;
    rules => rule_writes;
    admin => admin_writes;
}
