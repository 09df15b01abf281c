//! `POST /api/v1/intake/tickets`: a ticket from the 12345 hotline or a district platform. The
//! ticket's own fields are checked here; the rest as any create body from someone who is not
//! staff.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use entity::submission::SubmissionChannel;

use super::intake::check_new;
use super::{RawBody, dto_of, intake, not_settable};
use crate::auth::AuthUser;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::etag::{created, json_with_etag};
use crate::http::json::Json;
use crate::i18n::Text;
use crate::routes::submissions::access::Viewer;
use crate::routes::submissions::dto::{
    Loose, SubmissionDto, TicketBody, TicketHead, TicketRequest,
};
use crate::routes::submissions::service::{self, Ticket};
use crate::state::AppState;

/// The ticket's id and channel, once its own fields pass.
fn check_head(head: TicketHead) -> Result<(String, SubmissionChannel), ApiError> {
    let mut checks = Checks::default();
    for field in head.refused() {
        checks.fail(not_settable(field));
    }
    let external_id = match head.external_id {
        Loose::Valid(id) if (1..=100).contains(&id.chars().count()) && id.trim() == id => Some(id),
        Loose::Absent => {
            checks.fail(FieldError::new(
                "external_id",
                "required",
                Text::fixed("须提供工单编号。", "The ticket id is required."),
            ));
            None
        }
        // Blank, too long, padded, `null` or not a string at all.
        _ => {
            checks.fail(FieldError::new(
                "external_id",
                "length",
                Text::fixed(
                    "工单编号须为 1 到 100 个字符，且首尾无空白。",
                    "The ticket id must be 1 to 100 characters without surrounding spaces.",
                ),
            ));
            None
        }
    };
    let channel = match head.channel {
        Loose::Absent | Loose::Null => SubmissionChannel::Hotline,
        Loose::Valid(channel) => channel.into(),
        Loose::Invalid => {
            checks.fail(FieldError::new(
                "channel",
                "invalid",
                Text::fixed(
                    "渠道须为 hotline 或 platform。",
                    "The channel must be hotline or platform.",
                ),
            ));
            SubmissionChannel::Hotline
        }
    };
    checks.finish()?;
    let external_id =
        external_id.ok_or_else(|| ApiError::internal(anyhow::anyhow!("checked id")))?;
    Ok((external_id, channel))
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
pub(super) async fn create_ticket(
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
    let (head, body) = body.into_inner().decode::<TicketBody>()?.split();
    let new = check_new(body, false);
    // A ticket's own mistakes are answered before those of the submission it would become.
    let (external_id, channel) = check_head(head)?;
    let new = new?;
    let ticket = service::create_ticket(
        &state.db,
        intake(&state),
        &caller,
        &client,
        &external_id,
        channel,
        new,
    )
    .await?;
    match ticket {
        Ticket::Known(row) => {
            let body = dto_of(state.db.reader(), row, Viewer::Staff).await?;
            json_with_etag(&req, StatusCode::OK, &body)
        }
        Ticket::New(row) => {
            let body = dto_of(state.db.reader(), row, Viewer::Staff).await?;
            created(&req, &format!("/api/v1/submissions/{}", body.id), &body)
        }
    }
}
