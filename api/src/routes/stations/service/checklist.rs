//! The checklist (九有): the items each district sets, every station's answers, and the
//! completion counts kept on the station row so that lists can sort by them.

use std::collections::{HashMap, HashSet};

use entity::station::{self};
use entity::{checklist_item, region, station_checklist};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{Access, find_visible};
use crate::audit::{self, Actor, Entry};
use crate::auth::{AuthUser, RegionScope};
use crate::db::Db;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// The current checklist items of a district, in order.
pub async fn district_items(
    db: &impl ConnectionTrait,
    district_id: Uuid,
) -> Result<Vec<checklist_item::Model>, DbErr> {
    checklist_item::Entity::find()
        .filter(checklist_item::Column::DistrictId.eq(district_id))
        .filter(checklist_item::Column::Archived.eq(false))
        .order_by_asc(checklist_item::Column::Position)
        .all(db)
        .await
}

/// Recomputes a station's checklist counts from its answers and its district's items.
pub async fn recount(db: &impl ConnectionTrait, station_id: Uuid) -> Result<(), DbErr> {
    let Some(station) = station::Entity::find_by_id(station_id).one(db).await? else {
        return Ok(());
    };
    let items: Vec<Uuid> = district_items(db, station.district_id)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let total = items.len();
    let done = station_checklist::Entity::find()
        .filter(station_checklist::Column::StationId.eq(station_id))
        .filter(station_checklist::Column::Done.eq(true))
        .filter(station_checklist::Column::ItemId.is_in(items))
        .count(db)
        .await?;
    let done = usize::try_from(done).unwrap_or(total);
    let permille = (done * 1000).checked_div(total).unwrap_or(0);
    let as_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    station::Entity::update_many()
        .col_expr(station::Column::ChecklistDone, Expr::value(as_i32(done)))
        .col_expr(station::Column::ChecklistTotal, Expr::value(as_i32(total)))
        .col_expr(
            station::Column::ChecklistPermille,
            Expr::value(as_i32(permille)),
        )
        .filter(station::Column::Id.eq(station_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A station's checklist: every current item of its district with the station's answer.
pub async fn checklist(
    db: &impl ConnectionTrait,
    station: &station::Model,
) -> Result<Vec<(checklist_item::Model, Option<station_checklist::Model>)>, DbErr> {
    let items = district_items(db, station.district_id).await?;
    let mut answers: HashMap<Uuid, station_checklist::Model> = station_checklist::Entity::find()
        .filter(station_checklist::Column::StationId.eq(station.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.item_id, a))
        .collect();
    Ok(items
        .into_iter()
        .map(|item| {
            let answer = answers.remove(&item.id);
            (item, answer)
        })
        .collect())
}

/// The checklist of a station that `caller` keeps or administers (403 otherwise).
pub async fn checklist_for(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<
    (
        station::Model,
        Vec<(checklist_item::Model, Option<station_checklist::Model>)>,
    ),
    ApiError,
> {
    let (station, access) = find_visible(db, Some(caller), id).await?;
    if access == Access::Public {
        return Err(ApiError::forbidden());
    }
    let entries = checklist(db, &station).await?;
    Ok((station, entries))
}

/// One checked answer.
#[derive(Debug)]
pub struct Answer {
    pub item_id: Uuid,
    pub done: bool,
    pub note: Option<String>,
    pub evidence: Vec<Uuid>,
}

/// Sets the answers listed; others stay. Items must be current items of the station's district.
pub async fn set_checklist(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    answers: Vec<Answer>,
) -> Result<
    (
        station::Model,
        Vec<(checklist_item::Model, Option<station_checklist::Model>)>,
    ),
    ApiError,
> {
    let txn = db.begin_write().await?;
    let (station, access) = find_visible(&txn, Some(caller), id).await?;
    if access == Access::Public {
        return Err(ApiError::forbidden());
    }
    let items: HashSet<Uuid> = district_items(&txn, station.district_id)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let mut checks = Checks::default();
    let mut seen = HashSet::new();
    for (i, answer) in answers.iter().enumerate() {
        if !items.contains(&answer.item_id) {
            checks.fail(FieldError::new(
                format!("items[{i}].item_id"),
                "unknown_item",
                Text::fixed(
                    "不是本区清单中的项目。",
                    "Not an item of this district's checklist.",
                ),
            ));
        } else if !seen.insert(answer.item_id) {
            checks.fail(FieldError::new(
                format!("items[{i}].item_id"),
                "duplicate",
                Text::fixed("同一项目出现了两次。", "The same item is listed twice."),
            ));
        }
    }
    checks.finish()?;
    let now = crate::clock::now();
    for answer in &answers {
        station_checklist::Entity::delete_by_id((station.id, answer.item_id))
            .exec(&txn)
            .await?;
        station_checklist::ActiveModel {
            station_id: Set(station.id),
            item_id: Set(answer.item_id),
            done: Set(answer.done),
            note: Set(answer.note.clone()),
            evidence: Set(serde_json::to_value(&answer.evidence).map_err(ApiError::internal)?),
            updated_at: Set(now),
            updated_by: Set(Some(caller.id)),
        }
        .insert(&txn)
        .await?;
    }
    recount(&txn, station.id).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("station.checklist", "station", station.id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "items": answers.iter().map(|a| serde_json::json!({"item_id": a.item_id, "done": a.done})).collect::<Vec<_>>(),
            })),
    )
    .await?;
    let station = station::Entity::find_by_id(station.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let entries = checklist(&txn, &station).await?;
    txn.commit().await?;
    Ok((station, entries))
}

/// The district that `region_id` is (403 with a hint when it is not a district).
async fn as_district(
    db: &impl ConnectionTrait,
    region_id: Uuid,
) -> Result<region::Model, ApiError> {
    let region = region::Entity::find_by_id(region_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if region.level != entity::region::RegionLevel::District {
        return Err(ApiError::Rule {
            code: "not_a_district",
            message: Text::fixed(
                "清单按区/县设置，请使用区/县的 ID。",
                "Checklists belong to districts; use the district's id.",
            ),
        });
    }
    Ok(region)
}

/// A district's checklist.
pub async fn items_of_district(
    db: &impl ConnectionTrait,
    region_id: Uuid,
) -> Result<Vec<checklist_item::Model>, ApiError> {
    let district = as_district(db, region_id).await?;
    Ok(district_items(db, district.id).await?)
}

/// One item of a new checklist: an existing item (renamed, moved) or a new one.
#[derive(Debug)]
pub struct ItemChange {
    pub id: Option<Uuid>,
    pub name: String,
}

/// Replaces a district's checklist: listed items in this order, the rest dropped. Every station
/// of the district is recounted in the same transaction.
pub async fn set_district_items(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    region_id: Uuid,
    items: Vec<ItemChange>,
) -> Result<Vec<checklist_item::Model>, ApiError> {
    let txn = db.begin_write().await?;
    let district = as_district(&txn, region_id).await?;
    // The checklist is the district's: only its own or a global administrator changes it.
    if !(caller.scope() == RegionScope::Global || caller.region_id == Some(district.id)) {
        return Err(ApiError::out_of_scope());
    }
    let current: HashMap<Uuid, checklist_item::Model> = district_items(&txn, district.id)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut checks = Checks::default();
    let mut names = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(id) = item.id
            && !current.contains_key(&id)
        {
            checks.fail(FieldError::new(
                format!("items[{i}].id"),
                "unknown_item",
                Text::fixed(
                    "不是本区清单中的项目。",
                    "Not an item of this district's checklist.",
                ),
            ));
        }
        if !names.insert(item.name.clone()) {
            checks.fail(FieldError::new(
                format!("items[{i}].name"),
                "duplicate",
                Text::fixed("清单项目名称重复。", "Two items have the same name."),
            ));
        }
    }
    checks.finish()?;
    let now = crate::clock::now();
    let kept: HashSet<Uuid> = items.iter().filter_map(|i| i.id).collect();
    for (id, _) in current.iter().filter(|(id, _)| !kept.contains(id)) {
        checklist_item::Entity::update_many()
            .col_expr(checklist_item::Column::Archived, Expr::value(true))
            .col_expr(checklist_item::Column::UpdatedAt, Expr::value(now))
            .filter(checklist_item::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    for (position, item) in items.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        match item.id {
            Some(id) => {
                checklist_item::Entity::update_many()
                    .col_expr(checklist_item::Column::Name, Expr::value(item.name.clone()))
                    .col_expr(checklist_item::Column::Position, Expr::value(position))
                    .col_expr(checklist_item::Column::UpdatedAt, Expr::value(now))
                    .filter(checklist_item::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
            }
            None => {
                checklist_item::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    district_id: Set(district.id),
                    key: Set(None),
                    name: Set(item.name.clone()),
                    position: Set(position),
                    archived: Set(false),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    let stations: Vec<Uuid> = station::Entity::find()
        .filter(station::Column::DistrictId.eq(district.id))
        .select_only()
        .column(station::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    for station_id in stations {
        recount(&txn, station_id).await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("checklist.update", "region", district.id)
            .region(Some(district.id))
            .details(
                serde_json::json!({"items": items.iter().map(|i| &i.name).collect::<Vec<_>>()}),
            ),
    )
    .await?;
    let result = district_items(&txn, district.id).await?;
    txn.commit().await?;
    Ok(result)
}
