//! The test harness: `spawn_app()` starts the real service on a random port against a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is
//! set) and returns a [`TestApp`] with typed helpers for the calls most tests need.
//!
//! Everything a test asserts goes through HTTP; the database handle is there to check rows that
//! no endpoint shows (audit events, stored hashes) and to set up what no endpoint creates yet.

use std::sync::Once;

use api::config::{Secret, Settings};
use api::db::Db;
use api::startup::Application;
use api::state::AppState;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use uuid::Uuid;

/// The JWT secret of every test app, so that tests can forge tokens with the right key.
pub const JWT_SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123";
/// The password of every user the helpers create.
pub const PASSWORD: &str = "correct horse battery staple";

static TRACING: Once = Once::new();

/// A running service and what the test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    pub settings: Settings,
    server: actix_web::dev::ServerHandle,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data_dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
}

/// A PostgreSQL database created for one test and dropped after it.
struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let admin = Database::connect(&admin_url).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// Starts the service with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the service after `configure` adjusted the test defaults.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    api::notify::sms::ensure_crypto_provider();
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            api::telemetry::init(api::config::LogFormat::Pretty);
        }
    });
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let mut settings = Settings::with_data_dir(data_dir.path());
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.jwt_secret = Some(Secret::new(JWT_SECRET.to_vec()));
    settings.db_max_connections = 5;
    // Deliver notifications within moments, and retry failed sends quickly.
    settings.outbox_poll_interval = std::time::Duration::from_millis(50);
    settings.outbox_retry_base = std::time::Duration::from_millis(100);
    // Voters sign in with `dev:<name>` codes unless a test points the service at a fake WeChat;
    // every test's requests come from 127.0.0.1, so the per-address budgets are wide.
    settings.wechat_dev_login = true;
    let wide = api::config::ThrottleSettings {
        burst: std::num::NonZeroU32::new(10_000).expect("non-zero"),
        period: std::time::Duration::from_millis(1),
    };
    settings.wechat_login_per_ip = wide;
    settings.submit_per_ip = wide;
    settings.submit_per_voter = wide;
    settings.anonymous_submit_per_ip = wide;
    settings.upload_per_ip = wide;
    settings.track_per_ip = wide;
    let postgres = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let db = create_postgres_database(&url).await;
            settings.database_url = database_url(&url, &db.name);
            Some(db)
        }
        _ => None,
    };
    configure(&mut settings);
    start(settings, data_dir, postgres).await
}

async fn start(
    settings: Settings,
    data_dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("the application builds");
    let port = app.port();
    let state = app.state();
    let server = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        state,
        settings,
        server,
        running,
        _data_dir: data_dir,
        postgres,
    }
}

impl TestApp {
    /// Stops the service (its server and background jobs) and keeps its database, for tests
    /// that go on with a process of their own on the same data; returns a new connection to
    /// it for reading rows. The app cannot be restarted afterwards.
    pub async fn halt(&mut self) -> Db {
        self.server.stop(true).await;
        let _ = (&mut self.running).await;
        Db::connect(&self.settings.database_url, 2)
            .await
            .expect("the database opens again")
    }

    /// Stops the service (as SIGTERM would) and starts it again on the same database, after
    /// `configure` adjusted its settings: what a deployment or a crash-and-restart looks like.
    pub async fn restart_with(self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        self.server.stop(true).await;
        let _ = self.running.await;
        let mut settings = self.settings.clone();
        settings.bind = "127.0.0.1:0".parse().expect("address");
        configure(&mut settings);
        start(settings, self._data_dir, self.postgres).await
    }
}

/// `base` with its database name replaced by `name`.
fn database_url(base: &str, name: &str) -> String {
    let mut url = url::Url::parse(base).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn create_postgres_database(admin_url: &str) -> PostgresDatabase {
    let name = format!("lianluo_test_{}", Uuid::now_v7().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL server");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create the test database");
    admin.close().await.expect("close the admin connection");
    PostgresDatabase {
        admin_url: admin_url.to_owned(),
        name,
    }
}

/// Tokens of a signed-in user, as the login endpoint returns them.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: Uuid,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// A request to `path`, with `token` as bearer if given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates a global administrator as `lianluo create-admin` does.
    pub async fn create_global_admin(&self, username: &str) -> Uuid {
        let username = api::domain::Username::parse("username", username).expect("valid username");
        api::routes::users::service::create_global_admin(
            self.db(),
            username.clone(),
            username.as_str().to_owned(),
            PASSWORD.to_owned(),
        )
        .await
        .expect("administrator created")
        .id
    }

    /// The `_sum` and `_count` of the service's `http_request_db_statements` histogram for one
    /// route (its pattern, e.g. `/api/v1/suggestions/{id}/status`), read from `/metrics`.
    pub async fn db_statements(&self, method: &str, route: &str) -> (f64, f64) {
        let text = self
            .get("/metrics", None)
            .await
            .text()
            .await
            .expect("metrics");
        let labels = format!("{{method=\"{method}\",route=\"{route}\"}}");
        let value = |series: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{series}{labels} ")))
                .map_or(0.0, |v| v.trim().parse::<f64>().expect("a number"))
        };
        (
            value("http_request_db_statements_sum"),
            value("http_request_db_statements_count"),
        )
    }

    /// The first message of the caller's inbox that `wanted` accepts, waiting for the sender
    /// (which delivers in the background) for up to five seconds.
    pub async fn wait_for_inbox(&self, token: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..100 {
            let inbox: Value = self
                .get("/api/v1/me/notifications", Some(token))
                .await
                .json()
                .await
                .expect("json");
            if let Some(item) = inbox["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|i| wanted(i))
            {
                return item.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no such message in the inbox");
    }

    /// Signs in and returns the tokens; panics unless the login succeeds.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let response = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let body: Value = response.json().await.expect("json");
        Session {
            user_id: body["user"]["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("user id"),
            access: body["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        }
    }

    /// A global administrator's session (the administrator is created on first use).
    pub async fn root(&self) -> Session {
        let exists = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": "root", "password": PASSWORD}),
            )
            .await;
        if exists.status() != StatusCode::OK {
            self.create_global_admin("root").await;
        }
        self.login("root", PASSWORD).await
    }

    /// Creates a region through the API and returns its id.
    pub async fn create_region(
        &self,
        token: &str,
        name: &str,
        level: &str,
        parent: Option<Uuid>,
    ) -> Uuid {
        let response = self
            .post(
                "/api/v1/regions",
                Some(token),
                &json!({"name": name, "level": level, "parent_id": parent}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create region {name}"
        );
        id_of(response).await
    }

    /// Creates a user through the API and returns their id.
    pub async fn create_user(
        &self,
        token: &str,
        username: &str,
        role: &str,
        region: Option<Uuid>,
    ) -> Uuid {
        let response = self
            .post(
                "/api/v1/users",
                Some(token),
                &json!({
                    "username": username,
                    "display_name": username,
                    "password": PASSWORD,
                    "role": role,
                    "region_id": region,
                }),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create user {username}"
        );
        id_of(response).await
    }

    /// Creates a user with `role` in `region` and signs them in.
    pub async fn user_session(&self, username: &str, role: &str, region: Option<Uuid>) -> Session {
        let root = self.root().await;
        self.create_user(&root.access, username, role, region).await;
        self.login(username, PASSWORD).await
    }

    /// A voter's session, signed in through `POST /api/v1/auth/wechat` with a development code
    /// (`dev:<name>`; the same name is the same voter).
    pub async fn voter_session(&self, name: &str) -> Session {
        let response = self
            .post(
                "/api/v1/auth/wechat",
                None,
                &json!({"code": format!("dev:{name}")}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "WeChat sign-in of {name}"
        );
        let body: Value = response.json().await.expect("json");
        Session {
            user_id: body["user"]["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("user id"),
            access: body["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        }
    }

    /// A district with two towns, the usual fixture of scope tests: `(district, town_a, town_b)`.
    pub async fn district_with_two_towns(&self) -> (Uuid, Uuid, Uuid) {
        let root = self.root().await;
        let district = self
            .create_region(&root.access, "青山区", "district", None)
            .await;
        let a = self
            .create_region(&root.access, "东街道", "town", Some(district))
            .await;
        let b = self
            .create_region(&root.access, "西街道", "town", Some(district))
            .await;
        (district, a, b)
    }
}

/// A station as the directory tests build them: `name` in `region` at (`lat`, `lng`).
pub fn station_body(region: Uuid, name: &str, lat: f64, lng: f64) -> Value {
    json!({
        "region_id": region,
        "kind": "community",
        "name": name,
        "address": format!("{name}路 1 号"),
        "location": {"latitude": lat, "longitude": lng},
        "opening_hours": {
            "periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"}],
            "note": "逢6接待日"
        },
        "phone": "0571-87654321",
        "star_rating": 3,
    })
}

/// A deputy as the directory tests build them, with a private mobile phone.
pub fn deputy_body(region: Uuid, name: &str) -> Value {
    json!({
        "region_id": region,
        "name": name,
        "gender": "female",
        "level": "county",
        "constituency": "东湖街道第三选区",
        "occupation": "社区卫生服务中心主任",
        "term_start": "2026-01-01",
        "term_end": "2030-12-31",
        "phone": "13812341234",
        "phone_public": false,
    })
}

impl TestApp {
    /// Creates a station and returns its body; panics unless it is created.
    pub async fn create_station(&self, token: &str, body: &Value) -> Value {
        let response = self.post("/api/v1/stations", Some(token), body).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "create station: {body}");
        body
    }

    /// Creates a deputy and returns its body; panics unless it is created.
    pub async fn create_deputy(&self, token: &str, body: &Value) -> Value {
        let response = self.post("/api/v1/deputies", Some(token), body).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "create deputy: {body}");
        body
    }

    /// Creates a handling unit (a bureau) of `region` and returns its id.
    pub async fn create_unit(&self, token: &str, region: Uuid, name: &str) -> String {
        let response = self
            .post(
                "/api/v1/units",
                Some(token),
                &json!({"region_id": region, "name": name, "kind": "bureau"}),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "create unit: {body}");
        str_of(&body, "id").to_owned()
    }

    /// Makes `users` the handlers of `unit`; panics unless accepted.
    pub async fn set_unit_members(&self, token: &str, unit: &str, users: &[Uuid]) {
        let response = self
            .put(
                &format!("/api/v1/units/{unit}/members"),
                Some(token),
                &json!({"user_ids": users}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "unit members");
    }

    /// A machine client's access token (client credentials grant); panics unless issued.
    pub async fn client_token(&self, id: &str, secret: &str) -> String {
        let response = self
            .request(Method::POST, "/api/v1/auth/token", None)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "client token: {body}");
        str_of(&body, "access_token").to_owned()
    }

    /// Stations `deputy` at `stations` (since 2026-01-01); panics unless accepted.
    pub async fn station_deputy(&self, token: &str, deputy: &str, stations: &[&str]) {
        let body = json!({
            "stations": stations
                .iter()
                .map(|s| json!({"station_id": s, "since": "2026-01-01"}))
                .collect::<Vec<_>>()
        });
        let response = self
            .request(
                Method::PUT,
                &format!("/api/v1/deputies/{deputy}/stations"),
                Some(token),
            )
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "station deputy: {text}");
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PUT, path, token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }
}

/// The string field `key` of `value`.
pub fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

/// The `id` field of a JSON response body.
pub async fn id_of(response: Response) -> Uuid {
    let body: Value = response.json().await.expect("json body");
    body["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id in the body")
}

/// Asserts that `response` is an RFC 9457 problem with `status` and `code`, and returns its body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "status; body: {body}");
    assert_eq!(
        content_type, "application/problem+json",
        "content type; body: {body}"
    );
    assert_eq!(body["code"], code, "code; body: {body}");
    assert_eq!(body["status"], status, "status field; body: {body}");
    assert_eq!(body["type"], format!("urn:lianluo:problem:{code}"));
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title; body: {body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "detail; body: {body}"
    );
    assert_eq!(
        body["request_id"].as_str().map(str::to_owned),
        request_id,
        "request id"
    );
    body
}

/// The fields named in a validation problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `code` of the validation error on `field`, if there is one.
pub fn error_code(problem: &Value, field: &str) -> Option<String> {
    problem["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["code"].as_str().map(str::to_owned))
}

/// Counts the rows of `table` (a name from our own schema, never from input).
pub async fn count_rows(db: &Db, table: &str) -> i64 {
    count_where(db, table, "1 = 1").await
}

/// Counts the rows of `table` matching `condition` (test-written SQL, never input).
pub async fn count_where(db: &Db, table: &str, condition: &str) -> i64 {
    query_one(
        db,
        &format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}"),
    )
    .await
    .expect("a row")
    .try_get::<i64>("", "n")
    .expect("count")
}

/// Undoes the migration whose name starts with `prefix` (e.g. `m20261123_000014`) and every
/// later one, then applies them all again: what a database that predates the migration goes
/// through, with the data that exists now.
pub async fn redo_migrations_from(db: &Db, prefix: &str) {
    use migration::MigratorTrait;
    let migrations = migration::Migrator::migrations();
    let from = migrations
        .iter()
        .position(|m| m.name().starts_with(prefix))
        .unwrap_or_else(|| panic!("no migration {prefix}"));
    let count = u32::try_from(migrations.len() - from).expect("few migrations");
    migration::Migrator::down(db.writer(), Some(count))
        .await
        .expect("down");
    migration::Migrator::up(db.writer(), None)
        .await
        .expect("up");
}

/// A published reception day at `station` on `day`, 09:00 to 12:00 local, or cancelled the day
/// before: the row generated-data tests write straight into the database.
pub fn reception_row(
    station: Uuid,
    day: chrono::NaiveDate,
    cancelled: bool,
) -> entity::reception::Model {
    use chrono::{Duration, TimeZone, Utc};
    use entity::reception::{ReceptionOrigin, ReceptionStatus};
    let starts = Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).expect("time"));
    entity::reception::Model {
        id: Uuid::now_v7(),
        station_id: station,
        day,
        starts_at: starts,
        ends_at: starts + Duration::hours(3),
        place: "接待室".into(),
        capacity: 10,
        seats_taken: 0,
        min_deputies: 1,
        max_deputies: 3,
        status: if cancelled {
            ReceptionStatus::Cancelled
        } else {
            ReceptionStatus::Published
        },
        origin: ReceptionOrigin::Manual,
        rule_day: None,
        edited: false,
        published_at: Some(starts - Duration::days(5)),
        late_reason: None,
        cancelled_at: cancelled.then_some(starts - Duration::days(1)),
        cancel_reason: cancelled.then(|| "暴雨".into()),
        created_at: starts - Duration::days(10),
        updated_at: starts - Duration::days(1),
    }
}

/// Runs a test-written query and returns its first row.
pub async fn query_one(db: &Db, sql: &str) -> Option<sea_orm::QueryResult> {
    db.reader()
        .query_one_raw(sea_orm::Statement::from_string(
            db.backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
}

/// Forges an HS256 JWT with any header and claims, signed with `key`.
pub fn forge_jwt(header: &Value, claims: &Value, key: &[u8]) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, KeyInit, Mac};
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("hmac key");
    mac.update(format!("{h}.{c}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{h}.{c}.{signature}")
}

/// A station ready for reception days: its district administrator, a liaison officer on its
/// staff, and deputies stationed there, each with a linked deputy account and a mobile phone.
pub struct Scheduling {
    pub district: Uuid,
    pub town: Uuid,
    pub admin: Session,
    pub liaison: Session,
    pub liaison_id: Uuid,
    pub station: String,
    /// Deputy ids, in creation order.
    pub deputies: Vec<String>,
    /// Usernames of the deputies' accounts, in the same order.
    pub deputy_users: Vec<String>,
}

impl TestApp {
    /// A [`Scheduling`] fixture with `deputies` deputies named 代表0, 代表1, ...
    pub async fn scheduling(&self, deputies: usize) -> Scheduling {
        let (district, town, _) = self.district_with_two_towns().await;
        let root = self.root().await;
        let admin = self
            .user_session("district-admin", "admin", Some(district))
            .await;
        let liaison_id = self
            .create_user(&root.access, "liaison", "station_staff", Some(town))
            .await;
        let liaison = self.login("liaison", PASSWORD).await;
        let mut body = station_body(town, "东街道中心联络站", 30.0, 120.0);
        body["liaison_user_ids"] = json!([liaison_id]);
        let station = self.create_station(&admin.access, &body).await;
        let station = str_of(&station, "id").to_owned();
        let mut ids = Vec::new();
        let mut users = Vec::new();
        for i in 0..deputies {
            let username = format!("deputy{i}");
            let user = self
                .create_user(&root.access, &username, "deputy", Some(town))
                .await;
            let mut d = deputy_body(town, &format!("代表{i}"));
            d["phone"] = json!(format!("1381234{i:04}"));
            d["user_id"] = json!(user);
            let d = self.create_deputy(&admin.access, &d).await;
            let id = str_of(&d, "id").to_owned();
            self.station_deputy(&admin.access, &id, &[&station]).await;
            ids.push(id);
            users.push(username);
        }
        Scheduling {
            district,
            town,
            admin,
            liaison,
            liaison_id,
            station,
            deputies: ids,
            deputy_users: users,
        }
    }

    /// Adds a session by hand on `date` from `starts` to `ends` with `deputies` on duty;
    /// returns its body.
    pub async fn add_session(
        &self,
        token: &str,
        station: &str,
        date: chrono::NaiveDate,
        (starts, ends): (&str, &str),
        deputies: &[&str],
    ) -> Value {
        let response = self
            .post(
                &format!("/api/v1/stations/{station}/receptions"),
                Some(token),
                &json!({
                    "date": date,
                    "hours": {"starts": starts, "ends": ends},
                    "deputy_ids": deputies,
                }),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "add session: {body}");
        body
    }

    /// Publishes session `id` (with `late_reason` if given); panics unless it is published.
    pub async fn publish_session(&self, token: &str, id: &str, late_reason: Option<&str>) -> Value {
        let body = match late_reason {
            Some(reason) => json!({"late_reason": reason}),
            None => json!({}),
        };
        let response = self
            .post(
                &format!("/api/v1/receptions/{id}/publish"),
                Some(token),
                &body,
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "publish: {body}");
        body
    }

    /// Moves session `id` a day into the past, as if it had been held yesterday: what no
    /// endpoint does (sessions that have started cannot be changed), and what the clock would.
    pub async fn move_session_to_yesterday(&self, id: &str) {
        self.move_session_by_days(id, -1).await;
    }

    /// Sets session `id` to `day`, from `starts_at` to `ends_at`.
    pub async fn reschedule_session(
        &self,
        id: &str,
        day: chrono::NaiveDate,
        starts_at: chrono::DateTime<chrono::Utc>,
        ends_at: chrono::DateTime<chrono::Utc>,
    ) {
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let id: Uuid = id.parse().expect("uuid");
        let session = entity::reception::Entity::find_by_id(id)
            .one(self.db().reader())
            .await
            .expect("query")
            .expect("session");
        let mut active: entity::reception::ActiveModel = session.into();
        active.day = Set(day);
        active.starts_at = Set(starts_at);
        active.ends_at = Set(ends_at);
        active
            .update(self.db().writer())
            .await
            .expect("rescheduled");
    }

    /// Moves session `id` by `days` (negative: into the past), keeping its hours.
    pub async fn move_session_by_days(&self, id: &str, days: i64) {
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let id: Uuid = id.parse().expect("uuid");
        let session = entity::reception::Entity::find_by_id(id)
            .one(self.db().reader())
            .await
            .expect("query")
            .expect("session");
        let shift = chrono::Duration::days(days);
        let mut active: entity::reception::ActiveModel = session.clone().into();
        active.day = Set(session.day + shift);
        active.starts_at = Set(session.starts_at + shift);
        active.ends_at = Set(session.ends_at + shift);
        active.update(self.db().writer()).await.expect("moved");
    }
}

/// A session that starts 20 minutes from now and lasts up to an hour (its sign-in is open):
/// `(date, starts, ends)` in local time. After 23:40 it is tomorrow's first session; an end
/// past midnight is cut to `24:00`.
pub fn session_starting_soon() -> (chrono::NaiveDate, String, String) {
    use api::domain::local_time::{format_minute, local_date, minute_of};
    let now = api::clock::now();
    let today = local_date(now);
    let starts = minute_of(today, now) + 20;
    let (date, starts) = if starts < 1440 {
        (today, starts)
    } else {
        (today.succ_opt().expect("tomorrow"), starts - 1440)
    };
    let ends = (starts + 60).min(1440);
    (date, format_minute(starts), format_minute(ends))
}

/// An export downloaded with English headings: its rows, headings first.
pub struct Export {
    pub rows: Vec<Vec<String>>,
}

impl Export {
    /// The column named `heading`.
    pub fn column(&self, heading: &str) -> usize {
        self.rows[0]
            .iter()
            .position(|h| h == heading)
            .unwrap_or_else(|| panic!("no column {heading} in {:?}", self.rows[0]))
    }

    /// The data rows.
    pub fn data(&self) -> &[Vec<String>] {
        &self.rows[1..]
    }
}

impl TestApp {
    /// `GET path` (an export) with English headings; asserts 200.
    async fn download(&self, path: &str, token: &str, content_type: &str) -> Vec<u8> {
        let res = self
            .request(Method::GET, path, Some(token))
            .header("Accept-Language", "en")
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let headers = res.headers().clone();
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some(content_type),
            "{path}"
        );
        assert_eq!(
            headers.get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        assert!(
            headers
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("attachment; filename=")),
            "{headers:?}"
        );
        res.bytes().await.expect("body").to_vec()
    }

    /// A CSV export: it must be UTF-8 beginning with a byte-order mark.
    pub async fn csv_export(&self, path: &str, token: &str) -> Export {
        let body = self.download(path, token, "text/csv; charset=utf-8").await;
        let text = String::from_utf8(body).expect("UTF-8");
        let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let rows = reader
            .records()
            .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
            .collect();
        Export { rows }
    }

    /// An export as [`Self::csv_export`] or [`Self::xlsx_export`] reads it, by the path's
    /// extension.
    pub async fn export(&self, path: &str, token: &str) -> Export {
        if path.split('?').next().is_some_and(|p| p.ends_with(".xlsx")) {
            self.xlsx_export(path, token).await
        } else {
            self.csv_export(path, token).await
        }
    }

    /// An `.xlsx` export: every sheet's rows, in order, with each further sheet's headings
    /// left out; numbers as Rust prints them.
    pub async fn xlsx_export(&self, path: &str, token: &str) -> Export {
        use calamine::{Reader, Xlsx};
        let body = self
            .download(
                path,
                token,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .await;
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("a workbook");
        let mut rows: Vec<Vec<String>> = Vec::new();
        for (i, name) in book.sheet_names().into_iter().enumerate() {
            let range = book.worksheet_range(&name).expect("a sheet");
            for (r, row) in range.rows().enumerate() {
                if i > 0 && r == 0 {
                    assert_eq!(
                        row.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        rows[0]
                    );
                    continue;
                }
                rows.push(row.iter().map(ToString::to_string).collect());
            }
        }
        Export { rows }
    }
}

/// A staff-entered submission received at `created`, numbered `tracking_no`, with no contact
/// details and nothing done yet: the row generated-data tests write straight into the database
/// (they set what their test is about with struct-update syntax).
pub fn submission_row(
    tracking_no: String,
    category: Uuid,
    region: Uuid,
    station: Option<Uuid>,
    created: chrono::DateTime<chrono::Utc>,
) -> entity::submission::Model {
    use entity::submission::{SubmissionChannel, SubmissionStatus};
    entity::submission::Model {
        id: Uuid::now_v7(),
        tracking_no,
        channel: SubmissionChannel::Mailbox,
        status: SubmissionStatus::Received,
        title: "意见".into(),
        content: "内容".into(),
        category_id: category,
        region_id: Some(region),
        station_id: station,
        deputy_id: None,
        voter_id: None,
        entered_by: None,
        qr_code: None,
        reception_record_item_id: None,
        address: None,
        latitude: None,
        longitude: None,
        contact_name: None,
        contact_phone: None,
        anonymous: true,
        consent_personal_info: false,
        consent_public: false,
        access_nonce: None,
        access_code_hash: None,
        result_note: None,
        referred_to: None,
        resolved_at: None,
        responded_at: None,
        closed_at: None,
        feedback_rating: None,
        feedback_comment: None,
        feedback_at: None,
        erased_at: None,
        idem_key: None,
        idem_hash: None,
        version: 1,
        created_at: created,
        updated_at: created,
        external_client_id: None,
        external_id: None,
    }
}

/// The id of one of the seeded categories, for rows written straight into the database.
pub async fn any_category(db: &Db) -> Uuid {
    use sea_orm::EntityTrait;
    entity::category::Entity::find()
        .one(db.reader())
        .await
        .expect("categories")
        .expect("a category")
        .id
}

/// Writes `cases` straight into the database, in batches a statement can bind.
pub async fn insert_suggestions(db: &Db, cases: &[entity::suggestion::Model]) {
    use sea_orm::{EntityTrait, IntoActiveModel};
    for chunk in cases.chunks(400) {
        entity::suggestion::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec(db.writer())
        .await
        .expect("cases");
    }
}

/// The value of a string-typed enum column stored as `name`: generated-data tests draw the
/// stored names and write them through the entities.
pub fn stored<E: sea_orm::ActiveEnum<Value = String>>(name: &str) -> E {
    E::try_from_value(&name.to_owned()).expect("a stored name of the column")
}

/// A station case accepted at `created` and nothing done since: the row generated-data tests
/// write straight into the database (they set what their test is about with struct-update
/// syntax).
pub fn suggestion_row(
    title: String,
    category: Uuid,
    region: Uuid,
    station: Option<Uuid>,
    created: chrono::DateTime<chrono::Utc>,
) -> entity::suggestion::Model {
    entity::suggestion::Model {
        id: Uuid::now_v7(),
        kind: entity::suggestion::Kind::StationCase,
        status: entity::suggestion::State::Accepted,
        title,
        content: "内容".into(),
        category_id: category,
        region_id: region,
        station_id: station,
        level: None,
        lead_unit_id: None,
        deadline: None,
        supervision: entity::suggestion::Supervision::None,
        supervision_note: None,
        reply_category: None,
        reply_text: None,
        replied_at: None,
        rating: None,
        rated_at: None,
        reopen_count: 0,
        flagged: false,
        created_by: None,
        escalated_from: None,
        version: 1,
        created_at: created,
        updated_at: created,
        closed_at: None,
        assigned_at: None,
        first_replied_at: None,
        first_rating: None,
    }
}
