//! The deadline sweep of suggestions (督办): a case past its deadline without a reply is overdue
//! (computed from the deadline, so it shows everywhere at once); the sweep tells the lead unit's
//! handlers and the station's staff once per deadline, and reminds the handlers three working
//! days before it. Messages go through the outbox; their dedupe keys make a sweep repeatable.

use chrono::NaiveDate;
use entity::notification::Channel;
use entity::{station_staff, suggestion, unit_member};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::domain::local_time::local_date;
use crate::notify::outbox::{self, Message};
use crate::startup::AppState;

/// Working days before the deadline when the unit is reminded.
pub const REMINDER_WORKING_DAYS: u32 = 3;

async fn handlers_of(
    db: &impl ConnectionTrait,
    unit: Option<Uuid>,
) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    let Some(unit) = unit else {
        return Ok(Vec::new());
    };
    Ok(unit_member::Entity::find()
        .filter(unit_member::Column::UnitId.eq(unit))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

async fn staff_of(
    db: &impl ConnectionTrait,
    station: Option<Uuid>,
) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    let Some(station) = station else {
        return Ok(Vec::new());
    };
    Ok(station_staff::Entity::find()
        .filter(station_staff::Column::StationId.eq(station))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.user_id)
        .collect())
}

fn notice(
    case: &suggestion::Model,
    kind: &str,
    deadline: NaiveDate,
    user: Uuid,
    title: &str,
    body: String,
) -> Message {
    Message {
        dedupe_key: format!("suggestion:{}:{kind}:{deadline}:{user}", case.id),
        recipient_user_id: Some(user),
        address: None,
        channel: Channel::Inbox,
        template: if kind == "overdue" {
            "suggestion.overdue"
        } else {
            "suggestion.deadline_reminder"
        },
        title: title.to_owned(),
        body,
        data: serde_json::json!({"suggestion_id": case.id, "deadline": deadline}),
        subject_type: "suggestion",
        subject_id: case.id,
        due_at: crate::clock::now(),
    }
}

/// One sweep on `today`: returns (overdue cases told, cases reminded).
pub async fn sweep(state: &AppState, today: NaiveDate) -> Result<(usize, usize), sea_orm::DbErr> {
    let open = suggestion::Entity::find()
        .filter(suggestion::Column::Status.is_in(["assigned", "in_progress"]))
        .filter(suggestion::Column::Deadline.is_not_null())
        .all(state.db.reader())
        .await?;
    if open.is_empty() {
        return Ok((0, 0));
    }
    let calendar = crate::routes::holidays::service::calendar(
        state.db.reader(),
        today,
        today + chrono::Duration::days(30),
    )
    .await?;
    let soon = calendar
        .add_working_days(today, REMINDER_WORKING_DAYS)
        .unwrap_or(today);
    let (mut overdue, mut reminded) = (0, 0);
    for case in open {
        let Some(deadline) = case.deadline else {
            continue;
        };
        let txn = state.db.begin_write().await?;
        if deadline < today {
            let mut users = handlers_of(&txn, case.lead_unit_id).await?;
            users.extend(staff_of(&txn, case.station_id).await?);
            for user in users {
                outbox::enqueue(
                    &txn,
                    &notice(
                        &case,
                        "overdue",
                        deadline,
                        user,
                        "交办事项已逾期",
                        format!("“{}”已超过办理期限 {deadline}。", case.title),
                    ),
                )
                .await?;
            }
            overdue += 1;
        } else if deadline <= soon {
            for user in handlers_of(&txn, case.lead_unit_id).await? {
                outbox::enqueue(
                    &txn,
                    &notice(
                        &case,
                        "reminder",
                        deadline,
                        user,
                        "交办事项即将到期",
                        format!("“{}”的办理期限是 {deadline}，请抓紧答复。", case.title),
                    ),
                )
                .await?;
            }
            reminded += 1;
        }
        txn.commit().await?;
    }
    Ok((overdue, reminded))
}

/// The sweep for the current day, as the maintenance job runs it.
pub async fn run_once(state: &AppState) -> Result<(usize, usize), sea_orm::DbErr> {
    sweep(state, local_date(crate::clock::now())).await
}
