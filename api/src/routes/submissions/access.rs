//! Who sees and handles which submissions.
//!
//! - a voter: their own (`voter_id`), nothing else (404 for the rest, as if it did not exist);
//! - an administrator: those whose region lies in their scope;
//! - station staff: those for their stations, or for deputies stationed there;
//! - a deputy: those addressed to them;
//! - unit handlers see suggestions (the workflow), not submissions.

use entity::user::Role;
use entity::{deputy_station, submission};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::routes::receptions::access::linked_deputy;
use crate::routes::stations::service::staffed_by;

/// How the caller relates to a submission, which decides what they see of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The voter who sent it.
    Owner,
    /// Staff or an administrator in scope: everything, phones masked.
    Staff,
    /// The deputy it is addressed to: the submitter hidden when it is anonymous.
    Deputy,
}

impl Viewer {
    /// Whether this viewer may triage (staff and the addressed deputy).
    pub fn handles(self) -> bool {
        matches!(self, Viewer::Staff | Viewer::Deputy)
    }
}

/// Deputies stationed (now or ever) at the stations `caller` staffs.
fn deputies_of_staffed_stations(caller: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(deputy_station::Column::DeputyId)
        .from(deputy_station::Entity)
        .and_where(deputy_station::Column::StationId.in_subquery(staffed_by(caller)))
        .to_owned()
}

/// The filter of the submissions `caller` may list (their inbox, or a voter's own).
pub async fn visible(db: &impl ConnectionTrait, caller: &AuthUser) -> Result<Condition, ApiError> {
    Ok(match caller.role {
        Role::Voter => Condition::all().add(submission::Column::VoterId.eq(caller.id)),
        Role::Admin => caller.scope().condition(submission::Column::RegionId),
        Role::StationStaff => Condition::any()
            .add(submission::Column::StationId.in_subquery(staffed_by(caller.id)))
            .add(
                Condition::all()
                    .add(submission::Column::StationId.is_null())
                    .add(
                        submission::Column::DeputyId
                            .in_subquery(deputies_of_staffed_stations(caller.id)),
                    ),
            ),
        Role::Deputy => match linked_deputy(db, caller).await?.map(|d| d.id) {
            Some(id) => Condition::all().add(submission::Column::DeputyId.eq(id)),
            None => Condition::all().add(Expr::value(false)),
        },
        Role::UnitHandler => return Err(ApiError::forbidden()),
    })
}

/// The submission `id` as `caller` relates to it: 404 when they may not see it.
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(submission::Model, Viewer), ApiError> {
    let condition = visible(db, caller).await.map_err(|e| match e {
        ApiError::Forbidden(_) => ApiError::NotFound,
        other => other,
    })?;
    let found = submission::Entity::find_by_id(id)
        .filter(condition)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let viewer = match caller.role {
        Role::Voter => Viewer::Owner,
        Role::Deputy => Viewer::Deputy,
        _ => Viewer::Staff,
    };
    Ok((found, viewer))
}
