//! The voters' verdict on a station case's reply, given through their submissions: the first
//! dissatisfied voter reopens the case, and the satisfied ones close it once all have rated.

use entity::{submission, suggestion, suggestion_event, suggestion_source};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::save_if_unchanged;
use super::transition::record_rating;
use crate::domain::suggestion_flow::{
    self, Action, Attempt, Case, Rating, Role, State, is_terminal,
};
use crate::error::ApiError;

/// A source voter's feedback on the reply of case `id` (called in the feedback's transaction,
/// after the submission's own feedback is stored). The first dissatisfied voter reopens the case
/// (or, after the last reopen, closes it flagged); satisfied voters close it once every source
/// submission that can rate (a voter's, or one with an access code) has rated this reply.
pub async fn voter_feedback(
    txn: &impl ConnectionTrait,
    id: Uuid,
    rating: Rating,
) -> Result<(), ApiError> {
    let case = suggestion::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let from = case.status;
    if from != State::Replied {
        return Err(ApiError::rule(
            "no_result_yet",
            "还没有新的答复，暂不能评价。",
            "There is no new reply to rate yet.",
        ));
    }
    if rating != Rating::Dissatisfied {
        let replied = case.replied_at.unwrap_or(case.updated_at);
        let waiting = submission::Entity::find()
            .filter(
                submission::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(suggestion_source::Column::SubmissionId)
                        .from(suggestion_source::Entity)
                        .and_where(suggestion_source::Column::SuggestionId.eq(id))
                        .to_owned(),
                ),
            )
            .filter(
                Condition::any()
                    .add(submission::Column::VoterId.is_not_null())
                    .add(submission::Column::AccessCodeHash.is_not_null()),
            )
            .filter(
                Condition::any()
                    .add(submission::Column::FeedbackAt.is_null())
                    .add(submission::Column::FeedbackAt.lt(replied)),
            )
            .count(txn)
            .await?;
        if waiting > 0 {
            return Ok(());
        }
    }
    let outcome = suggestion_flow::apply(
        &Case {
            kind: case.kind,
            state: from,
            reopens: u32::try_from(case.reopen_count).unwrap_or(0),
        },
        &Attempt {
            action: Action::Rate,
            roles: &[Role::SourceVoter],
            rating: Some(rating),
        },
    )
    .map_err(|_| {
        ApiError::rule(
            "no_result_yet",
            "暂不能评价。",
            "This case cannot be rated now.",
        )
    })?;
    let now = crate::clock::now();
    let mut row: suggestion::ActiveModel = case.clone().into();
    row.status = Set(outcome.to);
    let details = record_rating(&mut row, &case, rating, &outcome, now);
    if is_terminal(outcome.to) {
        row.closed_at = Set(Some(now));
    }
    row.version = Set(case.version + 1);
    row.updated_at = Set(now);
    save_if_unchanged(txn, id, case.version, row).await?;
    // No user acted: the voters rated through their submissions, so the event has no actor.
    suggestion_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        suggestion_id: Set(id),
        at: Set(now),
        action: Set(Action::Rate.as_str().to_owned()),
        from_status: Set(Some(from)),
        to_status: Set(outcome.to),
        actor_id: Set(None),
        actor_role: Set(Some(Role::SourceVoter.as_str().to_owned())),
        note: Set(None),
        details: Set(details),
    }
    .insert(txn)
    .await?;
    Ok(())
}
