//! Triage: staff in scope or the deputy a submission is addressed to review it, answer, refer,
//! decline or close it, or make it a case (a new one, or one it joins). Also the audited reads
//! of staff: opening a submission and revealing its whole contact details.

use entity::submission::{self, SubmissionStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::record_event;
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::routes::submissions::access::{self, Viewer};

/// A triage step, checked by the handler.
#[derive(Debug, Clone)]
pub enum Triage {
    Review,
    Answer {
        note: String,
    },
    Refer {
        to: String,
        note: Option<String>,
    },
    Decline {
        reason: String,
    },
    Close,
    /// Into a new case of `kind` (`level` for a deputy suggestion).
    Convert {
        kind: crate::domain::suggestion_flow::Kind,
        level: Option<entity::suggestion::CongressLevel>,
    },
    /// Into the open case `suggestion_id`.
    Merge {
        suggestion_id: Uuid,
    },
}

impl Triage {
    fn kind(&self) -> &'static str {
        match self {
            Triage::Review => "review",
            Triage::Answer { .. } => "answer",
            Triage::Refer { .. } => "refer",
            Triage::Decline { .. } => "decline",
            Triage::Close => "close",
            Triage::Convert { .. } => "convert",
            Triage::Merge { .. } => "merge",
        }
    }

    /// The status this step leads to from `from`, if it is allowed there.
    pub fn next(&self, from: SubmissionStatus) -> Option<SubmissionStatus> {
        use SubmissionStatus::*;
        match (self, from) {
            (Triage::Review, Received) => Some(InReview),
            (Triage::Answer { .. }, Received | InReview) => Some(Answered),
            (Triage::Refer { .. }, Received | InReview) => Some(Referred),
            (Triage::Decline { .. }, Received | InReview) => Some(Declined),
            (Triage::Close, Answered | Referred | Declined) => Some(Closed),
            (Triage::Convert { .. } | Triage::Merge { .. }, Received | InReview) => Some(Converted),
            _ => None,
        }
    }
}

/// Applies a triage step as `caller` (staff in scope or the addressed deputy).
pub async fn triage(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    step: Triage,
    internal_note: Option<String>,
    expected_version: Option<i32>,
) -> Result<submission::Model, ApiError> {
    let txn = db.begin_write().await?;
    let (current, viewer) = access::find(&txn, caller, id).await?;
    if !viewer.handles() {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有联络站工作人员或被反映的代表可以处理意见。",
            "Only station staff or the deputy it is addressed to may triage a submission.",
        )));
    }
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let next = step.next(current.status).ok_or_else(|| ApiError::Rule {
        code: "invalid_transition",
        message: Text::new(
            format!("当前状态下不能执行“{}”。", step.kind()),
            format!("`{}` is not allowed in the current status.", step.kind()),
        ),
    })?;
    let now = crate::clock::now();
    let mut row: submission::ActiveModel = current.clone().into();
    row.status = Set(next);
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    if current.responded_at.is_none() {
        row.responded_at = Set(Some(now));
    }
    let public_note = match &step {
        Triage::Answer { note } => {
            row.result_note = Set(Some(note.clone()));
            row.resolved_at = Set(Some(now));
            Some(note.clone())
        }
        Triage::Refer { to, note } => {
            row.referred_to = Set(Some(to.clone()));
            row.result_note = Set(note.clone());
            row.resolved_at = Set(Some(now));
            Some(to.clone())
        }
        Triage::Decline { reason } => {
            row.result_note = Set(Some(reason.clone()));
            row.resolved_at = Set(Some(now));
            Some(reason.clone())
        }
        Triage::Close => {
            row.closed_at = Set(Some(now));
            None
        }
        Triage::Review | Triage::Convert { .. } | Triage::Merge { .. } => None,
    };
    // Only if nobody changed it meanwhile (PostgreSQL runs writers concurrently).
    let updated = submission::Entity::update_many()
        .set(row)
        .filter(submission::Column::Id.eq(id))
        .filter(submission::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict(Text::fixed(
            "该意见刚被他人修改，请刷新后重试。",
            "The submission was changed meanwhile; reload it and retry.",
        )));
    }
    let mut details = serde_json::json!({"internal_note": internal_note});
    match &step {
        Triage::Convert { kind, level } => {
            let category = entity::category::Entity::find_by_id(current.category_id)
                .one(&txn)
                .await?
                .ok_or(ApiError::NotFound)?;
            let case = crate::routes::suggestions::service::create_in(
                &txn,
                caller,
                client,
                crate::routes::suggestions::service::NewSuggestion {
                    kind: *kind,
                    title: current.title.chars().take(100).collect(),
                    content: current.content.clone(),
                    category: category.code,
                    station_id: current.station_id,
                    level: *level,
                    co_author_ids: Vec::new(),
                },
            )
            .await?;
            crate::routes::suggestions::service::link_source(
                &txn,
                caller,
                &case,
                id,
                &current.tracking_no,
                "convert",
            )
            .await?;
            details["suggestion_id"] = serde_json::json!(case.id);
        }
        Triage::Merge { suggestion_id } => {
            let case =
                crate::routes::suggestions::service::merge_target(&txn, caller, *suggestion_id)
                    .await?;
            crate::routes::suggestions::service::link_source(
                &txn,
                caller,
                &case,
                id,
                &current.tracking_no,
                "merge",
            )
            .await?;
            details["suggestion_id"] = serde_json::json!(case.id);
        }
        _ => {}
    }
    record_event(
        &txn,
        id,
        step.kind(),
        next,
        public_note,
        Some(caller.id),
        details,
        now,
    )
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("submission.triage", "submission", id)
            .region(current.region_id)
            .details(serde_json::json!({"action": step.kind()})),
    )
    .await?;
    let updated = submission::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

/// Shows the whole contact details of a submission to staff, and records that they did.
pub async fn reveal(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
) -> Result<submission::Model, ApiError> {
    let (found, viewer) = access::find(db.reader(), caller, id).await?;
    if viewer != Viewer::Staff {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有联络站工作人员和管理员可以查看完整联系方式。",
            "Only station staff and administrators may reveal contact details.",
        )));
    }
    let txn = db.begin_write().await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("submission.contact_reveal", "submission", id).region(found.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(found)
}

/// Records that staff opened a submission's details (who viewed a case is part of its trail).
pub async fn record_view(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    found: &submission::Model,
) -> Result<(), ApiError> {
    let txn = db.begin_write().await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("submission.view", "submission", found.id).region(found.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
