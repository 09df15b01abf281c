//! `GET /deputies/{id}/performance`, `GET|PUT /regions/{id}/points-rules` and
//! `GET /stats/deputies`.

use actix_web::{HttpResponse, get, put, web};
use entity::user::Role;
use entity::{deputy, deputy_station, region};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{
    PerformanceDto, PointsDto, PointsItemDto, PointsKindDto, PointsRulesDto, PointsRulesRequest,
    RankingDto, RankingFilter, ReceptionRecordDto, SuggestionRecordDto, YearFilter,
};
use super::ranking::rank;
use super::record::{self, Counts};
use super::rules::{self, RuleSet};
use crate::audit::{self, Actor, Entry};
use crate::auth::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::json::Json;
use crate::http::params::Query as Params;
use crate::i18n::Text;
use crate::routes::stations::service::staffed_by;
use crate::routes::stats::period::Period;
use crate::routes::stats::reach::Reach;
use crate::routes::stats::report::ratio;
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

/// Whether `caller` may read `deputy`'s record: the deputy, administrators over the deputy's
/// region, and the staff of a station the deputy is or was stationed at.
async fn may_read(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    deputy: &deputy::Model,
) -> Result<(), ApiError> {
    let allowed = match caller.role {
        Role::Deputy => deputy.user_id == Some(caller.id),
        Role::Admin => caller.scope().contains(db, Some(deputy.region_id)).await?,
        Role::StationStaff => deputy_station::Entity::find()
            .filter(deputy_station::Column::DeputyId.eq(deputy.id))
            .filter(deputy_station::Column::StationId.in_subquery(staffed_by(caller.id)))
            .one(db)
            .await?
            .is_some(),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(Text::fixed(
            "履职档案只供代表本人、所在联络站工作人员和管理员查看。",
            "A duty record is for the deputy, the staff of their stations and administrators.",
        )))
    }
}

fn points_dto(counts: &Counts, rules: &RuleSet) -> PointsDto {
    let (items, total) = counts.points(rules);
    PointsDto {
        total,
        rules_region_id: rules.defined_at,
        items: items
            .into_iter()
            .map(|(kind, count, weight, points)| PointsItemDto {
                kind: kind.as_str().to_owned(),
                count,
                weight,
                points,
            })
            .collect(),
    }
}

fn one_deputy(id: Uuid) -> SelectStatement {
    Query::select()
        .column(deputy::Column::Id)
        .from(deputy::Entity)
        .and_where(deputy::Column::Id.eq(id))
        .to_owned()
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
    let db = state.db.reader();
    let deputy = deputy::Entity::find_by_id(id.into_inner())
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    may_read(db, &caller, &deputy).await?;
    let (year, period) = Period::year(filter.into_inner().year);
    let now = crate::clock::now();
    let counts = record::counts(db, &one_deputy(deputy.id), period, now)
        .await?
        .remove(&deputy.id)
        .unwrap_or_default();
    let rules = rules::effective(db, deputy.region_id).await?;
    let c = &counts;
    Ok(HttpResponse::Ok().json(PerformanceDto {
        deputy_id: deputy.id,
        name: deputy.name,
        region_id: deputy.region_id,
        year,
        receptions: ReceptionRecordDto {
            on_duty: c.on_duty,
            attended: c.attended,
            absent_excused: c.absent_excused,
            absent_unexcused: c.absent_unexcused,
            attendance_rate: ratio(c.attended, c.on_duty),
            upcoming: c.upcoming,
            records: c.records,
            voters_received: c.voters_received,
        },
        submissions_triaged: c.submissions_triaged,
        suggestions: SuggestionRecordDto {
            submitted: c.suggestions_submitted,
            replied: c.replied,
            category_a: c.result_a,
            category_b: c.result_b,
            category_c: c.result_c,
            resolution_rate: ratio(c.result_a, c.replied),
            closed: c.closed,
            rated: c.rated,
            satisfied: c.satisfied,
            satisfaction_rate: ratio(c.satisfied, c.rated),
        },
        points: points_dto(c, &rules),
        generated_at: now,
    }))
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
    let db = state.db.reader();
    let reach = Reach::of(db, &caller, f.region_id, f.station_id).await?;
    let (year, period) = Period::year(f.year);
    let now = crate::clock::now();
    let rows = rank(db, &reach, period, now).await?;
    Ok(HttpResponse::Ok().json(RankingDto {
        year,
        rows,
        generated_at: now,
    }))
}

fn rules_dto(region_id: Uuid, set: &RuleSet) -> PointsRulesDto {
    PointsRulesDto {
        region_id,
        defined_at: set.defined_at,
        rules: rules::Kind::ALL
            .into_iter()
            .map(|k| PointsKindDto {
                kind: k.as_str().to_owned(),
                weight: set.weight(k),
                default_weight: k.default_weight(),
            })
            .collect(),
    }
}

/// The region `id` if the administrator's scope holds it (404 otherwise).
async fn region_in_scope(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<region::Model, ApiError> {
    let found = crate::routes::regions::service::find(db, id).await?;
    caller.scope().ensure_contains(db, Some(id)).await?;
    Ok(found)
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
    let db = state.db.reader();
    let region = region_in_scope(db, &caller, id.into_inner()).await?;
    let set = rules::effective(db, region.id).await?;
    Ok(HttpResponse::Ok().json(rules_dto(region.id, &set)))
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
    let txn = state.db.begin_write().await?;
    let region = region_in_scope(&txn, &caller, id.into_inner()).await?;
    let before = rules::effective(&txn, region.id).await?;
    rules::save(&txn, region.id, &weights, caller.id).await?;
    let after = rules::effective(&txn, region.id).await?;
    let named = |set: &RuleSet| -> serde_json::Map<String, serde_json::Value> {
        set.weights
            .iter()
            .map(|(k, w)| (k.as_str().to_owned(), (*w).into()))
            .collect()
    };
    audit::record(
        &txn,
        Actor::user(&caller, &client),
        Entry::new("points_rules.update", "region", region.id)
            .region(Some(region.id))
            .details(serde_json::json!({
                "before": named(&before),
                "before_defined_at": before.defined_at,
                "after": named(&after),
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(rules_dto(region.id, &after)))
}
