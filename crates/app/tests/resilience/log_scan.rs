//! No token or secret in any log line: [`assert_no_secrets`] scans everything a `dealbrain`
//! process wrote, and the test here drives every path that handles a secret (settings with a
//! database password and `SECRET_KEY`, token creation, good, bad and revoked bearer tokens,
//! tokens in `connection_init`, an internal error) with `debug` logs, then scans them.

use serde_json::json;
use test_support::TestDb;

use crate::common::Proc;
use crate::support::{hostile_env, post, ws_init};

/// The lines `serve` prints on purpose, once, when it creates the first admin token (the
/// operator must see it; it is on stdout, not in the log stream).
fn is_first_token_banner(lines: &[String], i: usize) -> bool {
    lines[i].starts_with("Created the first admin token")
        || (i > 0 && lines[i - 1].starts_with("Created the first admin token"))
}

/// Fails when any output line of `server` holds one of `secrets`, a 16-character piece of
/// one, or anything shaped like a token (`dbk_` followed by its base64 body).
pub fn assert_no_secrets(server: &Proc, secrets: &[String]) {
    let lines = server.output.lock().unwrap().clone();
    assert!(!lines.is_empty());
    for (i, line) in lines.iter().enumerate() {
        if is_first_token_banner(&lines, i) {
            continue;
        }
        for s in secrets {
            let piece = &s[s.len().saturating_sub(16)..];
            assert!(
                !line.contains(s.as_str()) && !line.contains(piece),
                "a secret in the log: {line}"
            );
        }
        let shaped = line.match_indices("dbk_").any(|(at, _)| {
            line[at + 4..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .count()
                >= 16
        });
        assert!(!shaped, "a token-shaped string in the log: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // PostgreSQL here trusts local connections, so the password is never checked, only
    // carried: exactly what must not be printed.
    let password = "pw-resilience-8f3a1c";
    let url = db
        .url
        .replacen("postgres@", &format!("postgres:{password}@"), 1);
    assert!(url.contains(password), "{url}");
    let secret_key = "sk-resilience-2b7e9d41c0";
    let env = hostile_env(&[
        ("DATABASE_URL", url),
        ("SECRET_KEY", secret_key.to_owned()),
        ("LOG_LEVEL", "debug".to_owned()),
    ]);
    let server = crate::support::serve(&env, false);
    let http = crate::common::client();
    let who = crate::auth_matrix::callers(&http, &server).await;
    let bogus = "dbk_Zm9yZ2VkLXRva2VuLWZvci10aGUtbG9nLXNjYW4".to_owned();
    for token in [&who.viewer, &who.editor, &who.admin, &who.revoked, &bogus] {
        post(&http, &server.base, Some(token), "{ health }", json!({})).await;
        post(
            &http,
            &server.base,
            Some(token),
            "mutation { createApiToken(name: \"scan\", role: VIEWER) { secret } }",
            json!({}),
        )
        .await;
        let _ = ws_init(&server.base, Some(token)).await;
    }
    // A malformed header and a token in the query text are refused without echoing them.
    let r = http
        .post(format!("{}/graphql", server.base))
        .header("authorization", format!("Basic {bogus}"))
        .json(&json!({"query": format!("{{ node(id: \"{bogus}\") {{ id }} }}")}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_client_error());
    // Give the log writer a moment to flush the last lines.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut secrets = vec![password.to_owned(), secret_key.to_owned(), bogus.clone()];
    secrets.extend(who.secrets());
    // The bogus token travelled in a query document: only the echo of GraphQL errors could
    // carry it, and those go to the client, not the log.
    assert_no_secrets(&server, &secrets);
}
