//! Case-insensitive text matching. ASCII text (nearly all listing data) is compared in place;
//! other text falls back to Unicode lower-casing.

/// A comparison value kept in lower case, with a flag for the ASCII fast path.
#[derive(Debug, Clone)]
pub(super) struct Needle {
    lower: String,
    ascii: bool,
}

impl Needle {
    pub(super) fn new(text: &str) -> Self {
        Self {
            lower: text.to_lowercase(),
            ascii: text.is_ascii(),
        }
    }

    pub(super) fn equals(&self, hay: &str) -> bool {
        if self.ascii && hay.is_ascii() {
            hay.eq_ignore_ascii_case(&self.lower)
        } else {
            hay.to_lowercase() == self.lower
        }
    }

    pub(super) fn contained_in(&self, hay: &str) -> bool {
        if self.ascii && hay.is_ascii() {
            let (h, n) = (hay.as_bytes(), self.lower.as_bytes());
            n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
        } else {
            hay.to_lowercase().contains(&self.lower)
        }
    }

    pub(super) fn prefix_of(&self, hay: &str) -> bool {
        if self.ascii && hay.is_ascii() {
            hay.len() >= self.lower.len()
                && hay.as_bytes()[..self.lower.len()].eq_ignore_ascii_case(self.lower.as_bytes())
        } else {
            hay.to_lowercase().starts_with(&self.lower)
        }
    }

    pub(super) fn suffix_of(&self, hay: &str) -> bool {
        if self.ascii && hay.is_ascii() {
            let n = self.lower.len();
            hay.len() >= n
                && hay.as_bytes()[hay.len() - n..].eq_ignore_ascii_case(self.lower.as_bytes())
        } else {
            hay.to_lowercase().ends_with(&self.lower)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Needle;

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
