//! What a report may cover for its caller: the rows of which regions and stations.
//!
//! Administrators report on their region's subtree, station staff on the stations they staff;
//! `region_id` and `station_id` narrow that further and are 404 when they lie outside it, as an
//! object outside the caller's scope is everywhere else. Deputies read their own duty record
//! (`/deputies/{id}/performance`), not the station-wide figures.

use entity::user::Role;
use entity::{deputy, deputy_station, station, unit};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::figures::col;
use crate::auth::AuthUser;
use crate::auth::scope::RegionScope;
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::stations::service::staffed_by;

/// The stations and regions a report covers.
#[derive(Debug, Clone)]
pub struct Reach {
    /// Rows must lie in this region subtree.
    region: RegionScope,
    /// Rows must belong to one of these stations (station staff).
    staffed_by: Option<Uuid>,
    /// Rows must belong to this station.
    station: Option<Uuid>,
}

impl Reach {
    /// The reach of `caller`'s report narrowed to `region_id` and `station_id`.
    pub async fn of(
        db: &impl ConnectionTrait,
        caller: &AuthUser,
        region_id: Option<Uuid>,
        station_id: Option<Uuid>,
    ) -> Result<Reach, ApiError> {
        let staffed_by = match caller.role {
            Role::Admin => None,
            Role::StationStaff => Some(caller.id),
            _ => {
                return Err(ApiError::Forbidden(Text::fixed(
                    "统计数据只供管理员和联络站工作人员查看；代表请查看本人履职档案。",
                    "Statistics are for administrators and station staff; deputies read their \
                     own performance record.",
                )));
            }
        };
        let mut region = caller.scope();
        if let Some(id) = region_id {
            region.ensure_contains(db, Some(id)).await?;
            region = RegionScope::Subtree(id);
        }
        let reach = Reach {
            region,
            staffed_by,
            station: station_id,
        };
        if let Some(id) = station_id {
            let visible = station::Entity::find_by_id(id)
                .filter(reach.stations(station::Column::Id.into_expr()))
                .one(db)
                .await?;
            if visible.is_none() {
                return Err(ApiError::NotFound);
            }
        }
        Ok(reach)
    }

    /// The condition on a row with a region column and a station column (either may be null:
    /// a submission sent to a deputy has no station; it then counts by its region alone).
    pub fn rows(&self, table: &str, region_column: &str, station_column: &str) -> Condition {
        self.region
            .condition_on(col(table, region_column))
            .add(self.station_only(col(table, station_column)))
    }

    /// The condition on a row that belongs to a station (its region is the station's).
    pub fn stations(&self, station_id: Expr) -> Condition {
        let in_region = Query::select()
            .column(station::Column::Id)
            .from(station::Entity)
            .cond_where(self.region.condition(station::Column::RegionId))
            .to_owned();
        Condition::all()
            .add(station_id.clone().in_subquery(in_region))
            .add(self.station_only(station_id))
    }

    /// The ids of the deputies the reach covers: of its region subtree and, for station staff
    /// or with a station given, stationed now at one of its stations.
    pub fn deputies(&self) -> SelectStatement {
        let mut q = Query::select()
            .column(deputy::Column::Id)
            .from(deputy::Entity)
            .cond_where(self.region.condition(deputy::Column::RegionId))
            .to_owned();
        if self.staffed_by.is_some() || self.station.is_some() {
            q.and_where(
                deputy::Column::Id.in_subquery(
                    Query::select()
                        .column(deputy_station::Column::DeputyId)
                        .from(deputy_station::Entity)
                        .and_where(deputy_station::Column::EndedOn.is_null())
                        .cond_where(
                            self.station_only(deputy_station::Column::StationId.into_expr()),
                        )
                        .to_owned(),
                ),
            );
        }
        q
    }

    /// The handling units of the reach's region subtree.
    pub fn units(&self) -> Condition {
        self.region.condition(unit::Column::RegionId)
    }

    fn station_only(&self, station_id: Expr) -> Condition {
        let mut cond = Condition::all();
        if let Some(user) = self.staffed_by {
            cond = cond.add(station_id.clone().in_subquery(staffed_by(user)));
        }
        if let Some(id) = self.station {
            cond = cond.add(station_id.eq(id));
        }
        cond
    }
}
