//! Creating suggestions and moving them through the flow. Every change is one transaction: the
//! row (only if its version is still the one read, so that of two concurrent transitions exactly
//! one wins), its event row and the notifications it causes.

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{
    category, deputy, deputy_station, region_closure, station, submission, suggestion,
    suggestion_author, suggestion_event, suggestion_source, suggestion_unit, unit, unit_member,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, NotSet, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
};
use uuid::Uuid;

use super::access;
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::local_time::local_date;
use crate::domain::suggestion_flow::{
    self, Action, Attempt, Case, Kind, Rating, Refusal, Role, State,
};
use crate::error::{ApiError, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::notify::outbox::{self, Message};
use entity::notification::Channel;

/// Working days a unit has for a station case unless staff say otherwise.
pub const STATION_CASE_WORKING_DAYS: u32 = 15;
/// Months a unit has for a deputy suggestion unless staff say otherwise.
pub const DEPUTY_SUGGESTION_MONTHS: u32 = 3;

pub fn state_of(name: &str) -> Result<State, ApiError> {
    State::ALL
        .into_iter()
        .find(|s| s.as_str() == name)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown state {name}")))
}

pub fn kind_of(name: &str) -> Result<Kind, ApiError> {
    [Kind::StationCase, Kind::DeputySuggestion]
        .into_iter()
        .find(|k| k.as_str() == name)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown kind {name}")))
}

/// Whether `case` is past its deadline without a reply, on `today`.
pub fn overdue(case: &suggestion::Model, today: NaiveDate) -> bool {
    let open = matches!(case.status.as_str(), "assigned" | "in_progress");
    open && case.deadline.is_some_and(|d| d < today)
}

/// A checked new suggestion.
#[derive(Debug)]
pub struct NewSuggestion {
    pub kind: Kind,
    pub title: String,
    pub content: String,
    pub category: String,
    pub station_id: Option<Uuid>,
    pub level: Option<&'static str>,
    pub co_author_ids: Vec<Uuid>,
}

fn invalid(field: &str, code: &'static str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::validation(field, code, Text::fixed(zh, en))
}

/// Creates a suggestion: a deputy's draft, or a station case opened by staff.
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewSuggestion,
) -> Result<suggestion::Model, ApiError> {
    let txn = db.begin_write().await?;
    let row = create_in(&txn, caller, client, new).await?;
    txn.commit().await?;
    Ok(row)
}

/// [`create`] inside the caller's transaction (converting a submission creates its case in the
/// transaction that converts it).
pub async fn create_in(
    txn: &impl ConnectionTrait,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewSuggestion,
) -> Result<suggestion::Model, ApiError> {
    let category = category::Entity::find()
        .filter(category::Column::Code.eq(new.category.trim()))
        .filter(category::Column::Active.eq(true))
        .one(txn)
        .await?
        .ok_or_else(|| invalid("category", "unknown", "没有这个分类。", "Unknown category."))?;
    let station = match new.station_id {
        Some(id) => Some(
            station::Entity::find_by_id(id)
                .filter(station::Column::Status.eq(station::StationStatus::Active))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    invalid(
                        "station_id",
                        "unknown",
                        "没有这个联络站。",
                        "There is no such station.",
                    )
                })?,
        ),
        None => None,
    };
    let (status, region_id, authors) = match new.kind {
        Kind::StationCase => {
            let station = station.as_ref().ok_or_else(|| {
                invalid(
                    "station_id",
                    "required",
                    "交办事项须指明联络站。",
                    "A station case needs its station.",
                )
            })?;
            let manages =
                crate::routes::receptions::access::manages(txn, Some(caller), station).await?;
            if !manages {
                return Err(ApiError::Forbidden(Text::fixed(
                    "只有本站工作人员或辖区管理员可以建立交办事项。",
                    "Only the station's staff or an administrator in scope may open a station case.",
                )));
            }
            (State::Accepted, station.region_id, Vec::new())
        }
        Kind::DeputySuggestion => {
            let me = crate::routes::receptions::access::deputy_of(txn, caller).await?;
            let mut authors = vec![me.id];
            for (i, id) in new.co_author_ids.iter().enumerate() {
                let found = deputy::Entity::find_by_id(*id).one(txn).await?;
                if found.is_none() || authors.contains(id) {
                    return Err(ApiError::validation(
                        &format!("co_author_ids[{i}]"),
                        "invalid",
                        Text::fixed(
                            "没有这位代表，或重复列出。",
                            "No such deputy, or listed twice.",
                        ),
                    ));
                }
                authors.push(*id);
            }
            // Pre-reviewed by the staff of the station named, else of the lead's station.
            let region = match &station {
                Some(s) => s.region_id,
                None => me.region_id,
            };
            (State::Draft, region, authors)
        }
    };
    let station_id = match (&station, new.kind) {
        (Some(s), _) => Some(s.id),
        (None, Kind::DeputySuggestion) => deputy_station::Entity::find()
            .filter(deputy_station::Column::DeputyId.is_in(authors.first().copied()))
            .filter(deputy_station::Column::EndedOn.is_null())
            .one(txn)
            .await?
            .map(|d| d.station_id),
        (None, Kind::StationCase) => None,
    };
    let now = crate::clock::now();
    let id = Uuid::now_v7();
    let row = suggestion::ActiveModel {
        id: Set(id),
        kind: Set(new.kind.as_str().to_owned()),
        status: Set(status.as_str().to_owned()),
        title: Set(new.title),
        content: Set(new.content),
        category_id: Set(category.id),
        region_id: Set(region_id),
        station_id: Set(station_id),
        level: Set(new.level.map(str::to_owned)),
        lead_unit_id: Set(None),
        deadline: Set(None),
        supervision: Set("none".to_owned()),
        supervision_note: Set(None),
        reply_category: Set(None),
        reply_text: Set(None),
        replied_at: Set(None),
        rating: Set(None),
        rated_at: Set(None),
        reopen_count: Set(0),
        flagged: Set(false),
        created_by: Set(Some(caller.id)),
        escalated_from: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        assigned_at: Set(None),
        first_replied_at: Set(None),
        first_rating: Set(None),
    }
    .insert(txn)
    .await?;
    for (position, deputy_id) in authors.iter().enumerate() {
        suggestion_author::ActiveModel {
            suggestion_id: Set(id),
            deputy_id: Set(*deputy_id),
            position: Set(i16::try_from(position).unwrap_or(i16::MAX)),
        }
        .insert(txn)
        .await?;
    }
    let role = match new.kind {
        Kind::StationCase => Role::Staff,
        Kind::DeputySuggestion => Role::LeadAuthor,
    };
    event(
        txn,
        id,
        "create",
        None,
        status,
        caller,
        role,
        None,
        serde_json::json!({}),
        now,
    )
    .await?;
    audit::record(
        txn,
        Actor::user(caller, client),
        Entry::new("suggestion.create", "suggestion", id).region(Some(region_id)),
    )
    .await?;
    Ok(row)
}

/// Links submission `submission_id` to case `case` (a convert or a merge), in the caller's
/// transaction, with an event on the case.
pub async fn link_source(
    txn: &impl ConnectionTrait,
    caller: &AuthUser,
    case: &suggestion::Model,
    submission_id: Uuid,
    tracking_no: &str,
    action: &str,
) -> Result<(), ApiError> {
    let now = crate::clock::now();
    suggestion_source::ActiveModel {
        submission_id: Set(submission_id),
        suggestion_id: Set(case.id),
        linked_at: Set(now),
    }
    .insert(txn)
    .await?;
    let status = state_of(&case.status)?;
    event(
        txn,
        case.id,
        action,
        Some(status),
        status,
        caller,
        Role::Staff,
        Some(tracking_no.to_owned()),
        serde_json::json!({"submission_id": submission_id}),
        now,
    )
    .await
}

/// The open case `id` that `caller` may merge a submission into: staff of the case or one of
/// its authors; a finished case is 422 `suggestion_closed`.
pub async fn merge_target(
    txn: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<suggestion::Model, ApiError> {
    let unknown = || {
        invalid(
            "suggestion_id",
            "unknown",
            "没有这个建议，或您无权并入。",
            "No such suggestion, or not one you may merge into.",
        )
    };
    // Only the case's staff or its authors merge into it; to anyone else it is as unknown.
    let (case, roles) = access::find(txn, caller, id).await.map_err(|e| match e {
        ApiError::NotFound => unknown(),
        other => other,
    })?;
    if !roles
        .iter()
        .any(|r| matches!(r, Role::Staff | Role::Author))
    {
        return Err(unknown());
    }
    if state_of(&case.status)?.is_terminal() {
        return Err(ApiError::rule(
            "suggestion_closed",
            "该建议已办结或撤回，不能再并入。",
            "The suggestion is finished; nothing can be merged into it.",
        ));
    }
    Ok(case)
}

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
    let from = state_of(&case.status)?;
    if from != State::Replied {
        return Err(ApiError::rule(
            "no_result_yet",
            "还没有新的答复，暂不能评价。",
            "There is no new reply to rate yet.",
        ));
    }
    if rating != Rating::Dissatisfied {
        let replied = case.replied_at.unwrap_or(case.updated_at);
        let waiting = entity::submission::Entity::find()
            .filter(
                entity::submission::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(suggestion_source::Column::SubmissionId)
                        .from(suggestion_source::Entity)
                        .and_where(suggestion_source::Column::SuggestionId.eq(id))
                        .to_owned(),
                ),
            )
            .filter(
                Condition::any()
                    .add(entity::submission::Column::VoterId.is_not_null())
                    .add(entity::submission::Column::AccessCodeHash.is_not_null()),
            )
            .filter(
                Condition::any()
                    .add(entity::submission::Column::FeedbackAt.is_null())
                    .add(entity::submission::Column::FeedbackAt.lt(replied)),
            )
            .count(txn)
            .await?;
        if waiting > 0 {
            return Ok(());
        }
    }
    let kind = kind_of(&case.kind)?;
    let outcome = suggestion_flow::apply(
        &Case {
            kind,
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
    row.status = Set(outcome.to.as_str().to_owned());
    row.rating = Set(Some(rating.as_str().to_owned()));
    row.rated_at = Set(Some(now));
    if case.first_rating.is_none() {
        row.first_rating = Set(Some(rating.as_str().to_owned()));
    }
    if outcome.reopened {
        row.reopen_count = Set(case.reopen_count + 1);
    }
    row.flagged = Set(outcome.flagged_for_supervisor);
    if outcome.to.is_terminal() {
        row.closed_at = Set(Some(now));
    }
    row.version = Set(case.version + 1);
    row.updated_at = Set(now);
    save_if_unchanged(txn, id, case.version, row).await?;
    suggestion_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        suggestion_id: Set(id),
        at: Set(now),
        action: Set(Action::Rate.as_str().to_owned()),
        from_status: Set(Some(from.as_str().to_owned())),
        to_status: Set(outcome.to.as_str().to_owned()),
        actor_id: Set(None),
        actor_role: Set(Some(Role::SourceVoter.as_str().to_owned())),
        note: Set(None),
        details: Set(serde_json::json!({"rating": rating.as_str(), "reopened": outcome.reopened, "flagged": outcome.flagged_for_supervisor})),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Writes `row` only if case `id` is still at `version`: of two concurrent changes exactly one
/// lands, the other gets a 409.
async fn save_if_unchanged(
    txn: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    row: suggestion::ActiveModel,
) -> Result<(), ApiError> {
    let updated = suggestion::Entity::update_many()
        .set(row)
        .filter(suggestion::Column::Id.eq(id))
        .filter(suggestion::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict(Text::fixed(
            "该案件刚被他人处理，请刷新后重试。",
            "The case was changed meanwhile; reload it and retry.",
        )));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn event(
    db: &impl ConnectionTrait,
    suggestion_id: Uuid,
    action: &str,
    from: Option<State>,
    to: State,
    actor: &AuthUser,
    role: Role,
    note: Option<String>,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    suggestion_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        suggestion_id: Set(suggestion_id),
        at: Set(at),
        action: Set(action.to_owned()),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        actor_id: Set(Some(actor.id)),
        actor_role: Set(Some(role.as_str().to_owned())),
        note: Set(note),
        details: Set(details),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What a transition request carries besides its action, checked by the handler.
#[derive(Debug, Default, Clone)]
pub struct Details {
    pub comment: Option<String>,
    pub lead_unit_id: Option<Uuid>,
    pub co_unit_ids: Vec<Uuid>,
    pub deadline: Option<NaiveDate>,
    pub reply_category: Option<&'static str>,
    pub reply_text: Option<String>,
    pub rating: Option<Rating>,
    /// `escalate`: the congress level and the deputies who carry it (the first leads).
    pub level: Option<&'static str>,
    pub author_ids: Vec<Uuid>,
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

/// The inbox messages a transition causes.
async fn notices(
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
                format!("“{}”现为 {}。", case.title, to.as_str()),
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
            data: serde_json::json!({"suggestion_id": case.id, "status": to.as_str()}),
            subject_type: "suggestion",
            subject_id: case.id,
            due_at: now,
        })
        .collect())
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
    let kind = kind_of(&current.kind)?;
    let from = state_of(&current.status)?;
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
        Refusal::RatingRequired => invalid(
            "rating",
            "required",
            "请给出评价。",
            "A rating is required.",
        ),
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
    let today = local_date(now);
    let mut row: suggestion::ActiveModel = current.clone().into();
    row.status = Set(outcome.to.as_str().to_owned());
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    let mut event_details = serde_json::json!({});
    match action {
        Action::Assign => {
            let (lead, co) = check_units(&txn, &current, &details).await?;
            let deadline = deadline_of(&txn, kind, details.deadline, today).await?;
            row.lead_unit_id = Set(Some(lead));
            row.deadline = Set(Some(deadline));
            if current.assigned_at.is_none() {
                row.assigned_at = Set(Some(now));
            }
            suggestion_unit::Entity::delete_many()
                .filter(suggestion_unit::Column::SuggestionId.eq(id))
                .exec(&txn)
                .await?;
            for (unit_id, lead) in
                std::iter::once((lead, true)).chain(co.iter().map(|u| (*u, false)))
            {
                suggestion_unit::ActiveModel {
                    suggestion_id: Set(id),
                    unit_id: Set(unit_id),
                    lead: Set(lead),
                    input: Set(None),
                    input_at: Set(None),
                    // Copied from the case by the database.
                    case_updated_at: NotSet,
                }
                .insert(&txn)
                .await?;
            }
            event_details =
                serde_json::json!({"lead_unit_id": lead, "co_unit_ids": co, "deadline": deadline});
        }
        Action::DeclineJurisdiction => {
            // Back to staff for another unit.
            row.lead_unit_id = Set(None);
            row.deadline = Set(None);
            suggestion_unit::Entity::delete_many()
                .filter(suggestion_unit::Column::SuggestionId.eq(id))
                .exec(&txn)
                .await?;
        }
        Action::Reply => {
            // Co-handling units give their input before the lead unit replies.
            let missing = suggestion_unit::Entity::find()
                .filter(suggestion_unit::Column::SuggestionId.eq(id))
                .filter(suggestion_unit::Column::Lead.eq(false))
                .filter(suggestion_unit::Column::Input.is_null())
                .count(&txn)
                .await?;
            if missing > 0 {
                return Err(ApiError::rule(
                    "co_unit_input_missing",
                    "协办单位尚未提交意见，暂不能答复。",
                    "The co-handling units have not all given their input yet.",
                ));
            }
            let category = details.reply_category.ok_or_else(|| {
                invalid(
                    "reply_category",
                    "required",
                    "请选择答复类别 A、B 或 C。",
                    "Choose the reply category A, B or C.",
                )
            })?;
            let text = details.reply_text.clone().ok_or_else(|| {
                invalid(
                    "reply_text",
                    "required",
                    "请填写答复内容。",
                    "The reply text is required.",
                )
            })?;
            row.reply_category = Set(Some(category.to_owned()));
            row.reply_text = Set(Some(text));
            row.replied_at = Set(Some(now));
            if current.first_replied_at.is_none() {
                row.first_replied_at = Set(Some(now));
            }
            event_details =
                serde_json::json!({"reply_category": category, "reply_text": details.reply_text});
        }
        Action::Escalate => {
            let level = details.level.ok_or_else(|| {
                invalid(
                    "level",
                    "required",
                    "请选择上交的人大层级。",
                    "Choose the congress level.",
                )
            })?;
            let Some((lead, co)) = details.author_ids.split_first() else {
                return Err(invalid(
                    "author_ids",
                    "required",
                    "请指定领衔代表。",
                    "Name the deputies who carry it.",
                ));
            };
            let mut authors = vec![*lead];
            for (i, id) in std::iter::once(lead).chain(co.iter()).enumerate() {
                let exists = deputy::Entity::find_by_id(*id).one(&txn).await?.is_some();
                if !exists || (i > 0 && authors.contains(id)) {
                    return Err(ApiError::validation(
                        &format!("author_ids[{i}]"),
                        "invalid",
                        Text::fixed(
                            "没有这位代表，或重复列出。",
                            "No such deputy, or listed twice.",
                        ),
                    ));
                }
                if i > 0 {
                    authors.push(*id);
                }
            }
            let higher = Uuid::now_v7();
            suggestion::ActiveModel {
                id: Set(higher),
                kind: Set(Kind::DeputySuggestion.as_str().to_owned()),
                status: Set(State::Draft.as_str().to_owned()),
                title: Set(current.title.clone()),
                content: Set(current.content.clone()),
                category_id: Set(current.category_id),
                region_id: Set(current.region_id),
                station_id: Set(current.station_id),
                level: Set(Some(level.to_owned())),
                lead_unit_id: Set(None),
                deadline: Set(None),
                supervision: Set("none".to_owned()),
                supervision_note: Set(None),
                reply_category: Set(None),
                reply_text: Set(None),
                replied_at: Set(None),
                rating: Set(None),
                rated_at: Set(None),
                reopen_count: Set(0),
                flagged: Set(false),
                created_by: Set(Some(caller.id)),
                escalated_from: Set(Some(id)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                closed_at: Set(None),
                assigned_at: Set(None),
                first_replied_at: Set(None),
                first_rating: Set(None),
            }
            .insert(&txn)
            .await?;
            for (position, deputy_id) in authors.iter().enumerate() {
                suggestion_author::ActiveModel {
                    suggestion_id: Set(higher),
                    deputy_id: Set(*deputy_id),
                    position: Set(i16::try_from(position).unwrap_or(i16::MAX)),
                }
                .insert(&txn)
                .await?;
            }
            event(
                &txn,
                higher,
                "create",
                None,
                State::Draft,
                caller,
                Role::Staff,
                details.comment.clone(),
                serde_json::json!({"escalated_from": id}),
                now,
            )
            .await?;
            event_details = serde_json::json!({"escalated_to": higher, "level": level});
        }
        Action::Rate => {
            let rating = details.rating.map(|r| r.as_str().to_owned());
            row.rating = Set(rating.clone());
            row.rated_at = Set(Some(now));
            if current.first_rating.is_none() {
                row.first_rating = Set(rating.clone());
            }
            if outcome.reopened {
                row.reopen_count = Set(current.reopen_count + 1);
            }
            row.flagged = Set(outcome.flagged_for_supervisor);
            event_details = serde_json::json!({"rating": rating, "reopened": outcome.reopened, "flagged": outcome.flagged_for_supervisor});
        }
        _ => {}
    }
    if outcome.to.is_terminal() {
        row.closed_at = Set(Some(now));
    }
    save_if_unchanged(&txn, id, current.version, row).await?;
    let after = suggestion::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
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
            .details(serde_json::json!({"action": action.as_str(), "from": from.as_str(), "to": outcome.to.as_str()})),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Puts case `id` under supervision at `level` (staff and administrators of the case).
pub async fn supervise(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    level: &'static str,
    note: Option<String>,
) -> Result<suggestion::Model, ApiError> {
    let txn = db.begin_write().await?;
    let (current, roles) = access::find(&txn, caller, id).await?;
    if !roles.contains(&Role::Staff) {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有联络站工作人员和管理员可以督办。",
            "Only station staff and administrators supervise cases.",
        )));
    }
    let status = state_of(&current.status)?;
    if status.is_terminal() {
        return Err(ApiError::rule(
            "case_closed",
            "已办结的案件不能督办。",
            "A finished case cannot be supervised.",
        ));
    }
    let now = crate::clock::now();
    let mut row: suggestion::ActiveModel = current.clone().into();
    row.supervision = Set(level.to_owned());
    row.supervision_note = Set(note.clone());
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    save_if_unchanged(&txn, id, current.version, row).await?;
    event(
        &txn,
        id,
        "supervise",
        Some(status),
        status,
        caller,
        Role::Staff,
        note,
        serde_json::json!({"level": level}),
        now,
    )
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("suggestion.supervise", "suggestion", id)
            .region(Some(current.region_id))
            .details(serde_json::json!({"level": level})),
    )
    .await?;
    let after = suggestion::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(after)
}

/// A co-handling unit's input to the reply (its handlers, while the case is being handled).
pub async fn co_unit_input(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    text: String,
) -> Result<suggestion::Model, ApiError> {
    let txn = db.begin_write().await?;
    let (current, roles) = access::find(&txn, caller, id).await?;
    if !roles.contains(&Role::CoUnit) {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有协办单位可以提交协办意见。",
            "Only a co-handling unit gives input.",
        )));
    }
    let status = state_of(&current.status)?;
    if !matches!(status, State::Assigned | State::InProgress) {
        return Err(ApiError::rule(
            "input_closed",
            "案件不在办理中，不能提交协办意见。",
            "The case is not being handled: no more input.",
        ));
    }
    let now = crate::clock::now();
    let mine = sea_orm::sea_query::Query::select()
        .column(unit_member::Column::UnitId)
        .from(unit_member::Entity)
        .and_where(unit_member::Column::UserId.eq(caller.id))
        .to_owned();
    suggestion_unit::Entity::update_many()
        .col_expr(
            suggestion_unit::Column::Input,
            sea_orm::sea_query::Expr::value(text.clone()),
        )
        .col_expr(
            suggestion_unit::Column::InputAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(suggestion_unit::Column::SuggestionId.eq(id))
        .filter(suggestion_unit::Column::Lead.eq(false))
        .filter(suggestion_unit::Column::UnitId.in_subquery(mine))
        .exec(&txn)
        .await?;
    let mut row: suggestion::ActiveModel = current.clone().into();
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    save_if_unchanged(&txn, id, current.version, row).await?;
    event(
        &txn,
        id,
        "co_unit_input",
        Some(status),
        status,
        caller,
        Role::CoUnit,
        Some(text),
        serde_json::json!({}),
        now,
    )
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("suggestion.co_unit_input", "suggestion", id).region(Some(current.region_id)),
    )
    .await?;
    let after = suggestion::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(after)
}

/// List filters.
#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<State>,
    pub kind: Option<Kind>,
    pub region_id: Option<Uuid>,
    pub station_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub overdue: Option<bool>,
    pub supervised: Option<bool>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// A page of the suggestions `caller` may see, most recently changed first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<suggestion::Model>, ApiError> {
    let (scope, own_unit) = match list_scope(db, caller).await? {
        ListScope::Where(condition) => (condition, None),
        ListScope::Unit(unit) => (Condition::all(), Some(unit)),
    };
    let mut query = suggestion::Entity::find().filter(scope);
    if let (Some(own), Some(asked)) = (own_unit, filter.unit_id)
        && own != asked
    {
        // Cases the handler's unit shares with the unit asked for.
        query = query.filter(suggestion::Column::Id.in_subquery(of_unit(own)));
    }
    if let Some(status) = filter.status {
        query = query.filter(suggestion::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(suggestion::Column::Kind.eq(kind.as_str()));
    }
    if let Some(region) = filter.region_id {
        query = query.filter(
            crate::auth::scope::RegionScope::Subtree(region)
                .condition(suggestion::Column::RegionId),
        );
    }
    if let Some(station) = filter.station_id {
        query = query.filter(suggestion::Column::StationId.eq(station));
    }
    if let Some(author) = filter.author_id {
        query = query.filter(
            suggestion::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(suggestion_author::Column::SuggestionId)
                    .from(suggestion_author::Entity)
                    .and_where(suggestion_author::Column::DeputyId.eq(author))
                    .to_owned(),
            ),
        );
    }
    if let Some(overdue) = filter.overdue {
        let today = local_date(crate::clock::now());
        let late = Condition::all()
            .add(suggestion::Column::Status.is_in(["assigned", "in_progress"]))
            .add(suggestion::Column::Deadline.lt(today));
        query = query.filter(if overdue { late } else { late.not() });
    }
    if let Some(supervised) = filter.supervised {
        query = query.filter(if supervised {
            suggestion::Column::Supervision.ne("none")
        } else {
            suggestion::Column::Supervision.eq("none")
        });
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(suggestion::Column::UpdatedAt.gte(since));
    }
    let query = match filter.unit_id.or(own_unit) {
        None => ordered(
            query,
            suggestion::Column::UpdatedAt,
            suggestion::Column::Id,
            after,
        ),
        // A unit's cases (lead and co-handled) are its `suggestion_units` rows, which carry the
        // case's `updated_at` (kept by triggers): walking `(unit_id, case_updated_at,
        // suggestion_id)` in order and joining the cases stops at the page's end, where
        // `id IN (the unit's cases)` read every case of the unit and sorted them.
        Some(unit) => ordered(
            query
                .join(
                    sea_orm::JoinType::InnerJoin,
                    suggestion_unit::Relation::Suggestion.def().rev(),
                )
                .filter(suggestion_unit::Column::UnitId.eq(unit)),
            suggestion_unit::Column::CaseUpdatedAt,
            suggestion_unit::Column::SuggestionId,
            after,
        ),
    };
    Ok(query.limit(limit + 1).all(db).await?)
}

/// `query` newest first by `(at, id)`, after the keyset cursor if any.
fn ordered(
    query: sea_orm::Select<suggestion::Entity>,
    at: impl ColumnTrait + Copy,
    id: impl ColumnTrait + Copy,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> sea_orm::Select<suggestion::Entity> {
    let query = match after {
        Some((after_at, after_id)) => query.filter(crate::http::pagination::before_desc(
            at, id, after_at, after_id,
        )),
        None => query,
    };
    query.order_by(at, Order::Desc).order_by(id, Order::Desc)
}

/// The cases of `unit` (lead or co-handled).
fn of_unit(unit: Uuid) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(suggestion_unit::Column::SuggestionId)
        .from(suggestion_unit::Entity)
        .and_where(suggestion_unit::Column::UnitId.eq(unit))
        .to_owned()
}

/// Whom a list is drawn from.
enum ListScope {
    /// The cases matching a condition.
    Where(Condition),
    /// The cases of one unit: a unit handler acting for exactly one unit (the usual case).
    Unit(Uuid),
}

/// The cases `caller` may list, in the form that keeps pages cheap. Station staff's stations
/// are read first and compared with `=` when there is one (the usual case): `station_id = ?`
/// walks the `(station_id, updated_at, id)` index in page order and stops at the limit, whereas
/// `station_id IN (subquery)` reads every case of the station and sorts them. A unit handler's
/// one unit is walked the same way through `suggestion_units`.
async fn list_scope(db: &impl ConnectionTrait, caller: &AuthUser) -> Result<ListScope, ApiError> {
    match caller.role {
        entity::user::Role::StationStaff => {
            let stations: Vec<Uuid> = entity::station_staff::Entity::find()
                .select_only()
                .column(entity::station_staff::Column::StationId)
                .filter(entity::station_staff::Column::UserId.eq(caller.id))
                .into_tuple()
                .all(db)
                .await?;
            Ok(ListScope::Where(Condition::all().add(
                match stations.as_slice() {
                    [one] => suggestion::Column::StationId.eq(*one),
                    many => suggestion::Column::StationId.is_in(many.iter().copied()),
                },
            )))
        }
        entity::user::Role::UnitHandler => {
            let units: Vec<Uuid> = unit_member::Entity::find()
                .select_only()
                .column(unit_member::Column::UnitId)
                .filter(unit_member::Column::UserId.eq(caller.id))
                .into_tuple()
                .all(db)
                .await?;
            Ok(match units.as_slice() {
                [one] => ListScope::Unit(*one),
                _ => ListScope::Where(access::visible(caller)?),
            })
        }
        _ => Ok(ListScope::Where(access::visible(caller)?)),
    }
}

/// Authors (lead first), source submissions and units of a case.
#[derive(Default)]
pub struct Links {
    pub escalated_to: Option<Uuid>,
    pub authors: Vec<Uuid>,
    pub sources: Vec<Uuid>,
    pub units: Vec<suggestion_unit::Model>,
}

pub async fn links(db: &impl ConnectionTrait, id: Uuid) -> Result<Links, ApiError> {
    Ok(links_of(db, &[id]).await?.remove(&id).unwrap_or_default())
}

/// The links of each of `cases`, in four queries whatever their number (for lists).
pub async fn links_of(
    db: &impl ConnectionTrait,
    cases: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Links>, ApiError> {
    let mut map: std::collections::HashMap<Uuid, Links> =
        cases.iter().map(|id| (*id, Links::default())).collect();
    if cases.is_empty() {
        return Ok(map);
    }
    for (case, authors) in access::authors_of(db, cases).await? {
        if let Some(l) = map.get_mut(&case) {
            l.authors = authors;
        }
    }
    let sources = suggestion_source::Entity::find()
        .filter(suggestion_source::Column::SuggestionId.is_in(cases.iter().copied()))
        .all(db)
        .await?;
    for s in sources {
        if let Some(l) = map.get_mut(&s.suggestion_id) {
            l.sources.push(s.submission_id);
        }
    }
    let units = suggestion_unit::Entity::find()
        .filter(suggestion_unit::Column::SuggestionId.is_in(cases.iter().copied()))
        .all(db)
        .await?;
    for u in units {
        if let Some(l) = map.get_mut(&u.suggestion_id) {
            l.units.push(u);
        }
    }
    let escalations = escalations_from(cases).all(db).await?;
    for e in escalations {
        if let Some(from) = e.escalated_from
            && let Some(l) = map.get_mut(&from)
        {
            l.escalated_to = Some(e.id);
        }
    }
    for l in map.values_mut() {
        // The lead unit first, then the co-units in a stable order.
        l.units.sort_by_key(|u| (!u.lead, u.unit_id));
        l.sources.sort();
    }
    Ok(map)
}

/// The suggestions escalated from any of `cases`: part of every case read, so it must be an
/// index search (migration 000019; `tests/tests/api/plans.rs` holds the planner to it).
pub fn escalations_from(cases: &[Uuid]) -> sea_orm::Select<suggestion::Entity> {
    suggestion::Entity::find()
        .filter(suggestion::Column::EscalatedFrom.is_in(cases.iter().copied()))
}

/// The case (id, status) of each of `submissions` that has one.
pub async fn cases_of(
    db: &impl ConnectionTrait,
    submissions: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, (Uuid, String)>, ApiError> {
    if submissions.is_empty() {
        return Ok(Default::default());
    }
    let links = suggestion_source::Entity::find()
        .filter(suggestion_source::Column::SubmissionId.is_in(submissions.iter().copied()))
        .all(db)
        .await?;
    let cases: std::collections::HashMap<Uuid, String> = suggestion::Entity::find()
        .filter(suggestion::Column::Id.is_in(links.iter().map(|l| l.suggestion_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.status))
        .collect();
    Ok(links
        .into_iter()
        .filter_map(|l| {
            cases
                .get(&l.suggestion_id)
                .map(|s| (l.submission_id, (l.suggestion_id, s.clone())))
        })
        .collect())
}

/// The events of a case, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<suggestion_event::Model>, ApiError> {
    Ok(suggestion_event::Entity::find()
        .filter(suggestion_event::Column::SuggestionId.eq(id))
        .order_by(suggestion_event::Column::At, Order::Asc)
        .order_by(suggestion_event::Column::Id, Order::Asc)
        .all(db)
        .await?)
}
