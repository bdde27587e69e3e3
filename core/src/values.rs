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
            return refuse(FIELD, "This is not a valid email address: it has no @.");
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
            return refuse(FIELD, "This is not a valid email address.");
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

/// Names that would collide with Purser's own top-level paths (pages, the API, the
/// bundle, the health probes a balancer polls) or with the path operators give the
/// metrics endpoint: an organization named `healthz` would never see its home page.
const RESERVED_ORG_NAMES: &[&str] = &[
    "account",
    "api",
    "dev",
    "fn",
    "healthz",
    "invites",
    "metrics",
    "new",
    "orgs",
    "password",
    "pkg",
    "readyz",
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
        if !is_handle(&s) {
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

/// GitHub's rule for a handle (an organization's URL name, a person's login): lower-case
/// letters, digits and single hyphens, neither first nor last.
fn is_handle(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// A person's login: their unique handle, as on GitHub (and as Pulumi's API calls it,
/// `githubLogin`), used in paths such as `/api/orgs/{org}/members/{userLogin}`.
/// Lower-cased, so that logins are unique whatever their case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Login(String);

impl Login {
    pub const MAX_LEN: usize = 39;

    pub fn parse(input: &str) -> Result<Login, ValueError> {
        const FIELD: &str = "login";
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return refuse(FIELD, "Enter a username.");
        }
        if s.len() > Self::MAX_LEN {
            return refuse(
                FIELD,
                format!("A username has at most {} characters.", Self::MAX_LEN),
            );
        }
        if !is_handle(&s) {
            return refuse(
                FIELD,
                "A username may contain only letters, digits and single hyphens, and cannot start or end with a hyphen.",
            );
        }
        Ok(Login(s))
    }

    /// The login offered to someone who did not choose one: their address's local
    /// part, made a valid handle (`ada.lovelace+work@…` → `ada-lovelace-work`).
    /// Short enough to take a suffix (`-2`, …) when it is taken.
    pub fn suggest(email: &Email) -> Login {
        let local = email.as_str().split('@').next().unwrap_or_default();
        let mut s = String::new();
        for c in local.chars() {
            let c = if c.is_ascii_alphanumeric() { c } else { '-' };
            if !(c == '-' && (s.is_empty() || s.ends_with('-'))) {
                s.push(c);
            }
            if s.len() >= Self::MAX_LEN - 6 {
                break;
            }
        }
        let s = s.trim_end_matches('-');
        Login(if s.is_empty() {
            "user".into()
        } else {
            s.into()
        })
    }

    /// The `n`th alternative to this login (`n` ≥ 2), still within the length limit.
    pub fn with_suffix(&self, n: u32) -> Login {
        let suffix = format!("-{n}");
        let keep = Self::MAX_LEN.saturating_sub(suffix.len()).min(self.0.len());
        let base = self.0[..keep].trim_end_matches('-');
        Login(format!("{base}{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Login {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Login::parse(&s)
    }
}

impl From<Login> for String {
    fn from(l: Login) -> String {
        l.0
    }
}

impl fmt::Display for Login {
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

/// Which characters a free-text field accepts. Every kind refuses control characters
/// (NUL among them), which no field has a use for and some databases refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    /// One line of any printable text: names of people, descriptions of tokens.
    Line,
    /// Printable text that may span lines: tabs and line breaks are allowed too.
    Lines,
    /// Letters, digits, spaces, `-`, `_` and `.` (ASCII): teams, tokens and policies.
    Name,
    /// Letters, digits, `-`, `_` and `.` (ASCII), no spaces: projects and stacks,
    /// whose names appear in URLs.
    Slug,
}

impl Charset {
    /// Whether `c` may appear in a value of this kind.
    pub fn allows(self, c: char) -> bool {
        match self {
            Charset::Line => !c.is_control(),
            Charset::Lines => !c.is_control() || matches!(c, '\t' | '\n' | '\r'),
            Charset::Name => c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'),
            Charset::Slug => c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
        }
    }

    /// What the person may type, for messages.
    fn describe(self) -> &'static str {
        match self {
            Charset::Line => "cannot contain control characters or line breaks",
            Charset::Lines => "cannot contain control characters other than tabs and line breaks",
            Charset::Name => "may contain only letters, digits, spaces, '-', '_' and '.'",
            Charset::Slug => "may contain only letters, digits, '-', '_' and '.'",
        }
    }

    /// The characters a value is trimmed of before it is checked and kept.
    fn is_trimmed(self, c: char) -> bool {
        match self {
            Charset::Lines => matches!(c, ' ' | '\t' | '\n' | '\r'),
            _ => c == ' ',
        }
    }

    /// The same rule as a regular expression (the dialect both ECMAScript and Python
    /// read), for the OpenAPI document; `required` adds "not only spaces".
    pub fn pattern(self, required: bool) -> &'static str {
        match (self, required) {
            (Charset::Line, false) => r"^[^\u0000-\u001F\u007F-\u009F]*$",
            (Charset::Line, true) => {
                r"^ *[^ \u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
            }
            (Charset::Lines, false) => r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$",
            (Charset::Lines, true) => {
                r"^[ \t\n\r]*[^ \t\n\r\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
            }
            (Charset::Name, false) => r"^[A-Za-z0-9 ._-]*$",
            (Charset::Name, true) => r"^ *[A-Za-z0-9._-][A-Za-z0-9 ._-]*$",
            (Charset::Slug, false) => r"^ *[A-Za-z0-9._-]* *$",
            (Charset::Slug, true) => r"^ *[A-Za-z0-9._-]+ *$",
        }
    }
}

/// The most policies one policy pack may hold.
pub const MAX_POLICIES_PER_PACK: usize = 1000;

/// The rule of one free-text field that Purser stores: what the field is called (in
/// forms and JSON, and in messages), its longest value, whether it may be empty, and
/// its characters. Every text a service stores goes through one of these (or through
/// [`Email`], [`OrgName`] or [`DisplayName`]), so no value is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextRule {
    /// The form field or JSON property, as in [`ValueError::field`].
    pub field: &'static str,
    /// What a person calls it, e.g. "team name".
    pub noun: &'static str,
    /// The most characters (Unicode scalar values) a value may have, as sent: leading
    /// and trailing spaces count, as they do for a JSON Schema `maxLength`.
    pub max_chars: usize,
    /// Whether an empty (or all-space) value is refused.
    pub required: bool,
    pub charset: Charset,
}

impl TextRule {
    pub const TEAM_NAME: TextRule = TextRule::name("name", "team name");
    pub const TEAM_DESCRIPTION: TextRule = TextRule {
        field: "description",
        noun: "team description",
        max_chars: 1_000,
        required: false,
        charset: Charset::Lines,
    };
    pub const ORG_TOKEN_NAME: TextRule = TextRule::name("name", "token name");
    pub const POLICY_NAME: TextRule = TextRule::name("name", "policy name");
    /// A personal access token's description.
    pub const TOKEN_DESCRIPTION: TextRule = TextRule {
        field: "description",
        noun: "token description",
        max_chars: 200,
        required: false,
        charset: Charset::Line,
    };
    /// The name on a payment card.
    pub const CARD_HOLDER: TextRule = TextRule {
        field: "holder",
        noun: "cardholder name",
        max_chars: 100,
        required: true,
        charset: Charset::Line,
    };
    pub const PROJECT_NAME: TextRule = TextRule::slug("project", "project name");
    pub const STACK_NAME: TextRule = TextRule::slug("name", "stack name");
    /// What an admin calls a SCIM token (which provider holds it).
    pub const SCIM_TOKEN_DESCRIPTION: TextRule = TextRule {
        field: "description",
        noun: "SCIM token description",
        max_chars: 200,
        required: true,
        charset: Charset::Line,
    };
    /// A provisioned person's `userName` (their sign-in name at the provider).
    pub const SCIM_USER_NAME: TextRule = TextRule::scim("userName", "userName", true);
    /// The other texts a provider sends about a person or group and gets back as sent:
    /// `externalId`, `displayName`, the parts of `name`.
    pub const SCIM_TEXT: TextRule = TextRule::scim("value", "SCIM attribute", false);

    /// Every rule, for tests and documentation.
    pub const ALL: &'static [TextRule] = &[
        TextRule::TEAM_NAME,
        TextRule::TEAM_DESCRIPTION,
        TextRule::ORG_TOKEN_NAME,
        TextRule::POLICY_NAME,
        TextRule::TOKEN_DESCRIPTION,
        TextRule::CARD_HOLDER,
        TextRule::PROJECT_NAME,
        TextRule::STACK_NAME,
        TextRule::SCIM_TOKEN_DESCRIPTION,
        TextRule::SCIM_USER_NAME,
        TextRule::SCIM_TEXT,
    ];

    const fn scim(field: &'static str, noun: &'static str, required: bool) -> TextRule {
        TextRule {
            field,
            noun,
            max_chars: 256,
            required,
            charset: Charset::Line,
        }
    }

    const fn name(field: &'static str, noun: &'static str) -> TextRule {
        TextRule {
            field,
            noun,
            max_chars: 100,
            required: true,
            charset: Charset::Name,
        }
    }

    const fn slug(field: &'static str, noun: &'static str) -> TextRule {
        TextRule {
            field,
            noun,
            max_chars: 100,
            required: true,
            charset: Charset::Slug,
        }
    }

    /// Checks `input` against the rule and returns it trimmed of surrounding spaces
    /// (and, for [`Charset::Lines`], surrounding blank lines).
    pub fn parse(&self, input: &str) -> Result<Text, ValueError> {
        let too_long = input.chars().nth(self.max_chars).is_some();
        if too_long {
            return refuse(
                self.field,
                format!("A {} has at most {} characters.", self.noun, self.max_chars),
            );
        }
        let s = input.trim_matches(|c| self.charset.is_trimmed(c));
        if s.is_empty() && self.required {
            return refuse(self.field, format!("Enter a {}.", self.noun));
        }
        if !s.chars().all(|c| self.charset.allows(c)) {
            return refuse(
                self.field,
                format!("A {} {}.", self.noun, self.charset.describe()),
            );
        }
        Ok(Text(s.to_owned()))
    }
}

/// Text that passed its [`TextRule`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `c` may appear anywhere in a request at all (a JSON string, a form or query
/// value, a path segment): everything but control characters, except tab, line feed
/// and carriage return, which multi-line fields use. Field rules are stricter.
pub fn allowed_in_input(c: char) -> bool {
    Charset::Lines.allows(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_follow_githubs_rule() {
        for (input, ok) in [
            ("ada", true),
            ("Ada-Lovelace", true),
            ("a1", true),
            ("-ada", false),
            ("ada-", false),
            ("ada--l", false),
            ("ada_l", false),
            ("ada.l", false),
            ("", false),
            ("ünï", false),
        ] {
            assert_eq!(Login::parse(input).is_ok(), ok, "{input:?}");
        }
        assert_eq!(Login::parse(" ADA ").unwrap().as_str(), "ada");
        assert!(Login::parse(&"a".repeat(39)).is_ok());
        assert!(Login::parse(&"a".repeat(40)).is_err());
    }

    #[test]
    fn suggested_logins_are_valid_and_leave_room_for_a_suffix() {
        for (email, login) in [
            ("ada.lovelace+work@example.com", "ada-lovelace-work"),
            ("bob@acme.example", "bob"),
            ("__@example.com", "user"),
            ("a.-b@example.com", "a-b"),
        ] {
            let email = Email::parse(email).unwrap();
            assert_eq!(Login::suggest(&email).as_str(), login);
        }
        let long = Email::parse(&format!("{}@example.com", "x".repeat(64))).unwrap();
        let suggested = Login::suggest(&long);
        assert!(Login::parse(suggested.as_str()).is_ok());
        let alternative = suggested.with_suffix(12);
        assert!(Login::parse(alternative.as_str()).is_ok(), "{alternative}");
        assert!(alternative.as_str().ends_with("-12"));
    }
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
            ("healthz", None),
            ("readyz", None),
            ("metrics", None),
            ("password", None),
            ("healthz-team", Some("healthz-team")),
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

    #[test]
    fn text_rules() {
        use TextRule as R;
        let long = |n: usize| "x".repeat(n);
        // (rule, input, the kept value, or None when refused)
        let table: Vec<(TextRule, String, Option<String>)> = vec![
            (R::TEAM_NAME, "platform".into(), Some("platform".into())),
            (
                R::TEAM_NAME,
                "  Platform Team-2_v.1 ".into(),
                Some("Platform Team-2_v.1".into()),
            ),
            (R::TEAM_NAME, "".into(), None),
            (R::TEAM_NAME, "   ".into(), None),
            (R::TEAM_NAME, "a/b".into(), None),
            (R::TEAM_NAME, "plät".into(), None),
            (R::TEAM_NAME, "a\0b".into(), None),
            (R::TEAM_NAME, "a\tb".into(), None),
            (R::TEAM_NAME, long(100), Some(long(100))),
            (R::TEAM_NAME, long(101), None),
            (R::TEAM_NAME, format!("{} ", long(100)), None),
            (R::TEAM_DESCRIPTION, "".into(), Some("".into())),
            (
                R::TEAM_DESCRIPTION,
                " Runs the\n\tplatform \r\n".into(),
                Some("Runs the\n\tplatform".into()),
            ),
            (
                R::TEAM_DESCRIPTION,
                "Ünïcödé & émoji 🚀".into(),
                Some("Ünïcödé & émoji 🚀".into()),
            ),
            (R::TEAM_DESCRIPTION, "nul\0byte".into(), None),
            (R::TEAM_DESCRIPTION, "bell\u{7}".into(), None),
            (R::TEAM_DESCRIPTION, "del\u{7f}".into(), None),
            (R::TEAM_DESCRIPTION, "c1\u{85}".into(), None),
            (R::TEAM_DESCRIPTION, long(1_000), Some(long(1_000))),
            (R::TEAM_DESCRIPTION, long(200_000), None),
            (
                R::TOKEN_DESCRIPTION,
                "CI deploys".into(),
                Some("CI deploys".into()),
            ),
            (R::TOKEN_DESCRIPTION, "".into(), Some("".into())),
            (R::TOKEN_DESCRIPTION, "two\nlines".into(), None),
            (R::TOKEN_DESCRIPTION, "tab\there".into(), None),
            (R::TOKEN_DESCRIPTION, "\0".into(), None),
            (R::TOKEN_DESCRIPTION, long(201), None),
            (
                R::ORG_TOKEN_NAME,
                "deploy bot".into(),
                Some("deploy bot".into()),
            ),
            (R::ORG_TOKEN_NAME, "deploy\0".into(), None),
            (
                R::POLICY_NAME,
                "aws-guard.v2".into(),
                Some("aws-guard.v2".into()),
            ),
            (R::POLICY_NAME, "aws guard!".into(), None),
            (
                R::CARD_HOLDER,
                " Ada Lovelace ".into(),
                Some("Ada Lovelace".into()),
            ),
            (
                R::CARD_HOLDER,
                "Zoë O'Brien-Núñez".into(),
                Some("Zoë O'Brien-Núñez".into()),
            ),
            (R::CARD_HOLDER, " ".into(), None),
            (R::CARD_HOLDER, "Ada\nLovelace".into(), None),
            (R::PROJECT_NAME, " web-app ".into(), Some("web-app".into())),
            (R::PROJECT_NAME, "web app".into(), None),
            (R::STACK_NAME, "prod.eu_1".into(), Some("prod.eu_1".into())),
            (R::STACK_NAME, "prod/eu".into(), None),
            (R::STACK_NAME, "".into(), None),
            (R::STACK_NAME, long(101), None),
        ];
        for (rule, input, expected) in table {
            let got = rule.parse(&input);
            assert_eq!(
                got.as_ref().ok().map(Text::as_str),
                expected.as_deref(),
                "{} {:?}",
                rule.noun,
                input.chars().take(40).collect::<String>()
            );
            if let Err(e) = got {
                assert_eq!(e.field, rule.field);
                assert!(e.message.contains(rule.noun), "{}", e.message);
                assert!(!e.message.contains(input.trim()) || input.trim().is_empty());
            }
        }
    }

    #[test]
    fn every_rule_is_bounded_and_refuses_nul() {
        for rule in TextRule::ALL {
            assert!(rule.max_chars > 0 && rule.max_chars <= 1_000, "{rule:?}");
            assert!(rule.parse("a\0").is_err(), "{rule:?}");
            assert!(
                rule.parse(&"a".repeat(rule.max_chars + 1)).is_err(),
                "{rule:?}"
            );
            assert!(rule.parse(&"a".repeat(rule.max_chars)).is_ok(), "{rule:?}");
        }
    }

    #[test]
    fn input_characters() {
        let table = [
            ('a', true),
            ('é', true),
            (' ', true),
            ('\t', true),
            ('\n', true),
            ('\r', true),
            ('\0', false),
            ('\u{1}', false),
            ('\u{1b}', false),
            ('\u{7f}', false),
            ('\u{9f}', false),
        ];
        for (c, ok) in table {
            assert_eq!(allowed_in_input(c), ok, "{c:?}");
        }
    }

    #[test]
    fn messages_never_echo_the_value() {
        let secret = "4242424242424242";
        for e in [
            Email::parse(secret).unwrap_err(),
            Email::parse(&format!("{secret}@")).unwrap_err(),
        ] {
            assert!(!e.message.contains(secret), "{}", e.message);
        }
    }

    proptest! {
        #[test]
        fn parsed_text_obeys_its_rule(s in "\\PC{0,120}|[ a-z\\t\\n\\x00]{0,20}", i in 0..TextRule::ALL.len()) {
            let rule = TextRule::ALL[i];
            if let Ok(t) = rule.parse(&s) {
                prop_assert!(t.as_str().chars().count() <= rule.max_chars);
                prop_assert!(t.as_str().chars().all(|c| rule.charset.allows(c)));
                prop_assert!(!rule.required || !t.as_str().is_empty());
                prop_assert_eq!(rule.parse(t.as_str()), Ok(t.clone()));
            }
        }
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
