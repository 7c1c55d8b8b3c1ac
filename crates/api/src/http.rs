//! The axum router: GraphQL over HTTP (media-type negotiation, status codes, no mutations over
//! GET, batch limit, timeout), GraphiQL, WebSocket upgrades (`/graphql/ws`, `/graphql`),
//! `/health`, body limit, CORS and a
//! per-token/IP rate limit answering 429 + `RATE_LIMITED`.

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, Request as GqlRequest, ServerError, Value};
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, FromRequest as _, FromRequestParts, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::auth::{Caller, authenticate};
use crate::config::ApiConfig;
use crate::error::{ApiError, Code, INTERNAL_MESSAGE, code_of};
use crate::live::{EventHub, protocol, socket};
use crate::loaders::loaders;
use crate::response_cache::{CacheKey, ResponseCache};
use crate::schema::{DealBrainSchema, Deps};

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

/// `GET /graphql`: a WebSocket upgrade, GraphiQL for browsers, or a query.
async fn graphql_get(State(s): State<AppState>, req: Request<Body>) -> Response<Body> {
    let (mut parts, _) = req.into_parts();
    if is_websocket(&parts.headers) {
        return match WebSocketUpgrade::from_request_parts(&mut parts, &s).await {
            Ok(ws) => upgrade(s, ws),
            Err(e) => e.into_response(),
        };
    }
    query_get(s, &parts.headers, parts.uri.query()).await
}

/// An answer with the negotiated media type.
fn answer(status: StatusCode, body: Bytes, media: &'static str) -> Response<Body> {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    r
}

/// The caller of a request (its bearer token checked), or the answer refusing it.
async fn caller_of(
    s: &AppState,
    headers: &HeaderMap,
    media: &'static str,
) -> Result<Caller, Response<Body>> {
    let caller = match bearer(headers) {
        Some(secret) => match authenticate(&s.store, secret).await {
            Ok(c) => c,
            Err(e) => {
                // A token that cannot be checked (the database is down) is our failure, not
                // the caller's: 500, so clients and probes do not drop a valid token.
                let status = if e.code == Code::Internal {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::UNAUTHORIZED
                };
                return Err(json_error(status, media, e.code, &e.message));
            }
        },
        None => Caller::default(),
    };
    if caller.role.is_none() && s.config.reads_need_token {
        return Err(json_error(
            StatusCode::UNAUTHORIZED,
            media,
            Code::Unauthenticated,
            "this API needs an API token",
        ));
    }
    Ok(caller)
}

/// Where a read-only answer may be stored: its key and the data generation before it ran.
type CacheSlot = Option<(CacheKey, u64)>;

/// The cached answer to `request` for `caller`, or the slot to store a fresh one in.
fn cached(
    s: &AppState,
    caller: &Caller,
    media: &'static str,
    request: Bytes,
) -> Result<Response<Body>, CacheSlot> {
    let Some(key) = CacheKey::new(caller.token_id, media, request) else {
        return Err(None);
    };
    match s.cache.get(&key) {
        Some(body) => Ok(answer(StatusCode::OK, body, media)),
        None => Err(Some((key, s.cache.generation()))),
    }
}

async fn query_get(s: AppState, headers: &HeaderMap, q: Option<&str>) -> Response<Body> {
    let q = q.unwrap_or_default();
    if q.is_empty() && wants_html(headers) {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("Deal Brain GraphiQL")
                .finish(),
        )
        .into_response();
    }
    let Some(media) = negotiate(headers) else {
        return json_error(
            StatusCode::NOT_ACCEPTABLE,
            JSON,
            Code::BadUserInput,
            "Accept application/graphql-response+json or application/json",
        );
    };
    let caller = match caller_of(&s, headers, media).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    // GET keys carry a prefix no JSON body can start with.
    let slot = match cached(&s, &caller, media, Bytes::from(format!("GET?{q}"))) {
        Ok(hit) => return hit,
        Err(slot) => slot,
    };
    let req = match async_graphql::http::parse_query_string(q) {
        Ok(r) => r,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                &e.to_string(),
            );
        }
    };
    if is_mutation(&req) {
        let mut r = json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            Code::BadUserInput,
            "mutations need POST",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    execute(s, caller, BatchRequest::Single(req), media, slot).await
}

async fn graphql_post(State(s): State<AppState>, req: Request<Body>) -> Response<Body> {
    let headers = req.headers().clone();
    let Some(media) = negotiate(&headers) else {
        return json_error(
            StatusCode::NOT_ACCEPTABLE,
            JSON,
            Code::BadUserInput,
            "Accept application/graphql-response+json or application/json",
        );
    };
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let multipart = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("multipart/form-data");
    let too_large = |status| {
        if multipart {
            let limit = s.config.upload_body_limit / 1_048_576;
            let body = serde_json::json!({"errors": [{
                "message": format!("the upload is too large: at most {limit} MiB a request (files ≤ 20 MiB)"),
                "extensions": {"code": Code::BadUserInput.as_str(), "kind": "file_too_large", "field": "file"},
            }]});
            let mut r = (status, Json(body)).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
            r
        } else {
            json_error(
                status,
                media,
                Code::BadUserInput,
                "request body too large or unreadable",
            )
        }
    };
    // A body announced as too large is refused before a byte of it is read: a client cannot
    // make the server buffer up to the upload limit just to be told no.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let limit = if multipart {
        s.config.upload_body_limit
    } else {
        s.config.body_limit
    };
    if declared.is_some_and(|n| n > limit) {
        return too_large(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let body = match Bytes::from_request(req, &s).await {
        Ok(b) if !multipart && b.len() > s.config.body_limit => {
            return too_large(StatusCode::PAYLOAD_TOO_LARGE);
        }
        Ok(b) => b,
        Err(e) => return too_large(e.status()),
    };
    if multipart {
        // The GraphQL multipart request spec (file uploads); the body limit already applied.
        let opts = async_graphql::http::MultipartOptions::default()
            .max_file_size(s.config.upload_body_limit)
            .max_num_files(10);
        let cursor = futures_util::io::Cursor::new(body.to_vec());
        let caller = match caller_of(&s, &headers, media).await {
            Ok(c) => c,
            Err(r) => return r,
        };
        return match async_graphql::http::receive_batch_body(Some(ct), cursor, opts).await {
            Ok(batch) => execute(s, caller, batch, media, None).await,
            Err(e) => json_error(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                &format!("invalid multipart GraphQL request: {e}"),
            ),
        };
    }
    if !ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case(JSON)
    {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            Code::BadUserInput,
            "Content-Type must be application/json",
        );
    }
    let caller = match caller_of(&s, &headers, media).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let slot = match cached(&s, &caller, media, body.clone()) {
        Ok(hit) => return hit,
        Err(slot) => slot,
    };
    let batch: BatchRequest = match serde_json::from_slice::<serde_json::Value>(&body)
        .map_err(|e| e.to_string())
        .and_then(|v| match &v {
            serde_json::Value::Object(o) => match o.get("query") {
                None | Some(serde_json::Value::String(_)) => {
                    serde_json::from_value(v).map_err(|e| e.to_string())
                }
                Some(_) => Err("query must be a string".to_owned()),
            },
            serde_json::Value::Array(_) => serde_json::from_value(v).map_err(|e| e.to_string()),
            _ => Err("the body must be a JSON object".to_owned()),
        }) {
        Ok(b) => b,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                &format!("invalid GraphQL request: {e}"),
            );
        }
    };
    execute(s, caller, batch, media, slot).await
}

/// Whether `req` is (or, without an operation name, may be) a mutation.
pub(crate) fn is_mutation(req: &GqlRequest) -> bool {
    // Too deep to parse safely: executing it gets the schema guard's refusal instead.
    if crate::guard::unparsable(&req.query).is_some() {
        return false;
    }
    let Ok(doc) = async_graphql::parser::parse_query(&req.query) else {
        return false;
    };
    match &doc.operations {
        DocumentOperations::Single(op) => op.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(ops) => match &req.operation_name {
            Some(n) => ops
                .get(n.as_str())
                .is_some_and(|op| op.node.ty == OperationType::Mutation),
            None => ops.values().any(|op| op.node.ty == OperationType::Mutation),
        },
    }
}

/// Gives every error a code from the closed set; hides messages of uncoded internal errors.
pub(crate) fn classify(e: &mut ServerError, request_error: bool) {
    if code_of(e).is_some() {
        return;
    }
    let m = e.message.to_ascii_lowercase();
    let code = if m.contains("too deep")
        || m.contains("too complex")
        || m.contains("nested too")
        || m.contains("recursion")
        || m.contains("too many directives")
        || m.contains("number of directives")
    {
        Code::QueryTooComplex
    } else if request_error
        || m.starts_with("invalid value for argument")
        || m.starts_with("failed to parse")
        // A null variable sent to a non-null argument that has a default (valid per the
        // spec's variable rules, refused when the value is coerced).
        || m.starts_with("expected input type")
        || m.contains("persistedquerynotfound")
    {
        Code::BadUserInput
    } else {
        tracing::error!(error = %e.message, "uncoded resolver error");
        e.message = INTERNAL_MESSAGE.to_owned();
        Code::Internal
    };
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}

/// Runs `batch` for `caller`. A single read-only operation answered without errors is stored
/// in `slot`; anything else that ran may have written, so it marks cached answers stale.
async fn execute(
    s: AppState,
    caller: Caller,
    batch: BatchRequest,
    media: &'static str,
    slot: CacheSlot,
) -> Response<Body> {
    let batched = matches!(batch, BatchRequest::Batch(_));
    let requests = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(v) => {
            if v.len() > s.config.batch_limit {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    media,
                    Code::BadUserInput,
                    &format!(
                        "a batch may hold at most {} operations",
                        s.config.batch_limit
                    ),
                );
            }
            if v.is_empty() {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    media,
                    Code::BadUserInput,
                    "empty batch",
                );
            }
            v
        }
    };
    let single = !batched;
    let read_only = requests.iter().all(|r| !is_mutation(r));
    let mut out = Vec::with_capacity(requests.len());
    let mut all_request_errors = true;
    let mut clean = true;
    for r in requests {
        let r = r.data(caller.clone()).data(loaders(s.store.clone()));
        let mut resp = match tokio::time::timeout(s.config.query_timeout, s.schema.execute(r)).await
        {
            Ok(resp) => resp,
            Err(_) => {
                let err = ApiError::new(Code::QueryTooComplex, "the operation timed out");
                async_graphql::Response::from_errors(vec![
                    err.gql().into_server_error(Default::default()),
                ])
            }
        };
        // Parse and validation failures have no path and no data: a request error, which
        // GraphQL over HTTP answers without a `data` entry.
        let request_error = resp.data == Value::Null
            && !resp.errors.is_empty()
            && resp.errors.iter().all(|e| e.path.is_empty());
        all_request_errors &= request_error;
        clean &= resp.errors.is_empty();
        for e in &mut resp.errors {
            classify(e, request_error);
        }
        let mut json = serde_json::to_value(&resp).unwrap_or_default();
        if let (true, Some(o)) = (request_error, json.as_object_mut()) {
            o.remove("data");
        }
        out.push(json);
    }
    let status = if media == GQL_RESPONSE && all_request_errors {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = if single {
        out.pop().unwrap_or_default()
    } else {
        serde_json::Value::Array(out)
    };
    let bytes = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
    if !read_only {
        s.cache.invalidate();
    } else if let (Some((key, generation)), true, true) = (slot, single, clean) {
        s.cache.put(key, generation, bytes.clone());
    }
    answer(status, bytes, media)
}
