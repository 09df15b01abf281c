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

use crate::config::Settings;
use crate::db::Db;
use crate::http::fallback::{RouteTable, not_found_or_not_allowed};
use crate::state::AppState;
use crate::{http, jobs, openapi, routes, telemetry};

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
        let shared = state.shared_parts();
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(app_state.clone())
                .app_data(shared.db.clone())
                .app_data(shared.jwt.clone())
                .app_data(shared.metrics.clone())
                .app_data(shared.settings.clone())
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
