//! The attendance report, counted from sessions, duties and sign-ins.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::reception::{self, ReceptionStatus};
use entity::reception_duty::{self, Attendance};
use entity::station;
use entity::{deputy, deputy_station};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::auth::scope::RegionScope;
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::stations::service::staffed_by;
use entity::user::Role;

/// Counts of duties.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub on_duty: u32,
    pub attended: u32,
    pub upcoming: u32,
}

impl Tally {
    pub fn missed(&self) -> u32 {
        self.on_duty - self.attended
    }

    pub fn rate(&self) -> Option<f64> {
        (self.on_duty > 0)
            .then(|| (f64::from(self.attended) / f64::from(self.on_duty) * 1000.0).round() / 1000.0)
    }
}

/// A station's totals.
#[derive(Debug, Default, Clone)]
pub struct StationTally {
    pub name: String,
    pub held: u32,
    pub cancelled: u32,
    pub late: u32,
    pub duties: Tally,
}

pub struct Report {
    /// By deputy id: (name, tally).
    pub deputies: Vec<(Uuid, String, Tally)>,
    pub stations: Vec<(Uuid, StationTally)>,
}

/// Whether a duty counts as attended: recorded present, or signed in and not recorded absent.
fn attended(duty: &reception_duty::Model) -> bool {
    match duty.attendance {
        Some(Attendance::Present) => true,
        Some(Attendance::Absent) => false,
        None => duty.checked_in_at.is_some(),
    }
}

/// The stations `caller` may report on: administrators their scope, station staff their
/// stations, deputies the stations they are or were stationed at.
fn stations_of(caller: &AuthUser) -> Result<Condition, ApiError> {
    Ok(match caller.role {
        Role::Admin => caller.scope().condition(station::Column::RegionId),
        Role::StationStaff => {
            Condition::all().add(station::Column::Id.in_subquery(staffed_by(caller.id)))
        }
        Role::Deputy => Condition::all().add(
            station::Column::Id.in_subquery(
                Query::select()
                    .column(deputy_station::Column::StationId)
                    .from(deputy_station::Entity)
                    .and_where(
                        deputy_station::Column::DeputyId.in_subquery(
                            Query::select()
                                .column(deputy::Column::Id)
                                .from(deputy::Entity)
                                .and_where(deputy::Column::UserId.eq(caller.id))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            ),
        ),
        _ => {
            return Err(ApiError::Forbidden(Text::fixed(
                "出勤通报只供管理员、联络站工作人员和代表查看。",
                "The attendance report is for administrators, station staff and deputies.",
            )));
        }
    })
}

pub async fn attendance(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    year: i32,
    station_id: Option<Uuid>,
    region_id: Option<Uuid>,
) -> Result<Report, ApiError> {
    // Archived stations stay in the report of the years they served.
    let mut stations = station::Entity::find().filter(stations_of(caller)?);
    if let Some(id) = station_id {
        stations = stations.filter(station::Column::Id.eq(id));
    }
    if let Some(region) = region_id {
        stations =
            stations.filter(RegionScope::Subtree(region).condition(station::Column::RegionId));
    }
    let stations: HashMap<Uuid, station::Model> = stations
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let (first, last) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    );
    let sessions: HashMap<Uuid, reception::Model> = reception::Entity::find()
        .filter(reception::Column::StationId.is_in(stations.keys().copied()))
        .filter(reception::Column::Day.between(first, last))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let now = crate::clock::now();
    let mut by_station: BTreeMap<Uuid, StationTally> = stations
        .values()
        .map(|s| {
            (
                s.id,
                StationTally {
                    name: s.name.clone(),
                    ..StationTally::default()
                },
            )
        })
        .collect();
    for r in sessions.values() {
        let Some(t) = by_station.get_mut(&r.station_id) else {
            continue;
        };
        match r.status {
            ReceptionStatus::Cancelled => t.cancelled += 1,
            _ if r.ends_at <= now => t.held += 1,
            _ => {}
        }
        if r.late_reason.is_some() {
            t.late += 1;
        }
    }
    let live: Vec<Uuid> = sessions
        .values()
        .filter(|r| r.status != ReceptionStatus::Cancelled)
        .map(|r| r.id)
        .collect();
    let duties = reception_duty::Entity::find()
        .filter(reception_duty::Column::ReceptionId.is_in(live))
        .find_also_related(deputy::Entity)
        .all(db)
        .await?;
    let mut by_deputy: HashMap<Uuid, (String, Tally)> = HashMap::new();
    for (duty, deputy) in duties {
        let (Some(deputy), Some(session)) = (deputy, sessions.get(&duty.reception_id)) else {
            continue;
        };
        let entry = by_deputy
            .entry(deputy.id)
            .or_insert_with(|| (deputy.name.clone(), Tally::default()));
        let station = by_station.get_mut(&session.station_id);
        if session.ends_at <= now {
            let present = attended(&duty);
            entry.1.on_duty += 1;
            entry.1.attended += u32::from(present);
            if let Some(s) = station {
                s.duties.on_duty += 1;
                s.duties.attended += u32::from(present);
            }
        } else {
            entry.1.upcoming += 1;
            if let Some(s) = station {
                s.duties.upcoming += 1;
            }
        }
    }
    let mut deputies: Vec<(Uuid, String, Tally)> = by_deputy
        .into_iter()
        .map(|(id, (name, tally))| (id, name, tally))
        .collect();
    deputies.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut stations: Vec<(Uuid, StationTally)> = by_station.into_iter().collect();
    stations.sort_by(|a, b| a.1.name.cmp(&b.1.name).then(a.0.cmp(&b.0)));
    Ok(Report { deputies, stations })
}
