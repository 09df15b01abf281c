//! The exports that are reports already: the year's attendance per deputy, the performance
//! ranking, and the overview's figures one per row. Each is computed by the same code as its
//! JSON endpoint, so the file and the endpoint cannot disagree.

use sea_orm::ConnectionTrait;
use serde_json::Value;

use super::table::{Cell, Column, Row};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::routes::performance::ranking;
use crate::routes::stats::service::attendance;
use crate::routes::stats::service::period::Period;
use crate::routes::stats::service::reach::Reach;
use crate::routes::stats::service::report;

pub const ATTENDANCE: &[Column] = &[
    Column::new("代表", "deputy"),
    Column::new("应到次数", "on_duty"),
    Column::new("实到次数", "attended"),
    Column::new("缺席次数", "missed"),
    Column::new("出勤率", "rate"),
    Column::new("待进站次数", "upcoming"),
];

/// `GET /stats/attendance`'s deputies, one row each, by name.
pub async fn attendance(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    year: i32,
    region_id: Option<uuid::Uuid>,
    station_id: Option<uuid::Uuid>,
) -> Result<Vec<Row>, ApiError> {
    let report = attendance::attendance(db, caller, year, station_id, region_id).await?;
    Ok(report
        .deputies
        .into_iter()
        .map(|(_, name, t)| {
            vec![
                Cell::text(name),
                Cell::Int(t.on_duty.into()),
                Cell::Int(t.attended.into()),
                Cell::Int(t.missed().into()),
                Cell::opt_num(t.rate()),
                Cell::Int(t.upcoming.into()),
            ]
        })
        .collect())
}

pub const PERFORMANCE: &[Column] = &[
    Column::new("名次", "rank"),
    Column::new("代表", "deputy"),
    Column::new("积分", "points"),
    Column::new("应到次数", "on_duty"),
    Column::new("实到次数", "attended"),
    Column::new("无故缺席", "absent_unexcused"),
    Column::new("接待记录", "records"),
    Column::new("接待群众人次", "voters_received"),
    Column::new("分办意见", "submissions_triaged"),
    Column::new("提出建议", "suggestions_submitted"),
    Column::new("A类答复", "category_a"),
];

/// `GET /stats/deputies`' ranking, one row per deputy.
pub async fn performance(
    db: &impl ConnectionTrait,
    reach: &Reach,
    period: Period,
) -> Result<Vec<Row>, ApiError> {
    let rows = ranking::rank(db, reach, period, crate::clock::now()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            vec![
                Cell::Int(r.rank.into()),
                Cell::text(r.name),
                Cell::Int(r.points),
                Cell::count(r.on_duty),
                Cell::count(r.attended),
                Cell::count(r.absent_unexcused),
                Cell::count(r.records),
                Cell::count(r.voters_received),
                Cell::count(r.submissions_triaged),
                Cell::count(r.suggestions_submitted),
                Cell::count(r.category_a),
            ]
        })
        .collect())
}

pub const OVERVIEW: &[Column] = &[
    Column::new("指标代码", "figure"),
    Column::new("指标", "label"),
    Column::new("数值", "value"),
];

/// `GET /stats/overview`'s figures, one per row: the figure's path in the JSON
/// (`cases.reply_rate`), its name and its value (empty where the JSON has `null`).
pub async fn overview(
    db: &impl crate::routes::stats::service::figures::Reader,
    reach: &Reach,
    period: Period,
    lang: Lang,
) -> Result<Vec<Row>, ApiError> {
    let calendar = report::calendar_for(db, period).await?;
    let figures = report::overview(db, reach, period, &calendar).await?;
    let json = serde_json::to_value(&figures)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("overview figures: {e}")))?;
    let mut leaves = Vec::new();
    flatten("", &json, &mut leaves);
    Ok(leaves
        .into_iter()
        .map(|(path, value)| {
            let value = match value {
                Value::Number(n) => n
                    .as_i64()
                    .map(Cell::Int)
                    .or_else(|| n.as_f64().map(Cell::Num))
                    .unwrap_or(Cell::Empty),
                _ => Cell::Empty,
            };
            let name = label(&path, lang);
            vec![Cell::code(path), Cell::code(name), value]
        })
        .collect())
}

/// The leaves of `value` with their dotted paths, in the JSON's order.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, v, out);
            }
        }
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

/// The name of the figure at `path`.
fn label(path: &str, lang: Lang) -> String {
    let (zh, en) = match path {
        "received.total" => ("收到意见建议", "Submissions received"),
        "handled" => ("办结意见建议", "Submissions handled"),
        "cases.assigned" => ("交办件数", "Cases assigned"),
        "cases.replied" => ("已答复件数", "Cases replied"),
        "cases.open_overdue" => ("超期未办结件数", "Open overdue cases"),
        "cases.on_time" => ("按期答复件数", "Replied on time"),
        "cases.reply_rate" => ("答复率", "Reply rate"),
        "cases.on_time_rate" => ("按期答复率", "On-time rate"),
        "cases.resolution_rate" => ("解决率", "Resolution rate"),
        "cases.reply_categories.a" => ("A类（已解决或基本解决）", "Category A"),
        "cases.reply_categories.b" => ("B类（正在解决或列入计划）", "Category B"),
        "cases.reply_categories.c" => ("C类（暂不能解决）", "Category C"),
        "cases.rated" => ("已评价件数", "Cases rated"),
        "cases.satisfied_first" => ("首次评价满意件数", "Satisfied (first rating)"),
        "cases.satisfied_final" => ("最终评价满意件数", "Satisfied (final rating)"),
        "cases.satisfaction_rate_first" => ("满意率（首次评价）", "Satisfaction rate (first)"),
        "cases.satisfaction_rate_final" => ("满意率（最终评价）", "Satisfaction rate (final)"),
        "first_response_days.count" => ("首次响应件数", "First responses measured"),
        "first_response_days.median" => (
            "首次响应工作日（中位数）",
            "Days to first response (median)",
        ),
        "first_response_days.p90" => ("首次响应工作日（90%）", "Days to first response (p90)"),
        "reply_days.count" => ("答复件数（计时）", "Replies measured"),
        "reply_days.median" => ("答复工作日（中位数）", "Days to reply (median)"),
        "reply_days.p90" => ("答复工作日（90%）", "Days to reply (p90)"),
        "receptions.sessions_held" => ("进站接待场次", "Reception days held"),
        "receptions.sessions_cancelled" => ("取消场次", "Reception days cancelled"),
        "receptions.duties" => ("代表应到人次", "Deputies on duty"),
        "receptions.attended" => ("代表实到人次", "Deputies attended"),
        "receptions.attendance_rate" => ("出勤率", "Attendance rate"),
        "receptions.voters_received" => ("接待群众人次", "Voters received"),
        "receptions.bookings" => ("预约人次", "Bookings"),
        other => match other.strip_prefix("received.by_channel.") {
            Some(channel) => {
                return match lang {
                    Lang::ZhCn => format!("收到意见建议（{}）", channel_zh(channel)),
                    Lang::En => format!("Submissions received ({channel})"),
                };
            }
            None => return other.to_owned(),
        },
    };
    match lang {
        Lang::ZhCn => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn channel_zh(channel: &str) -> &str {
    match channel {
        "miniapp" => "小程序",
        "qr" => "扫码",
        "mailbox" => "意见箱",
        "reception" => "进站接待",
        "phone" => "电话",
        "observer" => "民意观察员",
        "hotline" => "12345热线",
        "visit" => "走访",
        "platform" => "数字人大平台",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_of_the_overview_has_a_name() {
        use crate::routes::stats::service::figures::Figures;
        use crate::routes::stats::service::report::{Parts, to_dto};
        let json = serde_json::to_value(to_dto(&Figures::default(), Parts::All)).unwrap();
        let mut leaves = Vec::new();
        flatten("", &json, &mut leaves);
        for channel in [
            "miniapp",
            "qr",
            "mailbox",
            "reception",
            "phone",
            "observer",
            "hotline",
            "visit",
            "platform",
        ] {
            leaves.push((format!("received.by_channel.{channel}"), Value::Null));
        }
        assert!(leaves.len() > 30, "{leaves:?}");
        for (path, _) in leaves {
            for lang in [Lang::ZhCn, Lang::En] {
                let name = label(&path, lang);
                assert_ne!(name, path, "{path} has no name");
                if let (Lang::ZhCn, Some(code)) = (lang, path.strip_prefix("received.by_channel."))
                {
                    assert!(!name.contains(code), "{path} has no Chinese name");
                }
            }
        }
    }
}
