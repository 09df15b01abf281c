//! Reception records (接待记录本): who came, what they raised, what was done on the spot. Written
//! by the station's staff or a deputy on duty once the session has begun; each matter raised
//! keeps an id so that a submission can point back at it.

use std::collections::HashMap;

use entity::reception::{self, ReceptionStatus};
use entity::{reception_duty, reception_record, reception_record_item, reception_visitor, station};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::access::{self, visible_reception};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use entity::user::Role;

/// A checked record.
#[derive(Debug)]
pub struct NewRecord {
    pub visitor_count: i32,
    /// (name, phone)
    pub visitors: Vec<(String, Option<String>)>,
    /// (raised, action taken)
    pub items: Vec<(String, Option<String>)>,
    pub feedback: Option<String>,
}

/// A stored record with its visitors and items, in order.
#[derive(Debug)]
pub struct RecordView {
    pub record: reception_record::Model,
    pub visitors: Vec<reception_visitor::Model>,
    pub items: Vec<reception_record_item::Model>,
}

/// The session `id` if `caller` may keep its records: its managers, and its deputies on duty.
async fn keeper_of(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(reception::Model, station::Model), ApiError> {
    let (reception, station, manages) = visible_reception(db, Some(caller), id).await?;
    if manages {
        return Ok((reception, station));
    }
    if caller.role == Role::Deputy
        && let deputy = access::deputy_of(db, caller).await?
        && reception_duty::Entity::find_by_id((id, deputy.id))
            .one(db)
            .await?
            .is_some()
    {
        return Ok((reception, station));
    }
    Err(ApiError::Forbidden(Text::fixed(
        "只有本站工作人员、辖区管理员或值班代表可以查看和填写接待记录。",
        "Only the station's staff, an administrator in scope or a deputy on duty may keep its records.",
    )))
}

pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    new: NewRecord,
) -> Result<RecordView, ApiError> {
    let txn = db.begin_write().await?;
    let (reception, station) = keeper_of(&txn, caller, id).await?;
    if reception.status == ReceptionStatus::Cancelled {
        return Err(ApiError::rule(
            "reception_cancelled",
            "接待日已取消。",
            "The session is cancelled.",
        ));
    }
    let now = crate::clock::now();
    if now < reception.starts_at {
        return Err(ApiError::rule(
            "reception_not_started",
            "接待日尚未开始，不能填写接待记录。",
            "The session has not started: nothing to record yet.",
        ));
    }
    let record = reception_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        reception_id: Set(id),
        visitor_count: Set(new.visitor_count),
        feedback: Set(new.feedback),
        created_by: Set(caller.id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut visitors = Vec::new();
    for (position, (name, phone)) in new.visitors.into_iter().enumerate() {
        visitors.push(
            reception_visitor::ActiveModel {
                id: Set(Uuid::now_v7()),
                record_id: Set(record.id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                name: Set(name),
                phone: Set(phone),
            }
            .insert(&txn)
            .await?,
        );
    }
    let mut items = Vec::new();
    for (position, (raised, action_taken)) in new.items.into_iter().enumerate() {
        items.push(
            reception_record_item::ActiveModel {
                id: Set(Uuid::now_v7()),
                record_id: Set(record.id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                raised: Set(raised),
                action_taken: Set(action_taken),
            }
            .insert(&txn)
            .await?,
        );
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.record", "reception_record", record.id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "reception_id": id,
                "visitor_count": record.visitor_count,
                "items": items.len(),
                "visitors_named": visitors.len(),
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(RecordView {
        record,
        visitors,
        items,
    })
}

/// The records of session `id`, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<Vec<RecordView>, ApiError> {
    keeper_of(db, caller, id).await?;
    let records = reception_record::Entity::find()
        .filter(reception_record::Column::ReceptionId.eq(id))
        .order_by_asc(reception_record::Column::CreatedAt)
        .order_by_asc(reception_record::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    let mut visitors: HashMap<Uuid, Vec<reception_visitor::Model>> = HashMap::new();
    for v in reception_visitor::Entity::find()
        .filter(reception_visitor::Column::RecordId.is_in(ids.clone()))
        .order_by_asc(reception_visitor::Column::Position)
        .all(db)
        .await?
    {
        visitors.entry(v.record_id).or_default().push(v);
    }
    let mut items: HashMap<Uuid, Vec<reception_record_item::Model>> = HashMap::new();
    for i in reception_record_item::Entity::find()
        .filter(reception_record_item::Column::RecordId.is_in(ids))
        .order_by_asc(reception_record_item::Column::Position)
        .all(db)
        .await?
    {
        items.entry(i.record_id).or_default().push(i);
    }
    Ok(records
        .into_iter()
        .map(|record| RecordView {
            visitors: visitors.remove(&record.id).unwrap_or_default(),
            items: items.remove(&record.id).unwrap_or_default(),
            record,
        })
        .collect())
}
