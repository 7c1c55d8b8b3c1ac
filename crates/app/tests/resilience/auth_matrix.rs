//! The auth matrix against the real binary: every mutation × anonymous, viewer, editor, admin
//! and a revoked token over HTTP; every subscription × the same callers over
//! `graphql-transport-ws`, with public reads and with `AUTH_READS=token`. Tokens are stored
//! only as hashes; at the end no log line holds a secret ([`crate::log_scan`]).

use std::time::Duration;

use serde_json::{Value, json};
use test_support::TestDb;

use crate::common::Proc;
use crate::common::live::{Socket, next_json, subscribe};
use crate::support::{hostile_env, post, ws_init};

#[path = "../../../api/tests/auth_matrix/operations.rs"]
mod operations;

use operations::{MUTATIONS, SUBSCRIPTIONS};

/// The callers of the matrix: (label, token, rank); rank 0 = anonymous, 4 = revoked.
pub struct Callers {
    pub viewer: String,
    pub editor: String,
    pub admin: String,
    pub revoked: String,
}

const REVOKED: u8 = 4;

impl Callers {
    fn all(&self) -> [(&'static str, Option<&str>, u8); 5] {
        [
            ("anonymous", None, 0),
            ("viewer", Some(&self.viewer), 1),
            ("editor", Some(&self.editor), 2),
            ("admin", Some(&self.admin), 3),
            ("revoked", Some(&self.revoked), REVOKED),
        ]
    }

    pub fn secrets(&self) -> Vec<String> {
        vec![
            self.viewer.clone(),
            self.editor.clone(),
            self.admin.clone(),
            self.revoked.clone(),
        ]
    }
}

/// A token of `role` made by `admin`: (secret, database id).
async fn token(http: &reqwest::Client, base: &str, admin: &str, role: &str) -> (String, i64) {
    let o = post(
        http,
        base,
        Some(admin),
        "mutation($n: String!, $r: ApiRole!) { createApiToken(name: $n, role: $r) \
         { secret token { databaseId } } }",
        json!({"n": format!("matrix {role}"), "r": role}),
    )
    .await;
    let t = &o.body["data"]["createApiToken"];
    (
        t["secret"].as_str().unwrap().to_owned(),
        t["token"]["databaseId"].as_i64().unwrap(),
    )
}

/// Makes the viewer, editor and revoked tokens on `server`.
pub async fn callers(http: &reqwest::Client, server: &Proc) -> Callers {
    let admin = server.admin_token();
    let base = &server.base;
    let (viewer, _) = token(http, base, &admin, "VIEWER").await;
    let (editor, _) = token(http, base, &admin, "EDITOR").await;
    let (revoked, id) = token(http, base, &admin, "ADMIN").await;
    let o = post(
        http,
        base,
        Some(&admin),
        "mutation($id: Int!) { revokeApiToken(id: $id) { revokedAt } }",
        json!({"id": id}),
    )
    .await;
    assert!(
        o.body["data"]["revokeApiToken"]["revokedAt"].is_string(),
        "{}",
        o.body
    );
    Callers {
        viewer,
        editor,
        admin,
        revoked,
    }
}

/// Every mutation by every caller: below the least role → UNAUTHENTICATED (anonymous,
/// revoked; HTTP 401 for the revoked token) or FORBIDDEN; at or above → anything but those
/// and INTERNAL.
async fn mutations(http: &reqwest::Client, base: &str, who: &Callers) {
    for (name, doc, least) in MUTATIONS {
        for (label, token, rank) in who.all() {
            let o = post(http, base, token, doc, json!({})).await;
            let expected = match rank {
                0 | REVOKED => Some("UNAUTHENTICATED"),
                r if r < *least => Some("FORBIDDEN"),
                _ => None,
            };
            match expected {
                Some(code) => assert_eq!(o.code, code, "{name} as {label}: {}", o.body),
                None => assert!(
                    !matches!(
                        o.code.as_str(),
                        "UNAUTHENTICATED" | "FORBIDDEN" | "INTERNAL"
                    ),
                    "{name} as {label}: {}",
                    o.body
                ),
            }
            if rank == REVOKED {
                assert_eq!(o.status, 401, "{name} as revoked");
            }
        }
    }
}

/// How `connection_init` with `token` ends: `ack` or the close code.
async fn init_outcome(base: &str, token: Option<&str>) -> (String, Option<Socket>) {
    let mut ws = ws_init(base, token).await;
    loop {
        use futures_util::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer to connection_init");
        match m {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "connection_ack" {
                    return ("ack".into(), Some(ws));
                }
            }
            Some(Ok(Message::Close(Some(c)))) => return (u16::from(c.code).to_string(), None),
            Some(Ok(_)) => {}
            _ => return ("closed".into(), None),
        }
    }
}

/// Every subscription by every caller. `reads_need_token`: anonymous callers are refused at
/// `connection_init` too. Refused = closed with 4403; admitted = every subscription runs
/// without an auth error (a `recalculationProgress` of an unknown job ends with NOT_FOUND).
async fn subscriptions(base: &str, who: &Callers, reads_need_token: bool) {
    for (label, token, rank) in who.all() {
        let refused = rank == REVOKED || (rank == 0 && reads_need_token);
        let (outcome, ws) = init_outcome(base, token).await;
        if refused {
            assert_eq!(
                outcome, "4403",
                "{label}, reads_need_token {reads_need_token}"
            );
            continue;
        }
        assert_eq!(
            outcome, "ack",
            "{label}, reads_need_token {reads_need_token}"
        );
        let mut ws = ws.unwrap();
        for (i, (_, doc)) in SUBSCRIPTIONS.iter().enumerate() {
            subscribe(&mut ws, &i.to_string(), doc, json!({})).await;
        }
        // Collect what arrives in a short while: the board's first snapshot, the unknown
        // job's error; the others stay silent until something changes.
        while let Some(m) = next_json(&mut ws, Duration::from_millis(500)).await {
            let code = m["payload"][0]["extensions"]["code"]
                .as_str()
                .or_else(|| m["payload"]["errors"][0]["extensions"]["code"].as_str());
            assert!(
                !matches!(code, Some("UNAUTHENTICATED" | "FORBIDDEN" | "INTERNAL")),
                "{label}: {m}"
            );
        }
        // The socket is still open: a ping is answered.
        use futures_util::SinkExt as _;
        ws.send(tokio_tungstenite::tungstenite::Message::Text(
            json!({"type": "ping"}).to_string().into(),
        ))
        .await
        .unwrap();
        loop {
            let m = next_json(&mut ws, Duration::from_secs(5)).await;
            let m = m.unwrap_or_else(|| panic!("{label}: no pong"));
            if m["type"] == "pong" {
                break;
            }
        }
    }
}

/// The api_tokens table holds no secret, only hashes.
async fn tokens_are_stored_hashed(db_url: &str, secrets: &[String]) {
    use sea_orm::ConnectionTrait as _;
    let conn = sea_orm::Database::connect(db_url).await.unwrap();
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT row_to_json(t)::text AS r FROM api_tokens t",
        _ => "SELECT json_object('name', name, 'hash', token_hash) AS r FROM api_tokens",
    };
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap();
    assert!(rows.len() >= 4);
    for row in rows {
        let r: String = row.try_get("", "r").unwrap();
        for s in secrets {
            assert!(!r.contains(s.as_str()), "a token secret is stored: {r}");
            // Nor any part long enough to matter.
            assert!(!r.contains(&s[4..20]), "part of a secret is stored: {r}");
        }
    }
    let _ = conn.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_and_subscription_by_every_caller() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let http = crate::common::client();
    let exports = std::env::temp_dir().join(format!("dealbrain-resilience-{}", std::process::id()));
    let env = hostile_env(&[
        ("DATABASE_URL", db.url.clone()),
        ("EXPORT_ROOT", exports.display().to_string()),
        ("LOG_LEVEL", "debug".to_owned()),
    ]);
    let server = crate::support::serve(&env, true);
    let who = callers(&http, &server).await;
    mutations(&http, &server.base, &who).await;
    subscriptions(&server.base, &who, false).await;
    tokens_are_stored_hashed(&db.url, &who.secrets()).await;
    crate::log_scan::assert_no_secrets(&server, &who.secrets());
    drop(server);

    // Reads behind tokens (a fresh SQLite database): anonymous queries get 401, anonymous
    // sockets 4403.
    let env = hostile_env(&[
        ("AUTH_READS", "token".to_owned()),
        ("LOG_LEVEL", "debug".to_owned()),
    ]);
    let server = crate::support::serve(&env, false);
    let o = post(&http, &server.base, None, "{ health }", json!({})).await;
    assert_eq!(
        (o.status, o.code.as_str()),
        (401, "UNAUTHENTICATED"),
        "{}",
        o.body
    );
    let who = callers(&http, &server).await;
    let o = post(
        &http,
        &server.base,
        Some(&who.viewer),
        "{ health }",
        json!({}),
    )
    .await;
    assert_eq!(o.status, 200, "{}", o.body);
    subscriptions(&server.base, &who, true).await;
    crate::log_scan::assert_no_secrets(&server, &who.secrets());
    let _ = std::fs::remove_dir_all(exports);
}
