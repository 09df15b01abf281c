//! The contract's examples of bookings of reception sessions.

use serde_json::json;

use crate::http::examples::world::appointment;
use crate::http::examples::{Entry, op, page};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("GET", "/api/v1/receptions/{id}/appointments").response(json!([appointment(true)])),
        op("POST", "/api/v1/receptions/{id}/appointments")
            .request(json!({"topic": "小区加装电梯", "phone": "13912345678"}))
            .response(appointment(false)),
        op("GET", "/api/v1/me/appointments").response(page(vec![appointment(false)], false)),
        op("DELETE", "/api/v1/appointments/{id}"),
    ]
}
