//! `Idempotency-Key`: a retried create returns the first response and creates nothing more.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{TestApp, assert_problem, count_rows, spawn_app};

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.request(reqwest::Method::POST, "/api/v1/regions", Some(token))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_response() {
    let app = spawn_app().await;
    let root = app.root().await;
    let body = json!({"name": "青山区", "level": "district"});
    let first = post_with_key(&app, &root.access, "key-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_location = first.headers()["location"].clone();
    let first_body: Value = first.json().await.unwrap();

    for _ in 0..3 {
        let again = post_with_key(&app, &root.access, "key-1", &body).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.headers()["location"], first_location);
        assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    }
    assert_eq!(count_rows(app.db(), "regions").await, 1);

    // Without a key, or with another key, it is a new request.
    let other = post_with_key(&app, &root.access, "key-2", &body).await;
    assert_eq!(other.status(), StatusCode::CREATED);
    assert_eq!(count_rows(app.db(), "regions").await, 2);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_422() {
    let app = spawn_app().await;
    let root = app.root().await;
    post_with_key(
        &app,
        &root.access,
        "k",
        &json!({"name": "青山区", "level": "district"}),
    )
    .await;
    let response = post_with_key(
        &app,
        &root.access,
        "k",
        &json!({"name": "绿水区", "level": "district"}),
    )
    .await;
    assert_problem(response, 422, "idempotency_key_reused").await;
    assert_eq!(count_rows(app.db(), "regions").await, 1);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let app = spawn_app().await;
    let root = app.root().await;
    app.create_global_admin("second").await;
    let second = app.login("second", tests::PASSWORD).await;
    let body = json!({"name": "青山区", "level": "district"});
    assert_eq!(
        post_with_key(&app, &root.access, "shared", &body)
            .await
            .status(),
        StatusCode::CREATED
    );
    let response = post_with_key(&app, &second.access, "shared", &body).await;
    // Another caller's key is not theirs to replay: this is a new request (a duplicate name is allowed).
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("idempotent-replayed").is_none());
}

#[tokio::test]
async fn a_failed_request_releases_its_key() {
    let app = spawn_app().await;
    let root = app.root().await;
    let response = post_with_key(
        &app,
        &root.access,
        "fix-and-retry",
        &json!({"name": "", "level": "district"}),
    )
    .await;
    assert_problem(response, 422, "validation_failed").await;
    // The corrected request may use the key; the failure is not replayed.
    let fixed = json!({"name": "青山区", "level": "district"});
    let response = post_with_key(&app, &root.access, "fix-and-retry", &fixed).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_request_still_in_flight_is_a_409() {
    let app = spawn_app().await;
    let root = app.root().await;
    let body = json!({"name": "青山区", "level": "district"});
    // A first request that holds the key right now, as a slow concurrent request would.
    let hash = api::http::idempotency::request_hash(
        "POST",
        "/api/v1/regions",
        "",
        serde_json::to_vec(&body).unwrap().as_slice(),
    );
    use sea_orm::{ActiveModelTrait, Set};
    let now = api::clock::now();
    let held = |key: &str, locked_for: i64, applied: bool| entity::idempotency_key::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        principal: Set(format!("user:{}", root.user_id)),
        key: Set(key.into()),
        request_hash: Set(hash.clone()),
        completed: Set(false),
        locked_until: Set(now + chrono::Duration::seconds(locked_for)),
        applied: Set(applied),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(now),
    };
    held("busy", 60, false)
        .insert(app.db().writer())
        .await
        .unwrap();
    let response = post_with_key(&app, &root.access, "busy", &body).await;
    assert_problem(response, 409, "idempotency_in_flight").await;
    assert_eq!(count_rows(app.db(), "regions").await, 0);

    // A request whose process died after committing, before its answer was kept: once its lock
    // has lapsed it is not run again.
    held("applied", -1, true)
        .insert(app.db().writer())
        .await
        .unwrap();
    let response = post_with_key(&app, &root.access, "applied", &body).await;
    assert_problem(response, 409, "idempotency_applied").await;
    assert_eq!(count_rows(app.db(), "regions").await, 0);

    // One whose process died before committing is taken over and run.
    held("abandoned", -1, false)
        .insert(app.db().writer())
        .await
        .unwrap();
    let response = post_with_key(&app, &root.access, "abandoned", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(count_rows(app.db(), "regions").await, 1);
}

#[tokio::test]
async fn malformed_keys_are_a_400() {
    let app = spawn_app().await;
    let root = app.root().await;
    let body = json!({"name": "青山区", "level": "district"});
    for key in ["", "has space", &"k".repeat(256)] {
        let response = post_with_key(&app, &root.access, key, &body).await;
        assert_problem(response, 400, "invalid_header").await;
    }
    assert_eq!(count_rows(app.db(), "regions").await, 0);
}

#[tokio::test]
async fn concurrent_retries_create_exactly_one() {
    let app = spawn_app().await;
    let root = app.root().await;
    let body = json!({"name": "青山区", "level": "district"});
    let attempts = (0..8).map(|_| post_with_key(&app, &root.access, "storm", &body));
    let responses = futures_util::future::join_all(attempts).await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&201));
    assert_eq!(count_rows(app.db(), "regions").await, 1);
}
