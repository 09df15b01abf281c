//! Issuing public codes and finding what one names. Only what the public may see resolves: an archived
//! station's code is as unknown as a code never issued.

use entity::station::StationStatus;
use entity::{deputy, station};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, SqlErr,
    TransactionTrait,
};
use uuid::Uuid;

use crate::domain::public_code::{self, CodeKind};
use crate::error::ApiError;

/// A code's target: its kind, id, name and public code.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: CodeKind,
    pub id: Uuid,
    pub name: String,
    pub code: String,
}

/// What `raw` (as typed or scanned) names; 404 when nothing public does.
pub async fn resolve(db: &impl ConnectionTrait, raw: &str) -> Result<Target, ApiError> {
    let code = public_code::normalise(raw);
    match CodeKind::of(&code).ok_or(ApiError::NotFound)? {
        CodeKind::Station => {
            let station = station::Entity::find()
                .filter(station::Column::PublicCode.eq(code.as_str()))
                .filter(station::Column::Status.eq(StationStatus::Active))
                .one(db)
                .await?
                .ok_or(ApiError::NotFound)?;
            Ok(Target {
                kind: CodeKind::Station,
                id: station.id,
                name: station.name,
                code,
            })
        }
        CodeKind::Deputy => {
            let deputy = deputy::Entity::find()
                .filter(deputy::Column::PublicCode.eq(code.as_str()))
                .one(db)
                .await?
                .ok_or(ApiError::NotFound)?;
            Ok(Target {
                kind: CodeKind::Deputy,
                id: deputy.id,
                name: deputy.name,
                code,
            })
        }
    }
}

/// The public code of the active station `id` (404 for unknown and archived stations).
pub async fn station_code(db: &impl ConnectionTrait, id: Uuid) -> Result<String, ApiError> {
    station::Entity::find_by_id(id)
        .filter(station::Column::Status.eq(StationStatus::Active))
        .one(db)
        .await?
        .map(|s| s.public_code)
        .ok_or(ApiError::NotFound)
}

/// The public code of deputy `id`.
pub async fn deputy_code(db: &impl ConnectionTrait, id: Uuid) -> Result<String, ApiError> {
    deputy::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|d| d.public_code)
        .ok_or(ApiError::NotFound)
}

/// Runs `insert` with fresh public codes until one is free, each attempt in a savepoint (a
/// failed statement would otherwise abort the whole transaction on PostgreSQL). With 30⁷ codes a
/// second draw is already rare.
pub async fn with_fresh_code<T, F, Fut>(
    txn: &DatabaseTransaction,
    kind: CodeKind,
    mut insert: F,
) -> Result<T, ApiError>
where
    F: FnMut(DatabaseTransaction, String) -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    for _ in 0..5 {
        let savepoint = txn.begin().await?;
        match insert(savepoint, public_code::generate(kind)).await {
            Ok(model) => return Ok(model),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "no free public code after 5 draws"
    )))
}
