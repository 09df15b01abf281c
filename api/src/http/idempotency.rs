//! `Idempotency-Key` for POSTs that create: a retried request gets the first one's response.
//!
//! Same key and same request within 24 hours → the recorded response again, with
//! `Idempotent-Replayed: true`; same key, different request → 422; same key while the first is
//! still running → 409. Keys belong to the caller (the token's subject, or "anonymous").
//! Only successful responses are recorded: after a 4xx or 5xx the key is released, so that the
//! corrected request can be sent with it again.
//!
//! A crash between the request's commit and the recording of its response must not let a retry
//! run it twice: the handler runs inside `db::idempotency::applying`, so every write transaction
//! it opens marks the key `applied` with its own commit. A retry finding an applied key with no
//! recorded response is answered 409 `idempotency_applied` (look the result up) instead of being
//! run again; such a key is never released. The records themselves are `db::idempotency`'s.
//!
//! Wrapped around the scopes of creating endpoints only (never around endpoints that return
//! secrets such as tokens, which must not be stored).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use entity::idempotency_key;
use sha2::{Digest, Sha256};

use super::JSON_BODY_LIMIT;
use super::json::read_body;
use crate::auth::jwt::JwtKeys;
use crate::db::Db;
use crate::db::idempotency::{self as store, Begun};
use crate::error::ApiError;
use crate::i18n::Text;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";
const MAX_KEY_LEN: usize = 255;
/// The response headers worth replaying.
const KEPT_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::ETAG,
    header::CONTENT_LANGUAGE,
];

pub async fn idempotent_posts(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = match parse_key(req.headers()) {
        Ok(key) => key,
        Err(err) => return Ok(req.error_response(err)),
    };
    let (Some(db), Some(jwt)) = (
        req.app_data::<web::Data<Db>>().cloned(),
        req.app_data::<web::Data<JwtKeys>>().cloned(),
    ) else {
        return Ok(req.error_response(ApiError::internal(anyhow::anyhow!(
            "the database and the JWT keys are not registered"
        ))));
    };
    let principal = principal_of(&req, &jwt);
    let timeout = super::json::body_timeout(req.request());
    let body = match read_body(req.take_payload(), JSON_BODY_LIMIT, timeout).await {
        Ok(body) => body,
        Err(err) => return Ok(req.error_response(err)),
    };
    let hash = request_hash(req.method().as_str(), req.path(), req.query_string(), &body);

    let row_id = match store::begin(&db, &principal, &key, &hash).await {
        Ok(Begun::Fresh(id)) => id,
        Ok(Begun::Replay(row)) => {
            let response = replay(&row);
            return Ok(req.into_response(response));
        }
        Err(err) => return Ok(req.error_response(err)),
    };

    req.set_payload(Payload::from(body));
    let res = match store::applying(row_id, next.call(req)).await {
        Ok(res) => res,
        Err(err) => {
            store::release(&db, row_id).await;
            return Err(err);
        }
    };
    if !res.status().is_success() || res.response().error().is_some() {
        store::release(&db, row_id).await;
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            store::release(&db, row_id).await;
            let err = ApiError::internal(anyhow::anyhow!("response body could not be read"));
            return Ok(ServiceResponse::new(
                http_req,
                HttpResponse::from_error(err),
            ));
        }
    };
    if let Err(err) = store::complete(
        &db,
        row_id,
        head.status().as_u16(),
        kept_headers(head.headers()),
        &bytes,
    )
    .await
    {
        // The work is done and committed; failing to record it only loses the replay.
        tracing::warn!(error = %err, "could not record an idempotent response");
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, response))
}

pub fn parse_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let invalid = || ApiError::InvalidHeader {
        header: "Idempotency-Key",
        message: Text::new(
            format!("Idempotency-Key 必须是 1 到 {MAX_KEY_LEN} 个可见 ASCII 字符。"),
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters."),
        ),
    };
    let value = headers.get(HEADER).ok_or_else(invalid)?;
    let key = value.to_str().map_err(|_| invalid())?.trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(key.to_owned())
}

/// Whose key this is: the verified token's subject, or "anonymous".
fn principal_of(req: &ServiceRequest, jwt: &JwtKeys) -> String {
    crate::auth::extract::bearer_token(req.request())
        .ok()
        .flatten()
        .and_then(|token| jwt.verify_any(&token).ok())
        .map(|claims| format!("user:{}", claims.sub))
        .unwrap_or_else(|| "anonymous".to_owned())
}

/// What identifies a request under a key: method, path, query and body.
pub fn request_hash(method: &str, path: &str, query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [method, path, query] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// The response headers worth replaying, by name.
fn kept_headers(headers: &HeaderMap) -> serde_json::Map<String, serde_json::Value> {
    KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some((
                name.as_str().to_owned(),
                serde_json::Value::String(value.to_owned()),
            ))
        })
        .collect()
}

fn replay(row: &idempotency_key::Model) -> HttpResponse {
    let status = row
        .response_status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(serde_json::Value::Object(headers)) = &row.response_headers {
        for (name, value) in headers {
            if let (Ok(name), Some(value)) = (
                HeaderName::try_from(name.as_str()),
                value.as_str().and_then(|v| HeaderValue::from_str(v).ok()),
            ) {
                response.insert_header((name, value));
            }
        }
    }
    response.insert_header((REPLAYED, "true"));
    response.body(row.response_body.clone().unwrap_or_default())
}

/// The `Idempotency-Key` request header, for the spec of the endpoints that honour it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// A unique key per logical request (a UUID is a good choice). A retry with the same key and
    /// body within 24 hours returns the first response with `Idempotent-Replayed: true`.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = r"^[\x21-\x7E]+$"
    )]
    #[allow(dead_code)]
    idempotency_key: Option<String>,
}
