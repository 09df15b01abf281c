//! `POST /api/v1/auth/wechat`, `POST /api/v1/me/phone`, `DELETE /api/v1/me`,
//! `GET /api/v1/me/data`.

use actix_web::{HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::dto::{PersonalDataDto, PhoneDto, SessionDto, WeChatCodeRequest, WeChatIdentityDto};
use super::service;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::error::validation::field_errors;
use crate::http::client::ClientInfo;
use crate::http::json::Json;
use crate::http::rate_limit::ip_key;
use crate::routes::appointments::dto::AppointmentDto;
use crate::routes::auth::dto::TokenResponse;
use crate::routes::submissions;
use crate::routes::submissions::access::Viewer;
use crate::routes::submissions::dto::SubmissionDto;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(wechat_login)
        .service(bind_phone)
        .service(erase_me)
        .service(my_data);
}

fn identities(state: &AppState) -> service::Identities<'_> {
    service::Identities {
        wechat: state.wechat.as_ref(),
        dev_login: state.settings.wechat_dev_login,
    }
}

fn code_of(body: WeChatCodeRequest) -> Result<String, ApiError> {
    body.validate()
        .map_err(|e| ApiError::Validation(field_errors(&e)))?;
    Ok(body.code.trim().to_owned())
}

/// Signs a voter in with the code of `wx.login`. The service asks WeChat
/// (`sns/jscode2session`) who it is, creates the voter on first sign-in, and answers with our
/// own tokens (audience `lianluo-miniapp`, role `voter`), refreshed like staff tokens. WeChat's
/// `session_key` is never returned or kept. An invalid or used code is 401
/// `invalid_wechat_code`; WeChat's rate limit 429; a risky account 403; WeChat down or slow 503
/// `wechat_unavailable`; WeChat not configured 503 `wechat_not_configured` (all with
/// `Retry-After` where it applies). Rate-limited per client address.
#[utoipa::path(
    tag = "auth",
    request_body = WeChatCodeRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 429, response = crate::http::docs::TooManyRequests),
        (status = 503, response = crate::http::docs::ServiceUnavailable),
    )
)]
#[post("/auth/wechat")]
async fn wechat_login(
    client: ClientInfo,
    state: web::Data<AppState>,
    body: Json<WeChatCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let code = code_of(body.into_inner())?;
    state
        .rate_limits
        .wechat_login_per_ip
        .check(ip_key(client.ip.as_deref()))?;
    let tokens = service::login(
        &state.db,
        state.signing(),
        identities(&state),
        &client,
        &code,
    )
    .await?;
    Ok(TokenResponse::from(tokens).into())
}

/// Binds the phone the voter shared with `getPhoneNumber` (its code), as verified by WeChat
/// (`wxa/business/getuserphonenumber`). The number must come from our own mini-program.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = WeChatCodeRequest,
    responses(
        (status = 200, description = "The bound phone", body = PhoneDto),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 429, response = crate::http::docs::TooManyRequests),
        (status = 503, response = crate::http::docs::ServiceUnavailable),
    )
)]
#[post("/me/phone")]
async fn bind_phone(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: Json<WeChatCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let code = code_of(body.into_inner())?;
    let account =
        service::bind_phone(&state.db, identities(&state), &caller, &client, &code).await?;
    let (Some(phone), Some(verified_at)) = (account.phone, account.phone_verified_at) else {
        return Err(ApiError::internal(anyhow::anyhow!("phone not stored")));
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(PhoneDto { phone, verified_at }))
}

/// Erases the calling voter's personal data (the PIPL right to deletion): the WeChat identity
/// and phone, names and contact details on their submissions and bookings. Their tokens stop
/// working at once. What they raised stays, anonymised, for the statistics. Staff accounts
/// cannot be erased this way (403).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Erased"),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[delete("/me")]
async fn erase_me(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    service::erase(&state.db, &caller, &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Everything the service holds about the caller (the PIPL right of access): the account, the
/// WeChat identity, submissions with their contact details, bookings and sign-in sessions.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's data", body = PersonalDataDto),
        (status = 401, response = crate::http::docs::Unauthorized),
    )
)]
#[get("/me/data")]
async fn my_data(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let db = state.db.reader();
    let data = service::personal_data(db, &caller).await?;
    let submissions = submissions::service::detailed(db, data.submissions)
        .await?
        .into_iter()
        .map(|d| SubmissionDto::of(d, Viewer::Owner))
        .collect();
    let appointments = crate::routes::appointments::service::mine(db, &caller, None, 10_000)
        .await?
        .into_iter()
        .map(|v| AppointmentDto::of(v, false))
        .collect();
    let body = PersonalDataDto {
        account: data.account.into(),
        wechat: data.wechat.map(|w| WeChatIdentityDto {
            openid: w.openid,
            unionid: w.unionid,
            phone: w.phone,
            phone_verified_at: w.phone_verified_at,
            created_at: w.created_at,
        }),
        submissions,
        appointments,
        sessions: data
            .sessions
            .into_iter()
            .map(|s| SessionDto {
                id: s.id,
                created_at: s.created_at,
                expires_at: s.expires_at,
                revoked_at: s.revoked_at,
                client_ip: s.client_ip,
                user_agent: s.user_agent,
            })
            .collect(),
        exported_at: crate::clock::now(),
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
