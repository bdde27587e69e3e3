//! Single sign-on through an organization's own identity provider: the rules that do
//! not depend on the protocol (OpenID Connect now, SAML later).

use crate::Role;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What becomes of a person the provider vouches for who holds no role yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JoinAs {
    /// They become a member at their first SSO sign-in.
    Member,
    /// They still need an invitation.
    None,
}

names! {
    JoinAs { Member => "member", None => "none" }
    unknown: UnknownJoinAs = |s: &str| UnknownJoinAs(s.to_owned()),
    Display
}

/// The text was not a `joinAs` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("joinAs is member or none, not {0:?}.")]
pub struct UnknownJoinAs(pub String);

/// Reads the group → team mapping as the settings page takes it: one `group = team`
/// per line (blank lines ignored; the group may hold `=` only before the last one).
pub fn parse_group_teams(
    text: &str,
) -> Result<std::collections::BTreeMap<String, String>, crate::ValueError> {
    let mut map = std::collections::BTreeMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = || crate::ValueError {
            field: "teamsFromGroups",
            message: format!("Line {} is not `group = team`.", n + 1),
        };
        let (group, team) = line.rsplit_once('=').ok_or_else(bad)?;
        let (group, team) = (group.trim(), team.trim());
        if group.is_empty() || team.is_empty() {
            return Err(bad());
        }
        if map.insert(group.to_owned(), team.to_owned()).is_some() {
            return Err(crate::ValueError {
                field: "teamsFromGroups",
                message: format!("The group {group:?} is listed twice."),
            });
        }
    }
    Ok(map)
}

/// The mapping as the settings page shows it (the inverse of [`parse_group_teams`]).
pub fn format_group_teams(map: &std::collections::BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(group, team)| format!("{group} = {team}\n"))
        .collect()
}

/// What an SSO sign-in does to the person's standing in the organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnSignIn {
    /// They keep the role they hold.
    Keep(Role),
    /// They join as a member now (audited and counted like any new member).
    JoinAsMember,
    /// Signed in, but with no role: they need an invitation (billing managers always do).
    NeedsInvitation,
}

/// Decides what a sign-in through the organization's provider does for someone who
/// holds `role` (or none).
pub const fn on_sign_in(role: Option<Role>, join_as: JoinAs) -> OnSignIn {
    match (role, join_as) {
        (Some(role), _) => OnSignIn::Keep(role),
        (None, JoinAs::Member) => OnSignIn::JoinAsMember,
        (None, JoinAs::None) => OnSignIn::NeedsInvitation,
    }
}

/// How long an SSO sign-in lets a browser session act in the organization, by default.
pub const DEFAULT_LIFETIME_SECS: i64 = 24 * 3600;
/// The shortest and longest SSO lifetimes an organization may choose.
pub const LIFETIME_SECS: std::ops::RangeInclusive<i64> = 300..=30 * 24 * 3600;

/// Whether an SSO sign-in at `signed_in_at` (Unix ms) still counts at `now`.
pub const fn is_fresh(signed_in_at: i64, lifetime_secs: i64, now: i64) -> bool {
    now.saturating_sub(signed_in_at) < lifetime_secs.saturating_mul(1000)
}

/// Why an address may not be called for an organization's provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressRefused {
    #[error("it is a loopback address")]
    Loopback,
    #[error("it is a private, link-local or otherwise non-public address")]
    Private,
}

/// Whether Purser may connect to `ip` on behalf of an organization (discovery, keys,
/// tokens, user info): any account can configure a provider, so nothing it names may
/// reach into the operator's network unless the operator allows private networks.
pub fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), AddressRefused> {
    if allow_private {
        return Ok(());
    }
    // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 one.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    if ip.is_loopback() {
        return Err(AddressRefused::Loopback);
    }
    let public = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
                || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || a >= 240) // reserved
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64 (embeds IPv4)
        }
    };
    if public {
        Ok(())
    } else {
        Err(AddressRefused::Private)
    }
}

/// Why an issuer URL is refused before anything is fetched from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuerRefused {
    #[error("The issuer must be an https URL (plain http is allowed only when the operator allows private networks).")]
    NotHttps,
    #[error("The issuer URL must not carry a query, a fragment or credentials.")]
    Decorated,
}

/// Checks an issuer URL's scheme and shape (its address is checked when it is called):
/// `scheme` lower-case, `decorated` when it carries a query, fragment or user info.
pub fn check_issuer(
    scheme: &str,
    decorated: bool,
    allow_private: bool,
) -> Result<(), IssuerRefused> {
    match scheme {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(IssuerRefused::NotHttps),
    }
    if decorated {
        return Err(IssuerRefused::Decorated);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_outcomes() {
        use OnSignIn::*;
        let table = [
            (Some(Role::Admin), JoinAs::Member, Keep(Role::Admin)),
            (Some(Role::Member), JoinAs::None, Keep(Role::Member)),
            (
                Some(Role::BillingManager),
                JoinAs::Member,
                Keep(Role::BillingManager),
            ),
            (None, JoinAs::Member, JoinAsMember),
            (None, JoinAs::None, NeedsInvitation),
        ];
        for (role, join_as, expected) in table {
            assert_eq!(on_sign_in(role, join_as), expected, "{role:?} {join_as}");
        }
    }

    #[test]
    fn group_team_lines() {
        let parsed = parse_group_teams("engineers = platform\n\n  ops=sre \nteam=a = b\n").unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed["engineers"], "platform");
        assert_eq!(parsed["ops"], "sre");
        assert_eq!(parsed["team=a"], "b");
        assert_eq!(
            parse_group_teams(&format_group_teams(&parsed)).unwrap(),
            parsed
        );
        for bad in ["no equals", "= team", "group =", "a = b\na = c"] {
            let e = parse_group_teams(bad).unwrap_err();
            assert_eq!(e.field, "teamsFromGroups", "{bad:?}");
        }
        assert!(parse_group_teams("").unwrap().is_empty());
    }

    #[test]
    fn freshness() {
        let hour = 3_600_000;
        assert!(is_fresh(0, 86_400, 23 * hour));
        assert!(!is_fresh(0, 86_400, 24 * hour));
        assert!(!is_fresh(0, 300, hour));
        assert!(is_fresh(10, 300, 10));
    }

    #[test]
    fn addresses() {
        let table: &[(&str, bool, Result<(), AddressRefused>)] = &[
            ("93.184.216.34", false, Ok(())),
            ("2606:4700::1111", false, Ok(())),
            ("127.0.0.1", false, Err(AddressRefused::Loopback)),
            ("::1", false, Err(AddressRefused::Loopback)),
            ("::ffff:127.0.0.1", false, Err(AddressRefused::Loopback)),
            ("10.1.2.3", false, Err(AddressRefused::Private)),
            ("172.16.0.1", false, Err(AddressRefused::Private)),
            ("192.168.1.1", false, Err(AddressRefused::Private)),
            ("169.254.169.254", false, Err(AddressRefused::Private)),
            ("100.64.0.1", false, Err(AddressRefused::Private)),
            ("0.0.0.0", false, Err(AddressRefused::Private)),
            ("255.255.255.255", false, Err(AddressRefused::Private)),
            ("224.0.0.1", false, Err(AddressRefused::Private)),
            ("fd00::1", false, Err(AddressRefused::Private)),
            ("fe80::1", false, Err(AddressRefused::Private)),
            ("::ffff:10.0.0.1", false, Err(AddressRefused::Private)),
            ("64:ff9b::a00:1", false, Err(AddressRefused::Private)),
            ("::", false, Err(AddressRefused::Private)),
            ("127.0.0.1", true, Ok(())),
            ("10.1.2.3", true, Ok(())),
        ];
        for (ip, allow, expected) in table {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(
                check_address(parsed, *allow),
                *expected,
                "{ip} allow={allow}"
            );
        }
    }

    #[test]
    fn issuers() {
        assert_eq!(check_issuer("https", false, false), Ok(()));
        assert_eq!(
            check_issuer("http", false, false),
            Err(IssuerRefused::NotHttps)
        );
        assert_eq!(check_issuer("http", false, true), Ok(()));
        assert_eq!(
            check_issuer("ftp", false, true),
            Err(IssuerRefused::NotHttps)
        );
        assert_eq!(
            check_issuer("https", true, true),
            Err(IssuerRefused::Decorated)
        );
    }
}
