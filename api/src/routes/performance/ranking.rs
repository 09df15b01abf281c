//! The ranking of deputies by performance points, shared by `GET /stats/deputies` and the
//! performance export.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::deputy;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::dto::DeputyRankDto;
use super::record;
use super::rules::{self, RuleSet};
use crate::error::ApiError;
use crate::routes::stats::service::period::Period;
use crate::routes::stats::service::reach::Reach;

/// The deputies of `reach` ranked by their points in `period` (a year), each under the rules of
/// their own region: most points first, ties by name; equal points share a rank (competition
/// ranking: 1, 2, 2, 4).
pub async fn rank(
    db: &impl ConnectionTrait,
    reach: &Reach,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Vec<DeputyRankDto>, ApiError> {
    let ids = reach.deputies();
    let deputies = deputy::Entity::find()
        .filter(deputy::Column::Id.in_subquery(ids.clone()))
        .all(db)
        .await?;
    let mut counts = record::counts(db, &ids, period, now).await?;
    let rules = rules_of(db, deputies.iter().map(|d| d.region_id)).await?;
    let mut rows: Vec<DeputyRankDto> = deputies
        .into_iter()
        .map(|d| {
            let c = counts.remove(&d.id).unwrap_or_default();
            let points = rules
                .get(&d.region_id)
                .map(|r| c.points(r).1)
                .unwrap_or_default();
            DeputyRankDto {
                rank: 0,
                deputy_id: d.id,
                name: d.name,
                region_id: d.region_id,
                points,
                on_duty: c.on_duty,
                attended: c.attended,
                absent_unexcused: c.absent_unexcused,
                records: c.records,
                voters_received: c.voters_received,
                submissions_triaged: c.submissions_triaged,
                suggestions_submitted: c.suggestions_submitted,
                category_a: c.result_a,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.deputy_id.cmp(&b.deputy_id))
    });
    for i in 0..rows.len() {
        rows[i].rank = if i > 0 && rows[i].points == rows[i - 1].points {
            rows[i - 1].rank
        } else {
            u32::try_from(i + 1).unwrap_or(u32::MAX)
        };
    }
    Ok(rows)
}

/// The rule sets of `regions`, each read once.
async fn rules_of(
    db: &impl ConnectionTrait,
    regions: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, RuleSet>, ApiError> {
    let mut out = HashMap::new();
    for region in regions {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(region) {
            slot.insert(rules::effective(db, region).await?);
        }
    }
    Ok(out)
}
