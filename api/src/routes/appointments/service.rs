//! Booking a session: the seat is taken by one conditional update of the session's counter
//! (`seats_taken < capacity`), so two voters racing for the last seat cannot both get it, on
//! SQLite or PostgreSQL; a unique index keeps one active booking per voter and session.

use chrono::{DateTime, Utc};
use entity::appointment::{self, AppointmentStatus};
use entity::reception::{self, ReceptionStatus};
use entity::{station, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::notify::reminders;
use crate::routes::receptions::access::{managed_reception, visible_reception};
use entity::user::Role;

/// A booking with its session, station and (for staff) voter.
#[derive(Debug, Clone)]
pub struct AppointmentView {
    pub appointment: appointment::Model,
    pub reception: reception::Model,
    pub station: station::Model,
    pub voter: Option<user::Model>,
}

fn closed() -> ApiError {
    ApiError::rule(
        "booking_closed",
        "这场接待日已取消、已开始或已结束，不能预约或更改预约。",
        "The session is cancelled, under way or over: bookings are closed.",
    )
}

/// Books a seat at `reception_id` for `caller` (a voter).
pub async fn book(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    reception_id: Uuid,
    topic: String,
    phone: Option<String>,
) -> Result<AppointmentView, ApiError> {
    if caller.role != Role::Voter {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有选民账号可以预约接待日。",
            "Only voters book reception days.",
        )));
    }
    let txn = db.begin_write().await?;
    let (reception, station, _) = visible_reception(&txn, Some(caller), reception_id).await?;
    let now = crate::clock::now();
    // Drafts were 404 above; what is left is published or cancelled.
    if reception.status != ReceptionStatus::Published || now >= reception.starts_at {
        return Err(closed());
    }
    let already = appointment::Entity::find()
        .filter(appointment::Column::ReceptionId.eq(reception_id))
        .filter(appointment::Column::VoterId.eq(caller.id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(already_booked());
    }
    let seat = reception::Entity::update_many()
        .col_expr(
            reception::Column::SeatsTaken,
            Expr::col(reception::Column::SeatsTaken).add(1),
        )
        .filter(reception::Column::Id.eq(reception_id))
        .filter(reception::Column::Status.eq(ReceptionStatus::Published))
        .filter(Condition::all().add(
            Expr::col(reception::Column::SeatsTaken).lt(Expr::col(reception::Column::Capacity)),
        ))
        .exec(&txn)
        .await?;
    if seat.rows_affected != 1 {
        return Err(ApiError::clash(
            "reception_full",
            "这场接待日的预约名额已满。",
            "The session is fully booked.",
        ));
    }
    let booking = appointment::ActiveModel {
        id: Set(Uuid::now_v7()),
        reception_id: Set(reception_id),
        voter_id: Set(caller.id),
        topic: Set(topic),
        phone: Set(phone),
        status: Set(AppointmentStatus::Booked),
        active: Set(Some(1)),
        created_at: Set(now),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| match ApiError::from(e) {
        // Another request of the same voter won the unique index.
        ApiError::Conflict(_) => already_booked(),
        other => other,
    })?;
    reminders::reschedule(&txn, reception_id).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("appointment.create", "appointment", booking.id)
            .region(Some(station.region_id))
            .details(serde_json::json!({"reception_id": reception_id})),
    )
    .await?;
    let reception = reception::Entity::find_by_id(reception_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(AppointmentView {
        appointment: booking,
        reception,
        station,
        voter: None,
    })
}

fn already_booked() -> ApiError {
    ApiError::clash(
        "already_booked",
        "您已预约了这场接待日。",
        "You have already booked this session.",
    )
}

/// Cancels `caller`'s booking `id` before its session starts; someone else's booking is 404.
/// Cancelling a cancelled booking changes nothing.
pub async fn cancel(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
) -> Result<(), ApiError> {
    let txn = db.begin_write().await?;
    let booking = appointment::Entity::find_by_id(id)
        .filter(appointment::Column::VoterId.eq(caller.id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if booking.status == AppointmentStatus::Cancelled {
        return Ok(());
    }
    let reception = reception::Entity::find_by_id(booking.reception_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = crate::clock::now();
    if now >= reception.starts_at {
        return Err(closed());
    }
    let mut active: appointment::ActiveModel = booking.clone().into();
    active.status = Set(AppointmentStatus::Cancelled);
    active.active = Set(None);
    active.cancelled_at = Set(Some(now));
    active.cancel_reason = Set(Some("voter".into()));
    active.update(&txn).await?;
    reception::Entity::update_many()
        .col_expr(
            reception::Column::SeatsTaken,
            Expr::col(reception::Column::SeatsTaken).sub(1),
        )
        .filter(reception::Column::Id.eq(reception.id))
        .filter(reception::Column::SeatsTaken.gt(0))
        .exec(&txn)
        .await?;
    reminders::reschedule(&txn, reception.id).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("appointment.cancel", "appointment", id)
            .details(serde_json::json!({"reception_id": reception.id})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn with_sessions(
    db: &impl ConnectionTrait,
    bookings: Vec<appointment::Model>,
    voters: bool,
) -> Result<Vec<AppointmentView>, ApiError> {
    let ids: Vec<Uuid> = bookings.iter().map(|b| b.reception_id).collect();
    let sessions: std::collections::HashMap<Uuid, (reception::Model, station::Model)> =
        reception::Entity::find()
            .filter(reception::Column::Id.is_in(ids))
            .find_also_related(station::Entity)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|(r, s)| s.map(|s| (r.id, (r, s))))
            .collect();
    let people: std::collections::HashMap<Uuid, user::Model> = if voters {
        user::Entity::find()
            .filter(user::Column::Id.is_in(bookings.iter().map(|b| b.voter_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    } else {
        Default::default()
    };
    Ok(bookings
        .into_iter()
        .filter_map(|b| {
            let (reception, station) = sessions.get(&b.reception_id)?.clone();
            Some(AppointmentView {
                voter: people.get(&b.voter_id).cloned(),
                appointment: b,
                reception,
                station,
            })
        })
        .collect())
}

/// `caller`'s bookings, newest first, `limit + 1` after `after`.
pub async fn mine(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<AppointmentView>, ApiError> {
    let select = appointment::Entity::find().filter(appointment::Column::VoterId.eq(caller.id));
    let rows = crate::db::keyset::newest_first(
        select,
        appointment::Column::CreatedAt,
        appointment::Column::Id,
        after,
        limit,
    )
    .all(db)
    .await?;
    with_sessions(db, rows, false).await
}

/// The bookings of session `id` in the order they were made (its managers only).
pub async fn of_reception(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<Vec<AppointmentView>, ApiError> {
    managed_reception(db, caller, id).await?;
    let rows = appointment::Entity::find()
        .filter(appointment::Column::ReceptionId.eq(id))
        .order_by_asc(appointment::Column::CreatedAt)
        .order_by_asc(appointment::Column::Id)
        .all(db)
        .await?;
    with_sessions(db, rows, true).await
}
