//! SCIM 2.0 provisioning (RFC 7643/7644): an organization's identity provider adds,
//! updates and removes its people (`users`) and teams (`groups`) at
//! `/scim/v2/{org}`, with a token an admin made for it (`tokens`).
//!
//! The protocol is here, not in `purser_core`: filters and paths (`filter`), what a
//! provider's JSON says and how PATCH applies to it (`json`), lists (`list`), and
//! the documents that describe the service (`discovery`). The rules it serves — which
//! address is the person, what `active` does to a role — are `purser_core::scim`.

pub mod discovery;
pub mod error;
pub mod filter;
pub mod groups;
pub mod json;
pub mod list;
pub mod tokens;
pub mod users;

pub use error::{ScimError, ScimResult};
pub use tokens::{authenticate, Provisioner};

/// A search of every resource type at once (`POST /.search`, RFC 7644 §3.4.3): users,
/// then groups, one `startIndex`/`count` window over both. A filter on an attribute
/// one type does not have matches nothing of that type.
pub async fn search_all(
    db: &crate::storage::db::Db,
    p: &Provisioner,
    base: &str,
    query: &list::Query,
) -> ScimResult<serde_json::Value> {
    let only = |start: i64, count: i64| list::Query {
        start_index: Some(start),
        count: Some(count),
        ..query.clone()
    };
    let not_of_this_type = |e: &ScimError| {
        matches!(
            e,
            ScimError::Protocol {
                scim_type: Some("invalidFilter"),
                ..
            }
        )
    };
    let (start, count) = (query.start(), query.count());
    let users = users::page(db, p, base, &only(start, count)).await;
    let groups_total = groups::page(db, p, base, &only(1, 0)).await;
    let (users_total, mut resources) = match users {
        Ok(found) => found,
        Err(e) if not_of_this_type(&e) && groups_total.is_ok() => (0, Vec::new()),
        Err(e) => return Err(e),
    };
    let groups_total = match groups_total {
        Ok((total, _)) => total,
        Err(e) if not_of_this_type(&e) => 0,
        Err(e) => return Err(e),
    };
    let room = count - resources.len() as i64;
    if room > 0 && groups_total > 0 {
        let from = (start - users_total).max(1);
        let (_, more) = groups::page(db, p, base, &only(from, room)).await?;
        resources.extend(more);
    }
    Ok(list::response(users_total + groups_total, query, resources))
}

/// The media type of every SCIM answer (RFC 7644 §3.1).
pub const MEDIA_TYPE: &str = "application/scim+json";

/// Where an organization's SCIM service is, for `meta.location` and the settings page.
pub fn base_url(base: &str, org: &str) -> String {
    format!("{}/scim/v2/{org}", base.trim_end_matches('/'))
}

/// An RFC 3339 time (UTC, seconds) from Unix milliseconds, as `meta` carries it.
pub fn timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A resource's `meta.version` and ETag: weak, from the version its row counts.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Refuses (`412`) a change whose `If-Match` names another version than the row's.
pub(crate) fn admitted(row: &sqlx::any::AnyRow, if_match: Option<&str>) -> ScimResult<()> {
    let version: i64 = sqlx::Row::try_get(row, "version").map_err(crate::error::Error::from)?;
    match if_match_admits(if_match, version) {
        true => Ok(()),
        false => Err(ScimError::stale()),
    }
}

/// Whether an `If-Match` header admits the resource at `version` (`*` admits any).
pub fn if_match_admits(if_match: Option<&str>, version: i64) -> bool {
    let Some(header) = if_match else {
        return true;
    };
    let current = etag(version);
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current || tag.trim_start_matches("W/") == &current[2..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_admits_the_current_version_weak_or_strong_and_any() {
        let cases = [
            (None, true),
            (Some("W/\"3\""), true),
            (Some("\"3\""), true),
            (Some("*"), true),
            (Some("W/\"2\", W/\"3\""), true),
            (Some("W/\"2\""), false),
            (Some("garbage"), false),
        ];
        for (header, want) in cases {
            assert_eq!(if_match_admits(header, 3), want, "{header:?}");
        }
    }
}
