//! Who manages a station's sessions: administrators whose scope holds the station, and the
//! station's own staff. Everyone else sees published sessions only.

use entity::station::{self, StationStatus};
use entity::{deputy, reception};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::stations::service::{Access, access};
use entity::user::Role;

/// Whether `caller` manages `station`'s sessions.
pub async fn manages(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    station: &station::Model,
) -> Result<bool, DbErr> {
    Ok(matches!(
        access(db, caller, station).await?,
        Access::Admin | Access::Staff
    ))
}

fn not_manager() -> ApiError {
    ApiError::Forbidden(Text::fixed(
        "只有本站工作人员或辖区管理员可以管理接待日。",
        "Only the station's staff or an administrator in scope may manage its reception days.",
    ))
}

/// The active station `station_id`, which `caller` must manage: 404 when it does not exist (or
/// is archived, for outsiders), 403 when it is someone else's.
pub async fn managed_station(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    station_id: Uuid,
) -> Result<station::Model, ApiError> {
    let station = station::Entity::find_by_id(station_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let manages = manages(db, Some(caller), &station).await?;
    match (station.status, manages) {
        (StationStatus::Archived, false) => Err(ApiError::NotFound),
        (StationStatus::Archived, true) => Err(ApiError::rule(
            "station_archived",
            "该联络站已撤销，不能再安排接待日。",
            "The station is archived: no more reception days.",
        )),
        (_, false) => Err(not_manager()),
        (_, true) => Ok(station),
    }
}

/// A session and its station, as `caller` may see them, with whether they manage it. Drafts of
/// stations the caller does not manage are 404, as if they did not exist.
pub async fn visible_reception(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    id: Uuid,
) -> Result<(reception::Model, station::Model, bool), ApiError> {
    let (reception, station) = reception::Entity::find_by_id(id)
        .find_also_related(station::Entity)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let station = station.ok_or(ApiError::NotFound)?;
    let manages = manages(db, caller, &station).await?;
    if !manages && reception.published_at.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok((reception, station, manages))
}

/// A session `caller` must manage: 404 if they cannot see it, 403 if they only see it.
pub async fn managed_reception(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(reception::Model, station::Model), ApiError> {
    let (reception, station, manages) = visible_reception(db, Some(caller), id).await?;
    if manages {
        Ok((reception, station))
    } else {
        Err(not_manager())
    }
}

/// The deputy whose account `caller` is, if they are a deputy with a linked record.
pub async fn linked_deputy(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
) -> Result<Option<deputy::Model>, DbErr> {
    if caller.role != Role::Deputy {
        return Ok(None);
    }
    deputy::Entity::find()
        .filter(deputy::Column::UserId.eq(caller.id))
        .one(db)
        .await
}

/// The deputy whose account `caller` is (403 for any other caller).
pub async fn deputy_of(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
) -> Result<deputy::Model, ApiError> {
    linked_deputy(db, caller).await?.ok_or_else(|| {
        ApiError::Forbidden(Text::fixed(
            "只有关联了代表信息的代表账号可以这样做。",
            "Only a deputy's own account may do this.",
        ))
    })
}
