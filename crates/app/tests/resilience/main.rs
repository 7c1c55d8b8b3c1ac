//! The resilience suite: the real `dealbrain` binaries under faults and hostile input, on
//! loopback only, each scenario bounded in time (`cargo nextest run -p app --test
//! resilience`; part of `bash .ci/run`). Faults are injected into private servers started by
//! the test itself — never into the shared PostgreSQL and Redis that other tests use.
//!
//! Faults:
//!
//! | module | fault | what must hold |
//! |---|---|---|
//! | [`worker_kill`] | worker SIGKILLed mid 20,000-listing job, restarted | job taken over and reported done, every valuation right, no duplicate history |
//! | [`redis_restart`] | private Redis killed and restarted empty under 500 subscribers and a job | API serves, `/ready` 503→200, no job lost, every subscriber resyncs, events lost = 0 |
//! | [`postgres_restart`] | private PostgreSQL cluster stopped and started | `INTERNAL` without driver text, `/ready` 503→200, recovery without restarts |
//! | [`shutdown`] | SIGTERM to `serve` and to `worker` | in-flight request answered, WebSocket closed 1001, batch committed, bounded exit |
//!
//! Every fault scenario prints one `RESILIENCE …` line with what it measured (run with
//! `--no-capture` to see them).
//!
//! Hostile input, injection, auth and logs (one module each):
//! - [`hostile`]: GraphQL bombs over HTTP (depth, 1,000 aliases, fragment cycle, directive
//!   flood, 10 MB body, huge and deeply nested variables, a 1,000-operation batch, deeply
//!   nested input literals, `first: 1000000`); [`hostile_ws`]: WebSocket abuse (malformed
//!   frames, an oversized frame, a message flood, a bomb as an operation). Every attempt must
//!   get its stable code; the median server time of each attack stays under 50 ms
//!   (`Server-Timing` over HTTP, the client's clock over WebSockets); the server's RSS is read
//!   before and after 1,000 attempts and may grow by a small bound only.
//! - [`injection`]: SQL metacharacters in text search, filters, custom-field keys and values,
//!   cursors and stored text, against PostgreSQL; regex conditions that would backtrack
//!   elsewhere; formulas at every limit; custom-field values of the wrong types.
//! - [`auth_matrix`]: every mutation and subscription × anonymous, viewer, editor, admin and
//!   a revoked token, over HTTP and `graphql-transport-ws`.
//! - [`log_scan`]: no token or secret appears in any captured log line.
//!
//! Shared helpers (spawning a server fit for floods, the server timing, RSS) are in
//! [`support`]; the process harness is `tests/common`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod auth_matrix;
mod hostile;
mod hostile_ws;
mod injection;
mod log_scan;
mod postgres_restart;
mod redis_restart;
mod shutdown;
mod support;
mod worker_kill;
