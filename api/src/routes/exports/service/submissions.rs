//! The submissions export: every submission of the reach received in the period, oldest first,
//! read in keyset pages over `(created_at, id)`.

use entity::submission;
use sea_orm::{ActiveEnum, DatabaseConnection};

use super::names::Names;
use super::table::{Cell, Column, Keyset, Row, shown};
use crate::domain::phone::Phone;
use crate::error::ApiError;
use crate::routes::stats::service::period::Period;
use crate::routes::stats::service::reach::Reach;

pub const COLUMNS: &[Column] = &[
    Column::new("受理编号", "tracking_no"),
    Column::new("收到时间", "received_at"),
    Column::new("渠道", "channel"),
    Column::new("状态", "status"),
    Column::new("类别", "category"),
    Column::new("区域", "region"),
    Column::new("联络站", "station"),
    Column::new("代表", "deputy"),
    Column::new("标题", "title"),
    Column::new("内容", "content"),
    Column::new("地址", "address"),
    Column::new("联系人", "contact_name"),
    Column::new("联系电话", "contact_phone"),
    Column::new("匿名", "anonymous"),
    Column::new("同意公开", "consent_public"),
    Column::new("首次响应时间", "responded_at"),
    Column::new("办结时间", "resolved_at"),
    Column::new("关闭时间", "closed_at"),
    Column::new("评价", "rating"),
    Column::new("评价时间", "rated_at"),
    Column::new("已删除个人信息", "erased"),
];

/// Reads the pages.
pub struct Pager {
    rows: Keyset<submission::Entity>,
    reveal: bool,
    names: Names,
}

impl Pager {
    /// The submissions of `reach` received in `period`; phone numbers whole only if `reveal`.
    pub fn new(reach: &Reach, period: Period, reveal: bool) -> Pager {
        Pager {
            rows: Keyset::in_reach(
                reach,
                period,
                submission::Column::CreatedAt,
                submission::Column::Id,
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
        self.names
            .categories
            .load(db, page.iter().map(|s| s.category_id))
            .await?;
        self.names
            .regions
            .load(db, page.iter().filter_map(|s| s.region_id))
            .await?;
        self.names
            .stations
            .load(db, page.iter().filter_map(|s| s.station_id))
            .await?;
        self.names
            .deputies
            .load(db, page.iter().filter_map(|s| s.deputy_id))
            .await?;
        Ok(Some(page.iter().map(|s| self.row(s)).collect()))
    }

    fn row(&self, s: &submission::Model) -> Row {
        let text = |t: &str| shown(self.reveal, t);
        let phone = s.contact_phone.as_deref().map(|p| {
            if self.reveal {
                p.to_owned()
            } else {
                Phone::mask(p)
            }
        });
        vec![
            Cell::code(&s.tracking_no),
            Cell::time(Some(s.created_at)),
            Cell::code(s.channel.to_value()),
            Cell::code(s.status.to_value()),
            self.names.categories.cell(Some(s.category_id)),
            self.names.regions.cell(s.region_id),
            self.names.stations.cell(s.station_id),
            self.names.deputies.cell(s.deputy_id),
            Cell::text(text(&s.title)),
            Cell::text(text(&s.content)),
            Cell::opt_text(s.address.clone()),
            Cell::opt_text(s.contact_name.clone()),
            phone.map_or(Cell::Empty, Cell::Code),
            Cell::flag(s.anonymous),
            Cell::flag(s.consent_public),
            Cell::time(s.responded_at),
            Cell::time(s.resolved_at),
            Cell::time(s.closed_at),
            s.feedback_rating
                .map_or(Cell::Empty, |r| Cell::code(r.to_value())),
            Cell::time(s.feedback_at),
            Cell::flag(s.erased_at.is_some()),
        ]
    }
}
