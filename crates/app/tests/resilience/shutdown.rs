//! Scenario 4: graceful shutdown on SIGTERM.
//!
//! - `serve` (embedded, SQLite): a request whose body is still arriving when the signal comes
//!   is answered in full; a WebSocket subscriber gets a close frame with 1001 (going away); a
//!   client that never finishes its request cannot hold the process: it exits once
//!   `SHUTDOWN_GRACE_SECS` have passed. Measured: exit time after SIGTERM.
//! - `worker` (PostgreSQL + Redis): SIGTERM in the middle of a job; the worker commits the
//!   batch in hand, hands the job back (`queued`, progress at a batch boundary, every counted
//!   change really written) and exits; the next worker finishes the job. Measured: exit time.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::common::Proc;
use crate::common::jobs::*;
use crate::common::live::*;
use domain::model::JobStatus;
use test_support::TestDb;

/// Opens a connection and sends a GraphQL POST whose body stops `held` bytes short.
async fn partial_request(base: &str, token: &str, held: usize) -> (TcpStream, Vec<u8>) {
    let body = serde_json::json!({"query": "{ listings(first: 3) { totalCount } }"}).to_string();
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (sent, rest) = body.as_bytes().split_at(body.len() - held);
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(sent).await.unwrap();
    (s, rest.to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_finishes_requests_closes_websockets_and_exits_in_bounded_time() {
    let db = TestDb::sqlite().await;
    let grace = 3;
    let mut api = Proc::serve(&[
        ("DATABASE_URL", db.url.as_str()),
        ("LOG_LEVEL", "warn"),
        ("SHUTDOWN_GRACE_SECS", &grace.to_string()),
    ]);
    let token = api.admin_token();
    let mut ws = subscribe_all(&api.base, &token).await;
    let closed = tokio::spawn(async move {
        loop {
            match ws.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f)))) => {
                    return Some(u16::from(f.code));
                }
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    });
    let (mut finishing, rest) = partial_request(&api.base, &token, 5).await;
    let (_stalled, _never_sent) = partial_request(&api.base, &token, 5).await;
    // Both requests are read up to their body before the signal.
    tokio::time::sleep(Duration::from_millis(300)).await;
    api.send_term();
    let signalled = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    finishing.write_all(&rest).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        finishing.read_to_end(&mut response),
    )
    .await
    .expect("the in-flight request was not answered")
    .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("totalCount"), "{response}");
    let code = tokio::time::timeout(Duration::from_secs(10), closed)
        .await
        .expect("no WebSocket close frame")
        .unwrap();
    assert_eq!(code, Some(1001));
    let status = tokio::task::spawn_blocking(move || {
        let status = api.wait_exit(Duration::from_secs(grace + 10));
        (status, api)
    })
    .await
    .unwrap();
    let exited = signalled.elapsed();
    let (status, api) = status;
    assert!(
        status.is_some_and(|s| s.success()),
        "serve did not exit cleanly within {}s: {status:?}\n{}",
        grace + 10,
        api.output()
    );
    assert!(
        exited < Duration::from_secs(grace + 3),
        "exit took {exited:?} (grace {grace}s)"
    );
    println!(
        "RESILIENCE shutdown/serve: in-flight request answered 200, WebSocket closed 1001, \
         exit {:.2} s after SIGTERM with one client stalled (grace {grace} s)",
        exited.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_commits_its_batch_hands_the_job_back_and_exits() {
    let Some((db, store, redis_url, prefix)) = seeded_cluster(4_000).await else {
        return;
    };
    let batch = 50;
    let batch_size = batch.to_string();
    let env = cluster_env(
        &db.url,
        &redis_url,
        &prefix,
        &[("RECALC_BATCH_SIZE", &batch_size)],
    );
    let api = Proc::serve(&env);
    let mut worker = Proc::worker(&env);
    let token = api.admin_token();
    let before = adjusted(&store).await;
    add_flat_rule(&api.base, &token, "Flat test discount", -7).await;
    let running = wait_job(&store, None, Duration::from_secs(60), |j| {
        j.status == JobStatus::Running && j.processed >= 200
    })
    .await;
    let signalled = Instant::now();
    let (status, worker_out) = tokio::task::spawn_blocking(move || {
        let status = worker.terminate(Duration::from_secs(30));
        (status, worker.output())
    })
    .await
    .unwrap();
    let exited = signalled.elapsed();
    assert!(
        status.is_some_and(|s| s.success()),
        "the worker did not exit cleanly: {status:?}\n{worker_out}"
    );
    let handed_back = store.job(&running.id).await.unwrap().unwrap();
    assert_eq!(handed_back.status, JobStatus::Queued, "{handed_back:?}");
    assert!(handed_back.processed < handed_back.total, "{handed_back:?}");
    assert_eq!(handed_back.processed % batch, 0, "{handed_back:?}");
    let written = adjusted(&store)
        .await
        .iter()
        .filter(|(id, v)| before.get(id) != Some(v))
        .count();
    assert_eq!(written as i32, handed_back.changed, "{handed_back:?}");

    let next = Proc::worker(&env);
    wait_job(&store, None, Duration::from_secs(120), |j| {
        j.id == running.id && j.status == JobStatus::Succeeded
    })
    .await;
    assert_all_correct(&store).await;
    assert_eq!(duplicated_history_rows(&db.url).await, 0);
    println!(
        "RESILIENCE shutdown/worker: exit {:.2} s after SIGTERM at {} of {} listings \
         (batch boundary), job finished by the next worker",
        exited.as_secs_f64(),
        handed_back.processed,
        handed_back.total
    );
    drop((next, api));
    clear_prefix(&redis_url, &prefix).await;
}
