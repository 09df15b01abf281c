//! Who is calling: the client's address (for throttling and the audit trail) and user agent.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest};

/// What the audit trail and the throttles know of the client.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl ClientInfo {
    /// Reads the client's address from the socket, or from `X-Forwarded-For` when the service
    /// is configured to sit behind a trusted reverse proxy.
    pub fn of(req: &HttpRequest, trust_forwarded_for: bool) -> Self {
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
}

fn strip_port(addr: &str) -> String {
    // `realip_remote_addr` may be "1.2.3.4", "1.2.3.4:5678" or "[::1]:5678".
    if let Ok(socket) = addr.parse::<std::net::SocketAddr>() {
        return socket.ip().to_string();
    }
    addr.chars().take(64).collect()
}
