//! The resilience suite: the real `dealbrain` binaries under faults, loopback only, each
//! scenario bounded in time (CI runs it with the rest: `cargo nextest run -p app --test
//! resilience`). Faults are injected into private servers started by the test itself — never
//! into the shared PostgreSQL and Redis that other tests use.
//!
//! | module | fault | what must hold |
//! |---|---|---|
//! | [`worker_kill`] | worker SIGKILLed mid 20,000-listing job, restarted | job taken over and reported done, every valuation right, no duplicate history |
//! | [`redis_restart`] | private Redis killed and restarted empty under 500 subscribers and a job | API serves, `/ready` 503→200, no job lost, every subscriber resyncs, events lost = 0 |
//! | [`postgres_restart`] | private PostgreSQL cluster stopped and started | `INTERNAL` without driver text, `/ready` 503→200, recovery without restarts |
//! | [`shutdown`] | SIGTERM to `serve` and to `worker` | in-flight request answered, WebSocket closed 1001, batch committed, bounded exit |
//!
//! Every scenario prints one `RESILIENCE …` line with what it measured (run with
//! `--no-capture` to see them).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod postgres_restart;
mod redis_restart;
mod shutdown;
mod worker_kill;
