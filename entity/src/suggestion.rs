//! `suggestions`: a station case (意见交办) or a deputy suggestion (代表建议) on its way through
//! the closed loop. `kind` and `status` hold the names of `api::domain::suggestion_flow`, which
//! owns the rules.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `station_case` or `deputy_suggestion`.
    pub kind: String,
    /// A state of the flow (`draft`, `accepted`, `assigned`, ...).
    pub status: String,
    pub title: String,
    pub content: String,
    pub category_id: Uuid,
    pub region_id: Uuid,
    pub station_id: Option<Uuid>,
    /// The congress a deputy suggestion goes to: `township`, `county` or `city`.
    pub level: Option<String>,
    pub lead_unit_id: Option<Uuid>,
    /// The last working day for the reply.
    pub deadline: Option<Date>,
    /// `none`, `normal` or `key` (重点督办).
    pub supervision: String,
    pub supervision_note: Option<String>,
    /// `A`, `B` or `C`.
    pub reply_category: Option<String>,
    pub reply_text: Option<String>,
    pub replied_at: Option<DateTimeUtc>,
    pub rating: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub reopen_count: i32,
    /// Closed dissatisfied after the last reopen: the supervisor should look.
    pub flagged: bool,
    pub created_by: Option<Uuid>,
    /// The station case this deputy suggestion was escalated from.
    pub escalated_from: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    /// The first assignment (a reassignment does not move it): reply figures count from here.
    pub assigned_at: Option<DateTimeUtc>,
    /// The first reply; `replied_at` is the latest.
    pub first_replied_at: Option<DateTimeUtc>,
    /// The first rating; `rating` is the final one.
    pub first_rating: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
