//! Signing of webhook deliveries, and the matching verification.
//!
//! Receivers need to know that a delivery really comes from us and was not
//! altered or replayed. Every delivery therefore carries two headers:
//!
//! ```text
//! Lianluo-Timestamp: 1700000000
//! Lianluo-Signature: v1=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<body>")>
//! ```
//!
//! The timestamp is part of the signed message so it cannot be changed, which
//! lets the receiver reject old deliveries (replay protection). During secret
//! rotation the signature header carries one entry per active secret,
//! separated by `", "` (`v1=abc, v1=def`), so receivers still holding the old
//! secret keep working; a receiver accepts the delivery if any entry matches.
//! The `v1=` scheme tag leaves room for a future algorithm: verifiers ignore
//! schemes they do not know.
//!
//! The HMAC key is the *whole* secret string as shown to the user, prefix
//! included (`whsec_…` as bytes, not the hex-decoded part). That is what a
//! receiver naturally passes to its HMAC library, so nobody has to know to
//! strip or decode anything.
//!
//! `verify` (test-only) is the receiver side; it pins down and documents the
//! algorithm precisely (the README shows the same check in Python).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Header carrying the Unix time (seconds) the delivery was signed at.
pub const TIMESTAMP_HEADER: &str = "Lianluo-Timestamp";
/// Header carrying the signature entries.
pub const SIGNATURE_HEADER: &str = "Lianluo-Signature";
/// Prefix of every webhook secret, so a leaked secret is recognisable (secret
/// scanners, log redaction) and cannot be confused with other credentials.
pub const SECRET_PREFIX: &str = "whsec_";
/// Scheme tag of the current signature algorithm (HMAC-SHA256).
const SCHEME_V1: &str = "v1";

/// Why a delivery's signature was rejected. (The receiver's side: the service itself only
/// signs, so this and [`verify`] exist to pin the algorithm down in tests.)
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The timestamp header is not an integer number of seconds.
    #[error("the webhook timestamp is not an integer")]
    MalformedTimestamp,
    /// The timestamp is too far from the current time (replay or bad clock).
    #[error("the webhook timestamp is outside the accepted tolerance")]
    OutsideTolerance,
    /// The signature header has no `v1=` entry.
    #[error("the webhook signature header contains no v1 signature")]
    NoSignature,
    /// No `v1=` entry matches the expected signature.
    #[error("no webhook signature matches")]
    Mismatch,
}

/// A new random webhook secret: [`SECRET_PREFIX`] followed by 64 lowercase hex
/// characters (32 bytes, 256 bits, the HMAC-SHA256 output size — more would
/// not add strength).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    // The thread-local generator is a CSPRNG seeded from the operating system.
    rand::fill(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

/// The lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"`, keyed with the
/// bytes of the full `secret` string (prefix included).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body))
}

/// The value of the [`SIGNATURE_HEADER`] header: one `v1=<hex>` entry per
/// secret, joined by `", "`. Pass several secrets while rotating. An empty
/// slice gives an empty string.
pub fn header_value(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| format!("{SCHEME_V1}={}", sign(secret, timestamp, body)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Receiver-side check of a delivery (test-only, see [`VerifyError`]).
///
/// `header` is the [`SIGNATURE_HEADER`] value, `timestamp_header` the
/// [`TIMESTAMP_HEADER`] value, `now` the current Unix time in seconds. The
/// delivery is accepted if the timestamp is within `tolerance_secs` of `now`
/// (either direction, to allow for clock skew) and any `v1` entry matches.
/// Entries with other schemes are ignored. Comparison is constant-time, so the
/// response time does not reveal how much of a forged signature was right.
#[cfg(test)]
pub fn verify(
    secret: &str,
    header: &str,
    timestamp_header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    let timestamp: i64 = timestamp_header
        .trim()
        .parse()
        .map_err(|_| VerifyError::MalformedTimestamp)?;
    // abs_diff cannot overflow, unlike `(now - timestamp).abs()` for extreme
    // attacker-chosen timestamps; a negative tolerance accepts nothing but `now`.
    let tolerance = u64::try_from(tolerance_secs).unwrap_or(0);
    if now.abs_diff(timestamp) > tolerance {
        return Err(VerifyError::OutsideTolerance);
    }
    let expected = mac(secret, timestamp, body);
    let mut seen_v1 = false;
    let mut matched = subtle::Choice::from(0);
    for entry in header.split(',') {
        let Some((scheme, value)) = entry.trim().split_once('=') else {
            continue;
        };
        if scheme != SCHEME_V1 {
            continue;
        }
        seen_v1 = true;
        // Malformed hex or a wrong length simply cannot match. Every entry is
        // compared (no early exit) so timing does not depend on which matched.
        if let Ok(candidate) = hex::decode(value) {
            matched |= subtle::ConstantTimeEq::ct_eq(expected.as_slice(), candidate.as_slice());
        }
    }
    if !seen_v1 {
        return Err(VerifyError::NoSignature);
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// HMAC-SHA256(secret, "<timestamp>.<body>").
fn mac(secret: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this never falls back; the fallback
    // only exists to avoid a panic path.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const TS: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"event":"ping"}"#;

    #[test]
    fn known_vector() {
        // Computed independently with:
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test_secret",b"1700000000.{\"event\":\"ping\"}",hashlib.sha256).hexdigest())'
        assert_eq!(
            sign(SECRET, TS, BODY),
            "ae2394651d90c0cf67b1a139866a7d93a74295a5750d8d351480bb06145b11f4"
        );
        // Negative timestamp and empty body, same method:
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test_secret",b"-5.",hashlib.sha256).hexdigest())'
        assert_eq!(
            sign(SECRET, -5, b""),
            "3bbb022294a82c440c4e876912cfb75770f5622482d9082e8f0a001b1e3b514d"
        );
    }

    #[test]
    fn round_trip() {
        let header = header_value(&[SECRET], TS, BODY);
        assert_eq!(header, format!("v1={}", sign(SECRET, TS, BODY)));
        assert_eq!(verify(SECRET, &header, "1700000000", BODY, TS, 300), Ok(()));
        // Within tolerance both ways, and with whitespace around the timestamp.
        assert_eq!(
            verify(SECRET, &header, " 1700000000 ", BODY, TS + 300, 300),
            Ok(())
        );
        assert_eq!(
            verify(SECRET, &header, "1700000000", BODY, TS - 300, 300),
            Ok(())
        );
    }

    #[test]
    fn round_trip_with_fresh_secret() {
        let secret = new_secret();
        let header = header_value(&[&secret], TS, BODY);
        assert_eq!(
            verify(&secret, &header, "1700000000", BODY, TS, 300),
            Ok(())
        );
    }

    #[test]
    fn tampered_body_fails() {
        let header = header_value(&[SECRET], TS, BODY);
        let tampered = br#"{"event":"pong"}"#;
        assert_eq!(
            verify(SECRET, &header, "1700000000", tampered, TS, 300),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn tampered_timestamp_fails() {
        let header = header_value(&[SECRET], TS, BODY);
        assert_eq!(
            verify(SECRET, &header, "1700000001", BODY, TS, 300),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn wrong_secret_fails() {
        let header = header_value(&[SECRET], TS, BODY);
        assert_eq!(
            verify("whsec_other", &header, "1700000000", BODY, TS, 300),
            Err(VerifyError::Mismatch)
        );
        // The prefix is part of the key: the bare remainder is a different key.
        assert_eq!(
            verify("test_secret", &header, "1700000000", BODY, TS, 300),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn old_or_future_timestamp_fails() {
        let header = header_value(&[SECRET], TS, BODY);
        assert_eq!(
            verify(SECRET, &header, "1700000000", BODY, TS + 301, 300),
            Err(VerifyError::OutsideTolerance)
        );
        assert_eq!(
            verify(SECRET, &header, "1700000000", BODY, TS - 301, 300),
            Err(VerifyError::OutsideTolerance)
        );
        // Extreme values must not overflow.
        let min = header_value(&[SECRET], i64::MIN, BODY);
        assert_eq!(
            verify(SECRET, &min, &i64::MIN.to_string(), BODY, i64::MAX, 300),
            Err(VerifyError::OutsideTolerance)
        );
    }

    #[test]
    fn malformed_timestamp() {
        let header = header_value(&[SECRET], TS, BODY);
        for ts in ["", "abc", "1700000000.5", "1e9", "99999999999999999999"] {
            assert_eq!(
                verify(SECRET, &header, ts, BODY, TS, 300),
                Err(VerifyError::MalformedTimestamp),
                "{ts:?}"
            );
        }
    }

    #[test]
    fn multiple_entries_one_valid_passes() {
        let header = header_value(&["whsec_old", SECRET], TS, BODY);
        assert!(header.starts_with("v1="));
        assert_eq!(header.matches(", v1=").count(), 1);
        assert_eq!(verify(SECRET, &header, "1700000000", BODY, TS, 300), Ok(()));
        assert_eq!(
            verify("whsec_old", &header, "1700000000", BODY, TS, 300),
            Ok(())
        );
        assert_eq!(
            verify("whsec_third", &header, "1700000000", BODY, TS, 300),
            Err(VerifyError::Mismatch)
        );
        // Garbage entries alongside a valid one do not hurt.
        let good = sign(SECRET, TS, BODY);
        let messy = format!("v1=zz, v1=, v1=abcd,v1={good}");
        assert_eq!(verify(SECRET, &messy, "1700000000", BODY, TS, 300), Ok(()));
    }

    #[test]
    fn unknown_schemes_ignored() {
        let good = sign(SECRET, TS, BODY);
        let header = format!("v0=deadbeef, v1={good}, v2=whatever");
        assert_eq!(verify(SECRET, &header, "1700000000", BODY, TS, 300), Ok(()));
        // A valid digest under an unknown scheme tag does not count.
        assert_eq!(
            verify(SECRET, &format!("v0={good}"), "1700000000", BODY, TS, 300),
            Err(VerifyError::NoSignature)
        );
    }

    #[test]
    fn no_signature() {
        for header in ["", "garbage", ", ,", "v2=abc"] {
            assert_eq!(
                verify(SECRET, header, "1700000000", BODY, TS, 300),
                Err(VerifyError::NoSignature),
                "{header:?}"
            );
        }
    }

    #[test]
    fn uppercase_hex_accepted() {
        // We always send lowercase, but hex is case-insensitive for receivers.
        let header = format!("v1={}", sign(SECRET, TS, BODY).to_uppercase());
        assert_eq!(verify(SECRET, &header, "1700000000", BODY, TS, 300), Ok(()));
    }

    #[test]
    fn secret_format() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        let hex_part = a.strip_prefix(SECRET_PREFIX).unwrap();
        assert_eq!(hex_part.len(), 64);
        assert!(
            hex_part
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
    }

    #[test]
    fn header_value_edge_cases() {
        assert_eq!(header_value(&[], TS, BODY), "");
        let sig = sign(SECRET, TS, BODY);
        assert_eq!(sig.len(), 64);
        assert_eq!(sig, sig.to_lowercase());
    }
}
