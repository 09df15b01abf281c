//! The audit trail: one row per security-relevant action, written in the same transaction as the
//! change it describes, never updated or deleted.

use entity::audit_event;
use sea_orm::{ActiveEnum, ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

use crate::auth::AuthUser;

/// Where a request came from, as the trail keeps it: the client's address, its user agent and
/// the request id. A plain value: `http::client` reads it from a request, and the background
/// work that writes the trail passes `ClientInfo::default()`.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// Who acted: a signed-in user, or the system / command line (`user: None`).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: Option<&'a AuthUser>,
    pub client: &'a ClientInfo,
}

impl<'a> Actor<'a> {
    pub fn user(user: &'a AuthUser, client: &'a ClientInfo) -> Self {
        Actor {
            user: Some(user),
            client,
        }
    }

    pub fn system(client: &'a ClientInfo) -> Self {
        Actor { user: None, client }
    }
}

/// What happened, to what.
#[derive(Debug, Clone)]
pub struct Entry {
    /// A stable verb, e.g. `user.create`.
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<String>,
    pub region_id: Option<Uuid>,
    /// What changed. Never secrets, never unmasked personal data.
    pub details: serde_json::Value,
}

impl Entry {
    pub fn new(action: &'static str, target_type: &'static str, target_id: impl ToString) -> Self {
        Entry {
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            region_id: None,
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn region(mut self, region_id: Option<Uuid>) -> Self {
        self.region_id = region_id;
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends `entry` to the trail.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Actor<'_>,
    entry: Entry,
) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(crate::clock::now()),
        actor_user_id: Set(actor.user.map(|u| u.id)),
        actor_role: Set(actor.user.map(|u| u.role.to_value())),
        action: Set(entry.action.to_owned()),
        target_type: Set(entry.target_type.to_owned()),
        target_id: Set(entry.target_id),
        region_id: Set(entry.region_id),
        details: Set(entry.details),
        client_ip: Set(actor.client.ip.clone()),
        request_id: Set(actor.client.request_id.clone()),
    }
    .insert(db)
    .await?;
    Ok(())
}
