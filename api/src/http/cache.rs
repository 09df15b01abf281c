//! Default `Cache-Control` for responses that did not set their own.
//!
//! Anonymous GETs of public data may be cached by anyone for a minute; anything sent with a
//! token is private and revalidated; every other response (writes, tokens) is not stored.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

pub const PUBLIC: &str = "public, max-age=60";
pub const PRIVATE: &str = "private, no-cache";
pub const NO_STORE: &str = "no-store";

pub async fn default_cache_control(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
    let authenticated = req.headers().contains_key(header::AUTHORIZATION);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        let status = res.status();
        let value = if is_read && (status.is_success() || status.as_u16() == 304) {
            if authenticated { PRIVATE } else { PUBLIC }
        } else {
            NO_STORE
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    if authenticated {
        // A shared cache must not answer one user's request with another's response.
        res.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("Authorization, Accept-Language"),
        );
    }
    Ok(res)
}
