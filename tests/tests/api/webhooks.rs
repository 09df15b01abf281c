//! Webhooks over HTTP: a fake district platform on loopback (with the development switch)
//! registers a subscription, receives signed events for cases' whole lives, is taken down (and
//! the service restarted) and gets every missed event after it returns, in order per case; the
//! refusals of targets, types and callers; pausing after a window of failures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

/// One request the platform received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A fake district platform: an HTTP server on loopback that records what it receives and
/// answers 204, and that can be taken down and brought back on the same port.
struct Platform {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    handle: Option<ServerHandle>,
}

impl Platform {
    async fn start(port: u16, received: Arc<Mutex<Vec<Received>>>) -> Platform {
        let sink = received.clone();
        let server = actix_web::HttpServer::new(move || {
            let sink = sink.clone();
            actix_web::App::new().default_service(actix_web::web::to(
                move |req: actix_web::HttpRequest, body: actix_web::web::Bytes| {
                    let sink = sink.clone();
                    async move {
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.as_str().to_owned(),
                                    v.to_str().unwrap_or_default().to_owned(),
                                )
                            })
                            .collect();
                        sink.lock().expect("lock").push(Received {
                            path: req.path().to_owned(),
                            headers,
                            body: body.to_vec(),
                        });
                        actix_web::HttpResponse::NoContent().finish()
                    }
                },
            ))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .bind(("127.0.0.1", port))
        .expect("the platform binds");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Platform {
            port,
            received,
            handle: Some(handle),
        }
    }

    async fn stop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.stop(false).await;
        }
    }

    fn at(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// Verifies a delivery exactly as the README tells receivers to: HMAC-SHA256, keyed with the
/// whole secret, of `<Lianluo-Timestamp>.<raw body>`, hex, against any `v1=` entry of
/// `Lianluo-Signature`, and a timestamp within five minutes.
fn verify(secret: &str, r: &Received) -> bool {
    let Some(timestamp) = r.headers.get("lianluo-timestamp") else {
        return false;
    };
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - ts).abs() > 300 {
        return false;
    }
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&r.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    r.headers
        .get("lianluo-signature")
        .is_some_and(|h| h.split(',').any(|e| e.trim() == format!("v1={expected}")))
}

/// Waits (up to 20 s) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Creates a client of `region` with `scopes` and returns a token for it.
async fn client_token(app: &TestApp, admin: &str, region: uuid::Uuid, scopes: &[&str]) -> String {
    let created = json_of(
        app.post(
            "/api/v1/clients",
            Some(admin),
            &json!({"name": "区数字人大平台", "region_id": region, "scopes": scopes}),
        )
        .await,
    )
    .await;
    let token = app
        .request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", str_of(&created, "id")),
            ("client_secret", str_of(&created, "client_secret")),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(token.status(), StatusCode::OK);
    str_of(&json_of(token).await, "access_token").to_owned()
}

/// A town office with a handler signed in: (unit id, handler's token).
async fn office(app: &TestApp, s: &Scheduling) -> (String, String) {
    let root = app.root().await;
    let unit = json_of(
        app.post(
            "/api/v1/units",
            Some(&s.admin.access),
            &json!({"region_id": s.town, "name": "东街道办事处", "kind": "bureau"}),
        )
        .await,
    )
    .await;
    let id = str_of(&unit, "id").to_owned();
    let user = app
        .create_user(&root.access, "h-office", "unit_handler", Some(s.town))
        .await;
    let set = app
        .put(
            &format!("/api/v1/units/{id}/members"),
            Some(&s.admin.access),
            &json!({"user_ids": [user]}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    (id, app.login("h-office", PASSWORD).await.access)
}

async fn new_case(app: &TestApp, staff: &str, station: &str, title: &str) -> String {
    let created = app
        .post(
            "/api/v1/suggestions",
            Some(staff),
            &json!({"kind": "station_case", "title": title, "content": "选民反映路灯不亮。", "category": "urban_management", "station_id": station}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    str_of(&json_of(created).await, "id").to_owned()
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) {
    let response = app
        .post(
            &format!("/api/v1/suggestions/{id}/transitions"),
            Some(token),
            &body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
}

/// The versions of `case` in the order the platform received them (each event once).
fn versions_of(received: &[Received], case: &str) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    received
        .iter()
        .map(Received::json)
        .filter(|e| e["object"]["id"] == case && seen.insert(e["id"].clone()))
        .map(|e| e["object"]["version"].as_i64().expect("version"))
        .collect()
}

fn dev(s: &mut api::config::Settings) {
    s.webhook_allow_insecure = true;
    s.webhook_poll_interval = Duration::from_millis(50);
    s.webhook_retry_base = Duration::from_millis(100);
    s.webhook_timeout = Duration::from_secs(2);
}

#[tokio::test]
async fn a_district_platform_gets_every_event_in_order_per_case_across_downtime_and_restarts() {
    let app = spawn_app_with(dev).await;
    let s = app.scheduling(1).await;
    let (unit, handler) = office(&app, &s).await;
    let staff = s.liaison.access.clone();
    let platform_token = client_token(
        &app,
        &s.admin.access,
        s.district,
        &["read:cases", "manage:webhooks"],
    )
    .await;
    // A client of another region subscribes to everything, and must receive nothing of this one.
    let root = app.root().await;
    let elsewhere = app
        .create_region(&root.access, "西区", "district", None)
        .await;
    let foreign_token = client_token(
        &app,
        &root.access,
        elsewhere,
        &["read:cases", "read:directory", "manage:webhooks"],
    )
    .await;

    let received = Arc::new(Mutex::new(Vec::new()));
    let mut platform = Platform::start(0, received.clone()).await;
    let port = platform.port;
    let subscribe = |token: String, path: &'static str, types: Value| {
        let app = &app;
        async move {
            let response = app
                .post(
                    "/api/v1/webhooks",
                    Some(&token),
                    &json!({"url": format!("http://127.0.0.1:{port}{path}"), "event_types": types, "description": "区数字人大平台"}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::CREATED);
            assert_eq!(response.headers()["cache-control"], "no-store");
            json_of(response).await
        }
    };
    let hook = subscribe(
        platform_token.clone(),
        "/hooks/lianluo",
        json!(["suggestion.*"]),
    )
    .await;
    let secret = str_of(&hook, "secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    let hook_id = str_of(&hook, "id").to_owned();
    assert_eq!(hook["status"], "active");
    assert_eq!(hook["event_types"], json!(["suggestion.*"]));
    subscribe(foreign_token, "/foreign", json!(["*"])).await;
    // The secret is shown once.
    let read = json_of(
        app.get(
            &format!("/api/v1/webhooks/{hook_id}"),
            Some(&platform_token),
        )
        .await,
    )
    .await;
    assert!(read.get("secret").is_none());

    // A case's first steps arrive, signed.
    let a = new_case(&app, &staff, &s.station, "幸福路路灯维修").await;
    act(
        &app,
        &staff,
        &a,
        json!({"action": "assign", "lead_unit_id": unit}),
    )
    .await;
    until("case A's first two events", || {
        versions_of(&platform.at("/hooks/lianluo"), &a) == vec![1, 2]
    })
    .await;
    let first = platform.at("/hooks/lianluo")[0].clone();
    assert!(verify(&secret, &first), "the signature verifies");
    let body = first.json();
    assert_eq!(body["type"], "suggestion.created");
    assert_eq!(first.headers["lianluo-event-type"], "suggestion.created");
    assert_eq!(
        first.headers["lianluo-event-id"],
        body["id"].as_str().expect("id")
    );
    assert_eq!(first.headers["content-type"], "application/json");
    // The summary is the case as it stands when the event is written (no personal data).
    assert!(body["object"]["summary"]["status"].is_string());
    assert!(body["object"]["summary"].get("content").is_none());
    let mut tampered = first.clone();
    tampered.body = String::from_utf8(first.body.clone())
        .expect("utf-8")
        .replacen("suggestion.created", "suggestion.deleted", 1)
        .into_bytes();
    assert!(!verify(&secret, &tampered), "a changed body fails");
    assert!(!verify("whsec_other", &first), "another secret fails");

    // The platform goes down; the cases move on.
    platform.stop().await;
    act(&app, &handler, &a, json!({"action": "acknowledge"})).await;
    let b = new_case(&app, &staff, &s.station, "东门菜市场噪音扰民").await;
    act(
        &app,
        &staff,
        &b,
        json!({"action": "assign", "lead_unit_id": unit}),
    )
    .await;
    act(
        &app,
        &handler,
        &a,
        json!({"action": "reply", "reply_category": "A", "reply_text": "路灯已修复。"}),
    )
    .await;
    // Attempts fail and are recorded, and later events of a case wait behind the first.
    let deliveries = format!("/api/v1/webhooks/{hook_id}/deliveries");
    for _ in 0..600 {
        let page = json_of(
            app.get(
                &format!("{deliveries}?status=pending"),
                Some(&platform_token),
            )
            .await,
        )
        .await;
        let items = page["items"].as_array().expect("items");
        // All four written (on PostgreSQL a change waits for older transactions), and tried.
        if items.len() == 4 && items.iter().any(|d| d["attempts"].as_i64() >= Some(1)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = json_of(
        app.get(
            &format!("{deliveries}?status=pending"),
            Some(&platform_token),
        )
        .await,
    )
    .await;
    let pending = page["items"].as_array().expect("items");
    assert_eq!(pending.len(), 4, "{page}");
    let tried = pending
        .iter()
        .find(|d| d["attempts"].as_i64() >= Some(1))
        .expect("an attempted delivery");
    assert!(tried["last_error"].as_str().is_some());
    assert!(
        !tried["recent_attempts"]
            .as_array()
            .expect("attempts")
            .is_empty()
    );
    let a_pending: Vec<&Value> = pending
        .iter()
        .filter(|d| d["object_id"] == a.as_str())
        .collect();
    assert_eq!(a_pending.len(), 2);
    // Only the earliest of case A's waiting events is tried; the later one has not been.
    let later = a_pending
        .iter()
        .max_by_key(|d| d["position"].as_i64())
        .expect("later");
    assert_eq!(later["attempts"], 0);

    // The service restarts while the platform is down: nothing is lost.
    let app = app.restart_with(|_| {}).await;
    let mut platform = Platform::start(port, received.clone()).await;
    until("every missed event", || {
        let got = platform.at("/hooks/lianluo");
        versions_of(&got, &a) == vec![1, 2, 3, 4] && versions_of(&got, &b) == vec![1, 2]
    })
    .await;
    let all = platform.at("/hooks/lianluo");
    assert!(all.iter().all(|r| verify(&secret, r)));
    // The platform has the last request before the service has recorded its answer, so the
    // log is read until it catches up (it must, within the wait).
    let mut page = Value::Null;
    for _ in 0..600 {
        page = json_of(app.get(&deliveries, Some(&platform_token)).await).await;
        let items = page["items"].as_array().expect("items");
        if items.iter().all(|d| d["status"] == "delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 6);
    assert!(items.iter().all(|d| d["status"] == "delivered"), "{page}");
    let retried = items
        .iter()
        .find(|d| d["attempts"].as_i64() > Some(1))
        .expect("a delivery that needed retries");
    assert_eq!(
        retried["recent_attempts"][0]["status_code"], 204,
        "the newest attempt, first"
    );

    // Redelivery sends the same event (same id, same body) again.
    let again = &items[0];
    let event_id = str_of(again, "id").to_owned();
    let redeliver = app
        .post(
            &format!("{deliveries}/{event_id}:redeliver"),
            Some(&platform_token),
            &json!({}),
        )
        .await;
    assert_eq!(redeliver.status(), StatusCode::ACCEPTED);
    until("the redelivery", || {
        platform
            .at("/hooks/lianluo")
            .iter()
            .filter(|r| r.headers["lianluo-event-id"] == event_id)
            .count()
            == 2
    })
    .await;

    // The other region's client got nothing, and the audit trail has the subscription.
    assert!(platform.at("/foreign").is_empty());
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'webhook.create'").await,
        2
    );
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'webhook.redeliver'").await,
        1
    );
    platform.stop().await;
}

#[tokio::test]
async fn unsafe_targets_unknown_types_and_other_callers_are_refused_and_change_nothing() {
    // The development switch is off here: HTTPS and public addresses only. `intranet.example`
    // stands for a name an internal resolver answers with a private address, and
    // `platform.example` for a public one.
    let app = spawn_app_with(|s| {
        s.webhook_resolve = vec![
            (
                "intranet.example".into(),
                vec!["10.20.30.40".parse().expect("ip")],
            ),
            (
                "platform.example".into(),
                vec!["93.184.216.34".parse().expect("ip")],
            ),
        ];
    })
    .await;
    let s = app.scheduling(0).await;
    let token = client_token(
        &app,
        &s.admin.access,
        s.district,
        &["read:cases", "manage:webhooks"],
    )
    .await;
    let create = |url: String, types: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.post(
                "/api/v1/webhooks",
                Some(&token),
                &json!({"url": url, "event_types": types}),
            )
            .await
        }
    };
    let long = format!("https://platform.example/{}", "a".repeat(3000));
    for (url, code) in [
        ("http://127.0.0.1/hook", "https_required"),
        ("http://platform.example/hook", "https_required"),
        ("https://127.0.0.1/hook", "forbidden_address"),
        ("https://localhost/hook", "forbidden_address"),
        ("https://10.0.0.1/hook", "forbidden_address"),
        (
            "https://169.254.169.254/latest/meta-data",
            "forbidden_address",
        ),
        ("https://[::ffff:192.168.1.1]/hook", "forbidden_address"),
        ("https://intranet.example/hook", "forbidden_address"),
        ("https://no-such-host.invalid/hook", "unresolvable_host"),
        ("https://user:pw@platform.example/hook", "invalid_url"),
        ("not a url", "invalid_url"),
        (long.as_str(), "url_too_long"),
    ] {
        let problem = assert_problem(
            create(url.to_owned(), json!(["suggestion.*"])).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_code(&problem, "url"), Some(code.to_owned()), "{url}");
    }
    let ok_url = "https://platform.example/hook".to_owned();
    for (types, code) in [
        (json!([]), "length"),
        (json!(["suggestion.closed"]), "unknown_event_type"),
        (json!(["users.*"]), "unknown_event_type"),
    ] {
        let problem = assert_problem(
            create(ok_url.clone(), types.clone()).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            error_code(&problem, "event_types"),
            Some(code.to_owned()),
            "{types}"
        );
    }
    // Stations need read:directory, which this client lacks.
    assert_problem(
        create(ok_url.clone(), json!(["station.*"])).await,
        403,
        "insufficient_scope",
    )
    .await;
    // People, and clients without manage:webhooks, are refused.
    assert_problem(
        app.post(
            "/api/v1/webhooks",
            Some(&s.admin.access),
            &json!({"url": ok_url, "event_types": ["*"]}),
        )
        .await,
        403,
        "client_only",
    )
    .await;
    let reader = client_token(&app, &s.admin.access, s.district, &["read:cases"]).await;
    assert_problem(
        app.get("/api/v1/webhooks", Some(&reader)).await,
        403,
        "insufficient_scope",
    )
    .await;
    assert_eq!(count_rows(app.db(), "webhooks").await, 0);

    // Ten subscriptions at most.
    let mut ids = Vec::new();
    for _ in 0..10 {
        let created = create(ok_url.clone(), json!(["*"])).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        ids.push(str_of(&json_of(created).await, "id").to_owned());
    }
    let problem = assert_problem(
        create(ok_url.clone(), json!(["*"])).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&problem, "url"),
        Some("too_many_webhooks".to_owned())
    );
    assert_eq!(count_rows(app.db(), "webhooks").await, 10);
    let listed = json_of(app.get("/api/v1/webhooks?limit=4", Some(&token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(4));
    assert!(listed["next_cursor"].is_string());

    // Another client (of the same region) cannot see or touch them.
    let other = client_token(&app, &s.admin.access, s.district, &["manage:webhooks"]).await;
    let path = format!("/api/v1/webhooks/{}", ids[0]);
    assert_problem(app.get(&path, Some(&other)).await, 404, "not_found").await;
    assert_problem(
        app.patch(&path, Some(&other), &json!({"active": false}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&path, Some(&other)).await, 404, "not_found").await;
    assert_problem(
        app.get(&format!("{path}/deliveries"), Some(&other)).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(
            &format!("{path}/deliveries/{}:redeliver", uuid::Uuid::now_v7()),
            Some(&token),
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let bad_filter = app
        .get(&format!("{path}/deliveries?status=lost"), Some(&token))
        .await;
    assert_eq!(bad_filter.status(), StatusCode::BAD_REQUEST);

    // Changing: a bad URL or description is refused and changes nothing; pausing works.
    let problem = assert_problem(
        app.patch(&path, Some(&token), &json!({"url": "https://10.0.0.1/"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&problem, "url"),
        Some("forbidden_address".to_owned())
    );
    let problem = assert_problem(
        app.patch(
            &path,
            Some(&token),
            &json!({"description": "x".repeat(201)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&problem, "description"),
        Some("invalid".to_owned())
    );
    let unchanged = json_of(app.get(&path, Some(&token)).await).await;
    assert_eq!(unchanged["url"], "https://platform.example/hook");
    assert_eq!(unchanged["version"], 1);
    let paused = json_of(
        app.patch(&path, Some(&token), &json!({"active": false}))
            .await,
    )
    .await;
    assert_eq!(paused["status"], "paused");
    assert_eq!(paused["pause_reason"], "owner");

    // Deleting removes it.
    let deleted = app.delete(&path, Some(&token)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path, Some(&token)).await, 404, "not_found").await;
    assert_eq!(count_rows(app.db(), "webhooks").await, 9);
}

#[tokio::test]
async fn a_webhook_failing_for_a_whole_window_is_paused_its_owner_told_and_it_resumes() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    // A one-second window stands for the 24 hours.
    let app = spawn_app_with(|s| {
        dev(s);
        s.webhook_retry_window = Duration::from_secs(1);
    })
    .await;
    let s = app.scheduling(0).await;
    let token = client_token(
        &app,
        &s.admin.access,
        s.district,
        &["read:cases", "manage:webhooks"],
    )
    .await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&receiver)
        .await;
    let hook = json_of(
        app.post(
            "/api/v1/webhooks",
            Some(&token),
            &json!({"url": format!("{}/hook", receiver.uri()), "event_types": ["suggestion.created"]}),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/webhooks/{}", str_of(&hook, "id"));
    new_case(&app, &s.liaison.access, &s.station, "幸福路路灯维修").await;

    // It keeps failing; after the window it is paused and the client's owner is told.
    let mut paused = Value::Null;
    for _ in 0..600 {
        paused = json_of(app.get(&path, Some(&token)).await).await;
        if paused["status"] == "paused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(paused["status"], "paused", "{paused}");
    assert_eq!(paused["pause_reason"], "failing");
    assert!(paused["failing_since"].is_string());
    let notice = app
        .wait_for_inbox(&s.admin.access, |i| i["template"] == "webhook.paused")
        .await;
    assert!(notice["title"].as_str().is_some());
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'webhook.pause'").await,
        1
    );
    let deliveries = json_of(app.get(&format!("{path}/deliveries"), Some(&token)).await).await;
    let delivery = &deliveries["items"][0];
    assert!(delivery["attempts"].as_i64() >= Some(2), "{delivery}");
    assert_eq!(delivery["last_status_code"], 500);
    assert_eq!(delivery["recent_attempts"][0]["status_code"], 500);

    // A delivery being sent right now is not redelivered on top of it.
    {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let id: uuid::Uuid = str_of(delivery, "id").parse().expect("uuid");
        let db = app.db();
        let lease = |until: Option<chrono::DateTime<chrono::Utc>>| async move {
            entity::webhook_delivery::Entity::update_many()
                .col_expr(
                    entity::webhook_delivery::Column::LeaseUntil,
                    Expr::val(until),
                )
                .filter(entity::webhook_delivery::Column::Id.eq(id))
                .exec(db.writer())
                .await
                .expect("lease set");
        };
        lease(Some(chrono::Utc::now() + chrono::Duration::hours(1))).await;
        assert_problem(
            app.post(
                &format!("{path}/deliveries/{id}:redeliver"),
                Some(&token),
                &json!({}),
            )
            .await,
            409,
            "conflict",
        )
        .await;
        lease(None).await;
    }

    // The receiver is fixed; resuming and redelivering gets the event through.
    receiver.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let resumed = json_of(
        app.patch(&path, Some(&token), &json!({"active": true}))
            .await,
    )
    .await;
    assert_eq!(resumed["status"], "active");
    assert!(resumed["failing_since"].is_null());
    let id = str_of(delivery, "id");
    // The pause comes when the window has passed since the first failure, which is after the
    // delivery's own window closed: it is failed, and only a redelivery sends it again.
    assert_eq!(delivery["status"], "failed", "{delivery}");
    let again = app
        .post(
            &format!("{path}/deliveries/{id}:redeliver"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let mut last = Value::Null;
    for _ in 0..600 {
        last = json_of(app.get(&format!("{path}/deliveries"), Some(&token)).await).await;
        if last["items"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(last["items"][0]["status"], "delivered", "{last}");
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_a_failed_attempt_retried_later() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let app = spawn_app_with(|s| {
        dev(s);
        s.webhook_timeout = Duration::from_millis(300);
        s.webhook_retry_base = Duration::from_secs(60);
    })
    .await;
    let s = app.scheduling(0).await;
    let token = client_token(
        &app,
        &s.admin.access,
        s.district,
        &["read:cases", "manage:webhooks"],
    )
    .await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&receiver)
        .await;
    let hook = json_of(
        app.post(
            "/api/v1/webhooks",
            Some(&token),
            &json!({"url": format!("{}/hook", receiver.uri()), "event_types": ["suggestion.created"]}),
        )
        .await,
    )
    .await;
    let deliveries = format!("/api/v1/webhooks/{}/deliveries", str_of(&hook, "id"));
    new_case(&app, &s.liaison.access, &s.station, "幸福路路灯维修").await;
    let mut delivery = Value::Null;
    for _ in 0..600 {
        let page = json_of(app.get(&deliveries, Some(&token)).await).await;
        delivery = page["items"][0].clone();
        if delivery["attempts"].as_i64() >= Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivery["attempts"], 1, "{delivery}");
    assert_eq!(delivery["status"], "pending");
    assert!(delivery["last_status_code"].is_null());
    assert_eq!(delivery["last_error"], "no answer within 300 ms");
    // The attempt was cut off at the timeout, not left waiting for the three-second answer.
    let took = delivery["recent_attempts"][0]["duration_ms"]
        .as_i64()
        .expect("duration");
    assert!((300..3000).contains(&took), "{took} ms");
    assert!(delivery["next_attempt_at"].is_string());
}

/// `event_types` holds 1 to 20 items, each `<type>.<op>`, `<type>.*` or `*` (blanks around them
/// allowed), on creation and on change: an empty list, 21 items or an item of another form is
/// 422 naming `event_types`, and nothing is stored or changed; 20 items are accepted.
#[tokio::test]
async fn webhook_event_type_lists_outside_the_contracts_bounds_are_refused_and_change_nothing() {
    let app = spawn_app_with(|s| {
        s.webhook_resolve = vec![(
            "platform.example".into(),
            vec!["93.184.216.34".parse().expect("ip")],
        )];
    })
    .await;
    let s = app.scheduling(0).await;
    let token = client_token(
        &app,
        &s.admin.access,
        s.district,
        &["read:cases", "manage:webhooks"],
    )
    .await;
    let url = "https://platform.example/hook";
    let known = [
        "*",
        "suggestion.*",
        "suggestion.created",
        "suggestion.updated",
        "suggestion.deleted",
        "submission.*",
        "submission.created",
        "submission.updated",
        "submission.deleted",
        " suggestion.updated ",
    ];
    let twenty: Vec<&str> = known.iter().cycle().take(20).copied().collect();
    let twenty_one: Vec<&str> = known.iter().cycle().take(21).copied().collect();
    let refused = [
        (json!([]), "length"),
        (json!(twenty_one), "length"),
        (json!(["suggestion"]), "unknown_event_type"),
        (json!(["suggestion.updated.again"]), "unknown_event_type"),
        (json!(["Suggestion.updated"]), "unknown_event_type"),
        (json!(["suggestion. updated"]), "unknown_event_type"),
        (json!(["suggestion.*", "*.updated"]), "unknown_event_type"),
        (json!(["**"]), "unknown_event_type"),
        (json!([""]), "unknown_event_type"),
    ];
    for (types, code) in &refused {
        let problem = assert_problem(
            app.post(
                "/api/v1/webhooks",
                Some(&token),
                &json!({"url": url, "event_types": types}),
            )
            .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), ["event_types"], "{types}");
        assert_eq!(
            error_code(&problem, "event_types").as_deref(),
            Some(*code),
            "{types}"
        );
    }
    assert_eq!(count_rows(app.db(), "webhooks").await, 0);

    let created = app
        .post(
            "/api/v1/webhooks",
            Some(&token),
            &json!({"url": url, "event_types": twenty}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json_of(created).await;
    let path = format!("/api/v1/webhooks/{}", str_of(&created, "id"));
    for (types, code) in &refused {
        let problem = assert_problem(
            app.patch(&path, Some(&token), &json!({"event_types": types}))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), ["event_types"], "{types}");
        assert_eq!(
            error_code(&problem, "event_types").as_deref(),
            Some(*code),
            "{types}"
        );
    }
    let unchanged = json_of(app.get(&path, Some(&token)).await).await;
    assert_eq!(unchanged["event_types"], created["event_types"]);
    assert_eq!(unchanged["version"], created["version"]);
    assert_eq!(count_rows(app.db(), "webhooks").await, 1);
}
