//! Verifies a webhook's `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>` where
//! the hex is HMAC-SHA256 of `"<t>.<body>"` under the endpoint's signing secret. More
//! than one `v1` may be present while a secret is being rolled; any may match.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signature's timestamp may be from now: Stripe's libraries' default, which
/// bounds how long a captured request can be replayed.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    #[error("the Stripe-Signature timestamp is outside the {TOLERANCE_SECONDS}-second tolerance")]
    Stale,
    #[error("no signature in the Stripe-Signature header matches the payload")]
    Mismatch,
}

/// Checks `header` against `payload` and `secret` at `now` (Unix seconds).
pub fn verify(
    payload: &[u8],
    header: Option<&str>,
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", hex)) => signatures.push(decode_hex(hex).ok_or(SignatureError::Malformed)?),
            // Other schemes (v0, test-mode extras) are not ours to check.
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    let matches = signatures.iter().any(|signature| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        // verify_slice compares in constant time.
        mac.verify_slice(signature).is_ok()
    });
    match matches {
        true => Ok(()),
        false => Err(SignatureError::Mismatch),
    }
}

/// The header Stripe would send for `payload` at `timestamp`: for tests, and for
/// anyone replaying an event by hand.
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || hex.len() > 128 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    /// A header, the body it came with, when it arrives, and the verdict.
    type Case<'a> = (Option<&'a str>, &'a [u8], i64, Result<(), SignatureError>);

    #[test]
    fn each_header_is_judged() {
        let now = 1_800_000_000;
        let good = sign(BODY, SECRET, now);
        let good_hex = good.split("v1=").nth(1).unwrap().to_owned();
        let cases: &[Case] = &[
            (Some(&good), BODY, now, Ok(())),
            (Some(&good), BODY, now + TOLERANCE_SECONDS, Ok(())),
            (
                Some(&good),
                BODY,
                now + TOLERANCE_SECONDS + 1,
                Err(SignatureError::Stale),
            ),
            (
                Some(&good),
                BODY,
                now - TOLERANCE_SECONDS - 1,
                Err(SignatureError::Stale),
            ),
            (
                Some(&good),
                br#"{"id":"evt_2"}"#,
                now,
                Err(SignatureError::Mismatch),
            ),
            (None, BODY, now, Err(SignatureError::Missing)),
            (Some("garbage"), BODY, now, Err(SignatureError::Malformed)),
            (
                Some("t=abc,v1=00"),
                BODY,
                now,
                Err(SignatureError::Malformed),
            ),
            (
                Some("t=1800000000"),
                BODY,
                now,
                Err(SignatureError::Malformed),
            ),
            (
                Some("t=1800000000,v1=zz"),
                BODY,
                now,
                Err(SignatureError::Malformed),
            ),
        ];
        for (header, body, at, expected) in cases {
            assert_eq!(
                &verify(body, *header, SECRET, *at),
                expected,
                "{header:?} at {at}"
            );
        }
        // A rolled secret: the old signature beside the new one still verifies.
        let both = format!("t={now},v1={},v1={good_hex}", "00".repeat(32));
        assert_eq!(verify(BODY, Some(&both), SECRET, now), Ok(()));
        // Signed with another secret: refused.
        let other = sign(BODY, "whsec_other", now);
        assert_eq!(
            verify(BODY, Some(&other), SECRET, now),
            Err(SignatureError::Mismatch)
        );
    }
}
