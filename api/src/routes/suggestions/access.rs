//! Who the caller is to a suggestion: the roles of `domain::suggestion_flow` they hold on it.
//! No role at all means they may not see it (404).
//!
//! - staff: an administrator whose scope holds the case's region, or staff of its station;
//! - authors: the deputies who wrote a deputy suggestion (the first is the lead);
//! - the lead unit's and co-units' handlers;
//! - source voters: the voters whose submissions became the case.

use entity::user::Role as UserRole;
use entity::{
    station_staff, submission, suggestion, suggestion_author, suggestion_source, suggestion_unit,
    unit_member,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::suggestion_flow::Role;
use crate::error::ApiError;
use crate::routes::receptions::access::linked_deputy;
use crate::routes::stations::service::staffed_by;

/// The roles `caller` holds on `case`.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    case: &suggestion::Model,
) -> Result<Vec<Role>, ApiError> {
    let mut roles = Vec::new();
    match caller.role {
        UserRole::Admin => {
            if caller.scope().contains(db, Some(case.region_id)).await? {
                roles.push(Role::Staff);
            }
        }
        UserRole::StationStaff => {
            if let Some(station) = case.station_id
                && station_staff::Entity::find_by_id((station, caller.id))
                    .one(db)
                    .await?
                    .is_some()
            {
                roles.push(Role::Staff);
            }
        }
        UserRole::Deputy => {
            if let Some(me) = linked_deputy(db, caller).await?
                && let Some(author) = suggestion_author::Entity::find_by_id((case.id, me.id))
                    .one(db)
                    .await?
            {
                roles.push(Role::Author);
                if author.position == 0 {
                    roles.push(Role::LeadAuthor);
                }
            }
        }
        UserRole::UnitHandler => {
            let units = suggestion_unit::Entity::find()
                .filter(suggestion_unit::Column::SuggestionId.eq(case.id))
                .all(db)
                .await?;
            for unit in units {
                if unit_member::Entity::find_by_id((unit.unit_id, caller.id))
                    .one(db)
                    .await?
                    .is_some()
                {
                    roles.push(if unit.lead {
                        Role::LeadUnit
                    } else {
                        Role::CoUnit
                    });
                }
            }
        }
        UserRole::Voter => {
            let mine = suggestion_source::Entity::find()
                .filter(suggestion_source::Column::SuggestionId.eq(case.id))
                .filter(
                    suggestion_source::Column::SubmissionId.in_subquery(
                        Query::select()
                            .column(submission::Column::Id)
                            .from(submission::Entity)
                            .and_where(submission::Column::VoterId.eq(caller.id))
                            .to_owned(),
                    ),
                )
                .one(db)
                .await?;
            if mine.is_some() {
                roles.push(Role::SourceVoter);
            }
        }
    }
    Ok(roles)
}

/// The suggestion `id` with the caller's roles on it; 404 when they have none.
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(suggestion::Model, Vec<Role>), ApiError> {
    let case = suggestion::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let roles = roles_of(db, caller, &case).await?;
    if roles.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok((case, roles))
}

/// The filter of the suggestions `caller` may list.
pub async fn visible(db: &impl ConnectionTrait, caller: &AuthUser) -> Result<Condition, ApiError> {
    Ok(match caller.role {
        UserRole::Admin => caller.scope().condition(suggestion::Column::RegionId),
        UserRole::StationStaff => {
            Condition::all().add(suggestion::Column::StationId.in_subquery(staffed_by(caller.id)))
        }
        UserRole::Deputy => match linked_deputy(db, caller).await? {
            Some(me) => Condition::all().add(
                suggestion::Column::Id.in_subquery(
                    Query::select()
                        .column(suggestion_author::Column::SuggestionId)
                        .from(suggestion_author::Entity)
                        .and_where(suggestion_author::Column::DeputyId.eq(me.id))
                        .to_owned(),
                ),
            ),
            None => Condition::all().add(Expr::value(false)),
        },
        UserRole::UnitHandler => Condition::all().add(
            suggestion::Column::Id.in_subquery(
                Query::select()
                    .column(suggestion_unit::Column::SuggestionId)
                    .from(suggestion_unit::Entity)
                    .and_where(
                        suggestion_unit::Column::UnitId.in_subquery(
                            Query::select()
                                .column(unit_member::Column::UnitId)
                                .from(unit_member::Entity)
                                .and_where(unit_member::Column::UserId.eq(caller.id))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            ),
        ),
        // Voters follow their own submissions, not the case list.
        UserRole::Voter => return Err(ApiError::forbidden()),
    })
}
