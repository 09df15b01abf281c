//! The contract's examples of cases (station cases and deputy suggestions) through the loop.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{
    CASE, CATEGORY, EVENT, EVENT_2, NOW, STAFF, STATION, SUBMISSION, TOWN, UNIT, UNIT_2,
};
use crate::http::examples::{Entry, merge, op, page};

/// A station case as the station's staff see it, assigned to two units.
fn case() -> Value {
    json!({
        "id": CASE,
        "kind": "station_case",
        "status": "assigned",
        "title": "关于改善幸福路夜间照明的建议",
        "content": "选民反映幸福路 100 号到 200 号之间路灯损坏两周，建议尽快维修并排查沿线照明设施。",
        "category_id": CATEGORY,
        "region_id": TOWN,
        "station_id": STATION,
        "level": null,
        "author_ids": [],
        "source_submission_ids": [SUBMISSION],
        "escalated_from": null,
        "escalated_to": null,
        "units": [
            {"unit_id": UNIT, "lead": true, "input": null, "input_at": null},
            {"unit_id": UNIT_2, "lead": false, "input": null, "input_at": null}
        ],
        "deadline": "2026-12-04",
        "overdue": false,
        "supervision": "none",
        "supervision_note": null,
        "reply_category": null,
        "reply_text": null,
        "replied_at": null,
        "rating": null,
        "reopen_count": 0,
        "flagged": false,
        "allowed_actions": ["escalate"],
        "version": 3,
        "created_at": "2026-11-14T02:00:00Z",
        "updated_at": "2026-11-14T02:30:00Z",
        "closed_at": null
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    let accepted = merge(
        case(),
        json!({
            "status": "accepted",
            "units": [],
            "deadline": null,
            "allowed_actions": ["assign", "withdraw", "escalate"],
            "version": 1,
            "updated_at": "2026-11-14T02:00:00Z"
        }),
    );
    vec![
        op("GET", "/api/v1/suggestions").response(page(vec![case()], true)),
        op("POST", "/api/v1/suggestions")
            .request(json!({
                "kind": "station_case",
                "title": "关于改善幸福路夜间照明的建议",
                "content": "选民反映幸福路 100 号到 200 号之间路灯损坏两周，建议尽快维修并排查沿线照明设施。",
                "category": "urban_management",
                "station_id": STATION
            }))
            .response(merge(accepted, json!({"source_submission_ids": []}))),
        op("GET", "/api/v1/suggestions/{id}").response(case()),
        op("GET", "/api/v1/suggestions/{id}/status").response(json!({
            "status": "assigned",
            "version": 3,
            "updated_at": "2026-11-14T02:30:00Z",
            "deadline": "2026-12-04",
            "overdue": false
        })),
        op("GET", "/api/v1/suggestions/{id}/events").response(json!([
            {
                "id": EVENT,
                "action": "create",
                "from": null,
                "to": "accepted",
                "actor_role": "staff",
                "actor_id": STAFF,
                "note": null,
                "at": "2026-11-14T02:00:00Z"
            },
            {
                "id": EVENT_2,
                "action": "assign",
                "from": "accepted",
                "to": "assigned",
                "actor_role": "staff",
                "actor_id": STAFF,
                "note": "请东街道办事处牵头，城管中队协办。",
                "at": "2026-11-14T02:30:00Z"
            }
        ])),
        op("POST", "/api/v1/suggestions/{id}/transitions")
            .request(json!({
                "action": "assign",
                "comment": "请东街道办事处牵头，城管中队协办。",
                "lead_unit_id": UNIT,
                "co_unit_ids": [UNIT_2],
                "deadline": "2026-12-04"
            }))
            .response(case()),
        op("POST", "/api/v1/suggestions/{id}/supervise")
            .request(json!({"level": "key", "note": "群众反映集中，列为重点督办"}))
            .response(merge(
                case(),
                json!({
                    "supervision": "key",
                    "supervision_note": "群众反映集中，列为重点督办",
                    "version": 4,
                    "updated_at": NOW
                }),
            )),
        op("POST", "/api/v1/suggestions/{id}/input")
            .request(json!({"text": "城管中队已于 11 月 18 日完成沿线路灯排查，共发现 6 处故障。"}))
            .response(merge(
                case(),
                json!({
                    "status": "in_progress",
                    "units": [
                        {"unit_id": UNIT, "lead": true, "input": null, "input_at": null},
                        {
                            "unit_id": UNIT_2,
                            "lead": false,
                            "input": "城管中队已于 11 月 18 日完成沿线路灯排查，共发现 6 处故障。",
                            "input_at": NOW
                        }
                    ],
                    "allowed_actions": [],
                    "version": 5,
                    "updated_at": NOW
                }),
            )),
    ]
}
