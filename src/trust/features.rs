//! The note features that move recognition and the penalty, read off the signals.

use crate::signals::{DisclosureStrength, Signal, SignalKind, has};

/// What the trust model needs to know about a note's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Features {
    /// A clear 广告 / 推广 / 赞助 label.
    pub clear: bool,
    /// Only a vague label (合作, 恰饭, 利益相关).
    pub vague: bool,
    /// Overt commercial cues readers notice: offers, calls to action, link pointers.
    pub overt: bool,
    /// Selling cues with no drawback or trade-off anywhere.
    pub one_sided: bool,
    /// A real drawback, trade-off or cross-brand comparison.
    pub balance: bool,
    /// Specific first-person experience.
    pub experience: bool,
    /// Absolute (广告法 Art. 9(3)) or efficacy (Art. 17, 28) claims.
    pub claims: bool,
}

impl Features {
    /// Reads the features off a note's signals; `clear` is the settled fact that
    /// the note carries a clear 广告 label.
    pub fn of(signals: &[Signal], clear: bool) -> Features {
        let balance = has(signals, SignalKind::Balance);
        let selling = signals.iter().any(|s| {
            matches!(
                s.kind,
                SignalKind::CallToAction
                    | SignalKind::Offer
                    | SignalKind::SellingScript
                    | SignalKind::BrandRepetition
                    | SignalKind::AbsoluteClaim
                    | SignalKind::EfficacyClaim
                    | SignalKind::CommercialMechanic
            )
        });
        Features {
            clear,
            vague: !clear
                && signals.iter().any(|s| {
                    s.kind == SignalKind::Disclosure
                        && s.strength != Some(DisclosureStrength::Clear)
                }),
            overt: has(signals, SignalKind::Offer)
                || has(signals, SignalKind::CallToAction)
                || has(signals, SignalKind::PurchaseLink)
                || has(signals, SignalKind::CommercialMechanic),
            one_sided: selling && !balance,
            balance,
            experience: has(signals, SignalKind::Experience),
            claims: has(signals, SignalKind::AbsoluteClaim)
                || has(signals, SignalKind::EfficacyClaim),
        }
    }

    /// Each present feature by name, with a copy of `self` that lacks it (for the
    /// leave-one-out drivers).
    pub fn present(&self) -> Vec<(&'static str, Features)> {
        let mut out = Vec::new();
        let mut each = |on: bool, name: &'static str, off: fn(&mut Features)| {
            if on {
                let mut f = *self;
                off(&mut f);
                out.push((name, f));
            }
        };
        each(self.clear, "disclosure", |f| f.clear = false);
        each(self.vague, "vague_disclosure", |f| f.vague = false);
        each(self.overt, "overt_commercial_cues", |f| f.overt = false);
        each(self.one_sided, "one_sided_praise", |f| f.one_sided = false);
        each(self.balance, "balance", |f| f.balance = false);
        each(self.experience, "experience", |f| f.experience = false);
        each(self.claims, "absolute_or_efficacy_claim", |f| {
            f.claims = false
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(kind: SignalKind, strength: Option<DisclosureStrength>) -> Signal {
        Signal {
            strength,
            ..Signal::example(kind, "示例")
        }
    }

    fn of(signals: &[Signal]) -> Features {
        Features::of(signals, crate::signals::clearly_disclosed(signals))
    }

    #[test]
    fn selling_without_a_drawback_is_one_sided() {
        let f = of(&[sig(SignalKind::SellingScript, None)]);
        assert!(f.one_sided && !f.overt);
        let f = of(&[
            sig(SignalKind::SellingScript, None),
            sig(SignalKind::Balance, None),
        ]);
        assert!(!f.one_sided && f.balance);
    }

    #[test]
    fn a_clear_label_wins_over_a_vague_one() {
        let vague = sig(SignalKind::Disclosure, Some(DisclosureStrength::Vague));
        let clear = sig(SignalKind::Disclosure, Some(DisclosureStrength::Clear));
        assert!(of(std::slice::from_ref(&vague)).vague);
        let f = of(&[vague, clear]);
        assert!(f.clear && !f.vague);
    }

    #[test]
    fn link_pointers_and_offers_are_overt_and_claims_are_flagged() {
        let f = of(&[
            sig(SignalKind::PurchaseLink, None),
            sig(SignalKind::EfficacyClaim, None),
        ]);
        assert!(f.overt && f.claims && f.one_sided);
        assert_eq!(f.present().len(), 3);
    }
}
