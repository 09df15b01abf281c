//! The station directory: filters, the orders a list can take (by name, by distance, by
//! checklist completion) and the cursor that resumes each order.

use entity::region;
use entity::station::{self, StationKind, StationStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{StationView, access, staff_of};
use crate::auth::{AuthUser, RegionScope, Role};
use crate::db::contains;
use crate::domain::Coordinates;
use crate::domain::geo::KM_PER_DEGREE;
use crate::error::ApiError;

/// How the list is ordered, with the key the cursor carries.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    Newest,
    Name,
    Completion,
    Near { centre: Coordinates, radius_km: f64 },
}

/// The sort key of the last station of a page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum After {
    Id(Uuid),
    Name(String, Uuid),
    Completion(i32, Uuid),
    Distance(f64, Uuid),
}

/// Filters of the station list.
#[derive(Debug, Default)]
pub struct StationQuery {
    pub region_id: Option<Uuid>,
    pub kind: Option<StationKind>,
    pub q: Option<String>,
    pub archived: bool,
}

/// A page of stations.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    query: StationQuery,
    order: Order,
    after: Option<After>,
    limit: u64,
) -> Result<Vec<StationView>, ApiError> {
    let mut select = station::Entity::find();
    if query.archived {
        // Only administrators ask for archived stations, and see only their own.
        let caller = caller
            .filter(|c| c.role == Role::Admin)
            .ok_or_else(ApiError::forbidden)?;
        select = select
            .filter(station::Column::Status.eq(StationStatus::Archived))
            .filter(caller.scope().condition(station::Column::RegionId));
    } else {
        select = select.filter(station::Column::Status.eq(StationStatus::Active));
    }
    if let Some(region_id) = query.region_id {
        region::Entity::find_by_id(region_id)
            .one(db)
            .await?
            .ok_or(ApiError::NotFound)?;
        select =
            select.filter(RegionScope::Subtree(region_id).condition(station::Column::RegionId));
    }
    if let Some(kind) = query.kind {
        select = select.filter(station::Column::Kind.eq(kind));
    }
    if let Some(q) = query.q.as_deref() {
        select = select.filter(
            Condition::any()
                .add(contains(station::Column::Name, q))
                .add(contains(station::Column::Address, q)),
        );
    }
    let fetch = limit + 1;
    let rows: Vec<(station::Model, Option<f64>)> = match order {
        Order::Newest => {
            if let Some(After::Id(id)) = after {
                select = select.filter(station::Column::Id.lt(id));
            }
            select
                .order_by_desc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s, None))
                .collect()
        }
        Order::Name => {
            if let Some(After::Name(name, id)) = after {
                select = select.filter(
                    Condition::any()
                        .add(station::Column::Name.gt(name.clone()))
                        .add(
                            station::Column::Name
                                .eq(name)
                                .and(station::Column::Id.gt(id)),
                        ),
                );
            }
            select
                .order_by_asc(station::Column::Name)
                .order_by_asc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s, None))
                .collect()
        }
        Order::Completion => {
            if let Some(After::Completion(permille, id)) = after {
                select = select.filter(
                    Condition::any()
                        .add(station::Column::ChecklistPermille.gt(permille))
                        .add(
                            station::Column::ChecklistPermille
                                .eq(permille)
                                .and(station::Column::Id.gt(id)),
                        ),
                );
            }
            select
                .order_by_asc(station::Column::ChecklistPermille)
                .order_by_asc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s, None))
                .collect()
        }
        Order::Near { centre, radius_km } => {
            // Narrow to the bounding box with the (latitude, longitude) index, then order by a
            // planar distance in the database: within 50 km it orders exactly as the great-circle
            // distance shown, and the database never hands over stations it would skip.
            let ((lat_min, lat_max), (lng_min, lng_max)) = centre.bounding_box(radius_km);
            let dx = Expr::col(station::Column::Longitude)
                .sub(centre.longitude)
                .mul(KM_PER_DEGREE * centre.longitude_scale());
            let dy = Expr::col(station::Column::Latitude)
                .sub(centre.latitude)
                .mul(KM_PER_DEGREE);
            let squared = dx.clone().mul(dx).add(dy.clone().mul(dy));
            select = select
                .filter(station::Column::Latitude.between(lat_min, lat_max))
                .filter(station::Column::Longitude.between(lng_min, lng_max))
                .filter(squared.clone().lte(radius_km * radius_km));
            if let Some(After::Distance(d2, id)) = after {
                select = select.filter(
                    Condition::any()
                        .add(squared.clone().gt(d2))
                        .add(squared.clone().eq(d2).and(station::Column::Id.gt(id))),
                );
            }
            select
                .order_by(squared, sea_orm::Order::Asc)
                .order_by_asc(station::Column::Id)
                .limit(fetch)
                .all(db)
                .await?
                .into_iter()
                .map(|s| {
                    let distance = match (s.latitude, s.longitude) {
                        (Some(latitude), Some(longitude)) => {
                            Some(centre.distance_km(&Coordinates {
                                latitude,
                                longitude,
                            }))
                        }
                        _ => None,
                    };
                    (s, distance)
                })
                .collect()
        }
    };
    let ids: Vec<Uuid> = rows.iter().map(|(s, _)| s.id).collect();
    let mut staff = staff_of(db, &ids).await?;
    let mut views = Vec::with_capacity(rows.len());
    for (station, distance_km) in rows {
        let access = access(db, caller, &station).await?;
        views.push(StationView {
            staff: staff.remove(&station.id).unwrap_or_default(),
            station,
            distance_km,
            access,
        });
    }
    Ok(views)
}

/// The cursor key of `view` in `order`.
pub fn after_of(view: &StationView, order: Order) -> After {
    let s = &view.station;
    match order {
        Order::Newest => After::Id(s.id),
        Order::Name => After::Name(s.name.clone(), s.id),
        Order::Completion => After::Completion(s.checklist_permille, s.id),
        Order::Near { centre, .. } => {
            let dx = (s.longitude.unwrap_or_default() - centre.longitude)
                * KM_PER_DEGREE
                * centre.longitude_scale();
            let dy = (s.latitude.unwrap_or_default() - centre.latitude) * KM_PER_DEGREE;
            After::Distance(dx * dx + dy * dy, s.id)
        }
    }
}
