//! Sealing short secrets and positions under a key of the server's: XChaCha20-Poly1305
//! with a fresh random nonce each time, and associated data that binds a sealed value
//! to what it is for (a list and organization, an organization's client secret), so one
//! carried elsewhere fails to open. Each key is generated once by the first instance to
//! start and kept in `server_keys` under its name (every instance shares it).

use crate::error::{Error, Result};
use crate::storage::db::{self, Db};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sqlx::Row;

const NONCE_LEN: usize = 24;

pub struct SealingKey(XChaCha20Poly1305);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    /// The key stored as `name`, created if no instance has yet.
    pub async fn load(db: &Db, name: &str) -> Result<SealingKey> {
        let mut fresh = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        sqlx::query(
            "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(URL_SAFE_NO_PAD.encode(fresh))
        .bind(db::now_ms())
        .execute(db)
        .await?;
        let stored: String = sqlx::query("SELECT secret FROM server_keys WHERE name = $1")
            .bind(name)
            .fetch_one(db)
            .await?
            .try_get("secret")?;
        let bytes = URL_SAFE_NO_PAD
            .decode(stored)
            .map_err(|e| Error::internal("a server key does not decode", e))?;
        Self::from_bytes(&bytes)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<SealingKey> {
        XChaCha20Poly1305::new_from_slice(bytes)
            .map(SealingKey)
            .map_err(|_| Error::bug("a server key has the wrong length"))
    }

    /// `plain` sealed for `scope`, as URL-safe base64.
    pub fn seal(&self, scope: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: scope.as_bytes(),
                },
            )
            .expect("encrypting a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// What was sealed for `scope`; `None` for anything altered, forged, sealed for
    /// another scope or under another key.
    pub fn open(&self, scope: &str, sealed: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .0
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: scope.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}
