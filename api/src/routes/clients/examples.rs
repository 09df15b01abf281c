//! The contract's examples of machine clients: their administration and the
//! `client_credentials` grant.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{CLIENT, DISTRICT, NOW};
use crate::http::examples::{Entry, merge, op, page};

fn client() -> Value {
    json!({
        "id": CLIENT,
        "name": "青山区数字人大平台",
        "region_id": DISTRICT,
        "scopes": ["read:cases", "write:tickets"],
        "disabled": false,
        "previous_secret_valid_until": null,
        "version": 1,
        "created_at": "2026-05-06T02:00:00Z",
        "updated_at": "2026-05-06T02:00:00Z"
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    let secret = "llcs_5f2b8c0e9a7d4f3b1c6e8a0d2f4b6c8e0a2c4e6f8b0d2f4a6c8e0b2d4f6a8c0e";
    vec![
        op("POST", "/api/v1/auth/token")
            .request(json!({
                "grant_type": "client_credentials",
                "client_id": CLIENT,
                "client_secret": secret,
                "scope": "read:cases write:tickets"
            }))
            // What the service answers; the document names the staff sign-in's `TokenResponse`
            // instead (two schemas of the same name), which the test lists as a known mismatch.
            .response(json!({
                "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJpc3MiOiJsaWFubHVvIiwic3ViIjoiMDE5M2EwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwOTAxIiwic2NvcGUiOiJyZWFkOmNhc2VzIHdyaXRlOnRpY2tldHMifQ.Xn2b9kQ4rT7yU1wE3sD5fG7hJ9kL1zX3cV5bN7mQ9a0",
                "token_type": "Bearer",
                "expires_in": 900,
                "scope": "read:cases write:tickets"
            })),
        op("GET", "/api/v1/clients").response(page(vec![client()], false)),
        op("POST", "/api/v1/clients")
            .request(json!({
                "name": "青山区数字人大平台",
                "region_id": DISTRICT,
                "scopes": ["read:cases", "write:tickets"]
            }))
            .response(merge(client(), json!({"client_secret": secret}))),
        op("GET", "/api/v1/clients/{id}").response(client()),
        op("PATCH", "/api/v1/clients/{id}")
            .request(json!({"name": "青山区数字人大平台（二期）", "scopes": ["read:cases", "read:directory", "write:tickets"]}))
            .response(merge(
                client(),
                json!({
                    "name": "青山区数字人大平台（二期）",
                    "scopes": ["read:directory", "read:cases", "write:tickets"],
                    "version": 2,
                    "updated_at": NOW
                }),
            )),
        op("POST", "/api/v1/clients/{id}/secret:rotate")
            .request(json!({"grace_seconds": 3600}))
            .response(merge(
                client(),
                json!({
                    "previous_secret_valid_until": "2026-11-20T03:15:30Z",
                    "version": 2,
                    "updated_at": NOW,
                    "client_secret": "llcs_9c1e3a5b7d9f1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d"
                }),
            )),
    ]
}
