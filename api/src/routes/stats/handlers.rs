//! `/api/v1/stats/attendance`.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{
    AttendanceFilters, AttendanceReportDto, DeputyAttendanceDto, StationAttendanceDto,
};
use super::service;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::params::Query;
use crate::startup::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(attendance);
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
        (status = 400, response = crate::openapi::BadRequest),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/attendance")]
async fn attendance(
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<AttendanceFilters>,
) -> Result<HttpResponse, ApiError> {
    let f = filters.into_inner();
    let report = service::attendance(
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
