//! The contract's examples of submissions: the voter's and the 12345 hotline's intake, the
//! inbox and triage, tracking by number, and feedback.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{
    ATTACHMENT, CASE, CATEGORY_3, NOW, STAFF, STATION, SUBMISSION_2, TOWN, TRACKING_NO,
    category_ref, submission,
};
use crate::http::examples::{Entry, merge, op, page};

fn feedback() -> Value {
    json!({"rating": "satisfied", "comment": "处理及时，路灯已经亮了。", "at": "2026-11-22T10:00:00Z"})
}

/// The same submission after it became the case `CASE`.
fn converted_submission() -> Value {
    merge(
        submission(),
        json!({
            "status": "converted",
            "suggestion_id": CASE,
            "suggestion_status": "assigned",
            "version": 3,
            "updated_at": "2026-11-14T02:00:00Z"
        }),
    )
}

fn ticket_submission() -> Value {
    json!({
        "id": SUBMISSION_2,
        "tracking_no": "LL2026-000124",
        "channel": "hotline",
        "status": "received",
        "title": "夜间施工噪音扰民",
        "content": "市民来电反映东湖路工地夜间施工到凌晨，影响休息。",
        "category": {"id": CATEGORY_3, "code": "environment", "name": "生态环境"},
        "station_id": STATION,
        "deputy_id": null,
        "region_id": TOWN,
        "address": "东湖路与幸福路交叉口",
        "location": null,
        "contact_name": null,
        "contact_phone": null,
        "anonymous": false,
        "consent_personal_info": false,
        "consent_public": false,
        "attachments": [],
        "reception_record_item_id": null,
        "result_note": null,
        "referred_to": null,
        "feedback": null,
        "erased": false,
        "suggestion_id": null,
        "suggestion_status": null,
        "external_id": "12345-20261123-0042",
        "version": 1,
        "created_at": "2026-11-23T01:42:00Z",
        "updated_at": "2026-11-23T01:42:00Z"
    })
}

fn timeline() -> Value {
    json!([
        {
            "kind": "received",
            "status": "received",
            "at": "2026-11-12T11:32:08Z",
            "message": "已收到您的意见，正在等待处理。",
            "note": null
        },
        {
            "kind": "review",
            "status": "in_review",
            "at": "2026-11-13T01:05:00Z",
            "message": "工作人员正在核实您反映的问题。",
            "note": null
        }
    ])
}

/// The timeline as staff see it: internal notes and who took each step.
fn timeline_for_staff() -> Value {
    json!([
        {
            "kind": "received",
            "status": "received",
            "at": "2026-11-12T11:32:08Z",
            "message": "已收到您的意见，正在等待处理。",
            "note": null
        },
        {
            "kind": "review",
            "status": "in_review",
            "at": "2026-11-13T01:05:00Z",
            "message": "工作人员正在核实您反映的问题。",
            "note": null,
            "internal_note": "已联系城管中队现场查看。",
            "actor_id": STAFF
        }
    ])
}

fn tracked() -> Value {
    json!({
        "tracking_no": TRACKING_NO,
        "status": "in_review",
        "title": "幸福路路灯不亮",
        "category": category_ref(),
        "result_note": null,
        "referred_to": null,
        "feedback": null,
        "suggestion_status": null,
        "timeline": timeline(),
        "created_at": "2026-11-12T11:32:08Z",
        "updated_at": "2026-11-13T01:05:00Z"
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    let created = merge(
        submission(),
        json!({
            "status": "received",
            "channel": "miniapp",
            "contact_name": null,
            "contact_phone": null,
            "consent_personal_info": false,
            "address": "幸福路 100 号至 200 号",
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW,
            "access_code": "7KQ2M9XH4P",
            "similar": [{
                "tracking_no": "LL2026-000098",
                "title": "幸福路晚上太黑",
                "status": "in_review",
                "score": 0.62,
                "created_at": "2026-11-02T12:10:00Z"
            }]
        }),
    );
    vec![
        op("POST", "/api/v1/intake/tickets")
            .request(json!({
                "external_id": "12345-20261123-0042",
                "channel": "hotline",
                "title": "夜间施工噪音扰民",
                "content": "市民来电反映东湖路工地夜间施工到凌晨，影响休息。",
                "category": "environment",
                "station_id": STATION,
                "address": "东湖路与幸福路交叉口"
            }))
            .response(ticket_submission()),
        op("GET", "/api/v1/submissions").response(page(vec![submission()], true)),
        op("POST", "/api/v1/submissions")
            .request(json!({
                "title": "幸福路路灯不亮",
                "content": "幸福路 100 号到 200 号之间的路灯已经坏了两周，晚上出行很不安全。",
                "category": "urban_management",
                "station_id": STATION,
                "address": "幸福路 100 号至 200 号",
                "location": {"latitude": 30.2765, "longitude": 120.1588},
                "attachment_ids": [ATTACHMENT],
                "anonymous": false,
                "consent_public": true
            }))
            .response(created),
        op("GET", "/api/v1/me/submissions").response(page(
            vec![merge(
                converted_submission(),
                json!({"channel": "miniapp", "contact_phone": "138****0000"}),
            )],
            false,
        )),
        op("GET", "/api/v1/submissions/{id}").response(submission()),
        op("GET", "/api/v1/submissions/{id}/status").response(json!({
            "status": "converted",
            "version": 3,
            "updated_at": "2026-11-14T02:30:00Z",
            "suggestion_status": "assigned"
        })),
        op("GET", "/api/v1/submissions/{id}/timeline").response(timeline_for_staff()),
        op("POST", "/api/v1/submissions/{id}/triage")
            .request(json!({
                "action": "convert",
                "internal_note": "同一路段已有多人反映，转为交办事项。",
                "kind": "station_case"
            }))
            .response(converted_submission()),
        op("POST", "/api/v1/submissions/{id}/feedback")
            .request(json!({"rating": "satisfied", "comment": "处理及时，路灯已经亮了。"}))
            .response(merge(
                submission(),
                json!({
                    "status": "answered",
                    "result_note": "城管中队已于 11 月 20 日更换故障灯具，路灯已恢复照明。",
                    "feedback": feedback(),
                    "version": 5,
                    "updated_at": "2026-11-22T10:00:00Z"
                }),
            )),
        op("POST", "/api/v1/submissions/{id}/contact:reveal").response(json!({
            "contact_name": "陈先生",
            "contact_phone": "13912345678"
        })),
        op("GET", "/api/v1/track/{tracking_no}").response(tracked()),
        op("POST", "/api/v1/track/{tracking_no}/feedback")
            .request(json!({"rating": "basically_satisfied", "comment": "路灯修好了，希望以后定期检查。"}))
            .response(merge(
                tracked(),
                json!({
                    "status": "answered",
                    "result_note": "城管中队已于 11 月 20 日更换故障灯具，路灯已恢复照明。",
                    "feedback": {
                        "rating": "basically_satisfied",
                        "comment": "路灯修好了，希望以后定期检查。",
                        "at": "2026-11-22T10:00:00Z"
                    },
                    "timeline": [
                        timeline()[0].clone(),
                        timeline()[1].clone(),
                        {
                            "kind": "answer",
                            "status": "answered",
                            "at": "2026-11-20T09:00:00Z",
                            "message": "已就您反映的问题作出解释说明。",
                            "note": "城管中队已于 11 月 20 日更换故障灯具，路灯已恢复照明。"
                        },
                        {
                            "kind": "feedback",
                            "status": "answered",
                            "at": "2026-11-22T10:00:00Z",
                            "message": "已收到您的评价。",
                            "note": null
                        }
                    ],
                    "updated_at": "2026-11-22T10:00:00Z"
                }),
            )),
    ]
}
