//! Background work that runs inside the service beside the HTTP server.

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
        handles: vec![tokio::spawn(maintenance::run(state))],
    }
}
