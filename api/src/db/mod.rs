//! The database: connecting, the SQLite settings a server needs, and the reader/writer split.
//!
//! PostgreSQL gets one pool used for everything. SQLite gets two pools on the same file:
//! many reading connections (`query_only`, so a write through them fails loudly in tests) and
//! exactly one writing connection. With one writer, concurrent write transactions queue in the
//! pool instead of racing for SQLite's lock, so "database is locked" cannot happen between our
//! own requests; `BEGIN IMMEDIATE` and `busy_timeout` cover other processes on the same file
//! (`lianluo create-admin` while the service runs).
//!
//! WAL growth: SQLite can only restart the WAL when no reader holds an old snapshot. The writer
//! checkpoints with `TRUNCATE` on a timer (see `jobs::maintenance`) and `journal_size_limit`
//! caps what a checkpoint leaves behind; the soak test in `tests/` holds the WAL under its bound.

pub mod idempotency;
pub mod keyset;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How long a SQLite connection waits for a lock held by another process.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request waits for a pooled connection before it gets a 503. With the database
/// gone (PostgreSQL stopped: connections refused, and retried inside this bound) every request
/// is answered within it, so clients are never left hanging past five seconds.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// Writers queue behind each other on SQLite; give the queue more time than a single acquire.
const WRITER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// What a checkpoint may leave of the WAL file on disk.
const WAL_SIZE_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

/// The database connections of the service.
#[derive(Debug, Clone)]
pub struct Db {
    reader: DatabaseConnection,
    writer: DatabaseConnection,
    sqlite_file: Option<std::path::PathBuf>,
}

impl Db {
    /// Connects to `url` (creating the SQLite file and its directory if needed).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, max_connections).await
        } else {
            let mut options = ConnectOptions::new(url);
            options
                .max_connections(max_connections)
                .min_connections(0)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_timeout(ACQUIRE_TIMEOUT)
                .sqlx_logging(false);
            let mut pool = Database::connect(options)
                .await
                .context("cannot connect to the PostgreSQL database")?;
            pool.set_metric_callback(|_| crate::statement_count::record());
            Ok(Db {
                reader: pool.clone(),
                writer: pool,
                sqlite_file: None,
            })
        }
    }

    async fn connect_sqlite(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let base = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("DATABASE_URL is not a SQLite URL: {url}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .pragma("journal_size_limit", WAL_SIZE_LIMIT_BYTES.to_string());
        let file = base.get_filename().to_path_buf();
        let in_memory = file.as_os_str().is_empty() || file == Path::new(":memory:");
        if !in_memory && let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("cannot create the database directory {}", dir.display())
            })?;
        }

        let writer_options = base.clone();
        let writer = Self::sqlite_pool(url, 1, WRITER_ACQUIRE_TIMEOUT, move |_| {
            writer_options.clone()
        })
        .await
        .with_context(|| format!("cannot open the SQLite database {}", file.display()))?;
        if in_memory {
            // Each connection to `:memory:` is its own database: one connection does everything.
            return Ok(Db {
                reader: writer.clone(),
                writer,
                sqlite_file: None,
            });
        }
        let reader_options = base.pragma("query_only", "ON");
        let reader = Self::sqlite_pool(url, max_connections, ACQUIRE_TIMEOUT, move |_| {
            reader_options.clone()
        })
        .await
        .with_context(|| format!("cannot open the SQLite database {}", file.display()))?;
        Ok(Db {
            reader,
            writer,
            sqlite_file: Some(file),
        })
    }

    async fn sqlite_pool(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
        options: impl Fn(SqliteConnectOptions) -> SqliteConnectOptions + Send + Sync + 'static,
    ) -> Result<DatabaseConnection, DbErr> {
        let mut connect = ConnectOptions::new(url);
        connect
            .max_connections(max_connections)
            .min_connections(0)
            .acquire_timeout(acquire_timeout)
            .connect_timeout(acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(options);
        let mut pool = Database::connect(connect).await?;
        pool.set_metric_callback(|_| crate::statement_count::record());
        Ok(pool)
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.writer, None).await
    }

    /// The connection for reads.
    pub fn reader(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// The connection for a single write statement outside a transaction.
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so it holds the write lock from
    /// its first statement and never fails half-way to upgrade a read lock).
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let txn = self.writer.begin_with_options(options).await?;
        // Inside a request sent with an Idempotency-Key: its key is marked applied if (and only
        // if) this transaction commits.
        idempotency::mark_applied(&txn).await?;
        Ok(txn)
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.writer.get_database_backend()
    }

    /// The SQLite database file, if this is a file-backed SQLite database.
    pub fn sqlite_file(&self) -> Option<&Path> {
        self.sqlite_file.as_deref()
    }

    /// Checks that the database answers, within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), DbErr> {
        let check = async {
            self.reader.execute_unprepared("SELECT 1").await?;
            if self.sqlite_file.is_some() {
                self.writer.execute_unprepared("SELECT 1").await?;
            }
            Ok(())
        };
        match tokio::time::timeout(timeout, check).await {
            Ok(result) => result,
            Err(_) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
        }
    }

    /// Copies the WAL into the database file and truncates it (SQLite only; a no-op elsewhere).
    pub async fn checkpoint(&self) -> Result<(), DbErr> {
        if self.sqlite_file.is_some() {
            self.writer
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(())
    }

    /// Keeps SQLite's planner statistics current (`PRAGMA optimize`, on every table; a no-op
    /// elsewhere, where autovacuum does it). Without statistics SQLite guesses, and it guesses
    /// that `region_id IN (...)` is selective: a district's export then sorted the region's
    /// whole year for every page instead of walking the `(created_at, id)` index. SQLite
    /// analyzes only the tables that have never been analyzed or have changed much since, with
    /// a row limit, so a run that finds nothing to do costs next to nothing.
    pub async fn optimize(&self) -> Result<(), DbErr> {
        if self.sqlite_file.is_some() {
            self.writer
                .execute_unprepared("PRAGMA optimize=0x10002")
                .await?;
        }
        Ok(())
    }

    /// The size of the SQLite WAL file in bytes (0 when there is none).
    pub fn wal_bytes(&self) -> u64 {
        let Some(file) = &self.sqlite_file else {
            return 0;
        };
        let mut wal = file.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    /// Pool statistics for `/metrics`: (pool name, open connections, idle connections, maximum).
    pub fn pool_stats(&self) -> Vec<(&'static str, u32, usize, u32)> {
        let mut stats = Vec::new();
        let mut push = |name, conn: &DatabaseConnection| match conn.get_database_backend() {
            DatabaseBackend::Sqlite => {
                let pool = conn.get_sqlite_connection_pool();
                stats.push((
                    name,
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                ));
            }
            DatabaseBackend::Postgres => {
                let pool = conn.get_postgres_connection_pool();
                stats.push((
                    name,
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                ));
            }
            _ => {}
        };
        if self.sqlite_file.is_some() {
            push("reader", &self.reader);
            push("writer", &self.writer);
        } else {
            push("main", &self.writer);
        }
        stats
    }

    /// Closes every connection: requests after this get 503s.
    pub async fn close(&self) {
        for conn in [&self.reader, &self.writer] {
            let _ = conn.close_by_ref().await;
        }
    }
}

/// A case-insensitive "contains" filter on `column`, with `%`, `_` and backslashes in `needle` taken
/// literally (a search for "50%" must not match everything).
pub fn contains(column: impl sea_orm::ColumnTrait, needle: &str) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let mut escaped = String::with_capacity(needle.len() + 2);
    escaped.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
        .like(LikeExpr::new(escaped).escape('\\'))
}
