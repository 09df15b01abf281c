//! The category taxonomy: which categories a region's submissions may use, and their
//! administration within the caller's scope (each change audited in its transaction).

use entity::{category, region_closure};
use sea_orm::sea_query::Query as SqlQuery;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;

/// A checked new category.
#[derive(Debug)]
pub struct NewCategory {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub region_id: Option<Uuid>,
    pub position: i32,
}

/// Checked changes to a category; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

/// The defaults, and (with `region_id`) the categories of that region and the regions above
/// it, in display order; retired ones only when asked for.
pub async fn list(
    db: &impl ConnectionTrait,
    region_id: Option<Uuid>,
    include_inactive: bool,
) -> Result<Vec<category::Model>, ApiError> {
    let mut regions = Condition::any().add(category::Column::RegionId.is_null());
    if let Some(region) = region_id {
        regions = regions.add(
            category::Column::RegionId.in_subquery(
                SqlQuery::select()
                    .column(region_closure::Column::AncestorId)
                    .from(region_closure::Entity)
                    .and_where(region_closure::Column::DescendantId.eq(region))
                    .to_owned(),
            ),
        );
    }
    let mut query = category::Entity::find().filter(regions);
    if !include_inactive {
        query = query.filter(category::Column::Active.eq(true));
    }
    Ok(query
        .order_by(category::Column::Position, Order::Asc)
        .order_by(category::Column::Code, Order::Asc)
        .all(db)
        .await?)
}

/// Adds a category for a region in the caller's scope (a default, without region, needs a
/// global administrator). A taken code is a conflict, answered from the unique index.
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewCategory,
) -> Result<category::Model, ApiError> {
    if !caller.scope().contains(db.reader(), new.region_id).await? {
        return Err(ApiError::out_of_scope());
    }
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let row = category::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(new.code),
        region_id: Set(new.region_id),
        name: Set(new.name),
        name_en: Set(new.name_en),
        position: Set(new.position),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("category.create", "category", row.id).region(row.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Renames, reorders, retires or restores a category whose region is in the caller's scope;
/// `precondition` sees the current row first (the handler's `If-Match`).
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    changes: CategoryChanges,
    precondition: impl FnOnce(&category::Model) -> Result<(), ApiError>,
) -> Result<category::Model, ApiError> {
    let txn = db.begin_write().await?;
    let current = category::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !caller.scope().contains(&txn, current.region_id).await? {
        return Err(ApiError::out_of_scope());
    }
    precondition(&current)?;
    let mut row: category::ActiveModel = current.into();
    if let Some(name) = changes.name {
        row.name = Set(name);
    }
    if let Some(name_en) = changes.name_en {
        row.name_en = Set(Some(name_en));
    }
    if let Some(position) = changes.position {
        row.position = Set(position);
    }
    if let Some(active) = changes.active {
        row.active = Set(active);
    }
    row.updated_at = Set(crate::clock::now());
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("category.update", "category", updated.id).region(updated.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
