//! The notification sender: a loop inside the service that delivers due outbox messages.
//!
//! Each message is claimed with a conditional update (`queued` → `sending`, with a lease) so
//! that two senders, in one process or several, never both take it; the outcome is written
//! after the attempt. A message whose sender died mid-send is released when its lease runs out
//! and sent again with the same `Idempotency-Key`. Inbox messages are "sent" by becoming
//! visible. SMS messages wait, queued, while no gateway is configured.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::notification::{self, Channel, State};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveEnum, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::sms::{Gateway, SendError};
use crate::db::Db;

/// How long a claimed message may take before another sender may take it over.
const LEASE: Duration = Duration::from_secs(120);
/// Messages taken per round.
const BATCH: u64 = 50;
/// The longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The sender's configuration.
#[derive(Debug, Clone)]
pub struct Sender {
    pub gateway: Option<Gateway>,
    pub retry_base: Duration,
    pub max_attempts: u32,
}

/// Delivers what is due every `interval` until `stop` turns true. A round under way when it
/// does is finished first: stopping never leaves a sent message unrecorded.
pub async fn run(
    db: Db,
    sender: Sender,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        if *stop.borrow() {
            return;
        }
        match deliver_due(&db, &sender).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(delivered = n, "notifications"),
            Err(err) => tracing::warn!(error = %err, "notification round failed"),
        }
    }
}

fn at(now: DateTime<Utc>, after: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::hours(1))
}

/// The wait before attempt `attempts + 1`: `base`, doubled per earlier attempt, at most an hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(Ord::min(attempts.saturating_sub(1), 20));
    Ord::min(base.saturating_mul(factor), MAX_BACKOFF)
}

/// One round: releases expired leases, then claims and delivers the due messages. Returns how
/// many were sent.
pub async fn deliver_due(db: &Db, sender: &Sender) -> Result<usize, DbErr> {
    let now = crate::clock::now();
    notification::Entity::update_many()
        .col_expr(
            notification::Column::State,
            Expr::value(State::Queued.to_value()),
        )
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(notification::Column::State.eq(State::Sending))
        .filter(notification::Column::LeaseUntil.lt(now))
        .exec(db.writer())
        .await?;

    let mut channels = vec![Channel::Inbox];
    if sender.gateway.is_some() {
        channels.push(Channel::Sms);
    }
    let due = notification::Entity::find()
        .filter(notification::Column::State.eq(State::Queued))
        .filter(notification::Column::NextAttemptAt.lte(now))
        .filter(notification::Column::Channel.is_in(channels))
        .order_by_asc(notification::Column::NextAttemptAt)
        .limit(BATCH)
        .all(db.reader())
        .await?;

    let mut sent = 0;
    for message in due {
        let claimed = notification::Entity::update_many()
            .col_expr(
                notification::Column::State,
                Expr::value(State::Sending.to_value()),
            )
            .col_expr(
                notification::Column::LeaseUntil,
                Expr::value(at(now, LEASE)),
            )
            .col_expr(
                notification::Column::Attempts,
                Expr::col(notification::Column::Attempts).add(1),
            )
            .col_expr(notification::Column::UpdatedAt, Expr::value(now))
            .filter(notification::Column::Id.eq(message.id))
            .filter(notification::Column::State.eq(State::Queued))
            .exec(db.writer())
            .await?;
        if claimed.rows_affected != 1 {
            continue; // another sender took it, or it was cancelled meanwhile
        }
        let attempts = u32::try_from(message.attempts + 1).unwrap_or(u32::MAX);
        let outcome = match (message.channel, &sender.gateway) {
            (Channel::Inbox, _) => Ok(()),
            (Channel::Sms, Some(gateway)) => gateway.send(&message).await,
            (Channel::Sms, None) => Err(SendError::Transient("no SMS gateway".into())),
        };
        let done = crate::clock::now();
        let update = notification::Entity::update_many()
            .col_expr(
                notification::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(notification::Column::UpdatedAt, Expr::value(done))
            .filter(notification::Column::Id.eq(message.id))
            .filter(notification::Column::State.eq(State::Sending));
        let update = match outcome {
            Ok(()) => {
                sent += 1;
                update
                    .col_expr(
                        notification::Column::State,
                        Expr::value(State::Sent.to_value()),
                    )
                    .col_expr(notification::Column::SentAt, Expr::value(done))
                    .col_expr(
                        notification::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
            }
            Err(SendError::Transient(reason)) if attempts < sender.max_attempts => {
                tracing::info!(id = %message.id, attempts, %reason, "notification will be retried");
                update
                    .col_expr(
                        notification::Column::State,
                        Expr::value(State::Queued.to_value()),
                    )
                    .col_expr(
                        notification::Column::NextAttemptAt,
                        Expr::value(at(done, backoff(sender.retry_base, attempts))),
                    )
                    .col_expr(
                        notification::Column::LastError,
                        Expr::value(truncate(&reason)),
                    )
            }
            Err(err) => {
                tracing::warn!(id = %message.id, attempts, error = %err, "notification failed");
                update
                    .col_expr(
                        notification::Column::State,
                        Expr::value(State::Failed.to_value()),
                    )
                    .col_expr(
                        notification::Column::LastError,
                        Expr::value(truncate(&err.to_string())),
                    )
            }
        };
        update.exec(db.writer()).await?;
    }
    Ok(sent)
}

fn truncate(reason: &str) -> String {
    reason.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 50), MAX_BACKOFF);
    }
}
