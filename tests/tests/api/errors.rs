//! The cross-cutting error behaviour: every client mistake is an RFC 9457 problem with a stable
//! code, in the client's language, and changes nothing.

use reqwest::StatusCode;
use serde_json::json;
use tests::{assert_problem, count_rows, error_fields, spawn_app};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/no-such-thing", None).await,
        404,
        "route_not_found",
    )
    .await;
    assert_problem(app.get("/", None).await, 404, "route_not_found").await;
}

#[tokio::test]
async fn a_wrong_method_is_a_405_listing_the_allowed_ones() {
    let app = spawn_app().await;
    let response = app.delete("/api/v1/auth/login", None).await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_problem(response, 405, "method_not_allowed").await;

    let id = uuid::Uuid::now_v7();
    let response = app
        .request(reqwest::Method::PUT, &format!("/api/v1/regions/{id}"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "DELETE, GET, PATCH");
    assert_problem(response, 405, "method_not_allowed").await;

    // `/regions/tree` is an endpoint of its own (GET only), though `/regions/{id}` takes PATCH
    // and DELETE: the literal path wins, for no one and for an administrator alike, and before
    // the token is looked at.
    let root = app.root().await;
    for token in [None, Some(root.access.as_str())] {
        let response = app
            .request(reqwest::Method::PATCH, "/api/v1/regions/tree", token)
            .json(&serde_json::json!({"name": "树"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "GET");
        assert_problem(response, 405, "method_not_allowed").await;
    }
    let response = app.delete("/api/v1/regions/tree", Some(&root.access)).await;
    assert_eq!(response.headers()["allow"], "GET");
    assert_problem(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn problems_follow_accept_language() {
    let app = spawn_app().await;
    let zh = assert_problem(app.get("/api/v1/me", None).await, 401, "unauthenticated").await;
    assert_eq!(zh["title"], "未通过身份验证");
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-language"], "en");
    let en = assert_problem(response, 401, "unauthenticated").await;
    assert_eq!(en["title"], "Unauthorized");
    assert_eq!(en["instance"], "/api/v1/me");
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    for body in ["{", "{\"username\": }", "[1, 2", "", "{} trailing", "\u{0}"] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, "malformed_body").await;
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("Content-Type", "text/plain")
        .body(r#"{"username":"a","password":"b"}"#)
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported_media_type").await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body(r#"{"username":"a","password":"b"}"#)
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported_media_type").await;
    // `+json` media types are JSON too.
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(
            "Content-Type",
            "application/vnd.lianluo+json; charset=utf-8",
        )
        .body(r#"{"username":"nobody","password":"whatever"}"#)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn a_one_mebibyte_body_is_a_413_and_creates_nothing() {
    let app = spawn_app().await;
    let root = app.root().await;
    let users_before = count_rows(app.db(), "users").await;
    let huge = json!({"username": "big", "display_name": "x".repeat(1024 * 1024), "password": "p", "role": "admin"});
    let response = app.post("/api/v1/users", Some(&root.access), &huge).await;
    assert_problem(response, 413, "payload_too_large").await;

    // Without a Content-Length (chunked), the limit still holds.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..64).map(|_| Ok(vec![b' '; 16 * 1024])).collect();
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&root.access)
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload_too_large").await;
    assert_eq!(count_rows(app.db(), "users").await, users_before);
}

#[tokio::test]
async fn unknown_fields_are_rejected_not_ignored() {
    let app = spawn_app().await;
    let root = app.root().await;
    let response = app
        .post(
            "/api/v1/regions",
            Some(&root.access),
            &json!({"name": "青山区", "level": "district", "colour": "red"}),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["colour"]);
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
    assert_eq!(count_rows(app.db(), "regions").await, 0);
}

#[tokio::test]
async fn wrong_types_and_missing_fields_name_the_field() {
    let app = spawn_app().await;
    let root = app.root().await;
    let response = app
        .post(
            "/api/v1/regions",
            Some(&root.access),
            &json!({"name": 12, "level": "district"}),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["name"]);
    assert_eq!(problem["errors"][0]["code"], "invalid_type");
    let response = app
        .post("/api/v1/regions", Some(&root.access), &json!({"name": "x"}))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["level"]);
    assert_eq!(problem["errors"][0]["code"], "required");
}

#[tokio::test]
async fn a_malformed_path_parameter_is_a_400() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/regions/not-a-uuid", None).await,
        400,
        "invalid_path",
    )
    .await;
    let root = app.root().await;
    assert_problem(
        app.get("/api/v1/users/42", Some(&root.access)).await,
        400,
        "invalid_path",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_query_parameter_is_a_400_naming_it() {
    let app = spawn_app().await;
    let problem = assert_problem(
        app.get("/api/v1/regions?level=planet", None).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["level"]);
    let problem = assert_problem(
        app.get("/api/v1/regions?parent_id=nope", None).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["parent_id"]);
    let long = "长".repeat(101);
    let problem = assert_problem(
        app.get(&format!("/api/v1/regions?q={long}"), None).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["q"]);
}

#[tokio::test]
async fn public_reads_are_cacheable_and_private_ones_are_not() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/regions", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let root = app.root().await;
    let response = app.get("/api/v1/me", Some(&root.access)).await;
    assert_eq!(response.headers()["cache-control"], "private, no-cache");
    let response = app.get("/api/v1/regions", Some(&root.access)).await;
    assert_eq!(response.headers()["cache-control"], "private, no-cache");
}

#[tokio::test]
async fn a_body_that_trickles_in_too_slowly_is_a_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = tests::spawn_app_with(|s| s.body_timeout = std::time::Duration::from_secs(1)).await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 60\r\nConnection: close\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("the server answers without waiting for the rest of the body")
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");
    assert!(
        response.contains("\"code\":\"request_timeout\""),
        "{response}"
    );
}

#[tokio::test]
async fn a_bad_token_on_a_public_read_is_a_401_not_an_anonymous_answer() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let station = app
        .get(&format!("/api/v1/stations/{}", s.station), None)
        .await
        .json::<serde_json::Value>()
        .await
        .expect("the station");
    let code = station["public_code"]
        .as_str()
        .expect("a public code")
        .to_owned();
    let root = app.root().await;
    // A district platform's client, whose token is good until the client is disabled.
    let client = app
        .post(
            "/api/v1/clients",
            Some(&s.admin.access),
            &serde_json::json!({"name": "12345", "region_id": s.district, "scopes": ["read:cases"]}),
        )
        .await
        .json::<serde_json::Value>()
        .await
        .expect("a client");
    let client_id = client["id"].as_str().expect("an id").to_owned();
    let machine = app
        .client_token(
            &client_id,
            client["client_secret"].as_str().expect("a secret"),
        )
        .await;
    // Signed out: the token was good, and is not any more.
    let response = app
        .post(
            "/api/v1/auth/logout",
            Some(&root.access),
            &serde_json::json!({}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    // Every read that needs no token, whether or not it looks at its caller.
    let public = [
        "/api/v1/stations".to_owned(),
        "/api/v1/deputies".to_owned(),
        "/api/v1/receptions".to_owned(),
        "/api/v1/regions".to_owned(),
        "/api/v1/regions/tree".to_owned(),
        format!("/api/v1/regions/{}", s.town),
        format!("/api/v1/regions/{}/checklist-items", s.district),
        "/api/v1/categories".to_owned(),
        "/api/v1/holidays/2026".to_owned(),
        "/api/v1/public/cases".to_owned(),
        format!("/api/v1/stations/{}/qrcode", s.station),
        format!("/api/v1/stations/{}/reception-rule", s.station),
        format!("/api/v1/deputies/{}/qrcode", s.deputies[0]),
        format!("/api/v1/resolve/{code}"),
    ];
    // The regions, categories, codes and the like are read by district platforms too: a good
    // machine token is accepted there whatever its scopes, and a disabled client's is not.
    let open_to_clients = &public[3..];
    for path in open_to_clients {
        let status = app.get(path, Some(&machine)).await.status();
        assert!(
            status.is_success() || status == 404,
            "{path} with a client's token: {status}"
        );
    }
    let disabled = app
        .patch(
            &format!("/api/v1/clients/{client_id}"),
            Some(&s.admin.access),
            &serde_json::json!({"disabled": true}),
        )
        .await;
    assert_eq!(disabled.status(), 200);
    for path in open_to_clients {
        assert_problem(app.get(path, Some(&machine)).await, 401, "unauthenticated").await;
    }
    for path in &public {
        let anonymous = app.get(path, None).await.status();
        assert!(
            anonymous.is_success() || anonymous == 404,
            "{path} is public: {anonymous}"
        );
        let response = app.get(path, Some(&root.access)).await;
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.contains("invalid_token"), "{path}: {challenge}");
        assert_problem(response, 401, "unauthenticated").await;
    }
    // Tracking by access code: the code decides, but a token sent along must be good too.
    let track = app
        .request(
            reqwest::Method::GET,
            "/api/v1/track/LL2000-000001",
            Some(&root.access),
        )
        .header("X-Access-Code", "ABCD-EFGH-JKLM")
        .send()
        .await
        .expect("track");
    assert_problem(track, 401, "unauthenticated").await;
    let rate = app
        .request(
            reqwest::Method::POST,
            "/api/v1/track/LL2000-000001/feedback",
            Some(&root.access),
        )
        .header("X-Access-Code", "ABCD-EFGH-JKLM")
        .json(&serde_json::json!({"rating": "satisfied"}))
        .send()
        .await
        .expect("rate");
    assert_problem(rate, 401, "unauthenticated").await;
}
