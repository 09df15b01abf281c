//! `/api/v1/webhooks`: a machine client's subscriptions, their deliveries and redelivery.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::*;
use super::service;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::etag::{created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::http::params::Query;
use crate::state::AppState;

const LIST: &str = "webhooks";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_webhook_deliveries)
        .service(redeliver_webhook_delivery);
}

/// Subscribes the calling client to events. The target must be HTTPS and may not resolve to a
/// loopback, private, link-local or metadata address (422). The answer holds the signing
/// `secret`, shown this once. Events from now on are delivered, signed with
/// `Lianluo-Signature: v1=<hex HMAC-SHA256 of "<Lianluo-Timestamp>.<body>">`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Subscribed, with the secret", body = WebhookWithSecretDto, headers(("Location" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[post("")]
async fn create_webhook(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (row, secret) = service::create(
        &state.db,
        &state.webhooks,
        &caller,
        &client,
        &body.url,
        &body.event_types,
        body.description,
    )
    .await?;
    let body = WebhookWithSecretDto {
        webhook: WebhookDto::from(row),
        secret,
    };
    // Like every write's answer, this one (with the secret) is sent `Cache-Control: no-store`
    // by `http::cache`.
    created(
        &req,
        &format!("/api/v1/webhooks/{}", body.webhook.id),
        &body,
    )
}

/// The calling client's subscriptions, newest first.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of subscriptions", body = Page<WebhookDto>),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("")]
async fn list_webhooks(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let after = state.cursors.after(LIST, &page)?;
    let rows = service::list(state.db.reader(), &caller, after, page.limit).await?;
    let page = state.cursors.page(
        LIST,
        rows,
        page.limit,
        |w| (w.created_at, w.id),
        WebhookDto::from,
    );
    json_with_etag(&req, StatusCode::OK, &page)
}

/// One subscription (never its secret).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = service::find(state.db.reader(), &caller, *id).await?;
    json_with_etag(&req, StatusCode::OK, &WebhookDto::from(row))
}

/// Changes the target, the event types or the description, or pauses (`active: false`) and
/// resumes (`active: true`) deliveries. Resuming sends what waited at once.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "The subscription", body = WebhookDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
    )
)]
#[patch("/{id}")]
async fn update_webhook(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let row = service::update(
        &state.db,
        &state.webhooks,
        &caller,
        &client,
        *id,
        service::Changes {
            url: body.url,
            event_types: body.event_types,
            description: body.description,
            active: body.active,
        },
    )
    .await?;
    json_with_etag(&req, StatusCode::OK, &WebhookDto::from(row))
}

/// Deletes a subscription and its delivery log.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[delete("/{id}")]
async fn delete_webhook(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.db, &caller, &client, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The subscription's deliveries, newest first, each with its latest attempts and the body as
/// sent.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id"), DeliveryFilters, PageParams),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<DeliveryDto>),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/deliveries")]
async fn list_webhook_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    filters: Query<DeliveryFilters>,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.reader();
    let hook = service::find(db, &caller, *id).await?;
    let list = format!("{LIST}:{}", hook.id);
    let after = state.cursors.after(&list, &page)?;
    let status = filters.into_inner().status.map(status_name);
    let rows = service::deliveries(db, &hook, status, after, page.limit).await?;
    let page = state
        .cursors
        .page(&list, rows, page.limit, |d| (d.created_at, d.id), |d| d);
    let ids: Vec<Uuid> = page.items.iter().map(|d| d.id).collect();
    let mut attempts = service::attempts_of(db, &ids).await?;
    let items = page
        .items
        .into_iter()
        .map(|d| {
            let a = attempts.remove(&d.id).unwrap_or_default();
            delivery_dto(d, a)
        })
        .collect();
    json_with_etag(
        &req,
        StatusCode::OK,
        &Page {
            items,
            next_cursor: page.next_cursor,
        },
    )
}

/// Sends a delivery again (delivered, failed or waiting): it becomes due at once, with a new
/// retry window, and keeps its event id. 409 while it is being sent.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
    ),
    responses(
        (status = 202, description = "Queued again", body = DeliveryDto),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
    )
)]
#[post("/{id}/deliveries/{delivery_id}:redeliver")]
async fn redeliver_webhook_delivery(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let hook = service::find(state.db.reader(), &caller, id).await?;
    let row = service::redeliver(
        &state.db,
        &state.webhooks,
        &caller,
        &client,
        &hook,
        delivery_id,
    )
    .await?;
    let attempts = service::attempts_of(state.db.reader(), &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(HttpResponse::Accepted().json(delivery_dto(row, attempts)))
}
