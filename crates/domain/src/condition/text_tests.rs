//! Tests of `text`: every fast path against lower-casing or the regex engine.

use super::text::{Needle, Pattern, ascii_lower_word, ascii_window_eq};

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
fn word_window_equality_is_the_byte_comparison() {
    // Windows of 0 to 24 bytes against lower-case needles, with every byte value at every
    // position of the window: ASCII or not, and equal ignoring case or not, as the byte
    // comparison says.
    for n in 0..=24usize {
        let lower: Vec<u8> = (0..n).map(|i| b"windows 11 home_z@[`{"[i % 21]).collect();
        let upper = lower.to_ascii_uppercase();
        for base in [&lower, &upper] {
            let reference = |w: &[u8]| w.is_ascii().then(|| w.eq_ignore_ascii_case(&lower));
            assert_eq!(ascii_window_eq(base, &lower), reference(base), "{n}");
            for at in 0..n {
                for b in 0..=u8::MAX {
                    let mut w = base.clone();
                    w[at] = b;
                    assert_eq!(ascii_window_eq(&w, &lower), reference(&w), "{n} {at} {b}");
                }
            }
        }
    }
}

#[test]
fn ascii_lower_word_lower_cases_every_byte() {
    for b in 0..0x80u8 {
        for at in 0..8 {
            let mut bytes = *b"aZ@[`{09";
            bytes[at] = b;
            let lowered = ascii_lower_word(u64::from_le_bytes(bytes)).to_le_bytes();
            assert_eq!(lowered, bytes.map(|x| x.to_ascii_lowercase()), "{b} {at}");
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
