//! Sessions below the features: why one was revoked, revoking them, storing a password hash, and
//! what signing tokens takes. The sign-in feature (`routes::auth`) opens sessions and issues
//! tokens; account administration (`routes::users`) ends them when a password is reset or an
//! account disabled. Both use these, so neither has to know the other.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{auth_session, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::jwt::JwtKeys;

/// Why a session was revoked (stored in `auth_sessions.revoked_reason`).
pub mod reason {
    pub const LOGOUT: &str = "logout";
    pub const REUSED: &str = "refresh_token_reused";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const DISABLED: &str = "disabled";
}

/// What signing a session's tokens takes: the keys of the access tokens and a session's lifetime.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    pub jwt: &'a JwtKeys,
    pub session_ttl: Duration,
}

/// Stores a new password hash.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    hash: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every live session of `user_id` but `except`; returns how many.
pub async fn revoke_sessions(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    why: &str,
    except: Option<Uuid>,
) -> Result<u64, DbErr> {
    let mut update = auth_session::Entity::update_many()
        .col_expr(
            auth_session::Column::RevokedAt,
            Expr::value(crate::clock::now()),
        )
        .col_expr(auth_session::Column::RevokedReason, Expr::value(why))
        .filter(auth_session::Column::UserId.eq(user_id))
        .filter(auth_session::Column::RevokedAt.is_null());
    if let Some(keep) = except {
        update = update.filter(auth_session::Column::Id.ne(keep));
    }
    Ok(update.exec(db).await?.rows_affected)
}

pub async fn revoke_session(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(now))
        .col_expr(auth_session::Column::RevokedReason, Expr::value(why))
        .filter(auth_session::Column::Id.eq(session_id))
        .filter(auth_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
