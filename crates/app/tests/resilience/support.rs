//! Helpers of the suite: a server that floods may hit (no rate limit in the way, JSON logs),
//! one GraphQL POST with its outcome and the server's own time, a raw HTTP request for bodies
//! a client library would not send, RSS readings and timing summaries, and the time and
//! memory budgets the hostile-input tests share.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::Proc;

/// The response media type whose status codes carry request errors (400 rather than 200).
pub const GQL_RESPONSE: &str = "application/graphql-response+json";

/// The environment of a server under attack: the per-client rate limit lifted (a flood must
/// reach the validators, not the 429), JSON logs at `info` so every line can be scanned.
pub fn hostile_env(extra: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("API_RATE_PER_SECOND", "1000000".to_owned()),
        ("API_RATE_BURST", "1000000".to_owned()),
        ("LOG_FORMAT", "json".to_owned()),
        ("LOG_LEVEL", "info".to_owned()),
    ];
    env.extend(extra.iter().cloned());
    env
}

/// `dealbrain serve` with `env`; `seed`: load the sample data into the empty database.
pub fn serve(env: &[(&'static str, String)], seed: bool) -> Proc {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args: &[&str] = if seed {
        &["serve"]
    } else {
        &["serve", "--no-seed"]
    };
    Proc::start(args, &env, "Deal Brain API on")
}

/// What one attempt got: HTTP status (or WebSocket close code), the error code of the first
/// GraphQL error (or the close reason), and the server's own time in milliseconds.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: u16,
    pub code: String,
    pub server_ms: f64,
    pub body: Value,
}

fn server_ms(headers: &reqwest::header::HeaderMap) -> f64 {
    headers
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("app;dur="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn first_code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// POSTs `body` (raw JSON text) to `/graphql`, asking for `application/graphql-response+json`.
pub async fn post_raw(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Outcome {
    let mut req = http
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .header("accept", GQL_RESPONSE)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ms = server_ms(r.headers());
    let body: Value = r.json().await.unwrap_or(Value::Null);
    Outcome {
        status,
        code: first_code(&body),
        server_ms: ms,
        body,
    }
}

/// POSTs `{query, variables}`.
pub async fn post(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Outcome {
    let body = serde_json::json!({"query": query, "variables": variables}).to_string();
    post_raw(http, base, token, body).await
}

/// A POST whose `Content-Length` announces `len` bytes: the head and the first 64 KiB are
/// written, then the response is read (a server that waited for the whole body would time
/// out here), then the rest is offered until the server closes.
pub async fn post_announcing(base: &str, len: usize) -> Outcome {
    let addr = base.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: {GQL_RESPONSE}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let _ = wr.write_all(&chunk).await;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut part = [0u8; 4096];
        loop {
            match rd.read(&mut part).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&part[..n]),
            }
            if let Some(i) = find(&buf, b"\r\n\r\n")
                && body_complete(&buf[..i], buf.len() - i - 4)
            {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer before the body was sent");
    let mut sent = chunk.len();
    while sent < len {
        if wr.write_all(&chunk).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let ms = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("server-timing")
                .then(|| v.trim().strip_prefix("app;dur=")?.parse().ok())?
        })
        .unwrap_or(f64::NAN);
    let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    Outcome {
        status,
        code: first_code(&body),
        server_ms: ms,
        body,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `have` body bytes complete a response with this head (`Content-Length`).
fn body_complete(head: &[u8], have: usize) -> bool {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .is_some_and(|n| have >= n)
}

/// The resident set of process `pid` in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The median time an abuse may take (the 50 ms; judged on the median so a loaded
/// 2-core CI machine's scheduling hiccups do not decide it, the maximum is printed).
pub const BUDGET_MS: f64 = 50.0;

/// Growth of the server's RSS allowed over [`ATTEMPTS`]: allocator noise (arenas, caches
/// that reach their steady size), far below what keeping even one 10 MB body per attempt
/// (or one parsed 1,000-alias document) would cost.
pub const RSS_BOUND_KIB: u64 = 16 * 1024;

/// Attempts measured per abuse (after the warm-up).
pub const ATTEMPTS: usize = 1_000;

/// Prints one line per abuse (`label | answer | attempts | median / max` of its times in
/// ms) and the server's RSS growth from `before` to `after` (KiB); asserts every median is
/// within [`BUDGET_MS`] and the growth within [`RSS_BOUND_KIB`].
pub fn check_budgets(rows: &[(String, String, &[f64])], before: u64, after: u64) {
    let mut slow = Vec::new();
    for (label, answer, t) in rows {
        let (median, max) = median_max(t);
        println!("{label} | {answer} | {} | {median:.2} / {max:.2}", t.len());
        if median > BUDGET_MS {
            slow.push(format!("{label}: median {median:.1} ms"));
        }
    }
    let growth = after.saturating_sub(before);
    println!(
        "RSS before {before} KiB, after {after} KiB, growth {growth} KiB over {ATTEMPTS} attempts"
    );
    assert!(slow.is_empty(), "over {BUDGET_MS} ms: {slow:?}");
    assert!(
        growth <= RSS_BOUND_KIB,
        "RSS grew by {growth} KiB over {ATTEMPTS} attempts (bound {RSS_BOUND_KIB} KiB)"
    );
}

/// Median and maximum of `ms` (NaN-free).
pub fn median_max(ms: &[f64]) -> (f64, f64) {
    let mut v: Vec<f64> = ms.to_vec();
    v.sort_by(f64::total_cmp);
    let median = v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    (median, v.last().copied().unwrap_or(f64::NAN))
}

/// Opens `graphql-transport-ws` on `base` and sends `connection_init` with `token` (none:
/// an empty payload); the socket, before any answer is read.
pub async fn ws_init(base: &str, token: Option<&str>) -> crate::common::live::Socket {
    use futures_util::SinkExt as _;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let mut req = format!("ws://{}/graphql/ws", base.trim_start_matches("http://"))
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let payload = match token {
        Some(t) => serde_json::json!({"token": t}),
        None => serde_json::json!({}),
    };
    let init = serde_json::json!({"type": "connection_init", "payload": payload});
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    ws
}

/// [`ws_init`], then waits for `connection_ack`.
pub async fn ws_connect(base: &str, token: Option<&str>) -> crate::common::live::Socket {
    let mut ws = ws_init(base, token).await;
    let ack = crate::common::live::next_json(&mut ws, Duration::from_secs(10))
        .await
        .expect("connection_ack");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws
}
