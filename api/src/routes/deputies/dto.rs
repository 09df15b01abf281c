//! Wire types of `/api/v1/deputies`.

use super::service::DeputyView;
use chrono::{DateTime, NaiveDate, Utc};
use entity::deputy::{self, DeputyLevel, DeputyStatus, Gender};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::Phone;
use crate::http::wire::PhoneNumber;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenderDto {
    Male,
    Female,
}

impl From<Gender> for GenderDto {
    fn from(g: Gender) -> Self {
        match g {
            Gender::Male => GenderDto::Male,
            Gender::Female => GenderDto::Female,
        }
    }
}

impl From<GenderDto> for Gender {
    fn from(g: GenderDto) -> Self {
        match g {
            GenderDto::Male => Gender::Male,
            GenderDto::Female => Gender::Female,
        }
    }
}

/// The congress a deputy was elected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeputyLevelDto {
    /// 全国人大代表
    National,
    /// 省人大代表
    Provincial,
    /// 市人大代表
    City,
    /// 县/区人大代表
    County,
    /// 乡镇人大代表
    Township,
}

impl From<DeputyLevel> for DeputyLevelDto {
    fn from(l: DeputyLevel) -> Self {
        match l {
            DeputyLevel::National => DeputyLevelDto::National,
            DeputyLevel::Provincial => DeputyLevelDto::Provincial,
            DeputyLevel::City => DeputyLevelDto::City,
            DeputyLevel::County => DeputyLevelDto::County,
            DeputyLevel::Township => DeputyLevelDto::Township,
        }
    }
}

impl From<DeputyLevelDto> for DeputyLevel {
    fn from(l: DeputyLevelDto) -> Self {
        match l {
            DeputyLevelDto::National => DeputyLevel::National,
            DeputyLevelDto::Provincial => DeputyLevel::Provincial,
            DeputyLevelDto::City => DeputyLevel::City,
            DeputyLevelDto::County => DeputyLevel::County,
            DeputyLevelDto::Township => DeputyLevel::Township,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeputyStatusDto {
    Active,
    /// No longer a deputy (term ended, resigned).
    LeftOffice,
}

impl From<DeputyStatus> for DeputyStatusDto {
    fn from(s: DeputyStatus) -> Self {
        match s {
            DeputyStatus::Active => DeputyStatusDto::Active,
            DeputyStatus::LeftOffice => DeputyStatusDto::LeftOffice,
        }
    }
}

impl From<DeputyStatusDto> for DeputyStatus {
    fn from(s: DeputyStatusDto) -> Self {
        match s {
            DeputyStatusDto::Active => DeputyStatus::Active,
            DeputyStatusDto::LeftOffice => DeputyStatus::LeftOffice,
        }
    }
}

/// The phone of a deputy as the viewer may see it: whole when the deputy made it public, masked
/// for staff otherwise, absent for the public otherwise.
pub fn visible_phone(deputy: &deputy::Model, staff_view: bool) -> Option<String> {
    match (&deputy.phone, deputy.phone_public, staff_view) {
        (Some(phone), true, _) => Some(phone.clone()),
        (Some(phone), false, true) => Some(Phone::mask(phone)),
        _ => None,
    }
}

/// A deputy as embedded in a station (public fields only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeputySummaryDto {
    pub id: Uuid,
    #[schema(example = "D4NX8Q2M")]
    pub public_code: String,
    #[schema(example = "李明")]
    pub name: String,
    pub gender: GenderDto,
    pub level: DeputyLevelDto,
    pub occupation: Option<String>,
    pub photo_url: Option<String>,
    /// Present only when the deputy chose to publish it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl From<&deputy::Model> for DeputySummaryDto {
    fn from(d: &deputy::Model) -> Self {
        DeputySummaryDto {
            id: d.id,
            public_code: d.public_code.clone(),
            name: d.name.clone(),
            gender: d.gender.into(),
            level: d.level.into(),
            occupation: d.occupation.clone(),
            photo_url: d.photo_url.clone(),
            phone: visible_phone(d, false),
        }
    }
}

/// Where a deputy is (or was) stationed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationingDto {
    pub station_id: Uuid,
    pub station_name: String,
    pub station_public_code: String,
    pub started_on: NaiveDate,
    /// `null` while stationed there.
    pub ended_on: Option<NaiveDate>,
}

/// A deputy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeputyDto {
    pub id: Uuid,
    #[schema(example = "D4NX8Q2M")]
    pub public_code: String,
    pub region_id: Uuid,
    #[schema(example = "李明")]
    pub name: String,
    pub gender: GenderDto,
    pub level: DeputyLevelDto,
    /// 选区
    #[schema(example = "东湖街道第三选区")]
    pub constituency: String,
    #[schema(example = "社区卫生服务中心主任")]
    pub occupation: Option<String>,
    pub photo_url: Option<String>,
    pub biography: Option<String>,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub status: DeputyStatusDto,
    /// The whole number when the deputy published it; masked (`138****1234`) for staff
    /// otherwise; absent for the public otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Staff view only: whether the phone is public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_public: Option<bool>,
    /// Staff view only: the account the deputy signs in with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    /// Current stationings (profile views; staff also see past ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stations: Option<Vec<StationingDto>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new deputy.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "region_id": "0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e",
    "name": "李明",
    "gender": "male",
    "level": "county",
    "constituency": "东湖街道第三选区",
    "occupation": "社区卫生服务中心主任",
    "term_start": "2026-01-01",
    "term_end": "2030-12-31",
    "phone": "13812341234",
    "phone_public": false
}))]
pub struct CreateDeputyRequest {
    pub region_id: Uuid,
    /// 1 to 50 characters, not all blank.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    pub gender: GenderDto,
    pub level: DeputyLevelDto,
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub constituency: String,
    #[schema(max_length = 100)]
    pub occupation: Option<String>,
    /// An `http` or `https` URL, at most 500 characters.
    #[schema(max_length = 500)]
    pub photo_url: Option<String>,
    #[schema(max_length = 5000)]
    pub biography: Option<String>,
    pub term_start: NaiveDate,
    /// On or after `term_start`.
    pub term_end: Option<NaiveDate>,
    /// Default `active`.
    pub status: Option<DeputyStatusDto>,
    /// A mainland mobile or a landline with area code.
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<String>,
    /// Publish the phone (default false).
    pub phone_public: Option<bool>,
    /// A `deputy` user in scope who is not linked to another deputy.
    pub user_id: Option<Uuid>,
}

/// Changes to a deputy; absent fields stay, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeputyRequest {
    pub region_id: Option<Uuid>,
    /// 1 to 50 characters, not all blank.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: Option<String>,
    pub gender: Option<GenderDto>,
    pub level: Option<DeputyLevelDto>,
    /// 1 to 100 characters, not all blank.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub constituency: Option<String>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    #[schema(max_length = 100)]
    pub occupation: Option<Option<String>>,
    /// An `http` or `https` URL, at most 500 characters.
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    #[schema(max_length = 500)]
    pub photo_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    #[schema(max_length = 5000)]
    pub biography: Option<Option<String>>,
    pub term_start: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    pub term_end: Option<Option<NaiveDate>>,
    pub status: Option<DeputyStatusDto>,
    /// A mainland mobile or a landline with area code.
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<Option<String>>,
    pub phone_public: Option<bool>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    pub user_id: Option<Option<Uuid>>,
}

/// One station to be stationed at.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct StationingRequest {
    pub station_id: Uuid,
    /// When it began (default today); ignored for a stationing that continues.
    pub since: Option<NaiveDate>,
}

/// Every station the deputy is stationed at from now on. Stations left out end today; the
/// history is kept.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stations": [{"station_id": "0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e", "since": "2026-01-01"}]}))]
pub struct SetStationsRequest {
    #[schema(max_items = 20)]
    pub stations: Vec<StationingRequest>,
}

/// Filters of the deputy list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct DeputyFilters {
    /// Deputies stationed at this station now.
    pub station_id: Option<Uuid>,
    /// Deputies of this region's whole subtree.
    pub region_id: Option<Uuid>,
    pub level: Option<DeputyLevelDto>,
    /// Name or constituency contains this text.
    #[validate(length(min = 1, max = 50))]
    #[param(min_length = 1, max_length = 50)]
    pub q: Option<String>,
    /// Default `active`.
    pub status: Option<DeputyStatusDto>,
}

pub fn deputy_dto(view: &DeputyView) -> DeputyDto {
    let d = &view.deputy;
    DeputyDto {
        id: d.id,
        public_code: d.public_code.clone(),
        region_id: d.region_id,
        name: d.name.clone(),
        gender: d.gender.into(),
        level: d.level.into(),
        constituency: d.constituency.clone(),
        occupation: d.occupation.clone(),
        photo_url: d.photo_url.clone(),
        biography: d.biography.clone(),
        term_start: d.term_start,
        term_end: d.term_end,
        status: d.status.into(),
        phone: visible_phone(d, view.staff_view),
        phone_public: view.staff_view.then_some(d.phone_public),
        user_id: if view.staff_view { d.user_id } else { None },
        stations: view.stations.as_ref().map(|stations| {
            stations
                .iter()
                .map(|s| StationingDto {
                    station_id: s.station.id,
                    station_name: s.station.name.clone(),
                    station_public_code: s.station.public_code.clone(),
                    started_on: s.link.started_on,
                    ended_on: s.link.ended_on,
                })
                .collect()
        }),
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}
