//! Housekeeping on a timer: expire recorded idempotent responses, forget idle throttle keys,
//! checkpoint the SQLite WAL so that it cannot grow without bound, and keep SQLite's planner
//! statistics current.

use std::time::Duration;

use actix_web::web;

use crate::state::AppState;

/// How often the housekeeping runs.
pub const INTERVAL: Duration = Duration::from_secs(30);

pub async fn run(state: web::Data<AppState>) {
    let mut ticker = tokio::time::interval(INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        run_once(&state).await;
    }
}

/// One round of housekeeping. Failures are logged and retried on the next round.
pub async fn run_once(state: &AppState) {
    match crate::db::idempotency::purge_expired(&state.db).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(purged = n, "expired idempotency keys"),
        Err(err) => tracing::warn!(error = %err, "could not purge idempotency keys"),
    }
    state.login_throttle.prune();
    state.rate_limits.prune();
    match crate::jobs::deadlines::run_once(&state.db).await {
        Ok((0, 0)) => {}
        Ok((overdue, reminded)) => tracing::info!(overdue, reminded, "deadline sweep"),
        Err(err) => tracing::warn!(error = %err, "the deadline sweep failed"),
    }
    match crate::media::purge_unattached(&state.db, state.blobs.as_ref()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, "unattached uploads older than a day"),
        Err(err) => tracing::warn!(error = %err, "could not purge unattached uploads"),
    }
    // Before the checkpoint, which then takes the statistics' pages along.
    if let Err(err) = state.db.optimize().await {
        tracing::warn!(error = %err, "could not update the planner statistics");
    }
    if let Err(err) = state.db.checkpoint().await {
        tracing::warn!(error = %err, "WAL checkpoint failed");
    }
}
