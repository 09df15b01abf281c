//! Building and running the application: `Application::build(settings)` connects and migrates
//! the database, binds the listener and assembles the app; `run_until_stopped` serves until
//! SIGTERM or SIGINT, letting in-flight requests finish within the shutdown timeout.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::db::Db;
use crate::http::fallback::{RouteTable, not_found_or_not_allowed};
use crate::http::pagination::Cursors;
use crate::metrics::Metrics;
use crate::{http, jobs, openapi, routes, telemetry};

/// What every handler can reach, shared by all workers.
#[derive(Debug)]
pub struct AppState {
    pub db: Db,
    pub jwt: JwtKeys,
    pub cursors: Cursors,
    pub login_throttle: LoginThrottle,
    pub metrics: Metrics,
    /// Delivers the notification outbox (run by `jobs`).
    pub sender: crate::notify::sender::Sender,
    /// Rate limits of the voter-facing endpoints.
    pub rate_limits: crate::http::rate_limit::RateLimits,
    /// WeChat's server API, when `WECHAT_APPID` and `WECHAT_SECRET` are set.
    pub wechat: Option<crate::wechat::WeChat>,
    /// Where photos are stored.
    pub blobs: Arc<dyn crate::media::BlobStore>,
    /// Derives and checks the access codes of anonymous submissions (never stored).
    pub access_key: Vec<u8>,
    pub settings: Arc<Settings>,
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
            jwt,
            cursors: Cursors::new(cursor_key),
            login_throttle: LoginThrottle::new(&settings.login_per_account, &settings.login_per_ip),
            metrics: Metrics::new().context("metrics registry")?,
            sender: crate::notify::sender::Sender {
                gateway: crate::notify::sms::Gateway::from_settings(&settings)
                    .context("SMS gateway client")?,
                retry_base: settings.outbox_retry_base,
                max_attempts: settings.outbox_max_attempts,
            },
            rate_limits: crate::http::rate_limit::RateLimits::new(&settings),
            wechat,
            blobs,
            access_key,
            settings: Arc::new(settings),
        })
    }
}

/// A built application, bound to its port, not yet serving.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to and migrates the database, then binds `settings.bind`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::connect(&settings.database_url, settings.db_max_connections).await?;
        db.migrate().await.context("cannot migrate the database")?;
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let state = web::Data::new(AppState::new(settings, db)?);
        Self::serve(listener, state)
    }

    /// Serves `state` on an already bound listener.
    pub fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let spec = Arc::new(openapi::spec());
        let routes = web::Data::new(RouteTable::new(&spec, &openapi::EXTRA_ROUTES));
        let shutdown_timeout = state.settings.shutdown_timeout.as_secs();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(app_state.clone())
                .app_data(routes.clone())
                .app_data(http::params::path_config())
                .configure(routes::configure)
                .default_service(web::to(not_found_or_not_allowed))
                .into_app()
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", (*spec).clone()))
                .wrap(from_fn(http::fallback::literal_paths_first))
                .wrap(from_fn(http::cache::default_cache_control))
                .wrap(from_fn(http::problem::render_problems))
                .wrap(from_fn(telemetry::trace_requests))
        })
        .listen(listener)?
        .shutdown_timeout(shutdown_timeout)
        .run();
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle that stops the server (and with it the background jobs).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (SIGTERM, SIGINT or its handle), with the background
    /// jobs running beside it; the jobs stop with the server.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let jobs = jobs::spawn(self.state.clone());
        let result = self.server.await;
        jobs.stop().await;
        self.state.db.close().await;
        result.context("the server failed")
    }
}
