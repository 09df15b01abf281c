//! A station's reception rule, generating the sessions it implies, and the automatic roster.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{Days, NaiveDate, Weekday};
use entity::deputy::{self, DeputyStatus};
use entity::reception::{self, ReceptionOrigin, ReceptionStatus};
use entity::reception_rule::{self, HolidayPolicy};
use entity::{deputy_station, reception_duty, station};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::access::managed_station;
use super::service::{self, ReceptionView, Slot, stationed_on};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::local_time::instant;
use crate::domain::reception_plan::{self, OnDayOff, Pattern, Planned, Skipped};
use crate::domain::roster;
use crate::error::ApiError;
use crate::http::client::ClientInfo;

/// A checked reception rule.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub pattern: Pattern,
    pub starts: u32,
    pub ends: u32,
    pub place: Option<String>,
    pub capacity: i32,
    pub min_deputies: i16,
    pub max_deputies: i16,
    pub policy: HolidayPolicy,
}

/// The pattern a stored rule describes.
pub fn pattern_of(rule: &reception_rule::Model) -> Pattern {
    match (rule.weekday, &rule.days_of_month) {
        (Some(w), _) => Pattern::Weekly(
            Weekday::try_from(u8::try_from(w - 1).unwrap_or(0)).unwrap_or(Weekday::Mon),
        ),
        (None, days) => Pattern::DaysOfMonth(
            days.as_ref()
                .and_then(|d| serde_json::from_value::<BTreeSet<u32>>(d.clone()).ok())
                .unwrap_or_default(),
        ),
    }
}

pub async fn get_rule(
    db: &impl ConnectionTrait,
    station_id: Uuid,
) -> Result<reception_rule::Model, ApiError> {
    station::Entity::find_by_id(station_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    reception_rule::Entity::find_by_id(station_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Sets a station's rule. Sessions already generated stay as they are until generated again.
pub async fn put_rule(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    station_id: Uuid,
    spec: RuleSpec,
) -> Result<reception_rule::Model, ApiError> {
    let txn = db.begin_write().await?;
    let station = managed_station(&txn, caller, station_id).await?;
    let (days, weekday) = match &spec.pattern {
        Pattern::DaysOfMonth(days) => (Some(serde_json::json!(days)), None),
        Pattern::Weekly(w) => (None, Some(i16::from(w.number_from_monday() as u8))),
    };
    let model = reception_rule::ActiveModel {
        station_id: Set(station_id),
        days_of_month: Set(days),
        weekday: Set(weekday),
        starts_minute: Set(i32::try_from(spec.starts).unwrap_or(0)),
        ends_minute: Set(i32::try_from(spec.ends).unwrap_or(0)),
        place: Set(spec.place.clone()),
        capacity: Set(spec.capacity),
        min_deputies: Set(spec.min_deputies),
        max_deputies: Set(spec.max_deputies),
        holiday_policy: Set(spec.policy),
        updated_at: Set(crate::clock::now()),
        updated_by: Set(Some(caller.id)),
    };
    reception_rule::Entity::delete_by_id(station_id)
        .exec(&txn)
        .await?;
    let stored = model.insert(&txn).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception_rule.put", "station", station_id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "days_of_month": stored.days_of_month,
                "weekday": stored.weekday,
                "hours": [stored.starts_minute, stored.ends_minute],
                "capacity": stored.capacity,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}

/// What a generation did.
#[derive(Debug, Default)]
pub struct Generated {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// (rule day, day, session) of every session held on another day than its rule day.
    pub postponed: Vec<(NaiveDate, NaiveDate, Uuid)>,
    pub skipped: Vec<Skipped>,
    pub fallback_years: Vec<i32>,
}

/// How far past the range a postponed session may land (and so how far the calendar and the
/// station's other sessions are read).
const POSTPONE_REACH: Days = Days::new(62);

/// Whether generation may still move or rewrite `r`: a generated draft nobody touched.
fn replaceable(r: &reception::Model, rostered: &HashSet<Uuid>) -> bool {
    r.origin == ReceptionOrigin::Rule
        && r.status == ReceptionStatus::Draft
        && !r.edited
        && !rostered.contains(&r.id)
}

/// Creates the sessions the station's rule implies from `from` to `to`. Rule days that already
/// have a session keep it (a published, cancelled, edited or rostered one is never touched); an
/// untouched draft follows the rule and calendar as they are now, and is removed when the rule
/// no longer names its day. Generating twice creates nothing new.
pub async fn generate(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    station_id: Uuid,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Generated, ApiError> {
    let txn = db.begin_write().await?;
    let station = managed_station(&txn, caller, station_id).await?;
    let rule = reception_rule::Entity::find_by_id(station_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::rule(
                "no_reception_rule",
                "该联络站还没有接待日规则：请先设置 reception-rule。",
                "The station has no reception rule yet: PUT its reception-rule first.",
            )
        })?;
    let reach = to.checked_add_days(POSTPONE_REACH).unwrap_or(to);
    let calendar = crate::calendar::load(&txn, from, reach).await?;
    let existing = reception::Entity::find()
        .filter(reception::Column::StationId.eq(station_id))
        .filter(reception::Column::Day.between(from, reach))
        .all(&txn)
        .await?;
    let by_rule_day_in_range = reception::Entity::find()
        .filter(reception::Column::StationId.eq(station_id))
        .filter(reception::Column::RuleDay.between(from, to))
        .all(&txn)
        .await?;
    let ids: Vec<Uuid> = existing
        .iter()
        .chain(&by_rule_day_in_range)
        .map(|r| r.id)
        .collect();
    let rostered: HashSet<Uuid> = reception_duty::Entity::find()
        .filter(reception_duty::Column::ReceptionId.is_in(ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| d.reception_id)
        .collect();

    let mut replaceable_by_rule_day: HashMap<NaiveDate, reception::Model> = HashMap::new();
    let mut settled = BTreeSet::new();
    for r in &by_rule_day_in_range {
        if let Some(rule_day) = r.rule_day {
            if replaceable(r, &rostered) {
                replaceable_by_rule_day.insert(rule_day, r.clone());
            } else {
                settled.insert(rule_day);
            }
        }
    }
    let taken: BTreeSet<NaiveDate> = existing
        .iter()
        .filter(|r| r.status != ReceptionStatus::Cancelled && !replaceable(r, &rostered))
        .map(|r| r.day)
        .collect();
    let policy = match rule.holiday_policy {
        HolidayPolicy::Postpone => OnDayOff::Postpone,
        HolidayPolicy::Skip => OnDayOff::Skip,
    };
    let (planned, skipped) = reception_plan::plan(
        &pattern_of(&rule),
        policy,
        from,
        to,
        &calendar,
        &taken,
        &settled,
    );

    let now = crate::clock::now();
    let place = rule
        .place
        .clone()
        .unwrap_or_else(|| station.address.clone());
    let (starts, ends) = (
        u32::try_from(rule.starts_minute).unwrap_or(0),
        u32::try_from(rule.ends_minute).unwrap_or(0),
    );
    let mut out = Generated {
        unchanged: settled.len(),
        skipped,
        fallback_years: calendar.fallback_years(from, to),
        ..Generated::default()
    };
    let planned_days: HashSet<NaiveDate> = planned.iter().map(|p| p.rule_day).collect();
    for Planned { rule_day, day } in planned {
        let (starts_at, ends_at) = (instant(day, starts), instant(day, ends));
        let id = match replaceable_by_rule_day.remove(&rule_day) {
            Some(current) => {
                let same = current.day == day
                    && current.starts_at == starts_at
                    && current.ends_at == ends_at
                    && current.place == place
                    && current.capacity == rule.capacity
                    && current.min_deputies == rule.min_deputies
                    && current.max_deputies == rule.max_deputies;
                if same {
                    out.unchanged += 1;
                } else {
                    let mut active: reception::ActiveModel = current.clone().into();
                    active.day = Set(day);
                    active.starts_at = Set(starts_at);
                    active.ends_at = Set(ends_at);
                    active.place = Set(place.clone());
                    active.capacity = Set(rule.capacity);
                    active.min_deputies = Set(rule.min_deputies);
                    active.max_deputies = Set(rule.max_deputies);
                    active.updated_at = Set(now);
                    active.update(&txn).await?;
                    out.updated += 1;
                }
                current.id
            }
            None => {
                let id = Uuid::now_v7();
                let inserted = reception::Entity::insert(reception::ActiveModel {
                    id: Set(id),
                    station_id: Set(station_id),
                    day: Set(day),
                    starts_at: Set(starts_at),
                    ends_at: Set(ends_at),
                    place: Set(place.clone()),
                    capacity: Set(rule.capacity),
                    seats_taken: Set(0),
                    min_deputies: Set(rule.min_deputies),
                    max_deputies: Set(rule.max_deputies),
                    status: Set(ReceptionStatus::Draft),
                    origin: Set(ReceptionOrigin::Rule),
                    rule_day: Set(Some(rule_day)),
                    edited: Set(false),
                    published_at: Set(None),
                    late_reason: Set(None),
                    cancelled_at: Set(None),
                    cancel_reason: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .on_conflict(
                    OnConflict::columns([reception::Column::StationId, reception::Column::RuleDay])
                        .do_nothing()
                        .to_owned(),
                )
                .try_insert()
                .exec(&txn)
                .await?;
                if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
                    out.created += 1;
                } else {
                    out.unchanged += 1;
                }
                id
            }
        };
        if day != rule_day {
            out.postponed.push((rule_day, day, id));
        }
    }
    // Untouched drafts of rule days the rule no longer names.
    let stale: Vec<Uuid> = replaceable_by_rule_day
        .into_iter()
        .filter(|(rule_day, _)| !planned_days.contains(rule_day))
        .map(|(_, r)| r.id)
        .collect();
    let removed = stale.len();
    if !stale.is_empty() {
        reception::Entity::delete_many()
            .filter(reception::Column::Id.is_in(stale))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.generate", "station", station_id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "from": from, "to": to,
                "created": out.created, "updated": out.updated, "removed": removed,
                "calendar_fallback_years": out.fallback_years,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// What an automatic roster did.
#[derive(Debug)]
pub struct Rostered {
    pub filled: Vec<ReceptionView>,
    /// (session, needed, assigned)
    pub short: Vec<(reception::Model, usize, usize)>,
    /// Every stationed deputy with their duties over the span.
    pub counts: Vec<(deputy::Model, usize)>,
}

/// Fills the station's empty future drafts from `from` to `to` with its stationed deputies,
/// rotating fairly (see [`roster::plan`]): each session gets its minimum of deputies, chosen
/// among those active, stationed there that day, and free at that time.
pub async fn roster(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    station_id: Uuid,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Rostered, ApiError> {
    let txn = db.begin_write().await?;
    let station = managed_station(&txn, caller, station_id).await?;
    let now = crate::clock::now();
    let in_range = reception::Entity::find()
        .filter(reception::Column::StationId.eq(station_id))
        .filter(reception::Column::Day.between(from, to))
        .filter(reception::Column::Status.ne(ReceptionStatus::Cancelled))
        .order_by_asc(reception::Column::StartsAt)
        .order_by_asc(reception::Column::Id)
        .all(&txn)
        .await?;
    let duties =
        service::duties_of(&txn, &in_range.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let empty: Vec<reception::Model> = in_range
        .iter()
        .filter(|r| {
            r.status == ReceptionStatus::Draft
                && r.starts_at > now
                && duties.get(&r.id).is_none_or(Vec::is_empty)
        })
        .cloned()
        .collect();

    let links = deputy_station::Entity::find()
        .filter(deputy_station::Column::StationId.eq(station_id))
        .filter(deputy_station::Column::StartedOn.lte(to))
        .all(&txn)
        .await?;
    let linked: HashSet<Uuid> = links
        .iter()
        .filter(|l| l.ended_on.is_none_or(|end| end > from))
        .map(|l| l.deputy_id)
        .collect();
    let deputies: Vec<deputy::Model> = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(linked))
        .filter(deputy::Column::Status.eq(DeputyStatus::Active))
        .order_by_asc(deputy::Column::Name)
        .order_by_asc(deputy::Column::Id)
        .all(&txn)
        .await?;
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for list in duties.values() {
        for (duty, _) in list {
            *counts.entry(duty.deputy_id).or_default() += 1;
        }
    }

    // Each deputy's duties elsewhere that could overlap the sessions to fill.
    let ids: Vec<Uuid> = deputies.iter().map(|d| d.id).collect();
    let busy_from = from.checked_sub_days(Days::new(1)).unwrap_or(from);
    let busy_to = to.checked_add_days(Days::new(1)).unwrap_or(to);
    let busy: Vec<(Uuid, Slot)> = reception_duty::Entity::find()
        .filter(reception_duty::Column::DeputyId.is_in(ids))
        .filter(
            reception_duty::Column::ReceptionId.in_subquery(
                Query::select()
                    .column(reception::Column::Id)
                    .from(reception::Entity)
                    .and_where(reception::Column::Status.ne(ReceptionStatus::Cancelled))
                    .and_where(reception::Column::Day.between(busy_from, busy_to))
                    .to_owned(),
            ),
        )
        .find_also_related(reception::Entity)
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|(d, r)| r.map(|r| (d.deputy_id, Slot::from(&r))))
        .collect();
    let overlaps = |a: &Slot, b: &Slot| a.starts_at < b.ends_at && b.starts_at < a.ends_at;

    let slots: Vec<roster::Slot<usize>> = empty
        .iter()
        .enumerate()
        .map(|(i, r)| roster::Slot {
            session: i,
            wanted: usize::try_from(r.min_deputies.max(1)).unwrap_or(1),
        })
        .collect();
    let links_of: HashMap<Uuid, Vec<deputy_station::Model>> =
        links.iter().fold(HashMap::new(), |mut m, l| {
            m.entry(l.deputy_id)
                .or_insert_with(Vec::new)
                .push(l.clone());
            m
        });
    let deputy_ids: Vec<Uuid> = deputies.iter().map(|d| d.id).collect();
    let plan = roster::plan(
        &slots,
        &deputy_ids,
        &counts,
        |i, deputy| {
            let slot = Slot::from(&empty[*i]);
            let stationed = links_of.get(deputy).is_some_and(|l| stationed_on(l, &slot));
            stationed
                && !busy
                    .iter()
                    .any(|(d, other)| d == deputy && overlaps(other, &slot))
        },
        |a, b| overlaps(&Slot::from(&empty[*a]), &Slot::from(&empty[*b])),
    );

    let assigned_at = crate::clock::now();
    let mut filled = Vec::new();
    let mut short = Vec::new();
    for assignment in plan {
        let session = &empty[assignment.session];
        for deputy_id in &assignment.deputies {
            service::add_duty(&txn, session.id, *deputy_id, assigned_at).await?;
            *counts.entry(*deputy_id).or_default() += 1;
        }
        if assignment.short > 0 {
            short.push((
                session.clone(),
                assignment.deputies.len() + assignment.short,
                assignment.deputies.len(),
            ));
        }
        if !assignment.deputies.is_empty() {
            filled.push(session.clone());
        }
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("reception.roster", "station", station_id)
            .region(Some(station.region_id))
            .details(serde_json::json!({
                "from": from, "to": to, "filled": filled.len(), "short": short.len(),
            })),
    )
    .await?;
    let filled = service::views(&txn, Some(caller), filled).await?;
    txn.commit().await?;
    let counts = deputies
        .into_iter()
        .map(|d| {
            let n = counts.get(&d.id).copied().unwrap_or(0);
            (d, n)
        })
        .collect();
    Ok(Rostered {
        filled,
        short,
        counts,
    })
}
