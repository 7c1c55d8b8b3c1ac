//! Injection and escaping against a real `serve` on a fresh PostgreSQL database (so SQL
//! metacharacters meet a real PostgreSQL): text search and filters, custom-field keys and
//! values, cursors and stored text with SQL metacharacters are either refused with
//! `BAD_USER_INPUT` or taken literally (nothing executed, no table touched); regex conditions
//! that backtrack catastrophically elsewhere run in linear time here, and the constructs that
//! need backtracking are refused; formulas at every limit; custom-field values of the wrong
//! type.

use std::time::Instant;

use serde_json::{Value, json};
use test_support::TestDb;

use crate::common::Proc;
use crate::support::{Outcome, hostile_env, post};

/// SQL (and LIKE, and JSON-path) metacharacters, each as a whole input.
const HOSTILE_TEXT: &[&str] = &[
    "' OR '1'='1",
    "'; DROP TABLE listings; --",
    "\" OR \"\"=\"",
    "%",
    "_",
    "\\",
    "%' OR 1=1 --",
    "1); DELETE FROM listings WHERE (1=1",
    "$1",
    "' UNION SELECT token_hash FROM api_tokens --",
    "$.a' || '",
    "\u{202e}' --",
];

struct Api {
    server: Proc,
    http: reqwest::Client,
    admin: String,
}

impl Api {
    async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Outcome {
        post(&self.http, &self.server.base, token, query, variables).await
    }

    /// A call that must succeed; its `data`.
    async fn ok(&self, query: &str, variables: Value) -> Value {
        let o = self.call(Some(&self.admin), query, variables).await;
        assert!(o.body.get("errors").is_none(), "{query}: {}", o.body);
        o.body["data"].clone()
    }

    /// A call that must fail with `BAD_USER_INPUT`; the first error.
    async fn refused(&self, query: &str, variables: Value) -> Value {
        let o = self.call(Some(&self.admin), query, variables).await;
        assert_eq!(o.code, "BAD_USER_INPUT", "{query}: {}", o.body);
        o.body["errors"][0].clone()
    }

    async fn listing_count(&self) -> i64 {
        let d = self
            .ok("{ listings(first: 1) { totalCount } }", json!({}))
            .await;
        d["listings"]["totalCount"].as_i64().unwrap()
    }
}

async fn start() -> Option<(TestDb, Api)> {
    let db = TestDb::postgres().await?;
    let server = crate::support::serve(&hostile_env(&[("DATABASE_URL", db.url.clone())]), true);
    let admin = server.admin_token();
    Some((
        db,
        Api {
            server,
            http: crate::common::client(),
            admin,
        },
    ))
}

const LISTINGS: &str = "query($f: ListingFilterInput, $after: String) { \
    listings(filter: $f, first: 50, after: $after) { totalCount edges { node { title } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_metacharacters_in_filters_and_text_are_data() {
    let Some((_db, api)) = start().await else {
        return;
    };
    let total = api.listing_count().await;
    assert!(total > 0, "the sample data is loaded");
    for text in HOSTILE_TEXT {
        for field in ["search", "manufacturer", "formFactor", "cpuManufacturer"] {
            let d = api.ok(LISTINGS, json!({"f": {field: text}})).await;
            // No sample title or maker contains these: a literal match finds nothing, where
            // an injected `OR 1=1` (or an unescaped `%`) would find everything.
            assert_eq!(d["listings"]["totalCount"], 0, "{field} = {text:?}");
        }
        // A custom-field value is bound as JSON, whatever it holds.
        let d = api
            .ok(LISTINGS, json!({"f": {"customFields": {"warranty": text}}}))
            .await;
        assert_eq!(
            d["listings"]["totalCount"], 0,
            "customFields value {text:?}"
        );
        // A key is part of a JSON path: anything but a key's characters is refused.
        if !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let e = api
                .refused(LISTINGS, json!({"f": {"customFields": {*text: 1}}}))
                .await;
            assert_eq!(e["extensions"]["field"], "custom", "{e}");
        }
        // A cursor is opaque: a forged one is refused, never spliced into the query.
        use base64::Engine as _;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(json!({"s": "id", "v": text, "id": text}).to_string());
        api.refused(LISTINGS, json!({"after": forged})).await;
    }
    // Stored text comes back byte for byte and is found by a literal search.
    for text in HOSTILE_TEXT {
        let title = format!("Mini PC {text}");
        let d = api
            .ok(
                "mutation($t: String!) { createListing(input: {title: $t, price: \"100.00\"}) { title } }",
                json!({"t": title}),
            )
            .await;
        assert_eq!(d["createListing"]["title"], title.as_str());
        let d = api.ok(LISTINGS, json!({"f": {"search": text}})).await;
        let found: Vec<&str> = d["listings"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["node"]["title"].as_str())
            .collect();
        assert!(found.contains(&title.as_str()), "{text:?}: {found:?}");
        assert!(
            found.iter().all(|t| t.contains(text)),
            "{text:?} matched more than its literal text: {found:?}"
        );
    }
    assert_eq!(api.listing_count().await, total + HOSTILE_TEXT.len() as i64);
    // NUL cannot be stored in PostgreSQL text: refused up front with its own code, not a
    // database error.
    for (query, vars) in [
        (LISTINGS, json!({"f": {"search": "a\u{0}b"}})),
        (
            "mutation($t: String!) { createListing(input: {title: $t, price: \"1.00\"}) { id } }",
            json!({"t": "Mini\u{0}PC"}),
        ),
        (
            "mutation { createListing(input: {title: \"Mini\\u0000PC\", price: \"1.00\"}) { id } }",
            json!({}),
        ),
    ] {
        let e = api.refused(query, vars).await;
        assert!(e["message"].as_str().unwrap().contains("NUL"), "{e}");
    }
    // A search longer than any title is refused rather than scanned for.
    let e = api
        .refused(LISTINGS, json!({"f": {"search": "x".repeat(10_000)}}))
        .await;
    assert_eq!(e["extensions"]["field"], "filter.search", "{e}");
    assert_eq!(api.listing_count().await, total + HOSTILE_TEXT.len() as i64);
    // Export downloads name no path: traversal and NUL tricks find nothing.
    for path in [
        "/exports/..%2F..%2Fetc%2Fpasswd",
        "/exports/..%5C..%5Cetc%5Cpasswd",
        "/exports/listings-..%2F..%2F..%2F..%2Fetc%2Fpasswd.csv",
        "/exports/listings-00000000000000000000000000000000.csv%00.txt",
    ] {
        let r = api
            .http
            .get(format!("{}{path}", api.server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
    }
}

const PREVIEW: &str = "query($c: JSON, $a: JSON!) { previewRule(conditions: $c, actions: $a, \
    sampleSize: 1000) { evaluated matched errors totalAdjustment } }";

fn regex_on_title(pattern: &str) -> Value {
    json!({"field": "listing.title", "operator": "regex", "value": pattern})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regexes_formulas_and_custom_values_are_bounded() {
    let Some((_db, api)) = start().await else {
        return;
    };
    let flat = json!([{"type": "additive", "value": 1}]);
    // A title that makes `(a+)+$` explode in a backtracking engine.
    let evil = format!("{}!", "a".repeat(40));
    api.ok(
        "mutation($t: String!) { createListing(input: {title: $t, price: \"1.00\"}) { id } }",
        json!({"t": evil}),
    )
    .await;
    for pattern in [
        "(a+)+$",
        "(a|aa)+$",
        "(a*)*b",
        "^(([a-z])+.)+[A-Z]([a-z])+$",
    ] {
        let started = Instant::now();
        let d = api
            .ok(PREVIEW, json!({"c": regex_on_title(pattern), "a": flat}))
            .await;
        let ms = started.elapsed().as_millis();
        println!("regex {pattern:?} over every listing: {ms} ms");
        assert_eq!(d["previewRule"]["errors"], 0, "{pattern}: {d}");
        // Linear-time matching: a whole preview, not seconds per listing.
        assert!(ms < 5_000, "{pattern}: {ms} ms");
    }
    // What needs backtracking does not exist in the dialect; limits on length and size.
    for (pattern, kind) in [
        (r"(a)\1".to_owned(), "invalid_regex"),
        ("(?=a)a".to_owned(), "invalid_regex"),
        ("(?<!a)b".to_owned(), "invalid_regex"),
        ("a".repeat(501), "invalid_regex"),
        ("(((a{100}){100}){100})".to_owned(), "invalid_regex"),
    ] {
        let e = api
            .refused(PREVIEW, json!({"c": regex_on_title(&pattern), "a": flat}))
            .await;
        assert_eq!(e["extensions"]["kind"], kind, "{pattern}: {e}");
    }
    formulas(&api).await;
    custom_values(&api).await;
}

/// Formulas at and over every limit: length, nesting, exponent, arity, unknown names.
async fn formulas(api: &Api) {
    let action = |f: &str| json!([{"type": "formula", "formula": f}]);
    let at_length = format!("1{}", " + 1".repeat((2000 - 1) / 4));
    assert!(at_length.len() <= 2000);
    let at_depth = format!("{}1{}", "(".repeat(60), ")".repeat(60));
    for ok in [
        at_length.as_str(),
        at_depth.as_str(),
        "2 ** 1000",
        "max(1, 2)",
    ] {
        let d = api.ok(PREVIEW, json!({"a": action(ok)})).await;
        assert!(d["previewRule"]["evaluated"].as_i64().unwrap() > 0, "{d}");
    }
    let over_length = format!("{at_length}{}", " + 1".repeat(10));
    // 100 levels: within the length limit, over the nesting one.
    let over_depth = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    for (bad, kind) in [
        (over_length.as_str(), "too_long"),
        (over_depth.as_str(), "too_deep"),
        // No host access: no attribute calls, no imports, no statements, no \x escapes.
        ("__import__('os').system('id')", "syntax"),
        ("exec('1')", "unknown_function"),
        ("price_usd; 1", "syntax"),
        ("'\\x00' + 1", "syntax"),
    ] {
        let e = api.refused(PREVIEW, json!({"a": action(bad)})).await;
        assert_eq!(e["extensions"]["kind"], kind, "{bad:?}: {e}");
    }
    // Runtime limits are errors of the action (which then adds 0), never a crash or an
    // infinite number.
    let d = api.ok(PREVIEW, json!({"a": action("2 ** 1001")})).await;
    let total: f64 = d["previewRule"]["totalAdjustment"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(d["previewRule"]["matched"].as_i64().unwrap() > 0, "{d}");
    assert_eq!(total, 0.0, "{d}");
}

/// Custom-field values of the wrong types are refused with the field's path (the documented
/// coercions, e.g. `"yes"` or `1` for a boolean, are not wrong types).
async fn custom_values(api: &Api) {
    for (key, ty) in [
        ("warranty_months", "NUMBER"),
        ("refurbished", "BOOLEAN"),
        ("vendor_note", "STRING"),
    ] {
        api.ok(
            "mutation($k: String!, $t: CustomFieldType!) { createCustomField(input: \
             {entity: LISTING, label: $k, key: $k, dataType: $t}) { key } }",
            json!({"k": key, "t": ty}),
        )
        .await;
    }
    let d = api
        .ok(
            "{ listings(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let id = d["listings"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = "mutation($id: ID!, $v: JSON!) { setCustomFieldValues(entity: LISTING, id: $id, \
               values: $v) { values } }";
    for bad in [
        json!({"warranty_months": "12'; DROP TABLE listings; --"}),
        json!({"warranty_months": [1, 2]}),
        json!({"warranty_months": {"$gt": 0}}),
        json!({"refurbished": "maybe"}),
        json!({"refurbished": 2}),
        json!({"refurbished": [true]}),
        json!({"warranty_months": true}),
        json!({"vendor_note": {"nested": true}}),
        json!({"vendor_note": ["a"]}),
        json!({"no_such_field": 1}),
        json!({"vendor_note": "a\u{0}b"}),
    ] {
        let e = api.refused(set, json!({"id": id, "v": bad})).await;
        assert!(
            e["extensions"]["field"].is_string() || e["message"].is_string(),
            "{e}"
        );
    }
    // Right types, hostile text: stored as given.
    let d = api
        .ok(
            set,
            json!({"id": id, "v": {"warranty_months": 12, "refurbished": true,
                                   "vendor_note": "'; DROP TABLE listings; --"}}),
        )
        .await;
    assert_eq!(
        d["setCustomFieldValues"]["values"]["vendor_note"],
        "'; DROP TABLE listings; --"
    );
}
