//! Counts the SQL statements each request runs, for the `http_request_db_statements` metric.
//!
//! The number of statements per request is what keeps a hot path cheap as tables grow (a status
//! poll must stay one indexed look-up), so it is measured, not guessed: every database pool
//! reports each statement here (`Db::connect` installs the callback), and the request middleware
//! opens a counting scope around the handler. Statements outside any request (the outbox sender,
//! the sweeps) are not counted.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static STATEMENTS: Cell<u32>;
}

/// Called by the database layer for every statement it runs.
pub fn record() {
    // Outside a counting scope there is nothing to count into.
    let _ = STATEMENTS.try_with(|c| c.set(c.get().saturating_add(1)));
}

/// Runs `work`, counting the statements it runs.
pub async fn counting<F: Future>(work: F) -> (F::Output, u32) {
    STATEMENTS
        .scope(Cell::new(0), async {
            let out = work.await;
            (out, STATEMENTS.with(Cell::get))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_inside_the_scope_only() {
        record();
        let ((), n) = counting(async {
            record();
            tokio::task::yield_now().await;
            record();
        })
        .await;
        assert_eq!(n, 2);
        let ((), none) = counting(async {}).await;
        assert_eq!(none, 0);
    }
}
