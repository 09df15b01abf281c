//! `/api/v1/suggestions`: create, list, read, transitions, events and the status for pollers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::suggestion;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::access;
use super::dto::*;
use super::service::{self, Details, Filter, NewSuggestion};
use crate::auth::AuthUser;
use crate::domain::local_time::local_date;
use crate::domain::suggestion_flow::{self, Kind, Role, State};
use crate::domain::{DisplayName, name};
use crate::error::{ApiError, Checks};
use crate::http::client::ClientInfo;
use crate::http::etag::{check_if_match, created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::state::AppState;

const LIST: &str = "suggestions";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_suggestion)
        .service(list_suggestions)
        .service(get_suggestion)
        .service(suggestion_status)
        .service(suggestion_events)
        .service(transition_suggestion)
        .service(supervise_suggestion)
        .service(co_unit_input);
}

/// The actions `roles` may take on a case of `kind` in `state`.
fn allowed_for(kind: Kind, state: State, roles: &[Role]) -> Vec<SuggestionActionDto> {
    suggestion_flow::table()
        .into_iter()
        .filter(|t| {
            t.from == state && t.kinds.contains(&kind) && t.roles.iter().any(|r| roles.contains(r))
        })
        .map(|t| t.action.into())
        .collect()
}

async fn dto(
    db: &impl sea_orm::ConnectionTrait,
    s: suggestion::Model,
    roles: &[Role],
) -> Result<SuggestionDto, ApiError> {
    let links = service::links(db, s.id).await?;
    Ok(dto_with(s, links, roles))
}

fn dto_with(s: suggestion::Model, links: service::Links, roles: &[Role]) -> SuggestionDto {
    let allowed = allowed_for(s.kind, s.status, roles);
    let overdue = service::overdue(&s, local_date(crate::clock::now()));
    SuggestionDto::new(s, links, allowed, overdue)
}

/// Creates a suggestion. A deputy writes a deputy suggestion, a `draft` with themselves as lead
/// author (and `co_author_ids` co-signing) for the `township`, `county` or `city` congress;
/// station staff or an administrator in scope open a station case at their station, directly
/// `accepted` for assignment.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateSuggestionRequest,
    responses(
        (status = 201, description = "Created", body = SuggestionDto, headers(("Location" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[post("")]
async fn create_suggestion(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: Json<CreateSuggestionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let kind: Kind = body.kind.into();
    let mut checks = Checks::default();
    let title = checks.check(DisplayName::parse("title", &body.title, 100));
    let content = checks.check(name::optional("content", Some(&body.content), 10_000));
    match (kind, body.level) {
        (Kind::DeputySuggestion, None) => checks.fail(crate::error::FieldError::new(
            "level",
            "required",
            crate::i18n::Text::fixed("请选择提交的人大层级。", "Choose the congress level."),
        )),
        (Kind::StationCase, Some(_)) => checks.fail(crate::error::FieldError::new(
            "level",
            "not_applicable",
            crate::i18n::Text::fixed("交办事项没有层级。", "A station case has no level."),
        )),
        _ => {}
    }
    if kind == Kind::StationCase && !body.co_author_ids.is_empty() {
        checks.fail(crate::error::FieldError::new(
            "co_author_ids",
            "not_applicable",
            crate::i18n::Text::fixed("交办事项没有作者。", "A station case has no authors."),
        ));
    }
    checks.finish()?;
    let (Some(title), Some(Some(content))) = (title, content) else {
        return Err(ApiError::validation(
            "content",
            "length",
            crate::i18n::Text::fixed("内容不能为空。", "The content cannot be empty."),
        ));
    };
    let new = NewSuggestion {
        kind,
        title: title.into_inner(),
        content,
        category: body.category,
        station_id: body.station_id,
        level: body.level.map(Into::into),
        co_author_ids: body.co_author_ids,
    };
    let row = service::create(&state.db, &caller, &client, new).await?;
    let db = state.db.reader();
    let roles = access::roles_of(db, &caller, &row).await?;
    let body = dto(db, row, &roles).await?;
    created(&req, &format!("/api/v1/suggestions/{}", body.id), &body)
}

/// The suggestions the caller may see, most recently changed first: staff their stations' (and
/// administrators their regions'), a deputy those they wrote and their station's, a handler those of their units.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(PageParams, SuggestionFilters),
    responses(
        (status = 200, description = "A page of suggestions", body = Page<SuggestionDto>),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("")]
async fn list_suggestions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    filters: Query<SuggestionFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let f = filters.into_inner();
    let filter = Filter {
        status: f.status.map(Into::into),
        kind: f.kind.map(Into::into),
        region_id: f.region_id,
        station_id: f.station_id,
        unit_id: f.unit_id,
        author_id: f.author_id,
        overdue: f.overdue,
        supervised: f.supervised,
        updated_since: f.updated_since,
    };
    let after = state.cursors.after(LIST, &page)?;
    let db = state.db.reader();
    let rows = service::list(db, &caller, &filter, after, page.limit).await?;
    let rows = state
        .cursors
        .page(LIST, rows, page.limit, |s| (s.updated_at, s.id), |s| s);
    // A page costs the same few queries whatever its length: links and roles come in batches.
    let standing = access::Standing::of(db, &caller).await?;
    let ids: Vec<Uuid> = rows.items.iter().map(|s| s.id).collect();
    let mut links = service::links_of(db, &ids).await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for row in rows.items {
        let links = links.remove(&row.id).unwrap_or_default();
        let roles = standing.roles(&links.authors, &links.units);
        items.push(dto_with(row, links, &roles));
    }
    json_with_etag(
        &req,
        StatusCode::OK,
        &Page {
            items,
            next_cursor: rows.next_cursor,
        },
    )
}

/// One suggestion, with what the caller may do with it now (404 when they have no part in it).
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id")),
    responses(
        (status = 200, description = "The suggestion", body = SuggestionDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_suggestion(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.reader();
    let (row, roles) = access::find(db, &caller, *id).await?;
    json_with_etag(&req, StatusCode::OK, &dto(db, row, &roles).await?)
}

/// The small body for pollers (status, version, updated_at, deadline, overdue) with an ETag:
/// `If-None-Match` answers 304 with no body until something changes.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id")),
    responses(
        (status = 200, description = "The status", body = SuggestionStatusBodyDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/status")]
async fn suggestion_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    // One indexed query: the status poll is the hottest path of the mini-program and the apps.
    let row = access::find_readable(state.db.reader(), &caller, *id).await?;
    let body = SuggestionStatusBodyDto {
        status: row.status.into(),
        version: row.version,
        updated_at: row.updated_at,
        deadline: row.deadline,
        overdue: service::overdue(&row, local_date(crate::clock::now())),
    };
    json_with_etag(&req, StatusCode::OK, &body)
}

/// Every step of a suggestion, oldest first: action, from, to, the role acted in, note, time.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id")),
    responses(
        (status = 200, description = "The events", body = Vec<SuggestionEventDto>),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/events")]
async fn suggestion_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.reader();
    let row = access::find_readable(db, &caller, *id).await?;
    let body: Vec<SuggestionEventDto> = service::events(db, row.id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    json_with_etag(&req, StatusCode::OK, &body)
}

/// Puts a case under supervision (督办: `normal`, or `key` for 重点督办) with a note, or lifts it
/// (`none`): station staff and administrators of the case; a finished case is 422 `case_closed`.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id"), crate::http::idempotency::IdempotencyKey),
    request_body = SuperviseRequest,
    responses(
        (status = 200, description = "The supervised case", body = SuggestionDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/{id}/supervise")]
async fn supervise_suggestion(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<SuperviseRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let note = name::optional("note", body.note.as_deref(), 500)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let row = service::supervise(&state.db, &caller, &client, *id, body.level.into(), note).await?;
    let db = state.db.reader();
    let roles = access::roles_of(db, &caller, &row).await?;
    json_with_etag(&req, StatusCode::OK, &dto(db, row, &roles).await?)
}

/// A co-handling unit's input to the reply (its handlers, while the case is `assigned` or
/// `in_progress`). The lead unit cannot reply before every co-unit has given input (422
/// `co_unit_input_missing`).
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id"), crate::http::idempotency::IdempotencyKey),
    request_body = CoUnitInputRequest,
    responses(
        (status = 200, description = "The case with the input", body = SuggestionDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/{id}/input")]
async fn co_unit_input(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CoUnitInputRequest>,
) -> Result<HttpResponse, ApiError> {
    let text = name::optional("text", Some(&body.into_inner().text), 5000)
        .map_err(|e| ApiError::Validation(vec![e]))?
        .ok_or_else(|| {
            ApiError::validation(
                "text",
                "length",
                crate::i18n::Text::fixed("意见不能为空。", "The input cannot be empty."),
            )
        })?;
    let row = service::co_unit_input(&state.db, &caller, &client, *id, text).await?;
    let db = state.db.reader();
    let roles = access::roles_of(db, &caller, &row).await?;
    json_with_etag(&req, StatusCode::OK, &dto(db, row, &roles).await?)
}

/// Moves a suggestion through the closed loop. The table of (state, action, role) → state is in
/// the suggestions tag's description. An action the state does not allow is 422
/// `invalid_transition` naming the allowed ones; allowed but not for the caller's role 403; a
/// stale `If-Match` 412; of two concurrent transitions exactly one wins (the other 409 or 422).
/// The change, its event and its notifications commit together. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Suggestion id"), crate::http::idempotency::IdempotencyKey),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The suggestion after the transition", body = SuggestionDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 412, response = crate::http::docs::PreconditionFailed),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/{id}/transitions")]
async fn transition_suggestion(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let comment = checks.check(name::optional("comment", body.comment.as_deref(), 2000));
    let reply_text = checks.check(name::optional(
        "reply_text",
        body.reply_text.as_deref(),
        10_000,
    ));
    checks.finish()?;
    let details = Details {
        comment: comment.flatten(),
        lead_unit_id: body.lead_unit_id,
        co_unit_ids: body.co_unit_ids,
        deadline: body.deadline,
        reply_category: body.reply_category.map(Into::into),
        reply_text: reply_text.flatten(),
        rating: body.rating.map(Into::into),
        level: body.level.map(Into::into),
        author_ids: body.author_ids,
    };
    let db = state.db.reader();
    let expected = if req
        .headers()
        .contains_key(actix_web::http::header::IF_MATCH)
    {
        let (current, roles) = access::find(db, &caller, *id).await?;
        let version = current.version;
        check_if_match(&req, &dto(db, current, &roles).await?)?;
        Some(version)
    } else {
        None
    };
    let row = service::transition(
        &state.db,
        &caller,
        &client,
        *id,
        body.action.into(),
        details,
        expected,
    )
    .await?;
    let roles = access::roles_of(db, &caller, &row).await?;
    json_with_etag(&req, StatusCode::OK, &dto(db, row, &roles).await?)
}
