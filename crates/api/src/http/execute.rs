//! Running a GraphQL request: error classification into the closed code set, the GraphQL over
//! HTTP status rules, and storing read-only answers in (or invalidating) the response cache.

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, Request as GqlRequest, ServerError, Value};
use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};

use super::{AppState, GQL_RESPONSE, answer, json_error};
use crate::auth::Caller;
use crate::error::{ApiError, Code, INTERNAL_MESSAGE, code_of};
use crate::loaders::loaders;
use crate::response_cache::CacheKey;

/// Where a read-only answer may be stored: its key and the data generation before it ran.
pub(super) type CacheSlot = Option<(CacheKey, u64)>;

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
pub(super) async fn execute(
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
