//! `GET /deputies/{id}/performance`, `GET|PUT /regions/{id}/points-rules` and
//! `GET /stats/deputies`.

use actix_web::{HttpResponse, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{
    PerformanceDto, PointsRulesDto, PointsRulesRequest, RankingDto, RankingFilter, YearFilter,
    rules_dto,
};
use super::rules;
use super::service;
use crate::auth::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::json::Json;
use crate::http::params::Query as Params;
use crate::state::AppState;

/// Under `/deputies`.
pub fn deputy_routes(cfg: &mut ServiceConfig) {
    cfg.service(performance);
}

/// Under `/regions`.
pub fn region_routes(cfg: &mut ServiceConfig) {
    cfg.service(get_rules).service(put_rules);
}

/// Under `/stats`.
pub fn stats_routes(cfg: &mut ServiceConfig) {
    cfg.service(ranking);
}

/// A deputy's duty record (履职档案) for a year: reception days on duty, attended, absent
/// (excused or not) and to come; records written and voters received on the days attended;
/// submissions triaged; suggestions authored and first submitted in the year with their results
/// now; and performance points (履职积分) under the rules in force for the deputy's region,
/// item by item. Every figure is counted from the data at the time of the request (see the
/// README's "Performance points"). For the deputy, administrators over the deputy's region and
/// the staff of the deputy's stations.
#[utoipa::path(
    tag = "deputies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Deputy id"), YearFilter),
    responses(
        (status = 200, description = "The duty record", body = PerformanceDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/performance")]
async fn performance(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    filter: Params<YearFilter>,
) -> Result<HttpResponse, ApiError> {
    let record = service::duty_record(
        state.db.reader(),
        &caller,
        id.into_inner(),
        filter.into_inner().year,
    )
    .await?;
    Ok(HttpResponse::Ok().json(PerformanceDto::of(record)))
}

/// The deputies of the caller's reach ranked by performance points for a year, each under the
/// rules of their own region, with the counts behind the points. Administrators rank the
/// deputies of their region's subtree, station staff those stationed at their stations.
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    params(RankingFilter),
    responses(
        (status = 200, description = "The ranking", body = RankingDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/deputies")]
async fn ranking(
    state: web::Data<AppState>,
    caller: AuthUser,
    filter: Params<RankingFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = filter.into_inner();
    let ranking = service::ranking(
        state.db.reader(),
        &caller,
        f.region_id,
        f.station_id,
        f.year,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ranking))
}

/// The points rules (积分规则) in force for a region: its own, or its nearest ancestor's, or the
/// default rules; every kind of counted event with its weight. Administrators over the region.
#[utoipa::path(
    tag = "deputies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id")),
    responses(
        (status = 200, description = "The rules in force", body = PointsRulesDto),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/points-rules")]
async fn get_rules(
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (region_id, set) = service::rules_of(state.db.reader(), &caller, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(rules_dto(region_id, &set)))
}

/// Sets a region's points rules (usually a district's): the kinds named get the weights given
/// (whole numbers, -1000 to 1000), the others their default. The region's subtree follows them
/// unless a region below has rules of its own. Points are counted at read time, so every
/// deputy's points follow at once. Administrators over the region; audited.
#[utoipa::path(
    tag = "deputies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id")),
    request_body = PointsRulesRequest,
    responses(
        (status = 200, description = "The rules now in force", body = PointsRulesDto),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[put("/{id}/points-rules")]
async fn put_rules(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<PointsRulesRequest>,
) -> Result<HttpResponse, ApiError> {
    let weights = rules::parse(&body.into_inner().weights)?;
    let (region_id, after) =
        service::set_rules(&state.db, &caller, &client, id.into_inner(), &weights).await?;
    Ok(HttpResponse::Ok().json(rules_dto(region_id, &after)))
}
