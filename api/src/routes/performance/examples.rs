//! The contract's examples of duty records, points rules and the ranking of deputies.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{DEPUTY, DEPUTY_2, DISTRICT, NOW, TOWN};
use crate::http::examples::{Entry, merge, op};

fn points_rules() -> Value {
    let kinds = [
        ("reception_attended", 5, 5),
        ("reception_record", 2, 2),
        ("absence_excused", 0, 0),
        ("absence_unexcused", -8, -5),
        ("submission_triaged", 1, 1),
        ("suggestion_submitted", 5, 5),
        ("result_a", 3, 3),
        ("result_b", 1, 1),
    ];
    json!({
        "region_id": TOWN,
        "defined_at": DISTRICT,
        "rules": kinds
            .iter()
            .map(|(kind, weight, default)| json!({"kind": kind, "weight": weight, "default_weight": default}))
            .collect::<Vec<_>>()
    })
}

fn performance() -> Value {
    json!({
        "deputy_id": DEPUTY,
        "name": "王丽",
        "region_id": TOWN,
        "year": 2026,
        "receptions": {
            "on_duty": 10,
            "attended": 9,
            "absent_excused": 1,
            "absent_unexcused": 0,
            "attendance_rate": 0.9,
            "upcoming": 2,
            "records": 9,
            "voters_received": 37
        },
        "submissions_triaged": 14,
        "suggestions": {
            "submitted": 3,
            "replied": 2,
            "category_a": 1,
            "category_b": 1,
            "category_c": 0,
            "resolution_rate": 0.5,
            "closed": 2,
            "rated": 2,
            "satisfied": 2,
            "satisfaction_rate": 1.0
        },
        "points": {
            "total": 92,
            "rules_region_id": null,
            "items": [
                {"kind": "reception_attended", "count": 9, "weight": 5, "points": 45},
                {"kind": "reception_record", "count": 9, "weight": 2, "points": 18},
                {"kind": "absence_excused", "count": 1, "weight": 0, "points": 0},
                {"kind": "absence_unexcused", "count": 0, "weight": -5, "points": 0},
                {"kind": "submission_triaged", "count": 14, "weight": 1, "points": 14},
                {"kind": "suggestion_submitted", "count": 2, "weight": 5, "points": 10},
                {"kind": "result_a", "count": 1, "weight": 3, "points": 3},
                {"kind": "result_b", "count": 2, "weight": 1, "points": 2}
            ]
        },
        "generated_at": NOW
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("GET", "/api/v1/regions/{id}/points-rules").response(points_rules()),
        op("PUT", "/api/v1/regions/{id}/points-rules")
            .request(json!({"weights": {"reception_attended": 5, "absence_unexcused": -8}}))
            .response(merge(points_rules(), json!({"region_id": DISTRICT}))),
        op("GET", "/api/v1/deputies/{id}/performance").response(performance()),
        op("GET", "/api/v1/stats/deputies").response(json!({
            "year": 2026,
            "rows": [
                {
                    "rank": 1,
                    "deputy_id": DEPUTY,
                    "name": "王丽",
                    "region_id": TOWN,
                    "points": 92,
                    "on_duty": 10,
                    "attended": 9,
                    "absent_unexcused": 0,
                    "records": 9,
                    "voters_received": 37,
                    "submissions_triaged": 14,
                    "suggestions_submitted": 2,
                    "category_a": 1
                },
                {
                    "rank": 2,
                    "deputy_id": DEPUTY_2,
                    "name": "李明",
                    "region_id": TOWN,
                    "points": 61,
                    "on_duty": 10,
                    "attended": 8,
                    "absent_unexcused": 1,
                    "records": 8,
                    "voters_received": 29,
                    "submissions_triaged": 6,
                    "suggestions_submitted": 1,
                    "category_a": 0
                }
            ],
            "generated_at": NOW
        })),
    ]
}
