//! `POST /api/v1/submissions`: a voter, anyone without a token, or staff entering one from
//! another channel submits an opinion. The body is checked here, field by field, into a
//! [`NewSubmission`]; tickets share the same checks.

use actix_web::{HttpRequest, HttpResponse, post, web};
use entity::submission::SubmissionChannel;

use super::{RawBody, dto_of, intake, not_settable};
use crate::auth::Role;
use crate::auth::extract::MaybeAuthUser;
use crate::domain::{Coordinates, DisplayName, Phone, name};
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::created;
use crate::http::idempotency::{REPLAYED, parse_key, request_hash};
use crate::http::json::Json;
use crate::i18n::Text;
use crate::routes::submissions::access::Viewer;
use crate::routes::submissions::dto::{
    CreateSubmissionRequest, CreatedSubmissionDto, SimilarDto, SubmissionChannelDto,
};
use crate::routes::submissions::service::{self, Created, Idempotency, NewSubmission, Submitter};
use crate::state::AppState;

/// Checks a create body from staff (`staff`) or anyone else: first the fields they may not set,
/// then every value.
pub(super) fn check_new(
    body: CreateSubmissionRequest,
    staff: bool,
) -> Result<NewSubmission, ApiError> {
    let mut checks = Checks::default();
    for field in body.refused(staff) {
        checks.fail(not_settable(field));
    }
    checks.finish()?;
    let channel = body.channel.value;
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
        match channel {
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
        channel: channel.map(SubmissionChannel::from),
        reception_record_item_id: body.reception_record_item_id.value,
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
pub(super) async fn create_submission(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    body: Json<RawBody>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.into_inner();
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
    let new = check_new(raw.decode()?, matches!(submitter, Submitter::Staff(_)))?;
    let idempotency = if req.headers().contains_key(crate::http::idempotency::HEADER) {
        let key = parse_key(req.headers())?;
        let canonical = raw.canonical()?;
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
        .map(|(s, score)| SimilarDto::of(s, score, staff))
        .collect();
    let viewer = if staff { Viewer::Staff } else { Viewer::Owner };
    let body = CreatedSubmissionDto {
        submission: dto_of(state.db.reader(), submission, viewer).await?,
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
