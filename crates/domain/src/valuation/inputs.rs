//! The per-input memo of actions: an action's contribution remembered by the values of the
//! fields it is computed from.
//!
//! A formula such as `min(60, ram_total_capacity_gb * 1.25) if ram_type == 'ddr5' else …`, or a
//! per-unit action with condition multipliers, reads a few listing fields whose values repeat
//! across listings (a handful of RAM sizes, three conditions). [`super::Evaluator`] keeps, per
//! such action, a small direct-mapped table from those values to the contribution. A hit
//! compares the values exactly — numbers by their bits, text by its bytes — so it gives what
//! evaluating gives; only clean contributions are kept, a failing action is evaluated again
//! every time.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::action::{Action, ActionError};
use crate::context::{Context, FieldRef, Slot};
use crate::decimal::Running;
use crate::value::{NULL, Value};

/// The most fields an action may read and still be remembered.
pub(super) const MAX_INPUTS: usize = 4;

/// Entries per action: a power of two, the index is the top bits of the values' hash.
const ENTRIES: usize = 128;
const INDEX_SHIFT: u32 = 64 - ENTRIES.trailing_zeros();

/// After this many lookups an action whose values rarely repeat (fewer than one hit in four:
/// a formula on the price) stops looking up, so it pays the evaluation alone.
const TRIAL: u32 = 1024;

/// The fields an action is computed from (core slots), and the number of its table.
#[derive(Debug, Clone)]
pub(super) struct Inputs {
    pub table: usize,
    slots: [Slot; MAX_INPUTS],
    len: usize,
}

impl Inputs {
    /// The inputs of `action` when it is worth remembering (see [`Action::inputs`]) and reads
    /// at most [`MAX_INPUTS`] core fields (a custom value is looked up by key: not worth it);
    /// numbers its table in `tables`.
    pub(super) fn of(action: &Action, tables: &mut usize) -> Option<Inputs> {
        let fields = action.inputs().filter(|f| f.len() <= MAX_INPUTS)?;
        let mut slots = [0; MAX_INPUTS];
        for (f, s) in fields.iter().zip(&mut slots) {
            let FieldRef::Slot(slot) = f else {
                return None;
            };
            *s = *slot;
        }
        *tables += 1;
        Some(Inputs {
            table: *tables - 1,
            slots,
            len: fields.len(),
        })
    }
}

/// One action's remembered contributions.
#[derive(Debug)]
pub(super) struct Table {
    entries: Box<[Option<Remembered>]>,
    lookups: u32,
    hits: u32,
    off: bool,
}

impl Default for Table {
    fn default() -> Self {
        Self {
            entries: std::iter::repeat_with(|| None).take(ENTRIES).collect(),
            lookups: 0,
            hits: 0,
            off: false,
        }
    }
}

/// A contribution and the values it was computed from: their kinds and words (see [`word`])
/// decide a hit; the values themselves are held for text, whose word is only a hash.
#[derive(Debug)]
struct Remembered {
    kinds: u32,
    words: [u64; MAX_INPUTS],
    values: [Value; MAX_INPUTS],
    contribution: Decimal,
}

/// The kind of text, one bit of the four each input has in a packed `kinds`.
const TEXT: u32 = 8;
const ANY_TEXT: u32 = TEXT * 0x1111;

/// A value's kind and word: the bits of a number, a boolean as 0/1 — exact, so equal words are
/// equal values (a number by its bits: 0 and −0 differ) — and for text a hash of its length and
/// end bytes, so equal texts at different addresses meet in one entry. `None` for a list or
/// map (never remembered).
#[inline(always)]
fn word(v: &Value) -> Option<(u32, u64)> {
    Some(match v {
        Value::Null => (1, 0),
        Value::Bool(b) => (2, u64::from(*b)),
        Value::Num(x) => (4, x.to_bits()),
        Value::Str(s) => {
            let b = s.as_bytes();
            let end = |x: Option<&u8>| x.copied().map_or(0, u64::from);
            (
                TEXT,
                (b.len() as u64) << 16 | end(b.first()) << 8 | end(b.last()),
            )
        }
        Value::List(_) | Value::Map(_) => return None,
    })
}

/// Equal texts among the first `len` inputs (kinds and words already agree; anything but
/// text is decided by them).
#[inline(always)]
fn same_texts(held: &[Value; MAX_INPUTS], values: &[&Value; MAX_INPUTS], len: usize) -> bool {
    for i in 0..len.min(MAX_INPUTS) {
        if let (Some(Value::Str(x)), Some(Value::Str(y))) = (held.get(i), values.get(i).copied())
            && !Arc::ptr_eq(x, y)
            && x.as_bytes() != y.as_bytes()
        {
            return false;
        }
    }
    true
}

/// The contribution of `action` on `ctx`: remembered when its input values were seen,
/// else evaluated (and remembered when clean). What `action.eval_at(ctx, start)` gives.
#[inline(always)]
pub(super) fn contribution(
    table: &mut Table,
    inputs: &Inputs,
    action: &Action,
    ctx: &Context,
    start: Running,
) -> Result<Decimal, ActionError> {
    if table.off {
        return action.eval_at(ctx, start);
    }
    let mut values = [&NULL; MAX_INPUTS];
    let mut words = [0u64; MAX_INPUTS];
    let mut kinds: u32 = 0;
    let mut h: u64 = 0;
    for ((s, v), w) in inputs.slots[..inputs.len.min(MAX_INPUTS)]
        .iter()
        .zip(&mut values)
        .zip(&mut words)
    {
        *v = ctx.slot(*s);
        let Some((kind, x)) = word(v) else {
            return action.eval_at(ctx, start);
        };
        *w = x;
        kinds = kinds << 4 | kind;
        // The fold brings a number's varying bits (high for small whole numbers) down.
        h = (h ^ x ^ (x >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    if table.lookups < TRIAL {
        table.lookups += 1;
        if table.lookups == TRIAL && table.hits < TRIAL / 4 {
            table.off = true;
        }
    }
    h ^= h >> 29;
    let at = ((h ^ u64::from(kinds)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> INDEX_SHIFT) as usize;
    let Some(entry) = table.entries.get_mut(at) else {
        return action.eval_at(ctx, start);
    };
    if let Some(r) = entry
        && r.kinds == kinds
        && r.words == words
        && (kinds & ANY_TEXT == 0 || same_texts(&r.values, &values, inputs.len))
    {
        table.hits = table.hits.saturating_add(1);
        return Ok(r.contribution);
    }
    let c = action.eval_at(ctx, start)?;
    *entry = Some(Remembered {
        kinds,
        words,
        values: values.map(Value::clone),
        contribution: c,
    });
    Ok(c)
}
