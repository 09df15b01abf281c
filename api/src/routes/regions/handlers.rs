//! `/api/v1/regions`: the public tree, and its administration.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{
    CreateRegionRequest, RegionDetailDto, RegionDto, RegionFilters, RegionNode, TreeFilters,
    UpdateRegionRequest,
};
use super::service::{self, NewRegion, RegionChanges, RegionQuery};
use crate::auth::AdminUser;
use crate::auth::extract::PublicCaller;
use crate::domain::DisplayName;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{IfMatchHeader, check_if_match, created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::i18n::Text;
use crate::state::AppState;

const LIST: &str = "regions";
const NAME_MAX: usize = 100;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_region)
        .service(list_regions)
        .service(region_tree)
        .service(get_region)
        .service(update_region)
        .service(delete_region);
}

fn parse_code(code: &str) -> Result<String, FieldError> {
    let code = code.trim();
    if code.bytes().all(|b| b.is_ascii_digit()) && matches!(code.len(), 6 | 9 | 12) {
        Ok(code.to_owned())
    } else {
        Err(FieldError::new(
            "code",
            "invalid_format",
            Text::fixed(
                "行政区划代码必须是 6、9 或 12 位数字。",
                "An administrative division code is 6, 9 or 12 digits.",
            ),
        ))
    }
}

fn to_new_region(body: CreateRegionRequest) -> Result<NewRegion, ApiError> {
    let mut checks = Checks::default();
    let name = checks.check(DisplayName::parse("name", &body.name, NAME_MAX));
    let code = checks.check(body.code.as_deref().map(parse_code).transpose());
    checks.finish()?;
    Ok(NewRegion {
        name: name.map(DisplayName::into_inner).unwrap_or_default(),
        level: body.level.into(),
        parent_id: body.parent_id,
        code: code.flatten(),
    })
}

/// Adds a region: a district (global administrators only), a town under a district, or a
/// village under a town, inside the caller's scope. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "regions",
    security(("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateRegionRequest,
    responses(
        (status = 201, description = "Created", body = RegionDetailDto,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 409, response = crate::http::docs::Conflict),
    )
)]
#[post("")]
async fn create_region(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    body: Json<CreateRegionRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = to_new_region(body.into_inner())?;
    let region = service::create(&state.db, &caller, &client, new).await?;
    let location = format!("/api/v1/regions/{}", region.region.id);
    created(&req, &location, &RegionDetailDto::from(region))
}

/// Lists regions, newest first. Public.
#[utoipa::path(
    tag = "regions",
    params(RegionFilters, PageParams),
    responses((status = 200, description = "A page of regions", body = Page<RegionDto>))
)]
#[get("")]
async fn list_regions(
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    filters: Query<RegionFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let filters = filters.into_inner();
    let after = state.cursors.after::<Uuid>(LIST, &page)?;
    let query = RegionQuery {
        parent_id: filters.parent_id,
        level: filters.level.map(Into::into),
        q: filters
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()),
    };
    let rows = service::list(state.db.reader(), query, after, page.limit).await?;
    let page = state
        .cursors
        .page(LIST, rows, page.limit, |r| r.id, RegionDto::from);
    Ok(HttpResponse::Ok().json(page))
}

/// The region tree: every district with its towns and villages, or the subtree under
/// `root_id`; children sorted by name. Public.
#[utoipa::path(
    tag = "regions",
    params(TreeFilters),
    responses(
        (status = 200, description = "The tree", body = Vec<RegionNode>, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/tree")]
async fn region_tree(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    filters: Query<TreeFilters>,
) -> Result<HttpResponse, ApiError> {
    let forest = service::tree(state.db.reader(), filters.into_inner().root_id).await?;
    let dto: Vec<RegionNode> = forest.into_iter().map(RegionNode::from).collect();
    json_with_etag(&req, StatusCode::OK, &dto)
}

/// One region with its ancestors and number of children. Public.
#[utoipa::path(
    tag = "regions",
    params(("id" = Uuid, Path, description = "Region id")),
    responses(
        (status = 200, description = "The region", body = RegionDetailDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let detail = service::detail(state.db.reader(), id.into_inner()).await?;
    json_with_etag(&req, StatusCode::OK, &RegionDetailDto::from(detail))
}

/// Renames a region or sets its code. Send `If-Match` to avoid overwriting a concurrent change.
#[utoipa::path(
    tag = "regions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id"), IfMatchHeader),
    request_body = UpdateRegionRequest,
    responses(
        (status = 200, description = "Updated", body = RegionDetailDto, headers(("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 412, response = crate::http::docs::PreconditionFailed),
    )
)]
#[patch("/{id}")]
async fn update_region(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<UpdateRegionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let name = checks.check(
        body.name
            .as_deref()
            .map(|n| DisplayName::parse("name", n, NAME_MAX))
            .transpose(),
    );
    let code = checks.check(body.code.as_deref().map(parse_code).transpose());
    checks.finish()?;
    let changes = RegionChanges {
        name: name.flatten().map(DisplayName::into_inner),
        code: code.flatten(),
    };
    let updated = service::update(
        &state.db,
        &caller,
        &client,
        id.into_inner(),
        changes,
        |current| check_if_match(&req, &RegionDetailDto::from(current.clone())),
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &RegionDetailDto::from(updated))
}

/// Removes a region without children or users.
#[utoipa::path(
    tag = "regions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
    )
)]
#[delete("/{id}")]
async fn delete_region(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let client = client.clone();
    service::delete(&state.db, &caller, &client, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
