//! The contract's example of the public disclosure of closed cases.

use serde_json::json;

use crate::http::examples::world::{CASE_2, CATEGORY, STATION, TOWN};
use crate::http::examples::{Entry, op, page};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
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
    vec![op("GET", "/api/v1/public/cases").response(page(vec![closed], true))]
}
