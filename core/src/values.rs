//! Values that are valid by construction: parse once at the edge, then trust them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused; the message is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    /// The form field or JSON property the value came from.
    pub field: &'static str,
    pub message: String,
}

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, ValueError> {
    Err(ValueError {
        field,
        message: message.into(),
    })
}

/// An email address, trimmed and lower-cased so that comparisons are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, ValueError> {
        const FIELD: &str = "email";
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return refuse(FIELD, "Enter an email address.");
        }
        if s.len() > 254 {
            return refuse(FIELD, "An email address has at most 254 characters.");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return refuse(
                FIELD,
                format!("{input:?} is not an email address: it has no @."),
            );
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return refuse(FIELD, format!("{input:?} is not a valid email address."));
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization's URL name (slug): what appears in `/acme/settings` and `/api/orgs/acme`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgName(String);

/// Names that would collide with Purser's own top-level paths.
const RESERVED_ORG_NAMES: &[&str] = &[
    "account",
    "api",
    "dev",
    "fn",
    "invites",
    "new",
    "orgs",
    "pkg",
    "settings",
    "signin",
    "signout",
    "signup",
    "static",
    "user",
    "verify-email",
];

impl OrgName {
    pub const MAX_LEN: usize = 39;

    /// Lower-case letters, digits and single hyphens, 1–39 characters, as on GitHub.
    pub fn parse(input: &str) -> Result<OrgName, ValueError> {
        const FIELD: &str = "name";
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return refuse(FIELD, "Enter an organization name.");
        }
        if s.len() > Self::MAX_LEN {
            return refuse(
                FIELD,
                format!(
                    "An organization name has at most {} characters.",
                    Self::MAX_LEN
                ),
            );
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || s.starts_with('-')
            || s.ends_with('-')
            || s.contains("--")
        {
            return refuse(
                FIELD,
                "An organization name may contain only letters, digits and single hyphens, and cannot start or end with a hyphen.",
            );
        }
        if RESERVED_ORG_NAMES.contains(&s.as_str()) {
            return refuse(FIELD, format!("{s:?} is reserved; choose another name."));
        }
        Ok(OrgName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgName {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        OrgName::parse(&s)
    }
}

impl From<OrgName> for String {
    fn from(n: OrgName) -> String {
        n.0
    }
}

impl fmt::Display for OrgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's or an organization's display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<DisplayName, ValueError> {
        Self::parse_field("name", input)
    }

    /// As [`DisplayName::parse`], naming `field` in the error.
    pub fn parse_field(field: &'static str, input: &str) -> Result<DisplayName, ValueError> {
        let s = input.trim();
        if s.is_empty() {
            return refuse(field, "Enter a name.");
        }
        if s.chars().count() > Self::MAX_CHARS {
            return refuse(
                field,
                format!("A name has at most {} characters.", Self::MAX_CHARS),
            );
        }
        if s.chars().any(char::is_control) {
            return refuse(field, "A name cannot contain control characters.");
        }
        Ok(DisplayName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DisplayName::parse(&s)
    }
}

impl From<DisplayName> for String {
    fn from(n: DisplayName) -> String {
        n.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy. Deliberately not `Display` or `Serialize`,
/// so it cannot end up in a log line or a response by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(input: &str) -> Result<Password, ValueError> {
        const FIELD: &str = "password";
        let n = input.chars().count();
        if n < Self::MIN_CHARS {
            return refuse(
                FIELD,
                format!("A password needs at least {} characters.", Self::MIN_CHARS),
            );
        }
        if n > Self::MAX_CHARS {
            return refuse(
                FIELD,
                format!("A password has at most {} characters.", Self::MAX_CHARS),
            );
        }
        Ok(Password(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        let table = [
            ("ada@example.com", Some("ada@example.com")),
            (
                "  Ada.Lovelace+bills@Example.COM ",
                Some("ada.lovelace+bills@example.com"),
            ),
            ("a@b.co", Some("a@b.co")),
            ("", None),
            ("ada", None),
            ("ada@", None),
            ("@example.com", None),
            ("ada@example", None),
            ("ada@@example.com", None),
            ("ada@exa mple.com", None),
            ("a..b@example.com", None),
            (".a@example.com", None),
            ("ada@-example.com", None),
            ("ada@example..com", None),
        ];
        for (input, expected) in table {
            assert_eq!(
                Email::parse(input).ok().map(|e| e.0),
                expected.map(String::from),
                "{input:?}"
            );
        }
        assert_eq!(Email::parse("nope").unwrap_err().field, "email");
    }

    #[test]
    fn org_names() {
        let table = [
            ("acme", Some("acme")),
            ("Acme-Corp", Some("acme-corp")),
            ("a1", Some("a1")),
            ("", None),
            ("-acme", None),
            ("acme-", None),
            ("ac--me", None),
            ("acme corp", None),
            ("acme_corp", None),
            ("api", None),
            ("signin", None),
            ("a234567890123456789012345678901234567890", None),
        ];
        for (input, expected) in table {
            assert_eq!(
                OrgName::parse(input).ok().map(|n| n.0),
                expected.map(String::from),
                "{input:?}"
            );
        }
    }

    #[test]
    fn passwords_and_names() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough pw").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("long enough pw").unwrap()),
            "Password(…)"
        );
        assert!(DisplayName::parse("  ").is_err());
        assert_eq!(DisplayName::parse(" Ada ").unwrap().as_str(), "Ada");
        assert!(DisplayName::parse("a\u{7}b").is_err());
        assert!(DisplayName::parse(&"x".repeat(101)).is_err());
    }

    proptest! {
        #[test]
        fn parsed_emails_are_normal_and_stable(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(e.as_str(), e.as_str().to_lowercase());
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
            }
        }

        #[test]
        fn generated_addresses_parse(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,10}", tld in "[a-z]{2,5}") {
            let addr = format!("{local}@{domain}.{tld}");
            prop_assert_eq!(Email::parse(&addr).map(|e| e.0), Ok(addr));
        }

        #[test]
        fn parsed_org_names_are_url_safe(s in "\\PC{0,50}") {
            if let Ok(n) = OrgName::parse(&s) {
                prop_assert!(n.as_str().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
                prop_assert!(!n.as_str().is_empty() && n.as_str().len() <= OrgName::MAX_LEN);
                prop_assert_eq!(OrgName::parse(n.as_str()), Ok(n.clone()));
            }
        }
    }
}
