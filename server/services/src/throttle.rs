//! Rate limits: how often one client address, or one account, may do the things an
//! attacker repeats — sign in, sign up, ask for emails, send invitations, guess tokens.
//!
//! Every budget is a GCRA (generic cell rate algorithm): `per` requests at once, then
//! one more each `period / per`. Where it is counted depends on the database:
//! - PostgreSQL, which several instances behind a balancer share: in the database
//!   (`shared`), one row a key, taken with one conditional upsert, so an address gets
//!   the same budget from one instance or ten;
//! - SQLite, where one instance serves: in that instance's memory (a keyed limiter
//!   from `governor`), with the same arithmetic.
//!
//! The per-account sign-in lockout lives in the database on both (`lockout`). Every
//! refusal is a 429 with `Retry-After` and the usual error body.

use crate::error::Error;
use crate::storage::db::{self, Db};
use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limits, as settings (`purser serve --help`). A limit of 0 turns that one off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Sign-in attempts per client address per minute.
    pub sign_in_per_minute: u32,
    /// Accounts created per client address per hour.
    pub sign_up_per_hour: u32,
    /// Emails a person can trigger (verification resends, password-reset requests),
    /// per client address and per account, per hour.
    pub emails_per_hour: u32,
    /// Invitations per account per hour: each address invited, each link created, each
    /// resend (so a batch of 50 addresses is 50). Per client address, the requests that
    /// send them.
    pub invitations_per_hour: u32,
    /// Attempts to accept an invitation per account per hour, accepted or refused: each
    /// refused one writes the audit log and the invitation's status, so an account
    /// holding a link must not repeat it without end.
    pub acceptances_per_hour: u32,
    /// Failed token authentications per client address per minute; past it, every
    /// token from that address is refused until the budget refills.
    pub token_failures_per_minute: u32,
    /// Failed sign-ins to one account before it is locked…
    pub lockout_failures: u32,
    /// …within this window, and for this long (minutes).
    pub lockout_minutes: u32,
    /// Password hashes computed at once (argon2id takes 19 MiB each); more wait.
    pub password_hashing_concurrency: usize,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy
    /// that sets it) instead of the connection's peer.
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sign_in_per_minute: 30,
            sign_up_per_hour: 20,
            emails_per_hour: 10,
            invitations_per_hour: 100,
            acceptances_per_hour: 30,
            token_failures_per_minute: 20,
            lockout_failures: 10,
            lockout_minutes: 15,
            password_hashing_concurrency: 4,
            trust_forwarded_for: false,
        }
    }
}

impl Limits {
    /// No rate limits at all (the lockout and hashing bound still apply): for tests
    /// that exercise other things at volume.
    pub fn off() -> Limits {
        Limits {
            sign_in_per_minute: 0,
            sign_up_per_hour: 0,
            emails_per_hour: 0,
            invitations_per_hour: 0,
            acceptances_per_hour: 0,
            token_failures_per_minute: 0,
            lockout_failures: 0,
            ..Limits::default()
        }
    }
}

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SignIn,
    SignUp,
    Email,
    Invitation,
    Acceptance,
    TokenFailure,
}

/// The key of an address's token block in the shared table.
fn token_block_key(addr: IpAddr) -> String {
    format!("token-block:ip:{addr}")
}

impl Kind {
    /// The kind's prefix of its keys in the shared table.
    fn as_str(self) -> &'static str {
        match self {
            Kind::SignIn => "sign-in",
            Kind::SignUp => "sign-up",
            Kind::Email => "email",
            Kind::Invitation => "invitation",
            Kind::Acceptance => "acceptance",
            Kind::TokenFailure => "token-failure",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Kind::SignIn => "Too many sign-in attempts from your address.",
            Kind::SignUp => "Too many accounts created from your address.",
            Kind::Email => "Too many emails requested.",
            Kind::Invitation => "Too many invitations sent.",
            Kind::Acceptance => "Too many attempts to accept an invitation.",
            Kind::TokenFailure => "Too many requests with an invalid token from your address.",
        }
    }
}

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// One kind's budgets, by key.
struct Limiter {
    kind: Kind,
    /// The budget per period (0: no limit).
    per: u32,
    period: Duration,
    /// This instance's counts; unused when the throttle counts in the database.
    keyed: Option<Keyed>,
}

impl Limiter {
    fn new(kind: Kind, per: u32, period: Duration) -> Limiter {
        Limiter {
            kind,
            per,
            period,
            keyed: NonZeroU32::new(per).map(|n| {
                RateLimiter::keyed(Quota::with_period(period / n.get()).unwrap().allow_burst(n))
            }),
        }
    }

    /// Takes `n` from the key's budget at once, or nothing. More than the whole budget
    /// (only a batch asks for more than one) is refused as such, a 422: waiting would
    /// not help. (Checked here: governor's arithmetic overflows on such an `n`.)
    async fn check_n(&self, shared: Option<&Db>, key: &str, n: NonZeroU32) -> Result<(), Error> {
        let Some(keyed) = &self.keyed else {
            return Ok(());
        };
        if n.get() > self.per {
            return Err(Error::Invalid(purser_core::ValueError {
                field: "emails",
                message: format!(
                    "At most {} can be sent in an hour: send fewer at a time.",
                    self.per
                ),
            }));
        }
        if let Some(db) = shared {
            let key = shared::key(self.kind, key);
            return match shared::take(db, &key, self.per, self.period, n.get()).await? {
                None => Ok(()),
                Some(wait) => Err(Error::too_many(self.kind.message(), wait)),
            };
        }
        match keyed.check_key_n(&key.to_owned(), n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(Error::too_many(
                self.kind.message(),
                not_until.wait_time_from(DefaultClock::default().now()),
            )),
            // (Cannot happen: `n` fits the budget, checked above.)
            Err(_) => Err(Error::too_many(
                self.kind.message(),
                Duration::from_secs(3600),
            )),
        }
    }

    fn forget_idle(&self) {
        if let Some(keyed) = &self.keyed {
            keyed.retain_recent();
            keyed.shrink_to_fit();
        }
    }
}

/// The budgets in the database, for instances that share it. A key's row holds its
/// GCRA "theoretical arrival time" (Unix ms): the budget is whole again once it has
/// passed, so such rows are dropped (`prune`).
mod shared {
    use super::Kind;
    use crate::storage::db::{self, Db};
    use std::time::Duration;

    /// Keys longer than this are stored as their hash: a key may hold what a person
    /// typed (the address of a password-reset request), and an index entry has a
    /// bounded size.
    const LONGEST_KEY: usize = 128;

    /// A key of `kind` in the table: the kind, then the key, or its SHA-256 when long.
    pub fn key(kind: Kind, key: &str) -> String {
        if key.len() <= LONGEST_KEY {
            format!("{}:{key}", kind.as_str())
        } else {
            format!("{}:sha256:{}", kind.as_str(), crate::secrets::hash(key))
        }
    }

    /// Takes `n` of `per` from `key`'s budget in one statement, or nothing; `None`
    /// when taken, else how long until it would be.
    pub async fn take(
        db: &Db,
        key: &str,
        per: u32,
        period: Duration,
        n: u32,
    ) -> Result<Option<Duration>, sqlx::Error> {
        let now = db::now_ms();
        // One request's share of the period, at least a millisecond.
        let interval = (period.as_millis() as i64 / i64::from(per)).max(1);
        let cost = interval * i64::from(n);
        let burst = interval * i64::from(per);
        // Conflicting upserts of one key queue on its row, and each sees the one
        // before: the budget is exact under any number of instances.
        let taken: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO rate_limits (key, tat) VALUES ($1, $2 + $3) \
             ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_limits.tat, $2) + $3 \
             WHERE GREATEST(rate_limits.tat, $2) + $3 - $2 <= $4 \
             RETURNING tat",
        )
        .bind(key)
        .bind(now)
        .bind(cost)
        .bind(burst)
        .fetch_optional(db)
        .await?;
        if taken.is_some() {
            return Ok(None);
        }
        let tat = held_until(db, key).await?.unwrap_or(now);
        let wait = tat.max(now) + cost - now - burst;
        Ok(Some(Duration::from_millis(wait.max(1) as u64)))
    }

    /// The key's theoretical arrival time, if it has a row.
    pub async fn held_until(db: &Db, key: &str) -> Result<Option<i64>, sqlx::Error> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT tat FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?;
        Ok(row.map(|(tat,)| tat))
    }

    /// Sets a key's time outright (a block until then), keeping a later one.
    pub async fn hold(db: &Db, key: &str, until: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO rate_limits (key, tat) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_limits.tat, $2)",
        )
        .bind(key)
        .bind(until)
        .execute(db)
        .await?;
        Ok(())
    }

    /// Drops the keys whose budget is whole again (or whose block has ended).
    pub async fn prune(db: &Db) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM rate_limits WHERE tat < $1")
            .bind(db::now_ms())
            .execute(db)
            .await?;
        Ok(done.rows_affected())
    }
}

/// The refusal of every token from an address blocked until `until` (Unix ms).
pub fn token_blocked(until: i64) -> Error {
    let wait = (until - db::now_ms()).max(1) as u64;
    Error::too_many(Kind::TokenFailure.message(), Duration::from_millis(wait))
}

/// The limiters of one server instance.
pub struct Throttle {
    pub limits: Limits,
    /// The database the budgets are counted in, when instances share it.
    shared: Option<Db>,
    sign_in: Limiter,
    sign_up: Limiter,
    emails: Limiter,
    invitations: Limiter,
    acceptances: Limiter,
    token_failures: Limiter,
    /// Addresses refused every token until then, after too many failures (in memory;
    /// in the database when shared).
    token_blocks: Mutex<HashMap<IpAddr, Instant>>,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Throttle {
    /// Budgets counted in this instance's memory (one instance serves the database).
    pub fn new(limits: Limits) -> Throttle {
        Throttle {
            sign_in: Limiter::new(Kind::SignIn, limits.sign_in_per_minute, MINUTE),
            sign_up: Limiter::new(Kind::SignUp, limits.sign_up_per_hour, HOUR),
            emails: Limiter::new(Kind::Email, limits.emails_per_hour, HOUR),
            invitations: Limiter::new(Kind::Invitation, limits.invitations_per_hour, HOUR),
            acceptances: Limiter::new(Kind::Acceptance, limits.acceptances_per_hour, HOUR),
            token_failures: Limiter::new(
                Kind::TokenFailure,
                limits.token_failures_per_minute,
                MINUTE,
            ),
            token_blocks: Mutex::new(HashMap::new()),
            shared: None,
            limits,
        }
    }

    /// Budgets counted in `db`, which every instance serving it shares.
    pub fn shared(limits: Limits, db: Db) -> Throttle {
        Throttle {
            shared: Some(db),
            ..Throttle::new(limits)
        }
    }

    /// Counted in the database for PostgreSQL (several instances may serve it), in
    /// memory for SQLite (one does).
    pub fn for_database(limits: Limits, db: &Db) -> Throttle {
        match db::kind(db) {
            db::Kind::Postgres => Throttle::shared(limits, db.clone()),
            db::Kind::Sqlite => Throttle::new(limits),
        }
    }

    fn limiter(&self, kind: Kind) -> &Limiter {
        match kind {
            Kind::SignIn => &self.sign_in,
            Kind::SignUp => &self.sign_up,
            Kind::Email => &self.emails,
            Kind::Invitation => &self.invitations,
            Kind::Acceptance => &self.acceptances,
            Kind::TokenFailure => &self.token_failures,
        }
    }

    /// Counts one `kind` request by this client address.
    pub async fn check_address(&self, kind: Kind, addr: IpAddr) -> Result<(), Error> {
        self.check_key(kind, &format!("ip:{addr}"), NonZeroU32::MIN)
            .await
    }

    /// Counts one `kind` request by this account (its user id).
    pub async fn check_account(&self, kind: Kind, user_id: &str) -> Result<(), Error> {
        self.check_key(kind, &format!("user:{user_id}"), NonZeroU32::MIN)
            .await
    }

    /// Counts `n` of `kind` by this account at once (the addresses of one batch of
    /// invitations): all of them fit in what is left of its budget, or none is sent.
    /// More than the whole budget is refused as such (422): waiting would not help.
    pub async fn check_account_n(&self, kind: Kind, user_id: &str, n: usize) -> Result<(), Error> {
        let n = NonZeroU32::new(u32::try_from(n).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN);
        self.check_key(kind, &format!("user:{user_id}"), n).await
    }

    async fn check_key(&self, kind: Kind, key: &str, n: NonZeroU32) -> Result<(), Error> {
        self.limiter(kind)
            .check_n(self.shared.as_ref(), key, n)
            .await
    }

    /// The key of the address's token block in the shared table, when blocks are kept
    /// there (and token failures are limited at all): the token lookup reads it in the
    /// same statement (`accounts::user_for_token`), and `token_blocked` answers it.
    pub fn shared_token_block(&self, addr: IpAddr) -> Option<String> {
        (self.shared.is_some() && self.token_failures.keyed.is_some())
            .then(|| token_block_key(addr))
    }

    /// Refuses, before any lookup, an address that failed token authentication too
    /// often: the check comes first so that a right guess is refused like a wrong one.
    /// (With the shared table, the lookup reads the block itself: `shared_token_block`.)
    pub async fn check_token_allowed(&self, addr: IpAddr) -> Result<(), Error> {
        if self.token_failures.keyed.is_none() {
            return Ok(());
        }
        if let Some(db) = &self.shared {
            return match shared::held_until(db, &token_block_key(addr)).await? {
                Some(until) if until > db::now_ms() => Err(token_blocked(until)),
                _ => Ok(()),
            };
        }
        let mut blocks = self.token_blocks.lock().unwrap_or_else(|e| e.into_inner());
        match blocks.get(&addr) {
            Some(until) if *until > Instant::now() => Err(Error::too_many(
                Kind::TokenFailure.message(),
                *until - Instant::now(),
            )),
            Some(_) => {
                blocks.remove(&addr);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Notes a failed token authentication; past the budget, blocks the address.
    pub async fn token_failed(&self, addr: IpAddr) -> Result<(), Error> {
        let failure = self
            .check_key(Kind::TokenFailure, &format!("ip:{addr}"), NonZeroU32::MIN)
            .await;
        if let Err(Error::TooManyRequests {
            retry_after_secs, ..
        }) = failure
        {
            let wait = Duration::from_secs(retry_after_secs);
            match &self.shared {
                Some(db) => {
                    let until = db::now_ms() + wait.as_millis() as i64;
                    shared::hold(db, &token_block_key(addr), until).await?;
                }
                None => {
                    let mut blocks = self.token_blocks.lock().unwrap_or_else(|e| e.into_inner());
                    blocks.insert(addr, Instant::now() + wait);
                }
            }
            return Ok(());
        }
        failure
    }

    /// Drops the state of keys that are back to a full budget (memory, or the shared
    /// table, stays bounded by the recently active addresses and accounts).
    pub async fn forget_idle(&self) {
        if let Some(db) = &self.shared {
            if let Err(e) = shared::prune(db).await {
                tracing::warn!(error = %e, "could not prune the rate limits' table");
            }
        }
        for kind in [
            Kind::SignIn,
            Kind::SignUp,
            Kind::Email,
            Kind::Invitation,
            Kind::Acceptance,
            Kind::TokenFailure,
        ] {
            self.limiter(kind).forget_idle();
        }
        let now = Instant::now();
        self.token_blocks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, until| *until > now);
    }

    /// The client's address: the connection's peer, or with `trust_forwarded_for` the
    /// last `X-Forwarded-For` entry (the one the trusted proxy added).
    pub fn client_address(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        if self.limits.trust_forwarded_for {
            let forwarded = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .next_back();
            if forwarded.is_some() {
                return forwarded;
            }
        }
        peer.map(|p| p.ip())
    }
}

/// Forgets idle keys every few minutes, for the life of the server.
pub fn spawn_cleanup(throttle: std::sync::Arc<Throttle>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            throttle.forget_idle().await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_budget_runs_out_and_says_when_to_return() {
        let t = Throttle::new(Limits {
            sign_in_per_minute: 3,
            ..Limits::off()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            t.check_address(Kind::SignIn, a).await.unwrap();
        }
        match t.check_address(Kind::SignIn, a).await {
            Err(Error::TooManyRequests {
                retry_after_secs, ..
            }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("expected 429, got {other:?}"),
        }
        t.check_address(Kind::SignIn, b).await.unwrap();
        // Off means off.
        for _ in 0..100 {
            t.check_address(Kind::SignUp, a).await.unwrap();
        }
    }

    #[tokio::test]
    async fn token_failures_block_the_address_before_lookup() {
        let t = Throttle::new(Limits {
            token_failures_per_minute: 2,
            ..Limits::off()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..2 {
            t.check_token_allowed(a).await.unwrap();
            t.token_failed(a).await.unwrap();
        }
        t.check_token_allowed(a).await.unwrap();
        t.token_failed(a).await.unwrap(); // the third failure is over budget
        assert!(t.check_token_allowed(a).await.is_err());
        assert!(t
            .check_token_allowed("192.0.2.9".parse().unwrap())
            .await
            .is_ok());
    }

    #[test]
    fn forwarded_for_is_used_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.7, 198.51.100.2".parse().unwrap(),
        );
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let untrusted = Throttle::new(Limits::default());
        assert_eq!(
            untrusted.client_address(&headers, Some(peer)),
            Some(peer.ip())
        );
        let trusted = Throttle::new(Limits {
            trust_forwarded_for: true,
            ..Limits::default()
        });
        assert_eq!(
            trusted.client_address(&headers, Some(peer)),
            Some("198.51.100.2".parse().unwrap())
        );
    }

    #[tokio::test]
    async fn a_batch_takes_one_invitation_per_address_or_none() {
        let t = Throttle::new(Limits {
            invitations_per_hour: 5,
            ..Limits::off()
        });
        let inv = Kind::Invitation;
        for (n, allowed) in [(3, true), (3, false), (2, true), (1, false)] {
            assert_eq!(
                t.check_account_n(inv, "u1", n).await.is_ok(),
                allowed,
                "{n}"
            );
        }
        // More than the whole budget at once is refused as such, never a panic.
        assert!(matches!(
            t.check_account_n(inv, "u2", 6).await,
            Err(Error::Invalid(_))
        ));
        assert!(t.check_account_n(inv, "u3", usize::MAX).await.is_err());
        assert!(
            t.check_account_n(inv, "u2", 5).await.is_ok(),
            "the refusal took nothing"
        );
        // Off: anything goes.
        let off = Throttle::new(Limits::off());
        assert!(off.check_account_n(inv, "u1", 10_000).await.is_ok());
    }
}
