//! Case-insensitive text matching. ASCII text (nearly all listing data) is compared in place;
//! other text falls back to Unicode lower-casing. A regex that is only literal alternatives
//! (`Arc|Xe-LPG`) is matched on ASCII text as substring searches, without the regex engine.

use regex::Regex;

/// A comparison value kept in lower case, with a flag for the ASCII fast path.
#[derive(Debug, Clone)]
pub(super) struct Needle {
    lower: String,
    ascii: bool,
    /// The lower-cased needle holds a `k`: the one ASCII letter a non-ASCII character (the
    /// Kelvin sign) lower-cases into.
    k: bool,
}

impl Needle {
    pub(super) fn new(text: &str) -> Self {
        let lower = text.to_lowercase();
        Self {
            k: lower.contains('k'),
            lower,
            ascii: text.is_ascii(),
        }
    }

    /// Inlined into the leaf's test (called for most listings); the Unicode comparison is
    /// out of line.
    #[inline(always)]
    pub(super) fn equals(&self, hay: &str) -> bool {
        if self.ascii {
            // Lower-casing maps text onto ASCII only through ASCII letters and the Kelvin sign
            // (3 bytes → `k`; checked over all of Unicode in the tests), so text that lower-cases
            // to this ASCII needle is never shorter than it, and of equal length only when it
            // is ASCII itself: then the ASCII comparison alone decides. Longer text must hold a
            // Kelvin sign to lower-case to it, so a needle without `k` never equals it.
            match hay.len().cmp(&self.lower.len()) {
                std::cmp::Ordering::Less => return false,
                std::cmp::Ordering::Equal => return ascii_eq_lower(hay.as_bytes(), &self.lower),
                std::cmp::Ordering::Greater => {
                    return self.k && !hay.is_ascii() && self.equals_lower(hay);
                }
            }
        }
        self.equals_lower(hay)
    }

    /// Equality of the lower-cased text with the needle.
    #[cold]
    fn equals_lower(&self, hay: &str) -> bool {
        hay.to_lowercase() == self.lower
    }

    pub(super) fn contained_in(&self, hay: &str) -> bool {
        if self.ascii && hay.is_ascii() {
            ascii_contains(hay.as_bytes(), self.lower.as_bytes())
        } else {
            hay.to_lowercase().contains(&self.lower)
        }
    }

    /// Lower-casing is per character, so when the first `n` bytes of the text are ASCII they
    /// lower-case to the first `n` bytes of the lower-cased text: only that window needs to be
    /// ASCII for the ASCII comparison to decide, whatever follows it.
    pub(super) fn prefix_of(&self, hay: &str) -> bool {
        let n = self.lower.len();
        if self.ascii
            && let Some(window) = hay.as_bytes().get(..n)
            && let Some(equal) = ascii_window_eq(window, self.lower.as_bytes())
        {
            return equal;
        }
        if self.ascii && hay.is_ascii() {
            // Shorter than the needle.
            return false;
        }
        hay.to_lowercase().starts_with(&self.lower)
    }

    /// As [`Needle::prefix_of`], with the window at the end.
    pub(super) fn suffix_of(&self, hay: &str) -> bool {
        let n = self.lower.len();
        if self.ascii
            && let Some(start) = hay.len().checked_sub(n)
            && let Some(window) = hay.as_bytes().get(start..)
            && let Some(equal) = ascii_window_eq(window, self.lower.as_bytes())
        {
            return equal;
        }
        if self.ascii && hay.is_ascii() {
            return false;
        }
        hay.to_lowercase().ends_with(&self.lower)
    }
}

/// `Some(window.eq_ignore_ascii_case(lower))` when `window` is ASCII, `None` when it is not;
/// `lower` is lower-case ASCII. From 8 bytes on, eight bytes at a time (overlapping at the
/// end): a window such as `Windows 11 Home` is two words instead of fifteen byte steps.
#[inline]
pub(super) fn ascii_window_eq(window: &[u8], lower: &[u8]) -> Option<bool> {
    let n = window.len();
    if n < 8 || n != lower.len() {
        return window
            .is_ascii()
            .then(|| window.eq_ignore_ascii_case(lower));
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(u64::from_le_bytes)
    };
    let (mut ascii, mut equal) = (true, true);
    let mut at = 0;
    loop {
        let (w, l) = (word(window, at)?, word(lower, at)?);
        ascii &= w & HIGH_BITS == 0;
        equal &= ascii_lower_word(w) == l;
        if at + 8 == n {
            break;
        }
        at = (at + 8).min(n - 8);
    }
    ascii.then_some(equal)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x80 * ONES;

/// ASCII lower-casing of eight bytes below 0x80 at once: a byte's high bit after adding 0x3f
/// says it is at least `A`, after adding 0x25 at least `[` (no sum carries into the next byte,
/// every byte being below 0x80); the bytes from `A` to `Z` get bit 5.
#[inline(always)]
pub(super) fn ascii_lower_word(w: u64) -> u64 {
    let at_least_a = w.wrapping_add(0x3f * ONES);
    let past_z = w.wrapping_add(0x25 * ONES);
    w | ((at_least_a & !past_z & HIGH_BITS) >> 2)
}

/// True when the ASCII text `h` contains the lower-cased ASCII needle `n`, ignoring case.
///
/// Candidates are the positions whose byte equals the needle's first byte with bit 5 set
/// (`| 0x20`, which lower-cases an ASCII letter): one operation and one comparison per byte.
/// For bytes that are not letters the test may admit a position that does not match (`'@'`
/// for `` '`' ``), never reject one that does; the rest of the window is compared exactly.
#[inline]
fn ascii_contains(h: &[u8], n: &[u8]) -> bool {
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    let Some(last) = h.len().checked_sub(n.len()) else {
        return false;
    };
    let key = first | 0x20;
    let mut i = 0;
    while i <= last {
        if h[i] | 0x20 == key
            && h[i].to_ascii_lowercase() == first
            && h[i + 1..i + n.len()].eq_ignore_ascii_case(rest)
        {
            return true;
        }
        i += 1;
    }
    false
}

/// Equality ignoring ASCII case with an already lower-cased ASCII needle of the same length:
/// only the text's side needs lower-casing.
#[inline]
fn ascii_eq_lower(hay: &[u8], lower: &str) -> bool {
    hay.iter()
        .zip(lower.as_bytes())
        .all(|(h, l)| h.to_ascii_lowercase() == *l)
}

/// A compiled `regex` test: the case-insensitive regex, and its literal alternatives when the
/// pattern is nothing else.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    regex: Regex,
    /// Set when every alternative is a non-empty run of ASCII letters, digits, spaces, `-` or
    /// `_` — characters that stand for themselves in a regex. On ASCII text, case-insensitive
    /// matching of such a pattern is exactly "contains one of them, ignoring ASCII case" (the
    /// Unicode case folds of ASCII letters, like the Kelvin sign for `k`, are not ASCII).
    pub(super) literals: Option<Vec<Needle>>,
}

impl Pattern {
    pub(super) fn new(pattern: &str, regex: Regex) -> Self {
        let literal = |alt: &str| {
            !alt.is_empty()
                && alt
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'_'))
        };
        let literals = pattern
            .split('|')
            .all(literal)
            .then(|| pattern.split('|').map(Needle::new).collect());
        Self { regex, literals }
    }

    pub(super) fn is_match(&self, hay: &str) -> bool {
        match &self.literals {
            // The literals are ASCII (see `new`): the ASCII search decides.
            Some(needles) if hay.is_ascii() => needles
                .iter()
                .any(|n| ascii_contains(hay.as_bytes(), n.lower.as_bytes())),
            _ => self.regex.is_match(hay),
        }
    }
}
