//! The writes of issue 4's second round, through GraphQL on SQLite and PostgreSQL: custom
//! values on any record, options, usage/force/archival on delete, listing ports, basic
//! adjustments, recalculation jobs and per-profile scores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{first_cpu, first_listing, spawn};
use serde_json::{Value, json};
use test_support::TestDb;

const SET_VALUES: &str = "mutation($e: CustomFieldEntity!, $id: ID!, $v: JSON!) { setCustomFieldValues(entity: $e, id: $id, values: $v) { entity recordId values } }";

async fn field(app: &common::TestApp, input: Value) -> String {
    let d = app
        .ok(
            "mutation($i: CustomFieldInput!) { createCustomField(input: $i) { id } }",
            json!({"i": input}),
            Some(&app.admin),
        )
        .await;
    d["createCustomField"]["id"].as_str().unwrap().to_owned()
}

async fn custom_values(db: TestDb) {
    let app = spawn(db, 4).await;
    let ed = Some(app.editor.as_str());
    field(&app, json!({"entity": "LISTING", "label": "Bench score", "dataType": "NUMBER", "validation": {"min": 0}})).await;
    field(&app, json!({"entity": "CPU", "label": "Stepping"})).await;
    let l = first_listing(&app).await;
    let d = app
        .ok(
            SET_VALUES,
            json!({"e": "LISTING", "id": l, "v": {"bench_score": "12.5"}}),
            ed,
        )
        .await;
    assert_eq!(d["setCustomFieldValues"]["values"]["bench_score"], 12.5);
    assert_eq!(d["setCustomFieldValues"]["recordId"], l);
    let got = app
        .ok(
            "query($id: ID!) { listing(id: $id) { customFields valuedAt } }",
            json!({"id": l}),
            None,
        )
        .await;
    assert_eq!(got["listing"]["customFields"]["bench_score"], 12.5);
    // Errors name the value's key; unknown keys and other kinds of ids are refused.
    let e = app
        .err(
            SET_VALUES,
            json!({"e": "LISTING", "id": l, "v": {"bench_score": -1}}),
            ed,
        )
        .await;
    assert_eq!(
        (e["code"].as_str(), e["kind"].as_str(), e["field"].as_str()),
        (
            Some("BAD_USER_INPUT"),
            Some("below_min"),
            Some("values.bench_score")
        )
    );
    let e = app
        .err(
            SET_VALUES,
            json!({"e": "LISTING", "id": l, "v": {"nope": 1}}),
            ed,
        )
        .await;
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("unknown_field"), Some("values.nope"))
    );
    let cpu = first_cpu(&app).await;
    let e = app
        .err(SET_VALUES, json!({"e": "LISTING", "id": cpu, "v": {}}), ed)
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("id"))
    );
    let e = app
        .err(
            SET_VALUES,
            json!({"e": "LISTING", "id": "999999", "v": {}}),
            ed,
        )
        .await;
    assert_eq!(e["code"], "NOT_FOUND");
    // Null removes one key and keeps the others.
    let d = app
        .ok(
            SET_VALUES,
            json!({"e": "LISTING", "id": l, "v": {"bench_score": null}}),
            ed,
        )
        .await;
    assert!(
        d["setCustomFieldValues"]["values"]
            .get("bench_score")
            .is_none()
    );
    // Any entity: a CPU.
    let d = app
        .ok(
            SET_VALUES,
            json!({"e": "CPU", "id": cpu, "v": {"stepping": "  B0 "}}),
            ed,
        )
        .await;
    assert_eq!(d["setCustomFieldValues"]["values"]["stepping"], "B0");
    let d = app
        .ok(
            "query($id: ID!) { cpu(id: $id) { customFields } }",
            json!({"id": cpu}),
            None,
        )
        .await;
    assert_eq!(d["cpu"]["customFields"]["stepping"], "B0");
}

async fn options(db: TestDb) {
    let app = spawn(db, 2).await;
    let ad = Some(app.admin.as_str());
    let colour = field(
        &app,
        json!({"entity": "LISTING", "label": "Colour", "dataType": "ENUM", "options": ["Black"]}),
    )
    .await;
    let q =
        "mutation($id: ID!, $o: String!) { addCustomFieldOption(id: $id, option: $o) { options } }";
    let d = app.ok(q, json!({"id": colour, "o": " Silver "}), ad).await;
    assert_eq!(
        d["addCustomFieldOption"]["options"],
        json!(["Black", "Silver"])
    );
    let e = app.err(q, json!({"id": colour, "o": "silver"}), ad).await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("CONFLICT"), Some("option"))
    );
    let e = app.err(q, json!({"id": colour, "o": "  "}), ad).await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("option"))
    );
    let text = field(&app, json!({"entity": "LISTING", "label": "Remark"})).await;
    let e = app.err(q, json!({"id": text, "o": "x"}), ad).await;
    assert_eq!(e["kind"], "invalid_definition");
    // The new option is usable at once.
    let l = first_listing(&app).await;
    let d = app
        .ok(
            SET_VALUES,
            json!({"e": "LISTING", "id": l, "v": {"colour": "SILVER"}}),
            Some(&app.editor),
        )
        .await;
    assert_eq!(d["setCustomFieldValues"]["values"]["colour"], "Silver");
}

async fn usage(app: &common::TestApp, f: String) -> u64 {
    app.ok(
        "query($f: ID!) { customFieldUsage(id: $f) }",
        json!({"f": f}),
        None,
    )
    .await["customFieldUsage"]
        .as_u64()
        .unwrap()
}

async fn delete_archives(db: TestDb) {
    let app = spawn(db, 4).await;
    let ad = Some(app.admin.as_str());
    let f = field(
        &app,
        json!({"entity": "LISTING", "label": "Warranty months", "dataType": "NUMBER"}),
    )
    .await;
    let ids: Vec<String> = app
        .ok(
            "{ listings(first: 2) { edges { node { id databaseId } } } }",
            json!({}),
            None,
        )
        .await["listings"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    for (n, id) in ids.iter().enumerate() {
        app.ok(
            SET_VALUES,
            json!({"e": "LISTING", "id": id, "v": {"warranty_months": 12 + n}}),
            Some(&app.editor),
        )
        .await;
    }
    assert_eq!(usage(&app, f.clone()).await, 2);
    // Deactivating or deleting a used field needs force.
    let e = app
        .err("mutation($f: ID!) { updateCustomField(id: $f, input: {entity: LISTING, label: \"Warranty months\", dataType: NUMBER, isActive: false}) { id } }", json!({"f": f}), ad)
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("CONFLICT"), Some("force"))
    );
    let e = app
        .err(
            "mutation($f: ID!) { deleteCustomField(id: $f) { deletedId } }",
            json!({"f": f}),
            ad,
        )
        .await;
    assert_eq!(e["code"], "CONFLICT");
    assert!(e["kind"] == "in_use");
    app.ok(
        "mutation($f: ID!) { deleteCustomField(id: $f, force: true) { deletedId } }",
        json!({"f": f}),
        ad,
    )
    .await;
    assert_eq!(usage(&app, f.clone()).await, 0);
    // Values moved to the history, definition soft-deleted (still listed with includeDeleted).
    let rec = app
        .ok(
            "query($id: ID!) { listing(id: $id) { databaseId customFields } }",
            json!({"id": ids[0]}),
            None,
        )
        .await;
    assert!(
        rec["listing"]["customFields"]
            .get("warranty_months")
            .is_none()
    );
    let n = rec["listing"]["databaseId"].as_i64().unwrap();
    let h = app
        .ok("query($r: Int!) { customFieldHistory(entity: LISTING, recordId: $r) { key reason previousValue } }", json!({"r": n}), None)
        .await;
    let h = &h["customFieldHistory"][0];
    assert_eq!(
        (h["key"].as_str(), h["reason"].as_str()),
        (Some("warranty_months"), Some("field_deleted"))
    );
    assert_eq!(h["previousValue"], 12);
    let list = app
        .ok("{ customFields(includeDeleted: true, includeInactive: true, first: 50) { edges { node { id isActive deletedAt } } } }", json!({}), None)
        .await;
    let node = list["customFields"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["id"] == f.as_str())
        .map(|e| e["node"].clone())
        .unwrap();
    assert_eq!(node["isActive"], false);
    assert!(node["deletedAt"].is_string());
    // Hard delete drops it for good (the soft-deleted one too).
    app.ok(
        "mutation($f: ID!) { deleteCustomField(id: $f, hard: true) { deletedId } }",
        json!({"f": f}),
        ad,
    )
    .await;
    let list = app
        .ok("{ customFields(includeDeleted: true, includeInactive: true, first: 50) { edges { node { id } } } }", json!({}), None)
        .await;
    assert!(!list.to_string().contains(&f));
    let e = app
        .err(
            "mutation($f: ID!) { deleteCustomField(id: $f) { deletedId } }",
            json!({"f": f}),
            ad,
        )
        .await;
    assert_eq!(e["code"], "NOT_FOUND");
}

const PORTS: &str = "mutation($id: ID!, $p: [PortInput!]!) { setListingPorts(id: $id, ports: $p) { id valuedAt ports { databaseId name ports { portType count specNotes } } } }";

async fn listing_ports(db: TestDb) {
    let app = spawn(db, 2).await;
    let ed = Some(app.editor.as_str());
    let l = first_listing(&app).await;
    let d = app
        .ok(PORTS, json!({"id": l, "p": [{"portType": "HDMI", "count": 2}, {"portType": "USB_A", "count": 4, "specNotes": "3.2 Gen 1"}]}), ed)
        .await;
    let p = &d["setListingPorts"]["ports"];
    assert!(p["name"].as_str().unwrap().ends_with(" ports"));
    assert_eq!(p["ports"].as_array().unwrap().len(), 2);
    assert!(d["setListingPorts"]["valuedAt"].is_string());
    let profile = p["databaseId"].clone();
    // Again: the same own profile, replaced.
    let d = app
        .ok(
            PORTS,
            json!({"id": l, "p": [{"portType": "THUNDERBOLT"}]}),
            ed,
        )
        .await;
    let p = &d["setListingPorts"]["ports"];
    assert_eq!(p["databaseId"], profile);
    assert_eq!(
        p["ports"],
        json!([{"portType": "THUNDERBOLT", "count": 1, "specNotes": ""}])
    );
    let e = app
        .err(
            PORTS,
            json!({"id": l, "p": [{"portType": "HDMI"}, {"portType": "HDMI"}]}),
            ed,
        )
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("ports[1]"))
    );
    let e = app
        .err(
            PORTS,
            json!({"id": l, "p": [{"portType": "HDMI", "count": 0}]}),
            ed,
        )
        .await;
    assert_eq!(e["field"], "ports[0].count");
    let e = app.err(PORTS, json!({"id": "999999", "p": []}), ed).await;
    assert_eq!(e["code"], "NOT_FOUND");
    // Empty: no ports, and the own profile is gone.
    let d = app.ok(PORTS, json!({"id": l, "p": []}), ed).await;
    assert!(d["setListingPorts"]["ports"].is_null());
    let all = app
        .ok(
            "{ portsProfiles(first: 50) { edges { node { databaseId } } } }",
            json!({}),
            None,
        )
        .await;
    assert!(!all.to_string().contains(&format!(":{profile}}}")));
}

const BASIC: &str = "mutation($r: ID!, $i: BasicAdjustmentsInput!) { setBasicAdjustments(rulesetId: $r, input: $i) { id name rules { id name isActive version actions conditions } } }";

async fn basic_adjustments(db: TestDb) {
    let app = spawn(db, 3).await;
    let ed = Some(app.editor.as_str());
    let d = app
        .ok(
            r#"mutation { createRuleset(input: {name: "Basic test", priority: 8}) { id } }"#,
            json!({}),
            ed,
        )
        .await;
    let r = d["createRuleset"]["id"].as_str().unwrap().to_owned();
    let input = json!({"ramPerGb": "2.5", "storagePer100Gb": "3", "condition": {"used": "-20"}});
    let d = app.ok(BASIC, json!({"r": r, "i": input}), ed).await;
    let g = &d["setBasicAdjustments"];
    assert_eq!(g["name"], "Basic · Adjustments");
    let rules = g["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 7);
    let rule = |name: &str| rules.iter().find(|x| x["name"] == name).unwrap().clone();
    assert_eq!(rule("RAM per GB")["isActive"], true);
    assert_eq!(rule("RAM per GB")["actions"][0]["metric"], "per_gb");
    assert_eq!(rule("Primary storage per GB")["actions"][0]["value"], 0.03);
    assert_eq!(rule("Base adjustment")["isActive"], false);
    assert_eq!(rule("Condition: used")["conditions"]["value"], "used");
    // The same input writes nothing; a change versions only the rule that changed.
    app.ok(BASIC, json!({"r": r, "i": input}), ed).await;
    let d = app
        .ok(BASIC, json!({"r": r, "i": {"ramPerGb": "3", "storagePer100Gb": "3", "condition": {"used": "-20"}}}), ed)
        .await;
    let rules = d["setBasicAdjustments"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    let version = |name: &str| rules.iter().find(|x| x["name"] == name).unwrap()["version"].clone();
    assert_eq!(version("RAM per GB"), 2);
    assert_eq!(version("Condition: used"), 1);
    // The managed group changes only through setBasicAdjustments.
    let rule_id = rules[0]["id"].clone();
    let e = app
        .err(
            r#"mutation($id: ID!) { updateRule(id: $id, input: {name: "by hand"}) { id } }"#,
            json!({"id": rule_id}),
            ed,
        )
        .await;
    assert_eq!(e["code"], "FORBIDDEN");
    let e = app
        .err(
            "mutation($id: ID!) { deleteRuleGroup(id: $id) { deletedId } }",
            json!({"id": d["setBasicAdjustments"]["id"]}),
            ed,
        )
        .await;
    assert_eq!(e["code"], "FORBIDDEN");
    // Valuing a listing now applies the rules.
    let l = first_listing(&app).await;
    let d = app
        .ok("mutation($id: ID!) { recalculateListing(id: $id) { valuationBreakdown { rulesets { name rules { ruleName matched } } } } }", json!({"id": l}), ed)
        .await;
    assert!(d.to_string().contains("RAM per GB"), "{d}");
    let e = app
        .err(BASIC, json!({"r": r, "i": {"base": "2000000"}}), ed)
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("input.base"))
    );
    let e = app.err(BASIC, json!({"r": "999999", "i": {}}), ed).await;
    assert_eq!(e["code"], "NOT_FOUND");
}

async fn jobs(db: TestDb) {
    let app = spawn(db, 2).await;
    let ad = Some(app.admin.as_str());
    let mut first = None;
    for _ in 0..3 {
        let out = app
            .store
            .request_recalculation(
                &store::RecalcTargets::all(),
                domain::model::ValuationCause::Manual,
                None,
                chrono::Duration::seconds(60),
                chrono::Duration::seconds(120),
            )
            .await
            .unwrap();
        first.get_or_insert(out.job_id);
    }
    let job = first.unwrap();
    let d = app
        .ok(
            "query($id: String!) { job(id: $id) { id status work total causes } }",
            json!({"id": job}),
            None,
        )
        .await;
    assert_eq!(d["job"]["status"], "QUEUED");
    assert_eq!(d["job"]["causes"].as_array().unwrap().len(), 3);
    let d = app
        .ok("{ queued: jobs(status: QUEUED) { totalCount } all: jobs(first: 10) { totalCount edges { node { status coalescedInto } } } }", json!({}), None)
        .await;
    assert_eq!(d["queued"]["totalCount"], 1);
    assert_eq!(d["all"]["totalCount"], 3);
    let q = "mutation($id: String!) { cancelJob(id: $id) { id status } }";
    let d = app.ok(q, json!({"id": job}), ad).await;
    assert_eq!(d["cancelJob"]["status"], "CANCELLED");
    let e = app.err(q, json!({"id": job}), ad).await;
    assert_eq!(e["code"], "CONFLICT");
    let e = app.err(q, json!({"id": "not-a-uuid"}), ad).await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("id"))
    );
    let e = app
        .err(q, json!({"id": "00000000-0000-4000-8000-000000000001"}), ad)
        .await;
    assert_eq!(e["code"], "NOT_FOUND");
    let d = app
        .ok(
            "{ jobs(status: CANCELLED) { totalCount } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(d["jobs"]["totalCount"], 1);
    // A running job is cancelled too: the worker stops at its next progress write.
    let out = app
        .store
        .request_recalculation(
            &store::RecalcTargets::all(),
            domain::model::ValuationCause::Manual,
            None,
            chrono::Duration::zero(),
            chrono::Duration::zero(),
        )
        .await
        .unwrap();
    let running = app
        .store
        .claim_recalc_job(&out.job_id, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(running.status, domain::model::JobStatus::Running);
    let d = app.ok(q, json!({"id": out.job_id}), ad).await;
    assert_eq!(d["cancelJob"]["status"], "CANCELLED");
}

async fn scores(db: TestDb) {
    let app = spawn(db, 5).await;
    let d = app
        .ok("{ scoringProfiles(first: 10) { totalCount } listings(first: 5) { edges { node { scoreComposite scores { profile { name isDefault } score } } } } }", json!({}), None)
        .await;
    let profiles = d["scoringProfiles"]["totalCount"].as_u64().unwrap() as usize;
    assert!(profiles >= 2);
    for e in d["listings"]["edges"].as_array().unwrap() {
        let n = &e["node"];
        let s = n["scores"].as_array().unwrap();
        assert_eq!(s.len(), profiles);
        let default = s
            .iter()
            .find(|x| x["profile"]["isDefault"] == true)
            .unwrap();
        let as_num = |v: &Value| v.as_str().map(|t| t.parse::<f64>().unwrap());
        assert_eq!(
            as_num(&default["score"]),
            as_num(&n["scoreComposite"]),
            "{n}"
        );
    }
}

both_backends! {
    values => custom_values;
    field_options => options;
    field_delete => delete_archives;
    ports => listing_ports;
    basic => basic_adjustments;
    job_rows => jobs;
    profile_scores => scores;
}
