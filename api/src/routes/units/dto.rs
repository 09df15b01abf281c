//! Wire types of handling units.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::service::UnitView;
use crate::http::wire::PhoneNumberOrBlank;
use entity::unit::UnitKind;

/// What kind of body a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKindDto {
    /// A street office or town government (街道办事处、乡镇政府).
    StreetOffice,
    /// A government bureau or department (区直部门).
    Bureau,
    /// A village or community committee (村委会、居委会).
    Community,
    /// A public utility or company.
    Company,
    Other,
}

/// A handler acting for a unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitMemberDto {
    pub user_id: Uuid,
    pub display_name: String,
}

/// A handling unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitDto {
    pub id: Uuid,
    /// The region it serves (cases are assigned to units of the case's region or above it).
    pub region_id: Uuid,
    #[schema(example = "东街道办事处")]
    pub name: String,
    pub kind: UnitKindDto,
    pub phone: Option<String>,
    /// Archived units take no new cases.
    pub archived: bool,
    pub members: Vec<UnitMemberDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new unit.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    pub region_id: Uuid,
    /// 1 to 100 characters, not all blank, unique in the region.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    pub kind: UnitKindDto,
    /// A mainland mobile or a landline with area code; blank means none.
    #[schema(value_type = Option<PhoneNumberOrBlank>)]
    pub phone: Option<String>,
}

/// Changes to a unit; absent fields stay, `phone: null` clears it.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    /// 1 to 100 characters, not all blank, unique in the region.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    pub kind: Option<UnitKindDto>,
    #[serde(default, deserialize_with = "crate::http::patch::nullable")]
    /// A mainland mobile or a landline with area code; blank or `null` means none.
    #[schema(value_type = Option<PhoneNumberOrBlank>)]
    pub phone: Option<Option<String>>,
    pub archived: Option<bool>,
}

/// The complete list of a unit's handlers.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UnitMembersRequest {
    /// Accounts with the `unit_handler` role in the administrator's scope; at most 50.
    #[schema(max_items = 50)]
    pub user_ids: Vec<Uuid>,
}

/// Unit filters.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitFilters {
    /// Units of this region's subtree.
    pub region_id: Option<Uuid>,
    pub kind: Option<UnitKindDto>,
    /// Include archived units.
    pub include_archived: Option<bool>,
    /// Text in the name.
    #[validate(length(min = 1, max = 100))]
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
}

impl From<UnitKindDto> for UnitKind {
    fn from(k: UnitKindDto) -> Self {
        match k {
            UnitKindDto::StreetOffice => UnitKind::StreetOffice,
            UnitKindDto::Bureau => UnitKind::Bureau,
            UnitKindDto::Community => UnitKind::Community,
            UnitKindDto::Company => UnitKind::Company,
            UnitKindDto::Other => UnitKind::Other,
        }
    }
}

impl From<UnitKind> for UnitKindDto {
    fn from(k: UnitKind) -> Self {
        match k {
            UnitKind::StreetOffice => UnitKindDto::StreetOffice,
            UnitKind::Bureau => UnitKindDto::Bureau,
            UnitKind::Community => UnitKindDto::Community,
            UnitKind::Company => UnitKindDto::Company,
            UnitKind::Other => UnitKindDto::Other,
        }
    }
}

impl From<UnitView> for UnitDto {
    fn from(view: UnitView) -> Self {
        let u = view.unit;
        UnitDto {
            id: u.id,
            region_id: u.region_id,
            name: u.name,
            kind: u.kind.into(),
            phone: u.phone,
            archived: u.archived,
            members: view
                .members
                .into_iter()
                .map(|m| UnitMemberDto {
                    user_id: m.id,
                    display_name: m.display_name,
                })
                .collect(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}
