//! Reception endpoints: `/api/v1/stations/{id}/reception-rule`, `…/receptions:generate`,
//! `…/receptions:roster`, `…/receptions`; `/api/v1/receptions…`; `/api/v1/receptions:publish`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::checks::{capacity, deputies_per_session, late_reason, place, range, reason, rule_spec};
use super::dto::*;
use super::planning::{self};
use super::records::{self, NewRecord};
use super::service::{self, NewSession, ReceptionQuery, SessionChanges};
use crate::auth::AuthUser;
use crate::auth::extract::{MaybeAuthUser, PublicCaller};
use crate::domain::local_time::parse_hours;
use crate::domain::name::optional;
use crate::domain::{DisplayName, Phone};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{IfMatchHeader, check_if_match, created, json_with_etag};
use crate::http::json::{Json, OptionalJson};
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::i18n::Text;
use crate::state::AppState;

const LIST: &str = "receptions";

/// Routes under `/api/v1/stations`.
pub fn station_routes(cfg: &mut ServiceConfig) {
    cfg.service(get_rule)
        .service(put_rule)
        .service(generate)
        .service(roster)
        .service(create_reception);
}

/// Routes under `/api/v1/receptions`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_receptions)
        .service(get_reception)
        .service(update_reception)
        .service(publish)
        .service(check_in)
        .service(set_attendance)
        .service(create_record)
        .service(list_records);
}

/// Routes directly under `/api/v1`.
pub fn range_routes(cfg: &mut ServiceConfig) {
    cfg.service(publish_range);
}

/// A station's reception rule. Public.
#[utoipa::path(
    tag = "receptions",
    params(("id" = Uuid, Path, description = "Station id")),
    responses(
        (status = 200, description = "The rule", body = ReceptionRuleDto),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/reception-rule")]
async fn get_rule(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rule = planning::get_rule(state.db.reader(), id.into_inner()).await?;
    json_with_etag(&req, StatusCode::OK, &rule_dto(&rule))
}

/// Sets a station's reception rule (its staff, or administrators in scope). Sessions already
/// generated change only when generated again.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id")),
    request_body = ReceptionRuleRequest,
    responses(
        (status = 200, description = "The stored rule", body = ReceptionRuleDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[put("/{id}/reception-rule")]
async fn put_rule(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ReceptionRuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let spec = rule_spec(body.into_inner())?;
    let rule = planning::put_rule(&state.db, &caller, &client, id.into_inner(), spec).await?;
    json_with_etag(&req, StatusCode::OK, &rule_dto(&rule))
}

/// Generates the sessions the station's rule implies from `from` to `to` (at most a year), as
/// drafts. Days off are postponed or skipped by the rule's policy, using the holiday calendar
/// (`calendar_fallback_years` names years without one). Generating again creates nothing new.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id")),
    request_body = DateRangeRequest,
    responses(
        (status = 200, description = "What was generated", body = GenerateResultDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/receptions:generate")]
async fn generate(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<DateRangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let span = range(body.from, body.to)?;
    let out = planning::generate(&state.db, &caller, &client, id.into_inner(), span).await?;
    let dto = GenerateResultDto {
        created: out.created,
        updated: out.updated,
        unchanged: out.unchanged,
        postponed: out
            .postponed
            .into_iter()
            .map(|(rule_day, date, reception_id)| PostponedDto {
                rule_day,
                date,
                reception_id,
            })
            .collect(),
        skipped: out.skipped.iter().map(skipped_dto).collect(),
        calendar_fallback_years: out.fallback_years,
    };
    Ok(HttpResponse::Ok().json(dto))
}

/// Fills the station's empty future drafts from `from` to `to` with its stationed deputies,
/// rotating fairly: over the span every deputy's duties differ by at most one, as far as their
/// stationing and other duties allow.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id")),
    request_body = DateRangeRequest,
    responses(
        (status = 200, description = "The roster", body = RosterResultDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/receptions:roster")]
async fn roster(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<DateRangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let span = range(body.from, body.to)?;
    let out = planning::roster(&state.db, &caller, &client, id.into_inner(), span).await?;
    let dto = RosterResultDto {
        filled: out.filled.iter().map(reception_dto).collect(),
        short: out
            .short
            .into_iter()
            .map(|(r, needed, assigned)| ShortSessionDto {
                reception_id: r.id,
                date: r.day,
                needed,
                assigned,
            })
            .collect(),
        counts: out
            .counts
            .into_iter()
            .map(|(d, duties)| DutyCountDto {
                deputy_id: d.id,
                name: d.name,
                duties,
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(dto))
}

/// Adds a session by hand, as a draft (an extra reception day, or a changed one).
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Station id"), crate::http::idempotency::IdempotencyKey),
    request_body = CreateReceptionRequest,
    responses(
        (status = 201, description = "Created", body = ReceptionDto, headers(("Location" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/receptions")]
async fn create_reception(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CreateReceptionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let hours = checks.check(parse_hours("hours", &body.hours.starts, &body.hours.ends));
    let place = checks.check(place(body.place.as_deref())).flatten();
    let capacity = checks.check(body.capacity.map(|c| capacity("capacity", c)).transpose());
    let deputies = checks.check(deputies_per_session(body.deputies_per_session));
    checks.finish()?;
    let (starts, ends) = hours.unwrap_or_default();
    let new = NewSession {
        day: body.date,
        starts,
        ends,
        place,
        capacity: capacity.flatten(),
        deputies: deputies.flatten(),
        deputy_ids: body.deputy_ids,
    };
    let view = service::create(&state.db, &caller, &client, id.into_inner(), new).await?;
    created(
        &req,
        &format!("/api/v1/receptions/{}", view.reception.id),
        &reception_dto(&view),
    )
}

/// Reception sessions by start time. Public callers see published sessions (and those
/// cancelled after publication), with the deputies on duty and the seats left; staff also see
/// their stations' drafts.
#[utoipa::path(
    tag = "receptions",
    params(ReceptionFilters, PageParams),
    responses(
        (status = 200, description = "A page of sessions", body = Page<ReceptionDto>, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = crate::http::docs::BadRequest),
    )
)]
#[get("")]
async fn list_receptions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    filters: Query<ReceptionFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let f = filters.into_inner();
    let after = state.cursors.after(LIST, &page)?;
    let query = ReceptionQuery {
        station_id: f.station_id,
        deputy_id: f.deputy_id,
        region_id: f.region_id,
        from: f.from,
        to: f.to,
        status: f.status.map(Into::into),
    };
    let rows = service::list(
        state.db.reader(),
        caller.0.as_ref(),
        query,
        after,
        page.limit,
    )
    .await?;
    let page = state.cursors.page(
        LIST,
        rows,
        page.limit,
        |v| (v.reception.starts_at, v.reception.id),
        |v| reception_dto(&v),
    );
    json_with_etag(&req, StatusCode::OK, &page)
}

/// One session.
#[utoipa::path(
    tag = "receptions",
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = ReceptionDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_reception(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(state.db.reader(), caller.0.as_ref(), id.into_inner()).await?;
    json_with_etag(&req, StatusCode::OK, &reception_dto(&view))
}

/// Sets the deputies on duty, the hours, place or capacity of a session that has not started,
/// or cancels it (`status: cancelled` with a `cancel_reason`: its bookings are cancelled and
/// the voters told). A deputy on duty must be active, stationed at the station that day, and
/// free at that time. Reminders follow every change.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id"), IfMatchHeader),
    request_body = UpdateReceptionRequest,
    responses(
        (status = 200, description = "Updated", body = ReceptionDto, headers(("ETag" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 412, response = crate::http::docs::PreconditionFailed),
    )
)]
#[patch("/{id}")]
async fn update_reception(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateReceptionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let hours = body
        .hours
        .as_ref()
        .and_then(|h| checks.check(parse_hours("hours", &h.starts, &h.ends)));
    let place = checks.check(place(body.place.as_deref())).flatten();
    let capacity = checks
        .check(body.capacity.map(|c| capacity("capacity", c)).transpose())
        .flatten();
    let cancel = match body.status {
        None => {
            if body.cancel_reason.is_some() {
                checks.fail(FieldError::new(
                    "cancel_reason",
                    "without_cancel",
                    Text::fixed(
                        "只有取消接待日时才填写 cancel_reason。",
                        "cancel_reason goes with status: cancelled.",
                    ),
                ));
            }
            None
        }
        Some(ReceptionStatusDto::Cancelled) => match body.cancel_reason.as_deref() {
            Some(r) => checks.check(reason("cancel_reason", r)),
            None => {
                checks.fail(FieldError::new(
                    "cancel_reason",
                    "required",
                    Text::fixed(
                        "取消接待日须说明原因。",
                        "Say why the session is cancelled.",
                    ),
                ));
                None
            }
        },
        Some(_) => {
            checks.fail(FieldError::new(
                "status",
                "invalid_transition",
                Text::fixed(
                    "这里只能取消接待日；公示请用 publish。",
                    "Only `cancelled` can be set here; publish with the publish endpoint.",
                ),
            ));
            None
        }
    };
    let cancelling = cancel.is_some();
    if cancelling
        && (body.deputy_ids.is_some() || hours.is_some() || place.is_some() || capacity.is_some())
    {
        checks.fail(FieldError::new(
            "status",
            "cancel_alone",
            Text::fixed(
                "取消时不能同时修改其他内容。",
                "A cancellation changes nothing else.",
            ),
        ));
    }
    checks.finish()?;
    let changes = SessionChanges {
        deputy_ids: body.deputy_ids,
        hours,
        place,
        capacity,
        cancel,
    };
    let view = service::update(
        &state.db,
        &caller,
        &client,
        id.into_inner(),
        changes,
        |current| check_if_match(&req, &reception_dto(current)),
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &reception_dto(&view))
}

/// Publishes a session's roster (公示). It needs its minimum of deputies on duty (else 422
/// `roster_short`), and, when it starts in less than three days, a `late_reason` (else 422
/// `late_reason_required`), which is kept and counted. The body may be left out.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    request_body(content = PublishRequest, description = "Optional"),
    responses(
        (status = 200, description = "Published (or already was)", body = ReceptionDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/publish")]
async fn publish(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: OptionalJson<PublishRequest>,
) -> Result<HttpResponse, ApiError> {
    let late = late_reason(body.0.late_reason.as_deref())?;
    let view = service::publish(&state.db, &caller, &client, id.into_inner(), late).await?;
    json_with_etag(&req, StatusCode::OK, &reception_dto(&view))
}

/// Publishes every draft of a station from `from` to `to` (at most a year), all or none.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    request_body = PublishRangeRequest,
    responses(
        (status = 200, description = "The sessions published", body = PublishRangeResultDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/receptions:publish")]
async fn publish_range(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: Json<PublishRangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let span = range(body.from, body.to)?;
    let late = late_reason(body.late_reason.as_deref())?;
    let (views, late) =
        service::publish_range(&state.db, &caller, &client, body.station_id, span, late).await?;
    Ok(HttpResponse::Ok().json(PublishRangeResultDto {
        published: views.iter().map(reception_dto).collect(),
        late,
    }))
}

/// A deputy on duty signs in (签到), from 30 minutes before the start to the end. Signing in
/// again answers with the first sign-in.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "Signed in", body = CheckInDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/check-in")]
async fn check_in(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let duty = service::check_in(&state.db, &caller, &client, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(CheckInDto {
        reception_id: duty.reception_id,
        deputy_id: duty.deputy_id,
        checked_in_at: duty.checked_in_at.unwrap_or_default(),
    }))
}

/// Staff record a deputy's attendance by hand, with a reason kept in the audit trail (a sign-in
/// the deputy could not make, or an absence).
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Session id"),
        ("deputy_id" = Uuid, Path, description = "A deputy on duty"),
    ),
    request_body = AttendanceRequest,
    responses(
        (status = 200, description = "The session with its attendance", body = ReceptionDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[put("/{id}/attendance/{deputy_id}")]
async fn set_attendance(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<AttendanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let why = checks.check(reason("reason", &body.reason));
    if body.present && body.excused {
        checks.fail(FieldError::new(
            "excused",
            "excused_but_present",
            Text::fixed("出席的代表无需请假。", "Only an absence can be excused."),
        ));
    }
    checks.finish()?;
    let view = service::set_attendance(
        &state.db,
        &caller,
        &client,
        path.into_inner(),
        body.present,
        body.excused,
        why.unwrap_or_default(),
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &reception_dto(&view))
}

/// Records a reception (接待记录): how many came, who (optional personal data), what each raised
/// and what was done. By the station's staff or a deputy on duty, once the session has begun.
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id"), crate::http::idempotency::IdempotencyKey),
    request_body = RecordRequest,
    responses(
        (status = 201, description = "Recorded", body = RecordDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/records")]
async fn create_record(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<RecordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    if !(0..=10_000).contains(&body.visitor_count) {
        checks.fail(FieldError::new(
            "visitor_count",
            "range",
            Text::fixed(
                "来访人数必须在 0 到 10000 之间。",
                "Must be from 0 to 10,000.",
            ),
        ));
    }
    let mut visitors = Vec::new();
    for (i, v) in body.visitors.iter().enumerate() {
        let name = checks.check(DisplayName::parse(
            &format!("visitors[{i}].name"),
            &v.name,
            50,
        ));
        let phone = checks.check(
            v.phone
                .as_deref()
                .map(|p| Phone::parse(&format!("visitors[{i}].phone"), p))
                .transpose(),
        );
        if let (Some(name), Some(phone)) = (name, phone) {
            visitors.push((name.into_inner(), phone.map(|p| p.as_str().to_owned())));
        }
    }
    let mut items = Vec::new();
    for (i, item) in body.items.iter().enumerate() {
        let raised = checks.check(DisplayName::parse(
            &format!("items[{i}].raised"),
            &item.raised,
            2000,
        ));
        let action = checks.check(optional(
            &format!("items[{i}].action_taken"),
            item.action_taken.as_deref(),
            2000,
        ));
        if let (Some(raised), Some(action)) = (raised, action) {
            items.push((raised.into_inner(), action));
        }
    }
    let feedback = checks
        .check(optional("feedback", body.feedback.as_deref(), 2000))
        .flatten();
    checks.finish()?;
    let new = NewRecord {
        visitor_count: i32::try_from(body.visitor_count).unwrap_or(0),
        visitors,
        items,
        feedback,
    };
    let view = records::create(&state.db, &caller, &client, id.into_inner(), new).await?;
    let location = format!("/api/v1/receptions/{}/records", view.record.reception_id);
    created(&req, &location, &record_dto(view))
}

/// The records of a session, oldest first (its staff, administrators in scope, deputies on
/// duty). Visitors' phones are masked.
#[utoipa::path(
    tag = "receptions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The records", body = [RecordDto]),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/records")]
async fn list_records(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let list = records::list(state.db.reader(), &caller, id.into_inner()).await?;
    let body: Vec<RecordDto> = list.into_iter().map(record_dto).collect();
    json_with_etag(&req, StatusCode::OK, &body)
}
