//! Secrets handed to people (session ids, tokens, one-time links) and passwords.
//!
//! A secret has 256 bits from the OS's CSPRNG and is stored only as its SHA-256
//! hash, looked up by that hash. Passwords are hashed with argon2id.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random secret, URL-safe, with `prefix` so scanners can recognise leaked ones.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret.
pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How many argon2id computations run at once. Each takes 19 MiB and a core for a
/// moment; without a bound, a burst of sign-ins could exhaust memory. The first call
/// (at server start, from the settings) decides; later ones change nothing.
pub fn bound_password_hashing(concurrency: usize) {
    let _ = HASHING.set(tokio::sync::Semaphore::new(concurrency.max(1)));
}

static HASHING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();

/// How long a request waits for a hashing slot before it is told to come back.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A slot to hash a password in, or a 429 when the server is saturated.
async fn hashing_slot() -> Result<tokio::sync::SemaphorePermit<'static>, crate::error::Error> {
    let slots = HASHING.get_or_init(|| tokio::sync::Semaphore::new(4));
    let busy = || {
        crate::error::Error::too_many(
            "The server is busy checking passwords.",
            std::time::Duration::from_secs(2),
        )
    };
    tokio::time::timeout(HASHING_WAIT, slots.acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())
}

/// Hashes a password with argon2id, off the async runtime (it is slow on purpose).
pub async fn hash_password(password: String) -> Result<String, crate::error::Error> {
    let _slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| crate::error::Error::internal("password hashing", e.to_string()))
    })
    .await
    .map_err(|e| crate::error::Error::internal("password hashing task", e))?
}

/// Checks a password against a stored hash. With no stored hash, a dummy hash is
/// still checked, so that "no such account" takes as long as "wrong password".
/// Waits for a hashing slot; a 429 when none frees up in time.
pub async fn verify_password(
    password: String,
    stored: Option<String>,
) -> Result<bool, crate::error::Error> {
    let _slot = hashing_slot().await?;
    // An account with no password (made at a first SSO sign-in: an empty hash) is
    // checked against the dummy hash too, so it answers in a wrong password's time.
    let stored = stored.filter(|s| !s.is_empty());
    Ok(tokio::task::spawn_blocking(move || {
        let found = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && found
    })
    .await
    .unwrap_or(false))
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(generate("").as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_prefixed_and_long() {
        let a = generate("pur_");
        let b = generate("pur_");
        assert_ne!(a, b);
        assert!(a.starts_with("pur_"));
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(hash(&a).len(), 64);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }

    #[tokio::test]
    async fn passwords_verify() {
        let stored = hash_password("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse".into(), Some(stored))
            .await
            .unwrap());
        assert!(!verify_password("correct horse".into(), None).await.unwrap());
    }
}
