//! The day itself: deputies sign in (签到) from half an hour before the start, and staff set the
//! attendance of each deputy on duty afterwards.

use entity::reception::{self, ReceptionStatus};
use entity::reception_duty::{self, Attendance};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use super::access::{self, managed_reception};
use super::{CHECK_IN_EARLY, ReceptionView, cancelled, view_one};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::local_time::local_date;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

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
