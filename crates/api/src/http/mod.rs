//! The axum router: GraphQL over HTTP (media-type negotiation, status codes, no mutations over
//! GET, batch limit, timeout), GraphiQL, WebSocket upgrades (`/graphql/ws`, `/graphql`),
//! `/health`, body limit, CORS and a per-token/IP rate limit answering 429 + `RATE_LIMITED`.
//!
//! Layout: this module holds the state, the router and the shared answers; `graphql` the
//! `GET`/`POST /graphql` handlers (negotiation, body limits, caller, response cache);
//! `execute` runs a request (error codes, status rules, cache store/invalidation).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::config::ApiConfig;
use crate::error::{Code, INTERNAL_MESSAGE};
use crate::live::{EventHub, protocol, socket};
use crate::response_cache::ResponseCache;
use crate::schema::{DealBrainSchema, Deps};

mod execute;
mod graphql;

pub(crate) use execute::{classify, is_mutation};
use graphql::{graphql_get, graphql_post};

const GQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub schema: DealBrainSchema,
    pub store: store::Store,
    pub config: Arc<ApiConfig>,
    /// The event fan-out; also tells WebSockets when the server shuts down.
    pub hub: EventHub,
    /// Answers of read-only operations, reused until the data changes.
    pub cache: Arc<ResponseCache>,
    /// Subscriptions' shared payload rendering (one execution per document and event).
    pub live: Arc<crate::live::share::Renderers>,
}

impl AppState {
    /// The state over `deps` (builds the schema).
    pub fn new(deps: &Deps) -> AppState {
        AppState {
            schema: crate::schema::build_schema(deps),
            store: deps.store.clone(),
            config: Arc::new(deps.config.clone()),
            hub: deps.hub.clone(),
            cache: Arc::new(ResponseCache::new(
                deps.config.response_cache_ttl,
                deps.config.response_cache_entries,
                deps.hub.clone(),
            )),
            live: Arc::default(),
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish()
    }
}

/// Rate-limit key: the bearer token when sent, else the peer IP.
#[derive(Debug, Clone, Copy)]
struct CallerKey;

impl KeyExtractor for CallerKey {
    type Key = String;
    fn extract<T>(&self, req: &Request<T>) -> Result<String, GovernorError> {
        if let Some(token) = bearer(req.headers()) {
            return Ok(format!("t:{}", store::token_hash(token)));
        }
        let ip = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "local".into());
        Ok(format!("ip:{ip}"))
    }
}

fn bearer(h: &HeaderMap) -> Option<&str> {
    h.get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn error_body(code: Code, message: &str) -> serde_json::Value {
    serde_json::json!({"errors": [{"message": message, "extensions": {"code": code.as_str()}}]})
}

fn json_error(
    status: StatusCode,
    media: &'static str,
    code: Code,
    message: &str,
) -> Response<Body> {
    let mut r = (status, Json(error_body(code, message))).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    r
}

/// The router over `state`.
pub fn router(state: AppState) -> Router {
    let cfg = state.config.clone();
    let per_ns = 1_000_000_000 / cfg.rate_per_second.max(1);
    let governor = GovernorConfigBuilder::default()
        .per_nanosecond(per_ns)
        .burst_size(cfg.rate_burst.max(1))
        .key_extractor(CallerKey)
        .finish()
        .map(|g| {
            GovernorLayer::new(g).error_handler(|e| match e {
                GovernorError::TooManyRequests { .. } => json_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    JSON,
                    Code::RateLimited,
                    "too many requests; slow down",
                ),
                _ => json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    JSON,
                    Code::Internal,
                    INTERNAL_MESSAGE,
                ),
            })
        });
    let mut app = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(websocket))
        .route("/health", get(health))
        .route("/exports/{name}", get(crate::transfer::download))
        .merge(crate::web::routes())
        // Uploads may be larger than other requests; `graphql_post` holds JSON bodies to
        // `body_limit` itself.
        .layer(DefaultBodyLimit::max(
            cfg.body_limit.max(cfg.upload_body_limit),
        ))
        .with_state(state);
    if let Some(g) = governor {
        app = app.layer(g);
    }
    if !cfg.cors_origins.is_empty() {
        let origins = if cfg.cors_origins.iter().any(|o| o == "*") {
            AllowOrigin::from(Any)
        } else {
            AllowOrigin::list(
                cfg.cors_origins
                    .iter()
                    .filter_map(|o| HeaderValue::from_str(o).ok()),
            )
        };
        app = app.layer(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
        );
    }
    app
}

async fn health(State(s): State<AppState>) -> Response<Body> {
    match s.store.setting("__health").await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "unavailable"})),
        )
            .into_response(),
    }
}

/// The response media type from `Accept`; `None` = 406.
fn negotiate(h: &HeaderMap) -> Option<&'static str> {
    let Some(accept) = h.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(JSON);
    };
    let mut best: Option<(&'static str, f32)> = None;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let media = it.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = it
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .next()
            .unwrap_or(1.0);
        let m = match media.as_str() {
            GQL_RESPONSE => GQL_RESPONSE,
            JSON => JSON,
            "application/*" | "*/*" => JSON,
            _ => continue,
        };
        if q > 0.0
            && best.is_none_or(|(bm, bq)| {
                q > bq || (q == bq && m == GQL_RESPONSE && bm != GQL_RESPONSE)
            })
        {
            best = Some((m, q));
        }
    }
    best.map(|b| b.0)
}

fn wants_html(h: &HeaderMap) -> bool {
    h.get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// `GET /graphql/ws`: a `graphql-transport-ws` connection.
async fn websocket(State(s): State<AppState>, ws: WebSocketUpgrade) -> Response<Body> {
    upgrade(s, ws)
}

fn upgrade(s: AppState, ws: WebSocketUpgrade) -> Response<Body> {
    let ws = ws
        .protocols([protocol::SUBPROTOCOL])
        .max_message_size(s.config.ws_max_message)
        .max_frame_size(s.config.ws_max_message)
        // Small buffers: an idle subscriber should cost kilobytes, not the 128 KiB default.
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let protocol_ok = ws.selected_protocol().is_some();
    ws.on_upgrade(move |socket| socket::serve(socket, s, protocol_ok))
}

fn is_websocket(h: &HeaderMap) -> bool {
    h.get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// An answer with the negotiated media type.
fn answer(status: StatusCode, body: Bytes, media: &'static str) -> Response<Body> {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    r
}
