//! The store of `Idempotency-Key` records, and the "applied" mark that commits with a request's
//! own work. The HTTP side (reading the header and body, replaying a response) is the
//! middleware `http::idempotency`; this module knows rows, not requests.
//!
//! A crash between a request's commit and the recording of its response must not let a retry
//! run it twice. While the request runs (inside [`applying`]) the key's row id is in a
//! task-local, and every write transaction it opens ([`Db::begin_write`](super::Db::begin_write))
//! marks the row `applied` as its first statement: the mark commits exactly when the work does.

use std::future::Future;

use chrono::Duration;
use entity::idempotency_key;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};
use uuid::Uuid;

use super::Db;
use crate::error::ApiError;

tokio::task_local! {
    /// The idempotency key row of the request running in this task.
    static APPLYING: Uuid;
}

/// How long a recorded response is replayed.
pub const RETENTION: Duration = Duration::hours(24);
/// After this long without an answer, a request in flight is taken to have died with its process.
const LOCK: Duration = Duration::seconds(60);

/// What [`begin`] found under a key.
pub enum Begun {
    /// The request is new (or takes over an abandoned one): run it, under this row.
    Fresh(Uuid),
    /// The request was answered before: replay this row's response.
    Replay(idempotency_key::Model),
}

/// Runs `work` as the request of key row `row_id`: its write transactions mark the row applied.
pub async fn applying<F: Future>(row_id: Uuid, work: F) -> F::Output {
    APPLYING.scope(row_id, work).await
}

/// Takes `key` of `principal` for a request whose method, path, query and body hash to `hash`:
/// 422 if the key was used for another request, 409 while it is in flight or when it was applied
/// by a request that died before answering.
pub async fn begin(db: &Db, principal: &str, key: &str, hash: &str) -> Result<Begun, ApiError> {
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Principal.eq(principal))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&txn)
        .await?;
    let outcome = match existing {
        Some(row) if row.created_at > now - RETENTION => {
            if row.request_hash != hash {
                return Err(ApiError::IdempotencyKeyReused);
            }
            if row.completed {
                return Ok(Begun::Replay(row));
            }
            if row.locked_until > now {
                return Err(ApiError::IdempotencyInFlight);
            }
            if row.applied {
                // Its process died after committing and before recording the answer.
                return Err(ApiError::clash(
                    "idempotency_applied",
                    "该请求已经处理，但结果未能保存；请查看您的记录，不要再次提交。",
                    "This request was carried out but its response was not kept: look the result up instead of sending it again.",
                ));
            }
            // Abandoned by a process that died: this request takes over.
            let id = row.id;
            let mut active: idempotency_key::ActiveModel = row.into();
            active.locked_until = Set(now + LOCK);
            active.update(&txn).await?;
            Begun::Fresh(id)
        }
        stale => {
            if let Some(expired) = stale {
                idempotency_key::Entity::delete_by_id(expired.id)
                    .exec(&txn)
                    .await?;
            }
            let id = Uuid::now_v7();
            let inserted = idempotency_key::ActiveModel {
                id: Set(id),
                principal: Set(principal.to_owned()),
                key: Set(key.to_owned()),
                request_hash: Set(hash.to_owned()),
                completed: Set(false),
                locked_until: Set(now + LOCK),
                applied: Set(false),
                response_status: Set(None),
                response_headers: Set(None),
                response_body: Set(None),
                created_at: Set(now),
            }
            .insert(&txn)
            .await;
            match inserted {
                Ok(_) => Begun::Fresh(id),
                // Another request with this key got in first (PostgreSQL, concurrent transactions).
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    return Err(ApiError::IdempotencyInFlight);
                }
                Err(err) => return Err(err.into()),
            }
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

/// Records the response of the request of row `id`, to be replayed: its status, the headers
/// worth replaying (name → value) and its body.
pub async fn complete(
    db: &Db,
    id: Uuid,
    status: u16,
    headers: serde_json::Map<String, serde_json::Value>,
    body: &[u8],
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Completed, Expr::value(true))
        .col_expr(
            idempotency_key::Column::ResponseStatus,
            Expr::value(i32::from(status)),
        )
        .col_expr(
            idempotency_key::Column::ResponseHeaders,
            Expr::value(serde_json::Value::Object(headers)),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            Expr::value(body.to_vec()),
        )
        .filter(idempotency_key::Column::Id.eq(id))
        .exec(db.writer())
        .await?;
    Ok(())
}

/// Frees the key of a request that failed, unless its work was committed all the same.
pub async fn release(db: &Db, id: Uuid) {
    if let Err(err) = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Id.eq(id))
        .filter(idempotency_key::Column::Applied.eq(false))
        .exec(db.writer())
        .await
    {
        tracing::warn!(error = %err, "could not release an idempotency key");
    }
}

/// Marks the key of the request running in this task (if it sent one) as applied, inside
/// `txn`: called by `Db::begin_write` first thing in every write transaction.
pub(super) async fn mark_applied(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let Ok(id) = APPLYING.try_with(|id| *id) else {
        return Ok(());
    };
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Applied, Expr::value(true))
        .filter(idempotency_key::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes recorded responses older than the retention period; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64, DbErr> {
    let cutoff = crate::clock::now() - RETENTION;
    let result = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db.writer())
        .await?;
    Ok(result.rows_affected)
}
