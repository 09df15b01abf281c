//! `POST /api/v1/auth/login`, `/auth/refresh`, `/auth/logout`; `GET /api/v1/me`,
//! `POST /api/v1/me/password`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{ChangePasswordRequest, LoginRequest, RefreshRequest, TokenResponse};
use super::service;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::etag::json_with_etag;
use crate::http::json::Json;
use crate::routes::users::dto::UserDto;
use crate::routes::users::service as users;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(change_password);
}

/// Signs a staff member in. Wrong username and wrong password get the same answer; attempts are
/// throttled per account and per client address.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 429, response = crate::http::docs::TooManyRequests),
    )
)]
#[post("/auth/login")]
async fn login(
    client: ClientInfo,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let tokens = service::login(
        &state.db,
        state.signing(),
        &state.login_throttle,
        &client,
        &body.username,
        &body.password,
    )
    .await?;
    Ok(TokenResponse::from(tokens).into())
}

/// Exchanges a refresh token for new tokens. Each refresh token works once; presenting a used
/// one revokes the whole session (every token descended from the same sign-in).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, response = crate::http::docs::Unauthorized),
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    client: ClientInfo,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = service::refresh(
        &state.db,
        state.signing(),
        &client,
        &body.into_inner().refresh_token,
    )
    .await?;
    Ok(TokenResponse::from(tokens).into())
}

/// Signs out: the session's refresh token and access tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
async fn logout(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    service::logout(&state.db, &caller, &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserDto,
            headers(("ETag" = String, description = "Strong entity tag"))),
        (status = 304, description = "Not modified (If-None-Match)"),
    )
)]
#[get("/me")]
async fn me(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let user = users::find(state.db.reader(), caller.id).await?;
    json_with_etag(&req, StatusCode::OK, &UserDto::from(user))
}

/// Changes the caller's password. The current password is required; the caller's other
/// sessions are signed out. Voters, who sign in through WeChat, have none (403 `no_password`).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Password changed"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 429, response = crate::http::docs::TooManyRequests),
    )
)]
#[post("/me/password")]
async fn change_password(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    service::change_password(
        &state.db,
        &state.login_throttle,
        &caller,
        &client,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
