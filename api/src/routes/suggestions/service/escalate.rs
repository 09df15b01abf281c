//! `escalate`: a station case beyond the station's level becomes a new deputy suggestion (a
//! `draft` at the congress level chosen, carried by the deputies named) that remembers where
//! it came from; the station case itself ends `escalated`.

use entity::deputy;
use sea_orm::{ActiveEnum, ActiveModelTrait, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::create::{NewRow, add_authors};
use super::transition::Step;
use super::{event, invalid};
use crate::domain::suggestion_flow::{Kind, Role, State};
use crate::error::ApiError;
use crate::i18n::Text;

/// Writes the deputy suggestion the case escalates into; returns the escalation event's details.
pub(super) async fn escalate<C: ConnectionTrait>(
    s: &Step<'_, C>,
) -> Result<serde_json::Value, ApiError> {
    let level = s.details.level.ok_or_else(|| {
        invalid(
            "level",
            "required",
            "请选择上交的人大层级。",
            "Choose the congress level.",
        )
    })?;
    let Some((lead, co)) = s.details.author_ids.split_first() else {
        return Err(invalid(
            "author_ids",
            "required",
            "请指定领衔代表。",
            "Name the deputies who carry it.",
        ));
    };
    let mut authors = vec![*lead];
    for (i, id) in std::iter::once(lead).chain(co.iter()).enumerate() {
        let exists = deputy::Entity::find_by_id(*id).one(s.txn).await?.is_some();
        if !exists || (i > 0 && authors.contains(id)) {
            return Err(ApiError::validation(
                &format!("author_ids[{i}]"),
                "invalid",
                Text::fixed(
                    "没有这位代表，或重复列出。",
                    "No such deputy, or listed twice.",
                ),
            ));
        }
        if i > 0 {
            authors.push(*id);
        }
    }
    let current = s.current;
    let higher = Uuid::now_v7();
    NewRow {
        id: higher,
        kind: Kind::DeputySuggestion,
        status: State::Draft,
        title: current.title.clone(),
        content: current.content.clone(),
        category_id: current.category_id,
        region_id: current.region_id,
        station_id: current.station_id,
        level: Some(level),
        created_by: s.caller.id,
        escalated_from: Some(current.id),
        now: s.now,
    }
    .into_active_model()
    .insert(s.txn)
    .await?;
    add_authors(s.txn, higher, &authors).await?;
    event(
        s.txn,
        higher,
        "create",
        None,
        State::Draft,
        s.caller,
        Role::Staff,
        s.details.comment.clone(),
        serde_json::json!({"escalated_from": current.id}),
        s.now,
    )
    .await?;
    Ok(serde_json::json!({"escalated_to": higher, "level": level.to_value()}))
}
