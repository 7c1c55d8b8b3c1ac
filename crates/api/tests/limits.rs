//! Protection and GraphQL-over-HTTP: depth/alias/fragment bombs, body and page limits,
//! batches, GET rules, negotiation, rate limit, introspection switch, APQ, CORS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use api::ApiConfig;
use common::{spawn, spawn_with};
use serde_json::{Value, json};
use test_support::TestDb;

async fn bombs(db: TestDb) {
    let app = spawn(db, 2).await;
    // depth bomb
    let mut q = String::from("{ __schema { types { fields { type ");
    for _ in 0..20 {
        q.push_str("{ ofType ");
    }
    q.push_str("{ name }");
    q.push_str(&" }".repeat(20));
    q.push_str(" } } } }");
    let (status, body) = app.post(&q, json!({}), None).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    // alias bomb: 200 aliases × 200 listings each
    let aliases: String = (0..200)
        .map(|i| format!("a{i}: listings(first: 200) {{ edges {{ node {{ id title }} }} }} "))
        .collect();
    let (status, body) = app.post(&format!("{{ {aliases} }}"), json!({}), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    // fragment cycle
    let (status, body) = app
        .post(
            "query { ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...A }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // The recursion guard rejects the cycle before validation gets to it.
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    assert!(
        body.get("data").is_none(),
        "request errors carry no data entry"
    );
    // oversized first
    let e = app
        .err(
            "{ listings(first: 500) { edges { node { id } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("first"))
    );
    let e = app
        .err(
            "{ rankings(metric: ADJUSTED_PRICE, first: 101) { id } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(e["code"], "BAD_USER_INPUT");
    // A null variable where the argument is non-null with a default is the caller's mistake.
    let e = app
        .err(
            "query($n: Int) { rankings(metric: ADJUSTED_PRICE, first: $n) { id } }",
            json!({"n": null}),
            None,
        )
        .await;
    assert_eq!(e["code"], "BAD_USER_INPUT", "{e}");
    // 10 MB body
    let big = format!(
        "{{\"query\": \"{{ health }}\", \"variables\": {{\"x\": \"{}\"}}}}",
        "a".repeat(10 * 1024 * 1024)
    );
    // The server answers 413 from Content-Length without reading the body, so the client may
    // also see its upload cut short; either way nothing was executed.
    match app
        .client
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
    {
        Ok(r) => assert_eq!(r.status().as_u16(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    // parse error and unknown field
    let (status, body) = app.post("{ listings(", json!({}), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (status, _) = app.post("{ nope }", json!({}), None).await;
    assert_eq!(status, 400);
}

async fn http_rules(db: TestDb) {
    let app = spawn(db, 2).await;
    let gql = format!("{}/graphql", app.url);
    // batches
    let one = json!({"query": "{ health }"});
    let r: Value = app
        .client
        .post(&gql)
        .json(&Value::Array(vec![one.clone(); 3]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r.as_array().unwrap().len(), 3);
    let r = app
        .client
        .post(&gql)
        .json(&Value::Array(vec![one.clone(); 11]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // GET: queries yes, mutations no
    let r = app
        .client
        .get(reqwest::Url::parse_with_params(&gql, &[("query", "{ health }")]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let r = app
        .client
        .get(
            reqwest::Url::parse_with_params(
                &gql,
                &[("query", "mutation { deleteCpu(id: \"1\") { deletedId } }")],
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    // GraphiQL for browsers
    let r = app
        .client
        .get(&gql)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("graphiql") || html.contains("GraphiQL"));
    assert!(html.contains("/graphql/ws"));
    // negotiation
    let r = app
        .client
        .post(&gql)
        .header("accept", "application/graphql-response+json")
        .json(&one)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/graphql-response+json"
    );
    let r = app
        .client
        .post(&gql)
        .header("accept", "application/json")
        .json(&json!({"query": "{"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "application/json keeps 200 for GraphQL errors"
    );
    let r = app
        .client
        .post(&gql)
        .header("accept", "text/plain")
        .json(&one)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 406);
    let r = app
        .client
        .post(&gql)
        .header("content-type", "text/plain")
        .body("{ health }")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let r = app
        .client
        .post(&gql)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // health
    let r = app
        .client
        .get(format!("{}/health", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // APQ
    let q = "{ health }";
    let hash = "f8ee8cc2ebcfc3b5e2f63c7ae23e2e5cd4b6e7f9b7d6d9fbe7a2de3ee0b0e0a1";
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let r: Value = app
        .client
        .post(&gql)
        .json(&json!({"extensions": ext}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["errors"][0]["message"], "PersistedQueryNotFound");
    let _ = q;
}

async fn rate_and_switches(db: TestDb) {
    let cfg = ApiConfig {
        rate_per_second: 1,
        rate_burst: 3,
        introspection: false,
        cors_origins: vec!["https://board.example".into()],
        ..ApiConfig::default()
    };
    let app = spawn_with(db, 2, cfg).await;
    let (_, body) = app
        .post("{ __schema { types { name } } }", json!({}), None)
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let mut limited = None;
    for _ in 0..6 {
        let (status, body) = app.post("{ health }", json!({}), None).await;
        if status == 429 {
            limited = Some(body);
            break;
        }
    }
    let body = limited.expect("a 429 after the burst");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // tokens have their own bucket
    let (status, _) = app.post("{ health }", json!({}), Some(&app.viewer)).await;
    assert_eq!(status, 200);
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.url))
        .header("origin", "https://board.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://board.example"
    );
}

both_backends! {
    limits => bombs;
    http => http_rules;
    switches => rate_and_switches;
}
