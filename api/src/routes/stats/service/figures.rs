//! The figures the stations report, counted by aggregate queries in the database: a report
//! reads a handful of grouped rows, never the rows it counts, whatever the table sizes.
//!
//! Every figure belongs to the day of its own event (see `period`), and is defined here once;
//! the README's "Statistics" section and the schema descriptions repeat these definitions.
//!
//! - **received**: submissions created in the period, by channel.
//! - **handled**: submissions that reached a result in the period: answered, referred or
//!   declined (their `resolved_at`), or converted or merged into a case that was closed in the
//!   period (the case's `closed_at`).
//! - **cases assigned**: cases first assigned in the period (`assigned_at`). The case figures
//!   below are of these cases, as they stand now.
//! - **replied**: of those, the cases replied at least once, except a case that is open again
//!   (reopened) and past its deadline: an open overdue case counts as not replied.
//!   **open overdue**: open (assigned or in progress) with the deadline passed.
//!   **reply rate** = replied ÷ assigned.
//! - **on time**: of the replied, those whose first reply came on or before the deadline (local
//!   date). **on-time rate** = on time ÷ replied.
//! - **resolution rate** = category A ÷ replied, with the A/B/C split of the replied cases'
//!   current reply.
//! - **satisfaction rate** = (satisfied + basically satisfied) ÷ rated, once by the first rating
//!   each case got and once by its final rating.
//! - **time to first response**: working days from a submission's receipt to when it first left
//!   `received` (reviewed or triaged), for the submissions received in the period that have had
//!   one; **time to reply**: working days from a case's first assignment to its first reply.
//!   Working days follow the holiday calendar; a step on the same day is 0. Median and 90th
//!   percentile by nearest rank.
//! - **receptions**: sessions dated in the period: held (not cancelled and over), cancelled;
//!   the duties of the held sessions and how many were attended (recorded present, or signed in
//!   and not recorded absent); voters received (the visitor counts of their records); bookings
//!   (appointments standing, not cancelled, on sessions not cancelled).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::suggestion::ReplyCategory;
use futures_util::StreamExt;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoCondition, JoinType, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, StreamTrait};
use uuid::Uuid;

use super::period::Period;
use super::reach::Reach;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::suggestion_flow::{HANDLING, SATISFIED, State};
use crate::error::ApiError;

/// How a report groups its figures.
#[derive(Debug, Clone)]
pub enum Dimension {
    /// One row: the whole reach.
    Whole,
    /// One row per station (rows without a station are left out).
    Station,
    /// One row per lead unit (case figures only).
    Unit,
    /// One row per category (no reception figures).
    Category,
    /// One row per part of the period (each figure by its own event's day).
    Buckets(Vec<Period>),
}

/// A row of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Whole,
    Id(Uuid),
    Bucket(usize),
}

/// A distribution of whole working days: days → how many.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram(pub BTreeMap<u32, u64>);

impl Histogram {
    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    /// The `q` quantile by nearest rank: the least value with at least `ceil(q × n)` of the
    /// values at or below it; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u32> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        // Ranks are at most the row count, far below 2^52: the float is exact.
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        self.0.iter().find_map(|(days, count)| {
            seen += count;
            (seen >= rank).then_some(*days)
        })
    }
}

/// The counts of one row; rates are derived from them (`dto`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub received: BTreeMap<String, u64>,
    pub handled: u64,
    pub assigned: u64,
    pub replied: u64,
    pub open_overdue: u64,
    pub on_time: u64,
    pub category_a: u64,
    pub category_b: u64,
    pub category_c: u64,
    pub rated: u64,
    pub satisfied_first: u64,
    pub satisfied_final: u64,
    pub response_days: Histogram,
    pub reply_days: Histogram,
    pub sessions_held: u64,
    pub sessions_cancelled: u64,
    pub duties: u64,
    pub attended: u64,
    pub voters_received: u64,
    pub bookings: u64,
}

/// What the queries need besides the reach.
struct Ctx<'a> {
    backend: DatabaseBackend,
    reach: &'a Reach,
    period: Period,
    dim: &'a Dimension,
    now: DateTime<Utc>,
    today: NaiveDate,
}

pub(crate) fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// 1 where `cond` holds, else 0, for `SUM`.
pub(crate) fn one_if(cond: impl IntoCondition) -> Expr {
    Expr::case(cond, 1).finally(0).into()
}

/// `COUNT(*)`.
pub(crate) fn count_all() -> Expr {
    Expr::col(sea_orm::sea_query::Asterisk).count()
}

pub(crate) fn sum(e: Expr) -> Expr {
    Func::sum(e).into()
}

/// The local (UTC+8) day of timestamp `table.column` as days since 1970-01-01.
fn local_day(backend: DatabaseBackend, table: &str, column: &str) -> Expr {
    Expr::cust(match backend {
        DatabaseBackend::Postgres => format!(
            "(((\"{table}\".\"{column}\" AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date \
             - DATE '1970-01-01')::bigint"
        ),
        _ => {
            format!("CAST(julianday(\"{table}\".\"{column}\", '+8 hours') - 2440587.5 AS INTEGER)")
        }
    })
}

/// Date `table.column` as days since 1970-01-01.
fn day_number(backend: DatabaseBackend, table: &str, column: &str) -> Expr {
    Expr::cust(match backend {
        DatabaseBackend::Postgres => {
            format!("(\"{table}\".\"{column}\" - DATE '1970-01-01')::bigint")
        }
        _ => format!("CAST(julianday(\"{table}\".\"{column}\") - 2440587.5 AS INTEGER)"),
    })
}

fn epoch_day(days: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
        .unwrap_or_default()
}

/// Where an event's time lies for the buckets: an instant or a date.
#[derive(Clone, Copy)]
enum When<'a> {
    Instant(&'a str, &'a str),
    Day(&'a str, &'a str),
}

impl Ctx<'_> {
    /// The grouping key of rows of `table`, or `None` when the dimension does not apply to them.
    /// `id_column` is the table's column for the station, unit or category dimension.
    fn key(&self, when: When<'_>, ids: [Option<(&str, &str)>; 3]) -> Option<Expr> {
        let [station, unit, category] = ids;
        let id = |c: Option<(&str, &str)>| c.map(|(t, c)| col(t, c));
        match self.dim {
            Dimension::Whole => Some(Expr::value(0)),
            Dimension::Station => id(station),
            Dimension::Unit => id(unit),
            Dimension::Category => id(category),
            Dimension::Buckets(parts) => {
                let mut case = sea_orm::sea_query::CaseStatement::new();
                for (i, part) in parts.iter().enumerate().rev() {
                    let ix = i64::try_from(i).unwrap_or(i64::MAX);
                    case = match when {
                        When::Instant(t, c) => case.case(col(t, c).gte(part.start()), ix),
                        When::Day(t, c) => case.case(col(t, c).gte(part.from), ix),
                    };
                }
                Some(case.finally(0).into())
            }
        }
    }

    /// The rows of `table` whose instant `column` lies in the period.
    fn in_period(&self, table: &str, column: &str) -> sea_orm::Condition {
        sea_orm::Condition::all()
            .add(col(table, column).gte(self.period.start()))
            .add(col(table, column).lt(self.period.end()))
    }

    fn grouped(&self, mut q: SelectStatement, key: Expr, extra: &[&str]) -> SelectStatement {
        q.expr_as(key, Alias::new("k"));
        if !matches!(self.dim, Dimension::Whole) {
            q.add_group_by([Expr::col(Alias::new("k"))]);
        }
        for e in extra {
            q.add_group_by([Expr::col(Alias::new(*e))]);
        }
        q
    }

    fn read_key(&self, row: &QueryResult) -> Result<Option<Key>, ApiError> {
        Ok(match self.dim {
            Dimension::Whole => Some(Key::Whole),
            Dimension::Buckets(_) => {
                let ix: i64 = row.try_get("", "k")?;
                Some(Key::Bucket(usize::try_from(ix).unwrap_or(0)))
            }
            _ => row.try_get::<Option<Uuid>>("", "k")?.map(Key::Id),
        })
    }
}

/// A count or sum column of a grouped row (`SUM` over no rows is null: 0).
pub(crate) fn count(row: &QueryResult, name: &str) -> Result<u64, ApiError> {
    let n: Option<i64> = row.try_get("", name)?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

/// The figures of `reach` over `period`, one row per key of `dim`.
pub async fn compute(
    db: &impl Reader,
    reach: &Reach,
    period: Period,
    dim: &Dimension,
    calendar: &WorkingCalendar,
) -> Result<HashMap<Key, Figures>, ApiError> {
    let now = crate::clock::now();
    let ctx = Ctx {
        backend: ConnectionTrait::get_database_backend(db),
        reach,
        period,
        dim,
        now,
        today: crate::domain::local_time::local_date(now),
    };
    let mut out: HashMap<Key, Figures> = HashMap::new();
    submissions(db, &ctx, calendar, &mut out).await?;
    cases(db, &ctx, calendar, &mut out).await?;
    receptions(db, &ctx, &mut out).await?;
    Ok(out)
}

/// A connection a report can read from: statements, and results as a stream.
pub trait Reader: ConnectionTrait + StreamTrait {}

impl<T: ConnectionTrait + StreamTrait> Reader for T {}

/// Runs the grouped query `q` and adds each of its rows to the figures of the row's key.
async fn add_rows(
    db: &impl Reader,
    ctx: &Ctx<'_>,
    q: &SelectStatement,
    out: &mut HashMap<Key, Figures>,
    add: impl Fn(&mut Figures, &QueryResult) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    // Grouped rows are few for most figures, but the durations are grouped by key and day pair:
    // a per-station report of a year has up to a million such groups. They are folded in as
    // they arrive instead of being collected first, so memory holds the figures, not the rows.
    let rows = db.stream(q).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.next().await {
        let row = row?;
        if let Some(key) = ctx.read_key(&row)? {
            add(out.entry(key).or_default(), &row)?;
        }
    }
    Ok(())
}

/// Adds the `(start day, end day) → count` rows of `q` to a histogram per key.
async fn durations(
    db: &impl Reader,
    ctx: &Ctx<'_>,
    q: &SelectStatement,
    calendar: &WorkingCalendar,
    out: &mut HashMap<Key, Figures>,
    pick: fn(&mut Figures) -> &mut Histogram,
) -> Result<(), ApiError> {
    add_rows(db, ctx, q, out, |f, row| {
        let (d0, d1): (i64, i64) = (row.try_get("", "d0")?, row.try_get("", "d1")?);
        let days = calendar.working_days_between(epoch_day(d0), epoch_day(d1));
        *pick(f).0.entry(days).or_default() += count(row, "n")?;
        Ok(())
    })
    .await
}

const SUB: &str = "sub";
const CASE: &str = "c";

async fn submissions(
    db: &impl Reader,
    ctx: &Ctx<'_>,
    calendar: &WorkingCalendar,
    out: &mut HashMap<Key, Figures>,
) -> Result<(), ApiError> {
    let ids = [Some((SUB, "station_id")), None, Some((SUB, "category_id"))];
    let from_subs = || {
        Query::select()
            .from_as(Alias::new("submissions"), Alias::new(SUB))
            .cond_where(ctx.reach.rows(SUB, "region_id", "station_id"))
            .to_owned()
    };
    // Received, by channel.
    if let Some(key) = ctx.key(When::Instant(SUB, "created_at"), ids) {
        let mut q = from_subs();
        q.expr_as(col(SUB, "channel"), Alias::new("channel"))
            .expr_as(count_all(), Alias::new("n"))
            .cond_where(ctx.in_period(SUB, "created_at"));
        let q = ctx.grouped(q, key, &["channel"]);
        add_rows(db, ctx, &q, out, |f, row| {
            let channel: String = row.try_get("", "channel")?;
            *f.received.entry(channel).or_default() += count(row, "n")?;
            Ok(())
        })
        .await?;
    }
    // Handled directly: answered, referred, declined.
    if let Some(key) = ctx.key(When::Instant(SUB, "resolved_at"), ids) {
        let mut q = from_subs();
        q.expr_as(count_all(), Alias::new("n"))
            .cond_where(ctx.in_period(SUB, "resolved_at"));
        let q = ctx.grouped(q, key, &[]);
        add_rows(db, ctx, &q, out, |f, row| {
            f.handled += count(row, "n")?;
            Ok(())
        })
        .await?;
    }
    // Handled through a case closed in the period.
    if let Some(key) = ctx.key(When::Instant(CASE, "closed_at"), ids) {
        let mut q = from_subs();
        q.join_as(
            JoinType::InnerJoin,
            Alias::new("suggestion_sources"),
            Alias::new("ss"),
            col("ss", "submission_id").equals((Alias::new(SUB), Alias::new("id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            Alias::new("suggestions"),
            Alias::new(CASE),
            col(CASE, "id").equals((Alias::new("ss"), Alias::new("suggestion_id"))),
        )
        .expr_as(col(SUB, "id").count_distinct(), Alias::new("n"))
        .and_where(col(CASE, "status").eq(State::Closed))
        .cond_where(ctx.in_period(CASE, "closed_at"));
        let q = ctx.grouped(q, key, &[]);
        add_rows(db, ctx, &q, out, |f, row| {
            f.handled += count(row, "n")?;
            Ok(())
        })
        .await?;
    }
    // Time to first response.
    if let Some(key) = ctx.key(When::Instant(SUB, "created_at"), ids) {
        let mut q = from_subs();
        q.expr_as(local_day(ctx.backend, SUB, "created_at"), Alias::new("d0"))
            .expr_as(
                local_day(ctx.backend, SUB, "responded_at"),
                Alias::new("d1"),
            )
            .expr_as(count_all(), Alias::new("n"))
            .cond_where(ctx.in_period(SUB, "created_at"))
            .and_where(col(SUB, "responded_at").is_not_null());
        let q = ctx.grouped(q, key, &["d0", "d1"]);
        durations(db, ctx, &q, calendar, out, |f| &mut f.response_days).await?;
    }
    Ok(())
}

async fn cases(
    db: &impl Reader,
    ctx: &Ctx<'_>,
    calendar: &WorkingCalendar,
    out: &mut HashMap<Key, Figures>,
) -> Result<(), ApiError> {
    let ids = [
        Some((CASE, "station_id")),
        Some((CASE, "lead_unit_id")),
        Some((CASE, "category_id")),
    ];
    let Some(key) = ctx.key(When::Instant(CASE, "assigned_at"), ids) else {
        return Ok(());
    };
    let base = Query::select()
        .from_as(Alias::new("suggestions"), Alias::new(CASE))
        .cond_where(ctx.reach.rows(CASE, "region_id", "station_id"))
        .cond_where(ctx.in_period(CASE, "assigned_at"))
        .to_owned();
    let open_overdue = sea_orm::Condition::all()
        .add(col(CASE, "status").is_in(HANDLING))
        .add(col(CASE, "deadline").lt(ctx.today));
    let replied = sea_orm::Condition::all()
        .add(col(CASE, "first_replied_at").is_not_null())
        .add(open_overdue.clone().not());
    let satisfied = |column: &str| col(CASE, column).is_in(SATISFIED);
    let mut q = base.clone();
    q.expr_as(count_all(), Alias::new("assigned"))
        .expr_as(sum(one_if(replied.clone())), Alias::new("replied"))
        .expr_as(sum(one_if(open_overdue)), Alias::new("open_overdue"))
        .expr_as(
            sum(one_if(replied.clone().add(
                local_day(ctx.backend, CASE, "first_replied_at").lte(day_number(
                    ctx.backend,
                    CASE,
                    "deadline",
                )),
            ))),
            Alias::new("on_time"),
        );
    for (name, category) in [
        ("a", ReplyCategory::A),
        ("b", ReplyCategory::B),
        ("c", ReplyCategory::C),
    ] {
        q.expr_as(
            sum(one_if(
                replied
                    .clone()
                    .add(col(CASE, "reply_category").eq(category)),
            )),
            Alias::new(name),
        );
    }
    q.expr_as(
        sum(one_if(col(CASE, "rating").is_not_null())),
        Alias::new("rated"),
    )
    .expr_as(
        sum(one_if(satisfied("first_rating"))),
        Alias::new("satisfied_first"),
    )
    .expr_as(
        sum(one_if(satisfied("rating"))),
        Alias::new("satisfied_final"),
    );
    let q = ctx.grouped(q, key.clone(), &[]);
    add_rows(db, ctx, &q, out, |f, row| {
        f.assigned += count(row, "assigned")?;
        f.replied += count(row, "replied")?;
        f.open_overdue += count(row, "open_overdue")?;
        f.on_time += count(row, "on_time")?;
        f.category_a += count(row, "a")?;
        f.category_b += count(row, "b")?;
        f.category_c += count(row, "c")?;
        f.rated += count(row, "rated")?;
        f.satisfied_first += count(row, "satisfied_first")?;
        f.satisfied_final += count(row, "satisfied_final")?;
        Ok(())
    })
    .await?;
    // Time to reply.
    let mut q = base;
    q.expr_as(
        local_day(ctx.backend, CASE, "assigned_at"),
        Alias::new("d0"),
    )
    .expr_as(
        local_day(ctx.backend, CASE, "first_replied_at"),
        Alias::new("d1"),
    )
    .expr_as(count_all(), Alias::new("n"))
    .and_where(col(CASE, "first_replied_at").is_not_null());
    let q = ctx.grouped(q, key, &["d0", "d1"]);
    durations(db, ctx, &q, calendar, out, |f| &mut f.reply_days).await
}

const SESSION: &str = "r";

async fn receptions(
    db: &impl Reader,
    ctx: &Ctx<'_>,
    out: &mut HashMap<Key, Figures>,
) -> Result<(), ApiError> {
    let Some(key) = ctx.key(
        When::Day(SESSION, "day"),
        [Some((SESSION, "station_id")), None, None],
    ) else {
        return Ok(());
    };
    let sessions = || {
        Query::select()
            .from_as(Alias::new("receptions"), Alias::new(SESSION))
            .cond_where(ctx.reach.stations(col(SESSION, "station_id")))
            .and_where(col(SESSION, "day").gte(ctx.period.from))
            .and_where(col(SESSION, "day").lte(ctx.period.to))
            .to_owned()
    };
    let cancelled = col(SESSION, "status").eq("cancelled");
    let held = sea_orm::Condition::all()
        .add(col(SESSION, "status").ne("cancelled"))
        .add(col(SESSION, "ends_at").lte(ctx.now));
    let mut q = sessions();
    q.expr_as(sum(one_if(cancelled)), Alias::new("cancelled"))
        .expr_as(sum(one_if(held.clone())), Alias::new("held"));
    let q = ctx.grouped(q, key.clone(), &[]);
    add_rows(db, ctx, &q, out, |f, row| {
        f.sessions_cancelled += count(row, "cancelled")?;
        f.sessions_held += count(row, "held")?;
        Ok(())
    })
    .await?;
    // Duties of held sessions.
    let mut q = sessions();
    q.join_as(
        JoinType::InnerJoin,
        Alias::new("reception_duties"),
        Alias::new("d"),
        col("d", "reception_id").equals((Alias::new(SESSION), Alias::new("id"))),
    )
    .cond_where(held)
    .expr_as(count_all(), Alias::new("duties"))
    .expr_as(
        sum(one_if(
            sea_orm::Condition::any()
                .add(col("d", "attendance").eq("present"))
                .add(
                    sea_orm::Condition::all()
                        .add(col("d", "attendance").is_null())
                        .add(col("d", "checked_in_at").is_not_null()),
                ),
        )),
        Alias::new("attended"),
    );
    let q = ctx.grouped(q, key.clone(), &[]);
    add_rows(db, ctx, &q, out, |f, row| {
        f.duties += count(row, "duties")?;
        f.attended += count(row, "attended")?;
        Ok(())
    })
    .await?;
    // Voters received, from the records of sessions not cancelled.
    let mut q = sessions();
    q.join_as(
        JoinType::InnerJoin,
        Alias::new("reception_records"),
        Alias::new("rr"),
        col("rr", "reception_id").equals((Alias::new(SESSION), Alias::new("id"))),
    )
    .and_where(col(SESSION, "status").ne("cancelled"))
    .expr_as(sum(col("rr", "visitor_count")), Alias::new("voters"));
    let q = ctx.grouped(q, key.clone(), &[]);
    add_rows(db, ctx, &q, out, |f, row| {
        f.voters_received += count(row, "voters")?;
        Ok(())
    })
    .await?;
    // Bookings standing on sessions not cancelled.
    let mut q = sessions();
    q.join_as(
        JoinType::InnerJoin,
        Alias::new("appointments"),
        Alias::new("a"),
        col("a", "reception_id").equals((Alias::new(SESSION), Alias::new("id"))),
    )
    .and_where(col(SESSION, "status").ne("cancelled"))
    .and_where(col("a", "status").eq("booked"))
    .expr_as(count_all(), Alias::new("n"));
    let q = ctx.grouped(q, key, &[]);
    add_rows(db, ctx, &q, out, |f, row| {
        f.bookings += count(row, "n")?;
        Ok(())
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let h = Histogram([(0, 1), (2, 2), (5, 1), (9, 1)].into_iter().collect());
        // Sorted: 0 2 2 5 9.
        assert_eq!(h.quantile(0.5), Some(2));
        assert_eq!(h.quantile(0.9), Some(9));
        assert_eq!(h.quantile(0.2), Some(0));
        assert_eq!(h.quantile(0.8), Some(5));
        assert_eq!(Histogram::default().quantile(0.5), None);
        let four = Histogram([(1, 1), (2, 1), (3, 1), (4, 1)].into_iter().collect());
        assert_eq!(four.quantile(0.5), Some(2));
    }

    #[test]
    fn epoch_days_round_trip() {
        assert_eq!(epoch_day(0), NaiveDate::from_ymd_opt(1970, 1, 1).unwrap());
        assert_eq!(
            epoch_day(20_415),
            NaiveDate::from_ymd_opt(2025, 11, 23).unwrap()
        );
    }
}
