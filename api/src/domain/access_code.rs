//! Access codes of submissions made without a voter account: ten characters from an alphabet
//! without look-alikes (no 0/O, 1/I), about 50 bits, read out or typed by the voter.
//!
//! The code is never stored. It is derived from a random nonce (stored) and the server's key
//! (not in the database), so that a retried create with the same `Idempotency-Key` can show the
//! same code again; what the database keeps for checking is a keyed hash of the code. A copy of
//! the database alone yields neither the codes nor a way to test guesses offline.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// The length of a code.
pub const LENGTH: usize = 10;

fn mac(key: &[u8], label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length; an empty key is still a key (tests use short ones).
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(label);
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// A fresh random nonce, hex.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

/// The code of `submission` with `nonce`.
pub fn derive(key: &[u8], submission: Uuid, nonce: &str) -> String {
    let digest = mac(
        key,
        b"lianluo access code v1",
        &[submission.as_bytes(), nonce.as_bytes()],
    );
    // 32 symbols = 5 bits each; the first LENGTH bytes, 5 bits of each, are uniform.
    digest[..LENGTH]
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 0x1f)]))
        .collect()
}

/// What is stored to check a code: a keyed hash, hex.
pub fn hash(key: &[u8], code: &str) -> String {
    hex::encode(mac(
        key,
        b"lianluo access code hash v1",
        &[normalise(code).as_bytes()],
    ))
}

/// Whether `given` (as typed: any case, spaces or dashes) is the code whose hash is `stored`.
pub fn matches(key: &[u8], given: &str, stored: &str) -> bool {
    let given = hash(key, given);
    given.as_bytes().ct_eq(stored.as_bytes()).into()
}

/// Upper case, without spaces and dashes.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_long_enough_from_its_alphabet_and_checks() {
        let id = Uuid::now_v7();
        let nonce = new_nonce();
        let code = derive(b"key", id, &nonce);
        assert_eq!(code.len(), LENGTH);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)));
        let stored = hash(b"key", &code);
        assert!(matches(b"key", &code, &stored));
        assert!(matches(b"key", &code.to_lowercase(), &stored));
        let dashed = format!("{}-{}", &code[..5], &code[5..]);
        assert!(matches(b"key", &dashed, &stored));
        assert!(!matches(b"other key", &code, &stored));
        assert!(!matches(b"key", "2345678923", &stored));
    }

    #[test]
    fn the_same_inputs_give_the_same_code_and_others_differ() {
        let id = Uuid::now_v7();
        let nonce = new_nonce();
        assert_eq!(derive(b"k", id, &nonce), derive(b"k", id, &nonce));
        assert_ne!(derive(b"k", id, &nonce), derive(b"k", id, &new_nonce()));
        assert_ne!(derive(b"k", id, &nonce), derive(b"j", id, &nonce));
        assert_ne!(new_nonce(), new_nonce());
    }
}
