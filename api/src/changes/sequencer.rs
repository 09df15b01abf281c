//! Gives change rows their feed position, once their writing transaction has finished.
//!
//! - PostgreSQL: the horizon is the id of the oldest transaction of this database still running
//!   (or the next id to be given out when none is), taken before this transaction writes
//!   anything. Every transaction of this database with a smaller id has committed or rolled
//!   back, so every change row it left is visible now and none can appear later. Rows at or
//!   above the horizon wait for a later run.
//! - SQLite: one writer at a time (and the sequencer is one), so every row it can see is final.
//!
//! Within a run, rows are numbered in (transaction, row) order, except that the changes of one
//! object are put in the order of their versions, so that a follower applying changes in feed
//! order never goes back to an older version. The counter row is locked for the run, so two
//! sequencers (two service processes) take turns.

use std::collections::HashMap;
use std::time::Duration;

use entity::change;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use tokio::sync::watch;
use uuid::Uuid;

use crate::db::Db;

/// The oldest transaction of this database still running (as a 64-bit id), or, when none is,
/// the first id not yet given out. Transactions of other databases on the same server cannot
/// write our rows, so they must not hold the feed back: the running ids of the snapshot are
/// kept only when a backend of this database holds them (`backend_xid` is the 32-bit id).
const HORIZON_SQL: &str = "SELECT COALESCE(\
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x \
     JOIN pg_stat_activity AS a ON a.datname = current_database() \
      AND a.backend_xid IS NOT NULL \
      AND x::text::bigint % 4294967296 = a.backend_xid::text::bigint), \
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint)";

/// Rows numbered per transaction, so that a backlog does not hold the counter for long.
const BATCH: u64 = 2_000;

/// Numbers the finished, unnumbered change rows; returns how many it numbered.
pub async fn sequence(db: &Db) -> Result<usize, DbErr> {
    let mut total = 0;
    loop {
        let n = sequence_batch(db).await?;
        total += n;
        if n < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Whether there are unnumbered rows (a cheap read, so that readers of the feed need not take
/// the write lock when there is nothing to do).
pub async fn pending(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(change::Entity::find()
        .select_only()
        .column(change::Column::Seq)
        .filter(change::Column::Position.is_null())
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

async fn scalar_i64(
    db: &impl ConnectionTrait,
    backend: DatabaseBackend,
    sql: &str,
) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("no row from {sql}")))?;
    row.try_get_by_index::<i64>(0)
}

async fn sequence_batch(db: &Db) -> Result<usize, DbErr> {
    if !pending(db.reader()).await? {
        return Ok(0);
    }
    let backend = db.backend();
    let txn = db.begin_write().await?;
    let horizon = match backend {
        DatabaseBackend::Postgres => Some(scalar_i64(&txn, backend, HORIZON_SQL).await?),
        _ => None,
    };
    let lock = match backend {
        DatabaseBackend::Postgres => {
            "SELECT position FROM change_sequencer WHERE id = 1 FOR UPDATE"
        }
        _ => "SELECT position FROM change_sequencer WHERE id = 1",
    };
    let counter = scalar_i64(&txn, backend, lock).await?;
    let mut query = change::Entity::find().filter(change::Column::Position.is_null());
    if let Some(horizon) = horizon {
        query = query.filter(change::Column::Tx.lt(horizon));
    }
    let rows = query
        .order_by_asc(change::Column::Tx)
        .order_by_asc(change::Column::Seq)
        .limit(BATCH)
        .all(&txn)
        .await?;
    if rows.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let rows = versions_in_order(rows);
    let objects: Vec<Uuid> = rows.iter().map(|r| r.object_id).collect();
    let mut last: HashMap<Uuid, i32> = change::Entity::find()
        .select_only()
        .column(change::Column::ObjectId)
        .column_as(change::Column::Version.max(), "version")
        .filter(change::Column::ObjectId.is_in(objects))
        .filter(change::Column::Position.is_not_null())
        .group_by(change::Column::ObjectId)
        .into_tuple::<(Uuid, Option<i32>)>()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|(id, v)| v.map(|v| (id, v)))
        .collect();
    let n = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        // Objects without a version of their own count their changes.
        let version = row
            .version
            .unwrap_or_else(|| last.get(&row.object_id).copied().unwrap_or(0) + 1);
        last.insert(row.object_id, version);
        change::Entity::update_many()
            .col_expr(
                change::Column::Position,
                sea_orm::sea_query::Expr::value(counter + i as i64 + 1),
            )
            .col_expr(
                change::Column::Version,
                sea_orm::sea_query::Expr::value(version),
            )
            .filter(change::Column::Seq.eq(row.seq))
            .exec(&txn)
            .await?;
    }
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            DatabaseBackend::Postgres => "UPDATE change_sequencer SET position = $1 WHERE id = 1",
            _ => "UPDATE change_sequencer SET position = ? WHERE id = 1",
        },
        [(counter + n as i64).into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// `rows` in (transaction, row) order, except that each object's rows take that object's places
/// in the order of their versions (rows without versions keep their order).
fn versions_in_order(rows: Vec<change::Model>) -> Vec<change::Model> {
    let mut places: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        places.entry(r.object_id).or_default().push(i);
    }
    let mut slots: Vec<Option<change::Model>> = rows.into_iter().map(Some).collect();
    for indices in places.values().filter(|v| v.len() > 1) {
        let mut mine: Vec<change::Model> =
            indices.iter().filter_map(|&i| slots[i].take()).collect();
        mine.sort_by_key(|r| (r.version.unwrap_or(i32::MIN), r.seq));
        for (&i, r) in indices.iter().zip(mine) {
            slots[i] = Some(r);
        }
    }
    slots.into_iter().flatten().collect()
}

/// Numbers changes every `every` until `stopped` turns true.
pub async fn run(db: Db, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        if let Err(e) = sequence(&db).await {
            tracing::warn!(error = %e, "sequencing the change feed failed; retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, object: Uuid, version: Option<i32>) -> change::Model {
        change::Model {
            seq,
            position: None,
            tx: None,
            object_type: "suggestion".into(),
            object_id: object,
            version,
            op: "updated".into(),
            region_id: None,
            at: chrono::Utc::now(),
        }
    }

    #[test]
    fn an_objects_changes_take_its_places_in_version_order() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        // A later version written by an earlier transaction comes first in (tx, seq) order.
        let rows = vec![
            row(1, a, Some(3)),
            row(2, b, None),
            row(3, a, Some(2)),
            row(4, b, None),
        ];
        let order: Vec<i64> = versions_in_order(rows).iter().map(|r| r.seq).collect();
        assert_eq!(order, [3, 2, 1, 4]);
    }
}
