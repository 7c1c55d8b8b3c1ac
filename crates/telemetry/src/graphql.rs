//! [`GraphqlMetrics`]: an async-graphql extension giving every operation a span (name, type,
//! complexity) and the `graphql_operations_total` / `graphql_operation_duration_seconds`
//! metrics. Register it with `Schema::build(..).extension(telemetry::GraphqlMetrics)`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::futures_util::StreamExt as _;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};
use opentelemetry::KeyValue;
use tracing::Instrument as _;

use crate::metrics;

/// The extension factory (one [`Extension`] per request).
#[derive(Debug, Clone, Copy, Default)]
pub struct GraphqlMetrics;

impl ExtensionFactory for GraphqlMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest::default())
    }
}

/// Session data of an execution that is not an operation of its own (a subscription's
/// payload rendered once for many subscribers): it is not counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unmetered;

/// What the hooks learn about the request, read when it ends.
#[derive(Default)]
struct Seen {
    name: Option<String>,
    ty: Option<&'static str>,
}

#[derive(Default)]
struct PerRequest {
    seen: Mutex<Seen>,
    span: Mutex<Option<tracing::Span>>,
}

/// A label for a request that never got as far as a parsed operation (syntax error, unknown
/// operation name): it still counts, as an error.
const UNKNOWN: &str = "unknown";

fn type_label(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// The type of the operation `name` selects (or the only one).
fn operation_type(doc: &ExecutableDocument, name: Option<&str>) -> Option<&'static str> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(type_label(op.node.ty)),
        (DocumentOperations::Multiple(ops), Some(n)) => ops
            .iter()
            .find(|(k, _)| k.as_str() == n)
            .map(|(_, op)| type_label(op.node.ty)),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| type_label(op.node.ty))
        }
        _ => None,
    }
}

impl PerRequest {
    fn with_span(&self, f: impl FnOnce(&tracing::Span)) {
        if let Ok(g) = self.span.lock()
            && let Some(s) = g.as_ref()
        {
            f(s);
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let span = tracing::info_span!(
            "graphql.operation",
            graphql.operation.name = tracing::field::Empty,
            graphql.operation.type = tracing::field::Empty,
            graphql.complexity = tracing::field::Empty,
            graphql.depth = tracing::field::Empty,
            graphql.errors = tracing::field::Empty,
        );
        if let Ok(mut g) = self.span.lock() {
            *g = Some(span.clone());
        }
        let started = Instant::now();
        let response = next.run(ctx).instrument(span.clone()).await;
        let elapsed = started.elapsed().as_secs_f64();
        let ty = self.seen.lock().ok().and_then(|s| s.ty).unwrap_or(UNKNOWN);
        let status = if response.errors.is_empty() {
            "ok"
        } else {
            "error"
        };
        span.record("graphql.errors", response.errors.len());
        let m = metrics();
        m.graphql_operations.add(
            1,
            &[KeyValue::new("type", ty), KeyValue::new("status", status)],
        );
        m.graphql_duration
            .record(elapsed, &[KeyValue::new("type", ty)]);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        if ctx.data_opt::<Unmetered>().is_some() {
            return next.run(ctx, stream);
        }
        let span = tracing::info_span!("graphql.subscription");
        let mut first = true;
        // A subscription counts once, when its first response (data or the request's errors)
        // comes out; its lifetime is not an operation latency, so no duration is recorded.
        Box::pin(next.run(ctx, stream).map(move |resp| {
            if std::mem::take(&mut first) {
                let status = if resp.errors.is_empty() {
                    "ok"
                } else {
                    "error"
                };
                span.in_scope(|| tracing::debug!(status, "subscription started"));
                metrics().graphql_operations.add(
                    1,
                    &[
                        KeyValue::new("type", "subscription"),
                        KeyValue::new("status", status),
                    ],
                );
            }
            resp
        }))
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Some(name) = request.operation_name.as_deref() {
            self.with_span(|s| {
                s.record("graphql.operation.name", name);
            });
            if let Ok(mut seen) = self.seen.lock() {
                seen.name = Some(name.to_owned());
            }
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut seen) = self.seen.lock() {
            seen.ty = operation_type(&doc, seen.name.as_deref());
            if let Some(ty) = seen.ty {
                self.with_span(|s| {
                    s.record("graphql.operation.type", ty);
                });
            }
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        self.with_span(|s| {
            s.record("graphql.complexity", result.complexity);
            s.record("graphql.depth", result.depth);
        });
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    #[test]
    fn operation_types_follow_the_selected_operation() {
        assert_eq!(operation_type(&doc("{ a }"), None), Some("query"));
        let two = doc("query A { a } mutation B { b }");
        assert_eq!(operation_type(&two, Some("B")), Some("mutation"));
        assert_eq!(operation_type(&two, Some("A")), Some("query"));
        assert_eq!(operation_type(&two, None), None);
        assert_eq!(operation_type(&two, Some("C")), None);
        let sub = doc("subscription S { x }");
        assert_eq!(operation_type(&sub, None), Some("subscription"));
    }
}
