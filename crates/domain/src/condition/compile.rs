//! Write-time validation of a condition tree, producing the compiled [`Condition`].
//!
//! Errors name the first offending node, depth-first pre-order, after the whole-tree limits;
//! per node the checks run in the order of §4.4: node shape, operator, field, value.

use regex::RegexBuilder;
use serde_json::Value as Json;

use super::text::{Needle, Pattern};
use super::{CompareOp, Condition, Leaf, Node, Test};
use crate::context::{FieldRef, FieldRegistry};
use crate::error::{DomainError, ErrorKind};
use crate::value::{Value, parse_numeric_str};

/// Maximum depth of a tree; the root is depth 1 and leaves count.
pub const MAX_TREE_DEPTH: usize = 32;
/// Maximum number of nodes (groups and leaves) in a tree.
pub const MAX_NODES: usize = 500;
/// Maximum length of a regex pattern, in characters.
pub const MAX_REGEX_LEN: usize = 500;
/// Maximum number of members of an `in`/`not_in` list.
pub const MAX_IN_LIST: usize = 1000;
/// Maximum compiled size of a regex.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Condition {
    /// Validates a JSON tree against the field registry and compiles it.
    ///
    /// `null` and `{}` mean "always true". Error paths are relative to the tree (`value`,
    /// `conditions[2].operator`); callers prefix them with where the tree sits.
    pub fn compile(tree: &Json, registry: &FieldRegistry) -> Result<Condition, DomainError> {
        if tree.is_null() || tree.as_object().is_some_and(|o| o.is_empty()) {
            return Ok(Condition::always());
        }
        let (depth, nodes) = measure(tree);
        if depth > MAX_TREE_DEPTH {
            return Err(DomainError::new(
                ErrorKind::TooDeep,
                "",
                format!("the tree is {depth} levels deep; at most {MAX_TREE_DEPTH} are allowed"),
            ));
        }
        if nodes > MAX_NODES {
            return Err(DomainError::new(
                ErrorKind::TooLarge,
                "",
                format!("the tree has {nodes} nodes; at most {MAX_NODES} are allowed"),
            ));
        }
        Ok(Condition::flatten(compile_node(tree, registry, "")?))
    }
}

/// Depth and node count, walking `conditions` arrays only (malformed nodes count as one).
fn measure(node: &Json) -> (usize, usize) {
    match node.get("conditions").and_then(Json::as_array) {
        Some(children) => children
            .iter()
            .map(measure)
            .fold((1, 1), |(d, n), (cd, cn)| (d.max(cd + 1), n + cn)),
        None => (1, 1),
    }
}

fn err(kind: ErrorKind, path: &str, field: &str, message: impl Into<String>) -> DomainError {
    DomainError::new(kind, crate::error::join_path(path, field), message)
}

fn compile_node(node: &Json, registry: &FieldRegistry, path: &str) -> Result<Node, DomainError> {
    let Some(obj) = node.as_object() else {
        return Err(err(
            ErrorKind::InvalidNode,
            path,
            "",
            "a condition node must be an object",
        ));
    };
    match (obj.get("conditions"), obj.get("field")) {
        (Some(_), Some(_)) => Err(err(
            ErrorKind::InvalidNode,
            path,
            "",
            "a node has either `conditions` (a group) or `field` (a leaf), not both",
        )),
        (None, None) => Err(err(
            ErrorKind::InvalidNode,
            path,
            "",
            "a node needs `conditions` (a group) or `field` (a leaf)",
        )),
        (Some(children), None) => compile_group(obj.get("logic"), children, registry, path),
        (None, Some(field)) => {
            compile_leaf(obj, field, registry, path).map(|l| Node::Leaf(Box::new(l)))
        }
    }
}

fn compile_group(
    logic: Option<&Json>,
    children: &Json,
    registry: &FieldRegistry,
    path: &str,
) -> Result<Node, DomainError> {
    let logic = logic.and_then(Json::as_str).map(str::to_ascii_lowercase);
    let Some(logic) = logic.filter(|l| matches!(l.as_str(), "and" | "or" | "not")) else {
        return Err(err(
            ErrorKind::InvalidNode,
            path,
            "logic",
            "logic must be `and`, `or` or `not`",
        ));
    };
    let Some(children) = children.as_array() else {
        return Err(err(
            ErrorKind::InvalidNode,
            path,
            "conditions",
            "`conditions` must be a list",
        ));
    };
    if logic == "not" && children.is_empty() {
        return Err(err(
            ErrorKind::InvalidNode,
            path,
            "conditions",
            "`not` needs at least one condition",
        ));
    }
    let mut compiled = children
        .iter()
        .enumerate()
        .map(|(i, c)| {
            compile_node(
                c,
                registry,
                &format!("{}[{i}]", crate::error::join_path(path, "conditions")),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    // A one-child and/or is its child: same truth and failure, one level less to walk.
    if logic != "not"
        && compiled.len() == 1
        && let Some(only) = compiled.pop()
    {
        return Ok(only);
    }
    Ok(match logic.as_str() {
        "and" => Node::And(compiled),
        "or" => Node::Or(compiled),
        _ => Node::Not(compiled),
    })
}

fn compile_leaf(
    obj: &serde_json::Map<String, Json>,
    field: &Json,
    registry: &FieldRegistry,
    path: &str,
) -> Result<Leaf, DomainError> {
    let Some(field_path) = field.as_str() else {
        return Err(err(
            ErrorKind::InvalidNode,
            path,
            "field",
            "`field` must be a string path",
        ));
    };
    let operator = obj
        .get("operator")
        .and_then(Json::as_str)
        .map(str::to_ascii_lowercase);
    let Some(operator) = operator.filter(|o| super::OPERATORS.contains(&o.as_str())) else {
        return Err(err(
            ErrorKind::UnknownOperator,
            path,
            "operator",
            format!(
                "unknown operator; expected one of {}",
                super::OPERATORS.join(", ")
            ),
        ));
    };
    let null_test = matches!(operator.as_str(), "is_null" | "is_not_null");
    let resolved = registry
        .resolve(field_path)
        .filter(|f| null_test || !f.is_root());
    let Some(resolved) = resolved else {
        return Err(err(
            ErrorKind::UnknownField,
            path,
            "field",
            format!("unknown field `{field_path}`"),
        ));
    };
    let value = obj.get("value").unwrap_or(&Json::Null);
    let test = match compile_test(&operator, value) {
        Ok(Test::IsNull { negate }) => match &resolved {
            FieldRef::Root(root) => Test::RootIsNull {
                root: *root,
                negate,
            },
            _ => Test::IsNull { negate },
        },
        Ok(test) => test,
        Err((kind, message)) => return Err(err(kind, path, "value", message)),
    };
    Ok(Leaf {
        field: resolved,
        custom: crate::context::UNINDEXED,
        path: field_path.to_owned(),
        test,
    })
}

type TestError = (ErrorKind, String);

fn invalid(message: impl Into<String>) -> TestError {
    (ErrorKind::InvalidValue, message.into())
}

fn compile_test(operator: &str, value: &Json) -> Result<Test, TestError> {
    Ok(match operator {
        "equals" | "not_equals" => {
            let negate = operator == "not_equals";
            match scalar(value) {
                Some(Value::Str(text)) => Test::EqualsText {
                    needle: Needle::new(&text),
                    number: parse_numeric_str(&text),
                    negate,
                },
                // A number JSON cannot hold as a double reads as null, which equals nothing
                // that reaches the test; NaN equals nothing either.
                Some(v) => Test::EqualsNumber {
                    number: v.as_number().unwrap_or(f64::NAN),
                    negate,
                },
                None => return Err(invalid("expected a string, number or boolean")),
            }
        }
        "greater_than" | "less_than" | "gte" | "lte" => {
            let rhs =
                number(value).ok_or_else(|| invalid("expected a number or numeric string"))?;
            let op = match operator {
                "greater_than" => CompareOp::Greater,
                "less_than" => CompareOp::Less,
                "gte" => CompareOp::GreaterOrEqual,
                _ => CompareOp::LessOrEqual,
            };
            Test::Compare { op, rhs }
        }
        "between" => {
            let bounds = value.as_array().filter(|a| a.len() == 2);
            let pair = bounds.and_then(|a| Some((number(&a[0])?, number(&a[1])?)));
            match pair {
                Some((min, max)) if min <= max => Test::Between { min, max },
                Some(_) => return Err(invalid("between needs [min, max] with min ≤ max")),
                None => return Err(invalid("between needs a list of two numbers [min, max]")),
            }
        }
        "contains" | "starts_with" | "ends_with" => {
            let needle = Needle::new(&needle_text(value)?);
            match operator {
                "contains" => Test::Contains(needle),
                "starts_with" => Test::StartsWith(needle),
                _ => Test::EndsWith(needle),
            }
        }
        "regex" => Test::Regex(Box::new(compile_regex(value)?)),
        "in" | "not_in" => {
            let Some(list) = value.as_array() else {
                return Err(invalid("expected a list of values"));
            };
            if list.len() > MAX_IN_LIST {
                return Err(invalid(format!("at most {MAX_IN_LIST} values are allowed")));
            }
            let members = list
                .iter()
                .map(|v| {
                    if v.is_null() {
                        Some(Value::Null)
                    } else {
                        scalar(v)
                    }
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("list members must be strings, numbers or booleans"))?;
            Test::In {
                texts: members
                    .iter()
                    .filter_map(|m| m.as_str().map(Box::from))
                    .collect(),
                members,
                negate: operator == "not_in",
            }
        }
        _ => {
            if !value.is_null() {
                return Err(invalid(format!("{operator} takes no value")));
            }
            Test::IsNull {
                negate: operator == "is_not_null",
            }
        }
    })
}

fn scalar(v: &Json) -> Option<Value> {
    match v {
        Json::Bool(_) | Json::Number(_) | Json::String(_) => Some(Value::from_json(v)),
        _ => None,
    }
}

fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => parse_numeric_str(s),
        _ => None,
    }
}

fn needle_text(value: &Json) -> Result<String, TestError> {
    let text = match value {
        Json::String(s) => s.clone(),
        Json::Number(_) => {
            let mut s = String::new();
            Value::from_json(value).write_string_form(&mut s);
            s
        }
        _ => return Err(invalid("expected a non-empty string")),
    };
    if text.is_empty() {
        return Err(invalid("expected a non-empty string"));
    }
    Ok(text)
}

fn compile_regex(value: &Json) -> Result<Pattern, TestError> {
    let Some(pattern) = value.as_str().filter(|p| !p.is_empty()) else {
        return Err(invalid("expected a non-empty regex pattern"));
    };
    if pattern.chars().count() > MAX_REGEX_LEN {
        return Err((
            ErrorKind::InvalidRegex,
            format!("the pattern is longer than {MAX_REGEX_LEN} characters"),
        ));
    }
    // The regex crate has no look-around or back-references and matches in linear time, so
    // a stored pattern cannot backtrack catastrophically; the size limit bounds memory.
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map(|regex| Pattern::new(pattern, regex))
        .map_err(|e| (ErrorKind::InvalidRegex, first_line(&e.to_string())))
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
