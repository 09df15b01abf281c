//! The contract's examples of handling units and their members.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{CREATED, DISTRICT, HANDLER, NOW, TOWN, UNIT, UNIT_2};
use crate::http::examples::{Entry, merge, op, page};

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

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
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
