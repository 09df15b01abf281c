//! Creating suggestions and moving them through the flow, one module per use case. Every change
//! is one transaction: the row (only if its version is still the one read, so that of two
//! concurrent transitions exactly one wins), its event row and the notifications it causes.
//!
//! This module holds what the use cases share (the versioned save, the event row, the overdue
//! rule) and re-exports each use case, so that callers (handlers, the submissions feature) name
//! `service::create_in` and never the file it lives in.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{suggestion, suggestion_event};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::suggestion_flow::{HANDLING, Role, State};
use crate::error::ApiError;
use crate::i18n::Text;

mod co_unit_input;
mod create;
mod escalate;
mod feedback;
mod list;
mod notices;
mod read;
mod sources;
mod supervise;
mod transition;

pub use co_unit_input::co_unit_input;
pub use create::{NewSuggestion, create, create_in};
pub use feedback::voter_feedback;
pub use list::{Filter, list};
pub use read::{Links, escalations_from, events, links, links_of};
pub use sources::{cases_of, link_source, merge_target};
pub use supervise::supervise;
pub use transition::{DEPUTY_SUGGESTION_MONTHS, Details, STATION_CASE_WORKING_DAYS, transition};

/// Whether `case` is past its deadline without a reply, on `today`.
pub fn overdue(case: &suggestion::Model, today: NaiveDate) -> bool {
    HANDLING.contains(&case.status) && case.deadline.is_some_and(|d| d < today)
}

fn invalid(field: &str, code: &'static str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::validation(field, code, Text::fixed(zh, en))
}

/// Writes `row` only if case `id` is still at `version`: of two concurrent changes exactly one
/// lands, the other gets a 409.
async fn save_if_unchanged(
    txn: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    row: suggestion::ActiveModel,
) -> Result<(), ApiError> {
    let updated = suggestion::Entity::update_many()
        .set(row)
        .filter(suggestion::Column::Id.eq(id))
        .filter(suggestion::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict(Text::fixed(
            "该案件刚被他人处理，请刷新后重试。",
            "The case was changed meanwhile; reload it and retry.",
        )));
    }
    Ok(())
}

/// The case `id` as it is now in `txn` (after a change, to answer with).
async fn reread(txn: &impl ConnectionTrait, id: Uuid) -> Result<suggestion::Model, ApiError> {
    suggestion::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)
}

#[allow(clippy::too_many_arguments)]
async fn event(
    db: &impl ConnectionTrait,
    suggestion_id: Uuid,
    action: &str,
    from: Option<State>,
    to: State,
    actor: &AuthUser,
    role: Role,
    note: Option<String>,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    suggestion_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        suggestion_id: Set(suggestion_id),
        at: Set(at),
        action: Set(action.to_owned()),
        from_status: Set(from),
        to_status: Set(to),
        actor_id: Set(Some(actor.id)),
        actor_role: Set(Some(role.as_str().to_owned())),
        note: Set(note),
        details: Set(details),
    }
    .insert(db)
    .await?;
    Ok(())
}
