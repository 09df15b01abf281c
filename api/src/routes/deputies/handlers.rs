//! `/api/v1/deputies`: the public directory and its administration.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::checks::{to_changes, to_new_deputy};
use super::dto::{
    CreateDeputyRequest, DeputyDto, DeputyFilters, DeputyStatusDto, SetStationsRequest,
    UpdateDeputyRequest, deputy_dto,
};
use super::service::{self, DeputyQuery, DeputyView};
use crate::auth::AdminUser;
use crate::auth::extract::MaybeAuthUser;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::etag::{IfMatchHeader, check_if_match, created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::i18n::Text;
use crate::state::AppState;

const LIST: &str = "deputies";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_deputy)
        .service(list_deputies)
        .service(get_deputy)
        .service(update_deputy)
        .service(set_stations);
}

/// Adds a deputy in the caller's scope; the deputy gets a public code for their QR code.
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "deputies",
    security(("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateDeputyRequest,
    responses(
        (status = 201, description = "Created", body = DeputyDto, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[post("")]
async fn create_deputy(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    body: Json<CreateDeputyRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = to_new_deputy(body.into_inner()).map_err(ApiError::Validation)?;
    let deputy = service::create(&state.db, &caller, &client, new).await?;
    let view = DeputyView {
        deputy,
        staff_view: true,
        stations: Some(Vec::new()),
    };
    created(
        &req,
        &format!("/api/v1/deputies/{}", view.deputy.id),
        &deputy_dto(&view),
    )
}

/// Finds deputies by station (stationed there now), region (its whole subtree), level, or text
/// in the name or constituency; active ones unless `status` says otherwise. Public: a phone
/// appears only when the deputy published it.
#[utoipa::path(
    tag = "deputies",
    params(DeputyFilters, PageParams),
    responses(
        (status = 200, description = "A page of deputies, by name", body = Page<DeputyDto>, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("")]
async fn list_deputies(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    filters: Query<DeputyFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let filters = filters.into_inner();
    let after = state.cursors.after::<(String, Uuid)>(LIST, &page)?;
    let query = DeputyQuery {
        station_id: filters.station_id,
        region_id: filters.region_id,
        level: filters.level.map(Into::into),
        q: filters
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()),
        status: filters.status.unwrap_or(DeputyStatusDto::Active).into(),
    };
    let rows = service::list(
        state.db.reader(),
        caller.0.as_ref(),
        query,
        after,
        page.limit,
    )
    .await?;
    let page = state.cursors.page(
        LIST,
        rows,
        page.limit,
        |v| (v.deputy.name.clone(), v.deputy.id),
        |v| deputy_dto(&v),
    );
    json_with_etag(&req, StatusCode::OK, &page)
}

/// A deputy's profile with the stations they are stationed at. Public; the deputy themself and
/// administrators in scope also see the account, the masked phone and past stationings.
#[utoipa::path(
    tag = "deputies",
    params(("id" = Uuid, Path, description = "Deputy id")),
    responses(
        (status = 200, description = "The deputy", body = DeputyDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_deputy(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(state.db.reader(), caller.0.as_ref(), id.into_inner()).await?;
    json_with_etag(&req, StatusCode::OK, &deputy_dto(&view))
}

/// Changes a deputy (administrators in scope).
#[utoipa::path(
    tag = "deputies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Deputy id"), IfMatchHeader),
    request_body = UpdateDeputyRequest,
    responses(
        (status = 200, description = "Updated", body = DeputyDto, headers(("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 412, response = crate::http::docs::PreconditionFailed),
    )
)]
#[patch("/{id}")]
async fn update_deputy(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<UpdateDeputyRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = to_changes(body.into_inner())?;
    let view = service::update(
        &state.db,
        &caller,
        &client,
        id.into_inner(),
        changes,
        |current| check_if_match(&req, &deputy_dto(current)),
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &deputy_dto(&view))
}

/// Sets the stations a deputy is stationed at from now on (a deputy may be stationed at several,
/// across levels). Stations left out end today; history is kept. Stations must be active and in
/// the caller's scope.
#[utoipa::path(
    tag = "deputies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Deputy id")),
    request_body = SetStationsRequest,
    responses(
        (status = 200, description = "The deputy with current and past stationings", body = DeputyDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[put("/{id}/stations")]
async fn set_stations(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<SetStationsRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.stations.len() > 20 {
        return Err(ApiError::validation(
            "stations",
            "length",
            Text::fixed("最多驻 20 个联络站。", "At most 20 stations."),
        ));
    }
    let wanted = body
        .stations
        .into_iter()
        .map(|s| (s.station_id, s.since))
        .collect();
    let view = service::set_stations(&state.db, &caller, &client, id.into_inner(), wanted).await?;
    json_with_etag(&req, StatusCode::OK, &deputy_dto(&view))
}
