//! `/api/v1/users`: create, list, read, update, reset password (administrators, in scope).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{
    CreateUserRequest, ResetPasswordRequest, RoleDto, UpdateUserRequest, UserDto, UserFilters,
};
use super::service::{self, NewUser, UserChanges, UserQuery};
use crate::auth::{AdminUser, password};
use crate::domain::{DisplayName, Username};
use crate::error::{ApiError, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{IfMatchHeader, check_if_match, created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::i18n::Text;
use crate::state::AppState;

const LIST: &str = "users";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_user)
        .service(list_users)
        .service(get_user)
        .service(update_user)
        .service(reset_password);
}

fn voter_role() -> FieldError {
    FieldError::new(
        "role",
        "invalid_value",
        Text::fixed(
            "选民账号由微信登录创建，不能由管理员创建。",
            "Voter accounts come from WeChat sign-in; administrators cannot create them.",
        ),
    )
}

fn to_new_user(body: CreateUserRequest) -> Result<NewUser, ApiError> {
    let mut errors = Vec::new();
    let username = Username::parse("username", &body.username)
        .map_err(|e| errors.push(e))
        .ok();
    let display_name = DisplayName::parse("display_name", &body.display_name, 100)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(e) = password::check_policy("password", &body.password, Some(body.username.trim())) {
        errors.push(e);
    }
    if body.role == RoleDto::Voter {
        errors.push(voter_role());
    }
    match (username, display_name) {
        (Some(username), Some(display_name)) if errors.is_empty() => Ok(NewUser {
            username,
            display_name: display_name.into_inner(),
            password: body.password,
            role: body.role.into(),
            region_id: body.region_id,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Creates a staff account. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserDto,
            headers(("Location" = String, description = "The new user's URL"), ("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 409, response = crate::http::docs::Conflict),
    )
)]
#[post("")]
async fn create_user(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = to_new_user(body.into_inner())?;
    let user = service::create(&state.db, &caller, &client, new).await?;
    created(
        &req,
        &format!("/api/v1/users/{}", user.id),
        &UserDto::from(user),
    )
}

/// Lists the staff accounts in the caller's scope, newest first.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserFilters, PageParams),
    responses(
        (status = 200, description = "A page of users", body = Page<UserDto>),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("")]
async fn list_users(
    state: web::Data<AppState>,
    caller: AdminUser,
    filters: Query<UserFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let filters = filters.into_inner();
    let after = state.cursors.after::<Uuid>(LIST, &page)?;
    let query = UserQuery {
        role: filters.role.map(Into::into),
        region_id: filters.region_id,
        disabled: filters.disabled,
        q: filters
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()),
    };
    let rows = service::list(state.db.reader(), caller.scope(), query, after, page.limit).await?;
    let page = state
        .cursors
        .page(LIST, rows, page.limit, |u| u.id, UserDto::from);
    Ok(HttpResponse::Ok().json(page))
}

/// One staff account (404 outside the caller's scope).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = service::get(state.db.reader(), caller.scope(), id.into_inner()).await?;
    json_with_etag(&req, StatusCode::OK, &UserDto::from(user))
}

/// Changes a staff account's display name, role, region or disabled flag. Disabling signs the
/// user out everywhere. Send `If-Match` with the ETag you read to avoid overwriting a concurrent
/// change. Administrators cannot change their own role, region or disabled flag.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id"), IfMatchHeader),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = UserDto, headers(("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 412, response = crate::http::docs::PreconditionFailed),
    )
)]
#[patch("/{id}")]
async fn update_user(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let display_name = body
        .display_name
        .as_deref()
        .map(|name| DisplayName::parse("display_name", name, 100))
        .transpose()
        .map_err(|e| ApiError::Validation(vec![e]))?;
    if body.role == Some(RoleDto::Voter) {
        return Err(ApiError::Validation(vec![voter_role()]));
    }
    let changes = UserChanges {
        display_name: display_name.map(DisplayName::into_inner),
        role: body.role.map(Into::into),
        region_id: body.region_id,
        disabled: body.disabled,
    };
    let updated = service::update(
        &state.db,
        &caller,
        &client,
        id.into_inner(),
        changes,
        |current| check_if_match(&req, &UserDto::from(current.clone())),
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &UserDto::from(updated))
}

/// Sets a new password for a staff account and signs them out everywhere.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "Password reset"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/password")]
async fn reset_password(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client.clone();
    service::reset_password(
        &state.db,
        &caller,
        &client,
        id.into_inner(),
        body.into_inner().password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
