//! An organization's pages and who may open them: the one navigation the UI draws,
//! decided by the same matrix that decides what the server allows.

use crate::permissions::{allows, Action, Surface};
use crate::role::Role;

/// The pages of an organization, in the order the navigation shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgPage {
    Stacks,
    Teams,
    Policies,
    Members,
    Billing,
    Identity,
    Tokens,
    Audit,
}

/// Where a page sits in the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The organization's own resources.
    Organization,
    /// Under "Settings".
    Settings,
}

impl OrgPage {
    pub const ALL: [OrgPage; 8] = [
        OrgPage::Stacks,
        OrgPage::Teams,
        OrgPage::Policies,
        OrgPage::Members,
        OrgPage::Billing,
        OrgPage::Identity,
        OrgPage::Tokens,
        OrgPage::Audit,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            OrgPage::Stacks => "Stacks",
            OrgPage::Teams => "Teams",
            OrgPage::Policies => "Policies",
            OrgPage::Members => "Members",
            OrgPage::Billing => "Billing & usage",
            OrgPage::Identity => "Identity provider",
            OrgPage::Tokens => "Access tokens",
            OrgPage::Audit => "Audit log",
        }
    }

    /// The path under `/<org>/`.
    pub const fn path(self) -> &'static str {
        match self {
            OrgPage::Stacks => "stacks",
            OrgPage::Teams => "teams",
            OrgPage::Policies => "policies",
            OrgPage::Members => "settings/members",
            OrgPage::Billing => "settings/billing",
            OrgPage::Identity => "settings/identity",
            OrgPage::Tokens => "settings/tokens",
            OrgPage::Audit => "settings/audit",
        }
    }

    pub const fn section(self) -> Section {
        match self {
            OrgPage::Stacks | OrgPage::Teams | OrgPage::Policies => Section::Organization,
            _ => Section::Settings,
        }
    }

    /// The action a role needs, in the UI, to open the page.
    pub const fn gate(self) -> Action {
        match self {
            OrgPage::Stacks => Action::StacksList,
            OrgPage::Teams => Action::TeamsList,
            OrgPage::Policies => Action::PolicyGroupsList,
            OrgPage::Members => Action::MembersList,
            OrgPage::Billing => Action::BillingManagersViewNames,
            OrgPage::Identity => Action::SettingsView,
            OrgPage::Tokens => Action::TokensList,
            OrgPage::Audit => Action::AuditLogsView,
        }
    }

    /// Whether `role` may open the page (and so sees a link to it).
    pub fn opens_for(self, role: Role) -> bool {
        allows(role, self.gate(), Surface::Ui)
    }

    /// `/<org>/<path>`.
    pub fn href(self, org: &str) -> String {
        format!("/{org}/{}", self.path())
    }
}

/// `/<org>/teams/<team>`: a team's page. Team names may hold spaces, so the name is
/// percent-encoded as one path segment.
pub fn team_href(org: &str, team: &str) -> String {
    format!("/{org}/teams/{}", encode_component(team))
}

/// Text percent-encoded to stand as one path segment or query value: every byte but
/// letters, digits, `-`, `_` and `.` as `%XX`.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A path segment as typed in the address: `%XX` decoded (the router may hand a
/// segment over still encoded). Invalid escapes and UTF-8 are kept as they are.
pub fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_owned())
}

/// The pages `role` may open, in navigation order.
pub fn pages_for(role: Role) -> impl Iterator<Item = OrgPage> {
    OrgPage::ALL.into_iter().filter(move |p| p.opens_for(role))
}

/// Where a person lands in an organization: its members, or for a role that may not
/// list them (billing managers), Billing & usage.
pub fn home_for(role: Role) -> OrgPage {
    [OrgPage::Members, OrgPage::Billing]
        .into_iter()
        .find(|p| p.opens_for(role))
        .unwrap_or(OrgPage::Billing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrgPage::*;

    #[test]
    fn each_role_sees_the_pages_it_may_open() {
        let table: [(Role, &[OrgPage]); 3] = [
            (
                Role::Admin,
                &[
                    Stacks, Teams, Policies, Members, Billing, Identity, Tokens, Audit,
                ],
            ),
            (Role::Member, &[Stacks, Teams, Policies, Members]),
            // The seed: billing, payments and usage only; teams and members are API-only.
            (Role::BillingManager, &[Billing]),
        ];
        for (role, expected) in table {
            assert_eq!(pages_for(role).collect::<Vec<_>>(), expected, "{role}");
        }
    }

    #[test]
    fn components_are_encoded_whole() {
        for (text, encoded) in [
            ("invitation.failed", "invitation.failed"),
            ("a&after=x", "a%26after%3Dx"),
            ("é ?#/", "%C3%A9%20%3F%23%2F"),
            ("", ""),
        ] {
            assert_eq!(encode_component(text), encoded, "{text:?}");
            assert_eq!(decode_segment(encoded), text, "{encoded:?}");
        }
    }

    #[test]
    fn team_links_round_trip() {
        let cases = [
            ("platform", "/acme/teams/platform"),
            ("Platform Team", "/acme/teams/Platform%20Team"),
            ("a.b_c-d", "/acme/teams/a.b_c-d"),
        ];
        for (team, href) in cases {
            assert_eq!(team_href("acme", team), href);
            let segment = href.rsplit('/').next().unwrap();
            assert_eq!(decode_segment(segment), team);
        }
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("%zz%4"), "%zz%4");
        assert_eq!(decode_segment("%FF"), "%FF", "not UTF-8: kept as typed");
    }

    #[test]
    fn homes_and_paths() {
        assert_eq!(home_for(Role::Admin), Members);
        assert_eq!(home_for(Role::Member), Members);
        assert_eq!(home_for(Role::BillingManager), Billing);
        assert_eq!(Members.href("acme"), "/acme/settings/members");
        assert_eq!(Stacks.href("acme"), "/acme/stacks");
        let settings: Vec<_> = OrgPage::ALL
            .into_iter()
            .filter(|p| p.section() == Section::Settings)
            .collect();
        assert_eq!(settings, [Members, Billing, Identity, Tokens, Audit]);
        for p in OrgPage::ALL {
            assert_eq!(
                p.section() == Section::Settings,
                p.path().starts_with("settings/")
            );
        }
    }
}
