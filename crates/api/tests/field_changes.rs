//! Changing a custom field definition that records already use (DOMAIN.md §6), through GraphQL
//! on SQLite and PostgreSQL: a removed option archives the values that used it
//! (`option_retired:<option>`), a type change converts or archives values (`type_changed`),
//! every effective change is audited with the members that changed, and a no-op writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::{Value, json};
use test_support::TestDb;

const SET_VALUES: &str = "mutation($e: CustomFieldEntity!, $id: ID!, $v: JSON!) { setCustomFieldValues(entity: $e, id: $id, values: $v) { values } }";
const UPDATE: &str = "mutation($id: ID!, $i: CustomFieldInput!) { updateCustomField(id: $id, input: $i) { options dataType } }";
const HISTORY: &str = "query($r: Int!) { customFieldHistory(entity: LISTING, recordId: $r) { key reason previousValue } }";
const AUDIT: &str = "query($id: ID!) { customFieldAudit(id: $id) { action actor payload } }";

struct Listing {
    id: String,
    n: i64,
}

async fn listings(app: &common::TestApp, count: usize) -> Vec<Listing> {
    let d = app
        .ok(
            "query($n: Int!) { listings(first: $n) { edges { node { id databaseId } } } }",
            json!({"n": count}),
            None,
        )
        .await;
    d["listings"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Listing {
            id: e["node"]["id"].as_str().unwrap().to_owned(),
            n: e["node"]["databaseId"].as_i64().unwrap(),
        })
        .collect()
}

async fn create(app: &common::TestApp, input: Value) -> String {
    app.ok(
        "mutation($i: CustomFieldInput!) { createCustomField(input: $i) { id } }",
        json!({"i": input}),
        Some(&app.admin),
    )
    .await["createCustomField"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn set(app: &common::TestApp, l: &Listing, values: Value) {
    app.ok(
        SET_VALUES,
        json!({"e": "LISTING", "id": l.id, "v": values}),
        Some(&app.editor),
    )
    .await;
}

async fn value_of(app: &common::TestApp, l: &Listing, key: &str) -> Value {
    let d = app
        .ok(
            "query($id: ID!) { listing(id: $id) { customFields } }",
            json!({"id": l.id}),
            None,
        )
        .await;
    d["listing"]["customFields"]
        .get(key)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn history(app: &common::TestApp, l: &Listing) -> Vec<(String, Value)> {
    let d = app.ok(HISTORY, json!({"r": l.n}), None).await;
    d["customFieldHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["reason"].as_str().unwrap().to_owned(),
                h["previousValue"].clone(),
            )
        })
        .collect()
}

async fn audit(app: &common::TestApp, id: &str) -> Vec<Value> {
    app.ok(AUDIT, json!({"id": id}), None).await["customFieldAudit"]
        .as_array()
        .unwrap()
        .clone()
}

async fn retired_options(db: TestDb) {
    let app = common::spawn(db, 4).await;
    let ad = Some(app.admin.as_str());
    let ls = listings(&app, 3).await;
    let colour = create(&app, json!({"entity": "LISTING", "label": "Colour", "dataType": "ENUM", "options": ["Black", "Silver", "Gold"]})).await;
    let tags = create(&app, json!({"entity": "LISTING", "label": "Tags", "dataType": "MULTI_SELECT", "options": ["quiet", "vesa", "wifi"]})).await;
    set(
        &app,
        &ls[0],
        json!({"colour": "Silver", "tags": ["quiet", "vesa"]}),
    )
    .await;
    set(&app, &ls[1], json!({"colour": "Black", "tags": ["vesa"]})).await;
    set(&app, &ls[2], json!({"colour": "Gold", "tags": ["wifi"]})).await;

    let d = app
        .ok(UPDATE, json!({"id": colour, "i": {"entity": "LISTING", "label": "Colour", "dataType": "ENUM", "options": ["Black", "Gold"]}}), ad)
        .await;
    assert_eq!(d["updateCustomField"]["options"], json!(["Black", "Gold"]));
    app.ok(UPDATE, json!({"id": tags, "i": {"entity": "LISTING", "label": "Tags", "dataType": "MULTI_SELECT", "options": ["quiet", "wifi"]}}), ad)
        .await;

    // Only the values that used a retired option changed; each was archived first.
    assert_eq!(value_of(&app, &ls[0], "colour").await, Value::Null);
    assert_eq!(value_of(&app, &ls[0], "tags").await, json!(["quiet"]));
    assert_eq!(value_of(&app, &ls[1], "colour").await, "Black");
    assert_eq!(value_of(&app, &ls[1], "tags").await, Value::Null);
    assert_eq!(value_of(&app, &ls[2], "colour").await, "Gold");
    assert_eq!(value_of(&app, &ls[2], "tags").await, json!(["wifi"]));
    assert_eq!(
        history(&app, &ls[0]).await,
        vec![
            ("option_retired:Silver".to_owned(), json!("Silver")),
            ("option_retired:vesa".to_owned(), json!(["quiet", "vesa"])),
        ]
    );
    assert_eq!(
        history(&app, &ls[1]).await,
        vec![("option_retired:vesa".to_owned(), json!(["vesa"]))]
    );
    assert!(history(&app, &ls[2]).await.is_empty());

    // Audited with the members that changed, newest first; the same input again is a no-op.
    let a = audit(&app, &colour).await;
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["action"], "updated");
    assert_eq!(
        a[0]["payload"]["before"],
        json!({"options": ["Black", "Silver", "Gold"]})
    );
    assert_eq!(
        a[0]["payload"]["after"],
        json!({"options": ["Black", "Gold"]})
    );
    assert_eq!(a[0]["payload"]["archived_values"], 1);
    assert_eq!(a[1]["action"], "created");
    app.ok(UPDATE, json!({"id": colour, "i": {"entity": "LISTING", "label": "Colour", "dataType": "ENUM", "options": ["Black", "Gold"]}}), ad)
        .await;
    assert_eq!(audit(&app, &colour).await.len(), 2);
}

async fn type_change(db: TestDb) {
    let app = common::spawn(db, 3).await;
    let ad = Some(app.admin.as_str());
    let ls = listings(&app, 3).await;
    let bays = create(&app, json!({"entity": "LISTING", "label": "Drive bays"})).await;
    set(&app, &ls[0], json!({"drive_bays": "4"})).await;
    set(&app, &ls[1], json!({"drive_bays": "four"})).await;

    let d = app
        .ok(UPDATE, json!({"id": bays, "i": {"entity": "LISTING", "label": "Drive bays", "dataType": "NUMBER"}}), ad)
        .await;
    assert_eq!(d["updateCustomField"]["dataType"], "NUMBER");
    assert_eq!(value_of(&app, &ls[0], "drive_bays").await, 4);
    assert_eq!(value_of(&app, &ls[1], "drive_bays").await, Value::Null);
    assert_eq!(
        history(&app, &ls[0]).await,
        vec![("type_changed".to_owned(), json!("4"))]
    );
    assert_eq!(
        history(&app, &ls[1]).await,
        vec![("type_changed".to_owned(), json!("four"))]
    );
    let a = audit(&app, &bays).await;
    assert_eq!(a[0]["payload"]["after"], json!({"data_type": "number"}));
    assert_eq!(a[0]["payload"]["archived_values"], 2);
    // The field now validates as a number.
    let e = app
        .err(
            SET_VALUES,
            json!({"e": "LISTING", "id": ls[2].id, "v": {"drive_bays": "many"}}),
            Some(&app.editor),
        )
        .await;
    assert_eq!(e["kind"], "type_mismatch");
}

both_backends! {
    options_retired => retired_options;
    data_type_change => type_change;
}
