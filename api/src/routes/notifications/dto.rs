//! Wire types of notifications.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::Phone;
use entity::notification::{self, Channel, State};

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

/// The text under `key` in a message's payload (empty when missing).
fn text(n: &notification::Model, key: &str) -> String {
    n.payload
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

impl InboxItemDto {
    pub fn of(n: &notification::Model) -> Self {
        InboxItemDto {
            id: n.id,
            template: n.template.clone(),
            title: text(n, "title"),
            body: text(n, "body"),
            data: n.payload.get("data").cloned().unwrap_or_default(),
            sent_at: n.sent_at.unwrap_or_default(),
            read_at: n.read_at,
        }
    }
}

impl OutboxItemDto {
    /// A queued message as the outbox shows it: the address masked.
    pub fn of(n: &notification::Model) -> Self {
        OutboxItemDto {
            id: n.id,
            channel: n.channel.into(),
            template: n.template.clone(),
            recipient_user_id: n.recipient_user_id,
            address: n.address.as_deref().map(Phone::mask),
            title: text(n, "title"),
            body: text(n, "body"),
            subject_type: n.subject_type.clone(),
            subject_id: n.subject_id,
            state: n.state.into(),
            attempts: n.attempts,
            last_error: n.last_error.clone(),
            due_at: n.due_at,
            next_attempt_at: n.next_attempt_at,
            sent_at: n.sent_at,
            created_at: n.created_at,
        }
    }
}

impl From<Channel> for ChannelDto {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Sms => ChannelDto::Sms,
            Channel::Inbox => ChannelDto::Inbox,
        }
    }
}

impl From<ChannelDto> for Channel {
    fn from(c: ChannelDto) -> Self {
        match c {
            ChannelDto::Sms => Channel::Sms,
            ChannelDto::Inbox => Channel::Inbox,
        }
    }
}

impl From<State> for DeliveryStateDto {
    fn from(s: State) -> Self {
        match s {
            State::Queued => DeliveryStateDto::Queued,
            State::Sending => DeliveryStateDto::Sending,
            State::Sent => DeliveryStateDto::Sent,
            State::Failed => DeliveryStateDto::Failed,
            State::Cancelled => DeliveryStateDto::Cancelled,
        }
    }
}

impl From<DeliveryStateDto> for State {
    fn from(s: DeliveryStateDto) -> Self {
        match s {
            DeliveryStateDto::Queued => State::Queued,
            DeliveryStateDto::Sending => State::Sending,
            DeliveryStateDto::Sent => State::Sent,
            DeliveryStateDto::Failed => State::Failed,
            DeliveryStateDto::Cancelled => State::Cancelled,
        }
    }
}
