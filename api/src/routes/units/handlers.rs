//! `/api/v1/units`: handling units (administrators manage; staff, deputies and handlers read).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{CreateUnitRequest, UnitDto, UnitFilters, UnitMembersRequest, UpdateUnitRequest};
use super::service::{self, Changes, Filter};
use crate::auth::{AdminUser, AuthUser};
use crate::domain::{DisplayName, Phone};
use crate::error::{ApiError, Checks};
use crate::http::client::ClientInfo;
use crate::http::etag::{check_if_match, created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::state::AppState;

const LIST: &str = "units";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_units)
        .service(create_unit)
        .service(get_unit)
        .service(update_unit)
        .service(set_unit_members);
}

fn phone_of(checks: &mut Checks, raw: Option<&str>) -> Option<Option<String>> {
    match raw.map(str::trim).filter(|p| !p.is_empty()) {
        None => Some(None),
        Some(p) => checks.check(Phone::parse("phone", p).map(|p| Some(p.as_str().to_owned()))),
    }
}

/// The units the caller may see: administrators their scope; station staff and deputies the
/// units they can assign to (their region's subtree and the regions above it); a handler the
/// units they act for. Voters 403.
#[utoipa::path(
    tag = "units",
    security(("bearer" = [])),
    params(PageParams, UnitFilters),
    responses(
        (status = 200, description = "A page of units", body = Page<UnitDto>),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("")]
async fn list_units(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<UnitFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let f = filters.into_inner();
    let after = state.cursors.after::<Uuid>(LIST, &page)?;
    let filter = Filter {
        region_id: f.region_id,
        kind: f.kind.map(Into::into),
        include_archived: f.include_archived.unwrap_or(false),
        q: f.q,
    };
    let rows = service::list(state.db.reader(), &caller, &filter, after, page.limit).await?;
    let page = state
        .cursors
        .page(LIST, rows, page.limit, |v| v.unit.id, UnitDto::from);
    json_with_etag(&req, StatusCode::OK, &page)
}

/// Creates a unit in a region of the administrator's scope (409 `unit_name_taken` for a name
/// the region already has).
#[utoipa::path(
    tag = "units",
    security(("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateUnitRequest,
    responses(
        (status = 201, description = "Created", body = UnitDto, headers(("Location" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 409, response = crate::http::docs::Conflict),
    )
)]
#[post("")]
async fn create_unit(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    body: Json<CreateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let name = checks.check(DisplayName::parse("name", &body.name, 100));
    let phone = phone_of(&mut checks, body.phone.as_deref());
    checks.finish()?;
    let (Some(name), Some(phone)) = (name, phone) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "checked fields missing"
        )));
    };
    let view = service::create(
        &state.db,
        &caller,
        &client,
        body.region_id,
        name.into_inner(),
        body.kind.into(),
        phone,
    )
    .await?;
    let body = UnitDto::from(view);
    created(&req, &format!("/api/v1/units/{}", body.id), &body)
}

/// One unit (404 when the caller may not see it).
#[utoipa::path(
    tag = "units",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Unit id")),
    responses(
        (status = 200, description = "The unit", body = UnitDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_unit(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::find(state.db.reader(), &caller, *id).await?;
    json_with_etag(&req, StatusCode::OK, &UnitDto::from(view))
}

/// Renames, re-kinds, changes the phone of, archives or restores a unit (administrators in
/// scope). Honours `If-Match`.
#[utoipa::path(
    tag = "units",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Unit id")),
    request_body = UpdateUnitRequest,
    responses(
        (status = 200, description = "Updated", body = UnitDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 412, response = crate::http::docs::PreconditionFailed),
    )
)]
#[patch("/{id}")]
async fn update_unit(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| checks.check(DisplayName::parse("name", n, 100)))
        .map(DisplayName::into_inner);
    let phone = match &body.phone {
        None => None,
        Some(p) => phone_of(&mut checks, p.as_deref()),
    };
    checks.finish()?;
    let changes = Changes {
        name,
        kind: body.kind.map(Into::into),
        phone,
        archived: body.archived,
    };
    let view = service::update(&state.db, &caller, &client, *id, changes, |current| {
        check_if_match(&req, &UnitDto::from(current.clone()))
    })
    .await?;
    json_with_etag(&req, StatusCode::OK, &UnitDto::from(view))
}

/// Sets the complete list of a unit's handlers: `unit_handler` accounts in the
/// administrator's scope (422 for any other account).
#[utoipa::path(
    tag = "units",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Unit id")),
    request_body = UnitMembersRequest,
    responses(
        (status = 200, description = "The unit with its handlers", body = UnitDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[put("/{id}/members")]
async fn set_unit_members(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UnitMembersRequest>,
) -> Result<HttpResponse, ApiError> {
    let view =
        service::set_members(&state.db, &caller, &client, *id, body.into_inner().user_ids).await?;
    json_with_etag(&req, StatusCode::OK, &UnitDto::from(view))
}
