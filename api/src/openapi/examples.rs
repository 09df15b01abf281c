//! Request and response examples of every operation, set on the media types of the document
//! (`Content.example`).
//!
//! Front-end teams read the contract before they read any code, and schemathesis' "examples"
//! phase sends the request examples to the running service: so each request example is a body
//! the service's own validation accepts (lengths, enumerations, formats, cross-field rules), and
//! each response example is what the handler really answers, field for field. The data is one
//! small, consistent world (a district, a street, two stations, three deputies, a case), so the
//! same station id recurs from the station to its reception days, submissions and statistics.
//!
//! The table is keyed by method and path as they appear in `openapi/openapi.json`; the test
//! `openapi/tests/examples.rs` fails when an operation has no example, when an entry names an
//! operation that does not exist, or when an example does not validate against its schema.
//!
//! Binary bodies (PNG and JPEG pictures, xlsx) carry no example, and neither does the multipart
//! upload of `POST /api/v1/attachments`: its only field is the file's bytes, which an example
//! cannot hold in a useful way.

use serde_json::{Value, json};
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

// ---------------------------------------------------------------------------------------------
// The ids of the example world. Readable on purpose: the last group says what the id is
// (1xx regions, 2xx stations, 3xx deputies, 4xx users, 5xx reception days, 6xx submissions,
// 7xx cases, 8xx units, 9xx integration, axx checklists, bxx notifications).

const DISTRICT: &str = "0193a000-0000-7000-8000-000000000101";
const TOWN: &str = "0193a000-0000-7000-8000-000000000102";
const VILLAGE: &str = "0193a000-0000-7000-8000-000000000103";
const STATION: &str = "0193a000-0000-7000-8000-000000000201";
const POINT: &str = "0193a000-0000-7000-8000-000000000202";
const DEPUTY: &str = "0193a000-0000-7000-8000-000000000301";
const DEPUTY_2: &str = "0193a000-0000-7000-8000-000000000302";
const DEPUTY_3: &str = "0193a000-0000-7000-8000-000000000303";
const STAFF: &str = "0193a000-0000-7000-8000-000000000402";
const DEPUTY_USER: &str = "0193a000-0000-7000-8000-000000000403";
const HANDLER: &str = "0193a000-0000-7000-8000-000000000404";
const VOTER: &str = "0193a000-0000-7000-8000-000000000405";
const LIAISON: &str = "0193a000-0000-7000-8000-000000000406";
const RECEPTION: &str = "0193a000-0000-7000-8000-000000000501";
const RECEPTION_2: &str = "0193a000-0000-7000-8000-000000000502";
const RECEPTION_3: &str = "0193a000-0000-7000-8000-000000000503";
const APPOINTMENT: &str = "0193a000-0000-7000-8000-000000000511";
const RECORD: &str = "0193a000-0000-7000-8000-000000000521";
const RECORD_ITEM: &str = "0193a000-0000-7000-8000-000000000522";
const RECORD_ITEM_2: &str = "0193a000-0000-7000-8000-000000000523";
const VISITOR: &str = "0193a000-0000-7000-8000-000000000524";
const SUBMISSION: &str = "0193a000-0000-7000-8000-000000000601";
const SUBMISSION_2: &str = "0193a000-0000-7000-8000-000000000602";
const CATEGORY: &str = "0193a000-0000-7000-8000-000000000611";
const CATEGORY_2: &str = "0193a000-0000-7000-8000-000000000612";
const CATEGORY_3: &str = "0193a000-0000-7000-8000-000000000613";
const ATTACHMENT: &str = "0193a000-0000-7000-8000-000000000621";
const CASE: &str = "0193a000-0000-7000-8000-000000000701";
const CASE_2: &str = "0193a000-0000-7000-8000-000000000702";
const EVENT: &str = "0193a000-0000-7000-8000-000000000711";
const EVENT_2: &str = "0193a000-0000-7000-8000-000000000712";
const UNIT: &str = "0193a000-0000-7000-8000-000000000801";
const UNIT_2: &str = "0193a000-0000-7000-8000-000000000802";
const CLIENT: &str = "0193a000-0000-7000-8000-000000000901";
const WEBHOOK: &str = "0193a000-0000-7000-8000-000000000902";
const DELIVERY: &str = "0193a000-0000-7000-8000-000000000903";
const SESSION: &str = "0193a000-0000-7000-8000-000000000904";
const ITEM_VENUE: &str = "0193a000-0000-7000-8000-000000000a01";
const ITEM_SIGN: &str = "0193a000-0000-7000-8000-000000000a02";
const ITEM_RULES: &str = "0193a000-0000-7000-8000-000000000a03";
const ITEM_OWN: &str = "0193a000-0000-7000-8000-000000000a10";
const NOTIFICATION: &str = "0193a000-0000-7000-8000-000000000b01";
const NOTIFICATION_2: &str = "0193a000-0000-7000-8000-000000000b02";

const STATION_NAME: &str = "东街道中心联络站";
const STATION_CODE: &str = "S7K3M9QX";
const POINT_NAME: &str = "东湖社区联络点";
const DEPUTY_CODE: &str = "D4NX8Q2M";
const TRACKING_NO: &str = "LL2026-000123";
/// A page cursor as the service makes them: opaque, signed, base64url.
const CURSOR: &str =
    "eyJsIjoic3RhdGlvbnMiLCJrIjpbIjIwMjYtMTEtMThUMDY6MTI6NDVaIl19.q3Vb7wK9xYp1VbQe0sZr4A";
const CREATED: &str = "2026-03-02T01:30:00Z";
const UPDATED: &str = "2026-11-18T06:12:45Z";
const NOW: &str = "2026-11-20T02:15:30Z";

// ---------------------------------------------------------------------------------------------
// The table.

/// The examples of one operation: the request body (JSON, form fields or CSV text) and the body
/// of its success responses (on every 2xx media type that is not binary).
struct Entry {
    method: &'static str,
    path: &'static str,
    request: Option<Value>,
    response: Option<Value>,
}

fn op(method: &'static str, path: &'static str) -> Entry {
    Entry {
        method,
        path,
        request: None,
        response: None,
    }
}

impl Entry {
    fn request(mut self, body: Value) -> Self {
        self.request = Some(body);
        self
    }

    fn response(mut self, body: Value) -> Self {
        self.response = Some(body);
        self
    }
}

/// Whether a media type's body is bytes that an example cannot show: pictures (but SVG),
/// spreadsheets, and the multipart upload (its one field is the photo's bytes).
pub fn is_binary(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    (essence.starts_with("image/") && essence != "image/svg+xml")
        || essence == "application/octet-stream"
        || essence == "multipart/form-data"
        || essence.starts_with("application/vnd.openxmlformats")
}

/// Sets the examples of the table on the operations of `api`.
pub(super) fn add_examples(api: &mut OpenApi) {
    for entry in entries() {
        if let Some(operation) = super::operation_mut(api, entry.method, entry.path) {
            set(operation, &entry);
        }
    }
}

fn set(operation: &mut Operation, entry: &Entry) {
    if let (Some(example), Some(RefOr::T(body))) = (&entry.request, &mut operation.request_body) {
        for (media_type, content) in &mut body.content {
            if let RefOr::T(content) = content
                && !is_binary(media_type)
            {
                content.example = Some(example.clone());
            }
        }
    }
    let Some(example) = &entry.response else {
        return;
    };
    for (status, response) in &mut operation.responses.responses {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('2') {
            continue;
        }
        for (media_type, content) in &mut response.content {
            if let RefOr::T(content) = content
                && !is_binary(media_type)
            {
                content.example = Some(example.clone());
            }
        }
    }
}

/// The `(method, path)` of every entry of the table, for the test that keeps it in step with
/// the operations.
pub fn operations() -> Vec<(&'static str, &'static str)> {
    entries().iter().map(|e| (e.method, e.path)).collect()
}

fn entries() -> Vec<Entry> {
    let mut all = Vec::new();
    all.extend(health_and_auth());
    all.extend(integration());
    all.extend(voters_and_users());
    all.extend(regions());
    all.extend(stations());
    all.extend(deputies_and_codes());
    all.extend(receptions());
    all.extend(notifications_and_stats());
    all.extend(cases());
    all.extend(submissions());
    all
}

// ---------------------------------------------------------------------------------------------
// Shared bodies.

/// `{"items": items, "next_cursor": cursor}`.
fn page(items: Vec<Value>, more: bool) -> Value {
    json!({"items": items, "next_cursor": if more { Value::from(CURSOR) } else { Value::Null }})
}

/// `base` with the fields of `extra` added (or replaced).
fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

/// `base` without `keys`.
fn without(mut base: Value, keys: &[&str]) -> Value {
    if let Some(base) = base.as_object_mut() {
        for key in keys {
            base.remove(*key);
        }
    }
    base
}

fn staff_user() -> Value {
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

fn location() -> Value {
    json!({"latitude": 30.2741, "longitude": 120.1551})
}

fn opening_hours() -> Value {
    json!({
        "periods": [
            {"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"},
            {"weekdays": [6], "opens": "09:00", "closes": "12:00"}
        ],
        "note": "逢6接待日另有代表在站"
    })
}

/// A station as the public sees it (no staff user ids).
fn station() -> Value {
    json!({
        "id": STATION,
        "public_code": STATION_CODE,
        "region_id": TOWN,
        "kind": "central",
        "name": STATION_NAME,
        "address": "东湖路 88 号",
        "location": location(),
        "opening_hours": opening_hours(),
        "phone": "0571-87654321",
        "photo_url": null,
        "star_rating": 4,
        "status": "active",
        "checklist": {"done": 7, "total": 9, "label": "7/9"},
        "staff": [
            {"role": "head", "display_name": "王芳"},
            {"role": "liaison", "display_name": "赵敏"}
        ],
        "created_at": CREATED,
        "updated_at": UPDATED
    })
}

/// The same station as its administrators and staff see it.
fn station_for_staff() -> Value {
    merge(
        station(),
        json!({"staff": [
            {"role": "head", "display_name": "王芳", "user_id": STAFF},
            {"role": "liaison", "display_name": "赵敏", "user_id": LIAISON}
        ]}),
    )
}

fn point() -> Value {
    json!({
        "id": POINT,
        "public_code": "S9PW4RTC",
        "region_id": VILLAGE,
        "kind": "community",
        "name": POINT_NAME,
        "address": "东湖社区党群服务中心 2 楼",
        "location": {"latitude": 30.2793, "longitude": 120.1602},
        "opening_hours": {
            "periods": [{"weekdays": [2, 4], "opens": "14:00", "closes": "17:00"}],
            "note": null
        },
        "phone": null,
        "photo_url": null,
        "star_rating": 3,
        "status": "active",
        "checklist": {"done": 5, "total": 9, "label": "5/9"},
        "staff": [{"role": "liaison", "display_name": "周涛"}],
        "created_at": "2026-03-05T02:00:00Z",
        "updated_at": "2026-10-12T07:40:00Z"
    })
}

fn deputy_summary() -> Value {
    json!({
        "id": DEPUTY,
        "public_code": DEPUTY_CODE,
        "name": "王丽",
        "gender": "female",
        "level": "county",
        "occupation": "东湖社区党委书记",
        "photo_url": null
    })
}

fn deputy_summary_2() -> Value {
    json!({
        "id": DEPUTY_2,
        "public_code": "D6HT3KWA",
        "name": "李明",
        "gender": "male",
        "level": "township",
        "occupation": "社区卫生服务中心主任",
        "photo_url": null,
        "phone": "13912345678"
    })
}

fn station_detail() -> Value {
    merge(
        station(),
        json!({"deputies": [deputy_summary(), deputy_summary_2()]}),
    )
}

fn stationing() -> Value {
    json!({
        "station_id": STATION,
        "station_name": STATION_NAME,
        "station_public_code": STATION_CODE,
        "started_on": "2022-03-01",
        "ended_on": null
    })
}

/// A deputy as the public sees it: no private phone, no account, current stationings.
fn deputy() -> Value {
    json!({
        "id": DEPUTY,
        "public_code": DEPUTY_CODE,
        "region_id": TOWN,
        "name": "王丽",
        "gender": "female",
        "level": "county",
        "constituency": "东街道第三选区",
        "occupation": "东湖社区党委书记",
        "photo_url": null,
        "biography": "长期从事社区工作，关注老旧小区改造和居家养老服务。",
        "term_start": "2022-01-01",
        "term_end": "2026-12-31",
        "status": "active",
        "stations": [stationing()],
        "created_at": "2026-03-03T02:00:00Z",
        "updated_at": "2026-09-15T03:20:00Z"
    })
}

/// The same deputy as administrators in scope see it: the phone masked, the account, and past
/// stationings too.
fn deputy_for_staff() -> Value {
    merge(
        deputy(),
        json!({
            "phone": "138****1234",
            "phone_public": false,
            "user_id": DEPUTY_USER,
            "stations": [stationing(), {
                "station_id": POINT,
                "station_name": POINT_NAME,
                "station_public_code": "S9PW4RTC",
                "started_on": "2022-03-01",
                "ended_on": "2025-12-31"
            }]
        }),
    )
}

fn hours() -> Value {
    json!({"starts": "09:00", "ends": "11:30"})
}

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

fn category_ref() -> Value {
    json!({"id": CATEGORY, "code": "urban_management", "name": "城市管理"})
}

fn category() -> Value {
    json!({
        "id": CATEGORY,
        "code": "urban_management",
        "name": "城市管理",
        "name_en": "Urban management",
        "region_id": null,
        "position": 0,
        "active": true,
        "updated_at": "2026-01-05T00:00:00Z"
    })
}

fn appointment(staff: bool) -> Value {
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

fn feedback() -> Value {
    json!({"rating": "satisfied", "comment": "处理及时，路灯已经亮了。", "at": "2026-11-22T10:00:00Z"})
}

/// A submission as the station's staff see it: the phone masked.
fn submission() -> Value {
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

fn unit() -> Value {
    json!({
        "id": UNIT,
        "region_id": TOWN,
        "name": "东街道办事处",
        "kind": "street_office",
        "phone": "0571-86001234",
        "archived": false,
        "members": [{"user_id": HANDLER, "display_name": "刘洋"}],
        "created_at": CREATED,
        "updated_at": "2026-06-01T03:00:00Z"
    })
}

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

fn case_summary() -> Value {
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

fn region_detail() -> Value {
    json!({
        "id": TOWN,
        "parent_id": DISTRICT,
        "name": "东街道",
        "level": "town",
        "code": "330102001",
        "created_at": "2026-01-05T00:00:00Z",
        "updated_at": "2026-01-05T00:00:00Z",
        "ancestors": [{"id": DISTRICT, "name": "青山区", "level": "district"}],
        "children_count": 6
    })
}

fn checklist_items() -> Value {
    json!({
        "district_id": DISTRICT,
        "items": [
            {"id": ITEM_VENUE, "key": "venue", "name": "有场所", "position": 0},
            {"id": ITEM_SIGN, "key": "sign", "name": "有牌子", "position": 1},
            {"id": ITEM_RULES, "key": "rules", "name": "有制度", "position": 2},
            {"id": ITEM_OWN, "key": null, "name": "有代表履职档案", "position": 3}
        ]
    })
}

fn station_checklist() -> Value {
    json!({
        "station_id": STATION,
        "items": [
            {
                "item_id": ITEM_VENUE,
                "key": "venue",
                "name": "有场所",
                "done": true,
                "note": "一楼接待室 60 平方米",
                "evidence": [ATTACHMENT],
                "updated_at": "2026-04-10T03:00:00Z"
            },
            {
                "item_id": ITEM_SIGN,
                "key": "sign",
                "name": "有牌子",
                "done": true,
                "note": "门牌已更新",
                "evidence": [],
                "updated_at": NOW
            },
            {
                "item_id": ITEM_RULES,
                "key": "rules",
                "name": "有制度",
                "done": false,
                "note": null,
                "evidence": [],
                "updated_at": null
            }
        ],
        "summary": {"done": 7, "total": 9, "label": "7/9"}
    })
}

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

fn case_figures() -> Value {
    json!({
        "assigned": 42,
        "replied": 38,
        "open_overdue": 1,
        "on_time": 35,
        "reply_rate": 0.9048,
        "on_time_rate": 0.9211,
        "resolution_rate": 0.6842,
        "reply_categories": {"a": 26, "b": 9, "c": 3},
        "rated": 30,
        "satisfied_first": 25,
        "satisfied_final": 28,
        "satisfaction_rate_first": 0.8333,
        "satisfaction_rate_final": 0.9333
    })
}

/// The figures of a station (or of the whole reach).
fn figures() -> Value {
    json!({
        "received": {"total": 156, "by_channel": {"hotline": 12, "mailbox": 9, "miniapp": 71, "qr": 38, "reception": 26}},
        "handled": 131,
        "cases": case_figures(),
        "first_response_days": {"count": 150, "median": 1, "p90": 3},
        "reply_days": {"count": 38, "median": 9, "p90": 14},
        "receptions": {
            "sessions_held": 30,
            "sessions_cancelled": 1,
            "duties": 66,
            "attended": 63,
            "attendance_rate": 0.9545,
            "voters_received": 214,
            "bookings": 58
        }
    })
}

/// The figures of a unit: case figures only.
fn unit_figures() -> Value {
    json!({
        "received": null,
        "handled": null,
        "cases": case_figures(),
        "first_response_days": null,
        "reply_days": {"count": 38, "median": 9, "p90": 14},
        "receptions": null
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

fn holidays_2026() -> Value {
    let holidays: Vec<Value> = ["2026-01-01", "2026-01-02", "2026-01-03"]
        .iter()
        .map(|d| json!({"date": d, "name": "元旦"}))
        .chain((1..=7).map(|d| json!({"date": format!("2026-10-{d:02}"), "name": "国庆节"})))
        .collect();
    json!({
        "holidays": holidays,
        "workdays": [
            {"date": "2026-01-04", "name": "元旦调休"},
            {"date": "2026-09-20", "name": "国庆节调休"},
            {"date": "2026-10-10", "name": "国庆节调休"}
        ]
    })
}

// ---------------------------------------------------------------------------------------------
// The operations, by area.

fn health_and_auth() -> Vec<Entry> {
    let tokens = |user: Value| {
        json!({
            "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJpc3MiOiJsaWFubHVvIiwic3ViIjoiMDE5M2EwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwNDAyIn0.mC8yq4x2O8b5y3Lq3o0b7Zk2QeV9bQ1yX4kHq0TzJ1c",
            "token_type": "Bearer",
            "expires_in": 900,
            "expires_at": "2026-11-20T02:30:30Z",
            "refresh_token": "llr_Zk3vQ9pW2xR7tY1uN5mB8cD4fG6hJ0kL2aS4dF6gH8j",
            "refresh_token_expires_at": "2026-12-20T02:15:30Z",
            "user": user
        })
    };
    vec![
        op("GET", "/health/live").response(json!({"status": "ok"})),
        op("GET", "/health/ready").response(json!({"status": "ok"})),
        op("GET", "/metrics").response(Value::from(
            "# HELP http_requests_total HTTP requests by method, route and status\n\
             # TYPE http_requests_total counter\n\
             http_requests_total{method=\"GET\",route=\"/api/v1/stations\",status=\"200\"} 1024\n\
             # HELP sqlite_wal_bytes Size of the SQLite write-ahead log\n\
             # TYPE sqlite_wal_bytes gauge\n\
             sqlite_wal_bytes{database=\"main\"} 4120032\n",
        )),
        op("POST", "/api/v1/auth/login")
            .request(json!({"username": "wangfang", "password": "station-staff-2026"}))
            .response(tokens(staff_user())),
        op("POST", "/api/v1/auth/refresh")
            .request(json!({"refresh_token": "llr_Zk3vQ9pW2xR7tY1uN5mB8cD4fG6hJ0kL2aS4dF6gH8j"}))
            .response(tokens(staff_user())),
        op("POST", "/api/v1/auth/logout"),
        op("GET", "/api/v1/me").response(staff_user()),
        op("DELETE", "/api/v1/me"),
        op("POST", "/api/v1/me/password").request(json!({
            "current_password": "station-staff-2026",
            "new_password": "东湖路88号-new-passphrase"
        })),
        op("POST", "/api/v1/auth/token")
            .request(json!({
                "grant_type": "client_credentials",
                "client_id": CLIENT,
                "client_secret": "llcs_5f2b8c0e9a7d4f3b1c6e8a0d2f4b6c8e0a2c4e6f8b0d2f4a6c8e0b2d4f6a8c0e",
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

fn integration() -> Vec<Entry> {
    let secret = "llcs_5f2b8c0e9a7d4f3b1c6e8a0d2f4b6c8e0a2c4e6f8b0d2f4a6c8e0b2d4f6a8c0e";
    vec![
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
        op("GET", "/api/v1/changes").response(json!({
            "items": [
                {
                    "position": 1042,
                    "type": "submission",
                    "id": SUBMISSION,
                    "version": 3,
                    "op": "updated",
                    "at": "2026-11-14T02:00:00Z",
                    "tombstone": false,
                    "summary": {
                        "tracking_no": TRACKING_NO,
                        "status": "converted",
                        "channel": "qr",
                        "title": "幸福路路灯不亮",
                        "category_id": CATEGORY,
                        "region_id": TOWN,
                        "station_id": STATION,
                        "deputy_id": null,
                        "external_id": null,
                        "version": 3,
                        "updated_at": "2026-11-14T02:00:00Z"
                    }
                },
                {
                    "position": 1043,
                    "type": "suggestion",
                    "id": CASE,
                    "version": 3,
                    "op": "updated",
                    "at": "2026-11-14T02:30:00Z",
                    "tombstone": false,
                    "summary": case_summary()
                }
            ],
            "next_cursor": "eyJsIjoiY2hhbmdlcyIsImsiOjEwNDN9.b2Vx1pQ7tZ3nW8rY5kL0sA"
        })),
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
    ]
}

fn voters_and_users() -> Vec<Entry> {
    vec![
        op("GET", "/api/v1/users").response(page(
            vec![
                staff_user(),
                json!({
                    "id": HANDLER,
                    "username": "liuyang",
                    "display_name": "刘洋",
                    "role": "unit_handler",
                    "region_id": TOWN,
                    "disabled": false,
                    "created_at": "2026-04-01T02:00:00Z",
                    "updated_at": "2026-04-01T02:00:00Z",
                    "last_login_at": null
                }),
            ],
            true,
        )),
        op("POST", "/api/v1/users")
            .request(json!({
                "username": "wangfang",
                "display_name": "王芳",
                "password": "station-staff-2026",
                "role": "station_staff",
                "region_id": TOWN
            }))
            .response(merge(
                staff_user(),
                json!({"created_at": NOW, "updated_at": NOW, "last_login_at": null}),
            )),
        op("GET", "/api/v1/users/{id}").response(staff_user()),
        op("PATCH", "/api/v1/users/{id}")
            .request(json!({"display_name": "王芳（站长）", "disabled": false}))
            .response(merge(
                staff_user(),
                json!({"display_name": "王芳（站长）", "updated_at": NOW}),
            )),
        op("POST", "/api/v1/users/{id}/password")
            .request(json!({"password": "reset-by-admin-2026"})),
    ]
}

fn regions() -> Vec<Entry> {
    let district = json!({
        "id": DISTRICT,
        "parent_id": null,
        "name": "青山区",
        "level": "district",
        "code": "330102",
        "created_at": "2026-01-05T00:00:00Z",
        "updated_at": "2026-01-05T00:00:00Z"
    });
    let town = without(region_detail(), &["ancestors", "children_count"]);
    vec![
        op("GET", "/api/v1/regions").response(page(vec![district, town], false)),
        op("POST", "/api/v1/regions")
            .request(json!({"name": "东街道", "level": "town", "parent_id": DISTRICT, "code": "330102001"}))
            .response(merge(
                region_detail(),
                json!({"created_at": NOW, "updated_at": NOW, "children_count": 0}),
            )),
        op("GET", "/api/v1/regions/tree").response(json!([{
            "id": DISTRICT,
            "name": "青山区",
            "level": "district",
            "code": "330102",
            "children": [{
                "id": TOWN,
                "name": "东街道",
                "level": "town",
                "code": "330102001",
                "children": [{
                    "id": VILLAGE,
                    "name": "东湖社区",
                    "level": "village",
                    "code": "330102001001",
                    "children": []
                }]
            }]
        }])),
        op("GET", "/api/v1/regions/{id}").response(region_detail()),
        op("DELETE", "/api/v1/regions/{id}"),
        op("PATCH", "/api/v1/regions/{id}")
            .request(json!({"name": "东街道（东湖片区）"}))
            .response(merge(
                region_detail(),
                json!({"name": "东街道（东湖片区）", "updated_at": NOW}),
            )),
        op("GET", "/api/v1/regions/{id}/checklist-items").response(checklist_items()),
        op("PUT", "/api/v1/regions/{id}/checklist-items")
            .request(json!({"items": [
                {"id": ITEM_VENUE, "name": "有场所"},
                {"id": ITEM_SIGN, "name": "有牌子"},
                {"id": ITEM_RULES, "name": "有制度"},
                {"name": "有代表履职档案"}
            ]}))
            .response(checklist_items()),
        op("GET", "/api/v1/regions/{id}/points-rules").response(points_rules()),
        op("PUT", "/api/v1/regions/{id}/points-rules")
            .request(json!({"weights": {"reception_attended": 5, "absence_unexcused": -8}}))
            .response(merge(points_rules(), json!({"region_id": DISTRICT}))),
    ]
}

fn stations() -> Vec<Entry> {
    let created = merge(
        station_for_staff(),
        json!({
            "checklist": {"done": 0, "total": 9, "label": "0/9"},
            "deputies": [],
            "created_at": NOW,
            "updated_at": NOW
        }),
    );
    vec![
        op("GET", "/api/v1/stations").response(page(vec![station(), point()], true)),
        op("POST", "/api/v1/stations")
            .request(json!({
                "region_id": TOWN,
                "kind": "central",
                "name": STATION_NAME,
                "address": "东湖路 88 号",
                "location": location(),
                "opening_hours": opening_hours(),
                "phone": "0571-87654321",
                "star_rating": 4,
                "head_user_id": STAFF,
                "liaison_user_ids": [LIAISON]
            }))
            .response(created),
        op("GET", "/api/v1/stations/{id}").response(station_detail()),
        op("DELETE", "/api/v1/stations/{id}"),
        op("PATCH", "/api/v1/stations/{id}")
            .request(json!({
                "phone": "0571-87654322",
                "opening_hours": {
                    "periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:30"}],
                    "note": "逢6接待日另有代表在站"
                }
            }))
            .response(merge(
                station_detail(),
                json!({
                    "phone": "0571-87654322",
                    "opening_hours": {
                        "periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:30"}],
                        "note": "逢6接待日另有代表在站"
                    },
                    "staff": station_for_staff()["staff"].clone(),
                    "updated_at": NOW
                }),
            )),
        op("GET", "/api/v1/stations/{id}/checklist").response(station_checklist()),
        op("PUT", "/api/v1/stations/{id}/checklist")
            .request(json!({"items": [
                {"item_id": ITEM_SIGN, "done": true, "note": "门牌已更新", "evidence": []}
            ]}))
            .response(station_checklist()),
        op("GET", "/api/v1/stations/{id}/qrcode").response(Value::from(
            "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"512\" height=\"512\" viewBox=\"0 0 512 512\" shape-rendering=\"crispEdges\"><path fill=\"#fff\" d=\"M0 0h512v512H0z\"/><path fill=\"#000\" d=\"M32 32h112v16H32z…\"/></svg>",
        )),
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
    ]
}

fn deputies_and_codes() -> Vec<Entry> {
    let listed = |d: Value| without(d, &["stations"]);
    vec![
        op("GET", "/api/v1/deputies").response(page(
            vec![
                listed(deputy()),
                json!({
                    "id": DEPUTY_2,
                    "public_code": "D6HT3KWA",
                    "region_id": TOWN,
                    "name": "李明",
                    "gender": "male",
                    "level": "township",
                    "constituency": "东街道第一选区",
                    "occupation": "社区卫生服务中心主任",
                    "photo_url": null,
                    "biography": null,
                    "term_start": "2021-12-01",
                    "term_end": "2026-11-30",
                    "status": "active",
                    "phone": "13912345678",
                    "created_at": "2026-03-03T02:05:00Z",
                    "updated_at": "2026-03-03T02:05:00Z"
                }),
            ],
            true,
        )),
        op("POST", "/api/v1/deputies")
            .request(json!({
                "region_id": TOWN,
                "name": "王丽",
                "gender": "female",
                "level": "county",
                "constituency": "东街道第三选区",
                "occupation": "东湖社区党委书记",
                "biography": "长期从事社区工作，关注老旧小区改造和居家养老服务。",
                "term_start": "2022-01-01",
                "term_end": "2026-12-31",
                "phone": "13812341234",
                "phone_public": false,
                "user_id": DEPUTY_USER
            }))
            .response(merge(
                deputy_for_staff(),
                json!({"stations": [], "created_at": NOW, "updated_at": NOW}),
            )),
        op("GET", "/api/v1/deputies/{id}").response(deputy()),
        op("PATCH", "/api/v1/deputies/{id}")
            .request(json!({"occupation": "东湖社区党委书记、居委会主任", "phone_public": true}))
            .response(merge(
                deputy_for_staff(),
                json!({
                    "occupation": "东湖社区党委书记、居委会主任",
                    "phone": "13812341234",
                    "phone_public": true,
                    "updated_at": NOW
                }),
            )),
        op("PUT", "/api/v1/deputies/{id}/stations")
            .request(json!({"stations": [
                {"station_id": STATION},
                {"station_id": POINT, "since": "2026-12-01"}
            ]}))
            .response(merge(
                deputy_for_staff(),
                json!({
                    "stations": [stationing(), {
                        "station_id": POINT,
                        "station_name": POINT_NAME,
                        "station_public_code": "S9PW4RTC",
                        "started_on": "2026-12-01",
                        "ended_on": null
                    }, {
                        "station_id": POINT,
                        "station_name": POINT_NAME,
                        "station_public_code": "S9PW4RTC",
                        "started_on": "2022-03-01",
                        "ended_on": "2025-12-31"
                    }],
                    "updated_at": NOW
                }),
            )),
        op("GET", "/api/v1/deputies/{id}/qrcode").response(Value::from(
            "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"512\" height=\"512\" viewBox=\"0 0 512 512\" shape-rendering=\"crispEdges\"><path fill=\"#fff\" d=\"M0 0h512v512H0z\"/><path fill=\"#000\" d=\"M32 32h112v16H32z…\"/></svg>",
        )),
        op("GET", "/api/v1/deputies/{id}/performance").response(performance()),
        op("GET", "/api/v1/resolve/{code}").response(json!({
            "code": STATION_CODE,
            "kind": "station",
            "id": STATION,
            "name": STATION_NAME,
            "href": format!("/api/v1/stations/{STATION}")
        })),
        op("GET", "/api/v1/holidays/{year}").response(merge(
            holidays_2026(),
            json!({"year": 2026, "loaded": true, "updated_at": "2025-11-10T02:00:00Z"}),
        )),
        op("PUT", "/api/v1/holidays/{year}")
            .request(holidays_2026())
            .response(merge(
                holidays_2026(),
                json!({"year": 2026, "loaded": true, "updated_at": NOW}),
            )),
        op("POST", "/api/v1/imports/stations")
            .request(Value::from(
                "区域,类型,名称,地址,纬度,经度,开放时间,开放说明,电话,星级\n\
                 东街道,中心站,东街道中心联络站,东湖路 88 号,30.2741,120.1551,1-5 09:00-17:00; 6 09:00-12:00,逢6接待日另有代表在站,0571-87654321,4\n\
                 东湖社区,联络点,东湖社区联络点,东湖社区党群服务中心 2 楼,30.2793,120.1602,\"2,4 14:00-17:00\",,,3\n",
            ))
            .response(json!({
                "dry_run": false,
                "created": 1,
                "updated": 1,
                "unchanged": 0,
                "rows": [
                    {"line": 2, "outcome": "updated", "id": STATION, "public_code": STATION_CODE, "name": STATION_NAME},
                    {"line": 3, "outcome": "created", "id": POINT, "public_code": "S9PW4RTC", "name": POINT_NAME}
                ]
            })),
        op("POST", "/api/v1/imports/deputies")
            .request(Value::from(
                "姓名,性别,层级,区域,选区,职务,任期开始,任期结束,电话,公开电话,驻站\n\
                 王丽,女,区,东街道,东街道第三选区,东湖社区党委书记,2022-01-01,2026-12-31,13812341234,否,S7K3M9QX\n\
                 张伟,男,区,东街道,东街道第五选区,东湖小学校长,2022-01-01,2026-12-31,,,东街道中心联络站\n",
            ))
            .response(json!({
                "dry_run": true,
                "created": 1,
                "updated": 0,
                "unchanged": 1,
                "rows": [
                    {"line": 2, "outcome": "unchanged", "id": DEPUTY, "public_code": DEPUTY_CODE, "name": "王丽"},
                    {"line": 3, "outcome": "created", "id": null, "public_code": null, "name": "张伟"}
                ]
            })),
    ]
}

fn receptions() -> Vec<Entry> {
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
        op("GET", "/api/v1/receptions/{id}/appointments").response(json!([appointment(true)])),
        op("POST", "/api/v1/receptions/{id}/appointments")
            .request(json!({"topic": "小区加装电梯", "phone": "13912345678"}))
            .response(appointment(false)),
        op("GET", "/api/v1/me/appointments").response(page(vec![appointment(false)], false)),
        op("DELETE", "/api/v1/appointments/{id}"),
    ]
}

fn notifications_and_stats() -> Vec<Entry> {
    let facts = json!({
        "reception_id": RECEPTION,
        "station_id": STATION,
        "station_name": STATION_NAME,
        "date": "2026-12-16",
        "hours": "09:00-11:30",
        "place": "东街道中心联络站一楼接待室",
        "starts_at": "2026-12-16T01:00:00Z"
    });
    let period = |extra: Value| {
        merge(
            json!({"from": "2026-01-01", "to": "2026-11-19"}),
            merge(
                extra,
                json!({"calendar_guessed_years": [], "generated_at": NOW}),
            ),
        )
    };
    vec![
        op("GET", "/api/v1/me/notifications").response(page(
            vec![json!({
                "id": NOTIFICATION,
                "template": "reception.duty_reminder",
                "title": "代表接待日值班提醒",
                "body": "【代表联络站】王丽代表：提醒您2026年12月16日（周三） 09:00-11:30在东街道中心联络站值班接待选民，请准时到站签到。",
                "data": facts,
                "sent_at": "2026-12-15T01:00:05Z",
                "read_at": null
            })],
            false,
        )),
        op("POST", "/api/v1/me/notifications/{id}/read"),
        op("GET", "/api/v1/notifications").response(page(
            vec![json!({
                "id": NOTIFICATION_2,
                "channel": "sms",
                "template": "reception.duty_sms",
                "recipient_user_id": DEPUTY_USER,
                "address": "138****1234",
                "title": "代表接待日值班通知",
                "body": "【代表联络站】王丽代表：您将于2026年12月16日（周三） 09:00-11:30在东街道中心联络站（东街道中心联络站一楼接待室）值班接待选民，请安排好时间。",
                "subject_type": "reception",
                "subject_id": RECEPTION,
                "state": "sent",
                "attempts": 1,
                "last_error": null,
                "due_at": "2026-12-13T01:00:00Z",
                "next_attempt_at": "2026-12-13T01:00:00Z",
                "sent_at": "2026-12-13T01:00:03Z",
                "created_at": "2026-12-01T02:00:00Z"
            })],
            true,
        )),
        op("GET", "/api/v1/stats/attendance").response(json!({
            "year": 2026,
            "deputies": [
                {"deputy_id": DEPUTY_2, "name": "李明", "on_duty": 10, "attended": 8, "missed": 2, "rate": 0.8, "upcoming": 2},
                {"deputy_id": DEPUTY, "name": "王丽", "on_duty": 10, "attended": 9, "missed": 1, "rate": 0.9, "upcoming": 2}
            ],
            "stations": [{
                "station_id": STATION,
                "name": STATION_NAME,
                "sessions_held": 30,
                "sessions_cancelled": 1,
                "late_publications": 2,
                "on_duty": 66,
                "attended": 63,
                "missed": 3,
                "rate": 0.955
            }],
            "generated_at": NOW
        })),
        op("GET", "/api/v1/stats/overview").response(period(json!({
            "region_id": TOWN,
            "station_id": null,
            "figures": figures()
        }))),
        op("GET", "/api/v1/stats/stations").response(period(json!({
            "rows": [{"id": STATION, "name": STATION_NAME, "figures": figures()}]
        }))),
        op("GET", "/api/v1/stats/units").response(period(json!({
            "rows": [{"id": UNIT, "name": "东街道办事处", "figures": unit_figures()}]
        }))),
        op("GET", "/api/v1/stats/categories").response(period(json!({
            "rows": [{
                "id": CATEGORY,
                "name": "城市管理",
                "figures": merge(figures(), json!({"receptions": null}))
            }]
        }))),
        op("GET", "/api/v1/stats/trend").response(json!({
            "interval": "quarter",
            "from": "2026-01-01",
            "to": "2026-06-30",
            "points": [
                {"from": "2026-01-01", "to": "2026-03-31", "figures": figures()},
                {"from": "2026-04-01", "to": "2026-06-30", "figures": figures()}
            ],
            "calendar_guessed_years": [],
            "generated_at": NOW
        })),
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
        op("GET", "/api/v1/exports/{kind}.csv").response(Value::from(
            "\u{feff}受理编号,收到时间,渠道,状态,类别,区域,联络站,代表,标题,内容,地址,联系人,联系电话,匿名,同意公开,首次响应时间,办结时间,关闭时间,评价,评价时间,已删除个人信息\r\n\
             LL2026-000123,2026-11-12 19:32:08,qr,converted,城市管理,东街道,东街道中心联络站,,幸福路路灯不亮,幸福路 100 号到 200 号之间的路灯已经坏了两周，晚上出行很不安全。,幸福路 100 号至 200 号,陈先生,139****5678,0,1,2026-11-13 09:05:00,,,,,0\r\n",
        )),
        op("GET", "/api/v1/exports/{kind}.xlsx"),
        op("GET", "/api/v1/categories").response(json!([
            category(),
            {
                "id": CATEGORY_2,
                "code": "elderly_care",
                "name": "养老服务",
                "name_en": "Elderly care",
                "region_id": DISTRICT,
                "position": 9,
                "active": true,
                "updated_at": "2026-06-10T02:00:00Z"
            }
        ])),
        op("POST", "/api/v1/categories")
            .request(json!({
                "code": "elderly_care",
                "name": "养老服务",
                "name_en": "Elderly care",
                "region_id": DISTRICT,
                "position": 9
            }))
            .response(json!({
                "id": CATEGORY_2,
                "code": "elderly_care",
                "name": "养老服务",
                "name_en": "Elderly care",
                "region_id": DISTRICT,
                "position": 9,
                "active": true,
                "updated_at": NOW
            })),
        op("PATCH", "/api/v1/categories/{id}")
            .request(json!({"name": "养老助餐", "position": 10}))
            .response(json!({
                "id": CATEGORY_2,
                "code": "elderly_care",
                "name": "养老助餐",
                "name_en": "Elderly care",
                "region_id": DISTRICT,
                "position": 10,
                "active": true,
                "updated_at": NOW
            })),
    ]
}

fn cases() -> Vec<Entry> {
    let closed = json!({
        "id": CASE_2,
        "kind": "station_case",
        "title": "东湖路积水",
        "content": "雨后东湖路与幸福路交叉口积水严重，联系电话 139****5678。",
        "category": {"id": CATEGORY, "code": "urban_management", "name": "城市管理"},
        "region_id": TOWN,
        "station_id": STATION,
        "reply_category": "A",
        "reply_text": "已完成雨水管网疏通，并新增两处雨水口。",
        "rating": "satisfied",
        "closed_at": "2026-09-30T08:00:00Z"
    });
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
        op("GET", "/api/v1/public/cases").response(page(vec![closed], true)),
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
        op("GET", "/api/v1/units").response(page(
            vec![
                unit(),
                json!({
                    "id": UNIT_2,
                    "region_id": DISTRICT,
                    "name": "青山区城市管理局",
                    "kind": "bureau",
                    "phone": null,
                    "archived": false,
                    "members": [],
                    "created_at": CREATED,
                    "updated_at": CREATED
                }),
            ],
            false,
        )),
        op("POST", "/api/v1/units")
            .request(json!({
                "region_id": TOWN,
                "name": "东街道办事处",
                "kind": "street_office",
                "phone": "0571-86001234"
            }))
            .response(merge(
                unit(),
                json!({"members": [], "created_at": NOW, "updated_at": NOW}),
            )),
        op("GET", "/api/v1/units/{id}").response(unit()),
        op("PATCH", "/api/v1/units/{id}")
            .request(json!({"phone": "0571-86005678"}))
            .response(merge(
                unit(),
                json!({"phone": "0571-86005678", "updated_at": NOW}),
            )),
        op("PUT", "/api/v1/units/{id}/members")
            .request(json!({"user_ids": [HANDLER]}))
            .response(merge(unit(), json!({"updated_at": NOW}))),
    ]
}

fn submissions() -> Vec<Entry> {
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
        op("POST", "/api/v1/attachments").response(json!({
            "id": ATTACHMENT,
            "mime": "image/jpeg",
            "width": 1280,
            "height": 960,
            "size_bytes": 184320,
            "created_at": "2026-11-12T11:30:40Z",
            "expires_at": "2026-11-13T11:30:40Z"
        })),
        op("GET", "/api/v1/attachments/{id}"),
    ]
}
