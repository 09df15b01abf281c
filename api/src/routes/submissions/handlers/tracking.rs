//! Reading submissions and following them: the inbox and a voter's own list, one submission,
//! the status poll, the history, the voter's feedback, and `/api/v1/track/{tracking_no}` for
//! those who submitted without an account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::submission::{self, Rating};
use uuid::Uuid;

use super::{ACCESS_CODE_HEADER, dto_of, intake};
use crate::auth::extract::PublicCaller;
use crate::auth::{AuthUser, Role};
use crate::domain::name;
use crate::error::{ApiError, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::json_with_etag;
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::i18n::{Lang, Text};
use crate::routes::submissions::access::{self, Viewer};
use crate::routes::submissions::dto::{
    FeedbackRequest, SubmissionDto, SubmissionFilters, SubmissionStatusBodyDto, TimelineEntryDto,
    TrackedSubmissionDto, timeline_dto,
};
use crate::routes::submissions::service::{self, Filter};
use crate::state::AppState;

const LIST: &str = "submissions";

fn filter_of(f: SubmissionFilters) -> Result<Filter, ApiError> {
    if let (Some(from), Some(to)) = (f.from, f.to)
        && from >= to
    {
        return Err(ApiError::InvalidQuery(vec![FieldError::new(
            "to",
            "range",
            Text::fixed("to 必须晚于 from。", "`to` must be after `from`."),
        )]));
    }
    Ok(Filter {
        status: f.status.map(Into::into),
        station_id: f.station_id,
        region_id: f.region_id,
        channel: f.channel.map(Into::into),
        category: f.category,
        from: f.from,
        to: f.to,
        q: f.q,
    })
}

async fn page_of(
    req: &HttpRequest,
    state: &AppState,
    caller: &AuthUser,
    filter: Filter,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let after = state.cursors.after(LIST, &page)?;
    let db = state.db.reader();
    let rows = service::list(db, caller, &filter, after, page.limit).await?;
    let viewer = match caller.role {
        Role::Voter => Viewer::Owner,
        Role::Deputy => Viewer::Deputy,
        _ => Viewer::Staff,
    };
    let page_rows = state
        .cursors
        .page(LIST, rows, page.limit, |s| (s.created_at, s.id), |s| s);
    let items = service::detailed(db, page_rows.items)
        .await?
        .into_iter()
        .map(|d| SubmissionDto::of(d, viewer))
        .collect();
    json_with_etag(
        req,
        StatusCode::OK,
        &Page {
            items,
            next_cursor: page_rows.next_cursor,
        },
    )
}

/// The inbox: the submissions the caller may see, newest first, filtered. Staff and
/// administrators see their scope (phones masked), a deputy those addressed to them, a voter
/// their own.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(PageParams, SubmissionFilters),
    responses(
        (status = 200, description = "A page of submissions", body = Page<SubmissionDto>),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("/submissions")]
pub(super) async fn list_submissions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    page: PageRequest,
    filters: Query<SubmissionFilters>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_of(filters.into_inner())?;
    page_of(&req, &state, &caller, filter, page).await
}

/// The caller's own submissions (voters), newest first.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of the caller's submissions", body = Page<SubmissionDto>),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("/me/submissions")]
pub(super) async fn my_submissions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Voter])?;
    page_of(&req, &state, &caller, Filter::default(), page).await
}

/// One submission: its voter, staff in scope and the deputy it is addressed to see it (404 for
/// anyone else, including other voters). Staff views are recorded in the audit trail.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The submission", body = SubmissionDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
pub(super) async fn get_submission(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (found, viewer) = access::find(state.db.reader(), &caller, *id).await?;
    if viewer == Viewer::Staff {
        service::record_view(&state.db, &caller, &client, &found).await?;
    }
    let body = dto_of(state.db.reader(), found, viewer).await?;
    json_with_etag(&req, StatusCode::OK, &body)
}

/// The small body for pollers (status, version, updated_at and, once it became part of a case,
/// the case's status) with an ETag: `If-None-Match` answers 304 until something changes, the
/// case included. The same people as the submission itself.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The status", body = SubmissionStatusBodyDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/status")]
pub(super) async fn submission_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service::status_of(state.db.reader(), &caller, *id).await?;
    let body = SubmissionStatusBodyDto::from(found);
    json_with_etag(&req, StatusCode::OK, &body)
}

/// The history of a submission in plain language, oldest first, with the steps of the case it
/// became. Staff also see internal notes and who took each step.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The timeline", body = Vec<TimelineEntryDto>),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/timeline")]
pub(super) async fn submission_timeline(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (found, viewer) = access::find(state.db.reader(), &caller, *id).await?;
    let timeline = service::timeline(state.db.reader(), &found).await?;
    let body = timeline_dto(timeline, Lang::negotiate(&req), viewer == Viewer::Staff);
    json_with_etag(&req, StatusCode::OK, &body)
}

fn feedback_of(body: FeedbackRequest) -> Result<(Rating, Option<String>), ApiError> {
    let comment = name::optional("comment", body.comment.as_deref(), 500)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    Ok((body.rating.into(), comment))
}

/// The voter rates the result of their submission: once, after a result exists (422
/// `no_result_yet` before; 409 `feedback_given` twice).
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Submission id"), crate::http::idempotency::IdempotencyKey),
    request_body = FeedbackRequest,
    responses(
        (status = 200, description = "The submission with its feedback", body = SubmissionDto),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/{id}/feedback")]
pub(super) async fn rate_submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<FeedbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let (rating, comment) = feedback_of(body.into_inner())?;
    let (current, viewer) = access::find(state.db.reader(), &caller, *id).await?;
    if viewer != Viewer::Owner {
        // Only the voter rates; staff seeing it does not make it theirs.
        return Err(ApiError::NotFound);
    }
    let updated = service::feedback(&state.db, &current, rating, comment).await?;
    let body = dto_of(state.db.reader(), updated, viewer).await?;
    json_with_etag(&req, StatusCode::OK, &body)
}

fn access_code_of(req: &HttpRequest) -> Result<String, ApiError> {
    req.headers()
        .get(ACCESS_CODE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map(str::to_owned)
        .ok_or(ApiError::NotFound)
}

async fn tracked(
    req: &HttpRequest,
    state: &AppState,
    found: submission::Model,
) -> Result<TrackedSubmissionDto, ApiError> {
    let tracked = service::tracked(state.db.reader(), found).await?;
    Ok(TrackedSubmissionDto::of(tracked, Lang::negotiate(req)))
}

/// Follows a submission made without an account, with its access code in `X-Access-Code`: the
/// status and a plain-language timeline (no staff names, no internal notes). A wrong number or
/// code is a 404; look-ups are rate-limited per address.
#[utoipa::path(
    tag = "submissions",
    params(
        ("tracking_no" = String, Path, description = "The tracking number, e.g. LL2026-000123"),
        ("X-Access-Code" = String, Header, description = "The access code shown at creation"),
    ),
    responses(
        (status = 200, description = "The submission's status and timeline", body = TrackedSubmissionDto),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 429, response = crate::http::docs::TooManyRequests),
    )
)]
#[get("/{tracking_no}")]
pub(super) async fn track_submission(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    tracking_no: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = access_code_of(&req)?;
    let found = service::track(&state.db, intake(&state), &client, &tracking_no, &code).await?;
    let body = tracked(&req, &state, found).await?;
    let mut response = json_with_etag(&req, StatusCode::OK, &body)?;
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

/// Rates the result of a submission made without an account (with `X-Access-Code`): once,
/// after a result exists.
#[utoipa::path(
    tag = "submissions",
    params(
        ("tracking_no" = String, Path, description = "The tracking number"),
        ("X-Access-Code" = String, Header, description = "The access code shown at creation"),
    ),
    request_body = FeedbackRequest,
    responses(
        (status = 200, description = "The submission's status and timeline", body = TrackedSubmissionDto),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
        (status = 429, response = crate::http::docs::TooManyRequests),
    )
)]
#[post("/{tracking_no}/feedback")]
pub(super) async fn rate_tracked_submission(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    tracking_no: web::Path<String>,
    body: Json<FeedbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let (rating, comment) = feedback_of(body.into_inner())?;
    let code = access_code_of(&req)?;
    let found = service::track(&state.db, intake(&state), &client, &tracking_no, &code).await?;
    let updated = service::feedback(&state.db, &found, rating, comment).await?;
    let body = tracked(&req, &state, updated).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
