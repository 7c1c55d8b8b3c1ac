//! [`InputGuard`]: an extension that refuses two kinds of hostile input before anything runs.
//!
//! - Documents over [`MAX_DOCUMENT_BYTES`], before they are parsed (`QUERY_TOO_COMPLEX`):
//!   parsing time grows faster than the text (debug build: 13 KB 15 ms, 41 KB 114 ms, 52 KB
//!   255 ms), so a large document is refused before the parser sees it.
//! - Documents nested deeper than [`MAX_NESTING`] brackets, before they are parsed
//!   (`QUERY_TOO_COMPLEX`). The parser descends recursively and applies its recursion limit
//!   only to selection sets and only after it has built its tree: 10,000 nested `[` in an
//!   argument would exhaust a thread's stack first and abort the process.
//! - Documents of more than [`MAX_FIELDS`] field selections, right after parsing
//!   (`QUERY_TOO_COMPLEX`): what validation and execution walk stays bounded whatever the
//!   aliases.
//! - Strings holding U+0000, in the variables or in the document's literals
//!   (`BAD_USER_INPUT`). PostgreSQL text and JSONB cannot hold NUL: such a string would reach
//!   the database and come back as a driver error, i.e. an `INTERNAL` answer and an error log
//!   line per attempt. No field has a use for NUL, so it is refused once, here.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Positioned, ServerError, ServerResult, Value, Variables};

use crate::error::Code;

/// The extension factory (register with `Schema::build(..).extension(InputGuard)`).
#[derive(Debug, Clone, Copy, Default)]
pub struct InputGuard;

impl ExtensionFactory for InputGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputGuard)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for InputGuard {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Some(e) = unparsable(query) {
            return Err(e);
        }
        let doc = next.run(ctx, query, variables).await?;
        if field_count(&doc) > MAX_FIELDS {
            return Err(refusal(
                Code::QueryTooComplex,
                &format!("the document selects more than {MAX_FIELDS} fields"),
            ));
        }
        let in_variables = variables.iter().any(|(_, v)| const_has_nul(v));
        if in_variables || document_has_nul(&doc) {
            return Err(refusal(
                Code::BadUserInput,
                "strings may not contain NUL (U+0000) characters",
            ));
        }
        Ok(doc)
    }
}

fn refusal(code: Code, message: &str) -> ServerError {
    let mut e = ServerError::new(message, None);
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    e
}

/// Largest document text accepted: many times a large screen's query (variables do not
/// count, they are not parsed as GraphQL).
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024;

/// The refusal of a document too large or too deep to be parsed safely, if it is one.
pub fn unparsable(query: &str) -> Option<ServerError> {
    if query.len() > MAX_DOCUMENT_BYTES {
        return Some(refusal(
            Code::QueryTooComplex,
            &format!(
                "the document is larger than {} KiB",
                MAX_DOCUMENT_BYTES / 1024
            ),
        ));
    }
    let shape = shape(query);
    if shape.depth > MAX_NESTING {
        return Some(refusal(
            Code::QueryTooComplex,
            &format!("the document is nested deeper than {MAX_NESTING} levels"),
        ));
    }
    // Checked here, before parsing: validating a thousand directives costs ~20 ms a request
    // (~90 ms on a loaded debug build), long enough to be a cheap way to burn server time.
    (shape.directives > MAX_DIRECTIVES).then(|| {
        refusal(
            Code::QueryTooComplex,
            &format!("the document uses more than {MAX_DIRECTIVES} directives"),
        )
    })
}

/// Most directives (`@include`, `@skip`, …) a document may write: a large screen's query uses
/// a handful.
pub const MAX_DIRECTIVES: usize = 100;

/// What one pass over a document's bytes tells before it is parsed.
struct Shape {
    /// Deepest nesting of `{`, `[` and `(`.
    depth: usize,
    /// `@` signs: directives.
    directives: usize,
}

/// Deepest nesting of `{`, `[` and `(` a document may have: far above the depth limit of
/// selections (15) and the parser's own (64), far below what its recursion can survive.
pub const MAX_NESTING: usize = 128;

/// The deepest bracket nesting of a GraphQL document, outside strings and comments.
pub fn nesting_depth(query: &str) -> usize {
    shape(query).depth
}

/// Nesting and directives of a document, outside strings and comments (one pass over the
/// bytes, no allocation).
fn shape(query: &str) -> Shape {
    let b = query.as_bytes();
    let (mut depth, mut max, mut i, mut directives) = (0usize, 0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped delimiter inside a block string.
                    i += if b[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                // Onto the last of the closing quotes; the step below leaves them.
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'@' => directives += 1,
            _ => {}
        }
        i += 1;
    }
    Shape {
        depth: max,
        directives,
    }
}

/// Most field selections a document may write out (fragments counted once, where they are
/// defined): ten times a large screen's query, a fraction of an alias bomb.
pub const MAX_FIELDS: usize = 1_000;

fn fields_in(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => 1 + fields_in(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
            Selection::InlineFragment(i) => fields_in(&i.node.selection_set.node),
        })
        .sum()
}

/// The field selections written in a document.
fn field_count(doc: &ExecutableDocument) -> usize {
    let ops: usize = doc
        .operations
        .iter()
        .map(|(_, op)| fields_in(&op.node.selection_set.node))
        .sum();
    ops + doc
        .fragments
        .values()
        .map(|f| fields_in(&f.node.selection_set.node))
        .sum::<usize>()
}

fn const_has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::List(l) => l.iter().any(const_has_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || const_has_nul(v)),
        _ => false,
    }
}

/// Whether the arguments of a field or directive hold NUL. Literals are read as constants,
/// variables as null (their values are checked on their own). A macro because the parser's
/// value type is not exported by name.
macro_rules! args_have_nul {
    ($args:expr) => {
        $args.iter().any(|(_, v)| {
            v.node
                .clone()
                .into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null))
                .is_ok_and(|c| const_has_nul(&c))
        })
    };
}

fn directives_have_nul(d: &[Positioned<Directive>]) -> bool {
    d.iter().any(|d| args_have_nul!(d.node.arguments))
}

fn selection_has_nul(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            args_have_nul!(f.node.arguments)
                || directives_have_nul(&f.node.directives)
                || selection_has_nul(&f.node.selection_set.node)
        }
        Selection::FragmentSpread(s) => directives_have_nul(&s.node.directives),
        Selection::InlineFragment(i) => {
            directives_have_nul(&i.node.directives) || selection_has_nul(&i.node.selection_set.node)
        }
    })
}

fn document_has_nul(doc: &ExecutableDocument) -> bool {
    let operations = doc.operations.iter().any(|(_, op)| {
        op.node.variable_definitions.iter().any(|d| {
            d.node
                .default_value
                .as_ref()
                .is_some_and(|v| const_has_nul(&v.node))
        }) || directives_have_nul(&op.node.directives)
            || selection_has_nul(&op.node.selection_set.node)
    });
    operations
        || doc.fragments.values().any(|f| {
            directives_have_nul(&f.node.directives) || selection_has_nul(&f.node.selection_set.node)
        })
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Request, Schema};

    use super::*;

    struct Query;

    #[Object]
    impl Query {
        async fn echo(&self, text: String) -> String {
            text
        }
    }

    async fn code_of(req: Request) -> Option<String> {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(InputGuard)
            .finish();
        let resp = schema.execute(req).await;
        let e = resp.errors.first()?;
        Some(format!(
            "{}|{:?}",
            e.message,
            e.extensions.as_ref().and_then(|x| x.get("code"))
        ))
    }

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert_eq!(nesting_depth("{ a { b(x: [1, [2]]) } }"), 5);
        assert_eq!(nesting_depth(r#"{ a(s: "[[[[{{") }"#), 2);
        assert_eq!(nesting_depth(r#"{ a(s: "\"[[[") }"#), 2);
        assert_eq!(nesting_depth("{ a(s: \"\"\"[[[ \\\"\"\" [[\"\"\") }"), 2);
        assert_eq!(nesting_depth("# [[[[\n{ a }"), 1);
        assert_eq!(
            shape(r#"{ a @include(if: true) b(s: "@@@") # @@\n }"#).directives,
            1
        );
        let flood = format!(
            "{{ a {} }}",
            "@include(if: true) ".repeat(MAX_DIRECTIVES + 1)
        );
        assert!(unparsable(&flood).is_some());
        let fine = format!("{{ a {} }}", "@include(if: true) ".repeat(MAX_DIRECTIVES));
        assert!(unparsable(&fine).is_none());
        assert_eq!(
            nesting_depth(&format!("{}{}", "[".repeat(500), "]".repeat(500))),
            500
        );
    }

    #[tokio::test]
    async fn deep_documents_are_refused_before_parsing() {
        let deep = format!(
            "{{ echo(text: {}\"x\"{}) }}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let got = code_of(Request::new(deep)).await.expect("an error");
        assert!(
            got.contains("QUERY_TOO_COMPLEX") && got.contains("nested"),
            "{got}"
        );
        let big = format!("{{ echo(text: \"{}\") }}", "x".repeat(MAX_DOCUMENT_BYTES));
        let got = code_of(Request::new(big)).await.expect("an error");
        assert!(
            got.contains("QUERY_TOO_COMPLEX") && got.contains("KiB"),
            "{got}"
        );
    }

    #[tokio::test]
    async fn documents_with_too_many_fields_are_refused() {
        let many = |n: usize| {
            let aliases: String = (0..n)
                .map(|i| format!("a{i}: echo(text: \"x\") "))
                .collect();
            Request::new(format!("{{ {aliases} }}"))
        };
        assert_eq!(code_of(many(MAX_FIELDS)).await, None);
        let got = code_of(many(MAX_FIELDS + 1)).await.expect("an error");
        assert!(got.contains("QUERY_TOO_COMPLEX"), "{got}");
    }

    #[tokio::test]
    async fn nul_anywhere_is_refused_and_clean_strings_pass() {
        let refused = [
            Request::new(r#"{ echo(text: "a\u0000b") }"#),
            Request::new("query($t: String!) { echo(text: $t) }")
                .variables(Variables::from_json(serde_json::json!({"t": "a\u{0}b"}))),
            Request::new(r#"query($t: String! = "\u0000") { echo(text: $t) }"#),
            Request::new(r#"{ ...F } fragment F on Query { echo(text: "x\u0000") }"#),
            Request::new(
                r#"{ echo(text: "a") @skip(if: false) @include(if: true) e2: echo(text: "\u0000") }"#,
            ),
        ];
        for r in refused {
            let got = code_of(r).await.expect("an error");
            assert!(
                got.contains("NUL") && got.contains("BAD_USER_INPUT"),
                "{got}"
            );
        }
        assert_eq!(
            code_of(Request::new(r#"{ echo(text: "a\\u0000b") }"#)).await,
            None
        );
        assert_eq!(
            code_of(Request::new(r#"{ echo(text: "plain") }"#)).await,
            None
        );
    }
}
