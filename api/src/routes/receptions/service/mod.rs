//! Sessions: reading them, adding one by hand, changing the roster, hours and place,
//! cancelling, publishing, signing in and recording attendance.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::deputy::{self};
use entity::reception::{self, ReceptionStatus};
use entity::reception_duty::{self};
use entity::station;
use entity::user::Role;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::access::{self};
use crate::auth::AuthUser;
use crate::auth::scope::RegionScope;
use crate::error::ApiError;
use crate::routes::stations::service::staffed_by;

mod attendance;
mod publish;
mod roster;
mod sessions;

pub use attendance::{check_in, set_attendance};
pub use publish::{publish, publish_range};
pub use roster::{Slot, add_duty, check_roster, clashes, roster_short, stationed_on};
pub use sessions::{NewSession, SessionChanges, create, update};

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
