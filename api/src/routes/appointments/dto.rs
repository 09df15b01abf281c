//! Wire types of bookings.

use chrono::{DateTime, NaiveDate, Utc};
use entity::appointment::AppointmentStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::service::AppointmentView;
use crate::domain::Phone;
use crate::http::wire::PhoneNumber;
use crate::routes::receptions::dto::{HoursDto, ReceptionStatusDto};

/// A booking.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    /// What the voter wants to raise, 1 to 200 characters, not all blank.
    #[schema(
        example = "小区加装电梯",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub topic: String,
    /// A mobile or landline for the reminder SMS (optional).
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<String>,
}

/// The session a booking is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookedSessionDto {
    pub id: Uuid,
    pub station_id: Uuid,
    pub station_name: String,
    pub date: NaiveDate,
    pub hours: HoursDto,
    pub place: String,
    pub status: ReceptionStatusDto,
}

/// `booked` or `cancelled`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatusDto {
    Booked,
    Cancelled,
}

impl From<AppointmentStatus> for AppointmentStatusDto {
    fn from(status: AppointmentStatus) -> Self {
        match status {
            AppointmentStatus::Booked => AppointmentStatusDto::Booked,
            AppointmentStatus::Cancelled => AppointmentStatusDto::Cancelled,
        }
    }
}

/// A booking as shown to its voter and to the station's staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentDto {
    pub id: Uuid,
    pub reception: BookedSessionDto,
    pub topic: String,
    /// Masked: `138****1234`.
    pub phone: Option<String>,
    /// The voter's display name (staff views only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voter_name: Option<String>,
    pub status: AppointmentStatusDto,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `voter` (cancelled by the voter) or `reception_cancelled`.
    pub cancel_reason: Option<String>,
}

impl AppointmentDto {
    /// A booking as the voter (`staff: false`) or the station's staff see it.
    pub fn of(view: AppointmentView, staff: bool) -> Self {
        let r = &view.reception;
        let a = view.appointment;
        AppointmentDto {
            id: a.id,
            reception: BookedSessionDto {
                id: r.id,
                station_id: r.station_id,
                station_name: view.station.name.clone(),
                date: r.day,
                hours: HoursDto::of(r),
                place: r.place.clone(),
                status: r.status.into(),
            },
            topic: a.topic,
            phone: a.phone.as_deref().map(Phone::mask),
            voter_name: if staff {
                view.voter.map(|v| v.display_name)
            } else {
                None
            },
            status: a.status.into(),
            created_at: a.created_at,
            cancelled_at: a.cancelled_at,
            cancel_reason: a.cancel_reason,
        }
    }
}
