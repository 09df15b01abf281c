//! Reading the change feed: a page of numbered changes after a position, within a region scope
//! and a set of object types, each with the object's current summary (or a tombstone).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{change, deputy, reception, station, submission, suggestion};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::RegionScope;

/// The kinds of objects in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    Submission,
    Suggestion,
    Station,
    Deputy,
    Reception,
}

impl ObjectType {
    pub const ALL: [ObjectType; 5] = [
        ObjectType::Submission,
        ObjectType::Suggestion,
        ObjectType::Station,
        ObjectType::Deputy,
        ObjectType::Reception,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Submission => "submission",
            ObjectType::Suggestion => "suggestion",
            ObjectType::Station => "station",
            ObjectType::Deputy => "deputy",
            ObjectType::Reception => "reception",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectType> {
        ObjectType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Cases are personal matters of voters; the directory is public.
    pub fn is_case(self) -> bool {
        matches!(self, ObjectType::Submission | ObjectType::Suggestion)
    }
}

/// One change as the feed shows it.
#[derive(Debug, Clone)]
pub struct Change {
    pub position: i64,
    pub object_type: ObjectType,
    pub object_id: Uuid,
    pub version: i32,
    /// `created`, `updated` or `deleted`.
    pub op: String,
    pub at: DateTime<Utc>,
    /// The object as it is now; `None` for a tombstone (deleted or erased).
    pub summary: Option<Value>,
}

/// The changes after `after` (at most `limit`), of `types`, in `scope`, oldest first.
pub async fn page(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
    types: &[ObjectType],
    scope: &RegionScope,
) -> Result<Vec<Change>, DbErr> {
    let rows = change::Entity::find()
        .filter(change::Column::Position.gt(after))
        .filter(change::Column::ObjectType.is_in(types.iter().map(|t| t.as_str())))
        .filter(scope.condition(change::Column::RegionId))
        .order_by_asc(change::Column::Position)
        .limit(limit)
        .all(db)
        .await?;
    let summaries = summaries(db, &rows).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let object_type = ObjectType::parse(&r.object_type)?;
            Some(Change {
                position: r.position?,
                object_type,
                object_id: r.object_id,
                version: r.version.unwrap_or(0),
                summary: summaries.get(&r.object_id).cloned().flatten(),
                op: r.op,
                at: r.at,
            })
        })
        .collect())
}

fn ids_of(rows: &[change::Model], t: ObjectType) -> Vec<Uuid> {
    rows.iter()
        .filter(|r| r.object_type == t.as_str())
        .map(|r| r.object_id)
        .collect()
}

/// The current summary of each object in `rows` (`None`: gone or erased, a tombstone). No
/// personal data: no names or contacts of voters, only what the object is and where it stands.
async fn summaries(
    db: &impl ConnectionTrait,
    rows: &[change::Model],
) -> Result<HashMap<Uuid, Option<Value>>, DbErr> {
    let mut out: HashMap<Uuid, Option<Value>> = rows.iter().map(|r| (r.object_id, None)).collect();
    let ids = ids_of(rows, ObjectType::Submission);
    if !ids.is_empty() {
        for s in submission::Entity::find()
            .filter(submission::Column::Id.is_in(ids))
            .all(db)
            .await?
        {
            let summary = s.erased_at.is_none().then(|| {
                json!({
                    "tracking_no": s.tracking_no,
                    "status": s.status.to_value(),
                    "channel": s.channel.to_value(),
                    "title": s.title,
                    "category_id": s.category_id,
                    "region_id": s.region_id,
                    "station_id": s.station_id,
                    "deputy_id": s.deputy_id,
                    "external_id": s.external_id,
                    "version": s.version,
                    "updated_at": s.updated_at,
                })
            });
            out.insert(s.id, summary);
        }
    }
    let ids = ids_of(rows, ObjectType::Suggestion);
    if !ids.is_empty() {
        for s in suggestion::Entity::find()
            .filter(suggestion::Column::Id.is_in(ids))
            .all(db)
            .await?
        {
            out.insert(
                s.id,
                Some(json!({
                    "kind": s.kind.to_value(),
                    "status": s.status.to_value(),
                    "title": s.title,
                    "category_id": s.category_id,
                    "region_id": s.region_id,
                    "station_id": s.station_id,
                    "lead_unit_id": s.lead_unit_id,
                    "deadline": s.deadline,
                    "supervision": s.supervision.to_value(),
                    "reply_category": s.reply_category.map(|c| c.to_value()),
                    "rating": s.rating.map(|r| r.to_value()),
                    "version": s.version,
                    "updated_at": s.updated_at,
                })),
            );
        }
    }
    let ids = ids_of(rows, ObjectType::Station);
    if !ids.is_empty() {
        for s in station::Entity::find()
            .filter(station::Column::Id.is_in(ids))
            .all(db)
            .await?
        {
            out.insert(
                s.id,
                Some(json!({
                    "name": s.name,
                    "kind": s.kind.to_value(),
                    "status": s.status.to_value(),
                    "region_id": s.region_id,
                    "address": s.address,
                    "updated_at": s.updated_at,
                })),
            );
        }
    }
    let ids = ids_of(rows, ObjectType::Deputy);
    if !ids.is_empty() {
        for d in deputy::Entity::find()
            .filter(deputy::Column::Id.is_in(ids))
            .all(db)
            .await?
        {
            out.insert(
                d.id,
                Some(json!({
                    "name": d.name,
                    "level": d.level.to_value(),
                    "status": d.status.to_value(),
                    "region_id": d.region_id,
                    "updated_at": d.updated_at,
                })),
            );
        }
    }
    let ids = ids_of(rows, ObjectType::Reception);
    if !ids.is_empty() {
        for r in reception::Entity::find()
            .filter(reception::Column::Id.is_in(ids))
            .all(db)
            .await?
        {
            out.insert(
                r.id,
                Some(json!({
                    "station_id": r.station_id,
                    "day": r.day,
                    "starts_at": r.starts_at,
                    "ends_at": r.ends_at,
                    "status": r.status.to_value(),
                    "capacity": r.capacity,
                    "seats_taken": r.seats_taken,
                    "updated_at": r.updated_at,
                })),
            );
        }
    }
    Ok(out)
}
