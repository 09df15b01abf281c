//! Staff accounts: creation, listing, updates and password resets, each within the acting
//! administrator's region scope.
//!
//! The scope rules: an administrator sees and manages the users whose region lies in their own
//! subtree (a global administrator, everyone); a user outside it does not exist for them (404).
//! They may place users only inside their subtree, and only a global administrator creates
//! another global administrator. Nobody changes their own role, region or disabled flag here, so
//! that an administrator cannot lock themselves (or the district) out by mistake.

use entity::user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::session::{reason, revoke_sessions, set_password_hash};
use crate::auth::{AuthUser, RegionScope, Role, password};
use crate::db::{Db, contains};
use crate::domain::Username;
use crate::error::{ApiError, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// A checked request to create a user.
#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub region_id: Option<Uuid>,
}

/// Checked changes to a user.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub region_id: Option<Uuid>,
    pub disabled: Option<bool>,
}

/// Filters of the user list.
#[derive(Debug, Default)]
pub struct UserQuery {
    pub role: Option<Role>,
    pub region_id: Option<Uuid>,
    pub disabled: Option<bool>,
    pub q: Option<String>,
}

fn out_of_scope() -> ApiError {
    ApiError::Forbidden(Text::fixed(
        "不能把用户分配到您管辖范围以外的区域。",
        "You cannot place a user in a region outside your scope.",
    ))
}

fn username_taken() -> ApiError {
    ApiError::Conflict(Text::fixed(
        "该用户名已被使用。",
        "This username is already taken.",
    ))
}

/// Checks where a user with `role` may be placed by `caller`.
async fn check_placement(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    role: Role,
    region_id: Option<Uuid>,
) -> Result<(), ApiError> {
    match region_id {
        None if role != Role::Admin => Err(ApiError::validation(
            "region_id",
            "required",
            Text::fixed(
                "除全局管理员外，用户必须属于一个区域。",
                "Every user but a global administrator needs a region.",
            ),
        )),
        None if caller.scope() != RegionScope::Global => Err(out_of_scope()),
        None => Ok(()),
        Some(region_id) => {
            crate::routes::regions::service::existing(db, region_id).await?;
            if !caller.scope().contains(db, Some(region_id)).await? {
                return Err(out_of_scope());
            }
            Ok(())
        }
    }
}

/// Creates a user.
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewUser,
) -> Result<user::Model, ApiError> {
    check_placement(db.reader(), caller, new.role, new.region_id).await?;
    insert(db, Actor::user(caller, client), new).await
}

/// Creates a global administrator from the command line (`lianluo create-admin`).
pub async fn create_global_admin(
    db: &Db,
    username: Username,
    display_name: String,
    password: String,
) -> Result<user::Model, ApiError> {
    let client = ClientInfo::default();
    let new = NewUser {
        username,
        display_name,
        password,
        role: Role::Admin,
        region_id: None,
    };
    insert(db, Actor::system(&client), new).await
}

async fn insert(db: &Db, actor: Actor<'_>, new: NewUser) -> Result<user::Model, ApiError> {
    let taken = user::Entity::find()
        .filter(user::Column::UsernameKey.eq(new.username.key()))
        .one(db.reader())
        .await?;
    if taken.is_some() {
        return Err(username_taken());
    }
    let password = new.password;
    let hash = password::blocking(move || password::hash(&password))
        .await?
        .map_err(ApiError::internal)?;
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username.as_str().to_owned()),
        username_key: Set(new.username.key().to_owned()),
        display_name: Set(new.display_name),
        password_hash: Set(Some(hash)),
        role: Set(new.role),
        region_id: Set(new.region_id),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => username_taken(),
        _ => err.into(),
    })?;
    audit::record(
        &txn,
        actor,
        Entry::new("user.create", "user", created.id)
            .region(created.region_id)
            .details(serde_json::json!({
                "username": created.username,
                "role": sea_orm::ActiveEnum::to_value(&created.role),
                "region_id": created.region_id,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The user with `id`, whoever they are (for the caller's own account).
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<user::Model, ApiError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The user with `id` if it lies in `scope`; 404 otherwise.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: RegionScope,
    id: Uuid,
) -> Result<user::Model, ApiError> {
    let user = find(db, id).await?;
    scope.ensure_contains(db, user.region_id).await?;
    Ok(user)
}

/// A page of users in `scope`, newest first, after the user with id `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: RegionScope,
    query: UserQuery,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<user::Model>, ApiError> {
    let mut select = user::Entity::find().filter(scope.condition(user::Column::RegionId));
    if let Some(region_id) = query.region_id {
        scope.ensure_contains(db, Some(region_id)).await?;
        select = select.filter(RegionScope::Subtree(region_id).condition(user::Column::RegionId));
    }
    if let Some(role) = query.role {
        select = select.filter(user::Column::Role.eq(role));
    }
    if let Some(disabled) = query.disabled {
        select = select.filter(user::Column::Disabled.eq(disabled));
    }
    if let Some(q) = query.q.as_deref() {
        select = select.filter(
            Condition::any()
                .add(contains(user::Column::UsernameKey, q))
                .add(contains(user::Column::DisplayName, q)),
        );
    }
    if let Some(after) = after {
        select = select.filter(user::Column::Id.lt(after));
    }
    Ok(select
        .order_by_desc(user::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?)
}

fn cannot_change_self() -> ApiError {
    ApiError::Rule {
        code: "cannot_change_own_account",
        message: Text::fixed(
            "不能修改自己的角色、区域或停用状态，请由其他管理员操作。",
            "You cannot change your own role, region or disabled flag; ask another administrator.",
        ),
    }
}

/// Applies `changes` to the user with `id`, after `precondition` accepted its current state
/// (the handler's `If-Match` check), all in one transaction.
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    changes: UserChanges,
    precondition: impl FnOnce(&user::Model) -> Result<(), ApiError>,
) -> Result<user::Model, ApiError> {
    let touches_access =
        changes.role.is_some() || changes.region_id.is_some() || changes.disabled.is_some();
    if id == caller.id && touches_access {
        return Err(cannot_change_self());
    }
    let txn = db.begin_write().await?;
    let current = get(&txn, caller.scope(), id).await?;
    precondition(&current)?;
    let role = changes.role.unwrap_or(current.role);
    let region_id = changes.region_id.or(current.region_id);
    if changes.role.is_some() || changes.region_id.is_some() {
        check_placement(&txn, caller, role, region_id).await?;
    }
    let was_disabled = current.disabled;
    let mut active: user::ActiveModel = current.into();
    if let Some(name) = changes.display_name.clone() {
        active.display_name = Set(name);
    }
    if let Some(role) = changes.role {
        active.role = Set(role);
    }
    if let Some(region_id) = changes.region_id {
        active.region_id = Set(Some(region_id));
    }
    if let Some(disabled) = changes.disabled {
        active.disabled = Set(disabled);
    }
    active.updated_at = Set(crate::clock::now());
    let updated = active.update(&txn).await?;
    if updated.disabled && !was_disabled {
        revoke_sessions(&txn, updated.id, reason::DISABLED, None).await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("user.update", "user", updated.id)
            .region(updated.region_id)
            .details(serde_json::json!({
                "display_name": changes.display_name,
                "role": changes.role.map(|r| sea_orm::ActiveEnum::to_value(&r)),
                "region_id": changes.region_id,
                "disabled": changes.disabled,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Sets a new password for the user with `id` and signs them out everywhere.
pub async fn reset_password(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    new_password: String,
) -> Result<(), ApiError> {
    let target = get(db.reader(), caller.scope(), id).await?;
    password::check_policy("password", &new_password, Some(&target.username))
        .map_err(|e: FieldError| ApiError::Validation(vec![e]))?;
    let hash = password::blocking(move || password::hash(&new_password))
        .await?
        .map_err(ApiError::internal)?;
    let txn = db.begin_write().await?;
    // Re-read inside the transaction: the user may have moved out of scope meanwhile.
    let target = get(&txn, caller.scope(), id).await?;
    set_password_hash(&txn, target.id, hash, crate::clock::now()).await?;
    revoke_sessions(&txn, target.id, reason::PASSWORD_RESET, None).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("user.password_reset", "user", target.id).region(target.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
