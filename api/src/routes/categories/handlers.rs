//! `GET|POST /api/v1/categories`, `PATCH /api/v1/categories/{id}`.
//!
//! Rows without a region are the defaults (managed by global administrators); a district's
//! administrators add categories for their region, offered to submissions there.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{CategoryDto, CategoryFilters, CreateCategoryRequest, UpdateCategoryRequest};
use super::service::{self, CategoryChanges, NewCategory};
use crate::auth::AdminUser;
use crate::auth::extract::PublicCaller;
use crate::domain::{DisplayName, name};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{check_if_match, created, json_with_etag};
use crate::http::json::Json;
use crate::http::params::Query;
use crate::i18n::Text;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_categories)
        .service(create_category)
        .service(update_category);
}

/// The categories a submission may use: the defaults, and (with `region_id`) those of that
/// region and the regions above it. Public.
#[utoipa::path(
    tag = "submissions",
    params(CategoryFilters),
    responses((status = 200, description = "The categories, in display order", body = Vec<CategoryDto>))
)]
#[get("/categories")]
async fn list_categories(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    filters: Query<CategoryFilters>,
) -> Result<HttpResponse, ApiError> {
    let filters = filters.into_inner();
    let rows = service::list(
        state.db.reader(),
        filters.region_id,
        filters.include_inactive.unwrap_or(false),
    )
    .await?;
    let body: Vec<CategoryDto> = rows.into_iter().map(Into::into).collect();
    json_with_etag(&req, StatusCode::OK, &body)
}

fn code_of(raw: &str) -> Result<String, FieldError> {
    let code = raw.trim();
    let ok = (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(code.to_owned())
    } else {
        Err(FieldError::new(
            "code",
            "invalid_format",
            Text::fixed(
                "须为 2 到 40 个小写字母、数字或下划线。",
                "Must be 2 to 40 lower-case letters, digits or underscores.",
            ),
        ))
    }
}

/// Adds a category (administrators: for a region in their scope; global administrators also
/// defaults). A taken `code` is 409.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    request_body = CreateCategoryRequest,
    responses(
        (status = 201, description = "Created", body = CategoryDto, headers(("Location" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 409, response = crate::http::docs::Conflict),
    )
)]
#[post("/categories")]
async fn create_category(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    body: Json<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let code = checks.check(code_of(&body.code));
    let name = checks.check(DisplayName::parse("name", &body.name, 50));
    let name_en = checks.check(name::optional("name_en", body.name_en.as_deref(), 80));
    checks.finish()?;
    let (Some(code), Some(name), Some(name_en)) = (code, name, name_en) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "checked fields missing"
        )));
    };
    let new = NewCategory {
        code,
        name: name.into_inner(),
        name_en,
        region_id: body.region_id,
        position: body.position,
    };
    let row = service::create(&state.db, &caller, &client, new).await?;
    let location = format!("/api/v1/categories/{}", row.id);
    created(&req, &location, &CategoryDto::from(row))
}

/// Renames, reorders, retires (`active: false`) or restores a category (administrators whose
/// scope holds its region; defaults: global administrators). Honours `If-Match`.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Category id")),
    request_body = UpdateCategoryRequest,
    responses(
        (status = 200, description = "Updated", body = CategoryDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 412, response = crate::http::docs::PreconditionFailed),
    )
)]
#[patch("/categories/{id}")]
async fn update_category(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<UpdateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| checks.check(DisplayName::parse("name", n, 50)));
    let name_en = checks.check(name::optional("name_en", body.name_en.as_deref(), 80));
    checks.finish()?;
    let changes = CategoryChanges {
        name: name.map(DisplayName::into_inner),
        name_en: name_en.flatten(),
        position: body.position,
        active: body.active,
    };
    let updated = service::update(&state.db, &caller, &client, *id, changes, |current| {
        check_if_match(&req, &CategoryDto::from(current.clone()))
    })
    .await?;
    json_with_etag(&req, StatusCode::OK, &CategoryDto::from(updated))
}
