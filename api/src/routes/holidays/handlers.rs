//! `/api/v1/holidays/{year}`.

use chrono::{Datelike, NaiveDate, Weekday};
use entity::holiday_day::DayKind;
use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{HolidayCalendarDto, PutHolidaysRequest};
use super::service::{self};
use crate::auth::AdminUser;
use crate::auth::extract::PublicCaller;
use crate::auth::scope::RegionScope;
use crate::domain::DisplayName;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::json_with_etag;
use crate::http::json::Json;
use crate::i18n::Text;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_holidays).service(put_holidays);
}

/// The years a calendar may be loaded for.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn year_of(raw: i32) -> Result<i32, ApiError> {
    if YEARS.contains(&raw) {
        Ok(raw)
    } else {
        Err(ApiError::InvalidPath(format!(
            "year must be from {} to {}",
            YEARS.start(),
            YEARS.end()
        )))
    }
}

/// Checks the days of `body` for `year`: each in the year, none twice, make-up working days on
/// weekends, names 1 to 50 characters.
fn days_of(
    year: i32,
    body: PutHolidaysRequest,
) -> Result<Vec<(NaiveDate, DayKind, String)>, ApiError> {
    let mut checks = Checks::default();
    let mut seen = BTreeSet::new();
    let mut days = Vec::new();
    let lists = [
        ("holidays", DayKind::Holiday, body.holidays),
        ("workdays", DayKind::Workday, body.workdays),
    ];
    for (list, kind, entries) in lists {
        for (i, entry) in entries.into_iter().enumerate() {
            let field = format!("{list}[{i}]");
            let name = checks.check(DisplayName::parse(
                &format!("{field}.name"),
                &entry.name,
                50,
            ));
            if entry.date.year() != year {
                checks.fail(FieldError::new(
                    format!("{field}.date"),
                    "outside_year",
                    Text::new(
                        format!("日期必须在 {year} 年内。"),
                        format!("The date must lie in {year}."),
                    ),
                ));
                continue;
            }
            if !seen.insert(entry.date) {
                checks.fail(FieldError::new(
                    format!("{field}.date"),
                    "duplicate",
                    Text::fixed(
                        "同一日期只能出现一次（不能既是假日又是调休工作日）。",
                        "A date may appear once only (not both a holiday and a working day).",
                    ),
                ));
                continue;
            }
            if kind == DayKind::Workday
                && !matches!(entry.date.weekday(), Weekday::Sat | Weekday::Sun)
            {
                checks.fail(FieldError::new(
                    format!("{field}.date"),
                    "not_weekend",
                    Text::fixed(
                        "调休上班日应为周六或周日。",
                        "A make-up working day falls on a Saturday or Sunday.",
                    ),
                ));
                continue;
            }
            if let Some(name) = name {
                days.push((entry.date, kind, name.into_inner()));
            }
        }
    }
    checks.finish()?;
    Ok(days)
}

/// A year's public holidays and make-up working days. Public. A year nobody loaded answers with
/// `loaded: false`: weekends are then the only days off.
#[utoipa::path(
    tag = "holidays",
    params(("year" = i32, Path, description = "2000 to 2100", minimum = 2000, maximum = 2100)),
    responses(
        (status = 200, description = "The year's calendar", body = HolidayCalendarDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = crate::http::docs::BadRequest),
    )
)]
#[get("/{year}")]
async fn get_holidays(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    year: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let year = year_of(year.into_inner())?;
    let calendar = service::get(state.db.reader(), year).await?;
    json_with_etag(&req, StatusCode::OK, &HolidayCalendarDto::from(calendar))
}

/// Replaces a year's calendar (global administrators: the calendar is national). Sessions
/// already generated keep their days; generate again to move those not edited by hand.
#[utoipa::path(
    tag = "holidays",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "2000 to 2100", minimum = 2000, maximum = 2100)),
    request_body = PutHolidaysRequest,
    responses(
        (status = 200, description = "The stored calendar", body = HolidayCalendarDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[put("/{year}")]
async fn put_holidays(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    year: web::Path<i32>,
    body: Json<PutHolidaysRequest>,
) -> Result<HttpResponse, ApiError> {
    if caller.scope() != RegionScope::Global {
        return Err(ApiError::Forbidden(Text::fixed(
            "节假日安排是全国性的，只有全局管理员可以修改。",
            "The holiday calendar is national: only global administrators may change it.",
        )));
    }
    let year = year_of(year.into_inner())?;
    let days = days_of(year, body.into_inner())?;
    let stored = service::put(&state.db, &caller, &client, year, days).await?;
    json_with_etag(&req, StatusCode::OK, &HolidayCalendarDto::from(stored))
}
