//! `AppState`: what the handlers share (the database, the keys, the limiters, the outside
//! services), built once at start-up from the settings.
//!
//! Nothing below the features reads `AppState`: the extractors and middleware of `http` and
//! `auth`, and the telemetry, find the few parts they need as `web::Data<T>` of their own
//! ([`AppState::shared_parts`] registers them), and services take the `&Db` and the narrow
//! things they use. That keeps this module above everything it holds.

use std::sync::Arc;

use actix_web::web;
use anyhow::Context;

use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::db::Db;
use crate::http::pagination::Cursors;
use crate::http::rate_limit::RateLimits;
use crate::metrics::Metrics;

/// What every handler can reach, shared by all workers.
#[derive(Debug)]
pub struct AppState {
    pub db: Db,
    pub jwt: web::Data<JwtKeys>,
    pub cursors: Cursors,
    pub login_throttle: LoginThrottle,
    pub metrics: web::Data<Metrics>,
    /// Delivers the notification outbox (run by `jobs`).
    pub sender: crate::notify::sender::Sender,
    /// Rate limits of the voter-facing endpoints.
    pub rate_limits: RateLimits,
    /// WeChat's server API, when `WECHAT_APPID` and `WECHAT_SECRET` are set.
    pub wechat: Option<crate::wechat::WeChat>,
    /// How webhooks are sent and their targets checked.
    pub webhooks: crate::webhooks::delivery::Settings,
    /// Where photos are stored.
    pub blobs: Arc<dyn crate::media::BlobStore>,
    /// Derives and checks the access codes of anonymous submissions (never stored).
    pub access_key: Vec<u8>,
    pub settings: web::Data<Settings>,
}

/// The parts of [`AppState`] that the plumbing below the features reads from the request, each
/// registered as `web::Data` of its own type.
pub struct SharedParts {
    pub db: web::Data<Db>,
    pub jwt: web::Data<JwtKeys>,
    pub metrics: web::Data<Metrics>,
    pub settings: web::Data<Settings>,
}

impl AppState {
    /// Builds the state for `settings` on an already connected and migrated database.
    pub fn new(settings: Settings, db: Db) -> anyhow::Result<Self> {
        let secret =
            crate::auth::secret::load_or_create(settings.jwt_secret.as_ref(), &settings.data_dir)?;
        let jwt = JwtKeys::new(
            &secret,
            &settings.jwt_previous_secrets,
            settings.access_token_ttl,
        );
        // Cursors are signed with a key derived from the JWT secret, under another label, so that
        // neither can stand in for the other.
        let derive = |label: &[u8]| -> anyhow::Result<Vec<u8>> {
            use hmac::{Hmac, KeyInit, Mac};
            let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.expose())
                .context("key derivation")?;
            mac.update(label);
            Ok(mac.finalize().into_bytes().to_vec())
        };
        let cursor_key = derive(b"lianluo cursor key v1")?;
        let access_key = derive(b"lianluo access code key v1")?;
        let wechat = match (&settings.wechat_appid, &settings.wechat_secret) {
            (Some(appid), Some(secret)) => {
                crate::notify::sms::ensure_crypto_provider();
                let http = reqwest::Client::builder()
                    .build()
                    .context("WeChat HTTP client")?;
                let config = crate::wechat::Config {
                    api_base: url::Url::parse(&settings.wechat_api_base)
                        .context("WECHAT_API_BASE")?,
                    appid: appid.clone(),
                    secret: crate::wechat::Secret::new(
                        String::from_utf8_lossy(secret.expose()).into_owned(),
                    ),
                    timeout: settings.wechat_timeout,
                };
                Some(crate::wechat::WeChat::new(config, http))
            }
            _ => None,
        };
        if settings.wechat_dev_login {
            tracing::warn!(
                "WECHAT_DEV_LOGIN is on: `dev:<name>` codes sign anyone in without WeChat. \
                 Never use this outside development."
            );
        }
        let blobs: Arc<dyn crate::media::BlobStore> = Arc::new(
            crate::media::FsStore::new(settings.data_dir.join("attachments"))
                .context("attachment store")?,
        );
        Ok(AppState {
            db,
            jwt: web::Data::new(jwt),
            cursors: Cursors::new(cursor_key),
            login_throttle: LoginThrottle::new(&settings.login_per_account, &settings.login_per_ip),
            metrics: web::Data::new(Metrics::new().context("metrics registry")?),
            sender: crate::notify::sender::Sender {
                gateway: crate::notify::sms::Gateway::from_settings(&settings)
                    .context("SMS gateway client")?,
                retry_base: settings.outbox_retry_base,
                max_attempts: settings.outbox_max_attempts,
            },
            rate_limits: RateLimits::new(&settings),
            wechat,
            webhooks: crate::webhooks::delivery::Settings::from_config(&settings),
            blobs,
            access_key,
            settings: web::Data::new(settings),
        })
    }

    /// What signing a session's tokens takes.
    pub fn signing(&self) -> crate::auth::session::Signing<'_> {
        crate::auth::session::Signing {
            jwt: &self.jwt,
            session_ttl: self.settings.session_ttl,
        }
    }

    /// The parts the extractors, middleware and telemetry read, to register beside the state.
    pub fn shared_parts(&self) -> SharedParts {
        SharedParts {
            db: web::Data::new(self.db.clone()),
            jwt: self.jwt.clone(),
            metrics: self.metrics.clone(),
            settings: self.settings.clone(),
        }
    }
}
