//! Tokens of the formula language (DOMAIN.md §4.10 "Lexical").
//!
//! The whole source is tokenised before parsing, so a stray character anywhere is a `syntax`
//! error even when the parser would have stopped earlier. Offsets are character offsets, which is
//! what users see in an editor, not byte offsets.

use std::sync::Arc;

use super::FormulaError;
use super::code::BinOp;
use crate::error::ErrorKind;

/// A token kind; names and literals carry their text or value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    Str(Arc<String>),
    Name(String),
    True,
    False,
    Null,
    And,
    Or,
    Not,
    If,
    Else,
    Pow,
    FloorDiv,
    Eq,
    Ne,
    Le,
    Ge,
    Lt,
    Gt,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eof,
}

impl Tok {
    /// How messages name the token.
    pub fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("number {}", crate::value::NumText(*n)),
            Tok::Str(_) => "a string".into(),
            Tok::Name(n) => format!("name '{n}'"),
            Tok::Eof => "end of formula".into(),
            other => format!("'{}'", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::True => "True",
            Tok::False => "False",
            Tok::Null => "None",
            Tok::And => "and",
            Tok::Or => "or",
            Tok::Not => "not",
            Tok::If => "if",
            Tok::Else => "else",
            Tok::Pow => "**",
            Tok::FloorDiv => "//",
            Tok::Eq => "==",
            Tok::Ne => "!=",
            Tok::Le => "<=",
            Tok::Ge => ">=",
            Tok::Lt => "<",
            Tok::Gt => ">",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::Num(_) | Tok::Str(_) | Tok::Name(_) | Tok::Eof => "?",
        }
    }
}

/// Binary precedence levels, loosest first; `not` sits between `and` and the comparisons.
pub(super) mod level {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const CMP: u8 = 4;
    pub const SUM: u8 = 5;
    pub const TERM: u8 = 6;
}

impl Tok {
    /// The precedence level of a binary operator token (`**` binds inside factors instead).
    pub fn level(&self) -> Option<u8> {
        use level::*;
        Some(match self {
            Tok::Or => OR,
            Tok::And => AND,
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => CMP,
            Tok::Plus | Tok::Minus => SUM,
            Tok::Star | Tok::Slash | Tok::FloorDiv | Tok::Percent => TERM,
            _ => return None,
        })
    }

    /// The operator of an arithmetic or comparison token.
    pub fn binary_op(&self) -> Option<BinOp> {
        Some(match self {
            Tok::Plus => BinOp::Add,
            Tok::Minus => BinOp::Sub,
            Tok::Star => BinOp::Mul,
            Tok::Slash => BinOp::Div,
            Tok::FloorDiv => BinOp::FloorDiv,
            Tok::Percent => BinOp::Mod,
            Tok::Pow => BinOp::Pow,
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            _ => return None,
        })
    }
}

/// A token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub offset: usize,
}

/// Splits `source` into tokens, ending with [`Tok::Eof`] at the source's length.
pub(super) fn lex(source: &str) -> Result<Vec<Token>, FormulaError> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let next = chars.get(i + 1).copied();
        let tok = if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            let (n, end) = number(&chars, i)?;
            i = end;
            n
        } else if c == '\'' || c == '"' {
            let (s, end) = string(&chars, i)?;
            i = end;
            Tok::Str(Arc::new(s))
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            keyword_or_name(chars[start..i].iter().collect())
        } else {
            let (tok, len) = match (c, next) {
                ('*', Some('*')) => (Tok::Pow, 2),
                ('/', Some('/')) => (Tok::FloorDiv, 2),
                ('=', Some('=')) => (Tok::Eq, 2),
                ('!', Some('=')) => (Tok::Ne, 2),
                ('<', Some('=')) => (Tok::Le, 2),
                ('>', Some('=')) => (Tok::Ge, 2),
                ('<', _) => (Tok::Lt, 1),
                ('>', _) => (Tok::Gt, 1),
                ('+', _) => (Tok::Plus, 1),
                ('-', _) => (Tok::Minus, 1),
                ('*', _) => (Tok::Star, 1),
                ('/', _) => (Tok::Slash, 1),
                ('%', _) => (Tok::Percent, 1),
                ('(', _) => (Tok::LParen, 1),
                (')', _) => (Tok::RParen, 1),
                ('[', _) => (Tok::LBracket, 1),
                (']', _) => (Tok::RBracket, 1),
                (',', _) => (Tok::Comma, 1),
                ('.', _) => (Tok::Dot, 1),
                _ => {
                    return Err(syntax(start, format!("unexpected character {c:?}")));
                }
            };
            i += len;
            tok
        };
        out.push(Token { tok, offset: start });
    }
    out.push(Token {
        tok: Tok::Eof,
        offset: chars.len(),
    });
    Ok(out)
}

fn keyword_or_name(word: String) -> Tok {
    match word.as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "if" => Tok::If,
        "else" => Tok::Else,
        "true" | "True" => Tok::True,
        "false" | "False" => Tok::False,
        "null" | "None" => Tok::Null,
        _ => Tok::Name(word),
    }
}

/// `(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`; an `e` not followed by digits is left for the next token.
fn number(chars: &[char], start: usize) -> Result<(Tok, usize), FormulaError> {
    let digits = |mut i: usize| {
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    if chars.get(i) == Some(&'.') {
        i = digits(i + 1);
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(i + 1), Some('+' | '-')));
        let exp_end = digits(i + 1 + sign);
        if exp_end > i + 1 + sign {
            i = exp_end;
        }
    }
    let text: String = chars[start..i].iter().collect();
    match text.parse::<f64>() {
        // A literal that overflows is not a double the language can hold.
        Ok(n) if n.is_finite() => Ok((Tok::Num(n), i)),
        _ => Err(syntax(start, format!("number {text} is out of range"))),
    }
}

fn string(chars: &[char], start: usize) -> Result<(String, usize), FormulaError> {
    let quote = chars[start];
    let mut out = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err(syntax(start, "unterminated string")),
            Some(&c) if c == quote => return Ok((out, i + 1)),
            Some('\\') => {
                let escaped = match chars.get(i + 1) {
                    Some('\\') => '\\',
                    Some('\'') => '\'',
                    Some('"') => '"',
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some(other) => {
                        return Err(syntax(i, format!("unknown escape \\{other}")));
                    }
                    None => return Err(syntax(start, "unterminated string")),
                };
                out.push(escaped);
                i += 2;
            }
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

fn syntax(offset: usize, message: impl Into<String>) -> FormulaError {
    FormulaError::new(ErrorKind::Syntax, message, Some(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_follow_the_lexical_grammar() {
        assert_eq!(
            toks("1e3 .5 5. 2E-2"),
            [
                Tok::Num(1e3),
                Tok::Num(0.5),
                Tok::Num(5.0),
                Tok::Num(0.02),
                Tok::Eof
            ]
        );
        assert_eq!(toks("1e"), [Tok::Num(1.0), Tok::Name("e".into()), Tok::Eof]);
        assert_eq!(toks("1..2"), [Tok::Num(1.0), Tok::Num(0.2), Tok::Eof]);
        assert_eq!(lex("1e999").unwrap_err().kind, ErrorKind::Syntax);
    }

    #[test]
    fn keywords_operators_and_offsets() {
        assert_eq!(
            toks("not True and None or x.y ** 2 // 3 != 4 <= 5"),
            [
                Tok::Not,
                Tok::True,
                Tok::And,
                Tok::Null,
                Tok::Or,
                Tok::Name("x".into()),
                Tok::Dot,
                Tok::Name("y".into()),
                Tok::Pow,
                Tok::Num(2.0),
                Tok::FloorDiv,
                Tok::Num(3.0),
                Tok::Ne,
                Tok::Num(4.0),
                Tok::Le,
                Tok::Num(5.0),
                Tok::Eof
            ]
        );
        let t = lex("é + 'ü' @").unwrap_err();
        assert_eq!((t.kind, t.offset), (ErrorKind::Syntax, Some(0)));
        let t = lex("'é' + @").unwrap_err();
        assert_eq!(t.offset, Some(6));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#"'a\'b' "c\"\n\t\\""#),
            [
                Tok::Str(Arc::new("a'b".into())),
                Tok::Str(Arc::new("c\"\n\t\\".into())),
                Tok::Eof
            ]
        );
        for bad in [r"'abc", r"'a\x'", "'a\\", "{", "=", "!", "a ; b"] {
            assert_eq!(lex(bad).unwrap_err().kind, ErrorKind::Syntax, "{bad}");
        }
    }
}
