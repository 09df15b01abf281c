//! Who the caller is to a suggestion: whether they may see it at all, and the roles of
//! `domain::suggestion_flow` they hold on it. Seeing nothing means 404.
//!
//! - staff: an administrator whose scope holds the case's region, or staff of its station;
//! - deputies: the cases they wrote (the first author is the lead) and their station's cases,
//!   which they see without a role in them;
//! - the lead unit's and co-units' handlers;
//! - source voters: the voters whose submissions became the case.
//!
//! Visibility is one SQL condition built from the caller's id alone (subqueries, no look-ups
//! first), so reading a case, its status poll included, is a single indexed query.

use std::collections::HashMap;

use entity::user::Role as UserRole;
use entity::{
    deputy, deputy_station, submission, suggestion, suggestion_author, suggestion_source,
    suggestion_unit, unit_member,
};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::suggestion_flow::Role;
use crate::error::ApiError;
use crate::routes::receptions::access::linked_deputy;
use crate::routes::stations::service::staffed_by;

/// The deputy whose account `user` is, as a subquery.
fn deputy_of_user(user: Uuid) -> SelectStatement {
    Query::select()
        .column(deputy::Column::Id)
        .from(deputy::Entity)
        .and_where(deputy::Column::UserId.eq(user))
        .to_owned()
}

/// The cases whose authors include the deputy of `user`.
fn authored_by(user: Uuid) -> SelectStatement {
    Query::select()
        .column(suggestion_author::Column::SuggestionId)
        .from(suggestion_author::Entity)
        .and_where(suggestion_author::Column::DeputyId.in_subquery(deputy_of_user(user)))
        .to_owned()
}

/// The cases assigned (lead or co-handling) to a unit `user` acts for.
fn assigned_to_units_of(user: Uuid) -> SelectStatement {
    Query::select()
        .column(suggestion_unit::Column::SuggestionId)
        .from(suggestion_unit::Entity)
        .and_where(
            suggestion_unit::Column::UnitId.in_subquery(
                Query::select()
                    .column(unit_member::Column::UnitId)
                    .from(unit_member::Entity)
                    .and_where(unit_member::Column::UserId.eq(user))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// The cases of `voter`'s submissions.
fn sourced_by(voter: Uuid) -> SelectStatement {
    Query::select()
        .column(suggestion_source::Column::SuggestionId)
        .from(suggestion_source::Entity)
        .and_where(
            suggestion_source::Column::SubmissionId.in_subquery(
                Query::select()
                    .column(submission::Column::Id)
                    .from(submission::Entity)
                    .and_where(submission::Column::VoterId.eq(voter))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// The cases `caller` may read, as one condition on `suggestions`.
pub fn readable(caller: &AuthUser) -> Condition {
    match caller.role {
        UserRole::Admin => caller.scope().condition(suggestion::Column::RegionId),
        UserRole::StationStaff => {
            Condition::all().add(suggestion::Column::StationId.in_subquery(staffed_by(caller.id)))
        }
        UserRole::Deputy => Condition::any()
            .add(suggestion::Column::Id.in_subquery(authored_by(caller.id)))
            .add(
                suggestion::Column::StationId.in_subquery(
                    Query::select()
                        .column(deputy_station::Column::StationId)
                        .from(deputy_station::Entity)
                        .and_where(
                            deputy_station::Column::DeputyId.in_subquery(deputy_of_user(caller.id)),
                        )
                        .and_where(deputy_station::Column::EndedOn.is_null())
                        .to_owned(),
                ),
            ),
        UserRole::UnitHandler => Condition::all()
            .add(suggestion::Column::Id.in_subquery(assigned_to_units_of(caller.id))),
        UserRole::Voter => {
            Condition::all().add(suggestion::Column::Id.in_subquery(sourced_by(caller.id)))
        }
    }
}

/// The filter of the suggestions `caller` may list: what they may read, except that voters
/// follow their own submissions rather than a case list (403).
pub fn visible(caller: &AuthUser) -> Result<Condition, ApiError> {
    match caller.role {
        UserRole::Voter => Err(ApiError::forbidden()),
        _ => Ok(readable(caller)),
    }
}

/// The suggestion `id` if `caller` may read it (404 otherwise), in one query.
pub async fn find_readable(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<suggestion::Model, ApiError> {
    suggestion::Entity::find_by_id(id)
        .filter(readable(caller))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// What decides the caller's roles on cases they can read, loaded once per request.
pub struct Standing {
    role: UserRole,
    /// The caller's deputy, for a deputy's account.
    deputy: Option<Uuid>,
    /// The units the caller acts for, for a unit handler.
    units: Vec<Uuid>,
}

impl Standing {
    pub async fn of(db: &impl ConnectionTrait, caller: &AuthUser) -> Result<Standing, ApiError> {
        let deputy = linked_deputy(db, caller).await?.map(|d| d.id);
        let units = if caller.role == UserRole::UnitHandler {
            unit_member::Entity::find()
                .select_only()
                .column(unit_member::Column::UnitId)
                .filter(unit_member::Column::UserId.eq(caller.id))
                .into_tuple()
                .all(db)
                .await?
        } else {
            Vec::new()
        };
        Ok(Standing {
            role: caller.role,
            deputy,
            units,
        })
    }

    /// The roles on a case the caller can read, given its authors (lead first) and units.
    pub fn roles(&self, authors: &[Uuid], units: &[suggestion_unit::Model]) -> Vec<Role> {
        let mut roles = Vec::new();
        match self.role {
            // Reading the case already proved the scope or the station.
            UserRole::Admin | UserRole::StationStaff => roles.push(Role::Staff),
            UserRole::Deputy => {
                if let Some(me) = self.deputy
                    && let Some(position) = authors.iter().position(|a| *a == me)
                {
                    roles.push(Role::Author);
                    if position == 0 {
                        roles.push(Role::LeadAuthor);
                    }
                }
            }
            UserRole::UnitHandler => {
                for unit in units.iter().filter(|u| self.units.contains(&u.unit_id)) {
                    roles.push(if unit.lead {
                        Role::LeadUnit
                    } else {
                        Role::CoUnit
                    });
                }
            }
            UserRole::Voter => roles.push(Role::SourceVoter),
        }
        roles
    }
}

/// The roles `caller` holds on `case`, which they can read.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    case: &suggestion::Model,
) -> Result<Vec<Role>, ApiError> {
    let standing = Standing::of(db, caller).await?;
    let authors = match standing.deputy {
        Some(_) => authors_of(db, &[case.id])
            .await?
            .remove(&case.id)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let units = if standing.units.is_empty() {
        Vec::new()
    } else {
        suggestion_unit::Entity::find()
            .filter(suggestion_unit::Column::SuggestionId.eq(case.id))
            .all(db)
            .await?
    };
    Ok(standing.roles(&authors, &units))
}

/// The authors of each of `cases`, lead first.
pub async fn authors_of(
    db: &impl ConnectionTrait,
    cases: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, ApiError> {
    let mut rows = suggestion_author::Entity::find()
        .filter(suggestion_author::Column::SuggestionId.is_in(cases.iter().copied()))
        .all(db)
        .await?;
    rows.sort_by_key(|a| a.position);
    let mut map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for a in rows {
        map.entry(a.suggestion_id).or_default().push(a.deputy_id);
    }
    Ok(map)
}

/// The suggestion `id` with the caller's roles on it; 404 when they may not read it. A reader
/// without a role (a deputy reading their station's case) gets an empty list.
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(suggestion::Model, Vec<Role>), ApiError> {
    let case = find_readable(db, caller, id).await?;
    let roles = roles_of(db, caller, &case).await?;
    Ok((case, roles))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: Uuid, lead: bool) -> suggestion_unit::Model {
        suggestion_unit::Model {
            suggestion_id: Uuid::nil(),
            unit_id: id,
            lead,
            input: None,
            input_at: None,
            case_updated_at: None,
        }
    }

    #[test]
    fn roles_follow_authorship_and_units() {
        let (me, other, u1, u2) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let deputy = Standing {
            role: UserRole::Deputy,
            deputy: Some(me),
            units: vec![],
        };
        assert_eq!(
            deputy.roles(&[me, other], &[]),
            vec![Role::Author, Role::LeadAuthor]
        );
        assert_eq!(deputy.roles(&[other, me], &[]), vec![Role::Author]);
        assert!(deputy.roles(&[other], &[]).is_empty());
        let handler = Standing {
            role: UserRole::UnitHandler,
            deputy: None,
            units: vec![u2],
        };
        assert_eq!(
            handler.roles(&[], &[unit(u1, true), unit(u2, false)]),
            vec![Role::CoUnit]
        );
        assert!(handler.roles(&[], &[unit(u1, true)]).is_empty());
    }
}
