//! The contract's examples of the CSV imports of stations and deputies.

use serde_json::{Value, json};

use crate::http::examples::world::{
    DEPUTY, DEPUTY_CODE, POINT, POINT_NAME, STATION, STATION_CODE, STATION_NAME,
};
use crate::http::examples::{Entry, op};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("POST", "/api/v1/imports/stations")
            .request(Value::from(
                "区域,类型,名称,地址,纬度,经度,开放时间,开放说明,电话,星级\n\
                 东街道,中心站,东街道中心联络站,东湖路 88 号,30.2741,120.1551,1-5 09:00-17:00; 6 09:00-12:00,逢6接待日另有代表在站,0571-87654321,4\n\
                 东湖社区,联络点,东湖社区联络点,东湖社区党群服务中心 2 楼,30.2793,120.1602,\"2,4 14:00-17:00\",,,3\n",
            ))
            .response(json!({
                "dry_run": false,
                "created": 1,
                "updated": 1,
                "unchanged": 0,
                "rows": [
                    {"line": 2, "outcome": "updated", "id": STATION, "public_code": STATION_CODE, "name": STATION_NAME},
                    {"line": 3, "outcome": "created", "id": POINT, "public_code": "S9PW4RTC", "name": POINT_NAME}
                ]
            })),
        op("POST", "/api/v1/imports/deputies")
            .request(Value::from(
                "姓名,性别,层级,区域,选区,职务,任期开始,任期结束,电话,公开电话,驻站\n\
                 王丽,女,区,东街道,东街道第三选区,东湖社区党委书记,2022-01-01,2026-12-31,13812341234,否,S7K3M9QX\n\
                 张伟,男,区,东街道,东街道第五选区,东湖小学校长,2022-01-01,2026-12-31,,,东街道中心联络站\n",
            ))
            .response(json!({
                "dry_run": true,
                "created": 1,
                "updated": 0,
                "unchanged": 1,
                "rows": [
                    {"line": 2, "outcome": "unchanged", "id": DEPUTY, "public_code": DEPUTY_CODE, "name": "王丽"},
                    {"line": 3, "outcome": "created", "id": null, "public_code": null, "name": "张伟"}
                ]
            })),
    ]
}
