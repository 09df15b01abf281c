//! Health, readiness, metrics, request ids, docs and the spec.

use reqwest::StatusCode;
use serde_json::Value;
use tests::{assert_problem, spawn_app};

#[tokio::test]
async fn liveness_answers_with_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/health/live", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn a_clients_request_id_is_echoed_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("X-Request-Id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-abc-123");

    let long = "x".repeat(500);
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("X-Request-Id", long.as_str())
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], long.as_str());
}

#[tokio::test]
async fn readiness_checks_the_database() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/health/ready", None).await.status(),
        StatusCode::OK
    );

    app.db().close().await;
    let response = app.get("/health/ready", None).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "service_unavailable").await;
    // Every endpoint that needs the database says the same, without leaking why.
    let response = app.get("/api/v1/regions", None).await;
    let body = assert_problem(response, 503, "service_unavailable").await;
    assert!(!body.to_string().to_lowercase().contains("pool"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/health/live", None).await;
    app.get(&format!("/api/v1/regions/{}", uuid::Uuid::now_v7()), None)
        .await;
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/health/live",status="200"} 1"#),
        "{text}"
    );
    // Routes are labelled by pattern, never by the raw path with its ids.
    assert!(
        text.contains(r#"route="/api/v1/regions/{id}",status="404""#),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("db_pool_connections{"));
}

#[tokio::test]
async fn swagger_ui_and_the_spec_are_served_from_the_binary() {
    let app = spawn_app().await;
    let response = app.get("/docs", None).await;
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(response.headers()["location"], "/docs/");

    let response = app.get("/docs/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(!html.contains("cdn"), "Swagger UI must not load from a CDN");
    let response = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let spec: Value = response.json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/auth/login"]["post"].is_object());
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
