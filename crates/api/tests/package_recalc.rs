//! The recalculations package installs and baseline writes ask for (§8): the schema is run
//! with a requester that records each request, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use api::auth::Caller;
use api::{Deps, RecalcFuture, RecalcRequester, RecalcScope, build_schema};
use domain::model::{ApiRole, ValuationCause};
use serde_json::{Value, json};
use store::Store;
use test_support::TestDb;

both_backends! {
    requests => requests;
}

/// Records every request and answers with a numbered job id.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<(RecalcScope, ValuationCause)>>);

impl RecalcRequester for Recorder {
    fn request(&self, scope: RecalcScope, cause: ValuationCause) -> RecalcFuture<'_> {
        let mut seen = self.0.lock().unwrap();
        seen.push((scope, cause));
        let id = format!("job-{}", seen.len());
        Box::pin(async move { Ok(Some(id)) })
    }
}

async fn run(schema: &api::DealBrainSchema, q: &str, vars: Value) -> Value {
    let caller = Caller {
        role: Some(ApiRole::Admin),
        token_id: None,
        name: Some("tests".into()),
    };
    let req = async_graphql::Request::new(q)
        .variables(async_graphql::Variables::from_json(vars))
        .data(caller);
    let resp = schema.execute(req).await;
    assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    resp.data.into_json().unwrap()
}

const INSTALL: &str = "mutation($p: JSON!, $s: PackageMergeStrategy = REPLACE) {
    installRulesetPackage(package: $p, mergeStrategy: $s) { jobId } }";

async fn requests(db: TestDb) {
    let store = Store::connect(&db.url, 2).await.unwrap();
    store.migrate_up().await.unwrap();
    let recorder = Arc::new(Recorder::default());
    let deps = Deps {
        recalc: recorder.clone(),
        ..Deps::new(store)
    };
    let schema = build_schema(&deps);
    let pkg = json!({"format": "dealbrain-ruleset", "formatVersion": 2, "metadata": {"name": "p"},
        "rulesets": [{"name": "R", "groups": [{"name": "G", "rules": [
            {"name": "r", "actions": [{"type": "fixed_value", "value": 3}]}]}]}]});
    let d = run(&schema, INSTALL, json!({"p": pkg})).await;
    assert_eq!(d["installRulesetPackage"]["jobId"], "job-1");
    let d = run(&schema, INSTALL, json!({"p": pkg, "s": "SKIP"})).await;
    assert!(
        d["installRulesetPackage"]["jobId"].is_null(),
        "a skip writes nothing"
    );

    let doc = json!({"schema_version": "2", "entities": {"cpu": [{"id": "cores"}]}});
    let q = "mutation($d: JSON!) { instantiateBaseline(document: $d) { jobId } }";
    let d = run(&schema, q, json!({"d": doc})).await;
    assert_eq!(d["instantiateBaseline"]["jobId"], "job-2");
    let d = run(&schema, q, json!({"d": doc})).await;
    assert!(
        d["instantiateBaseline"]["jobId"].is_null(),
        "unchanged, nothing to revalue"
    );
    let mut cand = doc.clone();
    cand["entities"]["ram"] = json!([{"id": "gb"}]);
    let q = "mutation($c: JSON!, $r: Boolean!) { adoptBaseline(candidate: $c, recalculate: $r) { jobId created } }";
    let d = run(&schema, q, json!({"c": cand, "r": false})).await;
    assert_eq!(d["adoptBaseline"], json!({"jobId": null, "created": true}));
    cand["entities"]["gpu"] = json!([{"id": "mark"}]);
    let d = run(&schema, q, json!({"c": cand, "r": true})).await;
    assert_eq!(d["adoptBaseline"]["jobId"], "job-3");

    let seen = recorder.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            (RecalcScope::All, ValuationCause::PackageInstall),
            (RecalcScope::All, ValuationCause::Baseline),
            (RecalcScope::All, ValuationCause::Baseline),
        ]
    );
}
