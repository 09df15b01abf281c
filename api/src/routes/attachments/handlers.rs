//! `POST /api/v1/attachments` (multipart), `GET /api/v1/attachments/{id}`.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::service;
use crate::auth::AuthUser;
use crate::auth::extract::MaybeAuthUser;
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::rate_limit::ip_key;
use crate::i18n::Text;
use crate::media;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload_attachment).service(get_attachment);
}

/// An uploaded photo, waiting to be attached to a submission (within 24 hours).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    /// Put it in `attachment_ids` when creating the submission. For an upload without an
    /// account, this id is what proves the photo is yours: keep it to yourself.
    pub id: Uuid,
    /// `image/jpeg`, `image/png` or `image/webp` (what the content is, whatever its name).
    pub mime: String,
    pub width: i32,
    pub height: i32,
    /// Bytes stored, after the metadata was removed.
    pub size_bytes: i32,
    pub created_at: DateTime<Utc>,
    /// Unattached uploads are deleted after this.
    pub expires_at: DateTime<Utc>,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The photo: JPEG, PNG or WebP, at most 10 MiB and 8,000 × 8,000 pixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Reads the `file` part, refusing more than `limit` bytes as soon as they arrive.
async fn read_file(mut form: Multipart, limit: usize) -> Result<Vec<u8>, ApiError> {
    let malformed = |reason: &str| ApiError::MalformedBody(reason.to_owned());
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| malformed(&e.to_string()))?;
        if field.name() != Some("file") {
            // Drain and ignore other parts (a mini-program may send its own form fields).
            while let Some(chunk) = field.next().await {
                chunk.map_err(|e| malformed(&e.to_string()))?;
            }
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| malformed(&e.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(ApiError::validation(
        "file",
        "required",
        Text::fixed(
            "请在 file 字段中上传图片。",
            "Send the photo in the `file` part.",
        ),
    ))
}

/// Uploads a photo for a submission (voters, anyone without an account, staff). The content
/// decides: JPEG, PNG and WebP only (415 otherwise, whatever the file is called), at most 10 MiB
/// (413) and 8,000 × 8,000 pixels (422 `image_too_large`, checked before decoding). EXIF
/// (including GPS), XMP and comments are removed before the photo is stored. Rate-limited per
/// client address; accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "submissions",
    security((), ("bearer" = [])),
    params(crate::http::idempotency::IdempotencyKey),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = AttachmentDto, headers(("Location" = String))),
        (status = 413, response = crate::http::docs::PayloadTooLarge),
        (status = 415, response = crate::http::docs::UnsupportedMediaType),
        (status = 422, response = crate::http::docs::UnprocessableEntity),
        (status = 429, response = crate::http::docs::TooManyRequests),
    )
)]
#[post("")]
async fn upload_attachment(
    req: HttpRequest,
    client: ClientInfo,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    if !req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
    {
        return Err(ApiError::UnsupportedMediaType {
            expected: "multipart/form-data",
        });
    }
    state
        .rate_limits
        .upload_per_ip
        .check(ip_key(client.ip.as_deref()))?;
    let bytes = read_file(form, media::MAX_BYTES).await?;
    let row = service::upload(&state.db, state.blobs.as_ref(), caller.0.as_ref(), bytes).await?;
    let body = AttachmentDto {
        id: row.id,
        mime: row.mime,
        width: row.width,
        height: row.height,
        size_bytes: row.size_bytes,
        created_at: row.created_at,
        expires_at: row.created_at + crate::media::UNATTACHED_TTL,
    };
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/attachments/{}", body.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// A photo's bytes: for its uploader, the voter of its submission and staff who may see that
/// submission (404 for anyone else).
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The image", content(
            (crate::http::docs::BinaryBody = "image/jpeg"), (crate::http::docs::BinaryBody = "image/png"), (crate::http::docs::BinaryBody = "image/webp")
        )),
        (status = 304, description = "Not modified"),
        (status = 401, response = crate::http::docs::Unauthorized),
        (status = 404, response = crate::http::docs::NotFound),
    )
)]
#[get("/{id}")]
async fn get_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (row, bytes) = service::fetch(&state.db, state.blobs.as_ref(), &caller, *id).await?;
    let mime = match row.mime.as_str() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        _ => "image/webp",
    };
    let mut response = crate::http::etag::with_etag(&req, StatusCode::OK, mime, bytes);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, max-age=3600"),
    );
    if let Ok(value) = header::HeaderValue::from_str(
        &ContentDisposition {
            disposition: DispositionType::Inline,
            parameters: vec![DispositionParam::Filename(format!(
                "{}.{}",
                row.id,
                mime.trim_start_matches("image/")
            ))],
        }
        .to_string(),
    ) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response.headers_mut().insert(
        header::HeaderName::from_static("x-content-type-options"),
        header::HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
