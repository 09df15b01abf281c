//! The contract's examples of the working-day calendar (the 2026 holidays and make-up days).
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::NOW;
use crate::http::examples::{Entry, merge, op};

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

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
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
    ]
}
