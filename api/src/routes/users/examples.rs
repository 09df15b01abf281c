//! The contract's examples of staff accounts.

use serde_json::json;

use crate::http::examples::world::{HANDLER, NOW, TOWN, staff_user};
use crate::http::examples::{Entry, merge, op, page};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
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
