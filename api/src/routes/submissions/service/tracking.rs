//! Tracking: the inbox and a voter's own list, status polls, a submission's history (with the
//! case it joined), the voter's feedback on the result, and following a submission made
//! without an account with its access code.

use chrono::{DateTime, Utc};
use entity::submission::{self, Rating, SubmissionChannel, SubmissionStatus};
use entity::{category, submission_event, suggestion_event};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{Intake, categories_of, events, record_event};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::access_code;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::rate_limit::ip_key;
use crate::routes::submissions::access;

/// Inbox filters.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<SubmissionStatus>,
    pub station_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub channel: Option<SubmissionChannel>,
    pub category: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub q: Option<String>,
}

/// A page of the submissions `caller` may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<submission::Model>, ApiError> {
    let mut query = submission::Entity::find().filter(access::visible(db, caller).await?);
    if let Some(status) = filter.status {
        query = query.filter(submission::Column::Status.eq(status));
    }
    if let Some(station) = filter.station_id {
        query = query.filter(submission::Column::StationId.eq(station));
    }
    if let Some(region) = filter.region_id {
        // The region and everything under it.
        query = query.filter(
            crate::auth::scope::RegionScope::Subtree(region)
                .condition(submission::Column::RegionId),
        );
    }
    if let Some(channel) = filter.channel {
        query = query.filter(submission::Column::Channel.eq(channel));
    }
    if let Some(code) = &filter.category {
        match category::Entity::find()
            .filter(category::Column::Code.eq(code.as_str()))
            .one(db)
            .await?
        {
            Some(c) => query = query.filter(submission::Column::CategoryId.eq(c.id)),
            None => return Ok(Vec::new()),
        }
    }
    if let Some(from) = filter.from {
        query = query.filter(submission::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(submission::Column::CreatedAt.lt(to));
    }
    if let Some(q) = &filter.q {
        let q = q.trim();
        query = query.filter(
            Condition::any()
                .add(crate::db::contains(submission::Column::Title, q))
                .add(crate::db::contains(submission::Column::Content, q))
                .add(submission::Column::TrackingNo.eq(q.to_uppercase())),
        );
    }
    Ok(crate::db::keyset::newest_first(
        query,
        submission::Column::CreatedAt,
        submission::Column::Id,
        after,
        limit,
    )
    .all(db)
    .await?)
}

/// Records the voter's feedback on `current`: once, after a result.
pub async fn feedback(
    db: &Db,
    current: &submission::Model,
    rating: Rating,
    comment: Option<String>,
) -> Result<submission::Model, ApiError> {
    use SubmissionStatus::*;
    // A converted submission rates its case's reply: once per reply, so that after a reopen
    // the voters rate the new one.
    let case = if current.status == Converted {
        let link = entity::suggestion_source::Entity::find_by_id(current.id)
            .one(db.reader())
            .await?
            .ok_or(ApiError::NotFound)?;
        let case = entity::suggestion::Entity::find_by_id(link.suggestion_id)
            .one(db.reader())
            .await?
            .ok_or(ApiError::NotFound)?;
        if case.status != entity::suggestion::State::Replied {
            return Err(ApiError::rule(
                "no_result_yet",
                "还没有新的答复，暂不能评价。",
                "There is no new reply to rate yet.",
            ));
        }
        Some(case)
    } else {
        None
    };
    let rated_before = match &case {
        Some(case) => case.replied_at,
        None => None,
    };
    let already = match (current.feedback_at, rated_before) {
        (Some(_), None) => true,
        (Some(at), Some(replied)) => at >= replied,
        (None, _) => false,
    };
    if already {
        return Err(ApiError::clash(
            "feedback_given",
            "已经评价过了。",
            "Feedback was already given.",
        ));
    }
    if matches!(current.status, Received | InReview) {
        return Err(ApiError::rule(
            "no_result_yet",
            "还没有处理结果，暂不能评价。",
            "There is no result to rate yet.",
        ));
    }
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let updated = submission::Entity::update_many()
        .col_expr(submission::Column::FeedbackRating, Expr::value(rating))
        .col_expr(
            submission::Column::FeedbackComment,
            Expr::value(comment.clone()),
        )
        .col_expr(submission::Column::FeedbackAt, Expr::value(now))
        .col_expr(
            submission::Column::Version,
            Expr::col(submission::Column::Version).add(1),
        )
        .col_expr(submission::Column::UpdatedAt, Expr::value(now))
        .filter(submission::Column::Id.eq(current.id))
        .filter(match rated_before {
            Some(replied) => Condition::any()
                .add(submission::Column::FeedbackAt.is_null())
                .add(submission::Column::FeedbackAt.lt(replied)),
            None => Condition::all().add(submission::Column::FeedbackAt.is_null()),
        })
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::clash(
            "feedback_given",
            "已经评价过了。",
            "Feedback was already given.",
        ));
    }
    record_event(
        &txn,
        current.id,
        "feedback",
        current.status,
        None,
        None,
        serde_json::json!({"rating": rating_name(rating)}),
        now,
    )
    .await?;
    if let Some(case) = &case {
        let flow_rating = match rating {
            Rating::Satisfied => crate::domain::suggestion_flow::Rating::Satisfied,
            Rating::BasicallySatisfied => {
                crate::domain::suggestion_flow::Rating::BasicallySatisfied
            }
            Rating::Dissatisfied => crate::domain::suggestion_flow::Rating::Dissatisfied,
        };
        crate::routes::suggestions::service::voter_feedback(&txn, case.id, flow_rating).await?;
    }
    let updated = submission::Entity::find_by_id(current.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

fn rating_name(rating: Rating) -> String {
    use sea_orm::ActiveEnum;
    rating.to_value()
}

/// The submission `tracking_no` if `code` is its access code; 404 for a wrong number or code
/// alike. Look-ups are rate-limited per address, whether they succeed or not.
pub async fn track(
    db: &Db,
    intake: Intake<'_>,
    client: &ClientInfo,
    tracking_no: &str,
    code: &str,
) -> Result<submission::Model, ApiError> {
    intake
        .limits
        .track_per_ip
        .check(ip_key(client.ip.as_deref()))?;
    let found = submission::Entity::find()
        .filter(submission::Column::TrackingNo.eq(tracking_no.trim().to_uppercase()))
        .one(db.reader())
        .await?;
    // Hash even when the number is unknown, so timing says nothing about which part was wrong.
    let stored = found
        .as_ref()
        .and_then(|s| s.access_code_hash.clone())
        .unwrap_or_else(|| "0".repeat(64));
    let matches = access_code::matches(intake.access_key, code, &stored);
    match found {
        Some(found) if matches && found.access_code_hash.is_some() => Ok(found),
        _ => Err(ApiError::NotFound),
    }
}

/// What a status poll reads: the submission's status and, when it became part of a case, the
/// case's, in one statement (the case's columns are correlated subqueries on primary keys).
#[derive(Debug, sea_orm::FromQueryResult)]
pub struct StatusRow {
    pub status: SubmissionStatus,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub case_status: Option<String>,
    pub case_updated_at: Option<DateTime<Utc>>,
}

/// The status of submission `id` as `caller` may see it (404 otherwise).
pub async fn status_of(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<StatusRow, ApiError> {
    use entity::{suggestion, suggestion_source};
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let condition = access::visible(db, caller).await.map_err(|e| match e {
        ApiError::Forbidden(_) => ApiError::NotFound,
        other => other,
    })?;
    let of_case = |column: suggestion::Column| {
        Expr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column((suggestion::Entity, column))
                    .from(suggestion::Entity)
                    .inner_join(
                        suggestion_source::Entity,
                        Expr::col((
                            suggestion_source::Entity,
                            suggestion_source::Column::SuggestionId,
                        ))
                        .equals((suggestion::Entity, suggestion::Column::Id)),
                    )
                    .and_where(
                        Expr::col((
                            suggestion_source::Entity,
                            suggestion_source::Column::SubmissionId,
                        ))
                        .equals((submission::Entity, submission::Column::Id)),
                    )
                    .to_owned()
                    .into(),
            ),
        )
    };
    submission::Entity::find_by_id(id)
        .filter(condition)
        .select_only()
        .column(submission::Column::Status)
        .column(submission::Column::Version)
        .column(submission::Column::UpdatedAt)
        .column_as(of_case(suggestion::Column::Status), "case_status")
        .column_as(of_case(suggestion::Column::UpdatedAt), "case_updated_at")
        .into_model::<StatusRow>()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A submission's own steps, oldest first, and, once it joined a case, the case's steps from
/// when it joined.
#[derive(Debug)]
pub struct Timeline {
    pub own: Vec<submission_event::Model>,
    pub case: Option<Vec<suggestion_event::Model>>,
}

/// The history of `found`.
pub async fn timeline(
    db: &impl ConnectionTrait,
    found: &submission::Model,
) -> Result<Timeline, ApiError> {
    let own = events(db, found.id).await?;
    let case = match entity::suggestion_source::Entity::find_by_id(found.id)
        .one(db)
        .await?
    {
        Some(link) => Some(
            crate::routes::suggestions::service::events(db, link.suggestion_id)
                .await?
                .into_iter()
                .filter(|e| e.at >= link.linked_at)
                .collect(),
        ),
        None => None,
    };
    Ok(Timeline { own, case })
}

/// What the tracking page shows of a submission: its category, the status of the case it
/// joined, and its history.
#[derive(Debug)]
pub struct Tracked {
    pub submission: submission::Model,
    pub category: category::Model,
    pub case_status: Option<String>,
    pub timeline: Timeline,
}

/// `found` with what the tracking page shows beside it.
pub async fn tracked(
    db: &impl ConnectionTrait,
    found: submission::Model,
) -> Result<Tracked, ApiError> {
    let category = categories_of(db, [found.category_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("category missing")))?;
    let case_status = crate::routes::suggestions::service::cases_of(db, &[found.id])
        .await?
        .remove(&found.id)
        .map(|c| c.1);
    let timeline = timeline(db, &found).await?;
    Ok(Tracked {
        submission: found,
        category,
        case_status,
        timeline,
    })
}
