//! The GraphQL-over-HTTP handlers: `GET` (queries, GraphiQL, WebSocket upgrades) and `POST`
//! (JSON and multipart uploads) — negotiation, body limits, the caller's token, and the
//! response cache in front of [`execute`](super::execute).

use async_graphql::BatchRequest;
use async_graphql::http::GraphiQLSource;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequest as _, FromRequestParts, State};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use axum::response::{Html, IntoResponse};

use super::execute::{CacheSlot, execute, is_mutation};
use super::{
    AppState, JSON, answer, bearer, is_websocket, json_error, negotiate, upgrade, wants_html,
};
use crate::auth::{Caller, authenticate};
use crate::error::Code;
use crate::response_cache::CacheKey;

/// `GET /graphql`: a WebSocket upgrade, GraphiQL for browsers, or a query.
pub(super) async fn graphql_get(State(s): State<AppState>, req: Request<Body>) -> Response<Body> {
    let (mut parts, _) = req.into_parts();
    if is_websocket(&parts.headers) {
        return match WebSocketUpgrade::from_request_parts(&mut parts, &s).await {
            Ok(ws) => upgrade(s, ws),
            Err(e) => e.into_response(),
        };
    }
    query_get(s, &parts.headers, parts.uri.query()).await
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

pub(super) async fn graphql_post(State(s): State<AppState>, req: Request<Body>) -> Response<Body> {
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
