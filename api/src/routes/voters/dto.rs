//! Wire types of WeChat sign-in, phone binding and the personal-data export.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::routes::appointments::dto::AppointmentDto;
use crate::routes::submissions::dto::SubmissionDto;
use crate::routes::users::dto::UserDto;

/// The code of `wx.login` (or of `getPhoneNumber`).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "0a3Xyz000abcDE1dEx000Kk5Zc3Xyz0a"}))]
pub struct WeChatCodeRequest {
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub code: String,
}

/// The caller's bound phone.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhoneDto {
    /// The number as WeChat verified it (digits, without country code).
    #[schema(example = "13800138000")]
    pub phone: String,
    pub verified_at: DateTime<Utc>,
}

/// The WeChat identity held for a voter.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeChatIdentityDto {
    pub openid: String,
    pub unionid: Option<String>,
    pub phone: Option<String>,
    pub phone_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A sign-in session of the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Everything the service holds about the caller (the PIPL right of access).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataDto {
    pub account: UserDto,
    pub wechat: Option<WeChatIdentityDto>,
    /// Every submission made with this account, contact details in full.
    pub submissions: Vec<SubmissionDto>,
    pub appointments: Vec<AppointmentDto>,
    pub sessions: Vec<SessionDto>,
    pub exported_at: DateTime<Utc>,
}
