//! Wire types of `/api/v1/users` and `/api/v1/me`.

use chrono::{DateTime, Utc};
use entity::user;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// District or town administrator (人大常委会联工委、街道人大工委), scoped to a region subtree.
    Admin,
    /// Station head, deputy head or liaison officer (站长、副站长、联络员).
    StationStaff,
    /// A people's deputy (人大代表) with a login.
    Deputy,
    /// A handling unit's staff (承办单位).
    UnitHandler,
    /// A voter (选民); created by WeChat login, never by an administrator.
    Voter,
}

impl From<user::Role> for RoleDto {
    fn from(role: user::Role) -> Self {
        match role {
            user::Role::Admin => RoleDto::Admin,
            user::Role::StationStaff => RoleDto::StationStaff,
            user::Role::Deputy => RoleDto::Deputy,
            user::Role::UnitHandler => RoleDto::UnitHandler,
            user::Role::Voter => RoleDto::Voter,
        }
    }
}

impl From<RoleDto> for user::Role {
    fn from(role: RoleDto) -> Self {
        match role {
            RoleDto::Admin => user::Role::Admin,
            RoleDto::StationStaff => user::Role::StationStaff,
            RoleDto::Deputy => user::Role::Deputy,
            RoleDto::UnitHandler => user::Role::UnitHandler,
            RoleDto::Voter => user::Role::Voter,
        }
    }
}

/// A staff account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    /// Sign-in name, unique regardless of case.
    #[schema(example = "wangfang")]
    pub username: String,
    /// The name shown to colleagues.
    #[schema(example = "王芳")]
    pub display_name: String,
    pub role: RoleDto,
    /// Root of the region subtree the user works in; `null` only for global administrators.
    pub region_id: Option<Uuid>,
    /// A disabled user cannot sign in, and their tokens stop working at once.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<user::Model> for UserDto {
    fn from(user: user::Model) -> Self {
        UserDto {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role.into(),
            region_id: user.region_id,
            disabled: user.disabled,
            created_at: user.created_at,
            updated_at: user.updated_at,
            last_login_at: user.last_login_at,
        }
    }
}

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "username": "wangfang",
    "display_name": "王芳",
    "password": "station-staff-2026",
    "role": "station_staff",
    "region_id": "0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e"
}))]
pub struct CreateUserRequest {
    /// 2 to 64 letters, digits, `.`, `_`, `-` or `@`.
    #[schema(
        min_length = 2,
        max_length = 64,
        pattern = r"^\s*[^\s\x00-\x2C/:-?\[-\^`{-\x9F]{2,64}\s*$"
    )]
    pub username: String,
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub display_name: String,
    /// 10 to 128 characters, at least 3 different ones, not the username.
    #[schema(min_length = 10, max_length = 128, format = Password)]
    pub password: String,
    /// Any role but `voter`.
    pub role: RoleDto,
    /// Required, except for a global administrator (which only a global administrator creates).
    pub region_id: Option<Uuid>,
}

/// Changes to a staff account; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "王芳（站长）", "disabled": false}))]
pub struct UpdateUserRequest {
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub display_name: Option<String>,
    pub role: Option<RoleDto>,
    pub region_id: Option<Uuid>,
    pub disabled: Option<bool>,
}

/// A new password set by an administrator.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    #[schema(min_length = 10, max_length = 128, format = Password)]
    pub password: String,
}

/// Filters of the user list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UserFilters {
    pub role: Option<RoleDto>,
    /// Users whose region lies in this region's subtree.
    pub region_id: Option<Uuid>,
    pub disabled: Option<bool>,
    /// Username or display name contains this text (case-insensitive).
    #[validate(length(min = 1, max = 64))]
    #[param(min_length = 1, max_length = 64)]
    pub q: Option<String>,
}
