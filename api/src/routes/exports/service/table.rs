//! An export's table: its columns, in both languages, and its rows, page by page.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{submissions, suggestions};
use crate::domain::local_time;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::routes::stats::service::period::Period;
use crate::routes::stats::service::reach::Reach;

/// Rows are read and written this many at a time.
pub const PAGE: u64 = 1000;

/// A column: its heading in Chinese and English.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Column {
    pub const fn new(zh: &'static str, en: &'static str) -> Self {
        Column { zh, en }
    }

    pub fn heading(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::ZhCn => self.zh,
            Lang::En => self.en,
        }
    }
}

/// One cell. Numbers stay numbers in a workbook, so that a spreadsheet can sum them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Text typed by a person (titles, names, contents): a CSV cell starting with `=`, `+`, `-`
    /// or `@` is quoted so that a spreadsheet shows it instead of running it as a formula.
    Text(String),
    /// Text the service wrote (codes, dates, tracking numbers).
    Code(String),
    Int(i64),
    Num(f64),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.into()))
    }

    pub fn code(s: impl Into<String>) -> Cell {
        Cell::Code(s.into())
    }

    pub fn opt_code(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Code(s.into()))
    }

    pub fn count(n: u64) -> Cell {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    pub fn opt_num(n: Option<f64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Num)
    }

    /// An instant as local (China Standard Time) date and time, `2026-03-05 14:02:11`: what a
    /// spreadsheet reads as a date.
    pub fn time(at: Option<DateTime<Utc>>) -> Cell {
        at.map_or(Cell::Empty, |at| {
            Cell::Code(
                at.with_timezone(&local_time::china())
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            )
        })
    }

    pub fn date(day: Option<NaiveDate>) -> Cell {
        day.map_or(Cell::Empty, |d| {
            Cell::Code(d.format("%Y-%m-%d").to_string())
        })
    }

    pub fn flag(b: bool) -> Cell {
        Cell::Int(i64::from(b))
    }
}

pub type Row = Vec<Cell>;

/// Where an export's rows come from.
pub enum Pages {
    Submissions(submissions::Pager),
    Suggestions(suggestions::Pager),
    /// Rows computed at once (a report); taken by the first call.
    Ready(Option<Vec<Row>>),
}

impl Pages {
    /// The next page of rows; `None` when there are no more.
    pub async fn next(&mut self, db: &DatabaseConnection) -> Result<Option<Vec<Row>>, ApiError> {
        match self {
            Pages::Submissions(p) => p.next(db).await,
            Pages::Suggestions(p) => p.next(db).await,
            Pages::Ready(rows) => Ok(rows.take()),
        }
    }
}

/// The rows of `E` matching a condition within a period, oldest first, a page at a time.
///
/// Keyset pagination over `(at, id)`, read through a moving window of time. The window is
/// there because the planner may serve the caller's scope (`region_id IN ...`) from another
/// index than `(at, id)` and sort what it found: SQLite does, for a district. Without a window
/// every page would sort all the rows left in the period, and a million-row export would be
/// quadratic; within one, a page sorts about a page of rows. The window halves when a page
/// fills inside it and doubles when it runs dry, so it follows the data's density.
pub struct Keyset<E: EntityTrait> {
    cond: Condition,
    at: E::Column,
    id: E::Column,
    /// The last row sent, when the window still holds rows after it.
    after: Option<(DateTime<Utc>, Uuid)>,
    /// The window's start (inclusive) and length.
    from: DateTime<Utc>,
    window: Duration,
    /// The period's end (exclusive).
    end: DateTime<Utc>,
}

impl<E: EntityTrait> Keyset<E> {
    /// The rows of `reach` (by their `region_id` and `station_id`) whose `at` lies in
    /// `period`.
    pub fn in_reach(reach: &Reach, period: Period, at: E::Column, id: E::Column) -> Self {
        Keyset {
            cond: reach.rows(E::default().table_name(), "region_id", "station_id"),
            at,
            id,
            after: None,
            from: period.start(),
            window: Duration::days(1),
            end: period.end(),
        }
    }

    /// The next page (up to [`PAGE`] rows); empty when there are no more. `key` reads a row's
    /// `(at, id)`.
    pub async fn next(
        &mut self,
        db: &DatabaseConnection,
        key: impl Fn(&E::Model) -> (DateTime<Utc>, Uuid),
    ) -> Result<Vec<E::Model>, ApiError> {
        while self.from < self.end {
            let to = self
                .from
                .checked_add_signed(self.window)
                .map_or(self.end, |t| t.min(self.end));
            let mut query = E::find()
                .filter(self.cond.clone())
                .filter(self.at.gte(self.from))
                .filter(self.at.lt(to));
            if let Some((at, id)) = self.after {
                query = query.filter(after(self.at, self.id, at, id));
            }
            let page = query
                .order_by_asc(self.at)
                .order_by_asc(self.id)
                .limit(PAGE)
                .all(db)
                .await?;
            if page.len() as u64 == PAGE {
                // More may follow inside the window: go on after the last row, in a narrower
                // window.
                let last = page.last().map(&key);
                if let Some((at, _)) = last {
                    self.from = at;
                }
                self.after = last;
                self.window = (self.window / 2).max(Duration::seconds(1));
            } else {
                // The window is done.
                self.from = to;
                self.after = None;
                self.window = (self.window * 2).min(Duration::days(366));
            }
            if !page.is_empty() {
                return Ok(page);
            }
        }
        Ok(Vec::new())
    }
}

/// Rows after `(at, id)` in ascending order. The plain `at >= ?` is implied by the rest but is
/// what lets both databases start the `(at, id)` index scan at the last page's end; with the
/// `OR` alone they scan from the period's start and skip every row already sent, which makes a
/// million-row export quadratic.
fn after(
    at_col: impl ColumnTrait,
    id_col: impl ColumnTrait,
    at: DateTime<Utc>,
    id: Uuid,
) -> Condition {
    Condition::all()
        .add(at_col.gte(at))
        .add(Condition::any().add(at_col.gt(at)).add(id_col.gt(id)))
}

/// Free text as an export shows it: whole if the caller asked to reveal phone numbers, else
/// with phone-like numbers masked.
pub fn shown(reveal: bool, text: &str) -> String {
    if reveal {
        text.to_owned()
    } else {
        crate::domain::redact::mask_numbers(text)
    }
}

/// An export: its columns and its rows.
pub struct Table {
    pub columns: &'static [Column],
    pub pages: Pages,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_local() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 1).single();
        assert_eq!(Cell::time(at), Cell::Code("2027-01-01 00:00:01".into()));
        assert_eq!(Cell::time(None), Cell::Empty);
    }
}
