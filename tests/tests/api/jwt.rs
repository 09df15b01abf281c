//! Every way a bearer token can be wrong gets a 401 with `WWW-Authenticate: Bearer`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tests::{JWT_SECRET, PASSWORD, TestApp, assert_problem, forge_jwt, spawn_app};

/// A signed-in admin's real token, its header and its claims.
async fn real_token(app: &TestApp) -> (String, Value, Value) {
    app.create_global_admin("admin").await;
    let session = app.login("admin", PASSWORD).await;
    let mut parts = session.access.split('.');
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    (session.access, header, claims)
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let response = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(response.status().as_u16(), 401, "{what}");
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{what}: {challenge}");
    assert_problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn the_forging_helper_is_faithful() {
    // If this fails, the refusals below prove nothing.
    let app = spawn_app().await;
    let (_, header, claims) = real_token(&app).await;
    let token = forge_jwt(&header, &claims, JWT_SECRET);
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn tampered_and_foreign_tokens_are_refused() {
    let app = spawn_app().await;
    let (real, header, claims) = real_token(&app).await;
    let now = chrono::Utc::now().timestamp();
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let header_with = |key: &str, value: &str| {
        let mut h = header.clone();
        h[key] = value.into();
        h
    };
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header_with("alg", "none").to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let cases = [
        ("alg none", none),
        (
            "HS512",
            forge_jwt(&header_with("alg", "HS512"), &claims, JWT_SECRET),
        ),
        (
            "RS256",
            forge_jwt(&header_with("alg", "RS256"), &claims, JWT_SECRET),
        ),
        (
            "wrong signature",
            forge_jwt(&header, &claims, b"another-secret-another-secret-0123456"),
        ),
        (
            "unknown kid",
            forge_jwt(&header_with("kid", "0000000000000000"), &claims, JWT_SECRET),
        ),
        // A staff account's token under the mini-program's audience (its signature is good).
        (
            "wrong aud",
            forge_jwt(&header, &with("aud", json!("lianluo-miniapp")), JWT_SECRET),
        ),
        (
            "unknown aud",
            forge_jwt(&header, &with("aud", json!("someone-else")), JWT_SECRET),
        ),
        (
            "wrong iss",
            forge_jwt(&header, &with("iss", json!("someone-else")), JWT_SECRET),
        ),
        (
            "expired",
            forge_jwt(&header, &with("exp", json!(now - 120)), JWT_SECRET),
        ),
        (
            "not yet valid",
            forge_jwt(&header, &with("nbf", json!(now + 300)), JWT_SECRET),
        ),
        (
            "string exp",
            forge_jwt(
                &header,
                &with("exp", json!((now + 600).to_string())),
                JWT_SECRET,
            ),
        ),
        (
            "unknown session",
            forge_jwt(
                &header,
                &with("sid", json!(uuid::Uuid::now_v7())),
                JWT_SECRET,
            ),
        ),
        (
            "another user",
            forge_jwt(
                &header,
                &with("sub", json!(uuid::Uuid::now_v7())),
                JWT_SECRET,
            ),
        ),
        ("truncated", real[..real.len() - 5].to_owned()),
        ("garbage", "a.b.c".to_owned()),
    ];
    for (what, token) in cases {
        assert_refused(&app, &token, what).await;
    }
}

#[tokio::test]
async fn an_expired_token_says_so_in_the_challenge() {
    let app = spawn_app().await;
    let (_, header, mut claims) = real_token(&app).await;
    claims["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    let response = app
        .get("/api/v1/me", Some(&forge_jwt(&header, &claims, JWT_SECRET)))
        .await;
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let problem = assert_problem(response, 401, "unauthenticated").await;
    assert!(problem["detail"].as_str().unwrap().contains("过期"));
}

#[tokio::test]
async fn a_token_in_the_query_string_is_refused() {
    let app = spawn_app().await;
    let (real, _, _) = real_token(&app).await;
    let response = app
        .get(&format!("/api/v1/me?access_token={real}"), None)
        .await;
    let problem = assert_problem(response, 401, "unauthenticated").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Authorization")
    );
    // Even beside a valid header: the token has already leaked into logs and caches.
    let response = app
        .get(&format!("/api/v1/me?token={real}"), Some(&real))
        .await;
    assert_problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn malformed_authorization_headers_are_refused() {
    let app = spawn_app().await;
    for value in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer    ", "token"] {
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .header("Authorization", value)
            .send()
            .await
            .unwrap();
        assert_problem(response, 401, "unauthenticated").await;
    }
}
