//! Stations: the public directory, administration within scope, the station staff's day-to-day
//! edits, and the checklist (九有) with its completion kept in step on every change.
//!
//! Who may do what to a station:
//! - an administrator whose scope contains the station's region: everything;
//! - the station's own staff (head, deputy head, liaison officers): opening hours, phone, photo
//!   and the checklist of their station, nothing else;
//! - everyone: read active stations.

use std::collections::HashMap;

use entity::station::{self, StationKind, StationStatus};
use entity::station_staff::{self, StaffRole};
use entity::{deputy, deputy_station, user};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::{AuthUser, Role};
use crate::domain::Coordinates;
use crate::domain::opening_hours::Period;
use crate::error::ApiError;
use crate::i18n::Text;

mod checklist;
mod list;
mod write;

pub use checklist::{
    Answer, ItemChange, checklist, checklist_for, district_items, items_of_district, recount,
    set_checklist, set_district_items,
};
pub use list::{After, Order, StationQuery, after_of, list};
pub use write::{apply, archive, create, insert, update};

/// Who asks, as far as one station is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Public,
    /// One of the station's own staff.
    Staff,
    /// An administrator whose scope contains the station.
    Admin,
}

/// Changes to the people who keep a station; `None` leaves a role as it is.
#[derive(Debug, Default, Clone)]
pub struct StaffChanges {
    pub head: Option<Option<Uuid>>,
    pub deputy_head: Option<Option<Uuid>>,
    pub liaisons: Option<Vec<Uuid>>,
}

impl StaffChanges {
    fn is_empty(&self) -> bool {
        self.head.is_none() && self.deputy_head.is_none() && self.liaisons.is_none()
    }
}

/// A checked new station.
#[derive(Debug)]
pub struct NewStation {
    pub region_id: Uuid,
    pub kind: StationKind,
    pub name: String,
    pub address: String,
    pub coordinates: Option<Coordinates>,
    pub periods: Vec<Period>,
    pub note: Option<String>,
    pub phone: Option<String>,
    pub photo_url: Option<String>,
    pub star_rating: i16,
    pub staff: StaffChanges,
}

/// Checked changes to a station.
#[derive(Debug, Default)]
pub struct StationChanges {
    pub kind: Option<StationKind>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub coordinates: Option<Option<Coordinates>>,
    pub hours: Option<(Vec<Period>, Option<String>)>,
    pub phone: Option<Option<String>>,
    pub photo_url: Option<Option<String>>,
    pub star_rating: Option<i16>,
    pub staff: StaffChanges,
}

impl StationChanges {
    /// Whether only what a station's own staff may change is changed.
    fn is_day_to_day(&self) -> bool {
        self.kind.is_none()
            && self.name.is_none()
            && self.address.is_none()
            && self.coordinates.is_none()
            && self.star_rating.is_none()
            && self.staff.is_empty()
    }
}

/// A station as shown: with its staff, and its distance when searched by position.
#[derive(Debug, Clone)]
pub struct StationView {
    pub station: station::Model,
    pub staff: Vec<(StaffRole, user::Model)>,
    pub distance_km: Option<f64>,
    pub access: Access,
}

fn forbidden_fields() -> ApiError {
    ApiError::Forbidden(Text::fixed(
        "联络站工作人员只能修改本站的开放时间、电话、照片和九有台账。",
        "Station staff may change only their station's opening hours, phone, photo and checklist.",
    ))
}

/// The ids of the stations `user_id` is on the staff of, as a subquery for list filters.
pub fn staffed_by(user_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(station_staff::Column::StationId)
        .from(station_staff::Entity)
        .and_where(station_staff::Column::UserId.eq(user_id))
        .to_owned()
}

/// What `caller` may do with `station`.
pub async fn access(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    station: &station::Model,
) -> Result<Access, DbErr> {
    let Some(caller) = caller else {
        return Ok(Access::Public);
    };
    match caller.role {
        Role::Admin if caller.scope().contains(db, Some(station.region_id)).await? => {
            Ok(Access::Admin)
        }
        Role::StationStaff => {
            let assigned = station_staff::Entity::find_by_id((station.id, caller.id))
                .one(db)
                .await?;
            Ok(if assigned.is_some() {
                Access::Staff
            } else {
                Access::Public
            })
        }
        _ => Ok(Access::Public),
    }
}

/// The station with `id` as `caller` may see it; archived stations only for its administrators
/// and staff.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    id: Uuid,
) -> Result<(station::Model, Access), ApiError> {
    let station = station::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let access = access(db, caller, &station).await?;
    if station.status == StationStatus::Archived && access == Access::Public {
        return Err(ApiError::NotFound);
    }
    Ok((station, access))
}

/// The staff of each of `stations`, heads first.
async fn staff_of(
    db: &impl ConnectionTrait,
    stations: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(StaffRole, user::Model)>>, DbErr> {
    let rows = station_staff::Entity::find()
        .filter(station_staff::Column::StationId.is_in(stations.to_vec()))
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    let mut by_station: HashMap<Uuid, Vec<(StaffRole, user::Model)>> = HashMap::new();
    for (link, user) in rows {
        if let Some(user) = user {
            by_station
                .entry(link.station_id)
                .or_default()
                .push((link.role, user));
        }
    }
    let rank = |role: &StaffRole| match role {
        StaffRole::Head => 0,
        StaffRole::DeputyHead => 1,
        StaffRole::Liaison => 2,
    };
    for staff in by_station.values_mut() {
        staff.sort_by(|a, b| {
            rank(&a.0)
                .cmp(&rank(&b.0))
                .then(a.1.display_name.cmp(&b.1.display_name))
        });
    }
    Ok(by_station)
}

async fn view(
    db: &impl ConnectionTrait,
    station: station::Model,
    access: Access,
) -> Result<StationView, DbErr> {
    let mut staff = staff_of(db, &[station.id]).await?;
    Ok(StationView {
        staff: staff.remove(&station.id).unwrap_or_default(),
        station,
        distance_km: None,
        access,
    })
}

/// The deputies stationed at `station_id` now, by name.
pub async fn deputies_at(
    db: &impl ConnectionTrait,
    station_id: Uuid,
) -> Result<Vec<deputy::Model>, DbErr> {
    let mut deputies: Vec<deputy::Model> = deputy_station::Entity::find()
        .filter(deputy_station::Column::StationId.eq(station_id))
        .filter(deputy_station::Column::EndedOn.is_null())
        .find_also_related(deputy::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, d)| d)
        .filter(|d| d.status == entity::deputy::DeputyStatus::Active)
        .collect();
    deputies.sort_by(|a, b| a.level.cmp(&b.level).then(a.name.cmp(&b.name)));
    Ok(deputies)
}

/// The station with `id`, its staff and deputies, as `caller` may see it.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    id: Uuid,
) -> Result<(StationView, Vec<deputy::Model>), ApiError> {
    let (station, access) = find_visible(db, caller, id).await?;
    let deputies = deputies_at(db, station.id).await?;
    Ok((view(db, station, access).await?, deputies))
}
