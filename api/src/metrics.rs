//! Prometheus metrics: requests by route and status, a latency histogram, SQL statements per
//! request (see `statement_count`), and the database
//! pools and SQLite WAL measured at scrape time.

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::db::Db;

/// The service's metrics, one registry per application (so that tests do not share counters).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    statements: HistogramVec,
    pool: IntGaugeVec,
    wal_bytes: IntGaugeVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            ),
            &["method", "route"],
        )?;
        let statements = HistogramVec::new(
            HistogramOpts::new(
                "http_request_db_statements",
                "SQL statements run per request",
            )
            .buckets(vec![
                0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0,
            ]),
            &["method", "route"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections by pool and state",
            ),
            &["pool", "state"],
        )?;
        let wal_bytes = IntGaugeVec::new(
            Opts::new("sqlite_wal_bytes", "Size of the SQLite write-ahead log"),
            &["database"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(statements.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(wal_bytes.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            statements,
            pool,
            wal_bytes,
        })
    }

    /// Records one finished request. `route` is the matched pattern, never the raw path, so that
    /// ids in paths cannot blow up the number of series.
    pub fn observe(
        &self,
        method: &str,
        route: &str,
        status: u16,
        elapsed: Duration,
        statements: u32,
    ) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
        self.statements
            .with_label_values(&[method, route])
            .observe(f64::from(statements));
    }

    /// The Prometheus text exposition, with the pool gauges read now.
    pub fn render(&self, db: &Db) -> Result<String, prometheus::Error> {
        for (name, size, idle, max) in db.pool_stats() {
            let idle = i64::try_from(idle).unwrap_or(i64::MAX);
            let size = i64::from(size);
            self.pool.with_label_values(&[name, "idle"]).set(idle);
            self.pool
                .with_label_values(&[name, "in_use"])
                .set((size - idle).max(0));
            self.pool
                .with_label_values(&[name, "max"])
                .set(i64::from(max));
        }
        if db.sqlite_file().is_some() {
            let wal = i64::try_from(db.wal_bytes()).unwrap_or(i64::MAX);
            self.wal_bytes.with_label_values(&["main"]).set(wal);
        }
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}
