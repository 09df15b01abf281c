//! The contract's examples of deputies: the public directory and its administration.
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{
    DEPUTY, DEPUTY_2, DEPUTY_CODE, DEPUTY_USER, NOW, POINT, POINT_NAME, STATION, STATION_CODE,
    STATION_NAME, TOWN,
};
use crate::http::examples::{Entry, merge, op, page, without};

fn stationing() -> Value {
    json!({
        "station_id": STATION,
        "station_name": STATION_NAME,
        "station_public_code": STATION_CODE,
        "started_on": "2022-03-01",
        "ended_on": null
    })
}

/// A deputy as the public sees it: no private phone, no account, current stationings.
fn deputy() -> Value {
    json!({
        "id": DEPUTY,
        "public_code": DEPUTY_CODE,
        "region_id": TOWN,
        "name": "王丽",
        "gender": "female",
        "level": "county",
        "constituency": "东街道第三选区",
        "occupation": "东湖社区党委书记",
        "photo_url": null,
        "biography": "长期从事社区工作，关注老旧小区改造和居家养老服务。",
        "term_start": "2022-01-01",
        "term_end": "2026-12-31",
        "status": "active",
        "stations": [stationing()],
        "created_at": "2026-03-03T02:00:00Z",
        "updated_at": "2026-09-15T03:20:00Z"
    })
}

/// The same deputy as administrators in scope see it: the phone masked, the account, and past
/// stationings too.
fn deputy_for_staff() -> Value {
    merge(
        deputy(),
        json!({
            "phone": "138****1234",
            "phone_public": false,
            "user_id": DEPUTY_USER,
            "stations": [stationing(), {
                "station_id": POINT,
                "station_name": POINT_NAME,
                "station_public_code": "S9PW4RTC",
                "started_on": "2022-03-01",
                "ended_on": "2025-12-31"
            }]
        }),
    )
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    let listed = |d: Value| without(d, &["stations"]);
    vec![
        op("GET", "/api/v1/deputies").response(page(
            vec![
                listed(deputy()),
                json!({
                    "id": DEPUTY_2,
                    "public_code": "D6HT3KWA",
                    "region_id": TOWN,
                    "name": "李明",
                    "gender": "male",
                    "level": "township",
                    "constituency": "东街道第一选区",
                    "occupation": "社区卫生服务中心主任",
                    "photo_url": null,
                    "biography": null,
                    "term_start": "2021-12-01",
                    "term_end": "2026-11-30",
                    "status": "active",
                    "phone": "13912345678",
                    "created_at": "2026-03-03T02:05:00Z",
                    "updated_at": "2026-03-03T02:05:00Z"
                }),
            ],
            true,
        )),
        op("POST", "/api/v1/deputies")
            .request(json!({
                "region_id": TOWN,
                "name": "王丽",
                "gender": "female",
                "level": "county",
                "constituency": "东街道第三选区",
                "occupation": "东湖社区党委书记",
                "biography": "长期从事社区工作，关注老旧小区改造和居家养老服务。",
                "term_start": "2022-01-01",
                "term_end": "2026-12-31",
                "phone": "13812341234",
                "phone_public": false,
                "user_id": DEPUTY_USER
            }))
            .response(merge(
                deputy_for_staff(),
                json!({"stations": [], "created_at": NOW, "updated_at": NOW}),
            )),
        op("GET", "/api/v1/deputies/{id}").response(deputy()),
        op("PATCH", "/api/v1/deputies/{id}")
            .request(json!({"occupation": "东湖社区党委书记、居委会主任", "phone_public": true}))
            .response(merge(
                deputy_for_staff(),
                json!({
                    "occupation": "东湖社区党委书记、居委会主任",
                    "phone": "13812341234",
                    "phone_public": true,
                    "updated_at": NOW
                }),
            )),
        op("PUT", "/api/v1/deputies/{id}/stations")
            .request(json!({"stations": [
                {"station_id": STATION},
                {"station_id": POINT, "since": "2026-12-01"}
            ]}))
            .response(merge(
                deputy_for_staff(),
                json!({
                    "stations": [stationing(), {
                        "station_id": POINT,
                        "station_name": POINT_NAME,
                        "station_public_code": "S9PW4RTC",
                        "started_on": "2026-12-01",
                        "ended_on": null
                    }, {
                        "station_id": POINT,
                        "station_name": POINT_NAME,
                        "station_public_code": "S9PW4RTC",
                        "started_on": "2022-03-01",
                        "ended_on": "2025-12-31"
                    }],
                    "updated_at": NOW
                }),
            )),
    ]
}
