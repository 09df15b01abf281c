//! The use cases of duty records and points rules: who may read a deputy's record, the record
//! of a year, the ranking of a reach, and reading or replacing a region's rules (audited). The
//! counting itself is in `record`, the weights in `rules`, the ordering in `ranking`.

use chrono::{DateTime, Utc};
use entity::user::Role;
use entity::{deputy, deputy_station, region};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use std::collections::BTreeMap;

use super::dto::RankingDto;
use super::ranking::rank;
use super::record::{self, Counts};
use super::rules::{self, Kind, RuleSet};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::routes::stations::service::staffed_by;
use crate::routes::stats::service::period::Period;
use crate::routes::stats::service::reach::Reach;

/// A deputy's counts for a year and the rules that turn them into points.
pub struct DutyRecord {
    pub deputy: deputy::Model,
    pub year: i32,
    pub counts: Counts,
    pub rules: RuleSet,
    pub generated_at: DateTime<Utc>,
}

/// Whether `caller` may read `deputy`'s record: the deputy, administrators over the deputy's
/// region, and the staff of a station the deputy is or was stationed at.
async fn may_read(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    deputy: &deputy::Model,
) -> Result<(), ApiError> {
    let allowed = match caller.role {
        Role::Deputy => deputy.user_id == Some(caller.id),
        Role::Admin => caller.scope().contains(db, Some(deputy.region_id)).await?,
        Role::StationStaff => deputy_station::Entity::find()
            .filter(deputy_station::Column::DeputyId.eq(deputy.id))
            .filter(deputy_station::Column::StationId.in_subquery(staffed_by(caller.id)))
            .one(db)
            .await?
            .is_some(),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(Text::fixed(
            "履职档案只供代表本人、所在联络站工作人员和管理员查看。",
            "A duty record is for the deputy, the staff of their stations and administrators.",
        )))
    }
}

fn one_deputy(id: Uuid) -> SelectStatement {
    Query::select()
        .column(deputy::Column::Id)
        .from(deputy::Entity)
        .and_where(deputy::Column::Id.eq(id))
        .to_owned()
}

/// The duty record of deputy `id` for `year` (this year when absent), counted now.
pub async fn duty_record(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
    year: Option<i32>,
) -> Result<DutyRecord, ApiError> {
    let deputy = deputy::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    may_read(db, caller, &deputy).await?;
    let (year, period) = Period::year(year);
    let now = crate::clock::now();
    let counts = record::counts(db, &one_deputy(deputy.id), period, now)
        .await?
        .remove(&deputy.id)
        .unwrap_or_default();
    let rules = rules::effective(db, deputy.region_id).await?;
    Ok(DutyRecord {
        deputy,
        year,
        counts,
        rules,
        generated_at: now,
    })
}

/// The deputies of the caller's reach (narrowed to a region or a station) ranked for `year`.
pub async fn ranking(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    region_id: Option<Uuid>,
    station_id: Option<Uuid>,
    year: Option<i32>,
) -> Result<RankingDto, ApiError> {
    let reach = Reach::of(db, caller, region_id, station_id).await?;
    let (year, period) = Period::year(year);
    let now = crate::clock::now();
    let rows = rank(db, &reach, period, now).await?;
    Ok(RankingDto {
        year,
        rows,
        generated_at: now,
    })
}

/// The region `id` if the administrator's scope holds it (404 otherwise).
async fn region_in_scope(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<region::Model, ApiError> {
    let found = crate::routes::regions::service::find(db, id).await?;
    caller.scope().ensure_contains(db, Some(id)).await?;
    Ok(found)
}

/// The rules in force for region `id`, if the caller's scope holds it.
pub async fn rules_of(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(Uuid, RuleSet), ApiError> {
    let region = region_in_scope(db, caller, id).await?;
    Ok((region.id, rules::effective(db, region.id).await?))
}

/// Replaces region `id`'s own weights for the kinds named and answers the rules now in force;
/// the audit entry holds the rules before and after.
pub async fn set_rules(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    weights: &BTreeMap<Kind, i32>,
) -> Result<(Uuid, RuleSet), ApiError> {
    let txn = db.begin_write().await?;
    let region = region_in_scope(&txn, caller, id).await?;
    let before = rules::effective(&txn, region.id).await?;
    rules::save(&txn, region.id, weights, caller.id).await?;
    let after = rules::effective(&txn, region.id).await?;
    let named = |set: &RuleSet| -> serde_json::Map<String, serde_json::Value> {
        set.weights
            .iter()
            .map(|(k, w)| (k.as_str().to_owned(), (*w).into()))
            .collect()
    };
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("points_rules.update", "region", region.id)
            .region(Some(region.id))
            .details(serde_json::json!({
                "before": named(&before),
                "before_defined_at": before.defined_at,
                "after": named(&after),
            })),
    )
    .await?;
    txn.commit().await?;
    Ok((region.id, after))
}
