//! The running price of a valuation, kept unpacked between the rules that change it.
//!
//! Every matched rule adds its adjustment to the running price. Through [`super::add`] each
//! sum unpacks both decimals and packs the result again; here the price stays as sign, scale
//! and 96-bit magnitude, and only the adjustment is unpacked. The sums are exactly those of
//! [`super::add`] — same fast path, same hand-over to rust_decimal — checked bit for bit in
//! `super::tests`.

use rust_decimal::Decimal;

use super::{MAGNITUDE_END, POW10_U64, add_nonzero, from_u128, wide};

/// A decimal as sign, scale and magnitude (< 2^96), summed as [`super::add`] sums.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Running {
    negative: bool,
    scale: u32,
    magnitude: u128,
}

impl Running {
    /// The unpacked form of `d`.
    #[inline(always)]
    pub(crate) fn new(d: Decimal) -> Self {
        let (negative, scale, magnitude) = wide(&d);
        Self {
            negative,
            scale,
            magnitude,
        }
    }

    /// The decimal itself. A zero keeps the sign it was given (rust_decimal has negative
    /// zeros, which `from_parts` would drop).
    #[inline(always)]
    pub(crate) fn get(self) -> Decimal {
        if self.magnitude == 0 {
            return self.zero();
        }
        from_u128(self.negative, self.magnitude, self.scale)
    }

    #[cold]
    fn zero(self) -> Decimal {
        let mut d = Decimal::from_parts(0, 0, 0, false, self.scale);
        d.set_sign_negative(self.negative);
        d
    }

    /// `self + d`, as `add(self.get(), d)` gives it.
    #[inline(always)]
    pub(crate) fn add(&mut self, d: Decimal) {
        let y = wide(&d);
        // `add` returns the other operand as is when one is zero.
        if self.magnitude == 0 {
            *self = Self::new(d);
            return;
        }
        if y.2 == 0 {
            return;
        }
        // Nearly every adjustment has no more places than the price and a 64-bit magnitude:
        // one 64-bit product aligns it, and the price's magnitude is below 2^96 already.
        // This is `add_nonzero`'s arithmetic for that case, without its other branches.
        if y.1 <= self.scale
            && y.2 >> 64 == 0
            && let Some(&p) = POW10_U64.get((self.scale - y.1) as usize)
        {
            let aligned = u128::from(y.2 as u64) * u128::from(p);
            let x = self.magnitude;
            if aligned < MAGNITUDE_END {
                if y.0 == self.negative {
                    if x + aligned < MAGNITUDE_END {
                        self.magnitude = x + aligned;
                        return;
                    }
                } else if x > aligned {
                    self.magnitude = x - aligned;
                    return;
                } else if aligned > x {
                    self.magnitude = aligned - x;
                    self.negative = y.0;
                    return;
                }
            }
        }
        match add_nonzero((self.negative, self.scale, self.magnitude), y) {
            Some((negative, scale, magnitude)) => {
                *self = Self {
                    negative,
                    scale,
                    magnitude,
                }
            }
            None => self.add_slow(d),
        }
    }

    /// The sums the fast path leaves to rust_decimal.
    #[cold]
    #[inline(never)]
    fn add_slow(&mut self, d: Decimal) {
        *self = Self::new(self.get() + d);
    }

    /// True for a value below zero.
    #[inline(always)]
    pub(crate) fn is_negative(self) -> bool {
        self.negative && self.magnitude != 0
    }
}
