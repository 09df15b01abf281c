//! `/api/v1/receptions/{id}/appointments`, `/api/v1/me/appointments`,
//! `/api/v1/appointments/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{AppointmentDto, BookRequest};
use super::service::{self};
use crate::auth::AuthUser;
use crate::domain::{DisplayName, Phone};
use crate::error::{ApiError, Checks};
use crate::http::client::ClientInfo;
use crate::http::etag::{created, json_with_etag};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageParams, PageRequest};
use crate::state::AppState;

const LIST: &str = "my-appointments";

/// Routes under `/api/v1/receptions`.
pub fn reception_routes(cfg: &mut ServiceConfig) {
    cfg.service(book).service(list_for_reception);
}

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_appointments).service(cancel);
}

/// Books a seat at a published session that has not started (voters). One active booking per
/// voter and session (409 `already_booked`); a full session is 409 `reception_full`; a
/// cancelled or started one 422 `booking_closed`. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id"), crate::http::idempotency::IdempotencyKey),
    request_body = BookRequest,
    responses(
        (status = 201, description = "Booked", body = AppointmentDto, headers(("Location" = String))),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
        (status = 409, response = crate::http::docs::Conflict),
    )
)]
#[post("/{id}/appointments")]
async fn book(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<BookRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::default();
    let topic = checks.check(DisplayName::parse("topic", &body.topic, 200));
    let phone = checks.check(
        body.phone
            .as_deref()
            .map(|p| Phone::parse("phone", p))
            .transpose(),
    );
    checks.finish()?;
    let view = service::book(
        &state.db,
        &caller,
        &client,
        id.into_inner(),
        topic.map(DisplayName::into_inner).unwrap_or_default(),
        phone.flatten().map(|p| p.as_str().to_owned()),
    )
    .await?;
    let location = format!("/api/v1/appointments/{}", view.appointment.id);
    created(&req, &location, &AppointmentDto::of(view, false))
}

/// A session's bookings, in the order they were made, phones masked (its staff and
/// administrators in scope).
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The bookings", body = [AppointmentDto]),
        (status = 403, response = crate::http::docs::Forbidden),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/appointments")]
async fn list_for_reception(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::of_reception(state.db.reader(), &caller, id.into_inner()).await?;
    let body: Vec<AppointmentDto> = rows
        .into_iter()
        .map(|v| AppointmentDto::of(v, true))
        .collect();
    json_with_etag(&req, StatusCode::OK, &body)
}

/// The caller's bookings, newest first.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of bookings", body = Page<AppointmentDto>),
    )
)]
#[get("/me/appointments")]
async fn my_appointments(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    page: PageRequest,
) -> Result<HttpResponse, ApiError> {
    let after = state.cursors.after(LIST, &page)?;
    let rows = service::mine(state.db.reader(), &caller, after, page.limit).await?;
    let page = state.cursors.page(
        LIST,
        rows,
        page.limit,
        |v| (v.appointment.created_at, v.appointment.id),
        |v| AppointmentDto::of(v, false),
    );
    json_with_etag(&req, StatusCode::OK, &page)
}

/// Cancels the caller's booking until its session starts (then 422 `booking_closed`). Someone
/// else's booking is 404; cancelling twice is fine.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Booking id")),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[delete("/appointments/{id}")]
async fn cancel(
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let client = client.clone();
    service::cancel(&state.db, &caller, &client, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
