//! `notifications`: the outbox. Every message the service sends (an SMS through the gateway, a
//! line in a user's inbox) is a row here first, written in the transaction that caused it; the
//! sender delivers what is due and records the outcome.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Channel {
    /// A text message to `address`, through the configured SMS gateway.
    #[sea_orm(string_value = "sms")]
    Sms,
    /// The recipient's inbox (`GET /api/v1/me/notifications`).
    #[sea_orm(string_value = "inbox")]
    Inbox,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum State {
    /// Waiting for its due time (or its next attempt).
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Claimed by a sender until `lease_until`.
    #[sea_orm(string_value = "sending")]
    Sending,
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Gave up: refused by the gateway, or out of attempts.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// No longer wanted (the session was cancelled or moved) before it was sent.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user it is for, when the recipient has an account (always for the inbox).
    pub recipient_user_id: Option<Uuid>,
    /// The phone number of an SMS.
    pub address: Option<String>,
    pub channel: Channel,
    /// What kind of message, e.g. `reception.duty_sms`.
    pub template: String,
    /// The rendered `title` and `body`, and the facts they were made from.
    pub payload: Json,
    /// What makes a message unique: scheduling the same one twice finds this row.
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    pub due_at: DateTimeUtc,
    pub next_attempt_at: DateTimeUtc,
    pub state: State,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub read_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
