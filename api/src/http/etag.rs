//! Strong ETags for single resources: `If-None-Match` → 304 for pollers, `If-Match` → 412 for
//! writers who would overwrite a change they have not seen.
//!
//! The tag is a hash of the JSON representation itself, so it changes exactly when what the
//! client would see changes, without a version column in every table.

use actix_web::http::header::{self, EntityTag, Header, IfMatch, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The strong ETag of a representation.
pub fn etag_of(body: &[u8]) -> EntityTag {
    let digest = Sha256::digest(body);
    EntityTag::new_strong(hex::encode(&digest[..16]))
}

/// The ETag of `value` as it would be sent.
pub fn etag_of_json<T: Serialize>(value: &T) -> Result<EntityTag, ApiError> {
    let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
    Ok(etag_of(&body))
}

/// `value` as JSON with its ETag, or `304 Not Modified` when the client already has it.
pub fn json_with_etag<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    value: &T,
) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
    Ok(with_etag(req, status, "application/json", body))
}

/// `body` of `content_type` with its ETag, or `304 Not Modified` when a GET already has it.
/// Writes answer with their result whatever `If-None-Match` says: a 304 to a PUT or POST would
/// tell the client nothing happened when something did.
pub fn with_etag(
    req: &HttpRequest,
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> HttpResponse {
    let tag = etag_of(&body);
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
    if is_read && status == StatusCode::OK && none_match_fails(req, &tag) {
        return HttpResponse::NotModified()
            .insert_header(header::ETag(tag))
            .finish();
    }
    HttpResponse::build(status)
        .insert_header(header::ETag(tag))
        .content_type(content_type)
        .body(body)
}

/// A `201 Created` with `value`, its ETag and `Location: location`.
pub fn created<T: Serialize>(
    req: &HttpRequest,
    location: &str,
    value: &T,
) -> Result<HttpResponse, ApiError> {
    let mut response = json_with_etag(req, StatusCode::CREATED, value)?;
    response.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(location).map_err(ApiError::internal)?,
    );
    Ok(response)
}

/// The `If-Match` request header, for the spec of the endpoints that honour it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The ETag the change is based on; a stale one gets 412 and changes nothing.
    #[param(rename = "If-Match")]
    #[allow(dead_code)]
    if_match: Option<String>,
}

/// Whether `If-None-Match` lists `tag` (weak comparison, as RFC 9110 asks for this header).
fn none_match_fails(req: &HttpRequest, tag: &EntityTag) -> bool {
    match IfNoneMatch::parse(req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(items)) => items.iter().any(|t| t.weak_eq(tag)),
        Err(_) => false,
    }
}

/// Refuses a write whose `If-Match` does not name the current representation (strong comparison).
/// Without `If-Match` the write goes ahead.
pub fn check_if_match<T: Serialize>(req: &HttpRequest, current: &T) -> Result<(), ApiError> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Ok(());
    }
    let tag = etag_of_json(current)?;
    match IfMatch::parse(req) {
        Ok(IfMatch::Any) => Ok(()),
        Ok(IfMatch::Items(items)) if items.iter().any(|t| t.strong_eq(&tag)) => Ok(()),
        _ => Err(ApiError::PreconditionFailed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_none_match_gives_304_only_for_the_current_tag() {
        let value = serde_json::json!({"a": 1});
        let tag = etag_of_json(&value).unwrap();
        let req = TestRequest::default()
            .insert_header(("If-None-Match", tag.to_string()))
            .to_http_request();
        assert_eq!(
            json_with_etag(&req, StatusCode::OK, &value)
                .unwrap()
                .status(),
            304
        );
        let weak = format!("W/{tag}");
        let req = TestRequest::default()
            .insert_header(("If-None-Match", weak))
            .to_http_request();
        assert_eq!(
            json_with_etag(&req, StatusCode::OK, &value)
                .unwrap()
                .status(),
            304
        );
        let req = TestRequest::default()
            .insert_header(("If-None-Match", "\"other\""))
            .to_http_request();
        assert_eq!(
            json_with_etag(&req, StatusCode::OK, &value)
                .unwrap()
                .status(),
            200
        );
    }

    #[test]
    fn if_match_is_strong() {
        let value = serde_json::json!({"a": 1});
        let tag = etag_of_json(&value).unwrap();
        let ok = TestRequest::default()
            .insert_header(("If-Match", tag.to_string()))
            .to_http_request();
        assert!(check_if_match(&ok, &value).is_ok());
        let weak = TestRequest::default()
            .insert_header(("If-Match", format!("W/{tag}")))
            .to_http_request();
        assert!(check_if_match(&weak, &value).is_err());
        let stale = TestRequest::default()
            .insert_header(("If-Match", "\"0\""))
            .to_http_request();
        assert!(check_if_match(&stale, &value).is_err());
        let garbage = TestRequest::default()
            .insert_header(("If-Match", "nonsense"))
            .to_http_request();
        assert!(check_if_match(&garbage, &value).is_err());
        let none = TestRequest::default().to_http_request();
        assert!(check_if_match(&none, &value).is_ok());
    }
}
