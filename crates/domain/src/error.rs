//! Error kinds shared by the whole engine.
//!
//! Every failure the engine can report maps to one [`ErrorKind`] whose snake_case name is stable:
//! it is the `extensions.kind` of GraphQL errors and the `kind` of the acceptance cases.

use std::fmt;

macro_rules! kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// A stable, closed set of error kinds (see DOMAIN.md §4.7 and the acceptance README).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorKind { $($variant,)* }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant,)*];

            /// The stable snake_case name of the kind.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorKind::$variant => $name,)* }
            }

            /// Parses a stable name back into a kind.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(ErrorKind::$variant),)* _ => None }
            }
        }
    };
}

kinds! {
    // condition validation (write time)
    InvalidNode => "invalid_node",
    TooDeep => "too_deep",
    TooLarge => "too_large",
    UnknownOperator => "unknown_operator",
    UnknownField => "unknown_field",
    InvalidValue => "invalid_value",
    InvalidRegex => "invalid_regex",
    // condition evaluation
    NotNumeric => "not_numeric",
    NotString => "not_string",
    // action validation
    UnknownActionType => "unknown_action_type",
    MissingMetric => "missing_metric",
    UnknownMetric => "unknown_metric",
    InvalidUnitType => "invalid_unit_type",
    InvalidModifier => "invalid_modifier",
    // action evaluation
    MissingValue => "missing_value",
    OutOfRange => "out_of_range",
    // formula parse / bind
    TooLong => "too_long",
    Syntax => "syntax",
    UnknownIdentifier => "unknown_identifier",
    UnknownFunction => "unknown_function",
    Arity => "arity",
    // formula evaluation
    Type => "type",
    DivisionByZero => "division_by_zero",
    ExponentLimit => "exponent_limit",
    NonFinite => "non_finite",
    Domain => "domain",
    Index => "index",
    NonNumericResult => "non_numeric_result",
    // scoring and custom fields
    InvalidWeights => "invalid_weights",
    InvalidKey => "invalid_key",
    ReservedKey => "reserved_key",
    InvalidDefinition => "invalid_definition",
    TypeMismatch => "type_mismatch",
    NotInOptions => "not_in_options",
    NotAllowed => "not_allowed",
    TooShort => "too_short",
    PatternMismatch => "pattern_mismatch",
    BelowMin => "below_min",
    AboveMax => "above_max",
    Required => "required",
    // import parsing
    Missing => "missing",
    InvalidPrice => "invalid_price",
    InvalidPortType => "invalid_port_type",
    InvalidUrl => "invalid_url",
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with its kind, the path of the offending node and a human message.
///
/// `path` uses the notation of DOMAIN.md §4.7 (`conditions.conditions[2].value`,
/// `actions[1].modifiers.age_curve`); `offset` is a 0-based character offset into a formula.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at {path}: {message}")]
pub struct DomainError {
    /// What went wrong, from the closed set.
    pub kind: ErrorKind,
    /// Where: the path of the offending node, empty for a whole input.
    pub path: String,
    /// A message for people.
    pub message: String,
    /// For formulas, the character offset of the problem.
    pub offset: Option<usize>,
}

impl DomainError {
    /// Creates an error at `path`.
    pub fn new(kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
            message: message.into(),
            offset: None,
        }
    }

    /// Prefixes the path with `prefix` (joined by `.` unless the path starts with `[`).
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = join_path(prefix, &self.path);
        self
    }
}

/// Joins two path parts: `a` + `b` → `a.b`, `a` + `[1]` → `a[1]`, empty parts vanish.
pub fn join_path(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if rest.starts_with('[') => format!("{prefix}{rest}"),
        (false, false) => format!("{prefix}.{rest}"),
    }
}
