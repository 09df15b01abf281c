//! Creating, editing and archiving stations, and replacing their staff: each change checks the
//! caller's scope and writes its audit entry in the same transaction.

use std::collections::HashSet;

use entity::station::{self, StationStatus};
use entity::station_staff::{self, StaffRole};
use entity::user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::{
    Access, NewStation, StaffChanges, StationChanges, StationView, find_visible, forbidden_fields,
    recount, view,
};
use crate::audit::{self, Actor, Entry};
use crate::auth::{AuthUser, Role};
use crate::db::Db;
use crate::domain::public_code::CodeKind;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::routes::codes::service::with_fresh_code;
use crate::routes::regions::service::district_of;

/// Checks the staff assignment: existing `station_staff` users in the caller's scope, each in
/// one role only.
async fn check_staff(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    changes: &StaffChanges,
    checks: &mut Checks,
) -> Result<(), DbErr> {
    let mut wanted: Vec<(&str, Uuid)> = Vec::new();
    if let Some(Some(id)) = changes.head {
        wanted.push(("head_user_id", id));
    }
    if let Some(Some(id)) = changes.deputy_head {
        wanted.push(("deputy_head_user_id", id));
    }
    for id in changes.liaisons.iter().flatten() {
        wanted.push(("liaison_user_ids", *id));
    }
    let mut seen = HashSet::new();
    for (field, id) in wanted {
        if !seen.insert(id) {
            checks.fail(FieldError::new(
                field,
                "duplicate",
                Text::fixed(
                    "同一人不能在本站担任两个职务。",
                    "One person cannot hold two roles at a station.",
                ),
            ));
            continue;
        }
        let user = user::Entity::find_by_id(id).one(db).await?;
        let ok = match user {
            Some(u) if u.role == Role::StationStaff && !u.disabled => {
                caller.scope().contains(db, u.region_id).await?
            }
            _ => false,
        };
        if !ok {
            checks.fail(FieldError::new(
                field,
                "unknown_user",
                Text::fixed(
                    "必须是您管辖范围内的联络站工作人员账号。",
                    "Must be a station staff account in your scope.",
                ),
            ));
        }
    }
    Ok(())
}

async fn apply_staff(
    db: &impl ConnectionTrait,
    station_id: Uuid,
    changes: &StaffChanges,
) -> Result<(), DbErr> {
    let now = crate::clock::now();
    let replace = |role: StaffRole, users: Vec<Uuid>| async move {
        station_staff::Entity::delete_many()
            .filter(station_staff::Column::StationId.eq(station_id))
            .filter(station_staff::Column::Role.eq(role))
            .exec(db)
            .await?;
        for user_id in users {
            // The user may hold another role here already; the new role replaces it.
            station_staff::Entity::delete_by_id((station_id, user_id))
                .exec(db)
                .await?;
            station_staff::ActiveModel {
                station_id: Set(station_id),
                user_id: Set(user_id),
                role: Set(role),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
        Ok::<(), DbErr>(())
    };
    if let Some(head) = changes.head {
        replace(StaffRole::Head, head.into_iter().collect()).await?;
    }
    if let Some(deputy_head) = changes.deputy_head {
        replace(StaffRole::DeputyHead, deputy_head.into_iter().collect()).await?;
    }
    if let Some(liaisons) = &changes.liaisons {
        replace(StaffRole::Liaison, liaisons.clone()).await?;
    }
    Ok(())
}

/// Creates a station.
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewStation,
) -> Result<StationView, ApiError> {
    let txn = db.begin_write().await?;
    let station = insert(&txn, caller, &new).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("station.create", "station", station.id)
            .region(Some(station.region_id))
            .details(serde_json::json!({"name": station.name, "public_code": station.public_code})),
    )
    .await?;
    let created = view(&txn, station, Access::Admin).await?;
    txn.commit().await?;
    Ok(created)
}

/// Inserts a station inside an open transaction (creation and bulk import share it): checks
/// the region, the caller's scope and the staff, draws a public code, counts the checklist.
pub async fn insert(
    txn: &DatabaseTransaction,
    caller: &AuthUser,
    new: &NewStation,
) -> Result<station::Model, ApiError> {
    crate::routes::regions::service::existing(txn, new.region_id).await?;
    if !caller.scope().contains(txn, Some(new.region_id)).await? {
        return Err(ApiError::out_of_scope());
    }
    let mut checks = Checks::default();
    check_staff(txn, caller, &new.staff, &mut checks).await?;
    checks.finish()?;
    let district_id = district_of(txn, new.region_id).await?;
    let now = crate::clock::now();
    let hours = serde_json::to_value(&new.periods).map_err(ApiError::internal)?;
    let row = |code: String| station::ActiveModel {
        id: Set(Uuid::now_v7()),
        region_id: Set(new.region_id),
        district_id: Set(district_id),
        kind: Set(new.kind),
        name: Set(new.name.clone()),
        address: Set(new.address.clone()),
        latitude: Set(new.coordinates.map(|c| c.latitude)),
        longitude: Set(new.coordinates.map(|c| c.longitude)),
        opening_hours: Set(hours.clone()),
        opening_note: Set(new.note.clone()),
        phone: Set(new.phone.clone()),
        photo_url: Set(new.photo_url.clone()),
        star_rating: Set(new.star_rating),
        status: Set(StationStatus::Active),
        public_code: Set(code),
        checklist_done: Set(0),
        checklist_total: Set(0),
        checklist_permille: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
    };
    let station = with_fresh_code(txn, CodeKind::Station, |savepoint, code| {
        let row = row(code);
        async move {
            let station = row.insert(&savepoint).await?;
            savepoint.commit().await?;
            Ok(station)
        }
    })
    .await?;
    apply_staff(txn, station.id, &new.staff).await?;
    recount(txn, station.id).await?;
    station::Entity::find_by_id(station.id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Applies `changes` to a station as `caller` may, after `precondition` accepted its current
/// state, in one transaction.
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    changes: StationChanges,
    precondition: impl FnOnce(&StationView) -> Result<(), ApiError>,
) -> Result<StationView, ApiError> {
    let txn = db.begin_write().await?;
    let (current, access) = find_visible(&txn, Some(caller), id).await?;
    match access {
        Access::Admin => {}
        Access::Staff if changes.is_day_to_day() => {}
        Access::Staff => return Err(forbidden_fields()),
        Access::Public => return Err(ApiError::forbidden()),
    }
    precondition(&view(&txn, current.clone(), access).await?)?;
    let mut checks = Checks::default();
    check_staff(&txn, caller, &changes.staff, &mut checks).await?;
    checks.finish()?;

    let updated = apply(&txn, current, &changes).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("station.update", "station", id)
            .region(Some(updated.region_id))
            .details(serde_json::json!({
                "name": changes.name,
                "address": changes.address,
                "phone_changed": changes.phone.is_some(),
                "hours_changed": changes.hours.is_some(),
                "star_rating": changes.star_rating,
                "staff_changed": !changes.staff.is_empty(),
            })),
    )
    .await?;
    let result = view(&txn, updated, access).await?;
    txn.commit().await?;
    Ok(result)
}

/// Writes checked `changes` to `current` inside an open transaction; whoever calls it has
/// checked that the caller may make them.
pub async fn apply(
    txn: &DatabaseTransaction,
    current: station::Model,
    changes: &StationChanges,
) -> Result<station::Model, ApiError> {
    let mut active: station::ActiveModel = current.into();
    if let Some(kind) = changes.kind {
        active.kind = Set(kind);
    }
    if let Some(name) = changes.name.clone() {
        active.name = Set(name);
    }
    if let Some(address) = changes.address.clone() {
        active.address = Set(address);
    }
    if let Some(coordinates) = changes.coordinates {
        active.latitude = Set(coordinates.map(|c| c.latitude));
        active.longitude = Set(coordinates.map(|c| c.longitude));
    }
    if let Some((periods, note)) = changes.hours.clone() {
        active.opening_hours = Set(serde_json::to_value(periods).map_err(ApiError::internal)?);
        active.opening_note = Set(note);
    }
    if let Some(phone) = changes.phone.clone() {
        active.phone = Set(phone);
    }
    if let Some(photo_url) = changes.photo_url.clone() {
        active.photo_url = Set(photo_url);
    }
    if let Some(stars) = changes.star_rating {
        active.star_rating = Set(stars);
    }
    active.updated_at = Set(crate::clock::now());
    let updated = active.update(txn).await?;
    apply_staff(txn, updated.id, &changes.staff).await?;
    Ok(updated)
}

/// Archives a station: hidden from the public, kept with its history. Deputies stationed there
/// stay linked until an administrator moves them.
pub async fn archive(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
) -> Result<(), ApiError> {
    let txn = db.begin_write().await?;
    let (station, access) = find_visible(&txn, Some(caller), id).await?;
    if access != Access::Admin {
        return Err(ApiError::forbidden());
    }
    if station.status == StationStatus::Archived {
        return Ok(());
    }
    let now = crate::clock::now();
    let region_id = station.region_id;
    let mut active: station::ActiveModel = station.into();
    active.status = Set(StationStatus::Archived);
    active.archived_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("station.archive", "station", id).region(Some(region_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
