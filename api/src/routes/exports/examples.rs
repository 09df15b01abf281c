//! The contract's examples of the exports (the CSV one; a workbook is bytes, without example).

use serde_json::Value;

use crate::http::examples::{Entry, op};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("GET", "/api/v1/exports/{kind}.csv").response(Value::from(
            "\u{feff}受理编号,收到时间,渠道,状态,类别,区域,联络站,代表,标题,内容,地址,联系人,联系电话,匿名,同意公开,首次响应时间,办结时间,关闭时间,评价,评价时间,已删除个人信息\r\n\
             LL2026-000123,2026-11-12 19:32:08,qr,converted,城市管理,东街道,东街道中心联络站,,幸福路路灯不亮,幸福路 100 号到 200 号之间的路灯已经坏了两周，晚上出行很不安全。,幸福路 100 号至 200 号,陈先生,139****5678,0,1,2026-11-13 09:05:00,,,,,0\r\n",
        )),
        op("GET", "/api/v1/exports/{kind}.xlsx"),
    ]
}
