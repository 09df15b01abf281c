//! `GET /api/v1/stations/{id}/qrcode`, `GET /api/v1/deputies/{id}/qrcode` and
//! `GET /api/v1/resolve/{code}`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::dto::{CodeTargetDto, QrParams, QrPicture, ResolvedCodeDto};
use super::service;
use crate::auth::extract::PublicCaller;
use crate::domain::public_code::CodeKind;
use crate::error::ApiError;
use crate::http::etag::{json_with_etag, with_etag};
use crate::http::params::Query;
use crate::qr;
use crate::state::AppState;

const DEFAULT_SIZE: u32 = 512;

/// Registered under `/stations`.
pub fn station_routes(cfg: &mut ServiceConfig) {
    cfg.service(station_qrcode);
}

/// Registered under `/deputies`.
pub fn deputy_routes(cfg: &mut ServiceConfig) {
    cfg.service(deputy_qrcode);
}

/// Registered under `/api/v1`.
pub fn resolve_routes(cfg: &mut ServiceConfig) {
    cfg.service(resolve);
}

/// The QR code of `code` as the client asked for it, with an ETag (the picture only changes
/// when the template does) and a file name for saving.
async fn qrcode(
    req: &HttpRequest,
    state: &AppState,
    code: &str,
    params: QrParams,
) -> Result<HttpResponse, ApiError> {
    let format = params.format.unwrap_or_default().into();
    let url = qr::url_for(&state.settings.qr_url_template, code);
    let size = params.size.unwrap_or(DEFAULT_SIZE);
    // Drawing a large PNG takes milliseconds of CPU: keep it off the async workers.
    let picture = web::block(move || qr::render(&url, format, size))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let mut response = with_etag(req, StatusCode::OK, format.content_type(), picture);
    if response.status() == StatusCode::OK {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            header::HeaderValue::from_str(
                &ContentDisposition {
                    disposition: DispositionType::Inline,
                    parameters: vec![DispositionParam::Filename(format!(
                        "{code}.{}",
                        format.extension()
                    ))],
                }
                .to_string(),
            )
            .map_err(ApiError::internal)?,
        );
    }
    Ok(response)
}

/// The QR code printed on the station's board: it carries the configured URL
/// (`LIANLUO_QR_URL_TEMPLATE`) with the station's public code. Public.
#[utoipa::path(
    tag = "codes",
    params(("id" = Uuid, Path, description = "Station id"), QrParams),
    responses(
        (status = 200, description = "The QR code", content((QrPicture = "image/svg+xml"), (QrPicture = "image/png")), headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/qrcode")]
async fn station_qrcode(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    id: web::Path<Uuid>,
    params: Query<QrParams>,
) -> Result<HttpResponse, ApiError> {
    let code = service::station_code(state.db.reader(), id.into_inner()).await?;
    qrcode(&req, &state, &code, params.into_inner()).await
}

/// The QR code of a deputy's card: the configured URL with the deputy's public code. Public.
#[utoipa::path(
    tag = "codes",
    params(("id" = Uuid, Path, description = "Deputy id"), QrParams),
    responses(
        (status = 200, description = "The QR code", content((QrPicture = "image/svg+xml"), (QrPicture = "image/png")), headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = crate::http::docs::BadRequest),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}/qrcode")]
async fn deputy_qrcode(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    id: web::Path<Uuid>,
    params: Query<QrParams>,
) -> Result<HttpResponse, ApiError> {
    let code = service::deputy_code(state.db.reader(), id.into_inner()).await?;
    qrcode(&req, &state, &code, params.into_inner()).await
}

/// What a scanned or typed public code points to: a station or a deputy, with its id and
/// name, for the front end to open. Case and surrounding spaces do not matter. Public.
#[utoipa::path(
    tag = "codes",
    params(("code" = String, Path, description = "A public code, e.g. S7K3M9QX")),
    responses(
        (status = 200, description = "What the code names", body = ResolvedCodeDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/resolve/{code}")]
async fn resolve(
    req: HttpRequest,
    state: web::Data<AppState>,
    // No token is needed here, but one that is sent must be good (else 401).
    _caller: PublicCaller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let target = service::resolve(state.db.reader(), &code).await?;
    let (kind, collection) = match target.kind {
        CodeKind::Station => (CodeTargetDto::Station, "stations"),
        CodeKind::Deputy => (CodeTargetDto::Deputy, "deputies"),
    };
    let body = ResolvedCodeDto {
        href: format!("/api/v1/{collection}/{}", target.id),
        code: target.code,
        kind,
        id: target.id,
        name: target.name,
    };
    json_with_etag(&req, StatusCode::OK, &body)
}
