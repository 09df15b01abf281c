//! `Json<T>`: the request-body extractor of every JSON endpoint.
//!
//! One place decides what a bad body gets: a body that is not `application/json` is a 415, one
//! over [`JSON_BODY_LIMIT`](super::JSON_BODY_LIMIT) a 413, broken JSON a 400, and JSON of the
//! wrong shape (a missing or unknown field, a wrong type) or breaking a `validator` rule a 422
//! that names each field. Only a body that passed all of that reaches a handler.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use validator::Validate;

use super::JSON_BODY_LIMIT;
use crate::config::Settings;
use crate::error::ApiError;
use crate::error::validation::from_serde_data_error;

/// A JSON body that was decoded and validated.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload);
        Box::pin(async move {
            let body = body.await?;
            Ok(Json(validated(&body)?))
        })
    }
}

/// The body's bytes, once the headers are checked (JSON, not too long) and all of it has come in
/// time.
fn json_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<actix_web::web::Bytes, ApiError>> + 'static {
    let checked = check_headers(req);
    let payload = payload.take();
    let timeout = body_timeout(req);
    async move {
        checked?;
        read_body(payload, JSON_BODY_LIMIT, timeout).await
    }
}

/// `body` decoded into `T` and validated.
fn validated<T: DeserializeOwned + Validate>(body: &[u8]) -> Result<T, ApiError> {
    let value: T = decode(body)?;
    value.validate()?;
    Ok(value)
}

/// A JSON body that may be left out entirely (no `Content-Type`, no bytes) or be `null`: then
/// `T::default()`. A body that is sent is held to every rule of [`Json`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Validate + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let absent = req.headers().get(header::CONTENT_TYPE).is_none()
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_none_or(|l| l.as_bytes() == b"0");
        if absent {
            return Box::pin(async { Ok(OptionalJson(T::default())) });
        }
        let body = json_body(req, payload);
        Box::pin(async move {
            let body = body.await?;
            // A JSON `null` says "nothing", as a missing body does.
            if body.trim_ascii() == b"null" {
                return Ok(OptionalJson(T::default()));
            }
            Ok(OptionalJson(validated(&body)?))
        })
    }
}

/// Whether a `Content-Type` value is JSON (`application/json` or any `+json` type).
pub fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

fn check_headers(req: &HttpRequest) -> Result<(), ApiError> {
    if !is_json(req) {
        return Err(ApiError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    if let Some(length) = req.headers().get(header::CONTENT_LENGTH) {
        let length = length
            .to_str()
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        if length > JSON_BODY_LIMIT {
            return Err(ApiError::PayloadTooLarge {
                limit: JSON_BODY_LIMIT,
            });
        }
    }
    Ok(())
}

/// The configured time a client has to send its body.
pub fn body_timeout(req: &HttpRequest) -> Duration {
    req.app_data::<web::Data<Settings>>()
        .map(|settings| settings.body_timeout)
        .unwrap_or(Duration::from_secs(15))
}

/// Reads the whole body, refusing it as soon as it grows past `limit` (chunked bodies too), or
/// when it has not all arrived within `timeout` (a client trickling bytes must not hold a
/// worker's attention forever).
pub async fn read_body(
    mut payload: Payload,
    limit: usize,
    timeout: Duration,
) -> Result<web::Bytes, ApiError> {
    let read = async move {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|_| ApiError::MalformedBody("the body ended early".into()))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(ApiError::RequestTimeout))
}

/// Decodes JSON, telling a syntax error (400) from a shape error (422, with the field's path).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            // serde decodes as it reads, so `[1, 2` fails on its type before its syntax: only
            // a body that is valid JSON as a whole is a shape (422) error.
            serde_json::error::Category::Data => {
                match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                    Ok(_) => ApiError::Validation(vec![from_serde_data_error(&path, &inner)]),
                    Err(syntax) => ApiError::MalformedBody(syntax.to_string()),
                }
            }
            _ => ApiError::MalformedBody(inner.to_string()),
        }
    })?;
    // Trailing garbage after the value (`{} x`) is a syntax error too.
    de.end()
        .map_err(|e| ApiError::MalformedBody(e.to_string()))?;
    Ok(value)
}
