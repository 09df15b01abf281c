//! Wire types of notifications.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// A message in the caller's inbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxItemDto {
    pub id: Uuid,
    /// What kind, e.g. `reception.duty_reminder`.
    pub template: String,
    pub title: String,
    pub body: String,
    /// The facts the text was made from (session id, station, date, hours, place...).
    pub data: serde_json::Value,
    pub sent_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelDto {
    Sms,
    Inbox,
}

/// Where a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStateDto {
    Queued,
    Sending,
    Sent,
    Failed,
    Cancelled,
}

/// Filters of the outbox.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxFilters {
    pub state: Option<DeliveryStateDto>,
    pub channel: Option<ChannelDto>,
    /// Messages about this object (a reception session, ...).
    pub subject_id: Option<Uuid>,
}

/// A message of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxItemDto {
    pub id: Uuid,
    pub channel: ChannelDto,
    pub template: String,
    pub recipient_user_id: Option<Uuid>,
    /// The phone of an SMS, masked.
    pub address: Option<String>,
    pub title: String,
    pub body: String,
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    pub state: DeliveryStateDto,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub due_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}
