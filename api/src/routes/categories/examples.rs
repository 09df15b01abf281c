//! The contract's examples of the submission categories.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{CATEGORY, CATEGORY_2, DISTRICT, NOW};
use crate::http::examples::{Entry, op};

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

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
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
