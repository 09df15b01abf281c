//! The inbox messages a transition causes: the units told of an assignment, the authors of a
//! deputy suggestion's progress, and the voters behind a case asked to rate its reply.

use chrono::{DateTime, Utc};
use entity::notification::Channel;
use entity::{
    deputy, submission, suggestion, suggestion_author, suggestion_source, suggestion_unit,
    unit_member,
};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::domain::suggestion_flow::{Action, State};
use crate::error::ApiError;
use crate::notify::outbox::Message;

/// The inbox messages a transition causes.
pub(super) async fn notices(
    db: &impl ConnectionTrait,
    case: &suggestion::Model,
    action: Action,
    to: State,
    now: DateTime<Utc>,
    version: i32,
) -> Result<Vec<Message>, ApiError> {
    let mut recipients: Vec<Uuid> = Vec::new();
    let (title, body) = match action {
        Action::Assign => {
            let units: Vec<Uuid> = suggestion_unit::Entity::find()
                .filter(suggestion_unit::Column::SuggestionId.eq(case.id))
                .all(db)
                .await?
                .into_iter()
                .map(|u| u.unit_id)
                .collect();
            recipients.extend(
                unit_member::Entity::find()
                    .filter(unit_member::Column::UnitId.is_in(units))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|m| m.user_id),
            );
            (
                "新的交办事项",
                format!("“{}”已交办给您的单位，请及时签收办理。", case.title),
            )
        }
        Action::Reply | Action::PreReviewReturn | Action::PreReviewPass => {
            let authors: Vec<Uuid> = suggestion_author::Entity::find()
                .filter(suggestion_author::Column::SuggestionId.eq(case.id))
                .all(db)
                .await?
                .into_iter()
                .map(|a| a.deputy_id)
                .collect();
            recipients.extend(
                deputy::Entity::find()
                    .filter(deputy::Column::Id.is_in(authors))
                    .all(db)
                    .await?
                    .into_iter()
                    .filter_map(|d| d.user_id),
            );
            (
                "建议有新进展",
                format!("“{}”现为 {}。", case.title, to.to_value()),
            )
        }
        _ => return Ok(Vec::new()),
    };
    // The voters whose submissions became the case hear of the reply in their own words, and
    // are asked to rate it: their feedback is what closes or reopens a station case.
    let mut voters = Vec::new();
    if action == Action::Reply {
        voters = submission::Entity::find()
            .select_only()
            .column(submission::Column::VoterId)
            .filter(
                submission::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(suggestion_source::Column::SubmissionId)
                        .from(suggestion_source::Entity)
                        .and_where(suggestion_source::Column::SuggestionId.eq(case.id))
                        .to_owned(),
                ),
            )
            .filter(submission::Column::VoterId.is_not_null())
            .distinct()
            .into_tuple::<Option<Uuid>>()
            .all(db)
            .await?
            .into_iter()
            .flatten()
            .collect();
    }
    let voter_body = format!("您反映的“{}”已有答复，请查看并评价。", case.title);
    let to_voters = voters
        .into_iter()
        .map(|user| (user, "您反映的问题已答复", &voter_body));
    Ok(recipients
        .into_iter()
        .map(|user| (user, title, &body))
        .chain(to_voters)
        .map(|(user, title, body)| Message {
            dedupe_key: format!(
                "suggestion:{}:{version}:{}:{user}",
                case.id,
                action.as_str()
            ),
            recipient_user_id: Some(user),
            address: None,
            channel: Channel::Inbox,
            template: "suggestion.progress",
            title: title.to_owned(),
            body: body.clone(),
            data: serde_json::json!({"suggestion_id": case.id, "status": to.to_value()}),
            subject_type: "suggestion",
            subject_id: case.id,
            due_at: now,
        })
        .collect())
}
