//! `suggestions`: a station case (意见交办) or a deputy suggestion (代表建议) on its way through
//! the closed loop. `kind` and `status` are the kinds and states of
//! `api::domain::suggestion_flow`, which re-exports them and owns the rules.

use sea_orm::entity::prelude::*;

/// Which loop a case follows. The two share the handling part and differ at the ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Kind {
    /// A matter handled at a station's level and assigned to a handling unit.
    #[sea_orm(string_value = "station_case")]
    StationCase,
    /// A formal suggestion by deputies to a congress.
    #[sea_orm(string_value = "deputy_suggestion")]
    DeputySuggestion,
}

/// Where a case rests between requests.
///
/// There is no `reopened` state: a dissatisfied rating puts the case back in `in_progress` and
/// `reopen_count` counts the reopens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum State {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "assigned")]
    Assigned,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "replied")]
    Replied,
    #[sea_orm(string_value = "closed")]
    Closed,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
    #[sea_orm(string_value = "escalated")]
    Escalated,
}

/// The congress a deputy suggestion goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CongressLevel {
    #[sea_orm(string_value = "township")]
    Township,
    #[sea_orm(string_value = "county")]
    County,
    #[sea_orm(string_value = "city")]
    City,
}

/// How closely a case is supervised (督办).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Supervision {
    #[sea_orm(string_value = "none")]
    None,
    #[sea_orm(string_value = "normal")]
    Normal,
    /// 重点督办.
    #[sea_orm(string_value = "key")]
    Key,
}

/// The official reply category: A solved, B being solved or planned, C cannot be solved now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(1))")]
pub enum ReplyCategory {
    #[sea_orm(string_value = "A")]
    A,
    #[sea_orm(string_value = "B")]
    B,
    #[sea_orm(string_value = "C")]
    C,
}

/// The rater's verdict on a reply (满意 / 基本满意 / 不满意).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Rating {
    #[sea_orm(string_value = "satisfied")]
    Satisfied,
    #[sea_orm(string_value = "basically_satisfied")]
    BasicallySatisfied,
    #[sea_orm(string_value = "dissatisfied")]
    Dissatisfied,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: Kind,
    pub status: State,
    pub title: String,
    pub content: String,
    pub category_id: Uuid,
    pub region_id: Uuid,
    pub station_id: Option<Uuid>,
    /// Deputy suggestions only.
    pub level: Option<CongressLevel>,
    pub lead_unit_id: Option<Uuid>,
    /// The last working day for the reply.
    pub deadline: Option<Date>,
    pub supervision: Supervision,
    pub supervision_note: Option<String>,
    pub reply_category: Option<ReplyCategory>,
    pub reply_text: Option<String>,
    pub replied_at: Option<DateTimeUtc>,
    pub rating: Option<Rating>,
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
    pub first_rating: Option<Rating>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
