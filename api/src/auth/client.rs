//! Machine clients (district platforms, the 12345 hotline): their scopes, their secrets, and
//! which endpoints accept their tokens.
//!
//! A client signs in with `client_credentials` (`POST /auth/token`) and gets a short-lived token
//! with audience [`CLIENT_AUDIENCE`] and the scopes it asked for (all it was granted by default).
//! Such a token works only on the endpoints of [`REQUIRED_SCOPES`], and only with a scope listed
//! there; elsewhere it is refused with 403. Within those endpoints the client sees what an
//! administrator of its region sees, so objects outside the region are 404 and lists are
//! filtered, by the same code that scopes staff.

use std::fmt;

use actix_web::http::Method;
use sha2::{Digest, Sha256};

/// The audience of machine clients' tokens.
pub const CLIENT_AUDIENCE: &str = "lianluo-clients";

/// What a client may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Stations, deputies and reception days, and their changes.
    ReadDirectory,
    /// Submissions and suggestions (status, not voters' personal data), and their changes.
    ReadCases,
    /// Sending tickets in (`POST /intake/tickets`).
    WriteTickets,
    /// Registering webhooks.
    ManageWebhooks,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::ReadDirectory,
        Scope::ReadCases,
        Scope::WriteTickets,
        Scope::ManageWebhooks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadDirectory => "read:directory",
            Scope::ReadCases => "read:cases",
            Scope::WriteTickets => "write:tickets",
            Scope::ManageWebhooks => "manage:webhooks",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn description(self) -> &'static str {
        match self {
            Scope::ReadDirectory => "Read stations, deputies and reception days, and their changes",
            Scope::ReadCases => "Read submissions and suggestions, and their changes",
            Scope::WriteTickets => "Send hotline and platform tickets in",
            Scope::ManageWebhooks => "Register and manage webhooks",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Scopes as OAuth 2.0 writes them: space-separated. Unknown names are an error (the name).
pub fn parse_scopes(s: &str) -> Result<Vec<Scope>, String> {
    let mut out = Vec::new();
    for name in s.split_ascii_whitespace() {
        let scope = Scope::parse(name).ok_or_else(|| name.to_owned())?;
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    out.sort();
    Ok(out)
}

pub fn format_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The endpoints machine clients may call, with the scopes that admit them (any one suffices).
/// The spec declares the same scopes on the same operations; a test keeps the two equal.
pub const REQUIRED_SCOPES: &[(&str, &str, &[Scope])] = &[
    (
        "GET",
        "/api/v1/changes",
        &[Scope::ReadCases, Scope::ReadDirectory],
    ),
    ("GET", "/api/v1/suggestions", &[Scope::ReadCases]),
    ("GET", "/api/v1/suggestions/{id}", &[Scope::ReadCases]),
    (
        "GET",
        "/api/v1/suggestions/{id}/status",
        &[Scope::ReadCases],
    ),
    (
        "GET",
        "/api/v1/suggestions/{id}/events",
        &[Scope::ReadCases],
    ),
    (
        "GET",
        "/api/v1/submissions/{id}/status",
        &[Scope::ReadCases],
    ),
    ("POST", "/api/v1/intake/tickets", &[Scope::WriteTickets]),
    ("GET", "/api/v1/webhooks", &[Scope::ManageWebhooks]),
    ("POST", "/api/v1/webhooks", &[Scope::ManageWebhooks]),
    ("GET", "/api/v1/webhooks/{id}", &[Scope::ManageWebhooks]),
    ("PATCH", "/api/v1/webhooks/{id}", &[Scope::ManageWebhooks]),
    ("DELETE", "/api/v1/webhooks/{id}", &[Scope::ManageWebhooks]),
    (
        "GET",
        "/api/v1/webhooks/{id}/deliveries",
        &[Scope::ManageWebhooks],
    ),
    (
        "POST",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}:redeliver",
        &[Scope::ManageWebhooks],
    ),
];

/// The scopes that admit a client to `method` on the route `pattern`; `None` when clients may
/// not call it at all.
pub fn required(method: &Method, pattern: &str) -> Option<&'static [Scope]> {
    REQUIRED_SCOPES
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == pattern)
        .map(|(_, _, scopes)| *scopes)
}

/// A new client secret: 32 random bytes, hex, with a prefix that secret scanners can find.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("llcs_{}", hex::encode(bytes))
}

/// How a secret is kept. The secret is 256 random bits, so a plain SHA-256 is as hard to
/// invert as the secret is to guess; a slow password hash would only slow every token request.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` hashes to `hash`, in constant time.
pub fn secret_matches(secret: &str, hash: &str) -> bool {
    let computed = hash_secret(secret);
    computed.len() == hash.len()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            computed.as_bytes(),
            hash.as_bytes(),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_dedupe_and_refuse_unknown_names() {
        assert_eq!(
            parse_scopes("write:tickets read:cases  read:cases"),
            Ok(vec![Scope::ReadCases, Scope::WriteTickets])
        );
        assert_eq!(parse_scopes("read:cases admin"), Err("admin".to_owned()));
        assert_eq!(parse_scopes(""), Ok(vec![]));
    }

    #[test]
    fn secrets_are_random_and_checked_by_hash() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("llcs_") && a.len() == 5 + 64);
        let hash = hash_secret(&a);
        assert!(secret_matches(&a, &hash));
        assert!(!secret_matches(&b, &hash));
        assert!(!secret_matches(&a, "short"));
    }

    #[test]
    fn only_listed_routes_admit_clients() {
        assert_eq!(
            required(&Method::GET, "/api/v1/suggestions/{id}"),
            Some(&[Scope::ReadCases][..])
        );
        assert_eq!(
            required(&Method::POST, "/api/v1/suggestions/{id}/transitions"),
            None
        );
        assert_eq!(required(&Method::DELETE, "/api/v1/changes"), None);
    }
}
