//! Sessions: reading them, adding one by hand, changing the roster, hours and place,
//! cancelling, publishing, signing in and recording attendance.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::appointment::{self, AppointmentStatus};
use entity::deputy::{self, DeputyStatus};
use entity::reception::{self, ReceptionOrigin, ReceptionStatus};
use entity::reception_duty::{self, Attendance};
use entity::{deputy_station, reception_rule, station};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::access::{self, managed_reception, managed_station};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::auth::scope::RegionScope;
use crate::db::Db;
use crate::domain::local_time::{instant, local_date};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::notify::reminders;
use crate::routes::stations::service::staffed_by;
use entity::user::Role;

/// How far ahead a roster must be public (提前三天公示).
pub const NOTICE: Duration = Duration::days(3);
/// How early a deputy may sign in before the start.
pub const CHECK_IN_EARLY: Duration = Duration::minutes(30);
/// Bookings when neither the request nor a rule says.
pub const DEFAULT_CAPACITY: i32 = 20;

/// A session as shown: its station, its deputies on duty, and whether the viewer manages it.
#[derive(Debug, Clone)]
pub struct ReceptionView {
    pub reception: reception::Model,
    pub station: station::Model,
    pub duties: Vec<(reception_duty::Model, deputy::Model)>,
    pub staff_view: bool,
}

/// Filters of the session list.
#[derive(Debug, Default)]
pub struct ReceptionQuery {
    pub station_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<ReceptionStatus>,
}

/// The deputies on duty at each of `ids`, by name.
pub async fn duties_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(reception_duty::Model, deputy::Model)>>, DbErr> {
    let rows = reception_duty::Entity::find()
        .filter(reception_duty::Column::ReceptionId.is_in(ids.to_vec()))
        .find_also_related(deputy::Entity)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<_>> = HashMap::new();
    for (duty, deputy) in rows {
        if let Some(deputy) = deputy {
            out.entry(duty.reception_id)
                .or_default()
                .push((duty, deputy));
        }
    }
    for duties in out.values_mut() {
        duties.sort_by(|a, b| a.1.name.cmp(&b.1.name).then(a.1.id.cmp(&b.1.id)));
    }
    Ok(out)
}

/// Views of `receptions` for `caller`, in the same order.
pub async fn views(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    receptions: Vec<reception::Model>,
) -> Result<Vec<ReceptionView>, DbErr> {
    let ids: Vec<Uuid> = receptions.iter().map(|r| r.id).collect();
    let station_ids: HashSet<Uuid> = receptions.iter().map(|r| r.station_id).collect();
    let stations: HashMap<Uuid, station::Model> = station::Entity::find()
        .filter(station::Column::Id.is_in(station_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut manages = HashMap::new();
    for station in stations.values() {
        manages.insert(station.id, access::manages(db, caller, station).await?);
    }
    let mut duties = duties_of(db, &ids).await?;
    Ok(receptions
        .into_iter()
        .filter_map(|reception| {
            let station = stations.get(&reception.station_id)?.clone();
            Some(ReceptionView {
                staff_view: manages.get(&station.id).copied().unwrap_or(false),
                duties: duties.remove(&reception.id).unwrap_or_default(),
                station,
                reception,
            })
        })
        .collect())
}

async fn view_one(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    reception: reception::Model,
) -> Result<ReceptionView, ApiError> {
    views(db, caller, vec![reception])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// One session as `caller` may see it.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    id: Uuid,
) -> Result<ReceptionView, ApiError> {
    let (reception, _, _) = access::visible_reception(db, caller, id).await?;
    view_one(db, caller, reception).await
}

/// Sessions by start time, `limit + 1` of them after `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    query: ReceptionQuery,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<ReceptionView>, ApiError> {
    let mut visible = Condition::any().add(reception::Column::PublishedAt.is_not_null());
    if let Some(caller) = caller {
        match caller.role {
            Role::Admin => {
                visible = visible.add(
                    reception::Column::StationId.in_subquery(
                        Query::select()
                            .column(station::Column::Id)
                            .from(station::Entity)
                            .cond_where(caller.scope().condition(station::Column::RegionId))
                            .to_owned(),
                    ),
                );
            }
            Role::StationStaff => {
                visible =
                    visible.add(reception::Column::StationId.in_subquery(staffed_by(caller.id)));
            }
            _ => {}
        }
    }
    let mut select = reception::Entity::find().filter(visible);
    if let Some(station_id) = query.station_id {
        select = select.filter(reception::Column::StationId.eq(station_id));
    }
    if let Some(region_id) = query.region_id {
        select = select.filter(
            reception::Column::StationId.in_subquery(
                Query::select()
                    .column(station::Column::Id)
                    .from(station::Entity)
                    .cond_where(
                        RegionScope::Subtree(region_id).condition(station::Column::RegionId),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(deputy_id) = query.deputy_id {
        select = select.filter(
            reception::Column::Id.in_subquery(
                Query::select()
                    .column(reception_duty::Column::ReceptionId)
                    .from(reception_duty::Entity)
                    .and_where(reception_duty::Column::DeputyId.eq(deputy_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(from) = query.from {
        select = select.filter(reception::Column::Day.gte(from));
    }
    if let Some(to) = query.to {
        select = select.filter(reception::Column::Day.lte(to));
    }
    if let Some(status) = query.status {
        select = select.filter(reception::Column::Status.eq(status));
    }
    if let Some((starts_at, id)) = after {
        select = select.filter(
            Condition::any()
                .add(reception::Column::StartsAt.gt(starts_at))
                .add(
                    Condition::all()
                        .add(reception::Column::StartsAt.eq(starts_at))
                        .add(reception::Column::Id.gt(id)),
                ),
        );
    }
    let rows = select
        .order_by_asc(reception::Column::StartsAt)
        .order_by_asc(reception::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(views(db, caller, rows).await?)
}

fn started() -> ApiError {
    ApiError::rule(
        "reception_started",
        "接待日已开始或已结束，不能再修改。",
        "The session has started or ended: it can no longer be changed.",
    )
}

fn cancelled() -> ApiError {
    ApiError::rule(
        "reception_cancelled",
        "接待日已取消。",
        "The session is cancelled.",
    )
}

/// A session's time and place.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub station_id: Uuid,
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<&reception::Model> for Slot {
    fn from(r: &reception::Model) -> Self {
        Slot {
            station_id: r.station_id,
            day: r.day,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
        }
    }
}

/// Whether `deputy` is stationed at `slot`'s station on its day.
pub fn stationed_on(links: &[deputy_station::Model], slot: &Slot) -> bool {
    links.iter().any(|l| {
        l.station_id == slot.station_id
            && l.started_on <= slot.day
            && l.ended_on.is_none_or(|end| end > slot.day)
    })
}

/// The sessions (other than `except`) that `deputy_id` is on duty at and that overlap `slot`.
pub async fn clashes(
    db: &impl ConnectionTrait,
    deputy_id: Uuid,
    slot: &Slot,
    except: Option<Uuid>,
) -> Result<Vec<reception::Model>, DbErr> {
    let mut select = reception::Entity::find()
        .filter(reception::Column::Status.ne(ReceptionStatus::Cancelled))
        .filter(reception::Column::StartsAt.lt(slot.ends_at))
        .filter(reception::Column::EndsAt.gt(slot.starts_at))
        .filter(
            reception::Column::Id.in_subquery(
                Query::select()
                    .column(reception_duty::Column::ReceptionId)
                    .from(reception_duty::Entity)
                    .and_where(reception_duty::Column::DeputyId.eq(deputy_id))
                    .to_owned(),
            ),
        );
    if let Some(except) = except {
        select = select.filter(reception::Column::Id.ne(except));
    }
    select.all(db).await
}

/// Checks a roster for `slot`: at most `max` deputies, each once, each active, stationed at the
/// station that day, and not on duty at an overlapping session anywhere. On PostgreSQL the
/// deputies' rows are locked, so two rosters cannot race each other past the overlap check
/// (SQLite writers are serialised already).
pub async fn check_roster(
    db: &impl ConnectionTrait,
    slot: &Slot,
    except: Option<Uuid>,
    deputy_ids: &[Uuid],
    max: i16,
) -> Result<(), ApiError> {
    let mut checks = Checks::default();
    if deputy_ids.len() > usize::try_from(max).unwrap_or(0) {
        checks.fail(FieldError::new(
            "deputy_ids",
            "too_many",
            Text::new(
                format!("每场最多安排 {max} 名代表值班。"),
                format!("At most {max} deputies per session."),
            ),
        ));
    }
    let mut select = deputy::Entity::find().filter(deputy::Column::Id.is_in(deputy_ids.to_vec()));
    if db.get_database_backend() == DatabaseBackend::Postgres {
        select = select.lock_exclusive();
    }
    let deputies: HashMap<Uuid, deputy::Model> = select
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let links = deputy_station::Entity::find()
        .filter(deputy_station::Column::DeputyId.is_in(deputy_ids.to_vec()))
        .filter(deputy_station::Column::StationId.eq(slot.station_id))
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    for (i, id) in deputy_ids.iter().enumerate() {
        let field = format!("deputy_ids[{i}]");
        let fail = |code: &'static str, zh: &'static str, en: &'static str| {
            FieldError::new(field.clone(), code, Text::fixed(zh, en))
        };
        if !seen.insert(*id) {
            checks.fail(fail(
                "duplicate",
                "同一代表不能重复安排。",
                "The same deputy is listed twice.",
            ));
            continue;
        }
        let Some(deputy) = deputies.get(id) else {
            checks.fail(fail("not_found", "没有这位代表。", "No such deputy."));
            continue;
        };
        if deputy.status != DeputyStatus::Active {
            checks.fail(fail(
                "deputy_inactive",
                "该代表已不在任。",
                "The deputy is no longer serving.",
            ));
            continue;
        }
        let own: Vec<_> = links
            .iter()
            .filter(|l| l.deputy_id == *id)
            .cloned()
            .collect();
        if !stationed_on(&own, slot) {
            checks.fail(fail(
                "not_stationed",
                "该代表当天不在本站驻站。",
                "The deputy is not stationed at this station on that day.",
            ));
            continue;
        }
        let busy = clashes(db, *id, slot, except).await?;
        if let Some(other) = busy.first() {
            checks.fail(FieldError::new(
                field.clone(),
                "duty_overlap",
                Text::new(
                    format!("该代表在 {} 已有时间重叠的值班。", other.day),
                    format!(
                        "The deputy is on duty at an overlapping session on {}.",
                        other.day
                    ),
                ),
            ));
        }
    }
    checks.finish()
}

async fn set_duties(
    db: &impl ConnectionTrait,
    reception_id: Uuid,
    deputy_ids: &[Uuid],
) -> Result<(), DbErr> {
    let now = crate::clock::now();
    let existing: HashSet<Uuid> = reception_duty::Entity::find()
        .filter(reception_duty::Column::ReceptionId.eq(reception_id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.deputy_id)
        .collect();
    let wanted: HashSet<Uuid> = deputy_ids.iter().copied().collect();
    let gone: Vec<Uuid> = existing.difference(&wanted).copied().collect();
    if !gone.is_empty() {
        reception_duty::Entity::delete_many()
            .filter(reception_duty::Column::ReceptionId.eq(reception_id))
            .filter(reception_duty::Column::DeputyId.is_in(gone))
            .exec(db)
            .await?;
    }
    for id in deputy_ids.iter().filter(|id| !existing.contains(id)) {
        add_duty(db, reception_id, *id, now).await?;
    }
    Ok(())
}

/// Puts `deputy_id` on duty at `reception_id` (checked by the caller).
pub async fn add_duty(
    db: &impl ConnectionTrait,
    reception_id: Uuid,
    deputy_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    reception_duty::ActiveModel {
        reception_id: Set(reception_id),
        deputy_id: Set(deputy_id),
        assigned_at: Set(now),
        checked_in_at: Set(None),
        attendance: Set(None),
        attendance_reason: Set(None),
        attendance_by: Set(None),
        attendance_excused: Set(false),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A session to add by hand.
#[derive(Debug)]
pub struct NewSession {
    pub day: NaiveDate,
    pub starts: u32,
    pub ends: u32,
    pub place: Option<String>,
    pub capacity: Option<i32>,
    pub deputies: Option<(i16, i16)>,
    pub deputy_ids: Vec<Uuid>,
}

/// Adds a draft session by hand (an extra reception, or one the rule does not produce).
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    station_id: Uuid,
    new: NewSession,
) -> Result<ReceptionView, ApiError> {
    let txn = db.begin_write().await?;
    let station = managed_station(&txn, caller, station_id).await?;
    let rule = reception_rule::Entity::find_by_id(station_id)
        .one(&txn)
        .await?;
    let now = crate::clock::now();
    let (starts_at, ends_at) = (instant(new.day, new.starts), instant(new.day, new.ends));
    if ends_at <= now {
        return Err(ApiError::validation(
            "date",
            "in_past",
            Text::fixed(
                "不能安排已经结束的接待日。",
                "The session would already be over.",
            ),
        ));
    }
    let (min, max) = new.deputies.unwrap_or_else(|| {
        rule.as_ref()
            .map_or((2, 3), |r| (r.min_deputies, r.max_deputies))
    });
    let slot = Slot {
        station_id,
        day: new.day,
        starts_at,
        ends_at,
    };
    check_roster(&txn, &slot, None, &new.deputy_ids, max).await?;
    let place = new
        .place
        .or_else(|| rule.as_ref().and_then(|r| r.place.clone()))
        .unwrap_or_else(|| station.address.clone());
    let model = reception::ActiveModel {
        id: Set(Uuid::now_v7()),
        station_id: Set(station_id),
        day: Set(new.day),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        place: Set(place),
        capacity: Set(new
            .capacity
            .or(rule.as_ref().map(|r| r.capacity))
            .unwrap_or(DEFAULT_CAPACITY)),
        seats_taken: Set(0),
        min_deputies: Set(min),
        max_deputies: Set(max),
        status: Set(ReceptionStatus::Draft),
        origin: Set(ReceptionOrigin::Manual),
        rule_day: Set(None),
        edited: Set(true),
        published_at: Set(None),
        late_reason: Set(None),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    set_duties(&txn, model.id, &new.deputy_ids).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.create", "reception", model.id)
            .region(Some(station.region_id))
            .details(serde_json::json!({"date": model.day, "deputies": new.deputy_ids})),
    )
    .await?;
    let view = view_one(&txn, Some(caller), model).await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes to a session.
#[derive(Debug, Default)]
pub struct SessionChanges {
    pub deputy_ids: Option<Vec<Uuid>>,
    pub hours: Option<(u32, u32)>,
    pub place: Option<String>,
    pub capacity: Option<i32>,
    /// `Some(reason)` cancels.
    pub cancel: Option<String>,
}

/// Cancels the bookings of `reception_id`, returning them.
async fn cancel_bookings(
    db: &impl ConnectionTrait,
    reception_id: Uuid,
) -> Result<Vec<appointment::Model>, DbErr> {
    let booked = appointment::Entity::find()
        .filter(appointment::Column::ReceptionId.eq(reception_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .all(db)
        .await?;
    let now = crate::clock::now();
    for booking in &booked {
        let mut active: appointment::ActiveModel = booking.clone().into();
        active.status = Set(AppointmentStatus::Cancelled);
        active.active = Set(None);
        active.cancelled_at = Set(Some(now));
        active.cancel_reason = Set(Some("reception_cancelled".into()));
        active.update(db).await?;
    }
    Ok(booked)
}

/// Changes the roster, hours, place or capacity of a session, or cancels it. A published
/// session keeps at least its minimum of deputies; its reminders follow every change.
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    changes: SessionChanges,
    precondition: impl FnOnce(&ReceptionView) -> Result<(), ApiError>,
) -> Result<ReceptionView, ApiError> {
    let txn = db.begin_write().await?;
    let (current, station) = managed_reception(&txn, caller, id).await?;
    precondition(&view_one(&txn, Some(caller), current.clone()).await?)?;
    if current.status == ReceptionStatus::Cancelled {
        return Err(cancelled());
    }
    let now = crate::clock::now();
    if now >= current.starts_at {
        return Err(started());
    }
    let mut active: reception::ActiveModel = current.clone().into();
    let mut details = serde_json::Map::new();
    let mut cancelled_bookings = Vec::new();
    if let Some(reason) = changes.cancel {
        active.status = Set(ReceptionStatus::Cancelled);
        active.cancelled_at = Set(Some(now));
        active.cancel_reason = Set(Some(reason.clone()));
        active.seats_taken = Set(0);
        details.insert("cancel_reason".into(), reason.into());
        cancelled_bookings = cancel_bookings(&txn, id).await?;
        details.insert("bookings_cancelled".into(), cancelled_bookings.len().into());
    } else {
        let mut slot = Slot::from(&current);
        if let Some((starts, ends)) = changes.hours {
            slot.starts_at = instant(current.day, starts);
            slot.ends_at = instant(current.day, ends);
            if slot.starts_at <= now {
                return Err(ApiError::validation(
                    "hours.starts",
                    "in_past",
                    Text::fixed("开始时间已过。", "That start time has passed."),
                ));
            }
            active.starts_at = Set(slot.starts_at);
            active.ends_at = Set(slot.ends_at);
            details.insert("hours".into(), serde_json::json!([starts, ends]));
        }
        let roster: Vec<Uuid> = match &changes.deputy_ids {
            Some(ids) => ids.clone(),
            None => reception_duty::Entity::find()
                .filter(reception_duty::Column::ReceptionId.eq(id))
                .all(&txn)
                .await?
                .into_iter()
                .map(|d| d.deputy_id)
                .collect(),
        };
        if changes.deputy_ids.is_some() || changes.hours.is_some() {
            check_roster(&txn, &slot, Some(id), &roster, current.max_deputies).await?;
        }
        if current.status == ReceptionStatus::Published
            && roster.len() < usize::try_from(current.min_deputies).unwrap_or(0)
        {
            return Err(roster_short(&current, roster.len()));
        }
        if let Some(ids) = &changes.deputy_ids {
            set_duties(&txn, id, ids).await?;
            details.insert("deputies".into(), serde_json::json!(ids));
        }
        if let Some(place) = changes.place {
            details.insert("place".into(), place.clone().into());
            active.place = Set(place);
        }
        if let Some(capacity) = changes.capacity {
            if capacity < current.seats_taken {
                return Err(ApiError::validation(
                    "capacity",
                    "below_bookings",
                    Text::new(
                        format!("已有 {} 人预约，名额不能少于此数。", current.seats_taken),
                        format!("{} seats are booked already.", current.seats_taken),
                    ),
                ));
            }
            details.insert("capacity".into(), capacity.into());
            active.capacity = Set(capacity);
        }
    }
    active.edited = Set(true);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    if updated.status == ReceptionStatus::Cancelled {
        reminders::announce_cancellation(&txn, id, &cancelled_bookings).await?;
    }
    reminders::reschedule(&txn, id).await?;
    let action = if updated.status == ReceptionStatus::Cancelled {
        "reception.cancel"
    } else {
        "reception.update"
    };
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new(action, "reception", id)
            .region(Some(station.region_id))
            .details(details.into()),
    )
    .await?;
    let view = view_one(&txn, Some(caller), updated).await?;
    txn.commit().await?;
    Ok(view)
}

/// 422 naming how many deputies `reception` lacks.
pub fn roster_short(reception: &reception::Model, have: usize) -> ApiError {
    let need = reception.min_deputies;
    ApiError::Rule {
        code: "roster_short",
        message: Text::new(
            format!(
                "{} 的接待日至少需要 {need} 名值班代表，目前只有 {have} 名。",
                reception.day
            ),
            format!(
                "The session of {} needs at least {need} deputies on duty; it has {have}.",
                reception.day
            ),
        ),
    }
}

/// Publishes `reception` in `txn` (a draft, checked by the caller to be managed): at least its
/// minimum of deputies, and a reason when it starts in less than three days. Returns whether it
/// was late.
async fn publish_in(
    txn: &impl ConnectionTrait,
    reception: &reception::Model,
    late_reason: Option<&str>,
) -> Result<(reception::Model, bool), ApiError> {
    let now = crate::clock::now();
    if reception.status == ReceptionStatus::Cancelled {
        return Err(cancelled());
    }
    if now >= reception.starts_at {
        return Err(started());
    }
    let duties = reception_duty::Entity::find()
        .filter(reception_duty::Column::ReceptionId.eq(reception.id))
        .all(txn)
        .await?
        .len();
    if duties < usize::try_from(reception.min_deputies).unwrap_or(0) {
        return Err(roster_short(reception, duties));
    }
    let late = reception.starts_at - now < NOTICE;
    if late && late_reason.is_none() {
        return Err(ApiError::Rule {
            code: "late_reason_required",
            message: Text::new(
                format!(
                    "{} 的接待日距开始已不足三天，晚于提前三天公示的要求：请填写 late_reason。",
                    reception.day
                ),
                format!(
                    "The session of {} starts in less than three days, later than the required notice: give a late_reason.",
                    reception.day
                ),
            ),
        });
    }
    let mut active: reception::ActiveModel = reception.clone().into();
    active.status = Set(ReceptionStatus::Published);
    active.published_at = Set(Some(now));
    active.late_reason = Set(if late {
        late_reason.map(str::to_owned)
    } else {
        None
    });
    active.updated_at = Set(now);
    let published = active.update(txn).await?;
    reminders::reschedule(txn, reception.id).await?;
    Ok((published, late))
}

/// Publishes one session. Publishing a published session changes nothing.
pub async fn publish(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    late_reason: Option<String>,
) -> Result<ReceptionView, ApiError> {
    let txn = db.begin_write().await?;
    let (reception, station) = managed_reception(&txn, caller, id).await?;
    if reception.status == ReceptionStatus::Published {
        return view_one(&txn, Some(caller), reception).await;
    }
    let (published, late) = publish_in(&txn, &reception, late_reason.as_deref()).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.publish", "reception", id)
            .region(Some(station.region_id))
            .details(serde_json::json!({"late": late, "late_reason": published.late_reason})),
    )
    .await?;
    let view = view_one(&txn, Some(caller), published).await?;
    txn.commit().await?;
    Ok(view)
}

/// Publishes every draft of a station from `from` to `to`, all or none: one that cannot be
/// published stops them all, and the error names it.
pub async fn publish_range(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    station_id: Uuid,
    (from, to): (NaiveDate, NaiveDate),
    late_reason: Option<String>,
) -> Result<(Vec<ReceptionView>, usize), ApiError> {
    let txn = db.begin_write().await?;
    let station = managed_station(&txn, caller, station_id).await?;
    let drafts = reception::Entity::find()
        .filter(reception::Column::StationId.eq(station_id))
        .filter(reception::Column::Status.eq(ReceptionStatus::Draft))
        .filter(reception::Column::Day.between(from, to))
        .filter(reception::Column::StartsAt.gt(crate::clock::now()))
        .order_by_asc(reception::Column::StartsAt)
        .all(&txn)
        .await?;
    let mut published = Vec::with_capacity(drafts.len());
    let mut late = 0;
    for draft in &drafts {
        let (p, was_late) = publish_in(&txn, draft, late_reason.as_deref()).await?;
        late += usize::from(was_late);
        published.push(p);
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.publish_range", "station", station_id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "from": from, "to": to, "published": published.len(), "late": late,
            })),
    )
    .await?;
    let views = views(&txn, Some(caller), published).await?;
    txn.commit().await?;
    Ok((views, late))
}

/// A deputy's sign-in at a session they are on duty at, from 30 minutes before the start to the
/// end. Signing in again keeps the first time.
pub async fn check_in(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
) -> Result<reception_duty::Model, ApiError> {
    let txn = db.begin_write().await?;
    let deputy = access::deputy_of(&txn, caller).await?;
    let reception = reception::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let duty = reception_duty::Entity::find_by_id((id, deputy.id))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::Forbidden(Text::fixed(
                "您不是这场接待日的值班代表。",
                "You are not on duty at this session.",
            ))
        })?;
    if duty.checked_in_at.is_some() {
        return Ok(duty);
    }
    match reception.status {
        ReceptionStatus::Cancelled => return Err(cancelled()),
        ReceptionStatus::Draft => {
            return Err(ApiError::rule(
                "reception_not_published",
                "接待日尚未公示，不能签到。",
                "The session is not published: no sign-in yet.",
            ));
        }
        ReceptionStatus::Published => {}
    }
    let now = crate::clock::now();
    if now < reception.starts_at - CHECK_IN_EARLY || now > reception.ends_at {
        let today = local_date(now);
        return Err(ApiError::Rule {
            code: "check_in_closed",
            message: Text::new(
                format!(
                    "只能在接待开始前 30 分钟至结束期间签到（这场接待日在 {}，今天是 {today}）。",
                    reception.day
                ),
                format!(
                    "Sign-in is open from 30 minutes before the start to the end (the session is on {}; today is {today}).",
                    reception.day
                ),
            ),
        });
    }
    let mut active: reception_duty::ActiveModel = duty.into();
    active.checked_in_at = Set(Some(now));
    let duty = active.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.check_in", "reception", id)
            .details(serde_json::json!({"deputy_id": deputy.id})),
    )
    .await?;
    txn.commit().await?;
    Ok(duty)
}

/// Staff record a deputy's attendance by hand, with a reason, once the session has started.
pub async fn set_attendance(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    (id, deputy_id): (Uuid, Uuid),
    present: bool,
    excused: bool,
    reason: String,
) -> Result<ReceptionView, ApiError> {
    let txn = db.begin_write().await?;
    let (reception, station) = managed_reception(&txn, caller, id).await?;
    if reception.status == ReceptionStatus::Cancelled {
        return Err(cancelled());
    }
    if crate::clock::now() < reception.starts_at {
        return Err(ApiError::rule(
            "reception_not_started",
            "接待日尚未开始，不能登记出勤。",
            "The session has not started: no attendance yet.",
        ));
    }
    let duty = reception_duty::Entity::find_by_id((id, deputy_id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let previous = duty.attendance;
    let mut active: reception_duty::ActiveModel = duty.into();
    active.attendance = Set(Some(if present {
        Attendance::Present
    } else {
        Attendance::Absent
    }));
    active.attendance_reason = Set(Some(reason.clone()));
    active.attendance_excused = Set(!present && excused);
    active.attendance_by = Set(Some(caller.id));
    active.update(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.attendance", "reception", id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "deputy_id": deputy_id,
                "present": present,
                "excused": !present && excused,
                "reason": reason,
                "previous": previous.map(|p| matches!(p, Attendance::Present)),
            })),
    )
    .await?;
    let view = view_one(&txn, Some(caller), reception).await?;
    txn.commit().await?;
    Ok(view)
}
