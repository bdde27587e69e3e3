//! What the two permission proofs share: the REST one (`permissions.rs`) and the
//! server functions' (`server_fns.rs`) call every operation as the same five callers
//! and judge each answer here, against `purser_core`'s matrix for their `Surface`.
//!
//! "Allowed" is exact: each operation names the statuses an allowed caller gets (its
//! documented success wherever the table's input can succeed; otherwise the one
//! answer that input must get, such as 404 for a made-up id), so an allowed call that
//! fails for another reason (a 400, a 422, a 500) fails the proof too.

use purser_core::permissions::allows;
use purser_core::{Action, Role, Surface};

/// Who may call an operation.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// Anyone, signed in or not (sign-up, sign-in, previews).
    Public,
    /// Any signed-in account (the account's own things, or accepting an invitation).
    Account,
    /// A role in the organization holding every one of these actions on the surface.
    Org(&'static [Action]),
}

/// The callers, in the order the proofs call them: the two without a role first, the
/// admin last (so an admin's destructive call comes after everyone else's).
pub const CALLERS: [(&str, Option<Role>); 5] = [
    ("anonymous", None),
    ("outsider", None),
    ("billing-manager", Some(Role::BillingManager)),
    ("member", Some(Role::Member)),
    ("admin", Some(Role::Admin)),
];

/// Names and addresses of the demo organization's members: none may reach a billing
/// manager.
const MEMBER_DETAILS: [&str; 6] = [
    "Alice Admin",
    "alice@acme.example",
    "Bob Builder",
    "bob@acme.example",
    "Carol Coder",
    "carol@acme.example",
];

/// Judges one answer: `status` from `caller` (who has `role`, or `None` once it is
/// gone) for an operation under `rule` whose allowed callers get one of `allowed`.
pub fn judge(
    surface: Surface,
    rule: Rule,
    caller: &str,
    role: Option<Role>,
    status: u16,
    allowed: &[u16],
    what: &str,
) {
    assert!(status < 500, "never a server error: {what}");
    match (caller, role, rule) {
        (_, _, Rule::Public) => assert!(allowed.contains(&status), "public: {what}"),
        ("anonymous", _, _) => assert_eq!(status, 401, "sign in first: {what}"),
        (_, _, Rule::Account) => assert!(allowed.contains(&status), "any account: {what}"),
        (_, None, Rule::Org(_)) => {
            assert_eq!(status, 404, "an outsider learns nothing: {what}")
        }
        (_, Some(role), Rule::Org(actions)) => {
            if actions.iter().all(|a| allows(role, *a, surface)) {
                assert!(allowed.contains(&status), "allowed by the matrix: {what}");
            } else {
                assert_eq!(status, 403, "refused by the matrix: {what}");
            }
        }
    }
}

/// Fails when an answer to a billing manager carries a member's name or address.
pub fn assert_no_member_details(answer: &str, what: &str) {
    for detail in MEMBER_DETAILS {
        assert!(
            !answer.contains(detail),
            "{detail} reached a billing manager through {what}: {answer}"
        );
    }
}
