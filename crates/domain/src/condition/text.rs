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
            && window.is_ascii()
        {
            return window.eq_ignore_ascii_case(self.lower.as_bytes());
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
            && window.is_ascii()
        {
            return window.eq_ignore_ascii_case(self.lower.as_bytes());
        }
        if self.ascii && hay.is_ascii() {
            return false;
        }
        hay.to_lowercase().ends_with(&self.lower)
    }
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
    literals: Option<Vec<Needle>>,
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

#[cfg(test)]
mod tests {
    use super::{Needle, Pattern};

    #[test]
    fn literal_alternatives_match_as_the_regex_does() {
        let hays = [
            "Intel Arc Graphics",
            "intel ARC",
            "Radeon 780M",
            "Xe-LPG",
            "xe-lpgx",
            "Iris Xe",
            "",
            "arcade",
            "Ärc",
            "\u{212A}arc",
        ];
        for pattern in ["Arc|Xe-LPG", "780M", "a b|c_d", "Arc|", "A.c", "x+"] {
            let regex = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .unwrap();
            let p = Pattern::new(pattern, regex.clone());
            for hay in hays {
                assert_eq!(p.is_match(hay), regex.is_match(hay), "{pattern} on {hay}");
            }
        }
        assert!(
            Pattern::new("Arc|Xe-LPG", regex::Regex::new("x").unwrap())
                .literals
                .is_some()
        );
        assert!(
            Pattern::new("Arc|", regex::Regex::new("x").unwrap())
                .literals
                .is_none()
        );
        assert!(
            Pattern::new("A.c", regex::Regex::new("x").unwrap())
                .literals
                .is_none()
        );
    }

    #[test]
    fn only_the_kelvin_sign_lower_cases_into_ascii() {
        let into_ascii: Vec<char> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|c| !c.is_ascii() && c.to_lowercase().all(|l| l.is_ascii()))
            .collect();
        assert_eq!(into_ascii, ['\u{212A}']);
        assert_eq!('\u{212A}'.to_lowercase().collect::<String>(), "k");
        let n = Needle::new("kb");
        assert!(n.equals("\u{212A}B") && n.equals("KB") && !n.equals("k") && !n.equals("kbs"));
        assert!(!Needle::new("ab").equals("\u{e9}"));
    }

    #[test]
    fn prefix_and_suffix_windows_decide_as_the_whole_text() {
        let hays = [
            "HP EliteDesk barebone",
            "Windows 11 Home",
            "windows 11 home ÄÖ",
            "ÄÖ Windows 11 Home",
            "é",
            "",
            "BAREBONE",
            "\u{212A}arebone",
            "xbarebon\u{212A}",
        ];
        for needle in ["barebone", "Windows 11 Home", "é", "bone"] {
            let n = Needle::new(needle);
            let lower = needle.to_lowercase();
            for hay in hays {
                let h = hay.to_lowercase();
                assert_eq!(n.prefix_of(hay), h.starts_with(&lower), "{needle} {hay}");
                assert_eq!(n.suffix_of(hay), h.ends_with(&lower), "{needle} {hay}");
            }
        }
    }

    #[test]
    fn ascii_search_agrees_with_lower_cased_search() {
        // Every needle of one to three bytes over an alphabet with letters of both cases,
        // digits and the bytes that collide with them under `| 0x20`, on every hay of up to
        // five bytes over the same alphabet.
        let alphabet = b"aAzZ@`07\x17 -";
        let words = |max: usize| {
            let mut all: Vec<Vec<u8>> = vec![Vec::new()];
            let mut last: Vec<Vec<u8>> = vec![Vec::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|w| {
                        alphabet.iter().map(move |&b| {
                            let mut w = w.clone();
                            w.push(b);
                            w
                        })
                    })
                    .collect();
                all.extend(last.iter().cloned());
            }
            all
        };
        let hays: Vec<(String, String)> = words(4)
            .into_iter()
            .map(|h| {
                let h = String::from_utf8(h).unwrap();
                let lower = h.to_lowercase();
                (h, lower)
            })
            .collect();
        for needle in words(2) {
            let needle = String::from_utf8(needle).unwrap();
            let (n, lower) = (Needle::new(&needle), needle.to_lowercase());
            for (hay, hay_lower) in &hays {
                let want = hay_lower.contains(&lower);
                assert_eq!(n.contained_in(hay), want, "{needle:?} in {hay:?}");
            }
        }
    }

    #[test]
    fn ascii_equality_and_windows_agree_with_lower_casing() {
        // Every needle and text of up to three bytes over letters of both cases, digits,
        // punctuation and the bytes that collide with letters under bit 5.
        let alphabet = b"aAzZ@`_\x7f07 -";
        let mut words: Vec<String> = vec![String::new()];
        let mut last = words.clone();
        for _ in 0..3 {
            last = last
                .iter()
                .flat_map(|w| {
                    alphabet.iter().map(move |&b| {
                        let mut w = w.clone();
                        w.push(char::from(b));
                        w
                    })
                })
                .collect();
            words.extend(last.iter().cloned());
        }
        for needle in &words {
            let (n, lower) = (Needle::new(needle), needle.to_lowercase());
            for hay in &words {
                let h = hay.to_lowercase();
                assert_eq!(n.equals(hay), h == lower, "{needle:?} = {hay:?}");
                assert_eq!(
                    n.prefix_of(hay),
                    h.starts_with(&lower),
                    "{needle:?} {hay:?}"
                );
                assert_eq!(n.suffix_of(hay), h.ends_with(&lower), "{needle:?} {hay:?}");
            }
        }
    }

    #[test]
    fn longer_text_equals_an_ascii_needle_only_through_the_kelvin_sign() {
        // Texts longer than the needle: ASCII, with the Kelvin sign, with other non-ASCII
        // letters whose lower case is or contains an ASCII letter (İ → i̇) or is a sharp s.
        let needles = ["k", "kk", "ok", "Kelvin", "nvme", "used", "i", "ss", ""];
        let hays = [
            "\u{212A}",
            "\u{212A}\u{212A}",
            "o\u{212A}",
            "O\u{212A}",
            "\u{212A}elvin",
            "nvme ",
            "nvm\u{e9}",
            "\u{130}",
            "\u{df}",
            "USED\u{212A}",
            "sata_ssd",
            "\u{212A}k",
        ];
        for needle in needles {
            let (n, lower) = (Needle::new(needle), needle.to_lowercase());
            for hay in hays {
                assert_eq!(
                    n.equals(hay),
                    hay.to_lowercase() == lower,
                    "{needle:?} = {hay:?}"
                );
            }
        }
    }

    #[test]
    fn ascii_search_agrees_on_long_texts() {
        // Random texts of up to 40 bytes over bytes that collide under `| 0x20`.
        let alphabet = b"aAbB@`\x01!07 -";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        };
        for _ in 0..40_000 {
            let hay: String = (0..next(41))
                .map(|_| char::from(alphabet[next(alphabet.len() as u64)]))
                .collect();
            let needle: String = (0..next(4))
                .map(|_| char::from(alphabet[next(alphabet.len() as u64)]))
                .collect();
            let want = hay.to_lowercase().contains(&needle.to_lowercase());
            assert_eq!(
                Needle::new(&needle).contained_in(&hay),
                want,
                "{needle:?} in {hay:?}"
            );
        }
    }

    #[test]
    fn ascii_and_unicode_paths_agree() {
        let n = Needle::new("NVMe");
        assert!(n.contained_in("512GB nvme SSD"));
        assert!(n.prefix_of("NVME drive") && n.suffix_of("fast nvMe") && n.equals("nvme"));
        assert!(!n.contained_in("nvm"));
        let u = Needle::new("GRÖßE");
        assert!(u.contained_in("die größe"));
        assert!(u.equals("GrÖßE"));
    }
}
