//! Access tokens: HS256 JWTs with a pinned algorithm, `iss`, `aud`, `sub`, `exp`, `nbf`, `iat`,
//! `jti`, the session id `sid`, and a `kid` header so that keys can rotate.
//!
//! The current key signs; it and the previous keys (`LIANLUO_JWT_PREVIOUS_SECRETS`) verify,
//! chosen by `kid`. A token whose `kid` is unknown, or whose header names any other algorithm
//! (including `none`), is refused before its signature is even looked at.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Secret;
use crate::error::TokenProblem;

pub const ISSUER: &str = "lianluo";
/// The audience of tokens issued to staff (password login).
pub const STAFF_AUDIENCE: &str = "lianluo-staff";
/// The audience of tokens issued to voters (WeChat sign-in from the mini-program).
pub const MINIAPP_AUDIENCE: &str = "lianluo-miniapp";
/// Every audience this service accepts somewhere.
pub const AUDIENCES: &[&str] = &[
    STAFF_AUDIENCE,
    MINIAPP_AUDIENCE,
    super::client::CLIENT_AUDIENCE,
];

/// The audience of `role`'s tokens: a voter's token is no staff token, and the other way round.
pub fn audience_of(role: entity::user::Role) -> &'static str {
    match role {
        entity::user::Role::Voter => MINIAPP_AUDIENCE,
        _ => STAFF_AUDIENCE,
    }
}
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;
const ALGORITHM: Algorithm = Algorithm::HS256;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub sub: Uuid,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: Uuid,
    /// The sign-in session the token belongs to (a machine client's own id for its tokens).
    pub sid: Uuid,
    /// A machine client's granted scopes, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

struct Key {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// The signing key and every key still accepted for verification.
pub struct JwtKeys {
    current_kid: String,
    keys: HashMap<String, Key>,
    ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("current_kid", &self.current_kid)
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A key id derived from the secret: stable across restarts, and says nothing about the secret.
fn kid_of(secret: &Secret) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"lianluo-jwt-kid\0");
    hasher.update(secret.expose());
    hex::encode(&hasher.finalize()[..8])
}

impl JwtKeys {
    pub fn new(current: &Secret, previous: &[Secret], ttl: Duration) -> Self {
        let mut keys = HashMap::new();
        for secret in previous.iter().chain(std::iter::once(current)) {
            keys.insert(
                kid_of(secret),
                Key {
                    encoding: EncodingKey::from_secret(secret.expose()),
                    decoding: DecodingKey::from_secret(secret.expose()),
                },
            );
        }
        JwtKeys {
            current_kid: kid_of(current),
            keys,
            ttl,
        }
    }

    /// How long an access token lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A new access token for `user` in `session`, with its expiry.
    pub fn issue(
        &self,
        user: Uuid,
        session: Uuid,
        audience: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let expires = now + chrono::Duration::from_std(self.ttl)?;
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: user,
            aud: audience.to_owned(),
            exp: expires.timestamp(),
            nbf: now.timestamp(),
            iat: now.timestamp(),
            jti: Uuid::now_v7(),
            sid: session,
            scope: None,
        };
        self.sign(&claims).map(|token| (token, expires))
    }

    /// A new access token for machine client `client` with `scopes`, with its expiry.
    pub fn issue_client(
        &self,
        client: Uuid,
        scopes: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let expires = now + chrono::Duration::from_std(ttl)?;
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: client,
            aud: super::client::CLIENT_AUDIENCE.to_owned(),
            exp: expires.timestamp(),
            nbf: now.timestamp(),
            iat: now.timestamp(),
            jti: Uuid::now_v7(),
            sid: client,
            scope: Some(scopes.to_owned()),
        };
        self.sign(&claims).map(|token| (token, expires))
    }

    fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.current_kid.clone());
        header.typ = Some("JWT".to_owned());
        let key = self
            .keys
            .get(&self.current_kid)
            .ok_or_else(|| anyhow::anyhow!("the current key is missing"))?;
        Ok(jsonwebtoken::encode(&header, claims, &key.encoding)?)
    }

    /// The claims of `token` if it is valid for `audience`.
    pub fn verify(&self, token: &str, audience: &str) -> Result<Claims, TokenProblem> {
        self.verify_for(token, &[audience])
    }

    /// The claims of `token` if it is valid for any audience of this service.
    pub fn verify_any(&self, token: &str) -> Result<Claims, TokenProblem> {
        self.verify_for(token, AUDIENCES)
    }

    fn verify_for(&self, token: &str, audiences: &[&str]) -> Result<Claims, TokenProblem> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenProblem::Invalid)?;
        if header.alg != ALGORITHM {
            return Err(TokenProblem::Invalid);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or(TokenProblem::Invalid)?;
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(audiences);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        match jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation) {
            Ok(data) => Ok(data.claims),
            Err(err) => match err.kind() {
                ErrorKind::ExpiredSignature => Err(TokenProblem::Expired),
                _ => Err(TokenProblem::Invalid),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn secret(byte: u8) -> Secret {
        Secret::new(vec![byte; 40])
    }

    fn keys() -> JwtKeys {
        JwtKeys::new(&secret(b'a'), &[], Duration::from_secs(900))
    }

    fn forge(header: serde_json::Value, claims: serde_json::Value, key: &[u8]) -> String {
        use hmac::{Hmac, KeyInit, Mac};
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        mac.update(format!("{h}.{c}").as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{h}.{c}.{sig}")
    }

    fn valid_claims() -> serde_json::Value {
        let now = crate::clock::now().timestamp();
        serde_json::json!({
            "iss": ISSUER, "sub": Uuid::now_v7(), "aud": STAFF_AUDIENCE,
            "exp": now + 600, "nbf": now, "iat": now, "jti": Uuid::now_v7(), "sid": Uuid::now_v7()
        })
    }

    fn header(alg: &str, kid: &str) -> serde_json::Value {
        serde_json::json!({"alg": alg, "typ": "JWT", "kid": kid})
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = keys();
        let (token, _) = keys
            .issue(
                Uuid::now_v7(),
                Uuid::now_v7(),
                STAFF_AUDIENCE,
                crate::clock::now(),
            )
            .unwrap();
        assert!(keys.verify(&token, STAFF_AUDIENCE).is_ok());
        assert_eq!(
            keys.verify(&token, "someone-else"),
            Err(TokenProblem::Invalid)
        );
    }

    #[test]
    fn the_forging_helper_makes_tokens_that_verify() {
        let keys = keys();
        let kid = kid_of(&secret(b'a'));
        let token = forge(header("HS256", &kid), valid_claims(), &[b'a'; 40]);
        assert!(keys.verify(&token, STAFF_AUDIENCE).is_ok());
    }

    #[test]
    fn bad_tokens_are_refused() {
        let keys = keys();
        let kid = kid_of(&secret(b'a'));
        let good_key = [b'a'; 40];
        let now = crate::clock::now().timestamp();
        let mut cases: Vec<(&str, String, TokenProblem)> = Vec::new();
        // alg none, with and without a signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header("none", &kid).to_string()),
            URL_SAFE_NO_PAD.encode(valid_claims().to_string())
        );
        cases.push(("alg none", none, TokenProblem::Invalid));
        cases.push((
            "HS512",
            forge(header("HS512", &kid), valid_claims(), &good_key),
            TokenProblem::Invalid,
        ));
        cases.push((
            "RS256",
            forge(header("RS256", &kid), valid_claims(), &good_key),
            TokenProblem::Invalid,
        ));
        cases.push((
            "wrong key",
            forge(header("HS256", &kid), valid_claims(), &[b'b'; 40]),
            TokenProblem::Invalid,
        ));
        cases.push((
            "unknown kid",
            forge(header("HS256", "feedface"), valid_claims(), &good_key),
            TokenProblem::Invalid,
        ));
        let mut c = valid_claims();
        c["aud"] = "other".into();
        cases.push((
            "wrong aud",
            forge(header("HS256", &kid), c, &good_key),
            TokenProblem::Invalid,
        ));
        let mut c = valid_claims();
        c["iss"] = "other".into();
        cases.push((
            "wrong iss",
            forge(header("HS256", &kid), c, &good_key),
            TokenProblem::Invalid,
        ));
        let mut c = valid_claims();
        c["exp"] = (now - 120).into();
        cases.push((
            "expired",
            forge(header("HS256", &kid), c, &good_key),
            TokenProblem::Expired,
        ));
        let mut c = valid_claims();
        c["nbf"] = (now + 120).into();
        cases.push((
            "not yet valid",
            forge(header("HS256", &kid), c, &good_key),
            TokenProblem::Invalid,
        ));
        let mut c = valid_claims();
        c["exp"] = (now + 600).to_string().into();
        cases.push((
            "string exp",
            forge(header("HS256", &kid), c, &good_key),
            TokenProblem::Invalid,
        ));
        let mut c = valid_claims();
        c.as_object_mut().unwrap().remove("exp");
        cases.push((
            "no exp",
            forge(header("HS256", &kid), c, &good_key),
            TokenProblem::Invalid,
        ));
        let mut c = valid_claims();
        c.as_object_mut().unwrap().remove("sid");
        cases.push((
            "no sid",
            forge(header("HS256", &kid), c, &good_key),
            TokenProblem::Invalid,
        ));
        cases.push(("garbage", "not.a.token".into(), TokenProblem::Invalid));
        for (name, token, expected) in cases {
            assert_eq!(keys.verify(&token, STAFF_AUDIENCE), Err(expected), "{name}");
        }
    }

    #[test]
    fn leeway_is_thirty_seconds() {
        let keys = keys();
        let kid = kid_of(&secret(b'a'));
        let now = crate::clock::now().timestamp();
        let mut c = valid_claims();
        c["exp"] = (now - 10).into();
        assert!(
            keys.verify(
                &forge(header("HS256", &kid), c, &[b'a'; 40]),
                STAFF_AUDIENCE
            )
            .is_ok()
        );
        let mut c = valid_claims();
        c["exp"] = (now - 45).into();
        assert!(
            keys.verify(
                &forge(header("HS256", &kid), c, &[b'a'; 40]),
                STAFF_AUDIENCE
            )
            .is_err()
        );
    }

    #[test]
    fn previous_keys_still_verify_after_rotation() {
        let old = JwtKeys::new(&secret(b'a'), &[], Duration::from_secs(900));
        let (token, _) = old
            .issue(
                Uuid::now_v7(),
                Uuid::now_v7(),
                STAFF_AUDIENCE,
                crate::clock::now(),
            )
            .unwrap();
        let rotated = JwtKeys::new(&secret(b'b'), &[secret(b'a')], Duration::from_secs(900));
        assert!(rotated.verify(&token, STAFF_AUDIENCE).is_ok());
        let forgotten = JwtKeys::new(&secret(b'b'), &[], Duration::from_secs(900));
        assert!(forgotten.verify(&token, STAFF_AUDIENCE).is_err());
    }
}
