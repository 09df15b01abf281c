//! `/api/v1/stats`: the attendance report, the overview, the per-station, per-unit and
//! per-category rows, and the trend.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{
    AttendanceFilters, AttendanceReportDto, DeputyAttendanceDto, Interval, OverviewDto,
    ReportFilters, RowsDto, SortFilter, StationAttendanceDto, TrendDto, TrendFilter, TrendPointDto,
};
use super::service::attendance as attendance_report;
use super::service::period::{self, Period};
use super::service::reach::Reach;
use super::service::report::{self, RowKind, Sort};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::params::Query;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(attendance)
        .service(overview)
        .service(stations)
        .service(units)
        .service(categories)
        .service(trend);
}

/// The year's attendance of reception days (定期通报): per deputy, duties at sessions held,
/// attended, missed and the rate, beside every other deputy's; per station the same totals,
/// with sessions held, cancelled and published late. Administrators see their scope, station
/// staff their stations, deputies the stations they are stationed at.
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(AttendanceFilters),
    responses(
        (status = 200, description = "The report", body = AttendanceReportDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("/attendance")]
async fn attendance(
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<AttendanceFilters>,
) -> Result<HttpResponse, ApiError> {
    let f = filters.into_inner();
    let report = attendance_report::attendance(
        state.db.reader(),
        &caller,
        f.year,
        f.station_id,
        f.region_id,
    )
    .await?;
    let dto = AttendanceReportDto {
        year: f.year,
        deputies: report
            .deputies
            .into_iter()
            .map(|(deputy_id, name, t)| DeputyAttendanceDto {
                deputy_id,
                name,
                on_duty: t.on_duty,
                attended: t.attended,
                missed: t.missed(),
                rate: t.rate(),
                upcoming: t.upcoming,
            })
            .collect(),
        stations: report
            .stations
            .into_iter()
            .map(|(station_id, s)| StationAttendanceDto {
                station_id,
                name: s.name,
                sessions_held: s.held,
                sessions_cancelled: s.cancelled,
                late_publications: s.late,
                on_duty: s.duties.on_duty,
                attended: s.duties.attended,
                missed: s.duties.missed(),
                rate: s.duties.rate(),
            })
            .collect(),
        generated_at: crate::clock::now(),
    };
    Ok(HttpResponse::Ok().json(dto))
}

/// The period, reach and calendar of a figures report.
async fn prepare(
    state: &AppState,
    caller: &AuthUser,
    f: &ReportFilters,
) -> Result<(Period, Reach, crate::domain::calendar::WorkingCalendar), ApiError> {
    let period = Period::resolve(f.from, f.to, crate::domain::local_time::today())?;
    let db = state.db.reader();
    let reach = Reach::of(db, caller, f.region_id, f.station_id).await?;
    let calendar = report::calendar_for(db, period).await?;
    Ok((period, reach, calendar))
}

/// The figures the stations report, for a period (see the README's "Statistics" for every
/// definition): submissions received by channel and handled; of the cases first assigned in the
/// period, replied, open overdue, on time, the A/B/C split, ratings, and the reply, on-time,
/// resolution and satisfaction rates; time to first response and to reply in working days
/// (median, 90th percentile); reception days held, duties, attendance, voters received and
/// bookings. Administrators see their region, station staff their stations; deputies read
/// their own record at `/deputies/{id}/performance`.
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(ReportFilters),
    responses(
        (status = 200, description = "The figures", body = OverviewDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/overview")]
async fn overview(
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<ReportFilters>,
) -> Result<HttpResponse, ApiError> {
    let f = filters.into_inner();
    let (period, reach, calendar) = prepare(&state, &caller, &f).await?;
    let figures = report::overview(state.db.reader(), &reach, period, &calendar).await?;
    Ok(HttpResponse::Ok().json(OverviewDto {
        from: period.from,
        to: period.to,
        region_id: f.region_id,
        station_id: f.station_id,
        figures,
        calendar_guessed_years: calendar.fallback_years(period.from, period.to),
        generated_at: crate::clock::now(),
    }))
}

async fn rows(
    state: &AppState,
    caller: &AuthUser,
    f: ReportFilters,
    sort: SortFilter,
    kind: RowKind,
) -> Result<HttpResponse, ApiError> {
    let sort = Sort::parse(sort.sort.as_deref())?;
    let (period, reach, calendar) = prepare(state, caller, &f).await?;
    let rows = report::rows(state.db.reader(), &reach, period, kind, sort, &calendar).await?;
    Ok(HttpResponse::Ok().json(RowsDto {
        from: period.from,
        to: period.to,
        rows,
        calendar_guessed_years: calendar.fallback_years(period.from, period.to),
        generated_at: crate::clock::now(),
    }))
}

/// The overview's figures per station of the caller's reach, every station listed (zeros when
/// nothing happened), sortable.
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(ReportFilters, SortFilter),
    responses(
        (status = 200, description = "One row per station", body = RowsDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/stations")]
async fn stations(
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<ReportFilters>,
    sort: Query<SortFilter>,
) -> Result<HttpResponse, ApiError> {
    rows(
        &state,
        &caller,
        filters.into_inner(),
        sort.into_inner(),
        RowKind::Station,
    )
    .await
}

/// The case figures per lead unit: every unit of the caller's region, and any other unit
/// leading a case in reach. Submission and reception figures are `null` (they have no unit).
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(ReportFilters, SortFilter),
    responses(
        (status = 200, description = "One row per handling unit", body = RowsDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/units")]
async fn units(
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<ReportFilters>,
    sort: Query<SortFilter>,
) -> Result<HttpResponse, ApiError> {
    rows(
        &state,
        &caller,
        filters.into_inner(),
        sort.into_inner(),
        RowKind::Unit,
    )
    .await
}

/// The submission and case figures per category (reception figures are `null`).
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(ReportFilters, SortFilter),
    responses(
        (status = 200, description = "One row per category", body = RowsDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/categories")]
async fn categories(
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<ReportFilters>,
    sort: Query<SortFilter>,
) -> Result<HttpResponse, ApiError> {
    rows(
        &state,
        &caller,
        filters.into_inner(),
        sort.into_inner(),
        RowKind::Category,
    )
    .await
}

/// The overview's figures for each month (or quarter, or year) of the period, the first and
/// last clipped to it; each figure falls in the part holding its own event's day.
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(ReportFilters, TrendFilter),
    responses(
        (status = 200, description = "The figures per part of the period", body = TrendDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/trend")]
async fn trend(
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<ReportFilters>,
    interval: Query<TrendFilter>,
) -> Result<HttpResponse, ApiError> {
    let interval = interval.into_inner().interval.unwrap_or(Interval::Month);
    let f = filters.into_inner();
    let (period, reach, calendar) = prepare(&state, &caller, &f).await?;
    let parts = period::buckets(period, interval);
    let points = report::trend(state.db.reader(), &reach, parts, period, &calendar)
        .await?
        .into_iter()
        .map(|(p, figures)| TrendPointDto {
            from: p.from,
            to: p.to,
            figures,
        })
        .collect();
    Ok(HttpResponse::Ok().json(TrendDto {
        interval,
        from: period.from,
        to: period.to,
        points,
        calendar_guessed_years: calendar.fallback_years(period.from, period.to),
        generated_at: crate::clock::now(),
    }))
}
