//! Wire types of `/api/v1/stats`: the attendance report and the figures reports.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

pub use super::service::period::Interval;

/// Which sessions the report covers.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttendanceFilters {
    /// The calendar year, 2000 to 2100.
    #[validate(range(min = 2000, max = 2100))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub station_id: Option<Uuid>,
    /// Stations of this region's whole subtree.
    pub region_id: Option<Uuid>,
}

/// One deputy's attendance over the year.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeputyAttendanceDto {
    pub deputy_id: Uuid,
    pub name: String,
    /// Duties at sessions that have ended.
    pub on_duty: u32,
    /// Of those, signed in or recorded present by staff.
    pub attended: u32,
    pub missed: u32,
    /// `attended / on_duty`, to three decimals; `null` without duties yet.
    pub rate: Option<f64>,
    /// Duties at sessions still to come this year.
    pub upcoming: u32,
}

/// One station's totals over the year.
#[derive(Debug, Serialize, ToSchema)]
pub struct StationAttendanceDto {
    pub station_id: Uuid,
    pub name: String,
    /// Sessions that took place (ended, not cancelled).
    pub sessions_held: u32,
    pub sessions_cancelled: u32,
    /// Sessions whose roster went public less than three days ahead.
    pub late_publications: u32,
    pub on_duty: u32,
    pub attended: u32,
    pub missed: u32,
    pub rate: Option<f64>,
}

/// The attendance report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceReportDto {
    pub year: i32,
    /// By name.
    pub deputies: Vec<DeputyAttendanceDto>,
    /// By name.
    pub stations: Vec<StationAttendanceDto>,
    pub generated_at: DateTime<Utc>,
}

/// The period and reach of a report. `from` defaults to the 1st of January of `to`'s year, `to`
/// to today (local dates, inclusive); at most five years.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilters {
    /// First day, `YYYY-MM-DD` (inclusive).
    pub from: Option<NaiveDate>,
    /// Last day, `YYYY-MM-DD` (inclusive).
    pub to: Option<NaiveDate>,
    /// This region's whole subtree (404 outside the caller's scope).
    pub region_id: Option<Uuid>,
    /// One station (404 outside the caller's scope).
    pub station_id: Option<Uuid>,
}

/// How the rows of a per-station, per-unit or per-category report are ordered.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SortFilter {
    /// `name` (the default), `received`, `handled`, `assigned`, `reply_rate`, `on_time_rate`,
    /// `resolution_rate` or `satisfaction_rate`; a leading `-` sorts descending. Ties go by name.
    #[param(
        pattern = r"^-?(name|received|handled|assigned|reply_rate|on_time_rate|resolution_rate|satisfaction_rate)$"
    )]
    pub sort: Option<String>,
}

/// The trend's division of the period.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendFilter {
    /// `month` (the default), `quarter` or `year`.
    pub interval: Option<Interval>,
}

/// Submissions received in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedDto {
    pub total: u64,
    /// Per channel (`miniapp`, `qr`, `mailbox`, `reception`, `phone`, `observer`, `hotline`,
    /// `visit`, `platform`); channels with none are left out.
    pub by_channel: BTreeMap<String, u64>,
}

/// The current reply categories of the replied cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyCategoriesDto {
    /// 已解决或基本解决.
    pub a: u64,
    /// 正在解决或列入计划.
    pub b: u64,
    /// 暂不能解决，予以说明.
    pub c: u64,
}

/// The cases first assigned in the period, as they stand now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFiguresDto {
    /// Cases first assigned in the period.
    pub assigned: u64,
    /// Of those, replied at least once and not open again past the deadline.
    pub replied: u64,
    /// Of those assigned, open (assigned or in progress) past the deadline.
    pub open_overdue: u64,
    /// Of the replied, first replied on or before the deadline.
    pub on_time: u64,
    /// `replied ÷ assigned` (回复率), four decimals; `null` when nothing was assigned.
    pub reply_rate: Option<f64>,
    /// `on_time ÷ replied`.
    pub on_time_rate: Option<f64>,
    /// `reply_categories.a ÷ replied` (解决率).
    pub resolution_rate: Option<f64>,
    pub reply_categories: ReplyCategoriesDto,
    /// Of those assigned, rated at least once.
    pub rated: u64,
    /// Rated satisfied or basically satisfied the first time.
    pub satisfied_first: u64,
    /// Satisfied or basically satisfied by the final rating.
    pub satisfied_final: u64,
    /// `satisfied_first ÷ rated` (满意率 by first rating).
    pub satisfaction_rate_first: Option<f64>,
    /// `satisfied_final ÷ rated` (满意率 by final rating).
    pub satisfaction_rate_final: Option<f64>,
}

/// A duration in working days (holiday calendar; the same day is 0).
#[derive(Debug, Serialize, ToSchema)]
pub struct DurationDto {
    /// How many were measured.
    pub count: u64,
    /// Median, nearest rank; `null` when none.
    pub median: Option<u32>,
    /// 90th percentile, nearest rank.
    pub p90: Option<u32>,
}

/// Reception days dated in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceptionFiguresDto {
    /// Sessions over and not cancelled.
    pub sessions_held: u64,
    pub sessions_cancelled: u64,
    /// Deputies on duty at the held sessions (one per deputy and session).
    pub duties: u64,
    /// Of those, recorded present, or signed in and not recorded absent.
    pub attended: u64,
    /// `attended ÷ duties`.
    pub attendance_rate: Option<f64>,
    /// The visitor counts of the sessions' reception records.
    pub voters_received: u64,
    /// Bookings standing (not cancelled) on sessions not cancelled.
    pub bookings: u64,
}

/// The figures of one report row. A part that does not apply to the row's kind is `null`:
/// units have case figures only, categories have no reception figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresDto {
    pub received: Option<ReceivedDto>,
    /// Submissions that reached a result in the period: answered, referred or declined, or
    /// part of a case closed in the period.
    pub handled: Option<u64>,
    pub cases: CaseFiguresDto,
    /// From receipt to the first step out of `received`, for submissions received in the
    /// period.
    pub first_response_days: Option<DurationDto>,
    /// From the first assignment to the first reply, for cases assigned in the period.
    pub reply_days: DurationDto,
    pub receptions: Option<ReceptionFiguresDto>,
}

/// `GET /stats/overview`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub region_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
    pub figures: FiguresDto,
    /// Years of the period whose holiday calendar was not loaded: their working days are a
    /// guess (weekends off).
    pub calendar_guessed_years: Vec<i32>,
    pub generated_at: DateTime<Utc>,
}

/// One row of a per-station, per-unit or per-category report.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowDto {
    /// The station's, unit's or category's id.
    pub id: Uuid,
    pub name: String,
    pub figures: FiguresDto,
}

/// `GET /stats/stations`, `/stats/units`, `/stats/categories`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowsDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<RowDto>,
    pub calendar_guessed_years: Vec<i32>,
    pub generated_at: DateTime<Utc>,
}

/// One part of a trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPointDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub figures: FiguresDto,
}

/// `GET /stats/trend`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendDto {
    pub interval: Interval,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub points: Vec<TrendPointDto>,
    pub calendar_guessed_years: Vec<i32>,
    pub generated_at: DateTime<Utc>,
}
