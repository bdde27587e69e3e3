//! Access tokens' lifetimes: when a token may be used, and which a list shows.

use crate::values::ValueError;

/// The longest a token may be made to last: two years, as Pulumi Cloud allows.
pub const MAX_LIFETIME_SECS: i64 = 2 * 366 * 24 * 3600;

/// Reads a requested expiry (Unix seconds, Pulumi's `expires`; `0` for a token that
/// never expires) against `now_ms`: it must lie in the future, within
/// [`MAX_LIFETIME_SECS`]. Returns the expiry in Unix milliseconds, `None` for never.
pub fn expiry(expires_secs: i64, now_ms: i64) -> Result<Option<i64>, ValueError> {
    if expires_secs == 0 {
        return Ok(None);
    }
    let refuse = |message: &str| ValueError {
        field: "expires",
        message: message.to_owned(),
    };
    let at_ms = expires_secs
        .checked_mul(1000)
        .ok_or_else(|| refuse("The expiry is too far in the future."))?;
    if at_ms <= now_ms {
        return Err(refuse(
            "The expiry must be in the future (Unix seconds), or 0 for never.",
        ));
    }
    if at_ms - now_ms > MAX_LIFETIME_SECS * 1000 {
        return Err(refuse("A token lasts at most two years."));
    }
    Ok(Some(at_ms))
}

/// What the request creating a token was signed in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A session: the account's password (or a reset link) was given to start it.
    Session,
    /// A personal access token that ends at `expires_at` (Unix ms), or never.
    Token { expires_at: Option<i64> },
}

/// A token may create tokens, but none that outlasts it, so that a leaked short-lived
/// token (a CI job's, say) gives no lasting access: it cannot mint one that never
/// expires. (The server also revokes what a token made along with it.) A token that
/// never expires, or a session, may create any token [`expiry`] allows.
pub fn check_created_by(credential: Credential, expires_at: Option<i64>) -> Result<(), ValueError> {
    let Credential::Token {
        expires_at: Some(limit),
    } = credential
    else {
        return Ok(());
    };
    match expires_at {
        Some(at) if at <= limit => Ok(()),
        _ => Err(ValueError {
            field: "expires",
            message: "A token can create only tokens that expire no later than itself; \
                      sign in to create one that lasts longer."
                .into(),
        }),
    }
}

/// Whether a token with this expiry (Unix ms, `None` for never) still works at `now_ms`.
pub fn is_active(expires_at: Option<i64>, now_ms: i64) -> bool {
    expires_at.is_none_or(|at| now_ms < at)
}

/// Which tokens a list shows (Pulumi's `filter`): active by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenFilter {
    #[default]
    Active,
    Expired,
    All,
}

impl TokenFilter {
    pub fn parse(input: Option<&str>) -> Result<TokenFilter, ValueError> {
        match input.unwrap_or("active") {
            "active" => Ok(TokenFilter::Active),
            "expired" => Ok(TokenFilter::Expired),
            "all" => Ok(TokenFilter::All),
            _ => Err(ValueError {
                field: "filter",
                message: "filter is one of active, expired or all.".into(),
            }),
        }
    }

    pub fn shows(self, expires_at: Option<i64>, now_ms: i64) -> bool {
        match self {
            TokenFilter::Active => is_active(expires_at, now_ms),
            TokenFilter::Expired => !is_active(expires_at, now_ms),
            TokenFilter::All => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn expiries() {
        let day = 86_400;
        let now_s = NOW / 1000;
        // requested (s), accepted as (ms)
        let table = [
            (0, Ok(None)),
            (now_s + day, Ok(Some((now_s + day) * 1000))),
            (now_s, Err("expires")),
            (now_s - day, Err("expires")),
            (-1, Err("expires")),
            (now_s + MAX_LIFETIME_SECS + day, Err("expires")),
            (i64::MAX, Err("expires")),
        ];
        for (requested, expected) in table {
            assert_eq!(
                expiry(requested, NOW).map_err(|e| e.field),
                expected,
                "{requested}"
            );
        }
    }

    #[test]
    fn tokens_create_no_token_outlasting_them() {
        let session = Credential::Session;
        let forever = Credential::Token { expires_at: None };
        let until = |at| Credential::Token {
            expires_at: Some(at),
        };
        // credential, the new token's expiry, allowed
        let table = [
            (session, None, true),
            (session, Some(NOW + 1), true),
            (forever, None, true),
            (forever, Some(NOW + 1), true),
            (until(NOW + 10), Some(NOW + 10), true),
            (until(NOW + 10), Some(NOW + 9), true),
            (until(NOW + 10), Some(NOW + 11), false),
            (until(NOW + 10), None, false),
        ];
        for (credential, expires_at, allowed) in table {
            let checked = check_created_by(credential, expires_at);
            assert_eq!(checked.is_ok(), allowed, "{credential:?} {expires_at:?}");
            if let Err(e) = checked {
                assert_eq!(e.field, "expires");
            }
        }
    }

    #[test]
    fn filters() {
        // filter, expires_at, shown
        let table = [
            (TokenFilter::Active, None, true),
            (TokenFilter::Active, Some(NOW + 1), true),
            (TokenFilter::Active, Some(NOW), false),
            (TokenFilter::Expired, Some(NOW - 1), true),
            (TokenFilter::Expired, None, false),
            (TokenFilter::All, Some(NOW - 1), true),
            (TokenFilter::All, None, true),
        ];
        for (filter, expires_at, shown) in table {
            assert_eq!(
                filter.shows(expires_at, NOW),
                shown,
                "{filter:?} {expires_at:?}"
            );
        }
        assert_eq!(TokenFilter::parse(None), Ok(TokenFilter::Active));
        assert_eq!(TokenFilter::parse(Some("all")), Ok(TokenFilter::All));
        assert!(TokenFilter::parse(Some("everything")).is_err());
    }
}
