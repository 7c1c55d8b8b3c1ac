//! The recursive-descent parser of DOMAIN.md §4.10's grammar, emitting postfix code directly.
//!
//! There is no syntax tree: each rule emits its code as it is recognised, operator chains are
//! loops, and only nesting (bounded by [`MAX_FORMULA_DEPTH`]) recurses. Names are bound as they
//! are met, but a binding failure is only kept, not raised, so that any syntax error wins over it
//! (errors go by phase); among binding failures the one at the smallest offset wins, which is
//! source order (a call's arity is checked before its arguments' names).

use super::bind;
use super::code::{BinOp, Builder, Instr, Program};
use super::lexer::level::{AND, CMP, NOT, OR, SUM};
use super::lexer::{Tok, Token, lex};
use super::{FormulaError, MAX_FORMULA_DEPTH};
use crate::context::FieldRegistry;
use crate::error::ErrorKind;
use crate::value::Value;

/// Errors are boxed while parsing: every `?` on the recursive path moves a result, and a thin one
/// keeps the native frames per nesting level small.
type R = Result<(), Box<FormulaError>>;

/// Parses and binds `source` into a program.
pub(super) fn parse(source: &str, registry: &FieldRegistry) -> Result<Program, FormulaError> {
    let toks = lex(source)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        registry,
        out: Builder::default(),
        bind_error: None,
    };
    if p.peek() == &Tok::Eof {
        return Err(FormulaError::new(
            ErrorKind::Syntax,
            "the formula is empty",
            Some(0),
        ));
    }
    p.expression().map_err(|e| *e)?;
    if p.peek() != &Tok::Eof {
        return Err(*p.unexpected());
    }
    match p.bind_error {
        Some(e) => Err(e),
        None => Ok(p.out.finish()),
    }
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    registry: &'a FieldRegistry,
    out: Builder,
    bind_error: Option<FormulaError>,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        // The token list always ends with `Eof`, and `pos` never moves past it.
        &self.toks[self.pos].tok
    }

    fn offset(&self) -> usize {
        self.toks[self.pos].offset
    }

    fn advance(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let hit = self.peek() == tok;
        if hit {
            self.advance();
        }
        hit
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> R {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    #[cold]
    #[inline(never)]
    fn expected(&self, what: &str) -> Box<FormulaError> {
        self.error(format!("expected {what}, found {}", self.peek().describe()))
    }

    #[cold]
    #[inline(never)]
    fn error(&self, message: String) -> Box<FormulaError> {
        Box::new(FormulaError::new(
            ErrorKind::Syntax,
            message,
            Some(self.offset()),
        ))
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self) -> Box<FormulaError> {
        self.error(format!("unexpected {}", self.peek().describe()))
    }

    /// Opens a nesting level at `offset`.
    fn enter(&mut self, offset: usize) -> R {
        self.depth += 1;
        if self.depth > MAX_FORMULA_DEPTH {
            return Err(too_deep(offset));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Keeps a binding failure unless an earlier one (by offset) is already kept.
    fn bind_failed(&mut self, kind: ErrorKind, message: impl FnOnce() -> String, offset: usize) {
        if self
            .bind_error
            .as_ref()
            .is_none_or(|b| b.offset.is_some_and(|o| offset < o))
        {
            self.bind_error = Some(FormulaError::new(kind, message(), Some(offset)));
        }
    }

    /// `expression = disjunction [ "if" disjunction "else" expression ]`
    fn expression(&mut self) -> R {
        let base = self.out.height();
        let start = self.out.len();
        self.binary(OR)?;
        if self.peek() != &Tok::If {
            return Ok(());
        }
        self.conditional(base, start)
    }

    /// The `if … else …` tail of a conditional expression whose chosen-branch code starts at
    /// `start`. Kept out of [`Parser::expression`] so the frame that recurses stays small.
    #[inline(never)]
    fn conditional(&mut self, base: usize, start: usize) -> R {
        let if_offset = self.advance().offset;
        let branch_len = self.out.len() - start;
        self.binary(OR)?;
        // The condition runs first: move the chosen-branch code after it.
        let (mut code, mut offsets) = self.out.take_from(start);
        let cond = (code.split_off(branch_len), offsets.split_off(branch_len));
        self.out.append(cond);
        self.out.set_height(base + 1);
        let to_else = self.out.jump(Instr::PopJumpIfFalsy(0), if_offset);
        self.out.append((code, offsets));
        self.out.set_height(base + 1);
        let to_end = self.out.jump(Instr::Jump(0), if_offset);
        self.out.patch(to_else);
        self.out.set_height(base);
        let else_offset = self.offset();
        self.expect(&Tok::Else, "'else'")?;
        self.enter(else_offset)?;
        self.expression()?;
        self.leave();
        self.out.patch(to_end);
        Ok(())
    }

    /// The binary levels `disjunction` … `term` (and `inversion`) by precedence climbing: one
    /// native frame per operator level met, not one per grammar rule, keeping the recursion per
    /// nesting level shallow.
    fn binary(&mut self, min: u8) -> R {
        if min <= NOT && self.peek() == &Tok::Not {
            let offset = self.advance().offset;
            self.enter(offset)?;
            self.binary(NOT)?;
            self.leave();
            self.out.emit(Instr::Not, offset);
        } else {
            self.factor()?;
        }
        while let Some(level) = self.peek().level().filter(|l| *l >= min) {
            match level {
                OR | AND => {
                    let offset = self.advance().offset;
                    let jump = if level == OR {
                        Instr::OrJump(0)
                    } else {
                        Instr::AndJump(0)
                    };
                    let jump = self.out.jump(jump, offset);
                    self.binary(level + 1)?;
                    self.out.patch(jump);
                }
                CMP => self.comparison()?,
                _ => {
                    let op = self.peek().binary_op().unwrap_or(BinOp::Add);
                    let offset = self.advance().offset;
                    self.binary(level + 1)?;
                    self.out.emit(Instr::Bin(op), offset);
                }
            }
        }
        Ok(())
    }

    /// The rest of `comparison = sum { op sum }` once a comparison operator is next; every link
    /// but the last may end the chain early, and each operand is evaluated once.
    fn comparison(&mut self) -> R {
        let mut exits = Vec::new();
        loop {
            let op = self.peek().binary_op().unwrap_or(BinOp::Eq);
            let offset = self.advance().offset;
            self.binary(SUM)?;
            if self.peek().level() != Some(CMP) {
                self.out.emit(Instr::Bin(op), offset);
                break;
            }
            exits.push(self.out.jump(Instr::CmpChain(op, 0), offset));
        }
        for exit in exits {
            self.out.patch(exit);
        }
        Ok(())
    }

    /// `factor = ( "+" | "-" ) factor | power`
    fn factor(&mut self) -> R {
        let instr = match self.peek() {
            Tok::Plus => Instr::Pos,
            Tok::Minus => Instr::Neg,
            _ => return self.power(),
        };
        let offset = self.advance().offset;
        self.enter(offset)?;
        self.factor()?;
        self.leave();
        self.out.emit(instr, offset);
        Ok(())
    }

    /// `power = primary [ "**" factor ]`
    fn power(&mut self) -> R {
        self.primary()?;
        if self.peek() == &Tok::Pow {
            let offset = self.advance().offset;
            self.enter(offset)?;
            self.factor()?;
            self.leave();
            self.out.emit(Instr::Bin(BinOp::Pow), offset);
        }
        Ok(())
    }

    /// `primary = atom { "[" expression "]" }`
    fn primary(&mut self) -> R {
        self.atom()?;
        while self.peek() == &Tok::LBracket {
            let offset = self.advance().offset;
            self.enter(offset)?;
            self.expression()?;
            self.expect(&Tok::RBracket, "']'")?;
            self.leave();
            self.out.emit(Instr::Index, offset);
        }
        Ok(())
    }

    fn atom(&mut self) -> R {
        let offset = self.offset();
        let constant = match self.peek() {
            Tok::Num(n) => Value::Num(*n),
            Tok::Str(s) => Value::Str(s.clone()),
            Tok::True => Value::Bool(true),
            Tok::False => Value::Bool(false),
            Tok::Null => Value::Null,
            Tok::Name(_) => return self.path(),
            Tok::LParen => {
                self.advance();
                self.enter(offset)?;
                self.expression()?;
                self.expect(&Tok::RParen, "')'")?;
                self.leave();
                return Ok(());
            }
            Tok::LBracket => return self.list(),
            _ => return Err(self.unexpected()),
        };
        self.advance();
        self.out.emit(Instr::Const(constant), offset);
        Ok(())
    }

    /// `path` as an identifier, or `path "(" args ")"` as a call.
    fn path(&mut self) -> R {
        let offset = self.offset();
        let mut names = Vec::new();
        while let Tok::Name(n) = self.peek() {
            names.push(n.clone());
            self.advance();
            if self.peek() != &Tok::Dot {
                break;
            }
            self.advance();
            if !matches!(self.peek(), Tok::Name(_)) {
                return Err(self.expected("a name after '.'"));
            }
        }
        if self.peek() == &Tok::LParen {
            return self.call(&names.join("."), offset);
        }
        match bind::identifier(&names, self.registry) {
            Some(field) => self.out.emit(bind::load(field), offset),
            None => {
                self.bind_failed(
                    ErrorKind::UnknownIdentifier,
                    || format!("unknown identifier '{}'", names.join(".")),
                    offset,
                );
                self.out.emit(Instr::Const(Value::Null), offset);
            }
        }
        Ok(())
    }

    fn call(&mut self, name: &str, offset: usize) -> R {
        let function = bind::function(name);
        if function.is_none() {
            self.bind_failed(
                ErrorKind::UnknownFunction,
                || format!("unknown function '{name}'"),
                offset,
            );
        }
        let paren = self.advance().offset;
        self.enter(paren)?;
        let mut argc = 0usize;
        if !self.eat(&Tok::RParen) {
            loop {
                self.expression()?;
                argc += 1;
                if self.eat(&Tok::Comma) {
                    continue;
                }
                self.expect(&Tok::RParen, "',' or ')'")?;
                break;
            }
        }
        self.leave();
        let n = u32::try_from(argc).unwrap_or(u32::MAX);
        match function {
            Some((f, min, max)) if (min..=max).contains(&argc) => {
                self.out.emit(Instr::Call(f, n), offset)
            }
            other => {
                if let Some((_, min, max)) = other {
                    self.bind_failed(
                        ErrorKind::Arity,
                        || bind::arity_message(name, min, max, argc),
                        offset,
                    );
                }
                // Never evaluated (binding failed); keeps the stack accounting right.
                self.out.emit(Instr::List(n), offset);
            }
        }
        Ok(())
    }

    /// `"[" [ expression { "," expression } [ "," ] ] "]"`
    fn list(&mut self) -> R {
        let offset = self.advance().offset;
        self.enter(offset)?;
        let mut n = 0u32;
        while !self.eat(&Tok::RBracket) {
            self.expression()?;
            n += 1;
            if !self.eat(&Tok::Comma) {
                self.expect(&Tok::RBracket, "',' or ']'")?;
                break;
            }
        }
        self.leave();
        self.out.emit(Instr::List(n), offset);
        Ok(())
    }
}

#[cold]
fn too_deep(offset: usize) -> Box<FormulaError> {
    let message = format!("the formula nests deeper than {MAX_FORMULA_DEPTH} levels");
    Box::new(FormulaError::new(ErrorKind::TooDeep, message, Some(offset)))
}
