//! The contract's examples of the statistics: attendance and the figures by period.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{
    CATEGORY, DEPUTY, DEPUTY_2, NOW, STATION, STATION_NAME, TOWN, UNIT,
};
use crate::http::examples::{Entry, merge, op};

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

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
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
    ]
}
