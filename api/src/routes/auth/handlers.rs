//! `POST /api/v1/auth/login`, `/auth/refresh`, `/auth/logout`; `GET /api/v1/me`,
//! `POST /api/v1/me/password`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{ChangePasswordRequest, LoginRequest, RefreshRequest, TokenResponse};
use super::service::{self, Tokens};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::etag::json_with_etag;
use crate::http::json::Json;
use crate::routes::users::dto::UserDto;
use crate::routes::users::service as users;
use crate::startup::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(change_password);
}

fn client(req: &HttpRequest, state: &AppState) -> ClientInfo {
    ClientInfo::of(req, state.settings.trust_forwarded_for)
}

pub fn token_response(tokens: Tokens) -> HttpResponse {
    let now = crate::clock::now();
    let expires_in = (tokens.access_expires_at - now).num_seconds().max(0);
    HttpResponse::Ok()
        // Tokens must never be stored by a cache (RFC 6749 §5.1).
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(TokenResponse {
            access_token: tokens.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: u64::try_from(expires_in).unwrap_or(0),
            expires_at: tokens.access_expires_at,
            refresh_token: tokens.refresh_token,
            refresh_token_expires_at: tokens.refresh_expires_at,
            user: tokens.user.into(),
        })
}

/// Signs a staff member in. Wrong username and wrong password get the same answer; attempts are
/// throttled per account and per client address.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let client = client(&req, &state);
    let tokens = service::login(&state, &client, &body.username, &body.password).await?;
    Ok(token_response(tokens))
}

/// Exchanges a refresh token for new tokens. Each refresh token works once; presenting a used
/// one revokes the whole session (every token descended from the same sign-in).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client(&req, &state);
    let tokens = service::refresh(&state, &client, &body.into_inner().refresh_token).await?;
    Ok(token_response(tokens))
}

/// Signs out: the session's refresh token and access tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    service::logout(&state, &caller, &client(&req, &state)).await?;
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
        (status = 403, response = crate::openapi::Forbidden),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/me/password")]
async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let client = client(&req, &state);
    service::change_password(
        &state,
        &caller,
        &client,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
