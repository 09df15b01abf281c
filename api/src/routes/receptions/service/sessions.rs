//! Creating a session by hand and changing one: time, place, capacity, roster, cancellation
//! (which cancels its bookings and tells the voters who held them).

use chrono::NaiveDate;
use entity::appointment::{self, AppointmentStatus};
use entity::reception::{self, ReceptionOrigin, ReceptionStatus};
use entity::reception_duty::{self};
use entity::reception_rule;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::access::{managed_reception, managed_station};
use super::roster::set_duties;
use super::{
    DEFAULT_CAPACITY, ReceptionView, Slot, cancelled, check_roster, roster_short, started, view_one,
};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::local_time::instant;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::notify::reminders;

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
