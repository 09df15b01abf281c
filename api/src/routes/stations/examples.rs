//! The contract's examples of stations and of the districts' checklists (九有).
//!
//! The bodies here are the ones only this feature shows; the ids and the bodies several features
//! show come from `crate::http::examples::world`, so that one id means one thing everywhere.

use serde_json::{Value, json};

use crate::http::examples::world::{
    ATTACHMENT, CREATED, DEPUTY, DEPUTY_2, DEPUTY_CODE, DISTRICT, ITEM_OWN, ITEM_RULES, ITEM_SIGN,
    ITEM_VENUE, LIAISON, NOW, POINT, POINT_NAME, STAFF, STATION, STATION_CODE, STATION_NAME, TOWN,
    UPDATED, VILLAGE,
};
use crate::http::examples::{Entry, merge, op, page};

fn location() -> Value {
    json!({"latitude": 30.2741, "longitude": 120.1551})
}

fn opening_hours() -> Value {
    json!({
        "periods": [
            {"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"},
            {"weekdays": [6], "opens": "09:00", "closes": "12:00"}
        ],
        "note": "逢6接待日另有代表在站"
    })
}

/// A station as the public sees it (no staff user ids).
fn station() -> Value {
    json!({
        "id": STATION,
        "public_code": STATION_CODE,
        "region_id": TOWN,
        "kind": "central",
        "name": STATION_NAME,
        "address": "东湖路 88 号",
        "location": location(),
        "opening_hours": opening_hours(),
        "phone": "0571-87654321",
        "photo_url": null,
        "star_rating": 4,
        "status": "active",
        "checklist": {"done": 7, "total": 9, "label": "7/9"},
        "staff": [
            {"role": "head", "display_name": "王芳"},
            {"role": "liaison", "display_name": "赵敏"}
        ],
        "created_at": CREATED,
        "updated_at": UPDATED
    })
}

/// The same station as its administrators and staff see it.
fn station_for_staff() -> Value {
    merge(
        station(),
        json!({"staff": [
            {"role": "head", "display_name": "王芳", "user_id": STAFF},
            {"role": "liaison", "display_name": "赵敏", "user_id": LIAISON}
        ]}),
    )
}

fn point() -> Value {
    json!({
        "id": POINT,
        "public_code": "S9PW4RTC",
        "region_id": VILLAGE,
        "kind": "community",
        "name": POINT_NAME,
        "address": "东湖社区党群服务中心 2 楼",
        "location": {"latitude": 30.2793, "longitude": 120.1602},
        "opening_hours": {
            "periods": [{"weekdays": [2, 4], "opens": "14:00", "closes": "17:00"}],
            "note": null
        },
        "phone": null,
        "photo_url": null,
        "star_rating": 3,
        "status": "active",
        "checklist": {"done": 5, "total": 9, "label": "5/9"},
        "staff": [{"role": "liaison", "display_name": "周涛"}],
        "created_at": "2026-03-05T02:00:00Z",
        "updated_at": "2026-10-12T07:40:00Z"
    })
}

fn deputy_summary() -> Value {
    json!({
        "id": DEPUTY,
        "public_code": DEPUTY_CODE,
        "name": "王丽",
        "gender": "female",
        "level": "county",
        "occupation": "东湖社区党委书记",
        "photo_url": null
    })
}

fn deputy_summary_2() -> Value {
    json!({
        "id": DEPUTY_2,
        "public_code": "D6HT3KWA",
        "name": "李明",
        "gender": "male",
        "level": "township",
        "occupation": "社区卫生服务中心主任",
        "photo_url": null,
        "phone": "13912345678"
    })
}

fn station_detail() -> Value {
    merge(
        station(),
        json!({"deputies": [deputy_summary(), deputy_summary_2()]}),
    )
}

fn checklist_items() -> Value {
    json!({
        "district_id": DISTRICT,
        "items": [
            {"id": ITEM_VENUE, "key": "venue", "name": "有场所", "position": 0},
            {"id": ITEM_SIGN, "key": "sign", "name": "有牌子", "position": 1},
            {"id": ITEM_RULES, "key": "rules", "name": "有制度", "position": 2},
            {"id": ITEM_OWN, "key": null, "name": "有代表履职档案", "position": 3}
        ]
    })
}

fn station_checklist() -> Value {
    json!({
        "station_id": STATION,
        "items": [
            {
                "item_id": ITEM_VENUE,
                "key": "venue",
                "name": "有场所",
                "done": true,
                "note": "一楼接待室 60 平方米",
                "evidence": [ATTACHMENT],
                "updated_at": "2026-04-10T03:00:00Z"
            },
            {
                "item_id": ITEM_SIGN,
                "key": "sign",
                "name": "有牌子",
                "done": true,
                "note": "门牌已更新",
                "evidence": [],
                "updated_at": NOW
            },
            {
                "item_id": ITEM_RULES,
                "key": "rules",
                "name": "有制度",
                "done": false,
                "note": null,
                "evidence": [],
                "updated_at": null
            }
        ],
        "summary": {"done": 7, "total": 9, "label": "7/9"}
    })
}

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    let created = merge(
        station_for_staff(),
        json!({
            "checklist": {"done": 0, "total": 9, "label": "0/9"},
            "deputies": [],
            "created_at": NOW,
            "updated_at": NOW
        }),
    );
    vec![
        op("GET", "/api/v1/regions/{id}/checklist-items").response(checklist_items()),
        op("PUT", "/api/v1/regions/{id}/checklist-items")
            .request(json!({"items": [
                {"id": ITEM_VENUE, "name": "有场所"},
                {"id": ITEM_SIGN, "name": "有牌子"},
                {"id": ITEM_RULES, "name": "有制度"},
                {"name": "有代表履职档案"}
            ]}))
            .response(checklist_items()),
        op("GET", "/api/v1/stations").response(page(vec![station(), point()], true)),
        op("POST", "/api/v1/stations")
            .request(json!({
                "region_id": TOWN,
                "kind": "central",
                "name": STATION_NAME,
                "address": "东湖路 88 号",
                "location": location(),
                "opening_hours": opening_hours(),
                "phone": "0571-87654321",
                "star_rating": 4,
                "head_user_id": STAFF,
                "liaison_user_ids": [LIAISON]
            }))
            .response(created),
        op("GET", "/api/v1/stations/{id}").response(station_detail()),
        op("DELETE", "/api/v1/stations/{id}"),
        op("PATCH", "/api/v1/stations/{id}")
            .request(json!({
                "phone": "0571-87654322",
                "opening_hours": {
                    "periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:30"}],
                    "note": "逢6接待日另有代表在站"
                }
            }))
            .response(merge(
                station_detail(),
                json!({
                    "phone": "0571-87654322",
                    "opening_hours": {
                        "periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:30"}],
                        "note": "逢6接待日另有代表在站"
                    },
                    "staff": station_for_staff()["staff"].clone(),
                    "updated_at": NOW
                }),
            )),
        op("GET", "/api/v1/stations/{id}/checklist").response(station_checklist()),
        op("PUT", "/api/v1/stations/{id}/checklist")
            .request(json!({"items": [
                {"item_id": ITEM_SIGN, "done": true, "note": "门牌已更新", "evidence": []}
            ]}))
            .response(station_checklist()),
    ]
}
