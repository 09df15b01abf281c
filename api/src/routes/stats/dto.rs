//! Wire types of `/api/v1/stats`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

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
