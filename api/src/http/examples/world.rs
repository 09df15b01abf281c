//! The example world: the ids every feature's examples share, and the bodies that more than
//! one feature shows (a staff account, a submission, a booking, a case's summary ...). A body
//! only one feature shows lives in that feature's `examples.rs`.

use serde_json::{Value, json};

use super::merge;

// ---------------------------------------------------------------------------------------------
// The ids of the example world. Readable on purpose: the last group says what the id is
// (1xx regions, 2xx stations, 3xx deputies, 4xx users, 5xx reception days, 6xx submissions,
// 7xx cases, 8xx units, 9xx integration, axx checklists, bxx notifications).

pub const DISTRICT: &str = "0193a000-0000-7000-8000-000000000101";
pub const TOWN: &str = "0193a000-0000-7000-8000-000000000102";
pub const VILLAGE: &str = "0193a000-0000-7000-8000-000000000103";
pub const STATION: &str = "0193a000-0000-7000-8000-000000000201";
pub const POINT: &str = "0193a000-0000-7000-8000-000000000202";
pub const DEPUTY: &str = "0193a000-0000-7000-8000-000000000301";
pub const DEPUTY_2: &str = "0193a000-0000-7000-8000-000000000302";
pub const DEPUTY_3: &str = "0193a000-0000-7000-8000-000000000303";
pub const STAFF: &str = "0193a000-0000-7000-8000-000000000402";
pub const DEPUTY_USER: &str = "0193a000-0000-7000-8000-000000000403";
pub const HANDLER: &str = "0193a000-0000-7000-8000-000000000404";
pub const VOTER: &str = "0193a000-0000-7000-8000-000000000405";
pub const LIAISON: &str = "0193a000-0000-7000-8000-000000000406";
pub const RECEPTION: &str = "0193a000-0000-7000-8000-000000000501";
pub const RECEPTION_2: &str = "0193a000-0000-7000-8000-000000000502";
pub const RECEPTION_3: &str = "0193a000-0000-7000-8000-000000000503";
pub const APPOINTMENT: &str = "0193a000-0000-7000-8000-000000000511";
pub const RECORD: &str = "0193a000-0000-7000-8000-000000000521";
pub const RECORD_ITEM: &str = "0193a000-0000-7000-8000-000000000522";
pub const RECORD_ITEM_2: &str = "0193a000-0000-7000-8000-000000000523";
pub const VISITOR: &str = "0193a000-0000-7000-8000-000000000524";
pub const SUBMISSION: &str = "0193a000-0000-7000-8000-000000000601";
pub const SUBMISSION_2: &str = "0193a000-0000-7000-8000-000000000602";
pub const CATEGORY: &str = "0193a000-0000-7000-8000-000000000611";
pub const CATEGORY_2: &str = "0193a000-0000-7000-8000-000000000612";
pub const CATEGORY_3: &str = "0193a000-0000-7000-8000-000000000613";
pub const ATTACHMENT: &str = "0193a000-0000-7000-8000-000000000621";
pub const CASE: &str = "0193a000-0000-7000-8000-000000000701";
pub const CASE_2: &str = "0193a000-0000-7000-8000-000000000702";
pub const EVENT: &str = "0193a000-0000-7000-8000-000000000711";
pub const EVENT_2: &str = "0193a000-0000-7000-8000-000000000712";
pub const UNIT: &str = "0193a000-0000-7000-8000-000000000801";
pub const UNIT_2: &str = "0193a000-0000-7000-8000-000000000802";
pub const CLIENT: &str = "0193a000-0000-7000-8000-000000000901";
pub const WEBHOOK: &str = "0193a000-0000-7000-8000-000000000902";
pub const DELIVERY: &str = "0193a000-0000-7000-8000-000000000903";
pub const SESSION: &str = "0193a000-0000-7000-8000-000000000904";
pub const ITEM_VENUE: &str = "0193a000-0000-7000-8000-000000000a01";
pub const ITEM_SIGN: &str = "0193a000-0000-7000-8000-000000000a02";
pub const ITEM_RULES: &str = "0193a000-0000-7000-8000-000000000a03";
pub const ITEM_OWN: &str = "0193a000-0000-7000-8000-000000000a10";
pub const NOTIFICATION: &str = "0193a000-0000-7000-8000-000000000b01";
pub const NOTIFICATION_2: &str = "0193a000-0000-7000-8000-000000000b02";

pub const STATION_NAME: &str = "东街道中心联络站";
pub const STATION_CODE: &str = "S7K3M9QX";
pub const POINT_NAME: &str = "东湖社区联络点";
pub const DEPUTY_CODE: &str = "D4NX8Q2M";
pub const TRACKING_NO: &str = "LL2026-000123";
/// A page cursor as the service makes them: opaque, signed, base64url.
pub const CURSOR: &str =
    "eyJsIjoic3RhdGlvbnMiLCJrIjpbIjIwMjYtMTEtMThUMDY6MTI6NDVaIl19.q3Vb7wK9xYp1VbQe0sZr4A";
pub const CREATED: &str = "2026-03-02T01:30:00Z";
pub const UPDATED: &str = "2026-11-18T06:12:45Z";
pub const NOW: &str = "2026-11-20T02:15:30Z";

// ---------------------------------------------------------------------------------------------
// Bodies more than one feature shows.

pub fn staff_user() -> Value {
    json!({
        "id": STAFF,
        "username": "wangfang",
        "display_name": "王芳",
        "role": "station_staff",
        "region_id": TOWN,
        "disabled": false,
        "created_at": CREATED,
        "updated_at": "2026-09-01T08:00:00Z",
        "last_login_at": NOW
    })
}

/// What a sign-in answers, for `user` (staff's password sign-in and a voter's WeChat sign-in
/// give the same shape).
pub fn tokens(user: Value) -> Value {
    json!({
        "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJpc3MiOiJsaWFubHVvIiwic3ViIjoiMDE5M2EwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwNDAyIn0.mC8yq4x2O8b5y3Lq3o0b7Zk2QeV9bQ1yX4kHq0TzJ1c",
        "token_type": "Bearer",
        "expires_in": 900,
        "expires_at": "2026-11-20T02:30:30Z",
        "refresh_token": "llr_Zk3vQ9pW2xR7tY1uN5mB8cD4fG6hJ0kL2aS4dF6gH8j",
        "refresh_token_expires_at": "2026-12-20T02:15:30Z",
        "user": user
    })
}

pub fn hours() -> Value {
    json!({"starts": "09:00", "ends": "11:30"})
}

pub fn category_ref() -> Value {
    json!({"id": CATEGORY, "code": "urban_management", "name": "城市管理"})
}

pub fn appointment(staff: bool) -> Value {
    let base = json!({
        "id": APPOINTMENT,
        "reception": {
            "id": RECEPTION,
            "station_id": STATION,
            "station_name": STATION_NAME,
            "date": "2026-12-16",
            "hours": hours(),
            "place": "东街道中心联络站一楼接待室",
            "status": "published"
        },
        "topic": "小区加装电梯",
        "phone": "139****5678",
        "status": "booked",
        "created_at": "2026-12-03T12:05:00Z",
        "cancelled_at": null,
        "cancel_reason": null
    });
    if staff {
        merge(base, json!({"voter_name": "微信用户"}))
    } else {
        base
    }
}

/// A submission as the station's staff see it: the phone masked.
pub fn submission() -> Value {
    json!({
        "id": SUBMISSION,
        "tracking_no": TRACKING_NO,
        "channel": "qr",
        "status": "in_review",
        "title": "幸福路路灯不亮",
        "content": "幸福路 100 号到 200 号之间的路灯已经坏了两周，晚上出行很不安全。",
        "category": category_ref(),
        "station_id": STATION,
        "deputy_id": null,
        "region_id": TOWN,
        "address": "幸福路 100 号至 200 号",
        "location": {"latitude": 30.2765, "longitude": 120.1588},
        "contact_name": "陈先生",
        "contact_phone": "139****5678",
        "anonymous": false,
        "consent_personal_info": true,
        "consent_public": true,
        "attachments": [{
            "id": ATTACHMENT,
            "mime": "image/jpeg",
            "width": 1280,
            "height": 960,
            "url": format!("/api/v1/attachments/{ATTACHMENT}")
        }],
        "reception_record_item_id": null,
        "result_note": null,
        "referred_to": null,
        "feedback": null,
        "erased": false,
        "suggestion_id": null,
        "suggestion_status": null,
        "external_id": null,
        "version": 2,
        "created_at": "2026-11-12T11:32:08Z",
        "updated_at": "2026-11-13T01:05:00Z"
    })
}

pub fn case_summary() -> Value {
    json!({
        "kind": "station_case",
        "status": "assigned",
        "title": "关于改善幸福路夜间照明的建议",
        "category_id": CATEGORY,
        "region_id": TOWN,
        "station_id": STATION,
        "lead_unit_id": UNIT,
        "deadline": "2026-12-04",
        "supervision": "none",
        "reply_category": null,
        "rating": null,
        "version": 3,
        "updated_at": "2026-11-14T02:30:00Z"
    })
}
