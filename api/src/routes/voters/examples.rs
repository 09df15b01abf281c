//! The contract's examples of the voters' WeChat sign-in, phone binding and personal data
//! (erasure, the export of everything the service holds on them).
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{NOW, SESSION, VOTER, appointment, submission, tokens};
use crate::http::examples::{Entry, merge, op};

fn voter_user() -> Value {
    json!({
        "id": VOTER,
        "username": "wx-0193a000000070008000000000000405",
        "display_name": "微信用户",
        "role": "voter",
        "region_id": null,
        "disabled": false,
        "created_at": "2026-10-08T11:20:00Z",
        "updated_at": "2026-10-08T11:20:00Z",
        "last_login_at": NOW
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("DELETE", "/api/v1/me"),
        op("POST", "/api/v1/auth/wechat")
            .request(json!({"code": "0a3Xyz000abcDE1dEx000Kk5Zc3Xyz0a"}))
            .response(tokens(voter_user())),
        op("POST", "/api/v1/me/phone")
            .request(json!({"code": "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"}))
            .response(json!({"phone": "13800138000", "verified_at": NOW})),
        op("GET", "/api/v1/me/data").response(json!({
            "account": voter_user(),
            "wechat": {
                "openid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
                "unionid": null,
                "phone": "13800138000",
                "phone_verified_at": "2026-10-08T11:25:00Z",
                "created_at": "2026-10-08T11:20:00Z"
            },
            "submissions": [merge(submission(), json!({"contact_phone": "13800138000", "channel": "miniapp"}))],
            "appointments": [appointment(false)],
            "sessions": [{
                "id": SESSION,
                "created_at": "2026-11-20T02:15:30Z",
                "expires_at": "2026-12-20T02:15:30Z",
                "revoked_at": null,
                "client_ip": "183.156.32.17",
                "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) MicroMessenger/8.0.53"
            }],
            "exported_at": NOW
        })),
    ]
}
