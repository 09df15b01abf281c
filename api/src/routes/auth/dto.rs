//! Wire types of `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::service::Tokens;
use crate::routes::users::dto::UserDto;

/// Username and password.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "a long passphrase"}))]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub password: String,
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

/// A new password for the caller's own account.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub current_password: String,
    #[schema(min_length = 10, max_length = 128, format = Password)]
    pub new_password: String,
}

/// Tokens for a signed-in session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires (900).
    #[schema(example = 900)]
    pub expires_in: u64,
    pub expires_at: DateTime<Utc>,
    /// Exchange it at `/api/v1/auth/refresh` for new tokens; each refresh token works once.
    pub refresh_token: String,
    /// When the session ends and the user must sign in again.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: UserDto,
}

impl From<Tokens> for TokenResponse {
    fn from(tokens: Tokens) -> Self {
        let now = crate::clock::now();
        let expires_in = (tokens.access_expires_at - now).num_seconds().max(0);
        TokenResponse {
            access_token: tokens.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: u64::try_from(expires_in).unwrap_or(0),
            expires_at: tokens.access_expires_at,
            refresh_token: tokens.refresh_token,
            refresh_token_expires_at: tokens.refresh_expires_at,
            user: tokens.user.into(),
        }
    }
}

/// Tokens are answered 200 and must never be stored by a cache (RFC 6749 §5.1).
impl From<TokenResponse> for HttpResponse {
    fn from(body: TokenResponse) -> Self {
        HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Pragma", "no-cache"))
            .json(body)
    }
}
