//! Auth matrix: anonymous/viewer/editor/admin × every mutation; token-only reads; bad tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "auth_matrix/operations.rs"]
mod operations;

use api::ApiConfig;
use common::spawn_with;
use operations::{MUTATIONS, SUBSCRIPTIONS};
use serde_json::json;
use test_support::TestDb;

async fn matrix(db: TestDb) {
    // Exports write files: into a scratch directory, not the crate.
    let exports = std::env::temp_dir().join(format!("dealbrain-auth-{}", uuid::Uuid::new_v4()));
    let app = spawn_with(
        db,
        2,
        ApiConfig {
            export_root: exports.clone(),
            ..ApiConfig::default()
        },
    )
    .await;
    let roles: [(Option<&str>, u8); 4] = [
        (None, 0),
        (Some(&app.viewer), 1),
        (Some(&app.editor), 2),
        (Some(&app.admin), 3),
    ];
    for (name, doc, least) in MUTATIONS {
        for (token, rank) in roles {
            let (_, body) = app.post(doc, json!({}), token).await;
            let code = body["errors"][0]["extensions"]["code"]
                .as_str()
                .map(str::to_owned);
            let expected = if rank >= *least {
                None
            } else if rank == 0 {
                Some("UNAUTHENTICATED")
            } else {
                Some("FORBIDDEN")
            };
            match expected {
                Some(e) => assert_eq!(code.as_deref(), Some(e), "{name} as rank {rank}: {body}"),
                None => assert!(
                    !matches!(
                        code.as_deref(),
                        Some("UNAUTHENTICATED" | "FORBIDDEN" | "INTERNAL")
                    ),
                    "{name} as rank {rank}: {body}"
                ),
            }
        }
    }
    // Admin-only query.
    assert_eq!(
        app.err("{ apiTokens { name } }", json!({}), Some(&app.editor))
            .await["code"],
        "FORBIDDEN"
    );
    app.ok("{ apiTokens { name } }", json!({}), Some(&app.admin))
        .await;
    let _ = std::fs::remove_dir_all(exports);
}

async fn token_reads(db: TestDb) {
    let app = spawn_with(
        db,
        2,
        ApiConfig {
            reads_need_token: true,
            ..ApiConfig::default()
        },
    )
    .await;
    let (status, body) = app.post("{ health }", json!({}), None).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    app.ok("{ health }", json!({}), Some(&app.viewer)).await;
    let (status, body) = app
        .post("{ health }", json!({}), Some("dbk_not-a-token"))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

/// The field names of `type NAME { … }` in the SDL.
fn fields_of(name: &str) -> Vec<String> {
    let sdl = api::sdl();
    let start = sdl.find(&format!("type {name} {{")).expect("the type");
    let body = &sdl[start
        ..sdl[start..]
            .find("\n}")
            .map(|e| start + e)
            .unwrap_or(sdl.len())];
    // Multi-line descriptions are `"""` blocks: their lines are prose, not fields.
    let mut in_block = false;
    body.lines()
        .skip(1)
        // Fields sit one tab in; arguments with descriptions go on lines of their own, deeper.
        .filter(|l| l.starts_with('\t') && !l.starts_with("\t\t"))
        .map(str::trim)
        .filter(|l| {
            let toggles = l.starts_with("\"\"\"") && (l.len() == 3 || !l.ends_with("\"\"\""));
            let inside = in_block;
            if toggles {
                in_block = !in_block;
            }
            !inside && !toggles
        })
        .filter(|l| !l.is_empty() && !l.starts_with('"') && !l.starts_with('#'))
        .filter_map(|l| l.split(['(', ':']).next())
        .filter(|n| n.chars().next().is_some_and(char::is_lowercase))
        .map(str::to_owned)
        .collect()
}

#[test]
fn matrix_covers_every_mutation() {
    let fields = fields_of("Mutation");
    for f in &fields {
        assert!(
            MUTATIONS.iter().any(|(n, _, _)| n == f),
            "auth matrix misses {f}"
        );
    }
    assert_eq!(fields.len(), MUTATIONS.len(), "{fields:?}");
}

#[test]
fn matrix_covers_every_subscription() {
    let fields = fields_of("Subscription");
    for f in &fields {
        assert!(
            SUBSCRIPTIONS.iter().any(|(n, _)| n == f),
            "auth matrix misses {f}"
        );
    }
    assert_eq!(fields.len(), SUBSCRIPTIONS.len(), "{fields:?}");
}

both_backends! {
    roles => matrix;
    reads => token_reads;
}
