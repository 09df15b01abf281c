//! The contract's examples of a user's inbox and of the outbox.

use serde_json::json;

use crate::http::examples::world::{
    DEPUTY_USER, NOTIFICATION, NOTIFICATION_2, RECEPTION, STATION, STATION_NAME,
};
use crate::http::examples::{Entry, op, page};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    let facts = json!({
        "reception_id": RECEPTION,
        "station_id": STATION,
        "station_name": STATION_NAME,
        "date": "2026-12-16",
        "hours": "09:00-11:30",
        "place": "东街道中心联络站一楼接待室",
        "starts_at": "2026-12-16T01:00:00Z"
    });
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
    ]
}
