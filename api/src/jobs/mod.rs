//! Background work that runs inside the service beside the HTTP server: housekeeping, and the
//! notification sender.

pub mod maintenance;

use actix_web::web;

use crate::startup::AppState;

/// The running background jobs; aborting it stops them all.
pub struct Jobs {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Jobs {
    pub fn abort(self) {
        for handle in self.handles {
            handle.abort();
        }
    }
}

/// Starts every background job.
pub fn spawn(state: web::Data<AppState>) -> Jobs {
    Jobs {
        handles: vec![
            tokio::spawn(crate::notify::sender::run(
                state.db.clone(),
                state.sender.clone(),
                state.settings.outbox_poll_interval,
            )),
            tokio::spawn(maintenance::run(state)),
        ],
    }
}
