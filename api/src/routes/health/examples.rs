//! The contract's examples of the probes and the metrics: what load balancers and Prometheus read.

use serde_json::{Value, json};

use crate::http::examples::{Entry, op};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("GET", "/health/live").response(json!({"status": "ok"})),
        op("GET", "/health/ready").response(json!({"status": "ok"})),
        op("GET", "/metrics").response(Value::from(
            "# HELP http_requests_total HTTP requests by method, route and status\n\
             # TYPE http_requests_total counter\n\
             http_requests_total{method=\"GET\",route=\"/api/v1/stations\",status=\"200\"} 1024\n\
             # HELP sqlite_wal_bytes Size of the SQLite write-ahead log\n\
             # TYPE sqlite_wal_bytes gauge\n\
             sqlite_wal_bytes{database=\"main\"} 4120032\n",
        )),
    ]
}
