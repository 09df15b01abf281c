//! Reading a case's surroundings: its authors, source submissions, units and the suggestion it
//! was escalated into (batched for lists), and its event log.

use std::collections::HashMap;

use entity::{suggestion, suggestion_event, suggestion_source, suggestion_unit};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::super::access;
use crate::error::ApiError;

/// Authors (lead first), source submissions and units of a case.
#[derive(Default)]
pub struct Links {
    pub escalated_to: Option<Uuid>,
    pub authors: Vec<Uuid>,
    pub sources: Vec<Uuid>,
    pub units: Vec<suggestion_unit::Model>,
}

pub async fn links(db: &impl ConnectionTrait, id: Uuid) -> Result<Links, ApiError> {
    Ok(links_of(db, &[id]).await?.remove(&id).unwrap_or_default())
}

/// The links of each of `cases`, in four queries whatever their number (for lists).
pub async fn links_of(
    db: &impl ConnectionTrait,
    cases: &[Uuid],
) -> Result<HashMap<Uuid, Links>, ApiError> {
    let mut map: HashMap<Uuid, Links> = cases.iter().map(|id| (*id, Links::default())).collect();
    if cases.is_empty() {
        return Ok(map);
    }
    for (case, authors) in access::authors_of(db, cases).await? {
        if let Some(l) = map.get_mut(&case) {
            l.authors = authors;
        }
    }
    let sources = suggestion_source::Entity::find()
        .filter(suggestion_source::Column::SuggestionId.is_in(cases.iter().copied()))
        .all(db)
        .await?;
    for s in sources {
        if let Some(l) = map.get_mut(&s.suggestion_id) {
            l.sources.push(s.submission_id);
        }
    }
    let units = suggestion_unit::Entity::find()
        .filter(suggestion_unit::Column::SuggestionId.is_in(cases.iter().copied()))
        .all(db)
        .await?;
    for u in units {
        if let Some(l) = map.get_mut(&u.suggestion_id) {
            l.units.push(u);
        }
    }
    let escalations = escalations_from(cases).all(db).await?;
    for e in escalations {
        if let Some(from) = e.escalated_from
            && let Some(l) = map.get_mut(&from)
        {
            l.escalated_to = Some(e.id);
        }
    }
    for l in map.values_mut() {
        // The lead unit first, then the co-units in a stable order.
        l.units.sort_by_key(|u| (!u.lead, u.unit_id));
        l.sources.sort();
    }
    Ok(map)
}

/// The suggestions escalated from any of `cases`: part of every case read, so it must be an
/// index search (migration 000019; `tests/tests/api/plans.rs` holds the planner to it).
pub fn escalations_from(cases: &[Uuid]) -> sea_orm::Select<suggestion::Entity> {
    suggestion::Entity::find()
        .filter(suggestion::Column::EscalatedFrom.is_in(cases.iter().copied()))
}

/// The events of a case, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<suggestion_event::Model>, ApiError> {
    Ok(suggestion_event::Entity::find()
        .filter(suggestion_event::Column::SuggestionId.eq(id))
        .order_by(suggestion_event::Column::At, Order::Asc)
        .order_by(suggestion_event::Column::Id, Order::Asc)
        .all(db)
        .await?)
}
