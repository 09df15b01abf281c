//! Taking an action of the flow on a case: [`transition`] loads the case, asks
//! `domain::suggestion_flow` whether the caller may, runs the action's own step (one function
//! per action, chosen by a match on the action) and writes the row, the event, the
//! notifications and the audit entry in one transaction.

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::suggestion::ReplyCategory;
use entity::{region_closure, suggestion, suggestion_unit, unit};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, NotSet,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::super::access;
use super::notices::notices;
use super::{escalate, event, invalid, reread, save_if_unchanged};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::local_time::local_date;
use crate::domain::suggestion_flow::{
    self, Action, Attempt, Case, Kind, Outcome, Rating, Refusal, Role, is_terminal,
};
use crate::error::{ApiError, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::notify::outbox;

/// Working days a unit has for a station case unless staff say otherwise.
pub const STATION_CASE_WORKING_DAYS: u32 = 15;
/// Months a unit has for a deputy suggestion unless staff say otherwise.
pub const DEPUTY_SUGGESTION_MONTHS: u32 = 3;

/// What a transition request carries besides its action, checked by the handler.
#[derive(Debug, Default, Clone)]
pub struct Details {
    pub comment: Option<String>,
    pub lead_unit_id: Option<Uuid>,
    pub co_unit_ids: Vec<Uuid>,
    pub deadline: Option<NaiveDate>,
    pub reply_category: Option<ReplyCategory>,
    pub reply_text: Option<String>,
    pub rating: Option<Rating>,
    /// `escalate`: the congress level and the deputies who carry it (the first leads).
    pub level: Option<entity::suggestion::CongressLevel>,
    pub author_ids: Vec<Uuid>,
}

/// What an action's step works with: the case as read, the request, what the rules decided.
pub(super) struct Step<'a, C> {
    pub txn: &'a C,
    pub caller: &'a AuthUser,
    pub current: &'a suggestion::Model,
    pub details: &'a Details,
    pub outcome: &'a Outcome,
    pub now: DateTime<Utc>,
}

/// Takes `action` on suggestion `id` as `caller`. `expected_version` is the client's If-Match.
pub async fn transition(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    action: Action,
    details: Details,
    expected_version: Option<i32>,
) -> Result<suggestion::Model, ApiError> {
    let txn = db.begin_write().await?;
    let (current, roles) = access::find(&txn, caller, id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let kind = current.kind;
    let from = current.status;
    let case = Case {
        kind,
        state: from,
        reopens: u32::try_from(current.reopen_count).unwrap_or(0),
    };
    let outcome = suggestion_flow::apply(
        &case,
        &Attempt {
            action,
            roles: &roles,
            rating: details.rating,
        },
    )
    .map_err(|refusal| match refusal {
        Refusal::NotAllowedHere { allowed } => not_allowed_here(action, &allowed),
        Refusal::NotYourRole { .. } => ApiError::Forbidden(Text::fixed(
            "您在本案中的身份不能执行此操作。",
            "Your role on this case does not allow this action.",
        )),
        Refusal::RatingRequired => rating_required(),
    })?;
    let acting_role = suggestion_flow::table()
        .into_iter()
        .find(|t| t.from == from && t.action == action && t.kinds.contains(&kind))
        .and_then(|t| t.roles.iter().copied().find(|r| roles.contains(r)))
        .unwrap_or(Role::Staff);
    if action.requires_comment() && details.comment.is_none() {
        return Err(invalid(
            "comment",
            "required",
            "此操作须说明理由。",
            "This action needs a comment.",
        ));
    }
    let now = crate::clock::now();
    let mut row: suggestion::ActiveModel = current.clone().into();
    row.status = Set(outcome.to);
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    let step = Step {
        txn: &txn,
        caller,
        current: &current,
        details: &details,
        outcome: &outcome,
        now,
    };
    let event_details = match action {
        Action::Assign => assign(&step, &mut row).await?,
        Action::DeclineJurisdiction => decline_jurisdiction(&step, &mut row).await?,
        Action::Reply => reply(&step, &mut row).await?,
        Action::Escalate => escalate::escalate(&step).await?,
        Action::Rate => rate(&step, &mut row)?,
        // The rest only move the case: the state, version and time are all they change.
        Action::Submit
        | Action::PreReviewPass
        | Action::PreReviewReturn
        | Action::Acknowledge
        | Action::Withdraw => serde_json::json!({}),
    };
    if is_terminal(outcome.to) {
        row.closed_at = Set(Some(now));
    }
    save_if_unchanged(&txn, id, current.version, row).await?;
    let after = reread(&txn, id).await?;
    event(
        &txn,
        id,
        action.as_str(),
        Some(from),
        outcome.to,
        caller,
        acting_role,
        details.comment.clone(),
        event_details,
        now,
    )
    .await?;
    for message in notices(&txn, &after, action, outcome.to, now, after.version).await? {
        outbox::enqueue(&txn, &message).await?;
    }
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("suggestion.transition", "suggestion", id)
            .region(Some(current.region_id))
            .details(serde_json::json!({"action": action.as_str(), "from": from.to_value(), "to": outcome.to.to_value()})),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The 422 for an action the state does not allow, naming the ones it does.
fn not_allowed_here(action: Action, allowed: &[Action]) -> ApiError {
    let names = allowed
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let names = if names.is_empty() {
        "—".to_owned()
    } else {
        names
    };
    ApiError::Rule {
        code: "invalid_transition",
        message: Text::new(
            format!("当前状态下不能执行 {}；可执行：{names}。", action.as_str()),
            format!(
                "`{}` is not allowed in the current status; allowed: {names}.",
                action.as_str()
            ),
        ),
    }
}

fn rating_required() -> ApiError {
    invalid(
        "rating",
        "required",
        "请给出评价。",
        "A rating is required.",
    )
}

/// `assign`: the lead unit and the co-units (all serving the case's region) and the deadline;
/// a reassignment replaces the units but keeps the first assignment's time.
async fn assign<C: ConnectionTrait>(
    s: &Step<'_, C>,
    row: &mut suggestion::ActiveModel,
) -> Result<serde_json::Value, ApiError> {
    let (lead, co) = check_units(s.txn, s.current, s.details).await?;
    let today = local_date(s.now);
    let deadline = deadline_of(s.txn, s.current.kind, s.details.deadline, today).await?;
    row.lead_unit_id = Set(Some(lead));
    row.deadline = Set(Some(deadline));
    if s.current.assigned_at.is_none() {
        row.assigned_at = Set(Some(s.now));
    }
    let id = s.current.id;
    suggestion_unit::Entity::delete_many()
        .filter(suggestion_unit::Column::SuggestionId.eq(id))
        .exec(s.txn)
        .await?;
    for (unit_id, lead) in std::iter::once((lead, true)).chain(co.iter().map(|u| (*u, false))) {
        suggestion_unit::ActiveModel {
            suggestion_id: Set(id),
            unit_id: Set(unit_id),
            lead: Set(lead),
            input: Set(None),
            input_at: Set(None),
            // Copied from the case by the database.
            case_updated_at: NotSet,
        }
        .insert(s.txn)
        .await?;
    }
    Ok(serde_json::json!({"lead_unit_id": lead, "co_unit_ids": co, "deadline": deadline}))
}

/// `decline_jurisdiction`: back to staff for another unit.
async fn decline_jurisdiction<C: ConnectionTrait>(
    s: &Step<'_, C>,
    row: &mut suggestion::ActiveModel,
) -> Result<serde_json::Value, ApiError> {
    row.lead_unit_id = Set(None);
    row.deadline = Set(None);
    suggestion_unit::Entity::delete_many()
        .filter(suggestion_unit::Column::SuggestionId.eq(s.current.id))
        .exec(s.txn)
        .await?;
    Ok(serde_json::json!({}))
}

/// `reply`: the lead unit's reply, its category and text, once every co-unit has given input.
async fn reply<C: ConnectionTrait>(
    s: &Step<'_, C>,
    row: &mut suggestion::ActiveModel,
) -> Result<serde_json::Value, ApiError> {
    // Co-handling units give their input before the lead unit replies.
    let missing = suggestion_unit::Entity::find()
        .filter(suggestion_unit::Column::SuggestionId.eq(s.current.id))
        .filter(suggestion_unit::Column::Lead.eq(false))
        .filter(suggestion_unit::Column::Input.is_null())
        .count(s.txn)
        .await?;
    if missing > 0 {
        return Err(ApiError::rule(
            "co_unit_input_missing",
            "协办单位尚未提交意见，暂不能答复。",
            "The co-handling units have not all given their input yet.",
        ));
    }
    let category = s.details.reply_category.ok_or_else(|| {
        invalid(
            "reply_category",
            "required",
            "请选择答复类别 A、B 或 C。",
            "Choose the reply category A, B or C.",
        )
    })?;
    let text = s.details.reply_text.clone().ok_or_else(|| {
        invalid(
            "reply_text",
            "required",
            "请填写答复内容。",
            "The reply text is required.",
        )
    })?;
    row.reply_category = Set(Some(category));
    row.reply_text = Set(Some(text));
    row.replied_at = Set(Some(s.now));
    if s.current.first_replied_at.is_none() {
        row.first_replied_at = Set(Some(s.now));
    }
    Ok(
        serde_json::json!({"reply_category": category.to_value(), "reply_text": s.details.reply_text}),
    )
}

/// `rate`: the lead author's verdict (the voters' comes through [`super::voter_feedback`]).
fn rate<C>(
    s: &Step<'_, C>,
    row: &mut suggestion::ActiveModel,
) -> Result<serde_json::Value, ApiError> {
    // The rules refused a rating without one already; this only keeps the type honest.
    let rating = s.details.rating.ok_or_else(rating_required)?;
    Ok(record_rating(row, s.current, rating, s.outcome, s.now))
}

/// Writes a rating of the reply and its outcome (a reopen, a flag) into `row`; returns the
/// event's details. Shared by the lead author's `rate` and the voters' feedback.
pub(super) fn record_rating(
    row: &mut suggestion::ActiveModel,
    current: &suggestion::Model,
    rating: Rating,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> serde_json::Value {
    row.rating = Set(Some(rating));
    row.rated_at = Set(Some(now));
    if current.first_rating.is_none() {
        row.first_rating = Set(Some(rating));
    }
    if outcome.reopened {
        row.reopen_count = Set(current.reopen_count + 1);
    }
    row.flagged = Set(outcome.flagged_for_supervisor);
    serde_json::json!({"rating": rating.to_value(), "reopened": outcome.reopened, "flagged": outcome.flagged_for_supervisor})
}

/// Whether `unit`'s region is the case's region, above it or under it.
async fn unit_serves(
    db: &impl ConnectionTrait,
    unit: &unit::Model,
    region: Uuid,
) -> Result<bool, ApiError> {
    let related = region_closure::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(region_closure::Column::AncestorId.eq(unit.region_id))
                        .add(region_closure::Column::DescendantId.eq(region)),
                )
                .add(
                    Condition::all()
                        .add(region_closure::Column::AncestorId.eq(region))
                        .add(region_closure::Column::DescendantId.eq(unit.region_id)),
                ),
        )
        .count(db)
        .await?;
    Ok(related > 0)
}

async fn check_units(
    db: &impl ConnectionTrait,
    case: &suggestion::Model,
    details: &Details,
) -> Result<(Uuid, Vec<Uuid>), ApiError> {
    let lead = details.lead_unit_id.ok_or_else(|| {
        invalid(
            "lead_unit_id",
            "required",
            "交办须指定牵头单位。",
            "Assigning needs a lead unit.",
        )
    })?;
    let mut errors = Vec::new();
    let mut all = vec![("lead_unit_id".to_owned(), lead)];
    for (i, id) in details.co_unit_ids.iter().enumerate() {
        all.push((format!("co_unit_ids[{i}]"), *id));
    }
    let mut seen = std::collections::HashSet::new();
    for (field, id) in &all {
        if !seen.insert(*id) {
            errors.push(FieldError::new(
                field,
                "duplicate",
                Text::fixed("同一单位出现了两次。", "The same unit is listed twice."),
            ));
            continue;
        }
        let ok = match unit::Entity::find_by_id(*id).one(db).await? {
            Some(u) if !u.archived => unit_serves(db, &u, case.region_id).await?,
            _ => false,
        };
        if !ok {
            errors.push(FieldError::new(
                field,
                "unit_out_of_region",
                Text::fixed(
                    "没有这个单位，或它已撤销、不在本案所属区域。",
                    "No such unit, or it is archived or outside the case's region.",
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok((lead, details.co_unit_ids.clone()))
}

/// The deadline of an assignment: the one given (not in the past), or the default of the kind.
async fn deadline_of(
    db: &impl ConnectionTrait,
    kind: Kind,
    given: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<NaiveDate, ApiError> {
    if let Some(day) = given {
        if day < today {
            return Err(invalid(
                "deadline",
                "deadline_in_past",
                "期限不能早于今天。",
                "The deadline cannot be in the past.",
            ));
        }
        return Ok(day);
    }
    match kind {
        Kind::StationCase => {
            // 15 working days lie well within 60 calendar days, whatever the holidays.
            let calendar =
                crate::calendar::load(db, today, today + chrono::Duration::days(60)).await?;
            calendar
                .add_working_days(today, STATION_CASE_WORKING_DAYS)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no working day found")))
        }
        Kind::DeputySuggestion => today
            .checked_add_months(Months::new(DEPUTY_SUGGESTION_MONTHS))
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("deadline out of range"))),
    }
}
