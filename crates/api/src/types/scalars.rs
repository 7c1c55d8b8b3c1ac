//! Scalars and global ids: `Money` (decimal text, 2 places), opaque Relay node ids.

use async_graphql::{ID, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rust_decimal::Decimal;

use crate::error::ApiError;

/// An exact amount of US dollars as decimal text (`"399.00"`); never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money(pub Decimal);

/// An exact amount of US dollars as decimal text with two places (`"399.00"`). Input accepts
/// decimal text or a JSON number.
#[Scalar(name = "Money")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        let d = match &value {
            Value::String(s) => s.trim().parse::<Decimal>().ok(),
            Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
            _ => None,
        };
        d.map(|d| Money(d.round_dp(2)))
            .ok_or_else(|| InputValueError::custom("Money must be decimal text such as \"399.00\""))
    }

    fn to_value(&self) -> Value {
        let mut d = self.0.round_dp(2);
        d.rescale(2);
        Value::String(d.to_string())
    }
}

/// Global id of a node: base64url of `Type:id`.
pub fn global_id(kind: &str, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// Decodes a global id into (type, database id).
pub fn decode_id(id: &ID) -> Option<(String, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, n) = text.split_once(':')?;
    Some((kind.to_owned(), n.parse().ok()?))
}

/// The database id of a global id of `kind` (a bare integer is accepted too, for scripts).
pub fn id_of(kind: &str, id: &ID, field: &str) -> Result<i64, ApiError> {
    if let Ok(n) = id.as_str().parse::<i64>() {
        return Ok(n);
    }
    match decode_id(id) {
        Some((k, n)) if k == kind => Ok(n),
        _ => Err(ApiError::invalid(
            field,
            "invalid_id",
            format!("not a {kind} id"),
        )),
    }
}
