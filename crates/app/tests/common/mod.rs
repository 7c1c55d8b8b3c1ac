//! Runs the real `dealbrain` binary (`serve`, `worker`) on port 0 in a scratch directory,
//! with only the environment the test gives it, and captures its output.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test harness; each test binary uses a subset

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

pub mod jobs;
pub mod live;
pub mod services;

/// A running `dealbrain` process; killed on drop.
pub struct Proc {
    child: Child,
    /// Every stdout and stderr line so far.
    pub output: Arc<Mutex<Vec<String>>>,
    /// `http://ADDR` of the listener it announced.
    pub base: String,
    pub dir: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Proc {
    /// Starts `dealbrain ARGS` with `env` (and nothing else inherited but PATH), and waits
    /// for the stdout line announcing `http://ADDR` after `marker`.
    pub fn start(args: &[&str], env: &[(&str, &str)], marker: &str) -> Proc {
        let dir = std::env::temp_dir().join(format!("dealbrain-app-test-{}", uuid()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dealbrain"));
        cmd.args(args)
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("API_HOST", "127.0.0.1")
            .env("API_PORT", "0")
            .env("WORKER_METRICS_PORT", "0")
            .env("ADMIN_TOKEN_FILE", dir.join("admin-token"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for (stream, tx) in [
            (
                Box::new(stdout) as Box<dyn std::io::Read + Send>,
                tx.clone(),
            ),
            (Box::new(stderr), tx),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split(marker).nth(1)
                        && let Some(addr) = rest.split("http://").nth(1)
                    {
                        let addr = addr.split(['/', ' ']).next().unwrap();
                        break format!("http://{addr}");
                    }
                }
                Err(_) => panic!(
                    "no `{marker}` line; output:\n{}",
                    output.lock().unwrap().join("\n")
                ),
            }
        };
        Proc {
            child,
            output,
            base,
            dir,
        }
    }

    pub fn serve(env: &[(&str, &str)]) -> Proc {
        Proc::start(&["serve"], env, "Deal Brain API on")
    }

    pub fn worker(env: &[(&str, &str)]) -> Proc {
        Proc::start(&["worker"], env, "worker metrics on")
    }

    /// Sends SIGTERM and waits up to `limit` for the exit; the status, if it exited.
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        self.send_term();
        self.wait_exit(limit)
    }

    /// Sends SIGTERM without waiting.
    pub fn send_term(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM failed");
    }

    /// Waits up to `limit` for the process to exit; the status, if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// The process id (for RSS readings).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().join("\n")
    }

    /// The first admin token `serve` wrote.
    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.dir.join("admin-token"))
            .unwrap()
            .trim()
            .to_owned()
    }
}

fn uuid() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// `GET url` → (status, body).
pub async fn get(url: &str) -> (u16, String) {
    let r = client().get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A GraphQL request; returns the JSON response.
pub async fn graphql(base: &str, token: Option<&str>, query: &str) -> serde_json::Value {
    graphql_status(base, token, query).await.1
}

/// A GraphQL request; the HTTP status and the JSON response.
pub async fn graphql_status(
    base: &str,
    token: Option<&str>,
    query: &str,
) -> (u16, serde_json::Value) {
    let mut req = client()
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({ "query": query }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The metric names every dashboard and alert rule uses (`infra/metrics.txt`).
pub fn contract_names() -> Vec<&'static str> {
    include_str!("../../../../infra/metrics.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Names that begin a sample line of Prometheus text.
pub fn sample_names(text: &str) -> std::collections::BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

/// The value of the sample line starting with `series` (`name{labels}`), if any.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Polls `url` until `done(body)` or `secs` pass; returns the last body.
pub async fn poll(url: &str, secs: u64, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let (_, body) = get(url).await;
        if done(&body) || Instant::now() > deadline {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Whether Redis answers at the test URL (tests needing it are skipped otherwise, unless
/// `DEALBRAIN_REQUIRE_SERVICES=1`).
pub fn redis_reachable(url: &str) -> bool {
    let hostport = url
        .trim_start_matches("redis://")
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    let ok = std::net::TcpStream::connect(&hostport).is_ok();
    if !ok {
        assert!(
            !test_support::services_required(),
            "Redis at {url} is unreachable (DEALBRAIN_REQUIRE_SERVICES=1)"
        );
        eprintln!("SKIPPED: Redis at {url} is unreachable");
    }
    ok
}
