//! Wire types of suggestions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use entity::suggestion::{CongressLevel, ReplyCategory, Supervision};
use entity::{suggestion, suggestion_event, suggestion_unit};

use super::service::Links;
use crate::domain::suggestion_flow::{Action, Kind, Rating, State};

/// `station_case` (意见交办) or `deputy_suggestion` (代表建议).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKindDto {
    StationCase,
    DeputySuggestion,
}

impl From<SuggestionKindDto> for Kind {
    fn from(k: SuggestionKindDto) -> Kind {
        match k {
            SuggestionKindDto::StationCase => Kind::StationCase,
            SuggestionKindDto::DeputySuggestion => Kind::DeputySuggestion,
        }
    }
}

impl From<Kind> for SuggestionKindDto {
    fn from(k: Kind) -> Self {
        match k {
            Kind::StationCase => Self::StationCase,
            Kind::DeputySuggestion => Self::DeputySuggestion,
        }
    }
}

/// Where a suggestion stands (see the transition table in `POST .../transitions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatusDto {
    Draft,
    Submitted,
    Accepted,
    Assigned,
    InProgress,
    Replied,
    Closed,
    Withdrawn,
    Escalated,
}

impl From<State> for SuggestionStatusDto {
    fn from(s: State) -> Self {
        match s {
            State::Draft => Self::Draft,
            State::Submitted => Self::Submitted,
            State::Accepted => Self::Accepted,
            State::Assigned => Self::Assigned,
            State::InProgress => Self::InProgress,
            State::Replied => Self::Replied,
            State::Closed => Self::Closed,
            State::Withdrawn => Self::Withdrawn,
            State::Escalated => Self::Escalated,
        }
    }
}

impl From<SuggestionStatusDto> for State {
    fn from(s: SuggestionStatusDto) -> Self {
        match s {
            SuggestionStatusDto::Draft => State::Draft,
            SuggestionStatusDto::Submitted => State::Submitted,
            SuggestionStatusDto::Accepted => State::Accepted,
            SuggestionStatusDto::Assigned => State::Assigned,
            SuggestionStatusDto::InProgress => State::InProgress,
            SuggestionStatusDto::Replied => State::Replied,
            SuggestionStatusDto::Closed => State::Closed,
            SuggestionStatusDto::Withdrawn => State::Withdrawn,
            SuggestionStatusDto::Escalated => State::Escalated,
        }
    }
}

/// The congress a deputy suggestion goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CongressLevelDto {
    Township,
    County,
    City,
}

impl From<CongressLevelDto> for CongressLevel {
    fn from(l: CongressLevelDto) -> Self {
        match l {
            CongressLevelDto::Township => CongressLevel::Township,
            CongressLevelDto::County => CongressLevel::County,
            CongressLevelDto::City => CongressLevel::City,
        }
    }
}

impl From<CongressLevel> for CongressLevelDto {
    fn from(l: CongressLevel) -> Self {
        match l {
            CongressLevel::Township => Self::Township,
            CongressLevel::County => Self::County,
            CongressLevel::City => Self::City,
        }
    }
}

/// The official reply category: A solved, B being solved or planned, C cannot be solved now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ReplyCategoryDto {
    A,
    B,
    C,
}

impl From<ReplyCategoryDto> for ReplyCategory {
    fn from(c: ReplyCategoryDto) -> Self {
        match c {
            ReplyCategoryDto::A => ReplyCategory::A,
            ReplyCategoryDto::B => ReplyCategory::B,
            ReplyCategoryDto::C => ReplyCategory::C,
        }
    }
}

impl From<ReplyCategory> for ReplyCategoryDto {
    fn from(c: ReplyCategory) -> Self {
        match c {
            ReplyCategory::A => Self::A,
            ReplyCategory::B => Self::B,
            ReplyCategory::C => Self::C,
        }
    }
}

/// A rating of the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionRatingDto {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl From<SuggestionRatingDto> for Rating {
    fn from(r: SuggestionRatingDto) -> Rating {
        match r {
            SuggestionRatingDto::Satisfied => Rating::Satisfied,
            SuggestionRatingDto::BasicallySatisfied => Rating::BasicallySatisfied,
            SuggestionRatingDto::Dissatisfied => Rating::Dissatisfied,
        }
    }
}

impl From<Rating> for SuggestionRatingDto {
    fn from(r: Rating) -> Self {
        match r {
            Rating::Satisfied => Self::Satisfied,
            Rating::BasicallySatisfied => Self::BasicallySatisfied,
            Rating::Dissatisfied => Self::Dissatisfied,
        }
    }
}

/// An action of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionActionDto {
    Submit,
    PreReviewPass,
    PreReviewReturn,
    Assign,
    Acknowledge,
    DeclineJurisdiction,
    Reply,
    Rate,
    Withdraw,
    Escalate,
}

impl From<SuggestionActionDto> for Action {
    fn from(a: SuggestionActionDto) -> Action {
        match a {
            SuggestionActionDto::Submit => Action::Submit,
            SuggestionActionDto::PreReviewPass => Action::PreReviewPass,
            SuggestionActionDto::PreReviewReturn => Action::PreReviewReturn,
            SuggestionActionDto::Assign => Action::Assign,
            SuggestionActionDto::Acknowledge => Action::Acknowledge,
            SuggestionActionDto::DeclineJurisdiction => Action::DeclineJurisdiction,
            SuggestionActionDto::Reply => Action::Reply,
            SuggestionActionDto::Rate => Action::Rate,
            SuggestionActionDto::Withdraw => Action::Withdraw,
            SuggestionActionDto::Escalate => Action::Escalate,
        }
    }
}

impl From<Action> for SuggestionActionDto {
    fn from(a: Action) -> Self {
        match a {
            Action::Submit => Self::Submit,
            Action::PreReviewPass => Self::PreReviewPass,
            Action::PreReviewReturn => Self::PreReviewReturn,
            Action::Assign => Self::Assign,
            Action::Acknowledge => Self::Acknowledge,
            Action::DeclineJurisdiction => Self::DeclineJurisdiction,
            Action::Reply => Self::Reply,
            Action::Rate => Self::Rate,
            Action::Withdraw => Self::Withdraw,
            Action::Escalate => Self::Escalate,
        }
    }
}

/// A new suggestion: a deputy writes a deputy suggestion (a `draft`, with co-signing deputies);
/// station staff or an administrator open a station case (`accepted`) at a station.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateSuggestionRequest {
    pub kind: SuggestionKindDto,
    /// 1 to 100 characters, not all blank.
    #[schema(
        example = "关于改善幸福路夜间照明的建议",
        min_length = 1,
        max_length = 100,
        pattern = r"\S"
    )]
    pub title: String,
    /// 1 to 10,000 characters, not all blank.
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub content: String,
    /// A category code.
    #[schema(example = "urban_management")]
    pub category: String,
    /// Required for a station case; for a deputy suggestion, the station whose staff pre-review
    /// it (optional).
    pub station_id: Option<Uuid>,
    /// Deputy suggestions only: `township`, `county` or `city`.
    pub level: Option<CongressLevelDto>,
    /// Deputy suggestions only: co-signing deputies (the caller is the lead author).
    #[serde(default)]
    pub co_author_ids: Vec<Uuid>,
}

/// A transition: the action and what it needs.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub action: SuggestionActionDto,
    /// Required to `pre_review_return` and to `decline_jurisdiction`; optional otherwise. Up to
    /// 2,000 characters.
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
    /// `assign`: the lead unit.
    pub lead_unit_id: Option<Uuid>,
    /// `assign`: co-handling units.
    #[serde(default)]
    pub co_unit_ids: Vec<Uuid>,
    /// `assign`: the last day for the reply (default 15 working days for a station case, 3
    /// months for a deputy suggestion); never in the past.
    pub deadline: Option<NaiveDate>,
    /// `reply`: A, B or C.
    pub reply_category: Option<ReplyCategoryDto>,
    /// `reply`: the reply, up to 10,000 characters.
    #[schema(max_length = 10000)]
    pub reply_text: Option<String>,
    /// `rate`.
    pub rating: Option<SuggestionRatingDto>,
    /// `escalate`: the congress level of the new deputy suggestion.
    pub level: Option<CongressLevelDto>,
    /// `escalate`: the deputies who carry it, lead first.
    #[serde(default)]
    pub author_ids: Vec<Uuid>,
}

/// A unit on a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseUnitDto {
    pub unit_id: Uuid,
    pub lead: bool,
    /// A co-handling unit's input to the reply.
    pub input: Option<String>,
    pub input_at: Option<DateTime<Utc>>,
}

impl From<suggestion_unit::Model> for CaseUnitDto {
    fn from(u: suggestion_unit::Model) -> Self {
        CaseUnitDto {
            unit_id: u.unit_id,
            lead: u.lead,
            input: u.input,
            input_at: u.input_at,
        }
    }
}

/// A co-handling unit's input.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CoUnitInputRequest {
    /// 1 to 5,000 characters, not all blank.
    #[schema(min_length = 1, max_length = 5000, pattern = r"\S")]
    pub text: String,
}

/// A suggestion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionDto {
    pub id: Uuid,
    pub kind: SuggestionKindDto,
    pub status: SuggestionStatusDto,
    pub title: String,
    pub content: String,
    pub category_id: Uuid,
    pub region_id: Uuid,
    pub station_id: Option<Uuid>,
    pub level: Option<CongressLevelDto>,
    /// Deputies, lead first.
    pub author_ids: Vec<Uuid>,
    pub source_submission_ids: Vec<Uuid>,
    /// The station case this deputy suggestion was escalated from.
    pub escalated_from: Option<Uuid>,
    /// The deputy suggestion this station case was escalated into.
    pub escalated_to: Option<Uuid>,
    pub units: Vec<CaseUnitDto>,
    pub deadline: Option<NaiveDate>,
    /// Past its deadline without a reply.
    pub overdue: bool,
    /// `none`, `normal` or `key`.
    pub supervision: SupervisionDto,
    pub supervision_note: Option<String>,
    pub reply_category: Option<ReplyCategoryDto>,
    pub reply_text: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub rating: Option<SuggestionRatingDto>,
    pub reopen_count: i32,
    /// Closed dissatisfied after the last reopen: for the supervisor.
    pub flagged: bool,
    /// What the caller may do now (by state and their roles).
    pub allowed_actions: Vec<SuggestionActionDto>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl SuggestionDto {
    /// The case `s` with its links, what the caller may do with it and whether it is overdue
    /// (both worked out by the caller, who knows the caller's roles and the day).
    pub fn new(
        s: suggestion::Model,
        links: Links,
        allowed_actions: Vec<SuggestionActionDto>,
        overdue: bool,
    ) -> Self {
        SuggestionDto {
            id: s.id,
            kind: s.kind.into(),
            status: s.status.into(),
            title: s.title,
            content: s.content,
            category_id: s.category_id,
            region_id: s.region_id,
            station_id: s.station_id,
            level: s.level.map(Into::into),
            author_ids: links.authors,
            source_submission_ids: links.sources,
            escalated_from: s.escalated_from,
            escalated_to: links.escalated_to,
            units: links.units.into_iter().map(Into::into).collect(),
            deadline: s.deadline,
            overdue,
            supervision: s.supervision.into(),
            supervision_note: s.supervision_note,
            reply_category: s.reply_category.map(Into::into),
            reply_text: s.reply_text,
            replied_at: s.replied_at,
            rating: s.rating.map(Into::into),
            reopen_count: s.reopen_count,
            flagged: s.flagged,
            allowed_actions,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            closed_at: s.closed_at,
        }
    }
}

/// The small body pollers fetch, with an ETag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionStatusBodyDto {
    pub status: SuggestionStatusDto,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
}

/// One transition of a suggestion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionEventDto {
    pub id: Uuid,
    /// `create` or the action.
    pub action: String,
    pub from: Option<SuggestionStatusDto>,
    pub to: SuggestionStatusDto,
    /// The role the actor acted in.
    pub actor_role: Option<String>,
    pub actor_id: Option<Uuid>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<suggestion_event::Model> for SuggestionEventDto {
    fn from(e: suggestion_event::Model) -> Self {
        SuggestionEventDto {
            id: e.id,
            action: e.action,
            from: e.from_status.map(Into::into),
            to: e.to_status.into(),
            actor_role: e.actor_role,
            actor_id: e.actor_id,
            note: e.note,
            at: e.at,
        }
    }
}

/// How closely a case is supervised (督办).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionDto {
    None,
    Normal,
    /// 重点督办.
    Key,
}

impl From<SupervisionDto> for Supervision {
    fn from(l: SupervisionDto) -> Self {
        match l {
            SupervisionDto::None => Supervision::None,
            SupervisionDto::Normal => Supervision::Normal,
            SupervisionDto::Key => Supervision::Key,
        }
    }
}

impl From<Supervision> for SupervisionDto {
    fn from(l: Supervision) -> Self {
        match l {
            Supervision::None => Self::None,
            Supervision::Normal => Self::Normal,
            Supervision::Key => Self::Key,
        }
    }
}

/// Puts a case under supervision (or lifts it).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SuperviseRequest {
    pub level: SupervisionDto,
    /// Why, up to 500 characters; shown on the case.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// List filters.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionFilters {
    pub status: Option<SuggestionStatusDto>,
    pub kind: Option<SuggestionKindDto>,
    /// The region and everything under it.
    pub region_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
    /// Cases this unit leads or co-handles.
    pub unit_id: Option<Uuid>,
    /// Suggestions this deputy wrote or co-signed.
    pub author_id: Option<Uuid>,
    /// Only cases past their deadline without a reply (`true`), or only the others (`false`).
    pub overdue: Option<bool>,
    /// Only cases under supervision (`true`), or only the others (`false`).
    pub supervised: Option<bool>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}
