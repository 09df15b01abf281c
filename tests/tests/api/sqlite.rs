//! The database under concurrent writers: no "database is locked", nothing lost, and on SQLite a
//! write-ahead log that stays bounded. These run on PostgreSQL too (the WAL check is SQLite's).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use reqwest::StatusCode;
use serde_json::json;
use tests::{count_rows, count_where, query_one, spawn_app};

#[tokio::test]
async fn fifty_concurrent_writers_all_succeed_and_nothing_is_lost() {
    let app = spawn_app().await;
    let root = app.root().await;
    let district = app
        .create_region(&root.access, "青山区", "district", None)
        .await;
    let writes = (0..50).map(|i| {
        let body = json!({"name": format!("街道{i}"), "level": "town", "parent_id": district});
        let app = &app;
        let token = root.access.clone();
        async move {
            app.post("/api/v1/regions", Some(&token), &body)
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(writes).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    assert_eq!(count_rows(app.db(), "regions").await, 51);
    // Each region also has its closure rows and an audit row: the transactions were whole.
    assert_eq!(count_rows(app.db(), "region_closure").await, 1 + 50 * 2);
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'region.create'").await,
        51
    );
}

#[tokio::test]
async fn fifty_writers_for_a_minute_with_readers_keep_every_row_and_a_bounded_wal() {
    let app = spawn_app().await;
    let root = app.root().await;
    let district = app
        .create_region(&root.access, "青山区", "district", None)
        .await;
    const WRITERS: usize = 50;
    const SOAK: std::time::Duration = std::time::Duration::from_secs(60);
    let done = Arc::new(AtomicBool::new(false));
    let max_wal = Arc::new(AtomicU64::new(0));

    // Readers keep snapshots busy the whole time, as public traffic would.
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/api/v1/regions?limit=20");
            let done = done.clone();
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    let _ = client.get(&url).send().await;
                }
            })
        })
        .collect();
    let sampler = {
        let db = app.db().clone();
        let done = done.clone();
        let max_wal = max_wal.clone();
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                max_wal.fetch_max(db.wal_bytes(), Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };
    // Fifty writers, each writing as fast as it is answered, for a minute; every write must
    // succeed (no "database is locked", no 503).
    let started = std::time::Instant::now();
    let writers = (0..WRITERS).map(|w| {
        let app = &app;
        let token = root.access.clone();
        async move {
            let mut written = 0;
            while started.elapsed() < SOAK {
                let body = json!({"name": format!("街道{w}-{written}"), "level": "town", "parent_id": district});
                let response = app.post("/api/v1/regions", Some(&token), &body).await;
                let status = response.status();
                assert_eq!(
                    status,
                    StatusCode::CREATED,
                    "{}",
                    response.text().await.unwrap_or_default()
                );
                written += 1;
            }
            written
        }
    });
    let written: usize = futures_util::future::join_all(writers)
        .await
        .into_iter()
        .sum();
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
    sampler.await.unwrap();

    eprintln!("{written} writes by {WRITERS} writers in {SOAK:?}");
    assert_eq!(count_rows(app.db(), "regions").await as usize, 1 + written);
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'region.create'").await as usize,
        1 + written
    );
    if app.is_postgres() {
        return;
    }
    let max = max_wal.load(Ordering::Relaxed);
    eprintln!("largest WAL seen during the soak: {max} bytes");
    assert!(max < 64 * 1024 * 1024, "the WAL grew to {max} bytes");
    // The maintenance job's checkpoint empties it, and it keeps the planner's statistics.
    api::jobs::maintenance::run_once(&app.state).await;
    assert_eq!(app.db().wal_bytes(), 0);
    let analyzed = query_one(
        app.db(),
        "SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = 'regions'",
    )
    .await
    .expect("a row")
    .try_get::<i64>("", "n")
    .expect("count");
    assert!(analyzed > 0, "regions has statistics");
}
