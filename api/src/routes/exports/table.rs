//! An export's table: its columns, in both languages, and its rows, page by page.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::{submissions, suggestions};
use crate::domain::local_time;
use crate::error::ApiError;
use crate::i18n::Lang;

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
