//! Submissions: creating them from every channel (with their tracking number, access code,
//! photos and idempotent retries), the inbox, triage, feedback and tracking.
//!
//! One file per use case: `intake` (a voter, anyone without an account or staff submitting,
//! with `target` deciding where it goes), `tickets` (hotline and platform tickets), `triage`
//! (staff and the addressed deputy deciding, viewing and revealing contacts) and `tracking`
//! (the inbox, status polls, the history, feedback and tracking with an access code). Here is
//! what they share: the history's rows and what a submission's DTO shows beside it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::submission::{self, SubmissionStatus};
use entity::{attachment, category, submission_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::error::ApiError;

mod intake;
mod target;
mod tickets;
mod tracking;
mod triage;

pub use intake::{
    Created, Idempotency, Intake, MAX_ATTACHMENTS, NewSubmission, Submitter, create, similar,
};
pub use tickets::{Ticket, create_ticket};
pub use tracking::{
    Filter, StatusRow, Timeline, Tracked, feedback, list, status_of, timeline, track, tracked,
};
pub use triage::{Triage, record_view, reveal, triage};

/// A submission with what its DTO shows beside it: its category, the case it joined (the
/// case's id and status) and its photos, in order.
#[derive(Debug)]
pub struct Detailed {
    pub submission: submission::Model,
    pub category: category::Model,
    pub case: Option<(Uuid, String)>,
    pub photos: Vec<attachment::Model>,
}

/// `rows` with their categories, cases and photos (three queries, whatever their number).
pub async fn detailed(
    db: &impl ConnectionTrait,
    rows: Vec<submission::Model>,
) -> Result<Vec<Detailed>, ApiError> {
    let categories: HashMap<Uuid, category::Model> =
        categories_of(db, rows.iter().map(|r| r.category_id))
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let cases: HashMap<Uuid, (Uuid, String)> =
        crate::routes::suggestions::service::cases_of(db, &ids).await?;
    let mut photos: HashMap<Uuid, Vec<attachment::Model>> = HashMap::new();
    for a in attachments_of(db, &ids).await? {
        if let Some(owner) = a.submission_id {
            photos.entry(owner).or_default().push(a);
        }
    }
    rows.into_iter()
        .map(|s| {
            let category = categories
                .get(&s.category_id)
                .cloned()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("category missing")))?;
            Ok(Detailed {
                category,
                case: cases.get(&s.id).cloned(),
                photos: photos.remove(&s.id).unwrap_or_default(),
                submission: s,
            })
        })
        .collect()
}

/// Appends a step to a submission's history.
#[allow(clippy::too_many_arguments)]
pub async fn record_event(
    db: &impl ConnectionTrait,
    submission_id: Uuid,
    kind: &str,
    status: SubmissionStatus,
    public_note: Option<String>,
    actor_id: Option<Uuid>,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    submission_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(submission_id),
        at: Set(at),
        kind: Set(kind.to_owned()),
        status: Set(status),
        public_note: Set(public_note),
        actor_id: Set(actor_id),
        details: Set(details),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The history of a submission, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<submission_event::Model>, ApiError> {
    Ok(submission_event::Entity::find()
        .filter(submission_event::Column::SubmissionId.eq(id))
        .order_by(submission_event::Column::At, Order::Asc)
        .order_by(submission_event::Column::Id, Order::Asc)
        .all(db)
        .await?)
}

/// The photos of a submission, in order.
pub async fn attachments_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<attachment::Model>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachment::Entity::find()
        .filter(attachment::Column::SubmissionId.is_in(ids.iter().copied()))
        .order_by(attachment::Column::Position, Order::Asc)
        .all(db)
        .await?)
}

/// The categories of `ids`.
pub async fn categories_of(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<category::Model>, ApiError> {
    Ok(category::Entity::find()
        .filter(category::Column::Id.is_in(ids))
        .all(db)
        .await?)
}
