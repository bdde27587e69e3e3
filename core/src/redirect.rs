//! Where to send someone after they sign in or up: a path on this site, never
//! another origin.
//!
//! The `next` of `/signin?next=…` arrives percent-decoded, and browsers are lenient
//! about what they navigate to: they drop tabs and newlines anywhere in a URL, trim
//! leading control characters and spaces, and read `\` as `/`. So `/%09/evil.example`
//! decodes to `/\t/evil.example`, which a "starts with one `/`" check accepts and the
//! browser turns into `//evil.example`, another site. Rather than list what is
//! dangerous, [`ReturnPath::parse`] admits only what a Purser path looks like.

use std::fmt;

/// A same-origin path (with an optional query and fragment), safe to navigate to.
///
/// It starts with exactly one `/`, and contains only printable ASCII (no space, no
/// control character, nothing a browser would strip or reinterpret, no Unicode line
/// separators or invisible characters), no `\`, and no `//` anywhere, so no dot
/// segment can normalize it into a protocol-relative URL either (`/.//evil.example`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

impl ReturnPath {
    /// Longer than any page of Purser; a cap keeps hostile inputs small.
    pub const MAX_LEN: usize = 2048;

    /// The start page: where a missing or refused `next` leads.
    pub fn home() -> ReturnPath {
        ReturnPath("/".to_owned())
    }

    /// The path, if `input` is one this site may send a browser to.
    pub fn parse(input: &str) -> Option<ReturnPath> {
        let acceptable = input.starts_with('/')
            && input.len() <= Self::MAX_LEN
            && input.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
            && !input.contains("//");
        acceptable.then(|| ReturnPath(input.to_owned()))
    }

    /// The `next` of a query string, or [`ReturnPath::home`] if it is missing or refused.
    pub fn or_home(next: Option<&str>) -> ReturnPath {
        next.and_then(ReturnPath::parse)
            .unwrap_or_else(ReturnPath::home)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path percent-encoded as a query value, for `?next=`: everything but
    /// unreserved characters and `/` is escaped, so its own `?`, `&` and `#` stay in it.
    pub fn to_query_value(&self) -> String {
        let mut out = String::with_capacity(self.0.len());
        for b in self.0.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
}

impl fmt::Display for ReturnPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ReturnPath;
    use proptest::prelude::*;

    #[test]
    fn hostile_inputs_lead_home() {
        // Each of these is, or becomes in some browser, a URL on another origin or a
        // script; the comment says how.
        let hostile: &[&str] = &[
            "",                                  // nothing
            "//evil.example",                    // protocol-relative
            "///evil.example",                   // browsers collapse the slashes
            "/\\evil.example",                   // `\` is `/` in http(s) URLs
            "\\/evil.example",                   // same, the other way round
            "\\\\evil.example",                  // same
            "/\t/evil.example",                  // `?next=/%09/evil.example`, decoded: tab dropped
            "/\n/evil.example",                  // `%0a`: newline dropped
            "/\r/evil.example",                  // `%0d`: carriage return dropped
            "/\r\n/evil.example",                // both
            "/\0/evil.example",                  // `%00`
            "/\x0b/evil.example",                // vertical tab
            "/\x0c/evil.example",                // form feed
            "/\x7f/evil.example",                // DEL
            "/\u{85}/evil.example",              // NEL, a C1 control
            "/\u{2028}/evil.example",            // Unicode line separator
            "/\u{2029}/evil.example",            // Unicode paragraph separator
            "/\u{200b}/evil.example",            // zero-width space
            "/\u{feff}/evil.example",            // byte-order mark
            "/\u{202e}/evil.example",            // right-to-left override
            "/\u{3000}/evil.example",            // ideographic space
            "/\u{ff0f}evil.example",             // fullwidth solidus
            " //evil.example",                   // leading space: trimmed by browsers
            " /account",                         // leading space
            "\t/account",                        // leading tab
            "\n//evil.example",                  // leading newline
            "/ /evil.example",                   // inner space
            "/account ",                         // trailing space
            "/.//evil.example",                  // dot segment normalizes to `//`
            "/%2e//evil.example",                // `%2e` is a dot segment too
            "/a/..//evil.example",               // parent segment, then `//`
            "/invites/x//evil.example",          // an empty segment anywhere
            "https://evil.example",              // absolute URL
            "http://evil.example/",              // absolute URL
            "HTTPS://evil.example",              // scheme case
            "javascript:alert(1)",               // script
            "JaVaScRiPt:alert(1)",               // script
            "\u{0}javascript:alert(1)",          // leading NUL
            " javascript:alert(1)",              // leading space
            "data:text/html,<script>x</script>", // document from data
            "vbscript:msgbox(1)",                // script, old browsers
            "evil.example",                      // relative: resolves under the current path
            "account/tokens",                    // relative
            "./account",                         // relative
            "../account",                        // relative
            "?next=//evil.example",              // query only
            "#//evil.example",                   // fragment only
            "@evil.example",                     // userinfo look-alike
        ];
        for input in hostile {
            assert_eq!(ReturnPath::parse(input), None, "{input:?} must be refused");
            assert_eq!(ReturnPath::or_home(Some(input)).as_str(), "/", "{input:?}");
        }
        let too_long = format!("/{}", "a".repeat(ReturnPath::MAX_LEN));
        assert_eq!(ReturnPath::parse(&too_long), None);
        assert_eq!(ReturnPath::or_home(None).as_str(), "/");
    }

    #[test]
    fn paths_on_this_site_are_kept() {
        for input in [
            "/",
            "/account/tokens",
            "/invites/3q2-7wEAbc_x",
            "/acme/settings/billing",
            "/acme/settings/members?after=abc",
            "/acme/settings/audit?event=role.granted&since=2026-01-01T00:00:00Z#top",
            "/%2Fevil.example",
            "/a/./b",
            "/a/../b",
            "/@evil.example",
        ] {
            assert_eq!(
                ReturnPath::parse(input).map(|p| p.to_string()),
                Some(input.to_owned()),
                "{input:?} must be kept"
            );
        }
    }

    #[test]
    fn query_value_keeps_the_whole_path() {
        let p = ReturnPath::parse("/acme/settings/audit?event=a b&x=%#top");
        assert_eq!(p, None, "a space is refused");
        let p = ReturnPath::parse("/acme/settings/audit?event=a+b&x=%25#top").unwrap();
        assert_eq!(
            p.to_query_value(),
            "/acme/settings/audit%3Fevent%3Da%2Bb%26x%3D%2525%23top"
        );
        assert_eq!(
            ReturnPath::parse("/invites/ab-_.~")
                .unwrap()
                .to_query_value(),
            "/invites/ab-_.~"
        );
    }

    proptest! {
        /// Whatever is accepted names this origin: resolved against it the way a
        /// browser would (tabs and newlines dropped, `\` read as `/`), it cannot start
        /// with `//`, and it never starts with anything but one `/`.
        #[test]
        fn accepted_paths_stay_on_this_origin(input in "\\PC{0,40}|[/\\\\\t\n\r .%a-z:]{0,12}") {
            if let Some(p) = ReturnPath::parse(&input) {
                let as_browser_reads: String = p
                    .as_str()
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .map(|c| if c == '\\' { '/' } else { c })
                    .collect();
                prop_assert!(as_browser_reads.starts_with('/'));
                prop_assert!(!as_browser_reads.starts_with("//"));
                prop_assert!(!as_browser_reads.contains("//"));
                prop_assert_eq!(ReturnPath::or_home(Some(&input)), p);
            }
        }
    }
}
