//! `GET|POST /api/v1/categories`, `PATCH /api/v1/categories/{id}`.
//!
//! Rows without a region are the defaults (managed by global administrators); a district's
//! administrators add categories for their region, offered to submissions there.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::{category, region_closure};
use sea_orm::sea_query::Query as SqlQuery;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{self, Actor, Entry};
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

/// A category of submissions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: Uuid,
    /// What submissions send as `category`.
    #[schema(example = "roads_transport")]
    pub code: String,
    #[schema(example = "道路交通")]
    pub name: String,
    pub name_en: Option<String>,
    /// `null` for the defaults offered everywhere.
    pub region_id: Option<Uuid>,
    pub position: i32,
    /// Retired categories are not offered to new submissions.
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<category::Model> for CategoryDto {
    fn from(c: category::Model) -> Self {
        CategoryDto {
            id: c.id,
            code: c.code,
            name: c.name,
            name_en: c.name_en,
            region_id: c.region_id,
            position: c.position,
            active: c.active,
            updated_at: c.updated_at,
        }
    }
}

/// Which categories to list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryFilters {
    /// Also the categories of this region and the regions above it (a town sees its district's).
    pub region_id: Option<Uuid>,
    /// Include retired categories.
    pub include_inactive: Option<bool>,
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Lower-case letters, digits and `_`, 2 to 40 characters, unique.
    #[schema(example = "elderly_care", pattern = r"^\s*[a-z0-9_]{2,40}\s*$")]
    pub code: String,
    /// 1 to 50 characters, not all blank.
    #[schema(example = "养老服务", min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    /// Up to 80 characters.
    #[schema(max_length = 80)]
    pub name_en: Option<String>,
    /// The district it is for; `null` (global administrators only) for a default.
    pub region_id: Option<Uuid>,
    #[serde(default)]
    pub position: i32,
}

/// Changes to a category; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// 1 to 50 characters, not all blank.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: Option<String>,
    /// Up to 80 characters.
    #[schema(max_length = 80)]
    pub name_en: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
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
    let mut regions = Condition::any().add(category::Column::RegionId.is_null());
    if let Some(region) = filters.region_id {
        regions = regions.add(
            category::Column::RegionId.in_subquery(
                SqlQuery::select()
                    .column(region_closure::Column::AncestorId)
                    .from(region_closure::Entity)
                    .and_where(region_closure::Column::DescendantId.eq(region))
                    .to_owned(),
            ),
        );
    }
    let mut query = category::Entity::find().filter(regions);
    if !filters.include_inactive.unwrap_or(false) {
        query = query.filter(category::Column::Active.eq(true));
    }
    let rows = query
        .order_by(category::Column::Position, Order::Asc)
        .order_by(category::Column::Code, Order::Asc)
        .all(state.db.reader())
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
    let db = state.db.reader();
    if !caller.scope().contains(db, body.region_id).await? {
        return Err(ApiError::out_of_scope());
    }
    let now = crate::clock::now();
    let txn = state.db.begin_write().await?;
    let row = category::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code),
        region_id: Set(body.region_id),
        name: Set(name.into_inner()),
        name_en: Set(name_en),
        position: Set(body.position),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Actor::user(&caller, &client),
        Entry::new("category.create", "category", row.id).region(row.region_id),
    )
    .await?;
    txn.commit().await?;
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
    let txn = state.db.begin_write().await?;
    let current = category::Entity::find_by_id(*id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !caller.scope().contains(&txn, current.region_id).await? {
        return Err(ApiError::out_of_scope());
    }
    check_if_match(&req, &CategoryDto::from(current.clone()))?;
    let mut row: category::ActiveModel = current.into();
    if let Some(name) = name {
        row.name = Set(name.into_inner());
    }
    if let Some(Some(name_en)) = name_en {
        row.name_en = Set(Some(name_en));
    }
    if let Some(position) = body.position {
        row.position = Set(position);
    }
    if let Some(active) = body.active {
        row.active = Set(active);
    }
    row.updated_at = Set(crate::clock::now());
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(&caller, &client),
        Entry::new("category.update", "category", updated.id).region(updated.region_id),
    )
    .await?;
    txn.commit().await?;
    json_with_etag(&req, StatusCode::OK, &CategoryDto::from(updated))
}
