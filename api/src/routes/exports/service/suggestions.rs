//! The cases export: every case (station case or deputy suggestion) of the reach created in the
//! period, oldest first, read in keyset pages over `(created_at, id)`, with its units, its
//! authors, its milestones and its results.

use std::collections::HashMap;

use entity::{suggestion, suggestion_author, suggestion_unit};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::names::Names;
use super::table::{Cell, Column, Keyset, Row, shown};
use crate::error::ApiError;
use crate::routes::stats::service::period::Period;
use crate::routes::stats::service::reach::Reach;

pub const COLUMNS: &[Column] = &[
    Column::new("编号", "id"),
    Column::new("类型", "kind"),
    Column::new("状态", "status"),
    Column::new("标题", "title"),
    Column::new("内容", "content"),
    Column::new("类别", "category"),
    Column::new("区域", "region"),
    Column::new("联络站", "station"),
    Column::new("提交层级", "level"),
    Column::new("领衔代表及附议代表", "authors"),
    Column::new("主办单位", "lead_unit"),
    Column::new("协办单位", "co_units"),
    Column::new("督办", "supervision"),
    Column::new("办理期限", "deadline"),
    Column::new("创建时间", "created_at"),
    Column::new("交办时间", "assigned_at"),
    Column::new("首次答复时间", "first_replied_at"),
    Column::new("最近答复时间", "replied_at"),
    Column::new("答复类别", "reply_category"),
    Column::new("首次评价", "first_rating"),
    Column::new("最终评价", "rating"),
    Column::new("重办次数", "reopen_count"),
    Column::new("办结时间", "closed_at"),
];

/// Reads the pages.
pub struct Pager {
    rows: Keyset<suggestion::Entity>,
    reveal: bool,
    names: Names,
}

impl Pager {
    /// The cases of `reach` created in `period`; phone numbers in their text whole only if
    /// `reveal`.
    pub fn new(reach: &Reach, period: Period, reveal: bool) -> Pager {
        Pager {
            rows: Keyset::in_reach(
                reach,
                period,
                suggestion::Column::CreatedAt,
                suggestion::Column::Id,
            ),
            reveal,
            names: Names::default(),
        }
    }

    pub async fn next(&mut self, db: &DatabaseConnection) -> Result<Option<Vec<Row>>, ApiError> {
        let page = self.rows.next(db, |r| (r.created_at, r.id)).await?;
        if page.is_empty() {
            return Ok(None);
        }
        let ids: Vec<Uuid> = page.iter().map(|s| s.id).collect();
        let co_units: Vec<(Uuid, Uuid)> = suggestion_unit::Entity::find()
            .select_only()
            .column(suggestion_unit::Column::SuggestionId)
            .column(suggestion_unit::Column::UnitId)
            .filter(suggestion_unit::Column::SuggestionId.is_in(ids.clone()))
            .filter(suggestion_unit::Column::Lead.eq(false))
            .order_by_asc(suggestion_unit::Column::UnitId)
            .into_tuple()
            .all(db)
            .await?;
        let authors: Vec<(Uuid, Uuid)> = suggestion_author::Entity::find()
            .select_only()
            .column(suggestion_author::Column::SuggestionId)
            .column(suggestion_author::Column::DeputyId)
            .filter(suggestion_author::Column::SuggestionId.is_in(ids))
            .order_by_asc(suggestion_author::Column::Position)
            .into_tuple()
            .all(db)
            .await?;
        let n = &mut self.names;
        n.categories
            .load(db, page.iter().map(|s| s.category_id))
            .await?;
        n.regions.load(db, page.iter().map(|s| s.region_id)).await?;
        n.stations
            .load(db, page.iter().filter_map(|s| s.station_id))
            .await?;
        n.units
            .load(
                db,
                page.iter()
                    .filter_map(|s| s.lead_unit_id)
                    .chain(co_units.iter().map(|(_, u)| *u)),
            )
            .await?;
        n.deputies.load(db, authors.iter().map(|(_, d)| *d)).await?;
        let co_units = group(co_units, |id| n.units.get(id));
        let authors = group(authors, |id| n.deputies.get(id));
        Ok(Some(
            page.iter()
                .map(|s| self.row(s, co_units.get(&s.id).cloned(), authors.get(&s.id).cloned()))
                .collect(),
        ))
    }

    fn row(&self, s: &suggestion::Model, co_units: Option<String>, authors: Option<String>) -> Row {
        let text = |t: &str| shown(self.reveal, t);
        let n = &self.names;
        vec![
            Cell::code(s.id.to_string()),
            Cell::code(s.kind.to_value()),
            Cell::code(s.status.to_value()),
            Cell::text(text(&s.title)),
            Cell::text(text(&s.content)),
            n.categories.cell(Some(s.category_id)),
            n.regions.cell(Some(s.region_id)),
            n.stations.cell(s.station_id),
            Cell::opt_code(s.level.map(|l| l.to_value())),
            Cell::opt_text(authors),
            n.units.cell(s.lead_unit_id),
            Cell::opt_text(co_units),
            Cell::code(s.supervision.to_value()),
            Cell::date(s.deadline),
            Cell::time(Some(s.created_at)),
            Cell::time(s.assigned_at),
            Cell::time(s.first_replied_at),
            Cell::time(s.replied_at),
            Cell::opt_code(s.reply_category.map(|c| c.to_value())),
            Cell::opt_code(s.first_rating.map(|r| r.to_value())),
            Cell::opt_code(s.rating.map(|r| r.to_value())),
            Cell::Int(i64::from(s.reopen_count)),
            Cell::time(s.closed_at),
        ]
    }
}

/// The names of `pairs`' second ids per first id, in order, joined with 、.
fn group<'a>(
    pairs: Vec<(Uuid, Uuid)>,
    name: impl Fn(Uuid) -> Option<&'a str>,
) -> HashMap<Uuid, String> {
    let mut out: HashMap<Uuid, String> = HashMap::new();
    for (of, id) in pairs {
        let Some(name) = name(id) else { continue };
        let joined = out.entry(of).or_default();
        if !joined.is_empty() {
            joined.push('、');
        }
        joined.push_str(name);
    }
    out
}
