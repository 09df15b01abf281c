//! The figures reports: the overview, the per-station, per-unit and per-category rows and the
//! trend, put together from `figures` and the names of what the rows are about.

use std::cmp::Ordering;
use std::collections::HashMap;

use entity::{category, station, unit};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::figures::{self, Dimension, Figures, Histogram, Key, Reader};
use super::period::Period;
use super::reach::Reach;
use crate::domain::calendar::WorkingCalendar;
use crate::error::ApiError;
use crate::routes::stats::dto::{
    CaseFiguresDto, DurationDto, FiguresDto, ReceivedDto, ReceptionFiguresDto, ReplyCategoriesDto,
    RowDto,
};

/// `n ÷ d` to four decimals; `None` when `d` is 0.
pub fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| (n as f64 / d as f64 * 10_000.0).round() / 10_000.0)
}

fn duration(h: &Histogram) -> DurationDto {
    DurationDto {
        count: h.count(),
        median: h.quantile(0.5),
        p90: h.quantile(0.9),
    }
}

/// Which parts of the figures a row kind has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    All,
    /// Units: case figures only.
    CasesOnly,
    /// Categories: no receptions.
    NoReceptions,
}

pub fn to_dto(f: &Figures, parts: Parts) -> FiguresDto {
    let intake = parts != Parts::CasesOnly;
    FiguresDto {
        received: intake.then(|| ReceivedDto {
            total: f.received.values().sum(),
            by_channel: f.received.clone(),
        }),
        handled: intake.then_some(f.handled),
        cases: CaseFiguresDto {
            assigned: f.assigned,
            replied: f.replied,
            open_overdue: f.open_overdue,
            on_time: f.on_time,
            reply_rate: ratio(f.replied, f.assigned),
            on_time_rate: ratio(f.on_time, f.replied),
            resolution_rate: ratio(f.category_a, f.replied),
            reply_categories: ReplyCategoriesDto {
                a: f.category_a,
                b: f.category_b,
                c: f.category_c,
            },
            rated: f.rated,
            satisfied_first: f.satisfied_first,
            satisfied_final: f.satisfied_final,
            satisfaction_rate_first: ratio(f.satisfied_first, f.rated),
            satisfaction_rate_final: ratio(f.satisfied_final, f.rated),
        },
        first_response_days: intake.then(|| duration(&f.response_days)),
        reply_days: duration(&f.reply_days),
        receptions: (parts == Parts::All).then(|| ReceptionFiguresDto {
            sessions_held: f.sessions_held,
            sessions_cancelled: f.sessions_cancelled,
            duties: f.duties,
            attended: f.attended,
            attendance_rate: ratio(f.attended, f.duties),
            voters_received: f.voters_received,
            bookings: f.bookings,
        }),
    }
}

/// The working-day calendar of the period (and of replies after it, up to today).
pub async fn calendar_for(db: &impl Reader, period: Period) -> Result<WorkingCalendar, ApiError> {
    let today = crate::domain::local_time::today();
    Ok(crate::calendar::load(db, period.from, Ord::max(today, period.to)).await?)
}

/// The overview: one set of figures for the whole reach.
pub async fn overview(
    db: &impl Reader,
    reach: &Reach,
    period: Period,
    calendar: &WorkingCalendar,
) -> Result<FiguresDto, ApiError> {
    let mut rows = figures::compute(db, reach, period, &Dimension::Whole, calendar).await?;
    Ok(to_dto(
        &rows.remove(&Key::Whole).unwrap_or_default(),
        Parts::All,
    ))
}

/// The trend: the figures of each part of the period.
pub async fn trend(
    db: &impl Reader,
    reach: &Reach,
    parts: Vec<Period>,
    period: Period,
    calendar: &WorkingCalendar,
) -> Result<Vec<(Period, FiguresDto)>, ApiError> {
    let dim = Dimension::Buckets(parts.clone());
    let mut rows = figures::compute(db, reach, period, &dim, calendar).await?;
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let f = rows.remove(&Key::Bucket(i)).unwrap_or_default();
            (p, to_dto(&f, Parts::All))
        })
        .collect())
}

/// What the rows of a report are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Station,
    Unit,
    Category,
}

/// The order of rows: a key and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    key: SortKey,
    descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Name,
    Received,
    Handled,
    Assigned,
    ReplyRate,
    OnTimeRate,
    ResolutionRate,
    SatisfactionRate,
}

impl Sort {
    pub fn parse(raw: Option<&str>) -> Result<Sort, ApiError> {
        let raw = raw.unwrap_or("name");
        let (descending, name) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let key = match name {
            "name" => SortKey::Name,
            "received" => SortKey::Received,
            "handled" => SortKey::Handled,
            "assigned" => SortKey::Assigned,
            "reply_rate" => SortKey::ReplyRate,
            "on_time_rate" => SortKey::OnTimeRate,
            "resolution_rate" => SortKey::ResolutionRate,
            "satisfaction_rate" => SortKey::SatisfactionRate,
            _ => {
                return Err(ApiError::query(
                    "sort",
                    "unknown_sort",
                    "不支持的排序字段。",
                    "Unknown sort: use name, received, handled, assigned, reply_rate, \
                     on_time_rate, resolution_rate or satisfaction_rate, optionally after `-`.",
                ));
            }
        };
        Ok(Sort { key, descending })
    }

    /// The value sorted on; rows without one (no rate yet) go last either way.
    fn value(&self, row: &RowDto) -> Option<f64> {
        let c = &row.figures.cases;
        match self.key {
            SortKey::Name => None,
            SortKey::Received => row.figures.received.as_ref().map(|r| r.total as f64),
            SortKey::Handled => row.figures.handled.map(|h| h as f64),
            SortKey::Assigned => Some(c.assigned as f64),
            SortKey::ReplyRate => c.reply_rate,
            SortKey::OnTimeRate => c.on_time_rate,
            SortKey::ResolutionRate => c.resolution_rate,
            SortKey::SatisfactionRate => c.satisfaction_rate_final,
        }
    }

    fn compare(&self, a: &RowDto, b: &RowDto) -> Ordering {
        let by_name = a.name.cmp(&b.name).then(a.id.cmp(&b.id));
        if self.key == SortKey::Name {
            return if self.descending {
                by_name.reverse()
            } else {
                by_name
            };
        }
        let primary = match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) => {
                let o = x.total_cmp(&y);
                if self.descending { o.reverse() } else { o }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        primary.then(by_name)
    }
}

/// The names of the rows of `kind` the reach covers. Every station and unit in reach has a
/// row, with zeros when nothing happened, so that the year-end comparison shows them all.
async fn names(
    db: &impl Reader,
    reach: &Reach,
    kind: RowKind,
) -> Result<HashMap<Uuid, String>, ApiError> {
    Ok(match kind {
        RowKind::Station => station::Entity::find()
            .filter(reach.stations(station::Column::Id.into_expr()))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect(),
        RowKind::Unit => unit::Entity::find()
            .filter(reach.units())
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect(),
        RowKind::Category => category::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect(),
    })
}

/// One row per station, unit or category.
pub async fn rows(
    db: &impl Reader,
    reach: &Reach,
    period: Period,
    kind: RowKind,
    sort: Sort,
    calendar: &WorkingCalendar,
) -> Result<Vec<RowDto>, ApiError> {
    let (dim, parts) = match kind {
        RowKind::Station => (Dimension::Station, Parts::All),
        RowKind::Unit => (Dimension::Unit, Parts::CasesOnly),
        RowKind::Category => (Dimension::Category, Parts::NoReceptions),
    };
    let mut figures = figures::compute(db, reach, period, &dim, calendar).await?;
    let mut names = names(db, reach, kind).await?;
    // A case may have a lead unit outside the reach's region (another district's bureau):
    // it still has a row, named from the units table.
    let missing: Vec<Uuid> = figures
        .keys()
        .filter_map(|k| match k {
            Key::Id(id) if !names.contains_key(id) => Some(*id),
            _ => None,
        })
        .collect();
    if kind == RowKind::Unit && !missing.is_empty() {
        for u in unit::Entity::find()
            .filter(unit::Column::Id.is_in(missing))
            .all(db)
            .await?
        {
            names.insert(u.id, u.name);
        }
    }
    let mut out: Vec<RowDto> = names
        .into_iter()
        .map(|(id, name)| RowDto {
            id,
            name,
            figures: to_dto(&figures.remove(&Key::Id(id)).unwrap_or_default(), parts),
        })
        .collect();
    out.sort_by(|a, b| sort.compare(a, b));
    Ok(out)
}
