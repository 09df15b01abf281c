//! Sign-in, token refresh with rotation and reuse detection, sign-out, password change.
//!
//! A session is one sign-in. Its refresh tokens form a chain: each one works once and is
//! replaced by the next. Presenting a used one means two parties hold the chain (a stolen token),
//! so the whole session is revoked, which also stops its access tokens at once.

use chrono::{DateTime, Utc};
use entity::{auth_session, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::jwt::audience_of;
use crate::auth::session::{Signing, reason, revoke_session, revoke_sessions, set_password_hash};
use crate::auth::throttle::LoginThrottle;
use crate::auth::{AuthUser, Role, password, refresh};
use crate::db::Db;
use crate::domain::Username;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// What a successful sign-in or refresh hands out.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub user: user::Model,
}

/// Signs a staff member in with their username and password.
pub async fn login(
    db: &Db,
    signing: Signing<'_>,
    throttle: &LoginThrottle,
    client: &ClientInfo,
    username: &str,
    password: &str,
) -> Result<Tokens, ApiError> {
    let key = Username::key_of(username);
    throttle.check(&key, client.ip.as_deref())?;

    let found = user::Entity::find()
        .filter(user::Column::UsernameKey.eq(key))
        .one(db.reader())
        .await?;
    let candidate = found.and_then(|u| match (&u.password_hash, u.role) {
        (_, Role::Voter) | (None, _) => None,
        (Some(hash), _) => Some((hash.clone(), u)),
    });
    let password = password.to_owned();
    let Some((hash, user)) = candidate else {
        // Same work, same answer as a wrong password: the response says nothing about the name.
        password::blocking(move || password::verify_dummy(&password)).await?;
        return Err(ApiError::InvalidCredentials);
    };
    if !password::blocking(move || password::verify(&password, &hash)).await? {
        let txn = db.begin_write().await?;
        audit::record(
            &txn,
            Actor::system(client),
            Entry::new("auth.login_failed", "user", user.id).region(user.region_id),
        )
        .await?;
        txn.commit().await?;
        return Err(ApiError::InvalidCredentials);
    }
    if user.disabled {
        return Err(ApiError::AccountDisabled);
    }

    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let (session, refresh_token) = open_session(&txn, signing, user.id, client, now).await?;
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(now))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let caller = caller_of(&user, session.id);
    audit::record(
        &txn,
        Actor::user(&caller, client),
        Entry::new("auth.login", "user", user.id).region(user.region_id),
    )
    .await?;
    txn.commit().await?;

    let user = user::Model {
        last_login_at: Some(now),
        ..user
    };
    issue(signing, user, &session, refresh_token, now)
}

/// Exchanges a refresh token for new tokens. A token used twice revokes its session.
pub async fn refresh(
    db: &Db,
    signing: Signing<'_>,
    client: &ClientInfo,
    token: &str,
) -> Result<Tokens, ApiError> {
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let found = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(refresh::hash(token)))
        .find_also_related(auth_session::Entity)
        .one(&txn)
        .await?;
    let Some((stored, Some(session))) = found else {
        return Err(ApiError::InvalidRefreshToken);
    };
    if session.revoked_at.is_some() {
        return Err(ApiError::InvalidRefreshToken);
    }
    // Mark it used only if nobody else did: of two concurrent exchanges, exactly one wins.
    let claimed = if stored.used_at.is_none() {
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
            .filter(refresh_token::Column::Id.eq(stored.id))
            .filter(refresh_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1
    } else {
        false
    };
    if !claimed {
        revoke_session(&txn, session.id, reason::REUSED, now).await?;
        audit::record(
            &txn,
            Actor::system(client),
            Entry::new("auth.refresh_token_reused", "session", session.id)
                .details(serde_json::json!({"user_id": session.user_id})),
        )
        .await?;
        txn.commit().await?;
        tracing::warn!(session = %session.id, "a used refresh token was presented; session revoked");
        return Err(ApiError::InvalidRefreshToken);
    }
    if stored.expires_at <= now || session.expires_at <= now {
        return Err(ApiError::InvalidRefreshToken);
    }
    let user = user::Entity::find_by_id(session.user_id)
        .one(&txn)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(ApiError::InvalidRefreshToken)?;
    let refresh_token = insert_refresh_token(&txn, &session, now).await?;
    txn.commit().await?;
    issue(signing, user, &session, refresh_token, now)
}

/// Ends the caller's session: its refresh token and its access tokens stop working.
pub async fn logout(db: &Db, caller: &AuthUser, client: &ClientInfo) -> Result<(), ApiError> {
    let txn = db.begin_write().await?;
    revoke_session(&txn, caller.session_id, reason::LOGOUT, crate::clock::now()).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("auth.logout", "session", caller.session_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Changes the caller's own password after checking the current one; their other sessions end.
pub async fn change_password(
    db: &Db,
    throttle: &LoginThrottle,
    caller: &AuthUser,
    client: &ClientInfo,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    // Guessing the current password through this endpoint costs the same budget as logging in.
    throttle.check(&Username::key_of(&caller.username), client.ip.as_deref())?;
    // Voters sign in through WeChat: there is no password to change (asked before the new
    // password's policy, which would otherwise answer a question that does not arise).
    let stored = user::Entity::find_by_id(caller.id)
        .one(db.reader())
        .await?
        .and_then(|u| u.password_hash)
        .ok_or_else(|| {
            ApiError::denied(
                "no_password",
                "您的账号通过微信登录，没有可修改的密码。",
                "Your account signs in with WeChat and has no password to change.",
            )
        })?;
    password::check_policy("new_password", new, Some(&caller.username))
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let current = current.to_owned();
    if !password::blocking(move || password::verify(&current, &stored)).await? {
        return Err(ApiError::validation(
            "current_password",
            "incorrect",
            Text::fixed("当前密码不正确。", "The current password is incorrect."),
        ));
    }
    let new = new.to_owned();
    let hash = password::blocking(move || password::hash(&new))
        .await?
        .map_err(ApiError::internal)?;
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    set_password_hash(&txn, caller.id, hash, now).await?;
    revoke_sessions(
        &txn,
        caller.id,
        reason::PASSWORD_CHANGED,
        Some(caller.session_id),
    )
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("user.password_change", "user", caller.id).region(caller.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    session: &auth_session::Model,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = refresh::generate();
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session.id),
        token_hash: Set(refresh::hash(&token)),
        created_at: Set(now),
        expires_at: Set(session.expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn caller_of(user: &user::Model, session_id: Uuid) -> AuthUser {
    AuthUser {
        id: user.id,
        username: user.username.clone(),
        role: user.role,
        region_id: user.region_id,
        session_id,
        client: None,
    }
}

fn issue(
    signing: Signing<'_>,
    user: user::Model,
    session: &auth_session::Model,
    refresh_token: String,
    now: DateTime<Utc>,
) -> Result<Tokens, ApiError> {
    let (access_token, access_expires_at) = signing
        .jwt
        .issue(user.id, session.id, audience_of(user.role), now)
        .map_err(ApiError::internal)?;
    Ok(Tokens {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at: session.expires_at,
        user,
    })
}

/// Issues tokens for `user` in a new session, without a password (the test harness and future
/// sign-in methods such as WeChat use this).
pub async fn start_session(
    db: &Db,
    signing: Signing<'_>,
    user: user::Model,
    client: &ClientInfo,
) -> Result<Tokens, ApiError> {
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let (session, refresh_token) = open_session(&txn, signing, user.id, client, now).await?;
    txn.commit().await?;
    issue(signing, user, &session, refresh_token, now)
}

/// A new session for `user_id` with its first refresh token.
async fn open_session(
    db: &impl ConnectionTrait,
    signing: Signing<'_>,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(auth_session::Model, String), ApiError> {
    let lifetime = chrono::Duration::from_std(signing.session_ttl).map_err(ApiError::internal)?;
    let session = auth_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        client_ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.clone()),
    }
    .insert(db)
    .await?;
    let refresh_token = insert_refresh_token(db, &session, now).await?;
    Ok((session, refresh_token))
}
