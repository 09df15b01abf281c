//! `/api/v1/me/notifications`, `/api/v1/notifications`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{InboxItemDto, OutboxFilters, OutboxItemDto};
use super::service::{self, OutboxQuery};
use crate::auth::scope::RegionScope;
use crate::auth::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::http::etag::json_with_etag;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::i18n::Text;
use crate::state::AppState;

const INBOX: &str = "inbox";
const OUTBOX: &str = "outbox";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_notifications)
        .service(mark_read)
        .service(list_outbox);
}

/// The caller's inbox: messages delivered to them, newest first.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of messages", body = Page<InboxItemDto>))
)]
#[get("/me/notifications")]
async fn my_notifications(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let after = state.cursors.after(INBOX, &page)?;
    let rows = service::inbox(state.db.reader(), &caller, after, page.limit).await?;
    let page = state.cursors.page(
        INBOX,
        rows,
        page.limit,
        |n| (n.sent_at.unwrap_or_default(), n.id),
        |n| InboxItemDto::of(&n),
    );
    json_with_etag(&req, StatusCode::OK, &page)
}

/// Marks a message of the caller's inbox read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Message id")),
    responses(
        (status = 204, description = "Read"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[post("/me/notifications/{id}/read")]
async fn mark_read(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::mark_read(&state.db, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The outbox, newest first (global administrators): every SMS and inbox message with its
/// delivery state, attempts and last error. Phones are masked.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(OutboxFilters, PageParams),
    responses(
        (status = 200, description = "A page of messages", body = Page<OutboxItemDto>),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("/notifications")]
async fn list_outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AdminUser,
    filters: Query<OutboxFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    if caller.scope() != RegionScope::Global {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有全局管理员可以查看发送队列。",
            "Only global administrators see the outbox.",
        )));
    }
    let f = filters.into_inner();
    let query = OutboxQuery {
        state: f.state.map(Into::into),
        channel: f.channel.map(Into::into),
        subject_id: f.subject_id,
    };
    let after = state.cursors.after(OUTBOX, &page)?;
    let rows = service::outbox(state.db.reader(), query, after, page.limit).await?;
    let page = state.cursors.page(
        OUTBOX,
        rows,
        page.limit,
        |n| n.id,
        |n| OutboxItemDto::of(&n),
    );
    json_with_etag(&req, StatusCode::OK, &page)
}
