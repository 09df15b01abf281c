//! Request and response bodies of `/api/v1/clients`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::client;
use entity::api_client;

/// A scope a client may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ScopeDto {
    /// Stations, deputies and reception days, and their changes.
    #[serde(rename = "read:directory")]
    ReadDirectory,
    /// Submissions and suggestions (no voters' personal data), and their changes.
    #[serde(rename = "read:cases")]
    ReadCases,
    /// Sending hotline and platform tickets in.
    #[serde(rename = "write:tickets")]
    WriteTickets,
    /// Registering webhooks.
    #[serde(rename = "manage:webhooks")]
    ManageWebhooks,
}

impl From<ScopeDto> for crate::auth::client::Scope {
    fn from(s: ScopeDto) -> Self {
        use crate::auth::client::Scope;
        match s {
            ScopeDto::ReadDirectory => Scope::ReadDirectory,
            ScopeDto::ReadCases => Scope::ReadCases,
            ScopeDto::WriteTickets => Scope::WriteTickets,
            ScopeDto::ManageWebhooks => Scope::ManageWebhooks,
        }
    }
}

impl From<crate::auth::client::Scope> for ScopeDto {
    fn from(s: crate::auth::client::Scope) -> Self {
        use crate::auth::client::Scope;
        match s {
            Scope::ReadDirectory => ScopeDto::ReadDirectory,
            Scope::ReadCases => ScopeDto::ReadCases,
            Scope::WriteTickets => ScopeDto::WriteTickets,
            Scope::ManageWebhooks => ScopeDto::ManageWebhooks,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "青山区数字人大平台", "region_id": "0193b6c4-8a7e-7d2a-9c1e-2f4b5a6c7d8e", "scopes": ["read:cases", "write:tickets"]}))]
pub struct CreateClientRequest {
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// The region (and everything under it) the client may see.
    pub region_id: Uuid,
    /// At least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<ScopeDto>,
}

#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientRequest {
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    /// Replaces the granted scopes (tokens already issued lose withdrawn scopes at once); at
    /// least one.
    #[schema(min_items = 1)]
    pub scopes: Option<Vec<ScopeDto>>,
    /// A disabled client cannot get tokens, and its tokens stop working at once.
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema, Default, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretRequest {
    /// How long the old secret keeps working, in seconds (0 to 604800; default 86400).
    #[schema(minimum = 0, maximum = 604800)]
    pub grace_seconds: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientDto {
    pub id: Uuid,
    pub name: String,
    pub region_id: Uuid,
    pub scopes: Vec<ScopeDto>,
    pub disabled: bool,
    /// Until when the secret before the last rotation still works.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A client with its secret: shown once, at creation and rotation (`Cache-Control: no-store`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientWithSecretDto {
    #[serde(flatten)]
    pub client: ClientDto,
    pub client_secret: String,
}

/// `POST /auth/token`: OAuth 2.0 client credentials, form-encoded or JSON. The credentials may
/// come in the body or as HTTP Basic authentication.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `client_credentials`.
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated; defaults to every granted scope.
    pub scope: Option<String>,
}

/// A machine client's access token (client credentials grant): no refresh token, no user.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientTokenResponse {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: i64,
    pub scope: String,
}

impl From<api_client::Model> for ClientDto {
    fn from(c: api_client::Model) -> Self {
        ClientDto {
            id: c.id,
            name: c.name,
            region_id: c.region_id,
            scopes: client::parse_scopes(&c.scopes)
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            disabled: c.disabled,
            previous_secret_valid_until: c
                .previous_valid_until
                .filter(|_| c.previous_secret_hash.is_some()),
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}
