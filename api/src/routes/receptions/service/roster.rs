//! Who is on duty at a session: a deputy must be stationed at the station on that day and free
//! of every other session that overlaps it; a published session keeps the roster it needs.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::deputy::{self, DeputyStatus};
use entity::deputy_station;
use entity::reception::{self, ReceptionStatus};
use entity::reception_duty::{self};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use crate::error::{ApiError, Checks, FieldError};
use crate::i18n::Text;

/// A session's time and place.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub station_id: Uuid,
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
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

pub(super) async fn set_duties(
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
