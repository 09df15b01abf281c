//! The SMS gateway client.
//!
//! The gateway takes `POST <LIANLUO_SMS_GATEWAY_URL>` with a JSON body
//! `{"id", "phone", "template", "text", "data"}`, `Authorization: Bearer <token>` when a token is
//! configured, and `Idempotency-Key: <id>`: a retry of a message whose first answer was lost
//! carries the same key, so that a gateway that honours it delivers it once. A 2xx is delivered;
//! 408, 429 and 5xx (and no answer) are worth a retry; any other status is a refusal.

use std::time::Duration;

use entity::notification;
use serde_json::json;

use crate::config::Settings;

/// How long one send may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Installs ring as the process's TLS crypto provider. reqwest is built without a bundled
/// provider (ring is already in the build, through sqlx); every HTTP client of the process
/// needs one. Installing twice is harmless.
pub fn ensure_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Why a send did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later.
    #[error("{0}")]
    Transient(String),
    /// The gateway refused the message; trying again would not help.
    #[error("{0}")]
    Refused(String),
}

/// A configured gateway.
#[derive(Debug, Clone)]
pub struct Gateway {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl Gateway {
    /// The gateway of `settings`, if one is configured.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Gateway>> {
        let Some(url) = settings.sms_gateway_url.clone() else {
            return Ok(None);
        };
        ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("lianluo/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let token = settings
            .sms_gateway_token
            .as_ref()
            .map(|t| String::from_utf8_lossy(t.expose()).into_owned());
        Ok(Some(Gateway { client, url, token }))
    }

    /// Sends `message` (an SMS row of the outbox).
    pub async fn send(&self, message: &notification::Model) -> Result<(), SendError> {
        let phone = message
            .address
            .as_deref()
            .ok_or_else(|| SendError::Refused("no phone number".into()))?;
        let body = json!({
            "id": message.id,
            "phone": phone,
            "template": message.template,
            "text": message.payload.get("body"),
            "data": message.payload.get("data"),
        });
        let mut request = self
            .client
            .post(&self.url)
            .header("Idempotency-Key", message.id.to_string())
            .json(&body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("gateway unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let reason = format!("gateway answered {status}");
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(SendError::Transient(reason))
        } else {
            Err(SendError::Refused(reason))
        }
    }
}
