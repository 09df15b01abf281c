//! `/api/v1/submissions`, `/api/v1/me/submissions`, `/api/v1/track/{tracking_no}` and
//! `/api/v1/intake/tickets`, one file per use case: `intake` (creating), `tickets` (hotline and
//! platform tickets), `triage` (staff and the addressed deputy deciding, revealing contacts)
//! and `tracking` (the inbox, reads, polls, history, feedback, tracking with an access code).
//! The handlers check and answer; what a submission looks like on the wire is `dto`'s.

use entity::submission;
use serde::de::DeserializeOwned;
use utoipa_actix_web::service_config::ServiceConfig;

use super::access::Viewer;
use super::dto::SubmissionDto;
use super::service;
use crate::error::{ApiError, FieldError};
use crate::i18n::Text;
use crate::state::AppState;

mod intake;
mod tickets;
mod tracking;
mod triage;

use intake::create_submission;
use tickets::create_ticket;
use tracking::{
    get_submission, list_submissions, my_submissions, rate_submission, rate_tracked_submission,
    submission_status, submission_timeline, track_submission,
};
use triage::{reveal_contact, triage_submission};

/// The header that carries an anonymous submission's access code.
pub const ACCESS_CODE_HEADER: &str = "x-access-code";

// The registration order below is the order of the operations in the published contract.

/// `POST /api/v1/intake/tickets`, for machine clients with `write:tickets`.
pub fn intake_routes(cfg: &mut ServiceConfig) {
    cfg.service(create_ticket);
}

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

/// A create body as sent (a submission's or a ticket's). It is decoded into its typed request
/// in the handler, once the caller may send one at all (a unit handler's submission or a
/// person's ticket is refused whatever its body), and through its canonical form.
#[derive(Debug, serde::Deserialize)]
#[serde(transparent)]
struct RawBody(serde_json::Value);

impl validator::Validate for RawBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl RawBody {
    /// The body with its keys sorted and no spacing: what a create's idempotency hash covers,
    /// so that a retry differing only in key order or spacing is the same request.
    fn canonical(&self) -> Result<Vec<u8>, ApiError> {
        serde_json::to_vec(&self.0).map_err(ApiError::internal)
    }

    /// The body decoded into `T` (a 422 naming the field when it has the wrong shape).
    fn decode<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        crate::http::json::decode(&self.canonical()?)
    }
}

/// The answer to a field the client may not set.
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

fn intake(state: &AppState) -> service::Intake<'_> {
    service::Intake {
        access_key: &state.access_key,
        limits: &state.rate_limits,
    }
}

/// The DTO of `row` as `viewer` sees it.
async fn dto_of(
    db: &impl sea_orm::ConnectionTrait,
    row: submission::Model,
    viewer: Viewer,
) -> Result<SubmissionDto, ApiError> {
    service::detailed(db, vec![row])
        .await?
        .pop()
        .map(|d| SubmissionDto::of(d, viewer))
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no DTO")))
}
