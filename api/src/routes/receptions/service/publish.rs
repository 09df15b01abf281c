//! Publication (公示): a session becomes visible to the public at least three days ahead, one
//! at a time or every planned session of a date range at once.

use chrono::NaiveDate;
use entity::reception::{self, ReceptionStatus};
use entity::reception_duty::{self};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::access::{managed_reception, managed_station};
use super::{NOTICE, ReceptionView, cancelled, roster_short, started, view_one, views};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::notify::reminders;

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
