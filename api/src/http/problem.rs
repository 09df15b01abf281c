//! The middleware that turns every error response into a problem document in the client's
//! language, with the request id, and logs the cause of server errors.
//!
//! Handlers and extractors return [`ApiError`]; actix attaches it to the response. Here it is
//! rendered again with the negotiated language, the request path and the request id. Errors
//! raised by actix itself (not `ApiError`) are mapped by status, so that no plain-text error
//! ever leaves the service.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};

use super::JSON_BODY_LIMIT;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::telemetry::RequestId;

pub async fn render_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Read what the rendering needs now: holding a clone of the request while the router runs
    // would stop it from recording the matched path.
    let lang = Lang::negotiate(req.request());
    let path = req.path().to_owned();
    let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
    let render = |error: &ApiError| {
        log_server_error(error);
        error.render(lang, Some(&path), request_id.as_deref())
    };
    match next.call(req).await {
        Ok(res) => match res.response().error().map(convert) {
            Some(error) => {
                let rendered = render(&error);
                Ok(res.into_response(rendered))
            }
            None => Ok(res.map_into_boxed_body()),
        },
        // Only a middleware fails this way; its error still leaves as a problem document.
        Err(err) => {
            let rendered = render(&convert(&err));
            Err(actix_web::error::InternalError::from_response(err.to_string(), rendered).into())
        }
    }
}

/// The `ApiError` behind an actix error: itself if it is one, else one chosen by status.
fn convert(err: &Error) -> ApiError {
    if let Some(api) = err.as_error::<ApiError>() {
        return api.duplicate();
    }
    let status = err.as_response_error().status_code();
    match status {
        StatusCode::NOT_FOUND => ApiError::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(Vec::new()),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit: JSON_BODY_LIMIT,
        },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType {
            expected: "application/json",
        },
        StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout,
        s if s.is_client_error() => ApiError::MalformedBody(err.to_string()),
        _ => ApiError::Internal(anyhow::anyhow!("{err}")),
    }
}

fn log_server_error(err: &ApiError) {
    match err {
        ApiError::Internal(cause) => {
            tracing::error!(error = format!("{cause:#}"), "request failed")
        }
        ApiError::Unavailable(cause) => {
            tracing::warn!(error = format!("{cause:#}"), "database unavailable")
        }
        _ if err.status_code().is_server_error() => tracing::error!(error = %err, "request failed"),
        _ => {}
    }
}
