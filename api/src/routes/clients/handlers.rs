//! `/api/v1/clients` (administrators) and `POST /api/v1/auth/token` (the clients themselves).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use base64::Engine;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::*;
use super::service;
use crate::auth::AdminUser;
use crate::auth::client::Scope;
use crate::domain::DisplayName;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::i18n::Text;
use crate::state::AppState;

const LIST: &str = "clients";

/// Routes under `/api/v1/clients`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_clients)
        .service(create_client)
        .service(get_client)
        .service(update_client)
        .service(rotate_client_secret);
}

/// `POST /api/v1/auth/token`.
pub fn token_routes(cfg: &mut ServiceConfig) {
    cfg.service(issue_client_token);
}

fn check_name(checks: &mut Checks, name: &str) -> Option<String> {
    checks
        .check(DisplayName::parse("name", name, 100))
        .map(DisplayName::into_inner)
}

/// A secret must never sit in a cache.
fn no_store(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Creates a machine client. The answer holds its `client_secret`, shown this once; only a hash
/// is kept.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateClientRequest,
    responses(
        (status = 201, description = "Created, with the secret", body = ClientWithSecretDto, headers(("Location" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("")]
async fn create_client(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    body: Json<CreateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let name = check_name(&mut checks, &body.name);
    checks.finish()?;
    let name = name.ok_or_else(|| ApiError::internal(anyhow::anyhow!("checked name")))?;
    let scopes: Vec<Scope> = body.scopes.into_iter().map(Into::into).collect();
    let (row, secret) =
        service::create(&state.db, &caller, &client, name, body.region_id, scopes).await?;
    let body = ClientWithSecretDto {
        client: ClientDto::from(row),
        client_secret: secret,
    };
    Ok(no_store(created(
        &req,
        &format!("/api/v1/clients/{}", body.client.id),
        &body,
    )?))
}

/// The machine clients of the caller's regions, newest first.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of clients", body = Page<ClientDto>),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("")]
async fn list_clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AdminUser,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let after = state.cursors.after(LIST, &page)?;
    let rows = service::list(state.db.reader(), &caller, after, page.limit).await?;
    let page = state.cursors.page(
        LIST,
        rows,
        page.limit,
        |c| (c.created_at, c.id),
        ClientDto::from,
    );
    json_with_etag(&req, StatusCode::OK, &page)
}

/// One machine client (never its secret).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, description = "The client", body = ClientDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = service::find(state.db.reader(), &caller, *id).await?;
    json_with_etag(&req, StatusCode::OK, &ClientDto::from(row))
}

/// Renames a client, replaces its scopes, or disables (enables) it. Disabling acts at once on
/// tokens already issued.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = UpdateClientRequest,
    responses(
        (status = 200, description = "The client", body = ClientDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[patch("/{id}")]
async fn update_client(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: Json<UpdateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| check_name(&mut checks, n));
    checks.finish()?;
    let row = service::update(
        &state.db,
        &caller,
        &client,
        *id,
        name,
        body.scopes.map(|s| s.into_iter().map(Into::into).collect()),
        body.disabled,
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &ClientDto::from(row))
}

/// A new secret for the client, shown once. The old secret keeps working for `grace_seconds`
/// (default a day), so that the client can change its configuration without an outage.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body(content = Option<RotateSecretRequest>),
    responses(
        (status = 200, description = "The client with its new secret", body = ClientWithSecretDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/{id}/secret:rotate")]
async fn rotate_client_secret(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AdminUser,
    id: web::Path<Uuid>,
    body: crate::http::json::OptionalJson<RotateSecretRequest>,
) -> Result<HttpResponse, ApiError> {
    // The body is optional: none at all (or `null`) means the default grace period.
    let request = body.0;
    let grace = request.grace_seconds.unwrap_or(service::DEFAULT_GRACE_SECS);
    let (row, secret) = service::rotate(&state.db, &caller, &client, *id, grace).await?;
    let body = ClientWithSecretDto {
        client: ClientDto::from(row),
        client_secret: secret,
    };
    Ok(no_store(HttpResponse::Ok().json(body)))
}

fn required(field: &'static str) -> FieldError {
    FieldError::new(
        field,
        "required",
        Text::fixed("此项必填。", "This field is required."),
    )
}

/// The body of a token request: form-encoded (as OAuth 2.0 clients send it) or JSON.
fn token_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes(body).map_err(|e| ApiError::MalformedBody(e.to_string()))
        }
        "application/json" => {
            serde_json::from_slice(body).map_err(|e| ApiError::MalformedBody(e.to_string()))
        }
        _ => Err(ApiError::UnsupportedMediaType {
            expected: "application/x-www-form-urlencoded",
        }),
    }
}

/// HTTP Basic credentials, if sent: (client_id, client_secret), form-decoded per RFC 6749 2.3.1.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || ApiError::InvalidCredentials;
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// OAuth 2.0 client credentials: a machine client's id and secret (in the body or as HTTP
/// Basic) for a short-lived access token with the scopes it asks for (all it was granted when
/// `scope` is left out). Wrong credentials are throttled like password logins.
#[utoipa::path(
    tag = "clients",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A token", body = ClientTokenResponse),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 415, response = crate::http::docs::UnsupportedMediaType),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
        (status = 429, response = crate::http::docs::TooManyRequests),
    )
)]
#[post("/auth/token")]
async fn issue_client_token(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request = token_request(&req, &body)?;
    let basic = basic_credentials(&req)?;
    let mut checks = Checks::default();
    if request.grant_type != "client_credentials" {
        checks.fail(FieldError::new(
            "grant_type",
            "unsupported_grant_type",
            Text::fixed(
                "只支持 client_credentials。",
                "Only client_credentials is supported.",
            ),
        ));
    }
    let (id, secret) = match basic {
        Some(pair) => (Some(pair.0), Some(pair.1)),
        None => (request.client_id, request.client_secret),
    };
    if id.as_deref().is_none_or(str::is_empty) {
        checks.fail(required("client_id"));
    }
    if secret.as_deref().is_none_or(str::is_empty) {
        checks.fail(required("client_secret"));
    }
    checks.finish()?;
    let (token, expires_in, scope) = service::token(
        &state.db,
        &state.jwt,
        &state.login_throttle,
        &client,
        id.as_deref().unwrap_or_default(),
        secret.as_deref().unwrap_or_default(),
        request.scope.as_deref(),
    )
    .await?;
    Ok(no_store(HttpResponse::Ok().json(ClientTokenResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in,
        scope,
    })))
}
