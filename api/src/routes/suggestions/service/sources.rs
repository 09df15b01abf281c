//! The submissions behind a case: linking one to a case (a convert or a merge, in the
//! submission's transaction), the open case a submission may be merged into, and the case each
//! submission became.

use std::collections::HashMap;

use entity::{suggestion, suggestion_source};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::super::access;
use super::{event, invalid};
use crate::auth::AuthUser;
use crate::domain::suggestion_flow::{Role, is_terminal};
use crate::error::ApiError;

/// Links submission `submission_id` to case `case` (a convert or a merge), in the caller's
/// transaction, with an event on the case.
pub async fn link_source(
    txn: &impl ConnectionTrait,
    caller: &AuthUser,
    case: &suggestion::Model,
    submission_id: Uuid,
    tracking_no: &str,
    action: &str,
) -> Result<(), ApiError> {
    let now = crate::clock::now();
    suggestion_source::ActiveModel {
        submission_id: Set(submission_id),
        suggestion_id: Set(case.id),
        linked_at: Set(now),
    }
    .insert(txn)
    .await?;
    event(
        txn,
        case.id,
        action,
        Some(case.status),
        case.status,
        caller,
        Role::Staff,
        Some(tracking_no.to_owned()),
        serde_json::json!({"submission_id": submission_id}),
        now,
    )
    .await
}

/// The open case `id` that `caller` may merge a submission into: staff of the case or one of
/// its authors; a finished case is 422 `suggestion_closed`.
pub async fn merge_target(
    txn: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<suggestion::Model, ApiError> {
    let unknown = || {
        invalid(
            "suggestion_id",
            "unknown",
            "没有这个建议，或您无权并入。",
            "No such suggestion, or not one you may merge into.",
        )
    };
    // Only the case's staff or its authors merge into it; to anyone else it is as unknown.
    let (case, roles) = access::find(txn, caller, id).await.map_err(|e| match e {
        ApiError::NotFound => unknown(),
        other => other,
    })?;
    if !roles
        .iter()
        .any(|r| matches!(r, Role::Staff | Role::Author))
    {
        return Err(unknown());
    }
    if is_terminal(case.status) {
        return Err(ApiError::rule(
            "suggestion_closed",
            "该建议已办结或撤回，不能再并入。",
            "The suggestion is finished; nothing can be merged into it.",
        ));
    }
    Ok(case)
}

/// The case (id, status name) of each of `submissions` that has one. The status is the name a
/// submission shows its case's progress by, so it leaves here as a string.
pub async fn cases_of(
    db: &impl ConnectionTrait,
    submissions: &[Uuid],
) -> Result<HashMap<Uuid, (Uuid, String)>, ApiError> {
    if submissions.is_empty() {
        return Ok(Default::default());
    }
    let links = suggestion_source::Entity::find()
        .filter(suggestion_source::Column::SubmissionId.is_in(submissions.iter().copied()))
        .all(db)
        .await?;
    let cases: HashMap<Uuid, String> = suggestion::Entity::find()
        .filter(suggestion::Column::Id.is_in(links.iter().map(|l| l.suggestion_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.status.to_value()))
        .collect();
    Ok(links
        .into_iter()
        .filter_map(|l| {
            cases
                .get(&l.suggestion_id)
                .map(|s| (l.submission_id, (l.suggestion_id, s.clone())))
        })
        .collect())
}
