//! Fuzzy matching of listing rows' CPU/GPU names against the catalogue (§7.1 step 4): an
//! exact `name_key` scores 1; otherwise token-set similarity over words without maker noise
//! (`Intel(R) Core(TM) i5-8500` and `i5-8500` share `i5 8500`). Candidates come from an
//! inverted word index, so a name is compared only with entries sharing a word.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::fields::{normalize, round2, token_similarity};

/// From this score a match is taken without asking.
pub const AUTO: f64 = 0.90;
/// From this score a match is proposed for review.
pub const REVIEW: f64 = 0.75;

/// How a name matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    Auto,
    Review,
    Unmatched,
}

/// A catalogue entry proposed for a name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub name: String,
    pub score: f64,
}

const NOISE: &[&str] = &[
    "intel",
    "amd",
    "apple",
    "r",
    "tm",
    "processor",
    "cpu",
    "with",
];

fn words(name: &str) -> Vec<String> {
    let mut w: Vec<String> = normalize(name)
        .split(' ')
        .filter(|w| !w.is_empty() && !NOISE.contains(w))
        .map(str::to_owned)
        .collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// The names of one catalogue (CPUs or GPUs), indexed.
#[derive(Debug, Default)]
pub struct NameIndex {
    names: Vec<String>,
    words: Vec<Vec<String>>,
    exact: HashMap<String, usize>,
    by_word: HashMap<String, Vec<usize>>,
}

impl NameIndex {
    /// Indexes `names` (the first of equal keys wins).
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        let mut ix = NameIndex::default();
        for n in names {
            ix.add(n);
        }
        ix
    }

    /// Adds a name (ignored when its key is present).
    pub fn add(&mut self, name: String) {
        let key = domain::model::name_key(&name);
        if self.exact.contains_key(&key) {
            return;
        }
        let i = self.names.len();
        let w = words(&name);
        for word in &w {
            self.by_word.entry(word.clone()).or_default().push(i);
        }
        self.exact.insert(key, i);
        self.words.push(w);
        self.names.push(name);
    }

    /// The catalogue name with this exact key.
    pub fn exact(&self, name: &str) -> Option<&str> {
        self.exact
            .get(&domain::model::name_key(name))
            .map(|i| self.names[*i].as_str())
    }

    /// The best three candidates and the status of the best (§7.1: auto ≥ 0.90, review ≥
    /// 0.75). Two different names tied at the top below 1 are ambiguous: review.
    pub fn best(&self, name: &str) -> (MatchStatus, Vec<Candidate>) {
        if let Some(n) = self.exact(name) {
            let c = Candidate {
                name: n.to_owned(),
                score: 1.0,
            };
            return (MatchStatus::Auto, vec![c]);
        }
        let w = words(name);
        let refs: Vec<&str> = w.iter().map(String::as_str).collect();
        let mut seen = std::collections::HashSet::new();
        let mut scored: Vec<(f64, usize)> = w
            .iter()
            .filter_map(|word| self.by_word.get(word))
            .flatten()
            .filter(|i| seen.insert(**i))
            .map(|i| {
                let other: Vec<&str> = self.words[*i].iter().map(String::as_str).collect();
                (token_similarity(&refs, &other), *i)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(3);
        let cands: Vec<Candidate> = scored
            .iter()
            .map(|(s, i)| Candidate {
                name: self.names[*i].clone(),
                score: round2(*s),
            })
            .collect();
        let top = scored.first().map_or(0.0, |s| s.0);
        let tied = scored.get(1).is_some_and(|s| s.0 >= top);
        let status = if top >= AUTO && !tied {
            MatchStatus::Auto
        } else if top >= REVIEW {
            MatchStatus::Review
        } else {
            MatchStatus::Unmatched
        };
        (status, cands)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ix() -> NameIndex {
        NameIndex::new(
            [
                "Intel Core i5-8500",
                "Intel Core i5-8500T",
                "Intel Core i7-8700",
                "AMD Ryzen 5 5600G",
            ]
            .map(String::from),
        )
    }

    #[test]
    fn exact_key_is_auto() {
        let (s, c) = ix().best("  intel core I5-8500 ");
        assert_eq!(s, MatchStatus::Auto);
        assert_eq!(c[0].name, "Intel Core i5-8500");
        assert_eq!(c[0].score, 1.0);
    }

    #[test]
    fn maker_noise_is_ignored() {
        let (s, c) = ix().best("Intel(R) Core(TM) i7-8700 CPU");
        assert_eq!(
            (s, c[0].name.as_str()),
            (MatchStatus::Auto, "Intel Core i7-8700")
        );
        let (s, c) = ix().best("Ryzen 5 5600G");
        assert_eq!(
            (s, c[0].name.as_str()),
            (MatchStatus::Auto, "AMD Ryzen 5 5600G")
        );
    }

    #[test]
    fn near_names_need_review_and_strangers_are_unmatched() {
        let (s, c) = ix().best("i5 8500");
        assert_eq!(
            (s, c[0].name.as_str()),
            (MatchStatus::Auto, "Intel Core i5-8500")
        );
        // `core i5` is contained in two entries equally: ambiguous, so a person decides.
        let (s, c) = ix().best("Core i5");
        assert_eq!(s, MatchStatus::Review, "{c:?}");
        assert_eq!(c[0].score, c[1].score);
        assert!(c[..2].iter().all(|x| x.name.contains("i5")), "{c:?}");
        let (s, c) = ix().best("Snapdragon X Elite");
        assert_eq!(s, MatchStatus::Unmatched);
        assert!(c.is_empty());
        let (s, _) = ix().best("Core i9-13900K");
        assert_eq!(s, MatchStatus::Unmatched);
    }
}
