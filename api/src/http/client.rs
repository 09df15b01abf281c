//! The caller's origin, read from the request: the [`ClientInfo`] extractor.
//!
//! `ClientInfo` itself is a plain type of the audit trail (`audit::ClientInfo`), so that writing
//! the trail needs no HTTP; this module is where a request turns into one.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

pub use crate::audit::ClientInfo;
use crate::config::Settings;

/// The client's address from the socket, or from `X-Forwarded-For` when the service is
/// configured to sit behind a trusted reverse proxy (`LIANLUO_TRUST_FORWARDED_FOR`); its user
/// agent; and the request's id.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    let trust_forwarded_for = req
        .app_data::<web::Data<Settings>>()
        .is_some_and(|settings| settings.trust_forwarded_for);
    let ip = if trust_forwarded_for {
        req.connection_info().realip_remote_addr().map(strip_port)
    } else {
        req.peer_addr().map(|addr| addr.ip().to_string())
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect());
    let request_id = req
        .extensions()
        .get::<crate::telemetry::RequestId>()
        .map(|id| id.0.clone());
    ClientInfo {
        ip,
        user_agent,
        request_id,
    }
}

/// A handler's `client: ClientInfo` argument. Never fails.
impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(client_info(req)))
    }
}

fn strip_port(addr: &str) -> String {
    // `realip_remote_addr` may be "1.2.3.4", "1.2.3.4:5678" or "[::1]:5678".
    if let Ok(socket) = addr.parse::<std::net::SocketAddr>() {
        return socket.ip().to_string();
    }
    addr.chars().take(64).collect()
}
