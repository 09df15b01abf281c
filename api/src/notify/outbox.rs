//! Writing to the outbox: enqueue one message, or bring a subject's scheduled messages in line
//! with what is wanted now (reschedule what moved, cancel what is no longer wanted, never touch
//! what was already sent).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::notification::{self, Channel, State};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Unique per message: the same key is the same message, however often it is scheduled.
    pub dedupe_key: String,
    pub recipient_user_id: Option<Uuid>,
    /// The phone number, for SMS.
    pub address: Option<String>,
    pub channel: Channel,
    pub template: &'static str,
    pub title: String,
    pub body: String,
    /// The facts the text was made from, for clients that render their own.
    pub data: serde_json::Value,
    pub subject_type: &'static str,
    pub subject_id: Uuid,
    pub due_at: DateTime<Utc>,
}

impl Message {
    fn payload(&self) -> serde_json::Value {
        json!({"title": self.title, "body": self.body, "data": self.data})
    }

    fn active_model(&self, now: DateTime<Utc>) -> notification::ActiveModel {
        notification::ActiveModel {
            id: Set(Uuid::now_v7()),
            recipient_user_id: Set(self.recipient_user_id),
            address: Set(self.address.clone()),
            channel: Set(self.channel),
            template: Set(self.template.to_owned()),
            payload: Set(self.payload()),
            dedupe_key: Set(self.dedupe_key.clone()),
            subject_type: Set(self.subject_type.to_owned()),
            subject_id: Set(Some(self.subject_id)),
            due_at: Set(self.due_at),
            next_attempt_at: Set(self.due_at),
            state: Set(State::Queued),
            attempts: Set(0),
            last_error: Set(None),
            lease_until: Set(None),
            sent_at: Set(None),
            read_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// Queues `message` unless a message with its key exists already.
pub async fn enqueue(db: &impl ConnectionTrait, message: &Message) -> Result<(), DbErr> {
    notification::Entity::insert(message.active_model(crate::clock::now()))
        .on_conflict(
            OnConflict::column(notification::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(db)
        .await?;
    Ok(())
}

/// Makes the messages of `subject_id` with one of `templates` match `wanted`: a wanted message
/// not yet written is queued; one still queued gets its new due time and text; one cancelled is
/// queued again; one sent, being sent or failed is left as it is. Queued messages no longer
/// wanted are cancelled. Returns how many were queued, changed or cancelled.
pub async fn sync(
    db: &impl ConnectionTrait,
    subject_id: Uuid,
    templates: &[&str],
    wanted: &[Message],
) -> Result<usize, DbErr> {
    let now = crate::clock::now();
    let existing: HashMap<String, notification::Model> = notification::Entity::find()
        .filter(notification::Column::SubjectId.eq(subject_id))
        .filter(notification::Column::Template.is_in(templates.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.dedupe_key.clone(), n))
        .collect();
    let mut changed = 0;
    for message in wanted {
        match existing.get(&message.dedupe_key) {
            None => {
                enqueue(db, message).await?;
                changed += 1;
            }
            Some(row) if matches!(row.state, State::Queued | State::Cancelled) => {
                let payload = message.payload();
                if row.state == State::Queued
                    && row.due_at == message.due_at
                    && row.payload == payload
                {
                    continue;
                }
                let mut active: notification::ActiveModel = row.clone().into();
                active.state = Set(State::Queued);
                active.due_at = Set(message.due_at);
                active.next_attempt_at = Set(message.due_at);
                active.payload = Set(payload);
                active.address = Set(message.address.clone());
                active.updated_at = Set(now);
                active.update(db).await?;
                changed += 1;
            }
            Some(_) => {}
        }
    }
    let keep: std::collections::HashSet<&str> =
        wanted.iter().map(|m| m.dedupe_key.as_str()).collect();
    let stale: Vec<Uuid> = existing
        .values()
        .filter(|n| n.state == State::Queued && !keep.contains(n.dedupe_key.as_str()))
        .map(|n| n.id)
        .collect();
    if !stale.is_empty() {
        changed += stale.len();
        notification::Entity::update_many()
            .col_expr(
                notification::Column::State,
                sea_orm::sea_query::Expr::value(State::Cancelled.to_value()),
            )
            .col_expr(
                notification::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(notification::Column::Id.is_in(stale))
            .filter(notification::Column::State.eq(State::Queued))
            .exec(db)
            .await?;
    }
    Ok(changed)
}
