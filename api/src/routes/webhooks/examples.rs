//! The contract's examples of webhook subscriptions and their deliveries.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{CASE, DELIVERY, NOW, WEBHOOK, case_summary};
use crate::http::examples::{Entry, merge, op, page};

fn webhook() -> Value {
    json!({
        "id": WEBHOOK,
        "url": "https://platform.example.cn/hooks/lianluo",
        "event_types": ["suggestion.*", "submission.updated"],
        "description": "区数字人大平台",
        "status": "active",
        "pause_reason": null,
        "paused_at": null,
        "failing_since": null,
        "version": 1,
        "created_at": "2026-05-06T02:10:00Z",
        "updated_at": "2026-05-06T02:10:00Z"
    })
}

fn delivery() -> Value {
    json!({
        "id": DELIVERY,
        "event_type": "suggestion.updated",
        "object_id": CASE,
        "position": 1043,
        "status": "delivered",
        "attempts": 2,
        "next_attempt_at": null,
        "last_status_code": 200,
        "last_error": null,
        "created_at": "2026-11-14T02:30:01Z",
        "delivered_at": "2026-11-14T02:31:02Z",
        "failed_at": null,
        "recent_attempts": [
            {"at": "2026-11-14T02:31:02Z", "status_code": 200, "error": null, "duration_ms": 184},
            {"at": "2026-11-14T02:30:02Z", "status_code": 503, "error": null, "duration_ms": 5012}
        ],
        "body": {
            "id": DELIVERY,
            "type": "suggestion.updated",
            "position": 1043,
            "occurred_at": "2026-11-14T02:30:00Z",
            "object": {
                "type": "suggestion",
                "id": CASE,
                "version": 3,
                "tombstone": false,
                "summary": case_summary()
            }
        }
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("GET", "/api/v1/webhooks").response(page(vec![webhook()], false)),
        op("POST", "/api/v1/webhooks")
            .request(json!({
                "url": "https://platform.example.cn/hooks/lianluo",
                "event_types": ["suggestion.*", "submission.updated"],
                "description": "区数字人大平台"
            }))
            .response(merge(
                webhook(),
                json!({"secret": "whsec_3b6e9c2f5a8d1b4e7c0f3a6d9b2e5c8f1a4d7b0e3c6f9a2d5b8e1c4f7a0d3b6e"}),
            )),
        op("GET", "/api/v1/webhooks/{id}").response(webhook()),
        op("DELETE", "/api/v1/webhooks/{id}"),
        op("PATCH", "/api/v1/webhooks/{id}")
            .request(json!({"active": false}))
            .response(merge(
                webhook(),
                json!({
                    "status": "paused",
                    "pause_reason": "owner",
                    "paused_at": NOW,
                    "version": 2,
                    "updated_at": NOW
                }),
            )),
        op("GET", "/api/v1/webhooks/{id}/deliveries").response(page(vec![delivery()], true)),
        op(
            "POST",
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}:redeliver",
        )
        .response(merge(
            delivery(),
            json!({
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": NOW,
                "last_status_code": null,
                "delivered_at": null
            }),
        )),
    ]
}
