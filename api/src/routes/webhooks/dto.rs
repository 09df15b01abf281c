//! Request and response bodies of `/api/v1/webhooks`.

use chrono::{DateTime, Utc};
use entity::{webhook_attempt, webhook_delivery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use entity::webhook;

#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://platform.example.cn/hooks/lianluo", "event_types": ["suggestion.*", "submission.updated"], "description": "区数字人大平台"}))]
pub struct CreateWebhookRequest {
    /// HTTPS, at most 2,048 characters, and not resolving to a loopback, private, link-local or
    /// metadata address.
    #[schema(max_length = 2048)]
    pub url: String,
    /// `<type>.<op>` (`suggestion.updated`), `<type>.*` or `*`; types are `submission`,
    /// `suggestion`, `station`, `deputy`, `reception`, ops `created`, `updated`, `deleted`.
    /// Case types need the client's `read:cases` scope, the others `read:directory`. 1 to 20
    /// of them.
    #[schema(min_items = 1, max_items = 20, value_type = Vec<EventTypePattern>)]
    pub event_types: Vec<String>,
    /// Up to 200 characters, without control characters.
    #[schema(max_length = 200)]
    pub description: Option<String>,
}

/// An event type to subscribe to: `<type>.<op>`, `<type>.*` or `*`.
#[derive(ToSchema)]
#[schema(
    example = "suggestion.updated",
    pattern = r"^\s*(?:\*|(?:submission|suggestion|station|deputy|reception)\.(?:\*|created|updated|deleted))\s*$"
)]
pub struct EventTypePattern(#[allow(dead_code)] String);

#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// As at creation: HTTPS, at most 2,048 characters.
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// As at creation: 1 to 20 event types.
    #[schema(min_items = 1, max_items = 20, value_type = Option<Vec<EventTypePattern>>)]
    pub event_types: Option<Vec<String>>,
    /// Up to 200 characters, without control characters.
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// `false` pauses deliveries; `true` resumes them (also after an automatic pause), and the
    /// deliveries waiting are sent at once.
    pub active: Option<bool>,
}

/// Whether deliveries are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatusDto {
    Active,
    Paused,
}

/// A subscription (never its secret, except once when created).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub status: WebhookStatusDto,
    /// `owner` (paused through the API) or `failing` (paused after failing for 24 hours).
    pub pause_reason: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
    /// When the current run of failed attempts began.
    pub failing_since: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new subscription with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecretDto {
    #[serde(flatten)]
    pub webhook: WebhookDto,
    /// The HMAC-SHA256 key of `Lianluo-Signature` (the whole string, prefix included).
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatusDto {
    Pending,
    Delivered,
    Failed,
}

/// One HTTP attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptDto {
    pub at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// One event for this subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Also the event id (`Lianluo-Event-Id`), the same on every attempt.
    pub id: Uuid,
    pub event_type: String,
    pub object_id: Uuid,
    /// The change's position in the feed.
    pub position: i64,
    pub status: DeliveryStatusDto,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    /// The latest attempts, newest first (at most 10).
    pub recent_attempts: Vec<AttemptDto>,
    /// The body as sent.
    pub body: serde_json::Value,
}

/// Delivery list filters (with `limit` and `cursor`).
#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilters {
    /// Only deliveries in this state.
    pub status: Option<DeliveryStatusDto>,
}

pub fn status_dto(s: &str) -> DeliveryStatusDto {
    match s {
        "delivered" => DeliveryStatusDto::Delivered,
        "failed" => DeliveryStatusDto::Failed,
        _ => DeliveryStatusDto::Pending,
    }
}

pub fn status_name(s: DeliveryStatusDto) -> &'static str {
    match s {
        DeliveryStatusDto::Pending => "pending",
        DeliveryStatusDto::Delivered => "delivered",
        DeliveryStatusDto::Failed => "failed",
    }
}

pub fn delivery_dto(
    d: webhook_delivery::Model,
    attempts: Vec<webhook_attempt::Model>,
) -> DeliveryDto {
    let pending = d.status == "pending";
    DeliveryDto {
        id: d.id,
        event_type: d.event_type,
        object_id: d.object_id,
        position: d.position,
        status: status_dto(&d.status),
        attempts: d.attempts,
        next_attempt_at: pending.then_some(d.next_attempt_at),
        last_status_code: d.last_status_code,
        last_error: d.last_error,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
        failed_at: d.failed_at,
        recent_attempts: attempts
            .into_iter()
            .map(|a| AttemptDto {
                at: a.attempted_at,
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
            })
            .collect(),
        body: serde_json::from_str(&d.body).unwrap_or(serde_json::Value::Null),
    }
}

impl From<webhook::Model> for WebhookDto {
    fn from(w: webhook::Model) -> Self {
        WebhookDto {
            id: w.id,
            url: w.url,
            event_types: w
                .event_types
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            description: w.description,
            status: if w.status == "active" {
                WebhookStatusDto::Active
            } else {
                WebhookStatusDto::Paused
            },
            pause_reason: w.pause_reason,
            paused_at: w.paused_at,
            failing_since: w.failing_since,
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}
