//! The contract's examples of reception days: the rule, generation, rosters, publication,
//! sign-in, attendance and records.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{
    DEPUTY, DEPUTY_2, DEPUTY_3, DEPUTY_CODE, NOW, RECEPTION, RECEPTION_2, RECEPTION_3, RECORD,
    RECORD_ITEM, RECORD_ITEM_2, STAFF, STATION, STATION_NAME, VISITOR, hours,
};
use crate::http::examples::{Entry, merge, op, page};

fn duty_public(id: &str, name: &str, code: &str, level: &str) -> Value {
    json!({"deputy_id": id, "name": name, "public_code": code, "level": level, "photo_url": null})
}

/// A published reception day as the public sees it.
fn reception() -> Value {
    json!({
        "id": RECEPTION,
        "station_id": STATION,
        "station_name": STATION_NAME,
        "date": "2026-12-16",
        "hours": hours(),
        "starts_at": "2026-12-16T01:00:00Z",
        "ends_at": "2026-12-16T03:30:00Z",
        "place": "东街道中心联络站一楼接待室",
        "status": "published",
        "origin": "rule",
        "rule_day": "2026-12-16",
        "capacity": 20,
        "seats_left": 17,
        "deputies_per_session": {"min": 2, "max": 3},
        "deputies": [
            duty_public(DEPUTY, "王丽", DEPUTY_CODE, "county"),
            duty_public(DEPUTY_2, "李明", "D6HT3KWA", "township")
        ],
        "published_at": "2026-12-01T02:00:00Z",
        "cancelled_at": null,
        "cancel_reason": null,
        "created_at": "2026-11-02T01:00:00Z",
        "updated_at": "2026-12-01T02:00:00Z"
    })
}

/// The same day as the station's staff see it: sign-ins and attendance.
fn reception_for_staff() -> Value {
    merge(
        reception(),
        json!({
            "deputies": [
                merge(
                    duty_public(DEPUTY, "王丽", DEPUTY_CODE, "county"),
                    json!({"checked_in_at": "2026-12-16T00:52:10Z", "attendance": "present", "excused": false}),
                ),
                merge(
                    duty_public(DEPUTY_2, "李明", "D6HT3KWA", "township"),
                    json!({"attendance": "pending", "excused": false}),
                )
            ],
            "edited": false
        }),
    )
}

/// A draft added by hand, as the staff who made it see it.
fn manual_reception() -> Value {
    json!({
        "id": RECEPTION_3,
        "station_id": STATION,
        "station_name": STATION_NAME,
        "date": "2026-12-22",
        "hours": {"starts": "14:00", "ends": "16:30"},
        "starts_at": "2026-12-22T06:00:00Z",
        "ends_at": "2026-12-22T08:30:00Z",
        "place": "东街道中心联络站一楼接待室",
        "status": "draft",
        "origin": "manual",
        "rule_day": null,
        "capacity": 15,
        "seats_left": 15,
        "deputies_per_session": {"min": 2, "max": 3},
        "deputies": [
            merge(
                duty_public(DEPUTY, "王丽", DEPUTY_CODE, "county"),
                json!({"attendance": "pending", "excused": false}),
            ),
            merge(
                duty_public(DEPUTY_3, "张伟", "D8RB5MXE", "county"),
                json!({"attendance": "pending", "excused": false}),
            )
        ],
        "published_at": null,
        "edited": false,
        "cancelled_at": null,
        "cancel_reason": null,
        "created_at": NOW,
        "updated_at": NOW
    })
}

fn rule() -> Value {
    json!({
        "station_id": STATION,
        "days_of_month": [6, 16, 26],
        "weekly": null,
        "hours": hours(),
        "place": "东街道中心联络站一楼接待室",
        "capacity": 20,
        "deputies_per_session": {"min": 2, "max": 3},
        "holiday_policy": "postpone",
        "updated_at": "2026-11-02T00:58:00Z"
    })
}

fn record() -> Value {
    json!({
        "id": RECORD,
        "reception_id": RECEPTION,
        "visitor_count": 5,
        "visitors": [{"id": VISITOR, "name": "陈先生", "phone": "139****5678"}],
        "items": [
            {"id": RECORD_ITEM, "raised": "东湖小区 3 幢加装电梯进展缓慢", "action_taken": "已联系街道城建科，两周内答复"},
            {"id": RECORD_ITEM_2, "raised": "幸福路夜间路灯不亮", "action_taken": null}
        ],
        "feedback": "已向选民说明办理流程，后续由联络站跟踪反馈。",
        "created_by": STAFF,
        "created_at": "2026-12-16T03:45:00Z"
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    let cancelled = merge(
        reception_for_staff(),
        json!({
            "status": "cancelled",
            "seats_left": 20,
            "cancelled_at": NOW,
            "cancel_reason": "联络站场地临时用于防汛物资调配",
            "edited": true,
            "updated_at": NOW
        }),
    );
    vec![
        op("GET", "/api/v1/stations/{id}/reception-rule").response(rule()),
        op("PUT", "/api/v1/stations/{id}/reception-rule")
            .request(json!({
                "days_of_month": [6, 16, 26],
                "hours": hours(),
                "place": "东街道中心联络站一楼接待室",
                "capacity": 20,
                "deputies_per_session": {"min": 2, "max": 3},
                "holiday_policy": "postpone"
            }))
            .response(merge(rule(), json!({"updated_at": NOW}))),
        op("POST", "/api/v1/stations/{id}/receptions:generate")
            .request(json!({"from": "2027-01-01", "to": "2027-03-31"}))
            .response(json!({
                "created": 8,
                "updated": 0,
                "unchanged": 0,
                "postponed": [
                    {"rule_day": "2027-03-06", "date": "2027-03-08", "reception_id": RECEPTION_2}
                ],
                "skipped": [
                    {"date": "2027-02-16", "day_of_month": null, "reason": "no_free_working_day"}
                ],
                "calendar_fallback_years": [2027]
            })),
        op("POST", "/api/v1/stations/{id}/receptions:roster")
            .request(json!({"from": "2027-01-01", "to": "2027-03-31"}))
            .response(json!({
                "filled": [manual_reception()],
                "short": [
                    {"reception_id": RECEPTION_2, "date": "2027-03-08", "needed": 2, "assigned": 1}
                ],
                "counts": [
                    {"deputy_id": DEPUTY, "name": "王丽", "duties": 3},
                    {"deputy_id": DEPUTY_2, "name": "李明", "duties": 3},
                    {"deputy_id": DEPUTY_3, "name": "张伟", "duties": 2}
                ]
            })),
        op("POST", "/api/v1/stations/{id}/receptions")
            .request(json!({
                "date": "2026-12-22",
                "hours": {"starts": "14:00", "ends": "16:30"},
                "capacity": 15,
                "deputy_ids": [DEPUTY, DEPUTY_3]
            }))
            .response(manual_reception()),
        op("POST", "/api/v1/receptions:publish")
            .request(json!({"station_id": STATION, "from": "2027-01-01", "to": "2027-03-31"}))
            .response(json!({
                "published": [merge(
                    reception_for_staff(),
                    json!({
                        "date": "2027-01-06",
                        "rule_day": "2027-01-06",
                        "starts_at": "2027-01-06T01:00:00Z",
                        "ends_at": "2027-01-06T03:30:00Z",
                        "id": RECEPTION_2,
                        "seats_left": 20,
                        "deputies": [
                            merge(duty_public(DEPUTY, "王丽", DEPUTY_CODE, "county"), json!({"attendance": "pending", "excused": false})),
                            merge(duty_public(DEPUTY_3, "张伟", "D8RB5MXE", "county"), json!({"attendance": "pending", "excused": false}))
                        ],
                        "published_at": NOW,
                        "updated_at": NOW
                    }),
                )],
                "late": 0
            })),
        op("GET", "/api/v1/receptions").response(page(vec![reception()], true)),
        op("GET", "/api/v1/receptions/{id}").response(reception()),
        op("PATCH", "/api/v1/receptions/{id}")
            .request(json!({"status": "cancelled", "cancel_reason": "联络站场地临时用于防汛物资调配"}))
            .response(cancelled),
        op("POST", "/api/v1/receptions/{id}/publish")
            .request(json!({"late_reason": "原定值班代表临时参加区人大常委会会议，调整后重新公示"}))
            .response(merge(
                reception_for_staff(),
                json!({
                    "published_at": "2026-12-14T01:00:00Z",
                    "late_reason": "原定值班代表临时参加区人大常委会会议，调整后重新公示",
                    "updated_at": "2026-12-14T01:00:00Z"
                }),
            )),
        op("POST", "/api/v1/receptions/{id}/check-in").response(json!({
            "reception_id": RECEPTION,
            "deputy_id": DEPUTY,
            "checked_in_at": "2026-12-16T00:52:10Z"
        })),
        op("PUT", "/api/v1/receptions/{id}/attendance/{deputy_id}")
            .request(json!({"present": false, "excused": true, "reason": "外出参加区人大常委会会议，已提前请假"}))
            .response(merge(
                reception_for_staff(),
                json!({
                    "deputies": [
                        merge(
                            duty_public(DEPUTY, "王丽", DEPUTY_CODE, "county"),
                            json!({"checked_in_at": "2026-12-16T00:52:10Z", "attendance": "present", "excused": false}),
                        ),
                        merge(
                            duty_public(DEPUTY_2, "李明", "D6HT3KWA", "township"),
                            json!({"attendance": "absent", "excused": true}),
                        )
                    ],
                    "updated_at": "2026-12-16T04:00:00Z"
                }),
            )),
        op("GET", "/api/v1/receptions/{id}/records").response(json!([record()])),
        op("POST", "/api/v1/receptions/{id}/records")
            .request(json!({
                "visitor_count": 5,
                "visitors": [{"name": "陈先生", "phone": "13912345678"}],
                "items": [
                    {"raised": "东湖小区 3 幢加装电梯进展缓慢", "action_taken": "已联系街道城建科，两周内答复"},
                    {"raised": "幸福路夜间路灯不亮"}
                ],
                "feedback": "已向选民说明办理流程，后续由联络站跟踪反馈。"
            }))
            .response(record()),
    ]
}
