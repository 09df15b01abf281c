//! Units: who sees which, creating and changing them, and setting their handlers.
//!
//! Administrators manage the units of their scope. Station staff and deputies see the units
//! they can assign to: those of their region's subtree and of the regions above it (a town's
//! station assigns to the district's bureaus). A handler sees the units they act for.

use entity::unit::{self, UnitKind};
use entity::user::Role;
use entity::{region_closure, unit_member, user};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// The most handlers a unit lists.
pub const MAX_MEMBERS: usize = 50;

/// A unit with its handlers.
#[derive(Debug, Clone)]
pub struct UnitView {
    pub unit: unit::Model,
    pub members: Vec<user::Model>,
}

/// The units `caller` may see.
pub fn visible(caller: &AuthUser) -> Result<Condition, ApiError> {
    match caller.role {
        Role::Admin => Ok(caller.scope().condition(unit::Column::RegionId)),
        Role::StationStaff | Role::Deputy => {
            let Some(region) = caller.region_id else {
                return Ok(Condition::all().add(Expr::value(false)));
            };
            Ok(Condition::any()
                .add(caller.scope().condition(unit::Column::RegionId))
                .add(
                    unit::Column::RegionId.in_subquery(
                        Query::select()
                            .column(region_closure::Column::AncestorId)
                            .from(region_closure::Entity)
                            .and_where(region_closure::Column::DescendantId.eq(region))
                            .to_owned(),
                    ),
                ))
        }
        Role::UnitHandler => Ok(Condition::all().add(
            unit::Column::Id.in_subquery(
                Query::select()
                    .column(unit_member::Column::UnitId)
                    .from(unit_member::Entity)
                    .and_where(unit_member::Column::UserId.eq(caller.id))
                    .to_owned(),
            ),
        )),
        Role::Voter => Err(ApiError::forbidden()),
    }
}

async fn with_members(
    db: &impl ConnectionTrait,
    units: Vec<unit::Model>,
) -> Result<Vec<UnitView>, ApiError> {
    let ids: Vec<Uuid> = units.iter().map(|u| u.id).collect();
    let rows = unit_member::Entity::find()
        .filter(unit_member::Column::UnitId.is_in(ids))
        .find_also_related(user::Entity)
        .order_by(unit_member::Column::AddedAt, Order::Asc)
        .all(db)
        .await?;
    Ok(units
        .into_iter()
        .map(|unit| {
            let members = rows
                .iter()
                .filter(|(m, _)| m.unit_id == unit.id)
                .filter_map(|(_, u)| u.clone())
                .collect();
            UnitView { unit, members }
        })
        .collect())
}

/// Filters of the unit list.
#[derive(Debug, Default)]
pub struct Filter {
    pub region_id: Option<Uuid>,
    pub kind: Option<UnitKind>,
    pub include_archived: bool,
    pub q: Option<String>,
}

/// A page of the units `caller` may see, by id.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<UnitView>, ApiError> {
    let mut query = unit::Entity::find().filter(visible(caller)?);
    if let Some(region) = filter.region_id {
        query = query.filter(
            crate::auth::scope::RegionScope::Subtree(region).condition(unit::Column::RegionId),
        );
    }
    if let Some(kind) = filter.kind {
        query = query.filter(unit::Column::Kind.eq(kind));
    }
    if !filter.include_archived {
        query = query.filter(unit::Column::Archived.eq(false));
    }
    if let Some(q) = &filter.q {
        query = query.filter(crate::db::contains(unit::Column::Name, q.trim()));
    }
    if let Some(after) = after {
        query = query.filter(unit::Column::Id.gt(after));
    }
    let units = query
        .order_by(unit::Column::Id, Order::Asc)
        .limit(limit + 1)
        .all(db)
        .await?;
    with_members(db, units).await
}

/// The unit `id` as `caller` may see it (404 otherwise).
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<UnitView, ApiError> {
    let condition = visible(caller).map_err(|_| ApiError::NotFound)?;
    let unit = unit::Entity::find_by_id(id)
        .filter(condition)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    with_members(db, vec![unit])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn taken() -> ApiError {
    ApiError::clash(
        "unit_name_taken",
        "本区域已有同名的承办单位。",
        "A unit of this name already exists in the region.",
    )
}

/// Creates a unit in `region_id`, which must lie in the administrator's scope.
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    region_id: Uuid,
    name: String,
    kind: UnitKind,
    phone: Option<String>,
) -> Result<UnitView, ApiError> {
    let txn = db.begin_write().await?;
    if entity::region::Entity::find_by_id(region_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(ApiError::validation(
            "region_id",
            "unknown",
            Text::fixed("没有这个区域。", "There is no such region."),
        ));
    }
    if !caller.scope().contains(&txn, Some(region_id)).await? {
        return Err(ApiError::out_of_scope());
    }
    let key = name_key(&name);
    let exists = unit::Entity::find()
        .filter(unit::Column::RegionId.eq(region_id))
        .filter(unit::Column::NameKey.eq(key.as_str()))
        .one(&txn)
        .await?;
    if exists.is_some() {
        return Err(taken());
    }
    let now = crate::clock::now();
    let row = unit::ActiveModel {
        id: Set(Uuid::now_v7()),
        region_id: Set(region_id),
        name: Set(name),
        name_key: Set(key),
        kind: Set(kind),
        phone: Set(phone),
        archived: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => taken(),
        other => other,
    })?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("unit.create", "unit", row.id).region(Some(region_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(UnitView {
        unit: row,
        members: Vec::new(),
    })
}

/// Changes to a unit.
#[derive(Debug, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub kind: Option<UnitKind>,
    pub phone: Option<Option<String>>,
    pub archived: Option<bool>,
}

/// The unit `id`, which the administrator must manage (404 outside their scope; other roles 403).
async fn managed(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<unit::Model, ApiError> {
    caller.require(&[Role::Admin])?;
    unit::Entity::find_by_id(id)
        .filter(caller.scope().condition(unit::Column::RegionId))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Applies `changes` if `check` accepts the current unit (the handler's If-Match).
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    changes: Changes,
    check: impl FnOnce(&UnitView) -> Result<(), ApiError>,
) -> Result<UnitView, ApiError> {
    let txn = db.begin_write().await?;
    let current = managed(&txn, caller, id).await?;
    let view = with_members(&txn, vec![current.clone()])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    check(&view)?;
    let mut row: unit::ActiveModel = current.clone().into();
    if let Some(name) = changes.name {
        let key = name_key(&name);
        if key != current.name_key {
            let exists = unit::Entity::find()
                .filter(unit::Column::RegionId.eq(current.region_id))
                .filter(unit::Column::NameKey.eq(key.as_str()))
                .one(&txn)
                .await?;
            if exists.is_some() {
                return Err(taken());
            }
        }
        row.name = Set(name);
        row.name_key = Set(key);
    }
    if let Some(kind) = changes.kind {
        row.kind = Set(kind);
    }
    if let Some(phone) = changes.phone {
        row.phone = Set(phone);
    }
    if let Some(archived) = changes.archived {
        row.archived = Set(archived);
    }
    row.updated_at = Set(crate::clock::now());
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("unit.update", "unit", id).region(Some(updated.region_id)),
    )
    .await?;
    let view = with_members(&txn, vec![updated])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(view)
}

/// Replaces the unit's handlers with `user_ids`: each a `unit_handler` account in the
/// administrator's scope.
pub async fn set_members(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    user_ids: Vec<Uuid>,
) -> Result<UnitView, ApiError> {
    let txn = db.begin_write().await?;
    let current = managed(&txn, caller, id).await?;
    let mut errors = Vec::new();
    if user_ids.len() > MAX_MEMBERS {
        errors.push(crate::error::FieldError::new(
            "user_ids",
            "too_many",
            Text::new(
                format!("最多 {MAX_MEMBERS} 人。"),
                format!("At most {MAX_MEMBERS} handlers."),
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if user_ids.iter().any(|id| !seen.insert(*id)) {
        errors.push(crate::error::FieldError::new(
            "user_ids",
            "duplicate",
            Text::fixed("同一账号出现了两次。", "The same account is listed twice."),
        ));
    }
    for (i, user_id) in user_ids.iter().enumerate().take(MAX_MEMBERS) {
        let found = user::Entity::find_by_id(*user_id).one(&txn).await?;
        let ok = match &found {
            Some(u) if u.role == Role::UnitHandler && !u.disabled => {
                caller.scope().contains(&txn, u.region_id).await?
            }
            _ => false,
        };
        if !ok {
            errors.push(crate::error::FieldError::new(
                format!("user_ids[{i}]"),
                "not_a_handler",
                Text::fixed(
                    "不是您辖区内启用的承办人员账号。",
                    "Not an active unit_handler account in your scope.",
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    unit_member::Entity::delete_many()
        .filter(unit_member::Column::UnitId.eq(id))
        .exec(&txn)
        .await?;
    let now = crate::clock::now();
    for user_id in &user_ids {
        unit_member::ActiveModel {
            unit_id: Set(id),
            user_id: Set(*user_id),
            added_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("unit.members", "unit", id)
            .region(Some(current.region_id))
            .details(serde_json::json!({"user_ids": user_ids})),
    )
    .await?;
    let view = with_members(&txn, vec![current])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(view)
}
