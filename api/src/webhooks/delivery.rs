//! Sending due deliveries: signed POSTs to targets checked at every attempt, in order per object,
//! retried with exponential backoff and jitter until the delivery's retry window closes. A
//! subscription whose deliveries have failed for a whole window without one success is paused
//! and its client's owner told.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::notification::Channel;
use entity::{api_client, webhook, webhook_attempt, webhook_delivery};
use futures_util::StreamExt;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::signature;
use super::target::{self, TargetPolicy};
use crate::audit::ClientInfo;
use crate::audit::{self, Actor, Entry};
use crate::db::Db;
use crate::notify::outbox::{self, Message};

/// Deliveries taken per round, and sent at once.
const BATCH: u64 = 32;
const IN_FLIGHT: usize = 8;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How much of a receiver's answer or an error is kept.
const ERROR_CHARS: usize = 300;

/// How the worker sends.
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: TargetPolicy,
    pub timeout: Duration,
    pub retry_base: Duration,
    pub retry_window: Duration,
}

impl Settings {
    /// What the service's configuration asks for (`LIANLUO_WEBHOOK_*`).
    pub fn from_config(settings: &crate::config::Settings) -> Self {
        Settings {
            policy: TargetPolicy {
                allow_insecure: settings.webhook_allow_insecure,
                hosts: settings.webhook_resolve.clone(),
            },
            timeout: settings.webhook_timeout,
            retry_base: settings.webhook_retry_base,
            retry_window: settings.webhook_retry_window,
        }
    }
}

/// What one attempt came to.
#[derive(Debug)]
struct Outcome {
    status_code: Option<u16>,
    error: Option<String>,
    duration: Duration,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// The wait before attempt `attempts + 1`: `base · 2^(attempts-1)`, at most an hour, with
/// "equal jitter" (half fixed, half random) so that receivers coming back are not hit by every
/// retry at once.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = Ord::min(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0), 20);
    let full = base.saturating_mul(1 << exp).min(MAX_BACKOFF);
    let half = full / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// The deliveries that may be sent now: pending, due, not leased, of an active subscription, and
/// with no earlier pending delivery of the same object for the same subscription (in order per
/// object: a later event waits until the earlier one is delivered or has failed).
async fn due(db: &Db, now: DateTime<Utc>) -> Result<Vec<webhook_delivery::Model>, DbErr> {
    let earlier = Alias::new("earlier");
    let blocked = Query::select()
        .expr(Expr::val(1))
        .from_as(webhook_delivery::Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), webhook_delivery::Column::WebhookId)).equals((
                webhook_delivery::Entity,
                webhook_delivery::Column::WebhookId,
            )),
        )
        .and_where(
            Expr::col((earlier.clone(), webhook_delivery::Column::ObjectId))
                .equals((webhook_delivery::Entity, webhook_delivery::Column::ObjectId)),
        )
        .and_where(Expr::col((earlier.clone(), webhook_delivery::Column::Status)).eq("pending"))
        .and_where(
            Expr::col((earlier, webhook_delivery::Column::Position)).lt(Expr::col((
                webhook_delivery::Entity,
                webhook_delivery::Column::Position,
            ))),
        )
        .to_owned();
    // Paused subscriptions and those of disabled clients wait.
    let active = Query::select()
        .column(webhook::Column::Id)
        .from(webhook::Entity)
        .and_where(webhook::Column::Status.eq("active"))
        .and_where(
            webhook::Column::ClientId.in_subquery(
                Query::select()
                    .column(api_client::Column::Id)
                    .from(api_client::Entity)
                    .and_where(api_client::Column::Disabled.eq(false))
                    .to_owned(),
            ),
        )
        .to_owned();
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq("pending"))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(
            webhook_delivery::Column::LeaseUntil
                .is_null()
                .or(webhook_delivery::Column::LeaseUntil.lt(now)),
        )
        .filter(webhook_delivery::Column::WebhookId.in_subquery(active))
        .filter(Expr::exists(blocked).not())
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .order_by_asc(webhook_delivery::Column::Position)
        .limit(BATCH)
        .all(db.reader())
        .await
}

/// Claims `delivery` for this worker until `until`; false when another worker has it.
async fn claim(
    db: &Db,
    delivery: &webhook_delivery::Model,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let claimed = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::LeaseUntil, Expr::val(until))
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::Status.eq("pending"))
        .filter(
            webhook_delivery::Column::LeaseUntil
                .is_null()
                .or(webhook_delivery::Column::LeaseUntil.lt(now)),
        )
        .exec(db.writer())
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Sends the due deliveries; returns how many were attempted.
pub async fn run(db: &Db, settings: &Settings) -> Result<usize, DbErr> {
    let now = crate::clock::now();
    let due = due(db, now).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let hooks: HashMap<Uuid, webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(due.iter().map(|d| d.webhook_id)))
        .all(db.reader())
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    // Long enough for the DNS check and the request, so that a lease never lapses mid-send.
    let lease = chrono::Duration::from_std(
        settings.timeout + target::RESOLVE_TIMEOUT + Duration::from_secs(5),
    )
    .unwrap_or(chrono::Duration::minutes(5));
    let mut claimed = Vec::new();
    for delivery in due {
        let Some(hook) = hooks.get(&delivery.webhook_id) else {
            continue;
        };
        if claim(db, &delivery, now, now + lease).await? {
            claimed.push((delivery, hook.clone()));
        }
    }
    let attempted = claimed.len();
    let results: Vec<(webhook_delivery::Model, webhook::Model, Outcome)> =
        futures_util::stream::iter(claimed)
            .map(|(delivery, hook)| async move {
                let outcome = attempt(&hook, &delivery, settings).await;
                (delivery, hook, outcome)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
    for (delivery, hook, outcome) in results {
        // One failed record (the subscription deleted meanwhile) must not lose the others'.
        let id = delivery.id;
        if let Err(err) = record(db, settings, delivery, &hook, outcome).await {
            tracing::warn!(delivery = %id, error = %err, "could not record a webhook attempt");
        }
    }
    Ok(attempted)
}

fn clip(s: &str) -> String {
    s.chars().take(ERROR_CHARS).collect()
}

/// One signed POST of `delivery` to its subscription's URL.
async fn attempt(
    hook: &webhook::Model,
    delivery: &webhook_delivery::Model,
    settings: &Settings,
) -> Outcome {
    let started = Instant::now();
    let failed = |error: String, status_code: Option<u16>| Outcome {
        status_code,
        error: Some(clip(&error)),
        duration: started.elapsed(),
    };
    // The target is checked again at every attempt, and the connection is pinned to the
    // addresses checked, so that a DNS answer changed since registration (rebinding) cannot
    // turn a delivery towards an internal address.
    let (url, addrs) = match target::check(&hook.url, &settings.policy).await {
        Ok(checked) => checked,
        Err(err) => return failed(format!("target refused: {err}"), None),
    };
    let Some(host) = url.host_str().map(str::to_owned) else {
        return failed("target refused: no host".into(), None);
    };
    crate::notify::sms::ensure_crypto_provider();
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(settings.timeout)
        .resolve_to_addrs(&host, &addrs)
        .user_agent(concat!("lianluo-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(err) => return failed(format!("HTTP client: {err}"), None),
    };
    let timestamp = crate::clock::now().timestamp();
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Lianluo-Event-Id", delivery.id.to_string())
        .header("Lianluo-Event-Type", &delivery.event_type)
        .header(signature::TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            signature::SIGNATURE_HEADER,
            signature::header_value(&[&hook.secret], timestamp, delivery.body.as_bytes()),
        )
        .body(delivery.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Outcome {
            status_code: Some(response.status().as_u16()),
            error: None,
            duration: started.elapsed(),
        },
        Ok(response) => {
            let status = response.status();
            failed(
                format!("the receiver answered {status}"),
                Some(status.as_u16()),
            )
        }
        Err(err) if err.is_timeout() => failed(
            format!("no answer within {} ms", settings.timeout.as_millis()),
            None,
        ),
        Err(err) => failed(format!("could not deliver: {err}"), None),
    }
}

/// Records an attempt and its consequences in one transaction.
async fn record(
    db: &Db,
    settings: &Settings,
    delivery: webhook_delivery::Model,
    hook: &webhook::Model,
    outcome: Outcome,
) -> Result<(), DbErr> {
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    webhook_attempt::ActiveModel {
        delivery_id: Set(delivery.id),
        attempted_at: Set(now),
        status_code: Set(outcome.status_code.map(i32::from)),
        error: Set(outcome.error.clone()),
        duration_ms: Set(i32::try_from(outcome.duration.as_millis()).unwrap_or(i32::MAX)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let attempts = delivery.attempts + 1;
    let retry_until = delivery.retry_until;
    let mut row = delivery.into_active_model();
    row.attempts = Set(attempts);
    row.lease_until = Set(None);
    row.last_status_code = Set(outcome.status_code.map(i32::from));
    row.last_error = Set(outcome.error.clone());
    if outcome.ok() {
        row.status = Set("delivered".into());
        row.delivered_at = Set(Some(now));
    } else if now >= retry_until {
        row.status = Set("failed".into());
        row.failed_at = Set(Some(now));
    } else {
        let wait = chrono::Duration::from_std(backoff(settings.retry_base, attempts))
            .unwrap_or(chrono::Duration::hours(1));
        row.next_attempt_at = Set(now + wait);
    }
    row.update(&txn).await?;
    // The subscription's run of failures: cleared by a success, started by a first failure,
    // and after a whole retry window without a success the subscription is paused.
    let Some(current) = webhook::Entity::find_by_id(hook.id).one(&txn).await? else {
        return txn.commit().await;
    };
    if outcome.ok() {
        if current.failing_since.is_some() {
            let mut h = current.into_active_model();
            h.failing_since = Set(None);
            h.update(&txn).await?;
        }
    } else {
        let window =
            chrono::Duration::from_std(settings.retry_window).unwrap_or(chrono::Duration::days(1));
        let since = run_start(current.failing_since, retry_until, window, now);
        let pause = current.status == "active" && now - since >= window;
        let (client_id, version) = (current.client_id, current.version);
        let mut h = current.into_active_model();
        h.failing_since = Set(Some(since));
        if pause {
            h.status = Set("paused".into());
            h.paused_at = Set(Some(now));
            h.pause_reason = Set(Some("failing".into()));
            h.version = Set(version + 1);
            h.updated_at = Set(now);
        }
        h.update(&txn).await?;
        if pause {
            paused(&txn, hook, client_id, since).await?;
        }
    }
    txn.commit().await
}

/// Tells the owner of `client_id` (the administrator who created it) that `hook` was paused,
/// and audits it.
async fn paused(
    txn: &sea_orm::DatabaseTransaction,
    hook: &webhook::Model,
    client_id: Uuid,
    since: DateTime<Utc>,
) -> Result<(), DbErr> {
    let client = api_client::Entity::find_by_id(client_id).one(txn).await?;
    let region = client.as_ref().map(|c| c.region_id);
    if let Some(owner) = client.as_ref().and_then(|c| c.created_by) {
        let name = client.as_ref().map(|c| c.name.clone()).unwrap_or_default();
        outbox::enqueue(
            txn,
            &Message {
                dedupe_key: format!("webhook:{}:paused:{}", hook.id, since.timestamp()),
                recipient_user_id: Some(owner),
                address: None,
                channel: Channel::Inbox,
                template: "webhook.paused",
                title: "Webhook 已暂停".into(),
                body: format!(
                    "接口客户端“{name}”的 Webhook（{}）自 {} 起投递持续失败，已暂停。修复接收端后请恢复。",
                    hook.url,
                    since.format("%Y-%m-%d %H:%M UTC")
                ),
                data: serde_json::json!({
                    "webhook_id": hook.id,
                    "client_id": client_id,
                    "failing_since": since,
                }),
                subject_type: "webhook",
                subject_id: hook.id,
                due_at: crate::clock::now(),
            },
        )
        .await?;
    }
    audit::record(
        txn,
        Actor::system(&ClientInfo::default()),
        Entry::new("webhook.pause", "webhook", hook.id)
            .region(region)
            .details(serde_json::json!({"reason": "failing", "failing_since": since})),
    )
    .await
}

/// When a subscription's run of failures began, given the run recorded so far and the failed
/// delivery's retry window (`retry_until`, `window` long). A new run starts when that delivery
/// became due (its window's start), not at its first attempt: the delivery is given up at the end
/// of that same window, and its last attempt must see the run as a whole window long, or a
/// subscription whose only event never got through would stay active (a late first attempt on a
/// busy machine showed it).
fn run_start(
    failing_since: Option<DateTime<Utc>>,
    retry_until: DateTime<Utc>,
    window: chrono::Duration,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    failing_since.unwrap_or_else(|| std::cmp::min(retry_until - window, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_failures_starts_when_the_failed_delivery_became_due() {
        let window = chrono::Duration::hours(24);
        let due = "2026-12-03T08:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let retry_until = due + window;
        // A first attempt an hour late still dates the run from when the event was due...
        let late = due + chrono::Duration::hours(1);
        assert_eq!(run_start(None, retry_until, window, late), due);
        // ...so the delivery's last attempt, at the end of its window, sees a whole window.
        assert!(retry_until - run_start(None, retry_until, window, retry_until) >= window);
        // A run already under way keeps its start.
        let earlier = due - chrono::Duration::hours(5);
        assert_eq!(run_start(Some(earlier), retry_until, window, late), earlier);
        // A window longer than the clock has run never dates the run after now.
        let now = due;
        assert_eq!(run_start(None, now + window * 2, window, now), now);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(10);
        for _ in 0..50 {
            let first = backoff(base, 1);
            assert!(
                first >= Duration::from_secs(5) && first <= base,
                "{first:?}"
            );
            let fourth = backoff(base, 4);
            assert!(fourth >= Duration::from_secs(40) && fourth <= Duration::from_secs(80));
            let late = backoff(base, 60);
            assert!(late >= MAX_BACKOFF / 2 && late <= MAX_BACKOFF);
        }
        // Not every wait is the same: the jitter spreads them.
        let waits: std::collections::HashSet<_> = (0..20).map(|_| backoff(base, 3)).collect();
        assert!(waits.len() > 1);
    }
}
