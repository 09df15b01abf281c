//! `/api/v1/submissions`, `/api/v1/me/submissions`, `/api/v1/track/{tracking_no}`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::submission::{self, Rating, SubmissionChannel, SubmissionStatus};
use entity::{attachment, category, submission_event};
use sea_orm::ActiveEnum;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::access::{self, Viewer};
use super::dto::*;
use super::service::{self, Created, Filter, Idempotency, NewSubmission, Submitter, Triage};
use crate::auth::extract::{MaybeAuthUser, PublicCaller};
use crate::auth::{AuthUser, Role};
use crate::domain::{Coordinates, DisplayName, Phone, name};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{check_if_match, created, json_with_etag};
use crate::http::idempotency::{REPLAYED, parse_key, request_hash};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::http::wire::LocationDto;
use crate::i18n::{Lang, Text};
use crate::state::AppState;

const LIST: &str = "submissions";

/// A create body as sent, checked field by field in `check_new` (so that fields clients may not
/// set get their own error rather than "unknown field").
#[derive(Debug, serde::Deserialize)]
#[serde(transparent)]
pub struct RawBody(serde_json::Value);

impl validator::Validate for RawBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}
/// `POST /api/v1/intake/tickets`, for machine clients with `write:tickets`.
pub fn intake_routes(cfg: &mut ServiceConfig) {
    cfg.service(create_ticket);
}

/// The header that carries an anonymous submission's access code.
pub const ACCESS_CODE_HEADER: &str = "x-access-code";

/// Create and inbox, registered under `/api/v1` before the `/submissions` scope (a create keeps
/// its own idempotency record, which may hold the access code; see `service::create`).
pub fn collection_routes(cfg: &mut ServiceConfig) {
    cfg.service(create_submission)
        .service(list_submissions)
        .service(my_submissions);
}

/// Routes under `/api/v1/submissions` (behind the shared `Idempotency-Key` middleware).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_submission)
        .service(submission_status)
        .service(submission_timeline)
        .service(triage_submission)
        .service(rate_submission)
        .service(reveal_contact);
}

/// Routes under `/api/v1/track`.
pub fn track_routes(cfg: &mut ServiceConfig) {
    cfg.service(track_submission)
        .service(rate_tracked_submission);
}

pub fn channel_dto(c: SubmissionChannel) -> SubmissionChannelDto {
    match c {
        SubmissionChannel::Miniapp => SubmissionChannelDto::Miniapp,
        SubmissionChannel::Qr => SubmissionChannelDto::Qr,
        SubmissionChannel::Mailbox => SubmissionChannelDto::Mailbox,
        SubmissionChannel::Reception => SubmissionChannelDto::Reception,
        SubmissionChannel::Phone => SubmissionChannelDto::Phone,
        SubmissionChannel::Observer => SubmissionChannelDto::Observer,
        SubmissionChannel::Hotline => SubmissionChannelDto::Hotline,
        SubmissionChannel::Visit => SubmissionChannelDto::Visit,
        SubmissionChannel::Platform => SubmissionChannelDto::Platform,
    }
}

fn channel_of(c: SubmissionChannelDto) -> SubmissionChannel {
    match c {
        SubmissionChannelDto::Miniapp => SubmissionChannel::Miniapp,
        SubmissionChannelDto::Qr => SubmissionChannel::Qr,
        SubmissionChannelDto::Mailbox => SubmissionChannel::Mailbox,
        SubmissionChannelDto::Reception => SubmissionChannel::Reception,
        SubmissionChannelDto::Phone => SubmissionChannel::Phone,
        SubmissionChannelDto::Observer => SubmissionChannel::Observer,
        SubmissionChannelDto::Hotline => SubmissionChannel::Hotline,
        SubmissionChannelDto::Visit => SubmissionChannel::Visit,
        SubmissionChannelDto::Platform => SubmissionChannel::Platform,
    }
}

pub fn status_dto(s: SubmissionStatus) -> SubmissionStatusDto {
    match s {
        SubmissionStatus::Received => SubmissionStatusDto::Received,
        SubmissionStatus::InReview => SubmissionStatusDto::InReview,
        SubmissionStatus::Answered => SubmissionStatusDto::Answered,
        SubmissionStatus::Converted => SubmissionStatusDto::Converted,
        SubmissionStatus::Referred => SubmissionStatusDto::Referred,
        SubmissionStatus::Declined => SubmissionStatusDto::Declined,
        SubmissionStatus::Closed => SubmissionStatusDto::Closed,
    }
}

fn status_of(s: SubmissionStatusDto) -> SubmissionStatus {
    match s {
        SubmissionStatusDto::Received => SubmissionStatus::Received,
        SubmissionStatusDto::InReview => SubmissionStatus::InReview,
        SubmissionStatusDto::Answered => SubmissionStatus::Answered,
        SubmissionStatusDto::Converted => SubmissionStatus::Converted,
        SubmissionStatusDto::Referred => SubmissionStatus::Referred,
        SubmissionStatusDto::Declined => SubmissionStatus::Declined,
        SubmissionStatusDto::Closed => SubmissionStatus::Closed,
    }
}

fn rating_dto(r: Rating) -> RatingDto {
    match r {
        Rating::Satisfied => RatingDto::Satisfied,
        Rating::BasicallySatisfied => RatingDto::BasicallySatisfied,
        Rating::Dissatisfied => RatingDto::Dissatisfied,
    }
}

fn rating_of(r: RatingDto) -> Rating {
    match r {
        RatingDto::Satisfied => Rating::Satisfied,
        RatingDto::BasicallySatisfied => Rating::BasicallySatisfied,
        RatingDto::Dissatisfied => Rating::Dissatisfied,
    }
}

fn category_ref(c: &category::Model) -> CategoryRefDto {
    CategoryRefDto {
        id: c.id,
        code: c.code.clone(),
        name: c.name.clone(),
    }
}

fn feedback_dto(s: &submission::Model) -> Option<FeedbackDto> {
    match (s.feedback_rating, s.feedback_at) {
        (Some(rating), Some(at)) => Some(FeedbackDto {
            rating: rating_dto(rating),
            comment: s.feedback_comment.clone(),
            at,
        }),
        _ => None,
    }
}

/// The DTOs of `rows` as `viewer` sees them, with their categories and photos.
pub async fn dtos(
    db: &impl sea_orm::ConnectionTrait,
    rows: Vec<submission::Model>,
    viewer: Viewer,
) -> Result<Vec<SubmissionDto>, ApiError> {
    let categories: HashMap<Uuid, category::Model> =
        service::categories_of(db, rows.iter().map(|r| r.category_id))
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let cases: HashMap<Uuid, (Uuid, String)> =
        crate::routes::suggestions::service::cases_of(db, &ids).await?;
    let mut photos: HashMap<Uuid, Vec<attachment::Model>> = HashMap::new();
    for a in service::attachments_of(db, &ids).await? {
        if let Some(owner) = a.submission_id {
            photos.entry(owner).or_default().push(a);
        }
    }
    rows.into_iter()
        .map(|s| {
            let category = categories
                .get(&s.category_id)
                .map(category_ref)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("category missing")))?;
            let hide_submitter = viewer == Viewer::Deputy && s.anonymous;
            Ok(SubmissionDto {
                id: s.id,
                tracking_no: s.tracking_no.clone(),
                channel: channel_dto(s.channel),
                status: status_dto(s.status),
                title: s.title.clone(),
                content: s.content.clone(),
                category,
                station_id: s.station_id,
                deputy_id: s.deputy_id,
                region_id: s.region_id,
                address: s.address.clone(),
                location: match (s.latitude, s.longitude) {
                    (Some(latitude), Some(longitude)) => Some(LocationDto {
                        latitude,
                        longitude,
                    }),
                    _ => None,
                },
                contact_name: s.contact_name.clone().filter(|_| !hide_submitter),
                contact_phone: s
                    .contact_phone
                    .as_deref()
                    .filter(|_| !hide_submitter)
                    .map(|p| {
                        if viewer == Viewer::Owner {
                            p.to_owned()
                        } else {
                            Phone::mask(p)
                        }
                    }),
                anonymous: s.anonymous,
                consent_personal_info: s.consent_personal_info,
                consent_public: s.consent_public,
                attachments: photos
                    .remove(&s.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| AttachmentRefDto {
                        id: a.id,
                        mime: a.mime,
                        width: a.width,
                        height: a.height,
                        url: format!("/api/v1/attachments/{}", a.id),
                    })
                    .collect(),
                reception_record_item_id: s.reception_record_item_id,
                result_note: s.result_note.clone(),
                referred_to: s.referred_to.clone(),
                feedback: feedback_dto(&s),
                erased: s.erased_at.is_some(),
                suggestion_id: cases.get(&s.id).map(|c| c.0),
                suggestion_status: cases.get(&s.id).map(|c| c.1.clone()),
                external_id: s.external_id.clone(),
                version: s.version,
                created_at: s.created_at,
                updated_at: s.updated_at,
            })
        })
        .collect()
}

async fn dto(
    db: &impl sea_orm::ConnectionTrait,
    row: submission::Model,
    viewer: Viewer,
) -> Result<SubmissionDto, ApiError> {
    dtos(db, vec![row], viewer)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no DTO")))
}

fn intake(state: &AppState) -> service::Intake<'_> {
    service::Intake {
        access_key: &state.access_key,
        limits: &state.rate_limits,
    }
}

fn not_settable(field: &str) -> FieldError {
    FieldError::new(
        field,
        "not_settable",
        Text::fixed(
            "该字段由系统设置，不能提交。",
            "This field is set by the service, not by clients.",
        ),
    )
}

/// Checks a create body for `submitter`.
fn check_new(raw: &serde_json::Value, staff: bool) -> Result<NewSubmission, ApiError> {
    let mut checks = Checks::default();
    if let Some(object) = raw.as_object() {
        for field in ["status", "voter_id", "tracking_no", "id", "access_code"] {
            if object.contains_key(field) {
                checks.fail(not_settable(field));
            }
        }
        if !staff {
            for field in ["channel", "reception_record_item_id"] {
                if object.contains_key(field) {
                    checks.fail(not_settable(field));
                }
            }
        }
    }
    checks.finish()?;
    let mut object = raw.clone();
    if let Some(o) = object.as_object_mut() {
        for field in ["status", "voter_id", "tracking_no", "id", "access_code"] {
            o.remove(field);
        }
    }
    let body: CreateSubmissionRequest =
        crate::http::json::decode(&serde_json::to_vec(&object).map_err(ApiError::internal)?)?;
    let mut checks = Checks::default();
    let title =
        checks.check(DisplayName::parse("title", &body.title, 60).map(DisplayName::into_inner));
    let content = checks.check(text("content", &body.content, 2000));
    let address = checks.check(name::optional("address", body.address.as_deref(), 200));
    let contact_name = checks.check(name::optional(
        "contact_name",
        body.contact_name.as_deref(),
        50,
    ));
    let contact_phone = match body
        .contact_phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(raw) => {
            checks.check(Phone::parse("contact_phone", raw).map(|p| Some(p.as_str().to_owned())))
        }
        None => Some(None),
    };
    let location = match &body.location {
        Some(l) => match Coordinates::new("location", l.latitude, l.longitude) {
            Ok(c) => Some((c.latitude, c.longitude)),
            Err(errors) => {
                for e in errors {
                    checks.fail(e);
                }
                None
            }
        },
        None => None,
    };
    if body.attachment_ids.len() > service::MAX_ATTACHMENTS {
        checks.fail(FieldError::new(
            "attachment_ids",
            "too_many",
            Text::new(
                format!("最多 {} 张图片。", service::MAX_ATTACHMENTS),
                format!("At most {} photos.", service::MAX_ATTACHMENTS),
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if body.attachment_ids.iter().any(|id| !seen.insert(*id)) {
        checks.fail(FieldError::new(
            "attachment_ids",
            "duplicate",
            Text::fixed("同一张图片出现了两次。", "The same photo is listed twice."),
        ));
    }
    let has_contact =
        matches!(&contact_name, Some(Some(_))) || matches!(&contact_phone, Some(Some(_)));
    if has_contact && !body.consent_personal_info {
        checks.fail(FieldError::new(
            "consent_personal_info",
            "consent_required",
            Text::fixed(
                "留下姓名或电话时，须同意个人信息的处理。",
                "Consent to the handling of personal information is required with a name or phone.",
            ),
        ));
    }
    if staff {
        match body.channel {
            Some(
                SubmissionChannelDto::Miniapp
                | SubmissionChannelDto::Qr
                | SubmissionChannelDto::Platform,
            ) => checks.fail(FieldError::new(
                "channel",
                "not_settable",
                Text::fixed(
                    "miniapp、qr 和 platform 渠道由系统设置。",
                    "The miniapp, qr and platform channels are set by the service.",
                ),
            )),
            None => checks.fail(FieldError::new(
                "channel",
                "required",
                Text::fixed(
                    "请注明意见的来源渠道。",
                    "Name the channel it came in through.",
                ),
            )),
            Some(_) => {}
        }
    }
    checks.finish()?;
    let (Some(title), Some(content), Some(address), Some(contact_name), Some(contact_phone)) =
        (title, content, address, contact_name, contact_phone)
    else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "checked fields missing"
        )));
    };
    Ok(NewSubmission {
        title,
        content,
        category: body.category,
        station_id: body.station_id,
        deputy_id: body.deputy_id,
        qr_code: body.qr_code.filter(|c| !c.trim().is_empty()),
        address,
        location,
        contact_name,
        contact_phone,
        attachment_ids: body.attachment_ids,
        anonymous: body.anonymous,
        consent_personal_info: body.consent_personal_info,
        consent_public: body.consent_public,
        channel: body.channel.map(channel_of),
        reception_record_item_id: body.reception_record_item_id,
    })
}

/// Multi-line text: trimmed, not blank, at most `max` characters as sent (as the contract
/// counts), no control characters but line breaks.
fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || raw.chars().count() > max {
        return Err(FieldError::new(
            field,
            "length",
            Text::new(
                format!("长度必须在 1 到 {max} 个字符之间。"),
                format!("Must be 1 to {max} characters long."),
            ),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "invalid_format",
            Text::fixed("不能包含控制字符。", "May not contain control characters."),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Submits an opinion (选民意见). A voter (token) or anyone without a token (who gets an
/// access code, shown once) sends one from the mini-program; staff enter those from other
/// channels with `channel`. A retry with the same `Idempotency-Key` returns the same submission
/// (and the same access code) with `Idempotent-Replayed: true`; the same key with another body
/// is a 422. The answer lists up to five similar open submissions.
#[utoipa::path(
    tag = "submissions",
    security((), ("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body = CreateSubmissionRequest,
    responses(
        (status = 201, description = "Received", body = CreatedSubmissionDto, headers(("Location" = String))),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
        (status = 429, response = crate::http::docs::TooManyRequests),
    )
)]
#[post("/submissions")]
async fn create_submission(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    body: Json<RawBody>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.into_inner().0;
    let submitter = match &caller.0 {
        None => Submitter::Anonymous,
        Some(user) if user.role == Role::Voter => Submitter::Voter(user),
        Some(user) if user.role == Role::UnitHandler => {
            return Err(ApiError::Forbidden(Text::fixed(
                "承办单位不能提交意见。",
                "Handling units do not submit opinions.",
            )));
        }
        Some(user) => Submitter::Staff(user),
    };
    let new = check_new(&raw, matches!(submitter, Submitter::Staff(_)))?;
    let idempotency = if req.headers().contains_key(crate::http::idempotency::HEADER) {
        let key = parse_key(req.headers())?;
        let canonical = serde_json::to_vec(&raw).map_err(ApiError::internal)?;
        Some(Idempotency {
            key,
            request_hash: request_hash("POST", req.path(), req.query_string(), &canonical),
        })
    } else {
        None
    };
    let Created {
        submission,
        access_code,
        replayed,
    } = service::create(
        &state.db,
        intake(&state),
        submitter,
        &client,
        new,
        idempotency,
    )
    .await?;
    let staff = matches!(submitter, Submitter::Staff(_));
    let similar = service::similar(state.db.reader(), &submission)
        .await?
        .into_iter()
        .filter(|(s, _)| staff || (s.consent_public && !s.anonymous))
        .map(|(s, score)| SimilarDto {
            id: staff.then_some(s.id),
            tracking_no: s.tracking_no,
            title: s.title,
            status: status_dto(s.status),
            score: (score * 1000.0).round() / 1000.0,
            created_at: s.created_at,
        })
        .collect();
    let viewer = if staff { Viewer::Staff } else { Viewer::Owner };
    let body = CreatedSubmissionDto {
        submission: dto(state.db.reader(), submission, viewer).await?,
        access_code,
        similar,
    };
    let mut response = created(
        &req,
        &format!("/api/v1/submissions/{}", body.submission.id),
        &body,
    )?;
    // An access code must never sit in a cache.
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    if replayed {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static(REPLAYED),
            actix_web::http::header::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

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
        status: f.status.map(status_of),
        station_id: f.station_id,
        region_id: f.region_id,
        channel: f.channel.map(channel_of),
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
    let items = dtos(db, page_rows.items, viewer).await?;
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
async fn list_submissions(
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
async fn my_submissions(
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
async fn get_submission(
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
    let body = dto(state.db.reader(), found, viewer).await?;
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
async fn submission_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service::status_of(state.db.reader(), &caller, *id).await?;
    let body = SubmissionStatusBodyDto {
        status: status_dto(found.status),
        version: found.version,
        updated_at: found
            .case_updated_at
            .map_or(found.updated_at, |at| at.max(found.updated_at)),
        suggestion_status: found.case_status,
    };
    json_with_etag(&req, StatusCode::OK, &body)
}

fn message_of(kind: &str, lang: Lang) -> String {
    let (zh, en) = match kind {
        "received" => (
            "已收到您的意见，正在等待处理。",
            "Your submission was received.",
        ),
        "review" => (
            "工作人员正在核实您反映的问题。",
            "Staff are looking into it.",
        ),
        "answer" => (
            "已就您反映的问题作出解释说明。",
            "An explanation was given.",
        ),
        "refer" => (
            "已转交相关部门办理。",
            "It was referred to the competent body.",
        ),
        "decline" => (
            "该意见不予受理，原因见说明。",
            "It was not taken up; see the reason.",
        ),
        "close" => ("已办结。", "It was closed."),
        "converted" => (
            "已转为代表建议或交办事项。",
            "It became a suggestion to be handled.",
        ),
        "feedback" => ("已收到您的评价。", "Your feedback was recorded."),
        "erased" => (
            "提交人的个人信息已按其要求删除。",
            "The submitter's personal data was erased.",
        ),
        _ => ("处理状态有更新。", "Its status changed."),
    };
    match lang {
        Lang::ZhCn => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn timeline_of(
    events: Vec<submission_event::Model>,
    lang: Lang,
    staff: bool,
) -> Vec<TimelineEntryDto> {
    events
        .into_iter()
        .map(|e| TimelineEntryDto {
            message: message_of(&e.kind, lang),
            status: status_dto(e.status),
            at: e.at,
            note: e.public_note,
            internal_note: if staff {
                e.details
                    .get("internal_note")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            } else {
                None
            },
            actor_id: if staff { e.actor_id } else { None },
            kind: e.kind,
        })
        .collect()
}

/// A step of the case a submission became, in plain language for the voter: no staff, no
/// unit or deputy names, no internal comments; the reply's text is the voter's to read.
fn case_step(e: &entity::suggestion_event::Model, lang: Lang) -> Option<TimelineEntryDto> {
    let (zh, en, note): (&str, &str, Option<String>) =
        match (e.action.as_str(), e.to_status.to_value().as_str()) {
            ("assign", _) => ("已交办承办单位办理。", "Assigned to a handling unit.", None),
            ("acknowledge", _) => (
                "承办单位已签收，正在办理。",
                "The unit took it on and is working on it.",
                None,
            ),
            ("decline_jurisdiction", _) => (
                "正在重新确定承办单位。",
                "A competent unit is being found.",
                None,
            ),
            ("reply", _) => (
                "承办单位已答复，请评价。",
                "The unit replied; please rate the reply.",
                e.details
                    .get("reply_text")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
            ),
            ("rate", "closed") => ("已办结。", "It was closed.", None),
            ("rate", _) => (
                "因有群众不满意，已重新办理。",
                "A voter was not satisfied; it is being handled again.",
                None,
            ),
            ("supervise", _) => ("已列入督办。", "It is under supervision.", None),
            ("escalate", _) => (
                "已作为代表建议提交上级人大。",
                "It went to a higher congress as a deputy suggestion.",
                None,
            ),
            _ => return None,
        };
    Some(TimelineEntryDto {
        kind: format!("case_{}", e.action),
        status: SubmissionStatusDto::Converted,
        at: e.at,
        message: match lang {
            Lang::ZhCn => zh.to_owned(),
            Lang::En => en.to_owned(),
        },
        note,
        internal_note: None,
        actor_id: None,
    })
}

/// The submission's own steps, then those of the case it joined (from when it joined).
async fn full_timeline(
    db: &impl sea_orm::ConnectionTrait,
    found: &submission::Model,
    lang: Lang,
    staff: bool,
) -> Result<Vec<TimelineEntryDto>, ApiError> {
    let mut steps = timeline_of(service::events(db, found.id).await?, lang, staff);
    if let Some(link) =
        <entity::suggestion_source::Entity as sea_orm::EntityTrait>::find_by_id(found.id)
            .one(db)
            .await?
    {
        let case_steps =
            crate::routes::suggestions::service::events(db, link.suggestion_id).await?;
        steps.extend(
            case_steps
                .iter()
                .filter(|e| e.at >= link.linked_at)
                .filter_map(|e| case_step(e, lang)),
        );
        steps.sort_by_key(|s| s.at);
    }
    Ok(steps)
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
async fn submission_timeline(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (found, viewer) = access::find(state.db.reader(), &caller, *id).await?;
    let body = full_timeline(
        state.db.reader(),
        &found,
        Lang::negotiate(&req),
        viewer == Viewer::Staff,
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &body)
}

fn triage_of(body: TriageRequest) -> Result<(Triage, Option<String>), ApiError> {
    let mut checks = Checks::default();
    let note = checks.check(name::optional("note", body.note.as_deref(), 2000));
    let referred_to = checks.check(name::optional(
        "referred_to",
        body.referred_to.as_deref(),
        200,
    ));
    let internal = checks.check(name::optional(
        "internal_note",
        body.internal_note.as_deref(),
        2000,
    ));
    checks.finish()?;
    let (Some(note), Some(referred_to), Some(internal)) = (note, referred_to, internal) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "checked fields missing"
        )));
    };
    let required = |field: &str| {
        ApiError::validation(
            field,
            "required",
            Text::fixed("此操作须填写该字段。", "This action needs this field."),
        )
    };
    let step = match body.action {
        TriageActionDto::Review => Triage::Review,
        TriageActionDto::Answer => Triage::Answer {
            note: note.ok_or_else(|| required("note"))?,
        },
        TriageActionDto::Refer => Triage::Refer {
            to: referred_to.ok_or_else(|| required("referred_to"))?,
            note,
        },
        TriageActionDto::Decline => Triage::Decline {
            reason: note.ok_or_else(|| required("note"))?,
        },
        TriageActionDto::Close => Triage::Close,
        TriageActionDto::Convert => {
            let kind = body
                .kind
                .map(crate::domain::suggestion_flow::Kind::from)
                .unwrap_or(crate::domain::suggestion_flow::Kind::StationCase);
            let level = match (kind, body.level) {
                (crate::domain::suggestion_flow::Kind::DeputySuggestion, None) => {
                    return Err(required("level"));
                }
                (_, level) => level.map(Into::into),
            };
            Triage::Convert { kind, level }
        }
        TriageActionDto::Merge => Triage::Merge {
            suggestion_id: body
                .suggestion_id
                .ok_or_else(|| required("suggestion_id"))?,
        },
    };
    Ok((step, internal))
}

/// Takes a triage step (staff in scope, or the deputy it is addressed to): `review`
/// (received → in_review), `answer` / `refer` / `decline` (→ a result), `close`. A step not
/// allowed in the current status is 422 `invalid_transition`. Honours `If-Match` and
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Submission id"), crate::http::idempotency::IdempotencyKey),
    request_body = TriageRequest,
    responses(
        (status = 200, description = "The submission after the step", body = SubmissionDto),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
        (status = 412, response = crate::http::docs::PreconditionFailed),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/{id}/triage")]
async fn triage_submission(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<TriageRequest>,
) -> Result<HttpResponse, ApiError> {
    let (step, internal) = triage_of(body.into_inner())?;
    let (current, viewer) = access::find(state.db.reader(), &caller, *id).await?;
    let current_dto = dto(state.db.reader(), current.clone(), viewer).await?;
    check_if_match(&req, &current_dto)?;
    let updated = service::triage(
        &state.db,
        &caller,
        &client,
        *id,
        step,
        internal,
        // Checked against what the client saw only when it said what it saw.
        req.headers()
            .contains_key(actix_web::http::header::IF_MATCH)
            .then_some(current.version),
    )
    .await?;
    let body = dto(state.db.reader(), updated, viewer).await?;
    json_with_etag(&req, StatusCode::OK, &body)
}

fn feedback_of(body: FeedbackRequest) -> Result<(Rating, Option<String>), ApiError> {
    let comment = name::optional("comment", body.comment.as_deref(), 500)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    Ok((rating_of(body.rating), comment))
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
async fn rate_submission(
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
    let body = dto(state.db.reader(), updated, viewer).await?;
    json_with_etag(&req, StatusCode::OK, &body)
}

/// The whole contact details (staff and administrators in scope). Every reveal is written to
/// the audit trail with who, when and from where.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The contact details", body = ContactDto),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/{id}/contact:reveal")]
async fn reveal_contact(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service::reveal(&state.db, &caller, &client, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ContactDto {
            contact_name: found.contact_name,
            contact_phone: found.contact_phone,
        }))
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
    let db = state.db.reader();
    let category = service::categories_of(db, [found.category_id])
        .await?
        .first()
        .map(category_ref)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("category missing")))?;
    let case = crate::routes::suggestions::service::cases_of(db, &[found.id]).await?;
    Ok(TrackedSubmissionDto {
        suggestion_status: case.get(&found.id).map(|c| c.1.clone()),
        tracking_no: found.tracking_no.clone(),
        status: status_dto(found.status),
        title: found.title.clone(),
        category,
        result_note: found.result_note.clone(),
        referred_to: found.referred_to.clone(),
        feedback: feedback_dto(&found),
        timeline: full_timeline(db, &found, Lang::negotiate(req), false).await?,
        created_at: found.created_at,
        updated_at: found.updated_at,
    })
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
async fn track_submission(
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
async fn rate_tracked_submission(
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

/// A ticket from the 12345 hotline or a district platform (machine clients with
/// `write:tickets`): it becomes a submission with channel `hotline` (default) or `platform`,
/// carrying `external_id`, whose changes then flow back through the change feed and webhooks.
/// The same `external_id` from the same client again answers 200 with the same submission.
#[utoipa::path(
    tag = "intake",
    security(("bearer" = [])),
    request_body = TicketRequest,
    responses(
        (status = 201, description = "Created", body = SubmissionDto, headers(("Location" = String))),
        (status = 200, description = "This ticket was sent before: its submission", body = SubmissionDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("/intake/tickets")]
async fn create_ticket(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: Json<RawBody>,
) -> Result<HttpResponse, ApiError> {
    // Who may send tickets is settled before what they sent: a person's token is refused
    // whatever the body (the extractor already held clients to `write:tickets`).
    caller.require_client(
        "工单只能由接入系统（12345 热线、区平台）用客户端令牌报送。",
        "Tickets come from machine clients (the 12345 hotline, district platforms): use a client token.",
    )?;
    let mut raw = body.into_inner().0;
    let mut checks = Checks::default();
    let mut external_id = None;
    let mut channel = SubmissionChannel::Hotline;
    if let Some(object) = raw.as_object_mut() {
        for field in ["attachment_ids", "qr_code", "anonymous"] {
            if object.contains_key(field) {
                checks.fail(not_settable(field));
                object.remove(field);
            }
        }
        match object.remove("external_id") {
            Some(serde_json::Value::String(id))
                if (1..=100).contains(&id.chars().count()) && id.trim() == id =>
            {
                external_id = Some(id);
            }
            Some(_) => checks.fail(FieldError::new(
                "external_id",
                "length",
                Text::fixed(
                    "工单编号须为 1 到 100 个字符，且首尾无空白。",
                    "The ticket id must be 1 to 100 characters without surrounding spaces.",
                ),
            )),
            None => checks.fail(FieldError::new(
                "external_id",
                "required",
                Text::fixed("须提供工单编号。", "The ticket id is required."),
            )),
        }
        match object.remove("channel") {
            None | Some(serde_json::Value::Null) => {}
            Some(value) => match serde_json::from_value::<TicketChannelDto>(value) {
                Ok(TicketChannelDto::Hotline) => channel = SubmissionChannel::Hotline,
                Ok(TicketChannelDto::Platform) => channel = SubmissionChannel::Platform,
                Err(_) => checks.fail(FieldError::new(
                    "channel",
                    "invalid",
                    Text::fixed(
                        "渠道须为 hotline 或 platform。",
                        "The channel must be hotline or platform.",
                    ),
                )),
            },
        }
    }
    let new = check_new(&raw, false);
    checks.finish()?;
    let new = new?;
    let external_id =
        external_id.ok_or_else(|| ApiError::internal(anyhow::anyhow!("checked id")))?;
    let db = state.db.reader();
    if let Some(existing) = service::ticket(db, caller.id, &external_id).await? {
        let body = dto(db, existing, Viewer::Staff).await?;
        return json_with_etag(&req, StatusCode::OK, &body);
    }
    let submitter = Submitter::Client {
        caller: &caller,
        external_id: &external_id,
        channel,
    };
    let created_row =
        match service::create(&state.db, intake(&state), submitter, &client, new, None).await {
            Ok(created) => created.submission,
            // The same ticket sent twice at once: the other request created it. Any other clash
            // (no such ticket after all) is answered as it came.
            Err(clash @ ApiError::Conflict(_)) => {
                match service::ticket(state.db.writer(), caller.id, &external_id).await? {
                    Some(existing) => existing,
                    None => return Err(clash),
                }
            }
            Err(other) => return Err(other),
        };
    let body = dto(state.db.reader(), created_row, Viewer::Staff).await?;
    created(&req, &format!("/api/v1/submissions/{}", body.id), &body)
}
