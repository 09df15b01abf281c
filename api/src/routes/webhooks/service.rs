//! Subscriptions of machine clients: checking targets and event types, and the deliveries.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use entity::{change, webhook, webhook_attempt, webhook_delivery};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::auth::client::Scope;
use crate::changes::sequencer;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::webhooks::delivery::Settings as Delivery;
use crate::webhooks::events::Patterns;
use crate::webhooks::signature;
use crate::webhooks::target::{self, TargetError};

/// Subscriptions per client: enough for every system a platform runs, few enough that a
/// leaked token cannot make the service a request amplifier.
pub const MAX_PER_CLIENT: u64 = 10;
const MAX_EVENT_TYPES: usize = 20;
const MAX_DESCRIPTION: usize = 200;

/// Webhooks belong to machine clients; a person's token is refused.
pub fn owner(caller: &AuthUser) -> Result<Uuid, ApiError> {
    caller.require_client(
        "Webhook 属于接口客户端，请使用客户端令牌。",
        "Webhooks belong to machine clients: use a client token.",
    )
}

fn target_error(err: &TargetError) -> ApiError {
    let zh = match err {
        TargetError::TooLong => "URL 过长（最多 2048 个字符）。",
        TargetError::Invalid => "URL 无效。",
        TargetError::NotHttps => "目标必须是 HTTPS 地址。",
        TargetError::ForbiddenAddress { .. } => {
            "目标指向内网、回环、链路本地或元数据地址，不允许。"
        }
        TargetError::Unresolvable => "目标主机名无法解析。",
    };
    ApiError::validation("url", err.code(), Text::new(zh.to_owned(), err.to_string()))
}

/// Checks `url` as a webhook target (after DNS too).
pub async fn check_url(sending: &Delivery, url: &str) -> Result<String, ApiError> {
    match target::check(url, &sending.policy).await {
        Ok((parsed, _)) => Ok(parsed.to_string()),
        Err(err) => Err(target_error(&err)),
    }
}

/// Checks the event types: known, not too many, and readable with the client's scopes.
pub fn check_event_types(caller: &AuthUser, types: &[String]) -> Result<Patterns, ApiError> {
    if types.is_empty() || types.len() > MAX_EVENT_TYPES {
        return Err(ApiError::validation(
            "event_types",
            "length",
            Text::fixed(
                "请订阅 1 到 20 种事件类型。",
                "Subscribe to 1 to 20 event types.",
            ),
        ));
    }
    let patterns = Patterns::parse(types.iter().map(|t| t.trim())).map_err(|unknown| {
        ApiError::validation(
            "event_types",
            "unknown_event_type",
            Text::new(
                format!("未知的事件类型：{unknown}"),
                format!(
                    "Unknown event type `{unknown}` (e.g. suggestion.updated, submission.*, *)."
                ),
            ),
        )
    })?;
    // `*` means "all I may read"; naming a type outright needs its scope.
    for p in &patterns.0 {
        if matches!(p, crate::webhooks::events::Pattern::All) {
            continue;
        }
        for object in p.objects() {
            let scope = if object.is_case() {
                Scope::ReadCases
            } else {
                Scope::ReadDirectory
            };
            if !caller.has_scope(scope) {
                return Err(ApiError::denied(
                    "insufficient_scope",
                    "客户端没有读取该类对象的权限范围。",
                    "The client lacks the scope to read this event type.",
                ));
            }
        }
    }
    Ok(patterns)
}

fn check_description(description: Option<String>) -> Result<Option<String>, ApiError> {
    // The limit counts the description as sent, as the contract does.
    let too_long = description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION);
    let description = description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    if too_long
        || description
            .as_ref()
            .is_some_and(|d| d.chars().any(char::is_control))
    {
        return Err(ApiError::validation(
            "description",
            "invalid",
            Text::fixed(
                "说明最多 200 个字符，且不含控制字符。",
                "At most 200 characters, without control characters.",
            ),
        ));
    }
    Ok(description)
}

/// The feed position a new subscription starts after: everything numbered so far is past.
async fn head(db: &Db) -> Result<i64, ApiError> {
    if sequencer::pending(db.reader()).await? {
        sequencer::sequence(db).await?;
    }
    let max: Option<Option<i64>> = change::Entity::find()
        .select_only()
        .column_as(change::Column::Position.max(), "max")
        .into_tuple()
        .one(db.reader())
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// Registers a subscription; returns it with its secret (shown once). Events from now on are
/// delivered.
pub async fn create(
    db: &Db,
    sending: &Delivery,
    caller: &AuthUser,
    info: &ClientInfo,
    url: &str,
    event_types: &[String],
    description: Option<String>,
) -> Result<(webhook::Model, String), ApiError> {
    let client_id = owner(caller)?;
    let patterns = check_event_types(caller, event_types)?;
    let description = check_description(description)?;
    let url = check_url(sending, url).await?;
    let existing = webhook::Entity::find()
        .filter(webhook::Column::ClientId.eq(client_id))
        .count(db.reader())
        .await?;
    if existing >= MAX_PER_CLIENT {
        return Err(ApiError::validation(
            "url",
            "too_many_webhooks",
            Text::fixed(
                "每个客户端最多 10 个 Webhook。",
                "A client may have at most 10 webhooks.",
            ),
        ));
    }
    let cursor = head(db).await?;
    let secret = signature::new_secret();
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let row = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id),
        url: Set(url),
        event_types: Set(patterns.stored()),
        description: Set(description),
        secret: Set(secret.clone()),
        status: Set("active".into()),
        cursor: Set(cursor),
        failing_since: Set(None),
        paused_at: Set(None),
        pause_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, info),
        Entry::new("webhook.create", "webhook", row.id)
            .region(caller.region_id)
            .details(serde_json::json!({
                "client_id": client_id,
                "url": row.url,
                "event_types": row.event_types,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok((row, secret))
}

/// The caller's subscription `id` (404 for anyone else's).
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<webhook::Model, ApiError> {
    let client_id = owner(caller)?;
    webhook::Entity::find_by_id(id)
        .filter(webhook::Column::ClientId.eq(client_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The caller's subscriptions, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<webhook::Model>, ApiError> {
    let client_id = owner(caller)?;
    let query = webhook::Entity::find().filter(webhook::Column::ClientId.eq(client_id));
    Ok(crate::db::keyset::newest_first(
        query,
        webhook::Column::CreatedAt,
        webhook::Column::Id,
        after,
        limit,
    )
    .all(db)
    .await?)
}

/// What a PATCH asks for.
pub struct Changes {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

/// Changes a subscription. Resuming it makes its waiting deliveries due at once.
pub async fn update(
    db: &Db,
    sending: &Delivery,
    caller: &AuthUser,
    info: &ClientInfo,
    id: Uuid,
    changes: Changes,
) -> Result<webhook::Model, ApiError> {
    let row = find(db.reader(), caller, id).await?;
    let patterns = changes
        .event_types
        .as_deref()
        .map(|t| check_event_types(caller, t))
        .transpose()?;
    let description = changes
        .description
        .map(|d| check_description(Some(d)))
        .transpose()?;
    let url = match changes.url.as_deref() {
        Some(u) => Some(check_url(sending, u).await?),
        None => None,
    };
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let resumed = changes.active == Some(true) && row.status != "active";
    let version = row.version;
    let mut active = row.into_active_model();
    if let Some(url) = url {
        active.url = Set(url);
    }
    if let Some(p) = &patterns {
        active.event_types = Set(p.stored());
    }
    if let Some(d) = description {
        active.description = Set(d);
    }
    match changes.active {
        Some(true) => {
            active.status = Set("active".into());
            active.paused_at = Set(None);
            active.pause_reason = Set(None);
            active.failing_since = Set(None);
        }
        Some(false) => {
            active.status = Set("paused".into());
            active.paused_at = Set(Some(now));
            active.pause_reason = Set(Some("owner".into()));
        }
        None => {}
    }
    active.version = Set(version + 1);
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    if resumed {
        // What waited while paused goes out now, not at the end of a long backoff.
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                sea_orm::sea_query::Expr::val(now),
            )
            .filter(webhook_delivery::Column::WebhookId.eq(row.id))
            .filter(webhook_delivery::Column::Status.eq("pending"))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, info),
        Entry::new("webhook.update", "webhook", row.id)
            .region(caller.region_id)
            .details(serde_json::json!({
                "url": row.url,
                "event_types": row.event_types,
                "status": row.status,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes a subscription with its deliveries.
pub async fn delete(
    db: &Db,
    caller: &AuthUser,
    info: &ClientInfo,
    id: Uuid,
) -> Result<(), ApiError> {
    let row = find(db.reader(), caller, id).await?;
    let txn = db.begin_write().await?;
    let url = row.url.clone();
    row.delete(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, info),
        Entry::new("webhook.delete", "webhook", id)
            .region(caller.region_id)
            .details(serde_json::json!({"url": url})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A page of the subscription's deliveries, newest first.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    hook: &webhook::Model,
    status: Option<&str>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<webhook_delivery::Model>, ApiError> {
    let mut query =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(hook.id));
    if let Some(status) = status {
        query = query.filter(webhook_delivery::Column::Status.eq(status));
    }
    Ok(crate::db::keyset::newest_first(
        query,
        webhook_delivery::Column::CreatedAt,
        webhook_delivery::Column::Id,
        after,
        limit,
    )
    .all(db)
    .await?)
}

/// Sends a delivery again: pending and due now, with a fresh retry window. A delivery being
/// sent at this moment is refused (409), so that it is not sent twice at once.
pub async fn redeliver(
    db: &Db,
    sending: &Delivery,
    caller: &AuthUser,
    info: &ClientInfo,
    hook: &webhook::Model,
    delivery_id: Uuid,
) -> Result<webhook_delivery::Model, ApiError> {
    let delivery = webhook_delivery::Entity::find_by_id(delivery_id)
        .filter(webhook_delivery::Column::WebhookId.eq(hook.id))
        .one(db.reader())
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = crate::clock::now();
    if delivery.lease_until.is_some_and(|l| l > now) {
        return Err(ApiError::Conflict(Text::fixed(
            "该投递正在发送，请稍后再试。",
            "This delivery is being sent right now; try again shortly.",
        )));
    }
    let window =
        chrono::Duration::from_std(sending.retry_window).unwrap_or(chrono::Duration::days(1));
    let txn = db.begin_write().await?;
    let mut active = delivery.into_active_model();
    active.status = Set("pending".into());
    active.next_attempt_at = Set(now);
    active.retry_until = Set(now + window);
    active.failed_at = Set(None);
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, info),
        Entry::new("webhook.redeliver", "webhook_delivery", row.id)
            .region(caller.region_id)
            .details(serde_json::json!({"webhook_id": hook.id, "event_type": row.event_type})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Attempts shown with each delivery.
const RECENT_ATTEMPTS: usize = 10;

/// The latest attempts of each of `deliveries`, newest first, in one query.
pub async fn attempts_of(
    db: &impl sea_orm::ConnectionTrait,
    deliveries: &[Uuid],
) -> Result<HashMap<Uuid, Vec<webhook_attempt::Model>>, ApiError> {
    let mut map: HashMap<Uuid, Vec<webhook_attempt::Model>> = HashMap::new();
    if deliveries.is_empty() {
        return Ok(map);
    }
    for a in webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(deliveries.iter().copied()))
        .order_by_desc(webhook_attempt::Column::Id)
        .all(db)
        .await?
    {
        let list = map.entry(a.delivery_id).or_default();
        if list.len() < RECENT_ATTEMPTS {
            list.push(a);
        }
    }
    Ok(map)
}
