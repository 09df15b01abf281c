//! The deadline sweep of suggestions (督办): a case past its deadline without a reply is overdue
//! (computed from the deadline, so it shows everywhere at once); the sweep tells the lead unit's
//! handlers and the station's staff once per deadline, and reminds the handlers three working
//! days before it. Messages go through the outbox; their dedupe keys make a sweep repeatable, and
//! `suggestion_deadline_notices` keeps a told case out of the next rounds' reading.

use chrono::NaiveDate;
use entity::notification::Channel;
use entity::{station_staff, suggestion, suggestion_deadline_notice, unit_member};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::local_time::local_date;
use crate::domain::suggestion_flow::HANDLING;
use crate::notify::outbox::{self, Message};

/// Working days before the deadline when the unit is reminded.
pub const REMINDER_WORKING_DAYS: u32 = 3;

/// Cases read per round of a sweep: a backlog (the first sweep after an import of a year of
/// cases) is told a batch at a time instead of being read into memory whole.
const BATCH: u64 = 500;

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

/// The open cases whose deadline satisfies `deadline` and which have no `kind` notice for it yet.
async fn untold(
    db: &impl ConnectionTrait,
    kind: &str,
    deadline: Condition,
) -> Result<Vec<suggestion::Model>, sea_orm::DbErr> {
    let told = Query::select()
        .expr(Expr::val(1))
        .from(suggestion_deadline_notice::Entity)
        .and_where(
            Expr::col((
                suggestion_deadline_notice::Entity,
                suggestion_deadline_notice::Column::SuggestionId,
            ))
            .equals((suggestion::Entity, suggestion::Column::Id)),
        )
        .and_where(
            Expr::col((
                suggestion_deadline_notice::Entity,
                suggestion_deadline_notice::Column::Deadline,
            ))
            .equals((suggestion::Entity, suggestion::Column::Deadline)),
        )
        .and_where(suggestion_deadline_notice::Column::Kind.eq(kind))
        .to_owned();
    suggestion::Entity::find()
        .filter(suggestion::Column::Status.is_in(HANDLING))
        .filter(deadline)
        .filter(Expr::exists(told).not())
        .limit(BATCH)
        .all(db)
        .await
}

/// One sweep on `today`: returns (overdue cases told, cases reminded). Each case is told once
/// per kind and deadline (a row in `suggestion_deadline_notices`, written with the messages), so
/// a round reads only the cases that became due since the last one.
pub async fn sweep(db: &Db, today: NaiveDate) -> Result<(usize, usize), sea_orm::DbErr> {
    let calendar =
        crate::calendar::load(db.reader(), today, today + chrono::Duration::days(30)).await?;
    let soon = calendar
        .add_working_days(today, REMINDER_WORKING_DAYS)
        .unwrap_or(today);
    let late = Condition::all().add(suggestion::Column::Deadline.lt(today));
    let due_soon = Condition::all()
        .add(suggestion::Column::Deadline.gte(today))
        .add(suggestion::Column::Deadline.lte(soon));
    // Each told case gets its notice row, so the next batch starts after it; a batch shorter
    // than `BATCH` was the last.
    let mut overdue = 0;
    loop {
        let batch = untold(db.reader(), "overdue", late.clone()).await?;
        let n = batch.len();
        overdue += n;
        for case in batch {
            tell_overdue(db, &case).await?;
        }
        if (n as u64) < BATCH {
            break;
        }
    }
    let mut reminded = 0;
    loop {
        let batch = untold(db.reader(), "reminder", due_soon.clone()).await?;
        let n = batch.len();
        reminded += n;
        for case in batch {
            remind(db, &case).await?;
        }
        if (n as u64) < BATCH {
            break;
        }
    }
    Ok((overdue, reminded))
}

/// Tells the lead unit's handlers and the station's staff that `case` is overdue.
async fn tell_overdue(db: &Db, case: &suggestion::Model) -> Result<(), sea_orm::DbErr> {
    let Some(deadline) = case.deadline else {
        return Ok(());
    };
    let txn = db.begin_write().await?;
    let mut users = handlers_of(&txn, case.lead_unit_id).await?;
    users.extend(staff_of(&txn, case.station_id).await?);
    for user in users {
        outbox::enqueue(
            &txn,
            &notice(
                case,
                "overdue",
                deadline,
                user,
                "交办事项已逾期",
                format!("“{}”已超过办理期限 {deadline}。", case.title),
            ),
        )
        .await?;
    }
    record_told(&txn, case.id, "overdue", deadline).await?;
    txn.commit().await?;
    Ok(())
}

/// Reminds the lead unit's handlers that `case` is due soon.
async fn remind(db: &Db, case: &suggestion::Model) -> Result<(), sea_orm::DbErr> {
    let Some(deadline) = case.deadline else {
        return Ok(());
    };
    let txn = db.begin_write().await?;
    for user in handlers_of(&txn, case.lead_unit_id).await? {
        outbox::enqueue(
            &txn,
            &notice(
                case,
                "reminder",
                deadline,
                user,
                "交办事项即将到期",
                format!("“{}”的办理期限是 {deadline}，请抓紧答复。", case.title),
            ),
        )
        .await?;
    }
    record_told(&txn, case.id, "reminder", deadline).await?;
    txn.commit().await?;
    Ok(())
}

/// Records that `case` was told of `kind` for `deadline` (a second sweep racing this one finds
/// the row and does nothing).
async fn record_told(
    db: &impl ConnectionTrait,
    case: Uuid,
    kind: &str,
    deadline: NaiveDate,
) -> Result<(), sea_orm::DbErr> {
    suggestion_deadline_notice::Entity::insert(suggestion_deadline_notice::ActiveModel {
        suggestion_id: Set(case),
        kind: Set(kind.to_owned()),
        deadline: Set(deadline),
        created_at: Set(crate::clock::now()),
    })
    .on_conflict(
        OnConflict::columns([
            suggestion_deadline_notice::Column::SuggestionId,
            suggestion_deadline_notice::Column::Kind,
            suggestion_deadline_notice::Column::Deadline,
        ])
        .do_nothing()
        .to_owned(),
    )
    .try_insert()
    .exec(db)
    .await?;
    Ok(())
}

/// The sweep for the current day, as the maintenance job runs it.
pub async fn run_once(db: &Db) -> Result<(usize, usize), sea_orm::DbErr> {
    sweep(db, local_date(crate::clock::now())).await
}
