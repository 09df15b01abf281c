//! Wire types of the exports: which export, and its period, reach and privacy.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// Every submission received in the period, one per row, oldest first.
    Submissions,
    /// Every case (station case or deputy suggestion) created in the period, oldest first.
    Suggestions,
    /// The year's attendance per deputy (as `GET /stats/attendance`).
    Attendance,
    /// The year's performance ranking (as `GET /stats/deputies`).
    Performance,
    /// The period's figures, one per row (as `GET /stats/overview`).
    Overview,
}

impl ExportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Submissions => "submissions",
            ExportKind::Suggestions => "suggestions",
            ExportKind::Attendance => "attendance",
            ExportKind::Performance => "performance",
            ExportKind::Overview => "overview",
        }
    }

    /// Whether the export covers a calendar year (`year`) rather than a period (`from`, `to`).
    pub fn by_year(self) -> bool {
        matches!(self, ExportKind::Attendance | ExportKind::Performance)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExportPath {
    /// `submissions`, `suggestions`, `attendance`, `performance` or `overview`; anything
    /// else is 400.
    pub kind: ExportKind,
}

/// The period, reach and privacy of an export.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFilters {
    /// First day, `YYYY-MM-DD` (submissions, suggestions, overview); the 1st of January of
    /// `to`'s year by default.
    pub from: Option<NaiveDate>,
    /// Last day, `YYYY-MM-DD`, inclusive; today by default. At most five years after `from`.
    pub to: Option<NaiveDate>,
    /// The calendar year (attendance, performance), 2000 to 2100; this year by default.
    #[validate(range(min = 2000, max = 2100))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// This region's subtree (404 outside the caller's scope).
    pub region_id: Option<Uuid>,
    /// One station (404 outside the caller's scope).
    pub station_id: Option<Uuid>,
    /// Phone numbers whole: the submitters' contact phones and any number in the texts of
    /// submissions and cases. Masked (`138****1234`) unless this is `true`; every export is
    /// audited, with this flag.
    pub reveal: Option<bool>,
}
