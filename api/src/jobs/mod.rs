//! Background work that runs inside the service beside the HTTP server: housekeeping, the
//! notification sender, the change feed's sequencer and the webhook worker.

pub mod deadlines;
pub mod maintenance;

use std::time::Duration;

use actix_web::web;
use tokio::sync::watch;

use crate::state::AppState;

/// How often finished changes get their feed positions (readers of the feed also trigger it).
const CHANGE_SEQUENCING: Duration = Duration::from_millis(500);

/// How long the sender may take to finish the message in hand when the service stops.
const SENDER_GRACE: Duration = Duration::from_secs(15);

/// The running background jobs.
pub struct Jobs {
    stop: watch::Sender<bool>,
    sender: tokio::task::JoinHandle<()>,
    maintenance: tokio::task::JoinHandle<()>,
    sequencer: tokio::task::JoinHandle<()>,
    webhooks: tokio::task::JoinHandle<()>,
}

impl Jobs {
    /// Stops every job. The sender finishes the message it is sending, so that an SMS the
    /// gateway accepted is recorded as sent and not sent again after the restart; housekeeping
    /// is simply dropped (it runs again at the next start).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.maintenance.abort();
        self.sequencer.abort();
        // The webhook worker finishes its round, so that what it sent is recorded and no lease
        // is left to lapse; cut off, a delivery is sent again when its lease lapses.
        let mut webhooks = self.webhooks;
        if tokio::time::timeout(SENDER_GRACE, &mut webhooks)
            .await
            .is_err()
        {
            tracing::warn!("the webhook worker did not stop in time");
            webhooks.abort();
        }
        let mut sender = self.sender;
        if tokio::time::timeout(SENDER_GRACE, &mut sender)
            .await
            .is_err()
        {
            tracing::warn!("the notification sender did not stop in time");
            sender.abort();
        }
    }
}

/// Starts every background job.
pub fn spawn(state: web::Data<AppState>) -> Jobs {
    let (stop, stopped) = watch::channel(false);
    let sequencer_stopped = stopped.clone();
    let webhooks_stopped = stopped.clone();
    Jobs {
        stop,
        sender: tokio::spawn(crate::notify::sender::run(
            state.db.clone(),
            state.sender.clone(),
            state.settings.outbox_poll_interval,
            stopped,
        )),
        sequencer: tokio::spawn(crate::changes::sequencer::run(
            state.db.clone(),
            CHANGE_SEQUENCING,
            sequencer_stopped,
        )),
        webhooks: tokio::spawn(crate::webhooks::worker::run(
            state.db.clone(),
            state.webhooks.clone(),
            state.settings.webhook_poll_interval,
            webhooks_stopped,
        )),
        maintenance: tokio::spawn(maintenance::run(state)),
    }
}
