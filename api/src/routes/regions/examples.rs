//! The contract's examples of the region tree (district > street > community).
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{DISTRICT, NOW, TOWN, VILLAGE};
use crate::http::examples::{Entry, merge, op, page, without};

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

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
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
    ]
}
