//! Integrations over HTTP: machine clients and their tokens, scopes and regions; the change feed
//! followed page by page, under concurrent writers, without skipping; hotline tickets.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

/// Creates a client of `region` with `scopes`; returns (id, secret).
async fn new_client(
    app: &TestApp,
    admin: &str,
    region: uuid::Uuid,
    scopes: &[&str],
) -> (String, String) {
    let response = app
        .post(
            "/api/v1/clients",
            Some(admin),
            &json!({"name": "青山区数字人大平台", "region_id": region, "scopes": scopes}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_of(response).await;
    (
        str_of(&body, "id").to_owned(),
        str_of(&body, "client_secret").to_owned(),
    )
}

async fn token_response(
    app: &TestApp,
    id: &str,
    secret: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    app.request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .form(&form)
        .send()
        .await
        .expect("sent")
}

async fn token(app: &TestApp, id: &str, secret: &str) -> String {
    let response = token_response(app, id, secret, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    str_of(&json_of(response).await, "access_token").to_owned()
}

/// A submission at the fixture's station, from a voter; returns its id.
async fn submit(app: &TestApp, voter: &str, station: &str, title: &str) -> String {
    let created = app
        .post(
            "/api/v1/submissions",
            Some(voter),
            &json!({"title": title, "content": "幸福路路灯坏了两周。", "category": "urban_management", "station_id": station}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    str_of(&json_of(created).await, "id").to_owned()
}

/// Follows the feed from `cursor` to its end; returns the changes and the last cursor.
async fn drain(
    app: &TestApp,
    token: &str,
    mut cursor: Option<String>,
    limit: u32,
) -> (Vec<Value>, Option<String>) {
    let mut seen = Vec::new();
    let mut empty = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/changes?limit={limit}&since={c}"),
            None => format!("/api/v1/changes?limit={limit}"),
        };
        let page = app.get(&path, Some(token)).await;
        assert_eq!(page.status(), StatusCode::OK);
        let page = json_of(page).await;
        let items = page["items"].as_array().expect("items").clone();
        cursor = Some(str_of(&page, "next_cursor").to_owned());
        if items.is_empty() {
            // On PostgreSQL a change waits for older transactions of the database (the
            // service's background jobs) to finish: give them a moment before concluding.
            empty += 1;
            if empty > 3 {
                return (seen, cursor);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        empty = 0;
        seen.extend(items);
    }
}

#[tokio::test]
async fn clients_get_tokens_within_their_scopes_and_region() {
    // Many token requests for one client here; the throttle has its own test below.
    let app = spawn_app_with(|s| {
        s.login_per_account.burst = std::num::NonZeroU32::new(1000).expect("non-zero");
    })
    .await;
    let s = app.scheduling(1).await;
    let admin = &s.admin.access;
    let (id, secret) = new_client(&app, admin, s.district, &["read:cases"]).await;
    // Only a hash is stored.
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        count_where(app.db(), "api_clients", &format!("secret_hash = '{hash}'")).await,
        1
    );
    assert_eq!(
        count_where(app.db(), "api_clients", "secret_hash LIKE 'llcs%'").await,
        0
    );

    // Form-encoded, JSON and HTTP Basic all work.
    let form = json_of(token_response(&app, &id, &secret, None).await).await;
    assert_eq!(form["token_type"], "Bearer");
    assert_eq!(form["scope"], "read:cases");
    let by_json = app
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .await;
    assert_eq!(by_json.status(), StatusCode::OK);
    let basic = app
        .request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("sent");
    assert_eq!(basic.status(), StatusCode::OK);

    // Refusals.
    assert_problem(
        token_response(&app, &id, "llcs_wrong", None).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_problem(
        token_response(&app, &uuid::Uuid::now_v7().to_string(), &secret, None).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_problem(
        token_response(&app, &id, &secret, Some("write:tickets")).await,
        403,
        "invalid_scope",
    )
    .await;
    assert_problem(
        token_response(&app, &id, &secret, Some("root")).await,
        422,
        "validation_failed",
    )
    .await;
    let bad_grant = app
        .request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .form(&[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(
        error_code(
            &assert_problem(bad_grant, 422, "validation_failed").await,
            "grant_type"
        ),
        Some("unsupported_grant_type".to_owned())
    );
    let missing = app
        .request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("sent");
    assert_problem(missing, 422, "validation_failed").await;
    let plain = app
        .request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .header("content-type", "text/plain")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("sent");
    assert_problem(plain, 415, "unsupported_media_type").await;
    // Guessing is throttled like password logins.
    let throttled = spawn_app_with(|s| {
        s.login_per_account.burst = std::num::NonZeroU32::new(2).expect("non-zero");
    })
    .await;
    // (No fixture here: its sign-ins would spend the small per-account budget of `root`.)
    throttled.create_global_admin("root").await;
    let root = throttled.login("root", PASSWORD).await;
    let district = throttled
        .create_region(&root.access, "青山区", "district", None)
        .await;
    let (tid, _) = new_client(&throttled, &root.access, district, &["read:cases"]).await;
    for _ in 0..2 {
        assert_problem(
            token_response(&throttled, &tid, "llcs_guess", None).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_problem(
        token_response(&throttled, &tid, "llcs_guess", None).await,
        429,
        "rate_limited",
    )
    .await;

    // A client token works where its scope admits it, and nowhere else.
    let client_token = token(&app, &id, &secret).await;
    let case = json_of(
        app.post(
            "/api/v1/suggestions",
            Some(&s.liaison.access),
            &json!({"kind": "station_case", "title": "路灯", "content": "幸福路路灯不亮", "category": "urban_management", "station_id": s.station}),
        )
        .await,
    )
    .await;
    let case_id = str_of(&case, "id").to_owned();
    let read = app
        .get(
            &format!("/api/v1/suggestions/{case_id}"),
            Some(&client_token),
        )
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let listed = json_of(app.get("/api/v1/suggestions", Some(&client_token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    assert_problem(
        app.post(
            &format!("/api/v1/suggestions/{case_id}/transitions"),
            Some(&client_token),
            &json!({"action": "withdraw"}),
        )
        .await,
        403,
        "client_not_allowed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/units", Some(&client_token)).await,
        403,
        "client_not_allowed",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/intake/tickets",
            Some(&client_token),
            &json!({"external_id": "x"}),
        )
        .await,
        403,
        "insufficient_scope",
    )
    .await;
    // People's tokens are refused before the ticket is looked at, an administrator's too.
    assert_problem(
        app.post(
            "/api/v1/intake/tickets",
            Some(admin),
            &json!({"external_id": "x"}),
        )
        .await,
        403,
        "client_only",
    )
    .await;
    assert_problem(
        app.get("/api/v1/changes?types=station", Some(&client_token))
            .await,
        403,
        "insufficient_scope",
    )
    .await;
    // A client of another region sees nothing of this one.
    let root = app.root().await;
    let elsewhere = app
        .create_region(&root.access, "白水区", "district", None)
        .await;
    let (other_id, other_secret) = new_client(&app, &root.access, elsewhere, &["read:cases"]).await;
    let other = token(&app, &other_id, &other_secret).await;
    assert_problem(
        app.get(&format!("/api/v1/suggestions/{case_id}"), Some(&other))
            .await,
        404,
        "not_found",
    )
    .await;
    let none = json_of(app.get("/api/v1/suggestions", Some(&other)).await).await;
    assert_eq!(none["items"], json!([]));
    // An administrator cannot create clients outside their region, nor see them.
    let outside = app
        .post(
            "/api/v1/clients",
            Some(admin),
            &json!({"name": "外区", "region_id": elsewhere, "scopes": ["read:cases"]}),
        )
        .await;
    assert_problem(outside, 403, "forbidden").await;
    assert_problem(
        app.get(&format!("/api/v1/clients/{other_id}"), Some(admin))
            .await,
        404,
        "not_found",
    )
    .await;
    let no_scopes = app
        .post(
            "/api/v1/clients",
            Some(admin),
            &json!({"name": "空", "region_id": s.district, "scopes": []}),
        )
        .await;
    assert_problem(no_scopes, 422, "validation_failed").await;
    let unknown_scope = app
        .post(
            "/api/v1/clients",
            Some(admin),
            &json!({"name": "错", "region_id": s.district, "scopes": ["root"]}),
        )
        .await;
    assert_problem(unknown_scope, 422, "validation_failed").await;
    assert_problem(
        app.get("/api/v1/clients", Some(&s.liaison.access)).await,
        403,
        "forbidden",
    )
    .await;
    let by_staff = app
        .post(
            "/api/v1/clients",
            Some(&s.liaison.access),
            &json!({"name": "站里", "region_id": s.district, "scopes": ["read:cases"]}),
        )
        .await;
    assert_problem(by_staff, 403, "forbidden").await;
    // Another region's client cannot be changed or rotated from here; bad changes are refused.
    let foreign = app
        .patch(
            &format!("/api/v1/clients/{other_id}"),
            Some(admin),
            &json!({"disabled": true}),
        )
        .await;
    assert_problem(foreign, 404, "not_found").await;
    let foreign = app
        .post(
            &format!("/api/v1/clients/{other_id}/secret:rotate"),
            Some(admin),
            &json!({}),
        )
        .await;
    assert_problem(foreign, 404, "not_found").await;
    let emptied = app
        .patch(
            &format!("/api/v1/clients/{id}"),
            Some(admin),
            &json!({"scopes": []}),
        )
        .await;
    assert_problem(emptied, 422, "validation_failed").await;
    let garbled = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/clients/{id}/secret:rotate"),
            Some(admin),
        )
        .header("content-type", "application/json")
        .body("{grace")
        .send()
        .await
        .expect("sent");
    assert_problem(garbled, 400, "malformed_body").await;
    let not_json = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/clients/{id}/secret:rotate"),
            Some(admin),
        )
        .header("content-type", "text/plain")
        .body("grace_seconds=60")
        .send()
        .await
        .expect("sent");
    assert_problem(not_json, 415, "unsupported_media_type").await;
    let bad_basic = app
        .request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .header("authorization", "Basic not-base64!")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("sent");
    assert_problem(bad_basic, 401, "invalid_credentials").await;
    // None of these refusals changed the client.
    let unchanged = json_of(app.get(&format!("/api/v1/clients/{id}"), Some(admin)).await).await;
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["scopes"], json!(["read:cases"]));

    // Rotation: the old secret works through its grace period; without one it stops at once.
    let rotated = app
        .post(
            &format!("/api/v1/clients/{id}/secret:rotate"),
            Some(admin),
            &json!({"grace_seconds": 3600}),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated = json_of(rotated).await;
    let new_secret = str_of(&rotated, "client_secret").to_owned();
    assert!(rotated["previous_secret_valid_until"].is_string());
    assert_eq!(
        token_response(&app, &id, &secret, None).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        token_response(&app, &id, &new_secret, None).await.status(),
        StatusCode::OK
    );
    let bad_grace = app
        .post(
            &format!("/api/v1/clients/{id}/secret:rotate"),
            Some(admin),
            &json!({"grace_seconds": 9_999_999}),
        )
        .await;
    assert_problem(bad_grace, 422, "validation_failed").await;
    let again = json_of(
        app.post(
            &format!("/api/v1/clients/{id}/secret:rotate"),
            Some(admin),
            &json!({"grace_seconds": 0}),
        )
        .await,
    )
    .await;
    assert!(again["client_secret"].is_string());
    assert_problem(
        token_response(&app, &id, &new_secret, None).await,
        401,
        "invalid_credentials",
    )
    .await;
    // A JSON `null` body is no body: the default grace period of a day.
    let defaulted = json_of(
        app.post(
            &format!("/api/v1/clients/{id}/secret:rotate"),
            Some(admin),
            &Value::Null,
        )
        .await,
    )
    .await;
    let until: chrono::DateTime<chrono::Utc> = defaulted["previous_secret_valid_until"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("a grace period");
    let grace = until - chrono::Utc::now();
    assert!(grace > chrono::Duration::hours(23) && grace <= chrono::Duration::hours(24));
    let newest = str_of(&defaulted, "client_secret").to_owned();

    // Disabling acts on the next token request and on tokens already issued.
    let live = token(&app, &id, &newest).await;
    let disabled = app
        .patch(
            &format!("/api/v1/clients/{id}"),
            Some(admin),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_problem(
        token_response(&app, &id, &newest, None).await,
        403,
        "client_disabled",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/suggestions/{case_id}"), Some(&live))
            .await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        count_where(app.db(), "audit_events", "action LIKE 'client.%'").await,
        6
    );
}

#[tokio::test]
async fn the_feed_follows_a_case_and_refuses_foreign_cursors() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let (id, secret) = new_client(&app, &s.admin.access, s.district, &["read:cases"]).await;
    let client = token(&app, &id, &secret).await;
    let alice = app.voter_session("alice").await;
    let sub = submit(&app, &alice.access, &s.station, "幸福路路灯不亮").await;
    let converted = json_of(
        app.post(
            &format!("/api/v1/submissions/{sub}/triage"),
            Some(&s.liaison.access),
            &json!({"action": "convert"}),
        )
        .await,
    )
    .await;
    let case = str_of(&converted, "suggestion_id").to_owned();
    let (first, cursor) = drain(&app, &client, None, 2).await;
    let ids: Vec<(&str, &str, i64)> = first
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap(),
                c["op"].as_str().unwrap(),
                c["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(ids.contains(&("submission", "created", 1)), "{ids:?}");
    assert!(ids.contains(&("suggestion", "created", 1)), "{ids:?}");
    // Positions only grow, and each object's versions only grow.
    let positions: Vec<i64> = first
        .iter()
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let submission_versions: Vec<i64> = first
        .iter()
        .filter(|c| c["id"] == json!(sub))
        .map(|c| c["version"].as_i64().unwrap())
        .collect();
    assert!(
        submission_versions.windows(2).all(|w| w[0] < w[1]),
        "{submission_versions:?}"
    );
    // Summaries carry no personal data.
    let text = serde_json::to_string(&first).unwrap();
    assert!(
        !text.contains("contact") && !text.contains("voter_id"),
        "{text}"
    );
    // Stations are directory changes: not for read:cases.
    assert!(
        first
            .iter()
            .all(|c| c["type"] == "submission" || c["type"] == "suggestion")
    );

    // Nothing new: an empty page, the same place.
    let (none, cursor) = drain(&app, &client, cursor, 10).await;
    assert!(none.is_empty());
    // One more step of the case arrives once.
    let staff = &s.liaison.access;
    let root = app.root().await;
    let unit = json_of(
        app.post(
            "/api/v1/units",
            Some(&s.admin.access),
            &json!({"region_id": s.town, "name": "东街道办事处", "kind": "street_office"}),
        )
        .await,
    )
    .await;
    let _ = root;
    let assigned = app
        .post(
            &format!("/api/v1/suggestions/{case}/transitions"),
            Some(staff),
            &json!({"action": "assign", "lead_unit_id": unit["id"]}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let (next, _) = drain(&app, &client, cursor.clone(), 10).await;
    let case_changes: Vec<&Value> = next.iter().filter(|c| c["id"] == json!(case)).collect();
    assert_eq!(case_changes.len(), 1, "{next:?}");
    assert_eq!(case_changes[0]["summary"]["status"], "assigned");

    // Another client's cursor, or a made-up one, is refused.
    let (other_id, other_secret) =
        new_client(&app, &s.admin.access, s.district, &["read:cases"]).await;
    let other = token(&app, &other_id, &other_secret).await;
    let foreign = app
        .get(
            &format!("/api/v1/changes?since={}", cursor.expect("cursor")),
            Some(&other),
        )
        .await;
    assert_problem(foreign, 400, "invalid_cursor").await;
    assert_problem(
        app.get("/api/v1/changes?since=42", Some(&other)).await,
        400,
        "invalid_cursor",
    )
    .await;
    assert_problem(
        app.get("/api/v1/changes?types=letters", Some(&other)).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/changes?limit=0", Some(&other)).await,
        400,
        "invalid_query",
    )
    .await;
    // Staff and voters do not read the feed; administrators do.
    assert_problem(
        app.get("/api/v1/changes", Some(staff)).await,
        403,
        "forbidden",
    )
    .await;
    let (everything, _) = drain(&app, &s.admin.access, None, 100).await;
    assert!(everything.iter().any(|c| c["type"] == "station"));
}

#[tokio::test]
async fn concurrent_writers_never_make_the_feed_skip_a_change() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let (id, secret) = new_client(&app, &s.admin.access, s.district, &["read:cases"]).await;
    let client = token(&app, &id, &secret).await;
    let mut voters = Vec::new();
    for i in 0..6 {
        voters.push(app.voter_session(&format!("voter{i}")).await.access);
    }
    // On PostgreSQL, a transaction that writes first and commits last: its change must not be
    // passed over by a reader that saw later commits. (SQLite has one writer: commits cannot
    // overtake each other there.)
    let station_updates = async |app: &TestApp| {
        let (all, _) = drain(app, &s.admin.access, None, 1000).await;
        all.iter()
            .filter(|c| c["type"] == "station" && c["op"] == "updated")
            .count()
    };
    let updates_before = station_updates(&app).await;
    let held = if app.is_postgres() {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let txn = app.db().writer().begin().await.expect("begin");
        txn.execute_unprepared(&format!(
            "UPDATE stations SET phone = '0571-1' WHERE id = '{}'",
            s.station
        ))
        .await
        .expect("update");
        Some(txn)
    } else {
        None
    };
    // Writers and a follower at the same time.
    let writers: Vec<_> = voters
        .iter()
        .enumerate()
        .map(|(w, voter)| {
            let app = &app;
            let station = s.station.clone();
            async move {
                let mut ids = Vec::new();
                for n in 0..5 {
                    ids.push(submit(app, voter, &station, &format!("意见{w}-{n}")).await);
                }
                ids
            }
        })
        .collect();
    let follower = async {
        let mut seen = Vec::new();
        let mut cursor = None;
        for _ in 0..20 {
            let (page, next) = drain(&app, &client, cursor, 3).await;
            seen.extend(page);
            cursor = next;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        (seen, cursor)
    };
    let (written, (mut seen, cursor)) =
        tokio::join!(futures_util::future::join_all(writers), follower);
    let written: Vec<String> = written.into_iter().flatten().collect();
    if let Some(txn) = held {
        // While the early writer is open, its change is not numbered (nor anything after it).
        assert_eq!(station_updates(&app).await, updates_before);
        txn.commit().await.expect("commit");
        assert_eq!(
            station_updates(&app).await,
            updates_before + 1,
            "the held change was skipped"
        );
    }
    let (rest, _) = drain(&app, &client, cursor, 7).await;
    seen.extend(rest);
    let created: Vec<&str> = seen
        .iter()
        .filter(|c| c["type"] == "submission" && c["op"] == "created")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut unique = created.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), created.len(), "a change was seen twice");
    let mut expected: Vec<&str> = written.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(unique, expected, "a change was skipped");
    let positions: Vec<i64> = seen
        .iter()
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn tickets_become_submissions_once_per_external_id() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let (id, secret) = new_client(
        &app,
        &s.admin.access,
        s.district,
        &["write:tickets", "read:cases"],
    )
    .await;
    let client = token(&app, &id, &secret).await;
    let ticket = json!({"external_id": "12345-20261123-0042", "title": "幸福路路灯不亮", "content": "市民来电反映幸福路路灯坏了两周。", "category": "urban_management", "station_id": s.station});
    let first = app
        .post("/api/v1/intake/tickets", Some(&client), &ticket)
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = json_of(first).await;
    assert_eq!(first["channel"], "hotline");
    assert_eq!(first["external_id"], "12345-20261123-0042");
    let again = app
        .post("/api/v1/intake/tickets", Some(&client), &ticket)
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(json_of(again).await["id"], first["id"]);
    assert_eq!(count_rows(app.db(), "submissions").await, 1);
    let mut platform = ticket.clone();
    platform["external_id"] = json!("P-1");
    platform["channel"] = json!("platform");
    let platform = json_of(
        app.post("/api/v1/intake/tickets", Some(&client), &platform)
            .await,
    )
    .await;
    assert_eq!(platform["channel"], "platform");

    // Bad tickets change nothing.
    let mut without = ticket.clone();
    without.as_object_mut().unwrap().remove("external_id");
    let refused = assert_problem(
        app.post("/api/v1/intake/tickets", Some(&client), &without)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&refused, "external_id"),
        Some("required".to_owned())
    );
    let mut long = ticket.clone();
    long["external_id"] = json!("x".repeat(101));
    assert_problem(
        app.post("/api/v1/intake/tickets", Some(&client), &long)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let mut odd = ticket.clone();
    odd["external_id"] = json!("N-2");
    odd["channel"] = json!("miniapp");
    let refused = assert_problem(
        app.post("/api/v1/intake/tickets", Some(&client), &odd)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&refused, "channel"), Some("invalid".to_owned()));
    odd["channel"] = json!("hotline");
    odd["attachment_ids"] = json!([]);
    assert_problem(
        app.post("/api/v1/intake/tickets", Some(&client), &odd)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let root = app.root().await;
    let elsewhere = app
        .create_region(&root.access, "白水区", "district", None)
        .await;
    let (far_id, far_secret) = new_client(&app, &root.access, elsewhere, &["write:tickets"]).await;
    let far = token(&app, &far_id, &far_secret).await;
    let mut outside = ticket.clone();
    outside["external_id"] = json!("F-1");
    let refused = assert_problem(
        app.post("/api/v1/intake/tickets", Some(&far), &outside)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&refused, "station_id"),
        Some("outside_scope".to_owned())
    );
    // Staff cannot claim the platform channel.
    let staff_platform = app
        .post(
            "/api/v1/submissions",
            Some(&s.liaison.access),
            &json!({"title": "t", "content": "c", "category": "urban_management", "station_id": s.station, "channel": "platform"}),
        )
        .await;
    assert_eq!(
        error_code(
            &assert_problem(staff_platform, 422, "validation_failed").await,
            "channel"
        ),
        Some("not_settable".to_owned())
    );
    assert_eq!(count_rows(app.db(), "submissions").await, 2);

    // The ticket's changes flow back through the feed, with its external id.
    let (changes, _) = drain(&app, &client, None, 50).await;
    assert!(
        changes
            .iter()
            .any(|c| c["summary"]["external_id"] == "12345-20261123-0042")
    );
}

/// A client's name of spaces only or over 100 characters, and an empty list of scopes, are
/// refused as the contract says, on creation and on change (422 naming the field; no client
/// stored, none changed); a 100-character name is accepted.
#[tokio::test]
async fn clients_with_blank_or_long_names_or_no_scopes_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let root = app.root().await;
    let district = app
        .create_region(&root.access, "青山区", "district", None)
        .await;
    for (body, field) in [
        (
            json!({"name": "  \t", "region_id": district, "scopes": ["read:cases"]}),
            "name",
        ),
        (
            json!({"name": "台".repeat(101), "region_id": district, "scopes": ["read:cases"]}),
            "name",
        ),
        (
            json!({"name": "平台", "region_id": district, "scopes": []}),
            "scopes",
        ),
    ] {
        let problem = assert_problem(
            app.post("/api/v1/clients", Some(&root.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}: {problem}");
    }
    assert_eq!(count_rows(app.db(), "api_clients").await, 0);

    let longest = "台".repeat(100);
    let created = app
        .post(
            "/api/v1/clients",
            Some(&root.access),
            &json!({"name": longest, "region_id": district, "scopes": ["read:cases"]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json_of(created).await;
    assert_eq!(created["name"], json!(longest));
    let path = format!("/api/v1/clients/{}", str_of(&created, "id"));
    for (body, field) in [
        (json!({"name": " "}), "name"),
        (json!({"name": "台".repeat(101)}), "name"),
        (json!({"scopes": []}), "scopes"),
    ] {
        let problem = assert_problem(
            app.patch(&path, Some(&root.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}: {problem}");
    }
    let unchanged = json_of(app.get(&path, Some(&root.access)).await).await;
    assert_eq!(unchanged["name"], json!(longest));
    assert_eq!(unchanged["scopes"], json!(["read:cases"]));
    assert_eq!(unchanged["version"], created["version"]);
}
