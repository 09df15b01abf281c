//! `POST /api/v1/submissions/{id}/triage` and `POST .../contact:reveal`: staff in scope or the
//! deputy a submission is addressed to take a step, and staff reveal the whole contact details.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use uuid::Uuid;

use super::dto_of;
use crate::auth::AuthUser;
use crate::domain::name;
use crate::domain::suggestion_flow::Kind;
use crate::error::{ApiError, Checks};
use crate::http::client::ClientInfo;
use crate::http::etag::{check_if_match, json_with_etag};
use crate::http::json::Json;
use crate::i18n::Text;
use crate::routes::submissions::access;
use crate::routes::submissions::dto::{ContactDto, SubmissionDto, TriageActionDto, TriageRequest};
use crate::routes::submissions::service::{self, Triage};
use crate::state::AppState;

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
            let kind = body.kind.map(Kind::from).unwrap_or(Kind::StationCase);
            let level = match (kind, body.level) {
                (Kind::DeputySuggestion, None) => return Err(required("level")),
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
pub(super) async fn triage_submission(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<TriageRequest>,
) -> Result<HttpResponse, ApiError> {
    let (step, internal) = triage_of(body.into_inner())?;
    let (current, viewer) = access::find(state.db.reader(), &caller, *id).await?;
    let current_dto = dto_of(state.db.reader(), current.clone(), viewer).await?;
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
    let body = dto_of(state.db.reader(), updated, viewer).await?;
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
pub(super) async fn reveal_contact(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service::reveal(&state.db, &caller, &client, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ContactDto::from(found)))
}
