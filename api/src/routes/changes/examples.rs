//! The contract's example of the change feed, with one submission and one case of the world.

use serde_json::json;

use crate::http::examples::world::{
    CASE, CATEGORY, STATION, SUBMISSION, TOWN, TRACKING_NO, case_summary,
};
use crate::http::examples::{Entry, op};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![op("GET", "/api/v1/changes").response(json!({
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
    }))]
}
