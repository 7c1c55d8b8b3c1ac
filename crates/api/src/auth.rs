//! API tokens and roles: `dbk_` + 32 random bytes, stored as SHA-256 only, checked in
//! constant time; [`require`] guards mutations by role.

use async_graphql::Context;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::model::ApiRole;
use store::Store;

use crate::error::{ApiError, Code};

/// Who is calling: anonymous (`role: None`) or a token's holder.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub role: Option<ApiRole>,
    pub token_id: Option<i64>,
    pub name: Option<String>,
}

impl Caller {
    /// The actor recorded on audits.
    pub fn actor(&self) -> Option<String> {
        self.name.as_ref().map(|n| format!("token:{n}"))
    }
}

fn rank(r: ApiRole) -> u8 {
    match r {
        ApiRole::Viewer => 1,
        ApiRole::Editor => 2,
        ApiRole::Admin => 3,
    }
}

/// A fresh secret: `dbk_` + 32 random bytes (base64url).
pub fn generate_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("dbk_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolves a bearer secret to a caller; `Err(UNAUTHENTICATED)` for unknown, revoked or
/// expired tokens.
pub async fn authenticate(store: &Store, secret: &str) -> Result<Caller, ApiError> {
    let bad = || ApiError::new(Code::Unauthenticated, "invalid or expired API token");
    if !secret.starts_with("dbk_") || secret.len() > 128 {
        return Err(bad());
    }
    let token = store.api_token_by_secret(secret).await?.ok_or_else(bad)?;
    let hash = store::token_hash(secret);
    if !constant_time_eq(hash.as_bytes(), token.token_hash.as_bytes()) {
        return Err(bad());
    }
    let now = chrono::Utc::now();
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= now) {
        return Err(bad());
    }
    Ok(Caller {
        role: Some(token.role),
        token_id: Some(token.id),
        name: Some(token.name),
    })
}

/// The caller, or an error when it lacks `role` (anonymous → UNAUTHENTICATED, too low →
/// FORBIDDEN).
pub fn require<'a>(ctx: &Context<'a>, role: ApiRole) -> async_graphql::Result<&'a Caller> {
    let caller = ctx
        .data::<Caller>()
        .map_err(|_| ApiError::internal(&"no caller"))?;
    match caller.role {
        None => {
            Err(ApiError::new(Code::Unauthenticated, "this operation needs an API token").into())
        }
        Some(r) if rank(r) < rank(role) => Err(ApiError::new(
            Code::Forbidden,
            format!("this operation needs the {} role", role.as_str()),
        )
        .into()),
        Some(_) => Ok(caller),
    }
}
