//! The queries behind the public list: closed cases none of whose voters withheld consent,
//! filtered and paged newest first, and the categories to name them by.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::suggestion::{ReplyCategory, State};
use entity::{category, submission, suggestion, suggestion_source};
use sea_orm::sea_query::Query as SqlQuery;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::ApiError;

/// What the public may narrow the list by.
#[derive(Debug, Default)]
pub struct Filter {
    /// The region and everything under it.
    pub region_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
    /// A category code; an unknown one matches nothing.
    pub category: Option<String>,
    pub reply_category: Option<ReplyCategory>,
}

/// Up to `limit + 1` closed, publishable cases matching `filter`, newest change first, after the
/// keyset cursor if any (the extra row tells the caller there is a next page).
pub async fn closed_cases(
    db: &impl ConnectionTrait,
    filter: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<suggestion::Model>, ApiError> {
    // A case any of whose voters did not consent stays private.
    let withheld = SqlQuery::select()
        .column(suggestion_source::Column::SuggestionId)
        .from(suggestion_source::Entity)
        .and_where(
            suggestion_source::Column::SubmissionId.in_subquery(
                SqlQuery::select()
                    .column(submission::Column::Id)
                    .from(submission::Entity)
                    .and_where(submission::Column::ConsentPublic.eq(false))
                    .to_owned(),
            ),
        )
        .to_owned();
    let mut query = suggestion::Entity::find()
        .filter(suggestion::Column::Status.eq(State::Closed))
        .filter(suggestion::Column::Id.not_in_subquery(withheld));
    if let Some(region) = filter.region_id {
        query = query.filter(
            crate::auth::scope::RegionScope::Subtree(region)
                .condition(suggestion::Column::RegionId),
        );
    }
    if let Some(station) = filter.station_id {
        query = query.filter(suggestion::Column::StationId.eq(station));
    }
    if let Some(code) = &filter.category {
        match category::Entity::find()
            .filter(category::Column::Code.eq(code.as_str()))
            .one(db)
            .await?
        {
            Some(c) => query = query.filter(suggestion::Column::CategoryId.eq(c.id)),
            None => query = query.filter(suggestion::Column::Id.is_null()),
        }
    }
    if let Some(reply) = filter.reply_category {
        query = query.filter(suggestion::Column::ReplyCategory.eq(reply));
    }
    Ok(crate::db::keyset::newest_first(
        query,
        suggestion::Column::UpdatedAt,
        suggestion::Column::Id,
        after,
        limit,
    )
    .all(db)
    .await?)
}

/// The categories of `cases`, by id.
pub async fn categories_of(
    db: &impl ConnectionTrait,
    cases: &[suggestion::Model],
) -> Result<HashMap<Uuid, category::Model>, ApiError> {
    Ok(category::Entity::find()
        .filter(category::Column::Id.is_in(cases.iter().map(|r| r.category_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}
