//! The closed set of error codes and the one error type resolvers return.
//!
//! Every GraphQL error leaves with `extensions.code` from [`Code`]; validation errors add
//! `kind` and `field`. Internal errors are logged once here, with their cause, and reach the
//! client as a fixed message.

use async_graphql::{ErrorExtensions, Value as GqlValue};
use domain::DomainError;
use store::StoreError;

/// `extensions.code` values (ARCHITECTURE.md: the closed set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    BadUserInput,
    NotFound,
    Unauthenticated,
    Forbidden,
    Conflict,
    RateLimited,
    QueryTooComplex,
    Internal,
}

impl Code {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::NotFound => "NOT_FOUND",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::Conflict => "CONFLICT",
            Code::RateLimited => "RATE_LIMITED",
            Code::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Code::Internal => "INTERNAL",
        }
    }
}

/// The message every internal error shows.
pub const INTERNAL_MESSAGE: &str = "internal error";

/// An API error: a code, a client-safe message, and for validation the kind and field.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub kind: Option<String>,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            kind: None,
            field: None,
        }
    }

    /// A validation error naming the field.
    pub fn invalid(field: impl Into<String>, kind: &str, message: impl Into<String>) -> Self {
        Self {
            code: Code::BadUserInput,
            message: message.into(),
            kind: Some(kind.to_owned()),
            field: Some(field.into()),
        }
    }

    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        Self::new(Code::NotFound, format!("{what} {id} not found"))
    }

    /// Logs the cause once and hides it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(Code::Internal, INTERNAL_MESSAGE)
    }

    /// As a GraphQL error with extensions.
    pub fn gql(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message.clone()).extend_with(|_, e| {
            e.set("code", self.code.as_str());
            if let Some(k) = &self.kind {
                e.set("kind", k.as_str());
            }
            if let Some(f) = &self.field {
                e.set("field", f.as_str());
            }
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { entity, field } => ApiError {
                code: Code::Conflict,
                message: format!("{entity} with this {field} already exists"),
                kind: Some("conflict".into()),
                field: Some(field),
            },
            StoreError::NotFound { entity, id } => {
                ApiError::new(Code::NotFound, format!("{entity} {id} not found"))
            }
            StoreError::InUse { entity, id, by } => {
                ApiError::new(Code::Conflict, format!("{entity} {id} is in use by {by}"))
            }
            StoreError::Validation { field, message } => {
                ApiError::invalid(field, "invalid_value", message)
            }
            e @ StoreError::Internal(_) => {
                let cause = std::error::Error::source(&e)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                ApiError::internal(&cause)
            }
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::invalid(e.path.clone(), e.kind.as_str(), e.message.clone())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        e.gql()
    }
}

/// `?`-friendly conversion of store/domain results into GraphQL results with codes.
pub trait ApiResultExt<T> {
    fn api(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<ApiError>> ApiResultExt<T> for Result<T, E> {
    fn api(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.into().gql())
    }
}

/// The code of a server error, when it has one.
pub fn code_of(e: &async_graphql::ServerError) -> Option<String> {
    match e.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(GqlValue::String(s)) => Some(s.clone()),
        _ => None,
    }
}
