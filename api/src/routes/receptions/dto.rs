//! Wire types of reception rules, sessions, rosters, sign-in and records.

use chrono::{DateTime, NaiveDate, Utc};
use entity::reception::ReceptionStatus;
use entity::reception_duty::Attendance;
use entity::reception_rule::HolidayPolicy;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::planning::pattern_of;
use super::records::RecordView;
use super::service::ReceptionView;
use crate::domain::Phone;
use crate::domain::local_time::{format_minute, minute_of};
use crate::domain::reception_plan::{Pattern, Skipped};
use crate::http::wire::PhoneNumber;
use crate::routes::deputies::dto::DeputyLevelDto;

/// Hours of a session, local time (China Standard Time).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursDto {
    /// `HH:MM`, 00:00 to 23:59.
    #[schema(example = "09:00", pattern = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub starts: String,
    /// `HH:MM`, after `starts`; `24:00` is the end of the day.
    #[schema(
        example = "11:30",
        pattern = r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
    pub ends: String,
}

impl HoursDto {
    /// A session's hours in local time.
    pub fn of(r: &entity::reception::Model) -> Self {
        HoursDto {
            starts: format_minute(minute_of(r.day, r.starts_at)),
            ends: format_minute(minute_of(r.day, r.ends_at)),
        }
    }

    /// Hours given as minutes of the day (a rule's).
    pub fn minutes(starts: i32, ends: i32) -> Self {
        HoursDto {
            starts: format_minute(u32::try_from(starts).unwrap_or(0)),
            ends: format_minute(u32::try_from(ends).unwrap_or(0)),
        }
    }
}

/// How many deputies are on duty at a session.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeputiesPerSessionDto {
    /// 1 to 10; a session cannot be published with fewer.
    #[schema(minimum = 1, maximum = 10)]
    pub min: u8,
    /// `min` to 10.
    #[schema(minimum = 1, maximum = 10)]
    pub max: u8,
}

/// What to do when a rule day is a day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HolidayPolicyDto {
    /// Move it to the next working day that holds no other session of the station (节假日顺延).
    Postpone,
    /// Drop it.
    Skip,
}

/// A day of the month, 1 to 31.
#[derive(ToSchema)]
#[schema(minimum = 1, maximum = 31)]
pub struct DayOfMonth(#[allow(dead_code)] i64);

/// A station's reception rule: exactly one of `days_of_month` and `weekly`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceptionRuleRequest {
    /// Days of the month, 1 to 31, each once, e.g. `[6, 16, 26]` (逢6进站). A month without the
    /// day (the 31st of April) has no session that day.
    #[schema(example = json!([6, 16, 26]), min_items = 1, max_items = 31, value_type = Option<Vec<DayOfMonth>>)]
    pub days_of_month: Option<Vec<i64>>,
    /// ISO weekday, Monday = 1 to Sunday = 7.
    #[schema(minimum = 1, maximum = 7)]
    pub weekly: Option<i64>,
    pub hours: HoursDto,
    /// Where, 1 to 200 characters, not all blank; default the station's address.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub place: Option<String>,
    /// Bookings per session, 1 to 1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: i64,
    /// Default 2 to 3.
    pub deputies_per_session: Option<DeputiesPerSessionDto>,
    /// Default `postpone`.
    pub holiday_policy: Option<HolidayPolicyDto>,
}

/// A station's reception rule as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceptionRuleDto {
    pub station_id: Uuid,
    pub days_of_month: Option<Vec<u32>>,
    pub weekly: Option<u8>,
    pub hours: HoursDto,
    /// `null`: the station's address.
    pub place: Option<String>,
    pub capacity: i32,
    pub deputies_per_session: DeputiesPerSessionDto,
    pub holiday_policy: HolidayPolicyDto,
    pub updated_at: DateTime<Utc>,
}

/// A span of days, both included.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateRangeRequest {
    #[schema(example = "2027-01-01")]
    pub from: NaiveDate,
    /// At most a year after `from` (`from` + 1 year − 1 day).
    #[schema(example = "2027-12-31")]
    pub to: NaiveDate,
}

/// A rule day that got no session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedDayDto {
    /// The day the rule names (for `no_such_day`, the first of the month).
    pub date: NaiveDate,
    /// For `no_such_day`: the day of the month that month lacks.
    pub day_of_month: Option<u32>,
    /// `no_such_day`, `day_off` (the `skip` policy), `no_free_working_day`, or `taken` (another
    /// session of the station is already on that day).
    pub reason: String,
}

/// A session moved off a day off.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostponedDto {
    pub rule_day: NaiveDate,
    pub date: NaiveDate,
    pub reception_id: Uuid,
}

/// What a generation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerateResultDto {
    /// Sessions created now.
    pub created: usize,
    /// Untouched drafts brought in line with the rule and calendar as they are now.
    pub updated: usize,
    /// Sessions left as they are (published, cancelled, edited by hand, rostered, or already
    /// as planned).
    pub unchanged: usize,
    pub postponed: Vec<PostponedDto>,
    pub skipped: Vec<SkippedDayDto>,
    /// Years of the range with no holiday calendar loaded: only weekends were treated as days
    /// off there.
    pub calendar_fallback_years: Vec<i32>,
}

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceptionStatusDto {
    /// Planned; staff only.
    Draft,
    /// On the public roster (公示).
    Published,
    Cancelled,
}

impl From<ReceptionStatusDto> for ReceptionStatus {
    fn from(s: ReceptionStatusDto) -> Self {
        match s {
            ReceptionStatusDto::Draft => ReceptionStatus::Draft,
            ReceptionStatusDto::Published => ReceptionStatus::Published,
            ReceptionStatusDto::Cancelled => ReceptionStatus::Cancelled,
        }
    }
}

impl From<ReceptionStatus> for ReceptionStatusDto {
    fn from(status: ReceptionStatus) -> Self {
        match status {
            ReceptionStatus::Draft => ReceptionStatusDto::Draft,
            ReceptionStatus::Published => ReceptionStatusDto::Published,
            ReceptionStatus::Cancelled => ReceptionStatusDto::Cancelled,
        }
    }
}

/// A session's filters. Public callers see published sessions (and those cancelled after
/// publication); staff also their stations' drafts.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceptionFilters {
    pub station_id: Option<Uuid>,
    /// Sessions this deputy is on duty at.
    pub deputy_id: Option<Uuid>,
    /// Sessions of the stations of this region's whole subtree.
    pub region_id: Option<Uuid>,
    /// From this day on (included).
    pub from: Option<NaiveDate>,
    /// Up to this day (included).
    pub to: Option<NaiveDate>,
    pub status: Option<ReceptionStatusDto>,
}

/// A deputy on duty.
#[derive(Debug, Serialize, ToSchema)]
pub struct DutyDto {
    pub deputy_id: Uuid,
    pub name: String,
    pub public_code: String,
    pub level: DeputyLevelDto,
    pub photo_url: Option<String>,
    /// Staff only: when the deputy signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Staff only: `present`, `absent` or `pending` (not yet signed in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<String>,
    /// Staff only: an absence recorded as excused (请假).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excused: Option<bool>,
}

/// A reception session.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceptionDto {
    pub id: Uuid,
    pub station_id: Uuid,
    pub station_name: String,
    /// The local date.
    pub date: NaiveDate,
    pub hours: HoursDto,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub status: ReceptionStatusDto,
    /// `rule` or `manual`.
    pub origin: String,
    /// For generated sessions: the day the rule names (differs from `date` when postponed).
    pub rule_day: Option<NaiveDate>,
    pub capacity: i32,
    pub seats_left: i32,
    pub deputies_per_session: DeputiesPerSessionDto,
    pub deputies: Vec<DutyDto>,
    pub published_at: Option<DateTime<Utc>>,
    /// Staff only: why it was published less than three days ahead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_reason: Option<String>,
    /// Staff only: changed by hand (generation leaves it alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited: Option<bool>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An extra session added by hand.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReceptionRequest {
    pub date: NaiveDate,
    pub hours: HoursDto,
    /// Default: the rule's place, else the station's address. 1 to 200 characters, not all
    /// blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub place: Option<String>,
    /// Default: the rule's capacity, else 20.
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: Option<i64>,
    pub deputies_per_session: Option<DeputiesPerSessionDto>,
    /// Deputies on duty.
    #[serde(default)]
    pub deputy_ids: Vec<Uuid>,
}

/// Changes to a session; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReceptionRequest {
    /// The deputies on duty, replacing the current ones.
    pub deputy_ids: Option<Vec<Uuid>>,
    pub hours: Option<HoursDto>,
    /// 1 to 200 characters, not all blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub place: Option<String>,
    /// 1 to 1000, not below the seats already booked.
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: Option<i64>,
    /// `cancelled` (with `cancel_reason`) cancels the session and its bookings.
    pub status: Option<ReceptionStatusDto>,
    /// 2 to 500 characters, at least two of them not blank.
    #[schema(min_length = 2, max_length = 500, pattern = r"\S[\s\S]*\S")]
    pub cancel_reason: Option<String>,
}

/// Publishing a session.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Required when the session starts in less than three days; 2 to 500 characters, at least
    /// two of them not blank.
    #[schema(min_length = 2, max_length = 500, pattern = r"\S[\s\S]*\S")]
    pub late_reason: Option<String>,
}

/// Publishing a station's drafts over a span of days.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRangeRequest {
    pub station_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Required when one of the sessions starts in less than three days; 2 to 500 characters,
    /// at least two of them not blank.
    #[schema(min_length = 2, max_length = 500, pattern = r"\S[\s\S]*\S")]
    pub late_reason: Option<String>,
}

/// What a range publication did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishRangeResultDto {
    pub published: Vec<ReceptionDto>,
    /// Of those, published less than three days ahead.
    pub late: usize,
}

/// A session the automatic roster could not fill.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortSessionDto {
    pub reception_id: Uuid,
    pub date: NaiveDate,
    pub needed: usize,
    pub assigned: usize,
}

/// A deputy's duties at the station over the rostered span.
#[derive(Debug, Serialize, ToSchema)]
pub struct DutyCountDto {
    pub deputy_id: Uuid,
    pub name: String,
    pub duties: usize,
}

/// What an automatic roster did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterResultDto {
    /// Sessions given deputies now.
    pub filled: Vec<ReceptionDto>,
    /// Sessions that got fewer than their minimum (not enough free deputies).
    pub short: Vec<ShortSessionDto>,
    /// Every stationed deputy's duties over the span, this roster included.
    pub counts: Vec<DutyCountDto>,
}

/// A sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInDto {
    pub reception_id: Uuid,
    pub deputy_id: Uuid,
    /// The first sign-in; signing in again keeps it.
    pub checked_in_at: DateTime<Utc>,
}

/// Attendance recorded by hand.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRequest {
    pub present: bool,
    /// Why, 2 to 500 characters, at least two of them not blank (kept in the audit trail).
    #[schema(min_length = 2, max_length = 500, pattern = r"\S[\s\S]*\S")]
    pub reason: String,
    /// An absence the deputy excused (请假), which the performance points weigh apart from an
    /// unexcused one; only with `present: false`.
    #[serde(default)]
    pub excused: bool,
}

/// A visitor named in a record.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitorRequest {
    /// 1 to 50 characters, not all blank.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<String>,
}

/// One matter raised.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordItemRequest {
    /// What was raised, 1 to 2000 characters, not all blank.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub raised: String,
    /// What was done on the spot, up to 2000 characters.
    #[schema(max_length = 2000)]
    pub action_taken: Option<String>,
}

/// The record of a reception (接待记录).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRequest {
    /// How many came, 0 to 10,000.
    #[schema(minimum = 0, maximum = 10000)]
    pub visitor_count: i64,
    /// Who came (optional personal data), at most 200.
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub visitors: Vec<VisitorRequest>,
    /// What they raised, 1 to 100 matters.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<RecordItemRequest>,
    /// The feedback given, up to 2000 characters.
    #[schema(max_length = 2000)]
    pub feedback: Option<String>,
}

/// A visitor as recorded; the phone masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorDto {
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
}

/// A matter raised, addressable by id.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordItemDto {
    pub id: Uuid,
    pub raised: String,
    pub action_taken: Option<String>,
}

/// A reception record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordDto {
    pub id: Uuid,
    pub reception_id: Uuid,
    pub visitor_count: i32,
    pub visitors: Vec<VisitorDto>,
    pub items: Vec<RecordItemDto>,
    pub feedback: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

pub fn reception_dto(view: &ReceptionView) -> ReceptionDto {
    let r = &view.reception;
    let staff = view.staff_view;
    ReceptionDto {
        id: r.id,
        station_id: r.station_id,
        station_name: view.station.name.clone(),
        date: r.day,
        hours: HoursDto::of(r),
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        place: r.place.clone(),
        status: r.status.into(),
        origin: match r.origin {
            entity::reception::ReceptionOrigin::Rule => "rule".into(),
            entity::reception::ReceptionOrigin::Manual => "manual".into(),
        },
        rule_day: r.rule_day,
        capacity: r.capacity,
        seats_left: (r.capacity - r.seats_taken).max(0),
        deputies_per_session: DeputiesPerSessionDto {
            min: u8::try_from(r.min_deputies).unwrap_or(0),
            max: u8::try_from(r.max_deputies).unwrap_or(0),
        },
        deputies: view
            .duties
            .iter()
            .map(|(duty, d)| DutyDto {
                deputy_id: d.id,
                name: d.name.clone(),
                public_code: d.public_code.clone(),
                level: d.level.into(),
                photo_url: d.photo_url.clone(),
                checked_in_at: if staff { duty.checked_in_at } else { None },
                attendance: staff.then(|| {
                    match (duty.attendance, duty.checked_in_at) {
                        (Some(Attendance::Present), _) => "present",
                        (Some(Attendance::Absent), _) => "absent",
                        (None, Some(_)) => "present",
                        (None, None) => "pending",
                    }
                    .to_owned()
                }),
                excused: staff.then_some(duty.attendance_excused),
            })
            .collect(),
        published_at: r.published_at,
        late_reason: if staff { r.late_reason.clone() } else { None },
        edited: staff.then_some(r.edited),
        cancelled_at: r.cancelled_at,
        cancel_reason: r.cancel_reason.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub fn rule_dto(rule: &entity::reception_rule::Model) -> ReceptionRuleDto {
    let (days, weekly) = match pattern_of(rule) {
        Pattern::DaysOfMonth(days) => (Some(days.into_iter().collect()), None),
        Pattern::Weekly(w) => (
            None,
            Some(u8::try_from(w.number_from_monday()).unwrap_or(1)),
        ),
    };
    ReceptionRuleDto {
        station_id: rule.station_id,
        days_of_month: days,
        weekly,
        hours: HoursDto::minutes(rule.starts_minute, rule.ends_minute),
        place: rule.place.clone(),
        capacity: rule.capacity,
        deputies_per_session: DeputiesPerSessionDto {
            min: u8::try_from(rule.min_deputies).unwrap_or(0),
            max: u8::try_from(rule.max_deputies).unwrap_or(0),
        },
        holiday_policy: match rule.holiday_policy {
            HolidayPolicy::Postpone => HolidayPolicyDto::Postpone,
            HolidayPolicy::Skip => HolidayPolicyDto::Skip,
        },
        updated_at: rule.updated_at,
    }
}

pub fn skipped_dto(s: &Skipped) -> SkippedDayDto {
    match *s {
        Skipped::NoSuchDay { year, month, day } => SkippedDayDto {
            date: NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default(),
            day_of_month: Some(day),
            reason: "no_such_day".into(),
        },
        Skipped::DayOff(date) => SkippedDayDto {
            date,
            day_of_month: None,
            reason: "day_off".into(),
        },
        Skipped::NoFreeWorkingDay(date) => SkippedDayDto {
            date,
            day_of_month: None,
            reason: "no_free_working_day".into(),
        },
        Skipped::Taken(date) => SkippedDayDto {
            date,
            day_of_month: None,
            reason: "taken".into(),
        },
    }
}

pub fn record_dto(view: RecordView) -> RecordDto {
    RecordDto {
        id: view.record.id,
        reception_id: view.record.reception_id,
        visitor_count: view.record.visitor_count,
        visitors: view
            .visitors
            .into_iter()
            .map(|v| VisitorDto {
                id: v.id,
                name: v.name,
                phone: v.phone.as_deref().map(Phone::mask),
            })
            .collect(),
        items: view
            .items
            .into_iter()
            .map(|i| RecordItemDto {
                id: i.id,
                raised: i.raised,
                action_taken: i.action_taken,
            })
            .collect(),
        feedback: view.record.feedback,
        created_by: view.record.created_by,
        created_at: view.record.created_at,
    }
}
