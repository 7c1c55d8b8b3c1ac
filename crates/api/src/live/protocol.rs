//! The `graphql-transport-ws` messages and close codes, parsed strictly: anything that is not
//! exactly a message of the protocol is an error the connection closes with 4400.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The only subprotocol served.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";

/// Close codes of the protocol (plus the standard ones we use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// 1000: the connection is done.
    Normal,
    /// 1001: the server is shutting down.
    GoingAway,
    /// 1002: a frame that breaks the WebSocket protocol (reserved opcode, bad masking).
    ProtocolError,
    /// 1007: a text frame that is not UTF-8.
    InvalidPayload,
    /// 1008: the client sent messages faster than allowed.
    PolicyViolation,
    /// 1009: a message over the size limit.
    MessageTooBig,
    /// 4400: a message the protocol does not allow.
    BadRequest,
    /// 4401: `subscribe` before `connection_ack`.
    Unauthorized,
    /// 4403: the `connection_init` credentials were refused.
    Forbidden,
    /// 4406: the client did not offer `graphql-transport-ws`.
    SubprotocolNotAcceptable,
    /// 4408: no `connection_init` in time.
    InitTimeout,
    /// 4409: a second `subscribe` with an id still in use.
    DuplicateId,
    /// 4429: a second `connection_init`.
    TooManyInits,
    /// 4500: the server failed (e.g. the database is unreachable).
    Internal,
}

impl Close {
    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            Close::Normal => 1000,
            Close::GoingAway => 1001,
            Close::ProtocolError => 1002,
            Close::InvalidPayload => 1007,
            Close::PolicyViolation => 1008,
            Close::MessageTooBig => 1009,
            Close::BadRequest => 4400,
            Close::Unauthorized => 4401,
            Close::Forbidden => 4403,
            Close::SubprotocolNotAcceptable => 4406,
            Close::InitTimeout => 4408,
            Close::DuplicateId => 4409,
            Close::TooManyInits => 4429,
            Close::Internal => 4500,
        }
    }
}

/// What a client may send.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Map<String, Value>>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Map<String, Value>>,
    },
    Pong {
        #[serde(default)]
        payload: Option<Map<String, Value>>,
    },
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

/// The operation of a `subscribe` message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribePayload {
    pub query: String,
    #[serde(default)]
    pub operation_name: Option<String>,
    #[serde(default)]
    pub variables: Option<Map<String, Value>>,
    #[serde(default)]
    pub extensions: Option<Map<String, Value>>,
}

/// Longest subscription id accepted.
pub const MAX_ID_LEN: usize = 128;

/// Parses one text frame; `Err` carries the close reason.
pub fn parse(text: &str) -> Result<ClientMessage, String> {
    let msg: ClientMessage =
        serde_json::from_str(text).map_err(|e| format!("invalid message: {e}"))?;
    match &msg {
        ClientMessage::Subscribe { id, .. } | ClientMessage::Complete { id }
            if id.is_empty() || id.len() > MAX_ID_LEN =>
        {
            Err(format!(
                "invalid message: id must be 1–{MAX_ID_LEN} characters"
            ))
        }
        _ => Ok(msg),
    }
}

/// `connection_ack`.
pub fn ack() -> String {
    json!({"type": "connection_ack"}).to_string()
}

/// `ping` (the server's keepalive).
pub fn ping() -> String {
    json!({"type": "ping"}).to_string()
}

/// `pong` answering a client's `ping`.
pub fn pong() -> String {
    json!({"type": "pong"}).to_string()
}

/// `next` with one execution result.
pub fn next(id: &str, payload: &Value) -> String {
    json!({"type": "next", "id": id, "payload": payload}).to_string()
}

/// `next` with a payload already encoded as JSON (`payload`), byte for byte what [`next`]
/// writes for it: one encoding of a payload serves every subscriber it goes to.
pub fn next_encoded(id: &str, payload: &str) -> String {
    let id = Value::from(id).to_string();
    let mut out = String::with_capacity(id.len() + payload.len() + 36);
    out.push_str("{\"id\":");
    out.push_str(&id);
    out.push_str(",\"payload\":");
    out.push_str(payload);
    out.push_str(",\"type\":\"next\"}");
    out
}

/// `error`: the operation was rejected before it ran (the list of GraphQL errors).
pub fn error(id: &str, errors: &Value) -> String {
    json!({"type": "error", "id": id, "payload": errors}).to_string()
}

/// `complete`: the server has nothing more for this id.
pub fn complete(id: &str) -> String {
    json!({"type": "complete", "id": id}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_the_protocol() {
        assert_eq!(
            parse(r#"{"type":"connection_init"}"#),
            Ok(ClientMessage::ConnectionInit { payload: None })
        );
        assert!(matches!(
            parse(r#"{"type":"subscribe","id":"1","payload":{"query":"{ health }"}}"#),
            Ok(ClientMessage::Subscribe { .. })
        ));
        for bad in [
            "not json",
            "[]",
            r#"{"type":"start","id":"1"}"#,
            r#"{"type":"subscribe","id":"1"}"#,
            r#"{"type":"subscribe","id":"","payload":{"query":"{ health }"}}"#,
            r#"{"type":"subscribe","id":1,"payload":{"query":"{ health }"}}"#,
            r#"{"type":"connection_init","payload":"token"}"#,
            r#"{"type":"complete"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn an_encoded_payload_makes_the_same_next_message() {
        let payload = json!({"data": {"u": {"listingId": "TGlzdGluZzox", "n": 1.5}}, "x": null});
        for id in ["1", "w", "a \"quoted\" id \\ é"] {
            assert_eq!(next_encoded(id, &payload.to_string()), next(id, &payload));
        }
    }
}
