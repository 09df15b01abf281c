//! The contract's examples of staff sign-in and of the caller's own account.

use serde_json::json;

use crate::http::examples::world::{staff_user, tokens};
use crate::http::examples::{Entry, op};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("POST", "/api/v1/auth/login")
            .request(json!({"username": "wangfang", "password": "station-staff-2026"}))
            .response(tokens(staff_user())),
        op("POST", "/api/v1/auth/refresh")
            .request(json!({"refresh_token": "llr_Zk3vQ9pW2xR7tY1uN5mB8cD4fG6hJ0kL2aS4dF6gH8j"}))
            .response(tokens(staff_user())),
        op("POST", "/api/v1/auth/logout"),
        op("GET", "/api/v1/me").response(staff_user()),
        op("POST", "/api/v1/me/password").request(json!({
            "current_password": "station-staff-2026",
            "new_password": "东湖路88号-new-passphrase"
        })),
    ]
}
