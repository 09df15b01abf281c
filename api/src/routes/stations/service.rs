//! Stations: the public directory, administration within scope, the station staff's day-to-day
//! edits, and the checklist (九有) with its completion kept in step on every change.
//!
//! Who may do what to a station:
//! - an administrator whose scope contains the station's region: everything;
//! - the station's own staff (head, deputy head, liaison officers): opening hours, phone, photo
//!   and the checklist of their station, nothing else;
//! - everyone: read active stations.

use std::collections::{HashMap, HashSet};

use entity::station::{self, StationKind, StationStatus};
use entity::station_staff::{self, StaffRole};
use entity::{checklist_item, deputy, deputy_station, region, station_checklist, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::{AuthUser, RegionScope, Role};
use crate::db::{Db, contains};
use crate::domain::Coordinates;
use crate::domain::geo::KM_PER_DEGREE;
use crate::domain::opening_hours::Period;
use crate::domain::public_code::{self, CodeKind};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::routes::regions::service::district_of;

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

/// How the list is ordered, with the key the cursor carries.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    Newest,
    Name,
    Completion,
    Near { centre: Coordinates, radius_km: f64 },
}

/// The sort key of the last station of a page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum After {
    Id(Uuid),
    Name(String, Uuid),
    Completion(i32, Uuid),
    Distance(f64, Uuid),
}

/// Filters of the station list.
#[derive(Debug, Default)]
pub struct StationQuery {
    pub region_id: Option<Uuid>,
    pub kind: Option<StationKind>,
    pub q: Option<String>,
    pub archived: bool,
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

/// A page of stations.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    query: StationQuery,
    order: Order,
    after: Option<After>,
    limit: u64,
) -> Result<Vec<StationView>, ApiError> {
    let mut select = station::Entity::find();
    if query.archived {
        // Only administrators ask for archived stations, and see only their own.
        let caller = caller
            .filter(|c| c.role == Role::Admin)
            .ok_or_else(ApiError::forbidden)?;
        select = select
            .filter(station::Column::Status.eq(StationStatus::Archived))
            .filter(caller.scope().condition(station::Column::RegionId));
    } else {
        select = select.filter(station::Column::Status.eq(StationStatus::Active));
    }
    if let Some(region_id) = query.region_id {
        region::Entity::find_by_id(region_id)
            .one(db)
            .await?
            .ok_or(ApiError::NotFound)?;
        select =
            select.filter(RegionScope::Subtree(region_id).condition(station::Column::RegionId));
    }
    if let Some(kind) = query.kind {
        select = select.filter(station::Column::Kind.eq(kind));
    }
    if let Some(q) = query.q.as_deref() {
        select = select.filter(
            Condition::any()
                .add(contains(station::Column::Name, q))
                .add(contains(station::Column::Address, q)),
        );
    }
    let fetch = limit + 1;
    let rows: Vec<(station::Model, Option<f64>)> = match order {
        Order::Newest => {
            if let Some(After::Id(id)) = after {
                select = select.filter(station::Column::Id.lt(id));
            }
            select
                .order_by_desc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s, None))
                .collect()
        }
        Order::Name => {
            if let Some(After::Name(name, id)) = after {
                select = select.filter(
                    Condition::any()
                        .add(station::Column::Name.gt(name.clone()))
                        .add(
                            station::Column::Name
                                .eq(name)
                                .and(station::Column::Id.gt(id)),
                        ),
                );
            }
            select
                .order_by_asc(station::Column::Name)
                .order_by_asc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s, None))
                .collect()
        }
        Order::Completion => {
            if let Some(After::Completion(permille, id)) = after {
                select = select.filter(
                    Condition::any()
                        .add(station::Column::ChecklistPermille.gt(permille))
                        .add(
                            station::Column::ChecklistPermille
                                .eq(permille)
                                .and(station::Column::Id.gt(id)),
                        ),
                );
            }
            select
                .order_by_asc(station::Column::ChecklistPermille)
                .order_by_asc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s, None))
                .collect()
        }
        Order::Near { centre, radius_km } => {
            // Narrow to the bounding box with the (latitude, longitude) index, then order by a
            // planar distance in the database: within 50 km it orders exactly as the great-circle
            // distance shown, and the database never hands over stations it would skip.
            let ((lat_min, lat_max), (lng_min, lng_max)) = centre.bounding_box(radius_km);
            let dx = Expr::col(station::Column::Longitude)
                .sub(centre.longitude)
                .mul(KM_PER_DEGREE * centre.longitude_scale());
            let dy = Expr::col(station::Column::Latitude)
                .sub(centre.latitude)
                .mul(KM_PER_DEGREE);
            let squared = dx.clone().mul(dx).add(dy.clone().mul(dy));
            select = select
                .filter(station::Column::Latitude.between(lat_min, lat_max))
                .filter(station::Column::Longitude.between(lng_min, lng_max))
                .filter(squared.clone().lte(radius_km * radius_km));
            if let Some(After::Distance(d2, id)) = after {
                select = select.filter(
                    Condition::any()
                        .add(squared.clone().gt(d2))
                        .add(squared.clone().eq(d2).and(station::Column::Id.gt(id))),
                );
            }
            select
                .order_by(squared, sea_orm::Order::Asc)
                .order_by_asc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| {
                    let distance = match (s.latitude, s.longitude) {
                        (Some(latitude), Some(longitude)) => {
                            Some(centre.distance_km(&Coordinates {
                                latitude,
                                longitude,
                            }))
                        }
                        _ => None,
                    };
                    (s, distance)
                })
                .collect()
        }
    };
    let ids: Vec<Uuid> = rows.iter().map(|(s, _)| s.id).collect();
    let mut staff = staff_of(db, &ids).await?;
    let mut views = Vec::with_capacity(rows.len());
    for (station, distance_km) in rows {
        let access = access(db, caller, &station).await?;
        views.push(StationView {
            staff: staff.remove(&station.id).unwrap_or_default(),
            station,
            distance_km,
            access,
        });
    }
    Ok(views)
}

/// The cursor key of `view` in `order`.
pub fn after_of(view: &StationView, order: Order) -> After {
    let s = &view.station;
    match order {
        Order::Newest => After::Id(s.id),
        Order::Name => After::Name(s.name.clone(), s.id),
        Order::Completion => After::Completion(s.checklist_permille, s.id),
        Order::Near { centre, .. } => {
            let dx = (s.longitude.unwrap_or_default() - centre.longitude)
                * KM_PER_DEGREE
                * centre.longitude_scale();
            let dy = (s.latitude.unwrap_or_default() - centre.latitude) * KM_PER_DEGREE;
            After::Distance(dx * dx + dy * dy, s.id)
        }
    }
}

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

/// Runs `insert` with fresh public codes until one is free, each attempt in a savepoint (a
/// failed statement would otherwise abort the whole transaction on PostgreSQL). With 30⁷ codes a
/// second draw is already rare.
pub async fn with_fresh_code<T, F, Fut>(
    txn: &DatabaseTransaction,
    kind: CodeKind,
    mut insert: F,
) -> Result<T, ApiError>
where
    F: FnMut(DatabaseTransaction, String) -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    for _ in 0..5 {
        let savepoint = txn.begin().await?;
        match insert(savepoint, public_code::generate(kind)).await {
            Ok(model) => return Ok(model),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "no free public code after 5 draws"
    )))
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
    if region::Entity::find_by_id(new.region_id)
        .one(txn)
        .await?
        .is_none()
    {
        return Err(ApiError::validation(
            "region_id",
            "unknown_region",
            Text::fixed("区域不存在。", "There is no such region."),
        ));
    }
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

/// The current checklist items of a district, in order.
pub async fn district_items(
    db: &impl ConnectionTrait,
    district_id: Uuid,
) -> Result<Vec<checklist_item::Model>, DbErr> {
    checklist_item::Entity::find()
        .filter(checklist_item::Column::DistrictId.eq(district_id))
        .filter(checklist_item::Column::Archived.eq(false))
        .order_by_asc(checklist_item::Column::Position)
        .all(db)
        .await
}

/// Gives a new district the default checklist (九有).
pub async fn seed_default_items(db: &impl ConnectionTrait, district_id: Uuid) -> Result<(), DbErr> {
    let now = crate::clock::now();
    let rows = migration::DEFAULT_CHECKLIST
        .iter()
        .enumerate()
        .map(|(position, (key, name))| checklist_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            district_id: Set(district_id),
            key: Set(Some((*key).to_owned())),
            name: Set((*name).to_owned()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            archived: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        });
    checklist_item::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Recomputes a station's checklist counts from its answers and its district's items.
pub async fn recount(db: &impl ConnectionTrait, station_id: Uuid) -> Result<(), DbErr> {
    let Some(station) = station::Entity::find_by_id(station_id).one(db).await? else {
        return Ok(());
    };
    let items: Vec<Uuid> = district_items(db, station.district_id)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let total = items.len();
    let done = station_checklist::Entity::find()
        .filter(station_checklist::Column::StationId.eq(station_id))
        .filter(station_checklist::Column::Done.eq(true))
        .filter(station_checklist::Column::ItemId.is_in(items))
        .count(db)
        .await?;
    let done = usize::try_from(done).unwrap_or(total);
    let permille = (done * 1000).checked_div(total).unwrap_or(0);
    let as_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    station::Entity::update_many()
        .col_expr(station::Column::ChecklistDone, Expr::value(as_i32(done)))
        .col_expr(station::Column::ChecklistTotal, Expr::value(as_i32(total)))
        .col_expr(
            station::Column::ChecklistPermille,
            Expr::value(as_i32(permille)),
        )
        .filter(station::Column::Id.eq(station_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A station's checklist: every current item of its district with the station's answer.
pub async fn checklist(
    db: &impl ConnectionTrait,
    station: &station::Model,
) -> Result<Vec<(checklist_item::Model, Option<station_checklist::Model>)>, DbErr> {
    let items = district_items(db, station.district_id).await?;
    let mut answers: HashMap<Uuid, station_checklist::Model> = station_checklist::Entity::find()
        .filter(station_checklist::Column::StationId.eq(station.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.item_id, a))
        .collect();
    Ok(items
        .into_iter()
        .map(|item| {
            let answer = answers.remove(&item.id);
            (item, answer)
        })
        .collect())
}

/// The checklist of a station that `caller` keeps or administers (403 otherwise).
pub async fn checklist_for(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<
    (
        station::Model,
        Vec<(checklist_item::Model, Option<station_checklist::Model>)>,
    ),
    ApiError,
> {
    let (station, access) = find_visible(db, Some(caller), id).await?;
    if access == Access::Public {
        return Err(ApiError::forbidden());
    }
    let entries = checklist(db, &station).await?;
    Ok((station, entries))
}

/// One checked answer.
#[derive(Debug)]
pub struct Answer {
    pub item_id: Uuid,
    pub done: bool,
    pub note: Option<String>,
    pub evidence: Vec<Uuid>,
}

/// Sets the answers listed; others stay. Items must be current items of the station's district.
pub async fn set_checklist(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    answers: Vec<Answer>,
) -> Result<
    (
        station::Model,
        Vec<(checklist_item::Model, Option<station_checklist::Model>)>,
    ),
    ApiError,
> {
    let txn = db.begin_write().await?;
    let (station, access) = find_visible(&txn, Some(caller), id).await?;
    if access == Access::Public {
        return Err(ApiError::forbidden());
    }
    let items: HashSet<Uuid> = district_items(&txn, station.district_id)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let mut checks = Checks::default();
    let mut seen = HashSet::new();
    for (i, answer) in answers.iter().enumerate() {
        if !items.contains(&answer.item_id) {
            checks.fail(FieldError::new(
                format!("items[{i}].item_id"),
                "unknown_item",
                Text::fixed(
                    "不是本区清单中的项目。",
                    "Not an item of this district's checklist.",
                ),
            ));
        } else if !seen.insert(answer.item_id) {
            checks.fail(FieldError::new(
                format!("items[{i}].item_id"),
                "duplicate",
                Text::fixed("同一项目出现了两次。", "The same item is listed twice."),
            ));
        }
    }
    checks.finish()?;
    let now = crate::clock::now();
    for answer in &answers {
        station_checklist::Entity::delete_by_id((station.id, answer.item_id))
            .exec(&txn)
            .await?;
        station_checklist::ActiveModel {
            station_id: Set(station.id),
            item_id: Set(answer.item_id),
            done: Set(answer.done),
            note: Set(answer.note.clone()),
            evidence: Set(serde_json::to_value(&answer.evidence).map_err(ApiError::internal)?),
            updated_at: Set(now),
            updated_by: Set(Some(caller.id)),
        }
        .insert(&txn)
        .await?;
    }
    recount(&txn, station.id).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("station.checklist", "station", station.id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "items": answers.iter().map(|a| serde_json::json!({"item_id": a.item_id, "done": a.done})).collect::<Vec<_>>(),
            })),
    )
    .await?;
    let station = station::Entity::find_by_id(station.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let entries = checklist(&txn, &station).await?;
    txn.commit().await?;
    Ok((station, entries))
}

/// The district that `region_id` is (403 with a hint when it is not a district).
async fn as_district(
    db: &impl ConnectionTrait,
    region_id: Uuid,
) -> Result<region::Model, ApiError> {
    let region = region::Entity::find_by_id(region_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if region.level != entity::region::RegionLevel::District {
        return Err(ApiError::Rule {
            code: "not_a_district",
            message: Text::fixed(
                "清单按区/县设置，请使用区/县的 ID。",
                "Checklists belong to districts; use the district's id.",
            ),
        });
    }
    Ok(region)
}

/// A district's checklist.
pub async fn items_of_district(
    db: &impl ConnectionTrait,
    region_id: Uuid,
) -> Result<Vec<checklist_item::Model>, ApiError> {
    let district = as_district(db, region_id).await?;
    Ok(district_items(db, district.id).await?)
}

/// One item of a new checklist: an existing item (renamed, moved) or a new one.
#[derive(Debug)]
pub struct ItemChange {
    pub id: Option<Uuid>,
    pub name: String,
}

/// Replaces a district's checklist: listed items in this order, the rest dropped. Every station
/// of the district is recounted in the same transaction.
pub async fn set_district_items(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    region_id: Uuid,
    items: Vec<ItemChange>,
) -> Result<Vec<checklist_item::Model>, ApiError> {
    let txn = db.begin_write().await?;
    let district = as_district(&txn, region_id).await?;
    // The checklist is the district's: only its own or a global administrator changes it.
    if !(caller.scope() == RegionScope::Global || caller.region_id == Some(district.id)) {
        return Err(ApiError::out_of_scope());
    }
    let current: HashMap<Uuid, checklist_item::Model> = district_items(&txn, district.id)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut checks = Checks::default();
    let mut names = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(id) = item.id
            && !current.contains_key(&id)
        {
            checks.fail(FieldError::new(
                format!("items[{i}].id"),
                "unknown_item",
                Text::fixed(
                    "不是本区清单中的项目。",
                    "Not an item of this district's checklist.",
                ),
            ));
        }
        if !names.insert(item.name.clone()) {
            checks.fail(FieldError::new(
                format!("items[{i}].name"),
                "duplicate",
                Text::fixed("清单项目名称重复。", "Two items have the same name."),
            ));
        }
    }
    checks.finish()?;
    let now = crate::clock::now();
    let kept: HashSet<Uuid> = items.iter().filter_map(|i| i.id).collect();
    for (id, _) in current.iter().filter(|(id, _)| !kept.contains(id)) {
        checklist_item::Entity::update_many()
            .col_expr(checklist_item::Column::Archived, Expr::value(true))
            .col_expr(checklist_item::Column::UpdatedAt, Expr::value(now))
            .filter(checklist_item::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    for (position, item) in items.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        match item.id {
            Some(id) => {
                checklist_item::Entity::update_many()
                    .col_expr(checklist_item::Column::Name, Expr::value(item.name.clone()))
                    .col_expr(checklist_item::Column::Position, Expr::value(position))
                    .col_expr(checklist_item::Column::UpdatedAt, Expr::value(now))
                    .filter(checklist_item::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
            }
            None => {
                checklist_item::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    district_id: Set(district.id),
                    key: Set(None),
                    name: Set(item.name.clone()),
                    position: Set(position),
                    archived: Set(false),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    let stations: Vec<Uuid> = station::Entity::find()
        .filter(station::Column::DistrictId.eq(district.id))
        .select_only()
        .column(station::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    for station_id in stations {
        recount(&txn, station_id).await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("checklist.update", "region", district.id)
            .region(Some(district.id))
            .details(
                serde_json::json!({"items": items.iter().map(|i| &i.name).collect::<Vec<_>>()}),
            ),
    )
    .await?;
    let result = district_items(&txn, district.id).await?;
    txn.commit().await?;
    Ok(result)
}
