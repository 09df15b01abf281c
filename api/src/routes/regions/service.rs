//! The region tree: reading it (public), and administrators adding, renaming and removing
//! regions inside their scope. Every insert keeps the closure table in step, in one transaction.

use std::collections::HashMap;

use entity::region::{self, RegionLevel};
use entity::{checklist_item, region_closure, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::{AuthUser, RegionScope};
use crate::db::{Db, contains};
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// A checked new region.
#[derive(Debug)]
pub struct NewRegion {
    pub name: String,
    pub level: RegionLevel,
    pub parent_id: Option<Uuid>,
    pub code: Option<String>,
}

/// Checked changes to a region.
#[derive(Debug, Default)]
pub struct RegionChanges {
    pub name: Option<String>,
    pub code: Option<String>,
}

/// Filters of the region list.
#[derive(Debug, Default)]
pub struct RegionQuery {
    pub parent_id: Option<Uuid>,
    pub level: Option<RegionLevel>,
    pub q: Option<String>,
}

/// A region with its ancestors (district first) and the number of its children.
#[derive(Debug, Clone)]
pub struct RegionDetail {
    pub region: region::Model,
    pub ancestors: Vec<region::Model>,
    pub children_count: u64,
}

/// A region and its subtree.
#[derive(Debug)]
pub struct Node {
    pub region: region::Model,
    pub children: Vec<Node>,
}

/// The level a child of `parent` must have.
pub fn child_level(parent: RegionLevel) -> Option<RegionLevel> {
    match parent {
        RegionLevel::District => Some(RegionLevel::Town),
        RegionLevel::Town => Some(RegionLevel::Village),
        RegionLevel::Village => None,
    }
}

fn code_taken() -> ApiError {
    ApiError::Conflict(Text::fixed(
        "该行政区划代码已被使用。",
        "This administrative division code is already in use.",
    ))
}

fn wrong_level(expected: Option<RegionLevel>) -> ApiError {
    let (zh, en) = match expected {
        Some(RegionLevel::District) => (
            "没有上级的区域必须是区/县。",
            "A region without a parent must be a district.",
        ),
        Some(RegionLevel::Town) => (
            "区/县下只能建立镇/街道。",
            "Under a district only a town or street can be added.",
        ),
        Some(RegionLevel::Village) => (
            "镇/街道下只能建立村/社区。",
            "Under a town only a village or community can be added.",
        ),
        None => (
            "村/社区下不能再建立区域。",
            "Nothing can be added under a village or community.",
        ),
    };
    ApiError::validation("level", "invalid_level", Text::fixed(zh, en))
}

/// Adds a region under `new.parent_id` (or a new district, for a global administrator).
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewRegion,
) -> Result<RegionDetail, ApiError> {
    let txn = db.begin_write().await?;
    let expected = match new.parent_id {
        None => {
            if caller.scope() != RegionScope::Global {
                return Err(ApiError::out_of_scope());
            }
            Some(RegionLevel::District)
        }
        Some(parent_id) => {
            let parent = region::Entity::find_by_id(parent_id)
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    ApiError::validation(
                        "parent_id",
                        "unknown_region",
                        Text::fixed("上级区域不存在。", "There is no such parent region."),
                    )
                })?;
            if !caller.scope().contains(&txn, Some(parent_id)).await? {
                return Err(ApiError::out_of_scope());
            }
            child_level(parent.level)
        }
    };
    if expected != Some(new.level) {
        return Err(wrong_level(expected));
    }
    let now = crate::clock::now();
    let created = region::ActiveModel {
        id: Set(Uuid::now_v7()),
        parent_id: Set(new.parent_id),
        name: Set(new.name),
        level: Set(new.level),
        code: Set(new.code),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => code_taken(),
        _ => err.into(),
    })?;

    // Closure rows: the region itself, and one per ancestor of its parent (the parent included).
    let mut links = vec![region_closure::ActiveModel {
        ancestor_id: Set(created.id),
        descendant_id: Set(created.id),
        depth: Set(0),
    }];
    if let Some(parent_id) = new.parent_id {
        let above = region_closure::Entity::find()
            .filter(region_closure::Column::DescendantId.eq(parent_id))
            .all(&txn)
            .await?;
        links.extend(above.into_iter().map(|link| region_closure::ActiveModel {
            ancestor_id: Set(link.ancestor_id),
            descendant_id: Set(created.id),
            depth: Set(link.depth + 1),
        }));
    }
    region_closure::Entity::insert_many(links)
        .exec(&txn)
        .await?;
    if created.level == RegionLevel::District {
        // Every district starts with the nine haves (九有); its administrators adapt them.
        seed_default_items(&txn, created.id).await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("region.create", "region", created.id)
            .region(Some(created.id))
            .details(serde_json::json!({"name": created.name, "parent_id": created.parent_id})),
    )
    .await?;
    let created = detail(&txn, created.id).await?;
    txn.commit().await?;
    Ok(created)
}

/// Gives a new district the default checklist (九有).
pub async fn seed_default_items(db: &impl ConnectionTrait, district_id: Uuid) -> Result<(), DbErr> {
    let now = crate::clock::now();
    let rows = migration::DEFAULT_CHECKLIST
        .iter()
        .enumerate()
        .map(|(position, (key, name))| checklist_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            district_id: Set(district_id),
            key: Set(Some((*key).to_owned())),
            name: Set((*name).to_owned()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            archived: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        });
    checklist_item::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// The district that `region_id` lies in (itself, if it is one).
pub async fn district_of(db: &impl ConnectionTrait, region_id: Uuid) -> Result<Uuid, ApiError> {
    let ancestors: Vec<Uuid> = region_closure::Entity::find()
        .filter(region_closure::Column::DescendantId.eq(region_id))
        .select_only()
        .column(region_closure::Column::AncestorId)
        .into_tuple()
        .all(db)
        .await?;
    region::Entity::find()
        .filter(region::Column::Id.is_in(ancestors))
        .filter(region::Column::Level.eq(RegionLevel::District))
        .one(db)
        .await?
        .map(|d| d.id)
        .ok_or(ApiError::NotFound)
}

/// The region with `id`.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<region::Model, ApiError> {
    region::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The region with `id`, its ancestors and its number of children.
pub async fn detail(db: &impl ConnectionTrait, id: Uuid) -> Result<RegionDetail, ApiError> {
    let region = find(db, id).await?;
    let ancestor_links = region_closure::Entity::find()
        .filter(region_closure::Column::DescendantId.eq(id))
        .filter(region_closure::Column::Depth.gt(0))
        .order_by_desc(region_closure::Column::Depth)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = ancestor_links.iter().map(|l| l.ancestor_id).collect();
    let mut by_id: HashMap<Uuid, region::Model> = region::Entity::find()
        .filter(region::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let ancestors = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    let children_count = region::Entity::find()
        .filter(region::Column::ParentId.eq(id))
        .count(db)
        .await?;
    Ok(RegionDetail {
        region,
        ancestors,
        children_count,
    })
}

/// A page of regions, newest first, after the region with id `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    query: RegionQuery,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<region::Model>, ApiError> {
    let mut select = region::Entity::find();
    if let Some(parent_id) = query.parent_id {
        select = select.filter(region::Column::ParentId.eq(parent_id));
    }
    if let Some(level) = query.level {
        select = select.filter(region::Column::Level.eq(level));
    }
    if let Some(q) = query.q.as_deref() {
        select = select.filter(contains(region::Column::Name, q));
    }
    if let Some(after) = after {
        select = select.filter(region::Column::Id.lt(after));
    }
    Ok(select
        .order_by_desc(region::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?)
}

/// The forest of every district, or the subtree under `root_id`, children sorted by name.
pub async fn tree(db: &impl ConnectionTrait, root_id: Option<Uuid>) -> Result<Vec<Node>, ApiError> {
    let regions = match root_id {
        Some(root) => {
            find(db, root).await?;
            region::Entity::find()
                .filter(RegionScope::Subtree(root).condition(region::Column::Id))
                .all(db)
                .await?
        }
        None => region::Entity::find().all(db).await?,
    };
    let mut children: HashMap<Option<Uuid>, Vec<region::Model>> = HashMap::new();
    for r in regions {
        children.entry(r.parent_id).or_default().push(r);
    }
    fn build(
        parent: Option<Uuid>,
        children: &mut HashMap<Option<Uuid>, Vec<region::Model>>,
    ) -> Vec<Node> {
        let mut level = children.remove(&parent).unwrap_or_default();
        level.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        level
            .into_iter()
            .map(|region| {
                let id = region.id;
                Node {
                    region,
                    children: build(Some(id), children),
                }
            })
            .collect()
    }
    match root_id {
        Some(root) => {
            let root_region = find(db, root).await?;
            let parent = root_region.parent_id;
            let mut forest = build(parent, &mut children);
            forest.retain(|n| n.region.id == root);
            Ok(forest)
        }
        None => Ok(build(None, &mut children)),
    }
}

/// Checks that `caller` may change the region `id` and returns it.
async fn writable(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<region::Model, ApiError> {
    let region = find(db, id).await?;
    if !caller.scope().contains(db, Some(id)).await? {
        return Err(ApiError::out_of_scope());
    }
    Ok(region)
}

/// Renames a region or changes its code, after `precondition` accepted its current state.
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    changes: RegionChanges,
    precondition: impl FnOnce(&RegionDetail) -> Result<(), ApiError>,
) -> Result<RegionDetail, ApiError> {
    let txn = db.begin_write().await?;
    let current = writable(&txn, caller, id).await?;
    precondition(&detail(&txn, id).await?)?;
    let mut active: region::ActiveModel = current.into();
    if let Some(name) = changes.name.clone() {
        active.name = Set(name);
    }
    if let Some(code) = changes.code.clone() {
        active.code = Set(Some(code));
    }
    active.updated_at = Set(crate::clock::now());
    active
        .update(&txn)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => code_taken(),
            _ => err.into(),
        })?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("region.update", "region", id)
            .region(Some(id))
            .details(serde_json::json!({"name": changes.name, "code": changes.code})),
    )
    .await?;
    let updated = detail(&txn, id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Removes a region that has no children and no users. An administrator cannot remove the root
/// of their own scope.
pub async fn delete(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
) -> Result<(), ApiError> {
    let txn = db.begin_write().await?;
    let region = writable(&txn, caller, id).await?;
    if caller.region_id == Some(id) {
        return Err(ApiError::out_of_scope());
    }
    let children = region::Entity::find()
        .filter(region::Column::ParentId.eq(id))
        .count(&txn)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::RegionId.eq(id))
        .count(&txn)
        .await?;
    if children > 0 || users > 0 {
        return Err(ApiError::Conflict(Text::new(
            format!("该区域下还有 {children} 个下级区域和 {users} 个用户，不能删除。"),
            format!(
                "The region still has {children} child regions and {users} users; it cannot be removed."
            ),
        )));
    }
    region_closure::Entity::delete_many()
        .filter(region_closure::Column::DescendantId.eq(id))
        .exec(&txn)
        .await?;
    region::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("region.delete", "region", id)
            .region(region.parent_id)
            .details(serde_json::json!({"name": region.name})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The region a request's `region_id` names: 422 `unknown_region` when there is none. (Whether
/// the caller may act in it is the caller's own check.)
pub async fn existing(
    db: &impl ConnectionTrait,
    region_id: Uuid,
) -> Result<region::Model, ApiError> {
    region::Entity::find_by_id(region_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::validation(
                "region_id",
                "unknown_region",
                Text::fixed("区域不存在。", "There is no such region."),
            )
        })
}
