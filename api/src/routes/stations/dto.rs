//! Wire types of `/api/v1/stations` and the district checklists.

use chrono::{DateTime, Utc};
use entity::station::{StationKind, StationStatus};
use entity::station_staff::StaffRole;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::service::{Access, StationView};
use crate::domain::opening_hours::Period;
use crate::http::wire::{LocationDto, PhoneNumber};
use crate::routes::deputies::dto::DeputySummaryDto;
use entity::{checklist_item, station, station_checklist};

/// What kind of station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StationKindDto {
    /// 中心联络站: the central station of a town or street.
    Central,
    /// 联络点: a village or community point.
    Community,
}

impl From<StationKind> for StationKindDto {
    fn from(kind: StationKind) -> Self {
        match kind {
            StationKind::Central => StationKindDto::Central,
            StationKind::Community => StationKindDto::Community,
        }
    }
}

impl From<StationKindDto> for StationKind {
    fn from(kind: StationKindDto) -> Self {
        match kind {
            StationKindDto::Central => StationKind::Central,
            StationKindDto::Community => StationKind::Community,
        }
    }
}

/// Whether a station is in service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StationStatusDto {
    Active,
    /// Hidden from the public, kept for history.
    Archived,
}

impl From<StationStatus> for StationStatusDto {
    fn from(status: StationStatus) -> Self {
        match status {
            StationStatus::Active => StationStatusDto::Active,
            StationStatus::Archived => StationStatusDto::Archived,
        }
    }
}

/// A role in a station's staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRoleDto {
    /// 站长
    Head,
    /// 副站长
    DeputyHead,
    /// 联络员
    Liaison,
}

impl From<StaffRole> for StaffRoleDto {
    fn from(role: StaffRole) -> Self {
        match role {
            StaffRole::Head => StaffRoleDto::Head,
            StaffRole::DeputyHead => StaffRoleDto::DeputyHead,
            StaffRole::Liaison => StaffRoleDto::Liaison,
        }
    }
}

/// When a station is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OpeningHoursDto {
    /// Regular hours; at most 14 periods.
    #[serde(default)]
    #[schema(max_items = 14)]
    pub periods: Vec<Period>,
    /// Free text, e.g. "逢6接待日另有代表在站" (at most 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// How far a station is with its checklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistSummaryDto {
    pub done: i32,
    pub total: i32,
    /// `done/total`, as stations show it.
    #[schema(example = "7/9")]
    pub label: String,
}

/// A member of a station's staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffMemberDto {
    pub role: StaffRoleDto,
    pub display_name: String,
    /// Shown to administrators and the station's own staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
}

/// A liaison station.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationDto {
    pub id: Uuid,
    /// Short, stable, non-sequential code printed in the station's QR code.
    #[schema(example = "S7K3M9QX")]
    pub public_code: String,
    pub region_id: Uuid,
    pub kind: StationKindDto,
    #[schema(example = "东湖街道人大代表中心联络站")]
    pub name: String,
    #[schema(example = "东湖路 88 号")]
    pub address: String,
    /// Where it is on the map (GCJ-02); `null` when not yet located.
    pub location: Option<LocationDto>,
    pub opening_hours: OpeningHoursDto,
    /// The station's public phone.
    pub phone: Option<String>,
    pub photo_url: Option<String>,
    /// 星级, 0 to 5, set by administrators.
    pub star_rating: u8,
    pub status: StationStatusDto,
    /// Progress on the district's checklist (九有).
    pub checklist: ChecklistSummaryDto,
    /// Head, deputy head and liaison officers.
    pub staff: Vec<StaffMemberDto>,
    /// With `near`: kilometres from the given point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A station with the deputies stationed there.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationDetailDto {
    #[serde(flatten)]
    pub station: StationDto,
    /// Deputies stationed here now (public fields only).
    pub deputies: Vec<DeputySummaryDto>,
}

/// A new station.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "region_id": "0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e",
    "kind": "central",
    "name": "东湖街道人大代表中心联络站",
    "address": "东湖路 88 号",
    "location": {"latitude": 30.2741, "longitude": 120.1551},
    "opening_hours": {"periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"}], "note": "逢6接待日"},
    "phone": "0571-87654321",
    "star_rating": 4
}))]
pub struct CreateStationRequest {
    pub region_id: Uuid,
    pub kind: StationKindDto,
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// 1 to 200 characters, not all blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub address: String,
    pub location: Option<LocationDto>,
    pub opening_hours: Option<OpeningHoursDto>,
    /// A mainland mobile or a landline with area code.
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<String>,
    /// An `http` or `https` URL, at most 500 characters.
    #[schema(max_length = 500)]
    pub photo_url: Option<String>,
    #[schema(minimum = 0, maximum = 5)]
    pub star_rating: Option<i64>,
    /// A `station_staff` user in scope.
    pub head_user_id: Option<Uuid>,
    pub deputy_head_user_id: Option<Uuid>,
    #[schema(max_items = 20)]
    pub liaison_user_ids: Option<Vec<Uuid>>,
}

/// Changes to a station; absent fields stay, `null` clears a nullable one. The station's own
/// staff may change only `opening_hours`, `phone` and `photo_url`.
#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "0571-87654322", "opening_hours": {"periods": [{"weekdays": [1, 3, 5], "opens": "09:00", "closes": "16:00"}], "note": null}}))]
pub struct UpdateStationRequest {
    pub kind: Option<StationKindDto>,
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    /// 1 to 200 characters, not all blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    pub location: Option<Option<LocationDto>>,
    pub opening_hours: Option<OpeningHoursDto>,
    /// A mainland mobile or a landline with area code.
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<Option<String>>,
    /// An `http` or `https` URL, at most 500 characters.
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    #[schema(max_length = 500)]
    pub photo_url: Option<Option<String>>,
    #[schema(minimum = 0, maximum = 5)]
    pub star_rating: Option<i64>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    pub head_user_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    pub deputy_head_user_id: Option<Option<Uuid>>,
    #[schema(max_items = 20)]
    pub liaison_user_ids: Option<Vec<Uuid>>,
}

/// Orders of the station list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum StationSort {
    /// Newest first (the default; with `near`, nearest first instead).
    #[default]
    Newest,
    /// By name.
    Name,
    /// Least complete checklist first: what a district wants to chase.
    Completion,
}

/// Filters of the station list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct StationFilters {
    /// Stations in this region's whole subtree.
    pub region_id: Option<Uuid>,
    pub kind: Option<StationKindDto>,
    /// Name or address contains this text.
    #[validate(length(min = 1, max = 100))]
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
    /// `lat,lng` (GCJ-02): nearest first, with `distance_km`; needs `radius_km`.
    #[param(example = "30.2741,120.1551")]
    pub near: Option<String>,
    /// With `near`: how far to look, more than 0 and at most 50 km.
    #[param(minimum = 0, maximum = 50)]
    pub radius_km: Option<f64>,
    /// `archived` for administrators only; the public sees active stations.
    pub status: Option<StationStatusDto>,
    pub sort: Option<StationSort>,
}

/// A station's answer to one checklist item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistEntryDto {
    pub item_id: Uuid,
    /// The default item it started as (`venue`, `sign`, ...), `null` for a district's own.
    pub key: Option<String>,
    #[schema(example = "有场所")]
    pub name: String,
    pub done: bool,
    pub note: Option<String>,
    /// Attachment ids.
    pub evidence: Vec<Uuid>,
    /// `null` until first answered.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A station's whole checklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationChecklistDto {
    pub station_id: Uuid,
    pub items: Vec<ChecklistEntryDto>,
    pub summary: ChecklistSummaryDto,
}

/// One answer to set.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChecklistAnswerRequest {
    pub item_id: Uuid,
    pub done: bool,
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// Attachment ids, at most 9.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub evidence: Vec<Uuid>,
}

/// Answers to set; items not listed keep their answers.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"item_id": "0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e", "done": true, "note": "门牌已更新", "evidence": []}]}))]
pub struct ChecklistRequest {
    #[schema(max_items = 50)]
    pub items: Vec<ChecklistAnswerRequest>,
}

/// An item of a district's checklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistItemDto {
    pub id: Uuid,
    pub key: Option<String>,
    #[schema(example = "有场所")]
    pub name: String,
    pub position: i32,
}

/// A district's checklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistItemsDto {
    pub district_id: Uuid,
    pub items: Vec<ChecklistItemDto>,
}

/// One item of the new checklist: an existing one (with `id`, possibly renamed) or a new one.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItemRequest {
    pub id: Option<Uuid>,
    /// 1 to 50 characters, not all blank.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
}

/// The district's whole checklist, in order. Items left out are dropped (their answers are kept
/// but no longer count).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItemsRequest {
    #[schema(min_items = 1, max_items = 30)]
    pub items: Vec<ChecklistItemRequest>,
}

fn summary(station: &station::Model) -> ChecklistSummaryDto {
    ChecklistSummaryDto {
        done: station.checklist_done,
        total: station.checklist_total,
        label: format!("{}/{}", station.checklist_done, station.checklist_total),
    }
}

pub fn station_dto(view: &StationView) -> StationDto {
    let s = &view.station;
    let periods: Vec<Period> = serde_json::from_value(s.opening_hours.clone()).unwrap_or_default();
    StationDto {
        id: s.id,
        public_code: s.public_code.clone(),
        region_id: s.region_id,
        kind: s.kind.into(),
        name: s.name.clone(),
        address: s.address.clone(),
        location: match (s.latitude, s.longitude) {
            (Some(latitude), Some(longitude)) => Some(LocationDto {
                latitude,
                longitude,
            }),
            _ => None,
        },
        opening_hours: OpeningHoursDto {
            periods,
            note: s.opening_note.clone(),
        },
        phone: s.phone.clone(),
        photo_url: s.photo_url.clone(),
        star_rating: u8::try_from(s.star_rating).unwrap_or(0),
        status: s.status.into(),
        checklist: summary(s),
        staff: view
            .staff
            .iter()
            .map(|(role, user)| StaffMemberDto {
                role: (*role).into(),
                display_name: user.display_name.clone(),
                user_id: (view.access >= Access::Staff).then_some(user.id),
            })
            .collect(),
        distance_km: view.distance_km.map(|d| (d * 1000.0).round() / 1000.0),
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

pub fn detail_dto(view: &StationView, deputies: &[entity::deputy::Model]) -> StationDetailDto {
    StationDetailDto {
        station: station_dto(view),
        deputies: deputies.iter().map(DeputySummaryDto::from).collect(),
    }
}

pub fn checklist_dto(
    station: &station::Model,
    entries: Vec<(checklist_item::Model, Option<station_checklist::Model>)>,
) -> StationChecklistDto {
    StationChecklistDto {
        station_id: station.id,
        items: entries
            .into_iter()
            .map(|(item, answer)| ChecklistEntryDto {
                item_id: item.id,
                key: item.key,
                name: item.name,
                done: answer.as_ref().is_some_and(|a| a.done),
                note: answer.as_ref().and_then(|a| a.note.clone()),
                evidence: answer
                    .as_ref()
                    .and_then(|a| serde_json::from_value(a.evidence.clone()).ok())
                    .unwrap_or_default(),
                updated_at: answer.map(|a| a.updated_at),
            })
            .collect(),
        summary: summary(station),
    }
}

pub fn items_dto(district_id: Uuid, items: Vec<checklist_item::Model>) -> ChecklistItemsDto {
    ChecklistItemsDto {
        district_id,
        items: items
            .into_iter()
            .map(|i| ChecklistItemDto {
                id: i.id,
                key: i.key,
                name: i.name,
                position: i.position,
            })
            .collect(),
    }
}
