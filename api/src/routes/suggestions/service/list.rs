//! Listing suggestions: the cases the caller may see, filtered, newest change first, in keyset
//! pages that stay cheap however many cases there are.

use chrono::{DateTime, Utc};
use entity::suggestion::Supervision;
use entity::{suggestion, suggestion_author, suggestion_unit, unit_member};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::super::access;
use crate::auth::AuthUser;
use crate::domain::local_time::local_date;
use crate::domain::suggestion_flow::{HANDLING, Kind, State};
use crate::error::ApiError;

/// List filters.
#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<State>,
    pub kind: Option<Kind>,
    pub region_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub overdue: Option<bool>,
    pub supervised: Option<bool>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// A page of the suggestions `caller` may see, most recently changed first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<suggestion::Model>, ApiError> {
    let (scope, own_unit) = match list_scope(db, caller).await? {
        ListScope::Where(condition) => (condition, None),
        ListScope::Unit(unit) => (Condition::all(), Some(unit)),
    };
    let mut query = suggestion::Entity::find().filter(scope);
    if let (Some(own), Some(asked)) = (own_unit, filter.unit_id)
        && own != asked
    {
        // Cases the handler's unit shares with the unit asked for.
        query = query.filter(suggestion::Column::Id.in_subquery(of_unit(own)));
    }
    if let Some(status) = filter.status {
        query = query.filter(suggestion::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(suggestion::Column::Kind.eq(kind));
    }
    if let Some(region) = filter.region_id {
        query = query.filter(
            crate::auth::scope::RegionScope::Subtree(region)
                .condition(suggestion::Column::RegionId),
        );
    }
    if let Some(station) = filter.station_id {
        query = query.filter(suggestion::Column::StationId.eq(station));
    }
    if let Some(author) = filter.author_id {
        query = query.filter(
            suggestion::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(suggestion_author::Column::SuggestionId)
                    .from(suggestion_author::Entity)
                    .and_where(suggestion_author::Column::DeputyId.eq(author))
                    .to_owned(),
            ),
        );
    }
    if let Some(overdue) = filter.overdue {
        let today = local_date(crate::clock::now());
        let late = Condition::all()
            .add(suggestion::Column::Status.is_in(HANDLING))
            .add(suggestion::Column::Deadline.lt(today));
        query = query.filter(if overdue { late } else { late.not() });
    }
    if let Some(supervised) = filter.supervised {
        query = query.filter(if supervised {
            suggestion::Column::Supervision.ne(Supervision::None)
        } else {
            suggestion::Column::Supervision.eq(Supervision::None)
        });
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(suggestion::Column::UpdatedAt.gte(since));
    }
    let query = match filter.unit_id.or(own_unit) {
        None => ordered(
            query,
            suggestion::Column::UpdatedAt,
            suggestion::Column::Id,
            after,
        ),
        // A unit's cases (lead and co-handled) are its `suggestion_units` rows, which carry the
        // case's `updated_at` (kept by triggers): walking `(unit_id, case_updated_at,
        // suggestion_id)` in order and joining the cases stops at the page's end, where
        // `id IN (the unit's cases)` read every case of the unit and sorted them.
        Some(unit) => ordered(
            query
                .join(
                    sea_orm::JoinType::InnerJoin,
                    suggestion_unit::Relation::Suggestion.def().rev(),
                )
                .filter(suggestion_unit::Column::UnitId.eq(unit)),
            suggestion_unit::Column::CaseUpdatedAt,
            suggestion_unit::Column::SuggestionId,
            after,
        ),
    };
    Ok(query.limit(limit + 1).all(db).await?)
}

/// `query` newest first by `(at, id)`, after the keyset cursor if any.
fn ordered(
    query: sea_orm::Select<suggestion::Entity>,
    at: impl ColumnTrait + Copy,
    id: impl ColumnTrait + Copy,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> sea_orm::Select<suggestion::Entity> {
    let query = match after {
        Some((after_at, after_id)) => {
            query.filter(crate::db::keyset::before_desc(at, id, after_at, after_id))
        }
        None => query,
    };
    query.order_by(at, Order::Desc).order_by(id, Order::Desc)
}

/// The cases of `unit` (lead or co-handled).
fn of_unit(unit: Uuid) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(suggestion_unit::Column::SuggestionId)
        .from(suggestion_unit::Entity)
        .and_where(suggestion_unit::Column::UnitId.eq(unit))
        .to_owned()
}

/// Whom a list is drawn from.
enum ListScope {
    /// The cases matching a condition.
    Where(Condition),
    /// The cases of one unit: a unit handler acting for exactly one unit (the usual case).
    Unit(Uuid),
}

/// The cases `caller` may list, in the form that keeps pages cheap. Station staff's stations
/// are read first and compared with `=` when there is one (the usual case): `station_id = ?`
/// walks the `(station_id, updated_at, id)` index in page order and stops at the limit, whereas
/// `station_id IN (subquery)` reads every case of the station and sorts them. A unit handler's
/// one unit is walked the same way through `suggestion_units`.
async fn list_scope(db: &impl ConnectionTrait, caller: &AuthUser) -> Result<ListScope, ApiError> {
    match caller.role {
        entity::user::Role::StationStaff => {
            let stations: Vec<Uuid> = entity::station_staff::Entity::find()
                .select_only()
                .column(entity::station_staff::Column::StationId)
                .filter(entity::station_staff::Column::UserId.eq(caller.id))
                .into_tuple()
                .all(db)
                .await?;
            Ok(ListScope::Where(Condition::all().add(
                match stations.as_slice() {
                    [one] => suggestion::Column::StationId.eq(*one),
                    many => suggestion::Column::StationId.is_in(many.iter().copied()),
                },
            )))
        }
        entity::user::Role::UnitHandler => {
            let units: Vec<Uuid> = unit_member::Entity::find()
                .select_only()
                .column(unit_member::Column::UnitId)
                .filter(unit_member::Column::UserId.eq(caller.id))
                .into_tuple()
                .all(db)
                .await?;
            Ok(match units.as_slice() {
                [one] => ListScope::Unit(*one),
                _ => ListScope::Where(access::visible(caller)?),
            })
        }
        _ => Ok(ListScope::Where(access::visible(caller)?)),
    }
}
