//! Billing rules: card validation, the price list, and billing periods.
//!
//! A card number exists only as a [`CardNumber`] on its way to the payment processor:
//! it is not `Display`, not `Serialize`, and its `Debug` shows the last four digits.

use crate::edition::Edition;
use crate::values::ValueError;
use serde::{Deserialize, Serialize};
use std::fmt;

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, ValueError> {
    Err(ValueError {
        field,
        message: message.into(),
    })
}

/// A card network, recognised from the number's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Other,
}

impl Brand {
    pub const fn label(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Other => "Card",
        }
    }

    fn of(digits: &str) -> Brand {
        let prefix = |n: usize| {
            digits
                .get(..n)
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0)
        };
        match (prefix(1), prefix(2), prefix(4)) {
            (4, _, _) => Brand::Visa,
            (_, 51..=55, _) | (_, _, 2221..=2720) => Brand::Mastercard,
            (_, 34 | 37, _) => Brand::Amex,
            (_, 65, _) | (_, _, 6011) => Brand::Discover,
            _ => Brand::Other,
        }
    }

    /// A processor's name for the network (Stripe's `card.brand`); one Purser does not
    /// list is `Other`.
    pub fn of_processor(name: &str) -> Brand {
        name.parse().unwrap_or(Brand::Other)
    }

    /// How many digits the card's security code has.
    pub const fn cvc_len(self) -> usize {
        match self {
            Brand::Amex => 4,
            _ => 3,
        }
    }
}

names! {
    Brand { Visa => "visa", Mastercard => "mastercard", Amex => "amex", Discover => "discover", Other => "other" }
    unknown: String = |s: &str| format!("unknown card brand {s:?}")
}

/// A card number that passed the Luhn check.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

impl CardNumber {
    /// Digits with optional spaces or hyphens; 12–19 digits; Luhn-valid.
    pub fn parse(input: &str) -> Result<CardNumber, ValueError> {
        const FIELD: &str = "number";
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return refuse(FIELD, "Enter the card number.");
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return refuse(FIELD, "A card number has only digits.");
        }
        if !(12..=19).contains(&digits.len()) {
            return refuse(FIELD, "A card number has 12 to 19 digits.");
        }
        if !luhn(&digits) {
            return refuse(FIELD, "This card number is not valid: check for a typo.");
        }
        Ok(CardNumber(digits))
    }

    pub fn brand(&self) -> Brand {
        Brand::of(&self.0)
    }

    pub fn last4(&self) -> String {
        self.0[self.0.len() - 4..].to_owned()
    }

    /// The digits, for the payment processor alone.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(…{})", self.last4())
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A card's expiry month, not in the past.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiry {
    pub month: u32,
    pub year: i32,
}

impl Expiry {
    /// `MM/YY` or `MM/YYYY`, valid through the end of that month, compared with `today`
    /// as (year, month).
    pub fn parse(input: &str, today: (i32, u32)) -> Result<Expiry, ValueError> {
        const FIELD: &str = "expiry";
        let Some((m, y)) = input.trim().split_once('/') else {
            return refuse(FIELD, "Enter the expiry as MM/YY.");
        };
        let month: u32 = m.trim().parse().map_err(|_| ValueError {
            field: FIELD,
            message: "Enter the expiry as MM/YY.".into(),
        })?;
        let y = y.trim();
        let year: i32 = match (y.len(), y.parse::<i32>()) {
            (2, Ok(v)) => 2000 + v,
            (4, Ok(v)) => v,
            _ => return refuse(FIELD, "Enter the expiry as MM/YY."),
        };
        if !(1..=12).contains(&month) {
            return refuse(FIELD, "The expiry month is 01 to 12.");
        }
        let expiry = Expiry { month, year };
        if expiry.is_past(today) {
            return refuse(FIELD, "This card has expired.");
        }
        Ok(expiry)
    }

    /// Whether the card no longer works in the month `today` (year, month).
    pub fn is_past(self, today: (i32, u32)) -> bool {
        (self.year, self.month) < today
    }
}

/// A security code of the right length for the brand; checked, then dropped: never stored.
pub fn check_cvc(input: &str, brand: Brand) -> Result<(), ValueError> {
    let cvc = input.trim();
    if cvc.len() != brand.cvc_len() || !cvc.chars().all(|c| c.is_ascii_digit()) {
        return refuse(
            "cvc",
            format!(
                "The security code of a {} card has {} digits.",
                brand.label(),
                brand.cvc_len()
            ),
        );
    }
    Ok(())
}

/// A card as typed into the "Update credit card" dialog or sent to the REST API:
/// unchecked text, read by `NewCard::parse`. Deliberately not `Debug`: it holds the
/// full number and the CVC.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardInput {
    pub holder: String,
    pub number: String,
    /// `MM/YY` or `MM/YYYY`.
    pub expiry: String,
    pub cvc: String,
}

/// A card checked field by field; the CVC is checked and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCard {
    pub holder: String,
    pub number: CardNumber,
    pub expiry: Expiry,
}

impl NewCard {
    pub fn parse(input: &CardInput, today: (i32, u32)) -> Result<NewCard, ValueError> {
        let holder = crate::values::TextRule::CARD_HOLDER
            .parse(&input.holder)?
            .into_string();
        let number = CardNumber::parse(&input.number)?;
        let expiry = Expiry::parse(&input.expiry, today)?;
        check_cvc(&input.cvc, number.brand())?;
        Ok(NewCard {
            holder,
            number,
            expiry,
        })
    }
}

/// The monthly price per member, in cents (billing managers are free).
pub const fn price_per_member_cents(edition: Edition) -> i64 {
    match edition {
        Edition::Team => 1_500,
        Edition::Enterprise => 4_000,
        Edition::BusinessCritical => 10_000,
    }
}

/// What a month costs an organization with `members` members.
pub fn monthly_amount_cents(edition: Edition, members: u64) -> i64 {
    price_per_member_cents(edition).saturating_mul(i64::try_from(members).unwrap_or(i64::MAX))
}

/// Where a payment stands. `Succeeded` is final: an outcome reported late (webhooks
/// arrive in any order, an authentication page is reloaded) never undoes a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Being charged, or waiting for the processor to say how it ended.
    Processing,
    /// The card holder must authenticate (3-D Secure) before the charge completes.
    RequiresAction,
    Succeeded,
    Failed,
}

names! {
    PaymentStatus { Processing => "processing", RequiresAction => "requires_action", Succeeded => "succeeded", Failed => "failed" }
    unknown: String = |s: &str| format!("unknown payment status {s:?}"),
    Display
}

impl PaymentStatus {
    /// How the payments list says it.
    pub const fn label(self) -> &'static str {
        match self {
            PaymentStatus::Processing => "Processing",
            PaymentStatus::RequiresAction => "Authentication required",
            PaymentStatus::Succeeded => "Paid",
            PaymentStatus::Failed => "Failed",
        }
    }

    /// Whether a payment standing at `self` is moved by a report that it is `next`:
    /// a change, and never away from a success.
    pub fn may_become(self, next: PaymentStatus) -> bool {
        self != next && self != PaymentStatus::Succeeded
    }
}

/// A billing period: one calendar month, written `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    pub fn parse(input: &str) -> Result<Period, ValueError> {
        let bad = || ValueError {
            field: "period",
            message: format!("{input:?} is not a period: use YYYY-MM."),
        };
        let (y, m) = input.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let period = Period {
            year: y.parse().map_err(|_| bad())?,
            month: m.parse().map_err(|_| bad())?,
        };
        if !(1..=12).contains(&period.month) {
            return Err(bad());
        }
        Ok(period)
    }

    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_payment_moves_until_it_succeeds() {
        use super::PaymentStatus::{self, *};
        let cases: &[(PaymentStatus, PaymentStatus, bool)] = &[
            (Processing, Succeeded, true),
            (Processing, Failed, true),
            (Processing, RequiresAction, true),
            (RequiresAction, Succeeded, true),
            (RequiresAction, Failed, true),
            (Failed, Succeeded, true),
            (Failed, RequiresAction, true),
            (Failed, Failed, false),
            (RequiresAction, RequiresAction, false),
            (Succeeded, Failed, false),
            (Succeeded, RequiresAction, false),
            (Succeeded, Processing, false),
            (Succeeded, Succeeded, false),
        ];
        for (from, to, moves) in cases {
            assert_eq!(from.may_become(*to), *moves, "{from} -> {to}");
        }
        assert_eq!(super::Brand::of_processor("visa"), super::Brand::Visa);
        assert_eq!(super::Brand::of_processor("unionpay"), super::Brand::Other);
    }

    use super::*;
    use proptest::prelude::*;

    const TODAY: (i32, u32) = (2026, 11);

    #[test]
    fn card_numbers() {
        let table = [
            ("4242 4242 4242 4242", Some(Brand::Visa)),
            ("4000-0000-0000-0002", Some(Brand::Visa)),
            ("5555555555554444", Some(Brand::Mastercard)),
            ("2223003122003222", Some(Brand::Mastercard)),
            ("378282246310005", Some(Brand::Amex)),
            ("6011111111111117", Some(Brand::Discover)),
            ("4242424242424241", None),
            ("4242", None),
            ("4242x4242x4242x4242", None),
            ("", None),
        ];
        for (input, brand) in table {
            assert_eq!(
                CardNumber::parse(input).ok().map(|n| n.brand()),
                brand,
                "{input}"
            );
        }
        let n = CardNumber::parse("4242 4242 4242 4242").unwrap();
        assert_eq!(n.last4(), "4242");
        assert_eq!(format!("{n:?}"), "CardNumber(…4242)");
    }

    #[test]
    fn expiry_and_cvc() {
        assert_eq!(
            Expiry::parse("11/26", TODAY),
            Ok(Expiry {
                month: 11,
                year: 2026
            })
        );
        assert_eq!(
            Expiry::parse("01/2030", TODAY),
            Ok(Expiry {
                month: 1,
                year: 2030
            })
        );
        for bad in ["10/26", "13/30", "1130", "aa/bb", "12/3"] {
            assert!(Expiry::parse(bad, TODAY).is_err(), "{bad}");
        }
        assert!(check_cvc("123", Brand::Visa).is_ok());
        assert!(check_cvc("1234", Brand::Visa).is_err());
        assert!(check_cvc("1234", Brand::Amex).is_ok());
        assert!(check_cvc("12a", Brand::Mastercard).is_err());
    }

    #[test]
    fn new_card_names_the_failing_field() {
        let card = |h: &str, n: &str, e: &str, c: &str| CardInput {
            holder: h.into(),
            number: n.into(),
            expiry: e.into(),
            cvc: c.into(),
        };
        let field = |h: &str, n: &str, e: &str, c: &str| {
            NewCard::parse(&card(h, n, e, c), TODAY).unwrap_err().field
        };
        assert_eq!(field("", "4242424242424242", "12/30", "123"), "holder");
        assert_eq!(field("Ada", "4242424242424241", "12/30", "123"), "number");
        assert_eq!(field("Ada", "4242424242424242", "01/20", "123"), "expiry");
        assert_eq!(field("Ada", "4242424242424242", "12/30", "12"), "cvc");
        assert!(NewCard::parse(&card("Ada", "4242424242424242", "12/30", "123"), TODAY).is_ok());
    }

    #[test]
    fn prices_and_periods() {
        assert_eq!(monthly_amount_cents(Edition::Team, 3), 4_500);
        assert_eq!(monthly_amount_cents(Edition::Enterprise, 0), 0);
        let p = Period::parse("2026-01").unwrap();
        assert_eq!(p.previous().to_string(), "2025-12");
        assert_eq!(p.next().to_string(), "2026-02");
        for bad in ["2026-13", "26-01", "2026/01", "", "2026-1"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn a_wrong_last_digit_fails_luhn(body in "[0-9]{15}") {
            let valid = (0..10).map(|d| format!("{body}{d}")).filter(|n| luhn(n)).count();
            prop_assert_eq!(valid, 1, "exactly one check digit completes a number");
        }
    }
}
