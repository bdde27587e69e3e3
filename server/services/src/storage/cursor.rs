//! Continuation tokens that say nothing and cannot be forged.
//!
//! A keyset cursor names a row (a member's join time and user id); handed out as is,
//! it would give a billing manager member ids that `core` hides from them. So every
//! cursor is sealed with XChaCha20-Poly1305 under a key the server generates once and
//! keeps in the database (every instance shares it), with the list and organization it
//! belongs to as associated data: a token is opaque, and one altered, forged, or
//! carried to another list or organization fails to open.

use crate::error::{Error, Result};
use crate::storage::db::Db;
use crate::storage::sealing::SealingKey;
#[cfg(test)]
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

const KEY_NAME: &str = "continuation-token";

#[derive(Debug)]
pub struct CursorKey(SealingKey);

fn invalid() -> Error {
    Error::BadRequest("The continuationToken is not valid; start again without it.".into())
}

impl CursorKey {
    /// The shared key: created by the first instance to start, read by the others.
    pub async fn load(db: &Db) -> Result<CursorKey> {
        SealingKey::load(db, KEY_NAME).await.map(CursorKey)
    }

    #[cfg(test)]
    fn from_bytes(bytes: &[u8]) -> Result<CursorKey> {
        SealingKey::from_bytes(bytes).map(CursorKey)
    }

    /// Seals `position` for the list named by `scope` (e.g. `members:<org id>`).
    pub fn seal(&self, scope: &str, position: &str) -> String {
        self.0.seal(scope, position)
    }

    /// Opens a token sealed for `scope`; anything else is a 400.
    pub fn open(&self, scope: &str, token: &str) -> Result<String> {
        self.0.open(scope, token).ok_or_else(invalid)
    }
}

/// The largest page a list answers, and the page it answers without `limit`.
pub const MAX_PAGE: u32 = 500;
pub const DEFAULT_PAGE: u32 = 100;

/// The lists Pulumi's clients read whole (teams, a team's members, invitations, policy
/// groups, policy packs: Pulumi's own service answers every entry) take pages up to
/// this many rows, and answer this many to a caller who asks for no page at all
/// ([`PageAsk::whole_unless_paged`]): still keyset-read, still bounded.
pub const WHOLE_LIST: u32 = 1_000;

/// A page of a list; its `next` is sealed here.
pub use purser_core::page::Page;

/// Which page of a list a caller asks for, on either surface: where the previous page
/// said the next one starts (its sealed continuation token), and how many rows.
#[derive(Clone, Copy)]
pub struct PageAsk<'a> {
    pub key: &'a CursorKey,
    pub after: Option<&'a str>,
    pub limit: Option<u32>,
}

impl PageAsk<'_> {
    /// For a list Pulumi's clients read whole: a caller who gives neither a token nor
    /// a `limit` gets up to [`WHOLE_LIST`] rows (and a token if there are more); one who
    /// pages, pages.
    pub fn whole_unless_paged(self) -> Self {
        match (self.after, self.limit) {
            (None, None) => PageAsk {
                limit: Some(WHOLE_LIST),
                ..self
            },
            _ => self,
        }
    }

    /// Reads one page of the list named by `scope` the one way every list is read:
    /// opens the request (a token sealed for another list or organization is a 400),
    /// reads one row more than the page with `read`, cuts the page and seals where the
    /// next one starts, from the last row's `position`.
    pub async fn read<T>(
        self,
        scope: &str,
        read: impl AsyncFnOnce(&PageRequest) -> Result<Vec<T>>,
        position: impl Fn(&T) -> Position,
    ) -> Result<Page<T>> {
        self.read_up_to(MAX_PAGE, scope, read, position).await
    }

    /// As [`PageAsk::read`], for a list whose pages may hold up to `max` rows.
    pub async fn read_up_to<T>(
        self,
        max: u32,
        scope: &str,
        read: impl AsyncFnOnce(&PageRequest) -> Result<Vec<T>>,
        position: impl Fn(&T) -> Position,
    ) -> Result<Page<T>> {
        let request = PageRequest::open_up_to(self.key, scope, self.after, self.limit, max)?;
        let rows = read(&request).await?;
        Ok(request.page(self.key, scope, rows, position))
    }
}

/// A keyset position in a list ordered by (time, id): the last row of a page. A list
/// ordered by a name alone leaves `at` at 0 and keeps the name in `id`. Handed out
/// only sealed, since an id is not for every viewer.
pub struct Position {
    pub at: i64,
    pub id: String,
}

/// Which page a request asks for: how many rows, after which position (`None` for the
/// first page). `scope` names the list and its organization, so that a token works
/// only where it was issued.
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Position>,
}

impl PageRequest {
    pub fn open(
        key: &CursorKey,
        scope: &str,
        continuation: Option<&str>,
        limit: Option<u32>,
    ) -> Result<PageRequest> {
        Self::open_up_to(key, scope, continuation, limit, MAX_PAGE)
    }

    /// As [`PageRequest::open`], for a list whose pages may hold up to `max` rows.
    pub fn open_up_to(
        key: &CursorKey,
        scope: &str,
        continuation: Option<&str>,
        limit: Option<u32>,
        max: u32,
    ) -> Result<PageRequest> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > max {
            return Err(Error::BadRequest(format!(
                "limit must be between 1 and {max}."
            )));
        }
        let after = continuation
            .filter(|t| !t.is_empty())
            .map(|t| -> Result<Position> {
                let text = key.open(scope, t)?;
                let bad = || Error::bug("a sealed cursor does not parse");
                let (at, id) = text.split_once(':').ok_or_else(bad)?;
                Ok(Position {
                    at: at.parse().map_err(|_| bad())?,
                    id: id.to_owned(),
                })
            })
            .transpose()?;
        Ok(PageRequest { limit, after })
    }

    /// The position's time, or `first` (a time before or after every row, as the list
    /// runs) on the first page.
    pub fn after_at(&self, first: i64) -> i64 {
        self.after.as_ref().map_or(first, |p| p.at)
    }

    /// The position's key, or `""` (before every key) on the first page.
    pub fn after_id(&self) -> &str {
        self.after.as_ref().map_or("", |p| p.id.as_str())
    }

    /// How many rows to read: one more than the page, to learn whether another follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Cuts `rows` (read with [`PageRequest::fetch`]) to the page, sealing the position
    /// of its last row when more follow.
    pub fn page<T>(
        &self,
        key: &CursorKey,
        scope: &str,
        mut rows: Vec<T>,
        position: impl Fn(&T) -> Position,
    ) -> Page<T> {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next = more
            .then(|| rows.last().map(&position))
            .flatten()
            .map(|p| key.seal(scope, &format!("{}:{}", p.at, p.id)));
        Page { items: rows, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_cursors_are_opaque_and_bound_to_their_list() {
        let key = CursorKey::from_bytes(&[7u8; 32]).unwrap();
        let position = "1764400000000:3f6c1a52-2f0e-4d7b-9a51-0c3d1e2f4a5b";
        let token = key.seal("members:org-1", position);
        assert_eq!(key.open("members:org-1", &token).unwrap(), position);
        let decoded = URL_SAFE_NO_PAD.decode(&token).unwrap();
        assert!(
            !String::from_utf8_lossy(&decoded).contains("3f6c1a52"),
            "the position does not show through"
        );
        assert_ne!(
            token,
            key.seal("members:org-1", position),
            "fresh nonce each time"
        );
        assert!(
            key.open("members:org-2", &token).is_err(),
            "another organization"
        );
        let mut tampered = decoded.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key
            .open("members:org-1", &URL_SAFE_NO_PAD.encode(tampered))
            .is_err());
        let other = CursorKey::from_bytes(&[8u8; 32]).unwrap();
        assert!(other.open("members:org-1", &token).is_err(), "another key");
        for junk in ["", "!!", "AAAA", &URL_SAFE_NO_PAD.encode(position)] {
            assert!(key.open("members:org-1", junk).is_err(), "{junk:?}");
        }
    }
}
