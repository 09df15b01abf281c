//! Writing deliveries from the change feed: for each active subscription, the sequenced changes
//! after its cursor that it may see (its client's region and scopes) and subscribed to, one
//! delivery each, with the cursor advanced in the same transaction.

use std::collections::HashMap;
use std::time::Duration;

use entity::{api_client, webhook, webhook_delivery};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::events::{Patterns, event_type};
use crate::auth::RegionScope;
use crate::auth::client::{Scope, parse_scopes};
use crate::changes::feed::{self, Change, ObjectType};
use crate::db::Db;

/// Changes read per subscription and transaction.
const PAGE: u64 = 200;

/// The object types a subscription receives: what it asked for and its client may read.
pub fn deliverable(patterns: &Patterns, client: &api_client::Model) -> Vec<ObjectType> {
    let scopes = parse_scopes(&client.scopes).unwrap_or_default();
    patterns
        .objects()
        .into_iter()
        .filter(|t| {
            scopes.contains(&if t.is_case() {
                Scope::ReadCases
            } else {
                Scope::ReadDirectory
            })
        })
        .collect()
}

/// The JSON body of the event for `change`, delivered as `id`.
pub fn body(id: Uuid, change: &Change) -> String {
    json!({
        "id": id,
        "type": event_type(change.object_type, &change.op),
        "position": change.position,
        "occurred_at": change.at,
        "object": {
            "type": change.object_type.as_str(),
            "id": change.object_id,
            "version": change.version,
            "tombstone": change.summary.is_none(),
            "summary": change.summary,
        },
    })
    .to_string()
}

/// Writes the deliveries of every active subscription; returns how many it wrote.
pub async fn run(db: &Db, retry_window: Duration) -> Result<usize, DbErr> {
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::Status.eq("active"))
        .all(db.reader())
        .await?;
    if hooks.is_empty() {
        return Ok(0);
    }
    let clients: HashMap<Uuid, api_client::Model> = api_client::Entity::find()
        .filter(api_client::Column::Id.is_in(hooks.iter().map(|h| h.client_id)))
        .all(db.reader())
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut written = 0;
    for hook in hooks {
        // A disabled client's subscriptions wait; they resume where they were when it is enabled.
        let Some(client) = clients.get(&hook.client_id).filter(|c| !c.disabled) else {
            continue;
        };
        written += fan_out_one(db, hook, client, retry_window).await?;
    }
    Ok(written)
}

async fn fan_out_one(
    db: &Db,
    mut hook: webhook::Model,
    client: &api_client::Model,
    retry_window: Duration,
) -> Result<usize, DbErr> {
    let patterns = Patterns::parse(hook.event_types.split_whitespace()).unwrap_or_default();
    let types = deliverable(&patterns, client);
    if types.is_empty() {
        return Ok(0);
    }
    let scope = RegionScope::Subtree(client.region_id);
    let window = chrono::Duration::from_std(retry_window).unwrap_or(chrono::Duration::days(1));
    let mut written = 0;
    loop {
        let changes = feed::page(db.reader(), hook.cursor, PAGE, &types, &scope).await?;
        let Some(last) = changes.last().map(|c| c.position) else {
            return Ok(written);
        };
        let now = crate::clock::now();
        let rows: Vec<webhook_delivery::ActiveModel> = changes
            .iter()
            .filter(|c| patterns.matches(c.object_type, &c.op))
            .map(|c| {
                let id = Uuid::now_v7();
                webhook_delivery::ActiveModel {
                    id: Set(id),
                    webhook_id: Set(hook.id),
                    position: Set(c.position),
                    event_type: Set(event_type(c.object_type, &c.op)),
                    object_id: Set(c.object_id),
                    body: Set(body(id, c)),
                    status: Set("pending".into()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    retry_until: Set(now + window),
                    lease_until: Set(None),
                    last_status_code: Set(None),
                    last_error: Set(None),
                    created_at: Set(now),
                    delivered_at: Set(None),
                    failed_at: Set(None),
                }
            })
            .collect();
        let count = rows.len();
        let txn = db.begin_write().await?;
        // The cursor moves only from where this run read it: a second worker (another process)
        // that got there first makes this update match nothing, and this run backs off.
        let moved = webhook::Entity::update_many()
            .col_expr(webhook::Column::Cursor, last.into())
            .filter(webhook::Column::Id.eq(hook.id))
            .filter(webhook::Column::Cursor.eq(hook.cursor))
            .exec(&txn)
            .await?;
        if moved.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(written);
        }
        if !rows.is_empty() {
            webhook_delivery::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        webhook_delivery::Column::WebhookId,
                        webhook_delivery::Column::Position,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .try_insert()
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        written += count;
        hook.cursor = last;
        if (changes.len() as u64) < PAGE {
            return Ok(written);
        }
    }
}
