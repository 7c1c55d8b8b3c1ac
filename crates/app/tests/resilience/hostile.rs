//! Hostile GraphQL over HTTP against a real `serve`: each attack must get its stable status and
//! code; over 1,000 attempts (after a warm-up) the median server time of every attack stays
//! under 50 ms and the server's RSS grows by less than [`crate::support::RSS_BOUND_KIB`].

use serde_json::{Value, json};

use crate::support::{
    ATTEMPTS, Outcome, check_budgets, hostile_env, post, post_announcing, post_raw, rss_kib,
};

/// One attack: how to send it and what it must get.
struct Attack {
    name: &'static str,
    send: Send,
    status: u16,
    code: &'static str,
}

enum Send {
    /// A JSON body, as is.
    Body(String),
    /// A request announcing this many bytes of body.
    Announce(usize),
}

fn nest(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

fn body(query: &str, variables: Value) -> String {
    json!({"query": query, "variables": variables}).to_string()
}

fn attacks() -> Vec<Attack> {
    let depth = format!(
        "{{ __schema {{ types {{ fields {{ type {} }} }} }} }}",
        nest("{ ofType ", "{ name }", " }", 40)
    );
    let aliases: String = (0..1000)
        .map(|i| format!("a{i}: listings(first: 10) {{ edges {{ node {{ id title }} }} }} "))
        .collect();
    let cycle = "query { ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...A }";
    let directives = format!("{{ health {} }}", "@include(if: true) ".repeat(1000));
    let filter_query =
        "query($f: ListingFilterInput) { listings(filter: $f) { edges { node { id } } } }";
    // 900 KB of search text: under the 1 MiB body limit, so it reaches the resolver.
    let huge_vars = json!({"f": {"search": "%".repeat(900_000)}});
    // 100,000 levels of JSON nesting in the variables (the JSON reader stops at 128).
    let nested_vars = format!(
        r#"{{"query": "{{ health }}", "variables": {{"x": {}}}}}"#,
        nest("[", "1", "]", 100_000)
    );
    let batch = Value::Array(vec![json!({"query": "{ health }"}); 1000]).to_string();
    // Deeply nested input literals: a list and an object inside a JSON-typed argument.
    let nested_list = format!(
        "{{ listings(filter: {{customFields: {{a: {}}}}}) {{ edges {{ node {{ id }} }} }} }}",
        nest("[", "1", "]", 10_000)
    );
    let nested_object = format!(
        "{{ listings(filter: {{customFields: {}}}) {{ edges {{ node {{ id }} }} }} }}",
        nest("{a: ", "1", "}", 10_000)
    );
    let first = "{ listings(first: 1000000) { edges { node { id } } } }";
    let too_complex = "QUERY_TOO_COMPLEX";
    let bad = "BAD_USER_INPUT";
    vec![
        attack(
            "depth bomb (40 levels)",
            body(&depth, json!({})),
            400,
            too_complex,
        ),
        attack(
            "alias bomb (1,000 aliases)",
            body(&format!("{{ {aliases} }}"), json!({})),
            400,
            too_complex,
        ),
        attack("fragment cycle", body(cycle, json!({})), 400, too_complex),
        attack(
            "directive flood (1,000)",
            body(&directives, json!({})),
            400,
            too_complex,
        ),
        Attack {
            name: "10 MB body",
            send: Send::Announce(10 * 1024 * 1024),
            status: 413,
            code: bad,
        },
        attack(
            "huge variables (900 KB search)",
            body(filter_query, huge_vars),
            200,
            bad,
        ),
        attack("nested variables (100,000 levels)", nested_vars, 400, bad),
        attack("1,000-operation batch", batch, 400, bad),
        attack(
            "nested input list (10,000 levels)",
            body(&nested_list, json!({})),
            400,
            too_complex,
        ),
        attack(
            "nested input object (10,000 levels)",
            body(&nested_object, json!({})),
            400,
            too_complex,
        ),
        attack("first: 1000000", body(first, json!({})), 400, too_complex),
    ]
}

fn attack(name: &'static str, body: String, status: u16, code: &'static str) -> Attack {
    Attack {
        name,
        send: Send::Body(body),
        status,
        code,
    }
}

impl Attack {
    async fn run(&self, http: &reqwest::Client, base: &str) -> Outcome {
        let o = match &self.send {
            Send::Body(b) => post_raw(http, base, None, b.clone()).await,
            Send::Announce(n) => post_announcing(base, *n).await,
        };
        assert_eq!(
            (o.status, o.code.as_str()),
            (self.status, self.code),
            "{}: {}",
            self.name,
            o.body
        );
        assert!(o.server_ms.is_finite(), "{}: no Server-Timing", self.name);
        o
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_http_requests_are_refused_fast_and_leave_no_memory_behind() {
    let server = crate::support::serve(&hostile_env(&[]), false);
    let http = crate::common::client();
    let attacks = attacks();
    // The server still works for an ordinary query in between.
    let ok = post(&http, &server.base, None, "{ health }", json!({})).await;
    assert_eq!(
        (ok.status, ok.body["data"]["health"].as_str()),
        (200, Some("ok"))
    );
    // Warm-up: every attack a few times, so caches and allocator arenas reach their size.
    for _ in 0..5 {
        for a in &attacks {
            a.run(&http, &server.base).await;
        }
    }
    let before = rss_kib(server.pid());
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); attacks.len()];
    for i in 0..ATTEMPTS {
        let k = i % attacks.len();
        times[k].push(attacks[k].run(&http, &server.base).await.server_ms);
    }
    let after = rss_kib(server.pid());
    let ok = post(&http, &server.base, None, "{ health }", json!({})).await;
    assert_eq!(ok.status, 200, "the server still answers: {}", ok.body);

    println!("attack | status code | attempts | server ms median / max");
    let rows: Vec<_> = attacks
        .iter()
        .zip(&times)
        .map(|(a, t)| {
            (
                a.name.to_owned(),
                format!("{} {}", a.status, a.code),
                t.as_slice(),
            )
        })
        .collect();
    check_budgets(&rows, before, after);
}
