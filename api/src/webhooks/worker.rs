//! The webhook worker: on a timer, writes new deliveries from the feed and sends what is due.
//! Everything it needs is in the database, so a restart resumes exactly where it stopped; a
//! delivery interrupted mid-send is sent again when its lease lapses (at least once).

use std::time::Duration;

use tokio::sync::watch;

use super::delivery::{self, Settings};
use super::fanout;
use crate::changes::sequencer;
use crate::db::Db;

/// One round: number finished changes, write deliveries, send the due ones. Returns the
/// deliveries (written, attempted).
pub async fn run_once(db: &Db, settings: &Settings) -> Result<(usize, usize), sea_orm::DbErr> {
    if sequencer::pending(db.reader()).await? {
        sequencer::sequence(db).await?;
    }
    let written = fanout::run(db, settings.retry_window).await?;
    let attempted = delivery::run(db, settings).await?;
    Ok((written, attempted))
}

/// Runs rounds every `interval` until `stop` turns true. A round that attempted deliveries is
/// followed at once by another, so that a backlog drains at full speed.
pub async fn run(db: Db, settings: Settings, interval: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        let busy = match run_once(&db, &settings).await {
            Ok((written, attempted)) => written > 0 || attempted > 0,
            Err(err) => {
                tracing::warn!(error = %err, "the webhook worker failed a round");
                false
            }
        };
        if *stop.borrow() {
            return;
        }
        if busy {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
    }
}
