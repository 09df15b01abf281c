//! Machine clients: creating, changing, rotating secrets, and trading credentials for tokens.

use chrono::{DateTime, Utc};
use entity::api_client;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::auth::client::{self, Scope};
use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::LoginThrottle;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// The longest a rotated secret may keep working.
pub const MAX_GRACE_SECS: i64 = 7 * 24 * 3600;
pub const DEFAULT_GRACE_SECS: i64 = 24 * 3600;

fn no_scopes() -> ApiError {
    ApiError::validation(
        "scopes",
        "required",
        Text::fixed("至少授予一项权限范围。", "Grant at least one scope."),
    )
}

/// Creates a client; returns it with its secret (shown once).
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    info: &ClientInfo,
    name: String,
    region_id: Uuid,
    scopes: Vec<Scope>,
) -> Result<(api_client::Model, String), ApiError> {
    if scopes.is_empty() {
        return Err(no_scopes());
    }
    // Regions are public: one outside the caller's scope is refused, as for stations and users.
    caller
        .scope()
        .ensure_contains(db.reader(), Some(region_id))
        .await
        .map_err(|_| ApiError::out_of_scope())?;
    let secret = client::new_secret();
    let now = crate::clock::now();
    let mut scopes = scopes;
    scopes.sort();
    scopes.dedup();
    let txn = db.begin_write().await?;
    let row = api_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        region_id: Set(region_id),
        scopes: Set(client::format_scopes(&scopes)),
        secret_hash: Set(client::hash_secret(&secret)),
        previous_secret_hash: Set(None),
        previous_valid_until: Set(None),
        disabled: Set(false),
        created_by: Set(Some(caller.id)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, info),
        Entry::new("client.create", "api_client", row.id)
            .region(Some(region_id))
            .details(serde_json::json!({"name": row.name, "scopes": row.scopes})),
    )
    .await?;
    txn.commit().await?;
    Ok((row, secret))
}

/// The client `id` if it lies in the caller's scope (404 otherwise).
pub async fn find(
    db: &impl sea_orm::ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<api_client::Model, ApiError> {
    api_client::Entity::find_by_id(id)
        .filter(caller.scope().condition(api_client::Column::RegionId))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A page of the clients in the caller's scope, newest first.
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    caller: &AuthUser,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<api_client::Model>, ApiError> {
    let query =
        api_client::Entity::find().filter(caller.scope().condition(api_client::Column::RegionId));
    Ok(crate::db::keyset::newest_first(
        query,
        api_client::Column::CreatedAt,
        api_client::Column::Id,
        after,
        limit,
    )
    .all(db)
    .await?)
}

/// Changes name, scopes or the disabled flag.
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    info: &ClientInfo,
    id: Uuid,
    name: Option<String>,
    scopes: Option<Vec<Scope>>,
    disabled: Option<bool>,
) -> Result<api_client::Model, ApiError> {
    if scopes.as_ref().is_some_and(Vec::is_empty) {
        return Err(no_scopes());
    }
    let txn = db.begin_write().await?;
    let current = find(&txn, caller, id).await?;
    let mut row = current.clone().into_active_model();
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(mut scopes) = scopes {
        scopes.sort();
        scopes.dedup();
        row.scopes = Set(client::format_scopes(&scopes));
    }
    if let Some(disabled) = disabled {
        row.disabled = Set(disabled);
    }
    row.version = Set(current.version + 1);
    row.updated_at = Set(crate::clock::now());
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, info),
        Entry::new("client.update", "api_client", id)
            .region(Some(updated.region_id))
            .details(serde_json::json!({
                "name": updated.name,
                "scopes": updated.scopes,
                "disabled": updated.disabled,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A new secret; the old one works for `grace_secs` more.
pub async fn rotate(
    db: &Db,
    caller: &AuthUser,
    info: &ClientInfo,
    id: Uuid,
    grace_secs: i64,
) -> Result<(api_client::Model, String), ApiError> {
    if !(0..=MAX_GRACE_SECS).contains(&grace_secs) {
        return Err(ApiError::validation(
            "grace_seconds",
            "range",
            Text::fixed(
                "旧密钥的宽限期须在 0 到 604800 秒之间。",
                "The grace period must be 0 to 604800 seconds.",
            ),
        ));
    }
    let secret = client::new_secret();
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let current = find(&txn, caller, id).await?;
    let mut row = current.clone().into_active_model();
    row.previous_secret_hash = Set((grace_secs > 0).then(|| current.secret_hash.clone()));
    row.previous_valid_until =
        Set((grace_secs > 0).then(|| now + chrono::Duration::seconds(grace_secs)));
    row.secret_hash = Set(client::hash_secret(&secret));
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, info),
        Entry::new("client.rotate_secret", "api_client", id)
            .region(Some(updated.region_id))
            .details(serde_json::json!({"grace_seconds": grace_secs})),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, secret))
}

/// Trades client credentials for a token: (token, lifetime in seconds, granted scopes).
pub async fn token(
    db: &Db,
    jwt: &JwtKeys,
    throttle: &LoginThrottle,
    info: &ClientInfo,
    client_id: &str,
    secret: &str,
    requested: Option<&str>,
) -> Result<(String, i64, String), ApiError> {
    // Guessing secrets costs the same budget as guessing passwords, per client and address.
    throttle.check(&format!("client:{client_id}"), info.ip.as_deref())?;
    let id: Uuid = client_id
        .parse()
        .map_err(|_| ApiError::InvalidCredentials)?;
    let found = api_client::Entity::find_by_id(id)
        .one(db.reader())
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let now = crate::clock::now();
    let current = client::secret_matches(secret, &found.secret_hash);
    let previous = found
        .previous_secret_hash
        .as_deref()
        .zip(found.previous_valid_until)
        .is_some_and(|(hash, until)| until > now && client::secret_matches(secret, hash));
    if !current && !previous {
        return Err(ApiError::InvalidCredentials);
    }
    if found.disabled {
        return Err(ApiError::denied(
            "client_disabled",
            "该接入系统已停用。",
            "This client is disabled.",
        ));
    }
    let granted = client::parse_scopes(&found.scopes).unwrap_or_default();
    let scopes = match requested {
        None => granted,
        Some(asked) => {
            let asked = client::parse_scopes(asked).map_err(|name| {
                ApiError::validation(
                    "scope",
                    "unknown_scope",
                    Text::new(
                        format!("没有名为 {name} 的权限范围。"),
                        format!("There is no scope named {name}."),
                    ),
                )
            })?;
            if let Some(extra) = asked.iter().find(|s| !granted.contains(s)) {
                return Err(ApiError::Denied {
                    code: "invalid_scope",
                    message: Text::new(
                        format!("该接入系统未被授予 {extra}。"),
                        format!("The client was not granted {extra}."),
                    ),
                });
            }
            if asked.is_empty() { granted } else { asked }
        }
    };
    let scope = client::format_scopes(&scopes);
    let ttl = jwt.ttl();
    let (token, _) = jwt
        .issue_client(found.id, &scope, ttl, now)
        .map_err(ApiError::internal)?;
    Ok((
        token,
        i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
        scope,
    ))
}
