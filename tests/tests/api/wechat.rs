//! WeChat sign-in and phone binding against a fake WeChat (wiremock) started by each test:
//! every answer WeChat can give maps to a clear error, and WeChat's `session_key` never leaves
//! the service.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APPID: &str = "wx1234567890abcdef";
const SECRET: &str = "wechat-app-secret-for-tests";

/// The service pointed at `wechat`, with development codes off.
async fn app_with(wechat: &MockServer) -> TestApp {
    let base = wechat.uri();
    spawn_app_with(move |s| {
        s.wechat_api_base = base;
        s.wechat_appid = Some(APPID.to_owned());
        s.wechat_secret = Some(api::config::Secret::new(SECRET.as_bytes().to_vec()));
        s.wechat_dev_login = false;
        s.wechat_timeout = Duration::from_millis(500);
    })
    .await
}

fn session(code: &str, answer: Value) -> Mock {
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", APPID))
        .and(query_param("secret", SECRET))
        .and(query_param("js_code", code))
        .and(query_param("grant_type", "authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
}

async fn login(app: &TestApp, code: &str) -> reqwest::Response {
    app.post("/api/v1/auth/wechat", None, &json!({"code": code}))
        .await
}

#[tokio::test]
async fn a_voter_signs_in_with_wechat_and_the_session_key_stays_with_us() {
    let wechat = MockServer::start().await;
    session(
        "code-1",
        json!({"openid": "o-alice", "unionid": "u-alice", "session_key": "SESSION-KEY-SECRET"}),
    )
    .up_to_n_times(1)
    .mount(&wechat)
    .await;
    session(
        "code-2",
        json!({"openid": "o-alice", "session_key": "SESSION-KEY-2"}),
    )
    .mount(&wechat)
    .await;
    let app = app_with(&wechat).await;

    let first = login(&app, "code-1").await;
    assert_eq!(first.status(), StatusCode::OK);
    let text = first.text().await.expect("body");
    assert!(!text.contains("SESSION-KEY"), "{text}");
    let first: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(first["user"]["role"], "voter");
    let access = first["access_token"].as_str().expect("token").to_owned();
    // Our own token, for the mini-program's audience.
    let claims = jwt_claims(&access);
    assert_eq!(claims["aud"], "lianluo-miniapp");

    // The same openid signs in to the same voter; the unionid is kept.
    let second: Value = login(&app, "code-2").await.json().await.expect("json");
    assert_eq!(second["user"]["id"], first["user"]["id"]);
    assert_eq!(count_rows(app.db(), "voter_accounts").await, 1);
    let row = query_one(app.db(), "SELECT unionid FROM voter_accounts")
        .await
        .expect("row");
    assert_eq!(
        row.try_get::<Option<String>>("", "unionid")
            .expect("unionid")
            .as_deref(),
        Some("u-alice")
    );
    // Nothing we keep holds the session key.
    for (table, condition) in [
        (
            "voter_accounts",
            "openid LIKE '%SESSION-KEY%' OR unionid LIKE '%SESSION-KEY%' OR phone LIKE '%SESSION-KEY%'",
        ),
        (
            "users",
            "username LIKE '%SESSION-KEY%' OR display_name LIKE '%SESSION-KEY%'",
        ),
        ("audit_events", "CAST(details AS TEXT) LIKE '%SESSION-KEY%'"),
        ("auth_sessions", "user_agent LIKE '%SESSION-KEY%'"),
    ] {
        assert_eq!(count_where(app.db(), table, condition).await, 0, "{table}");
    }
    let me: Value = app
        .get("/api/v1/me/data", Some(&access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["wechat"]["openid"], "o-alice");
    assert!(!me.to_string().contains("SESSION-KEY"));

    // A voter's token is not a staff token.
    assert_problem(
        app.get("/api/v1/users", Some(&access)).await,
        403,
        "forbidden",
    )
    .await;

    // The refresh token rotates as for staff.
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let again = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first["refresh_token"]}),
        )
        .await;
    assert_problem(again, 401, "invalid_refresh_token").await;
}

/// The claims of a JWT, unverified (the test only reads them).
fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("claims")
}

#[tokio::test]
async fn wechat_errors_map_to_clear_answers() {
    let wechat = MockServer::start().await;
    let answers = [
        (
            "invalid",
            json!({"errcode": 40029, "errmsg": "invalid code"}),
        ),
        (
            "used",
            json!({"errcode": 40163, "errmsg": "code been used"}),
        ),
        (
            "limited",
            json!({"errcode": 45011, "errmsg": "api minute-quota reach limit"}),
        ),
        (
            "risky",
            json!({"errcode": 40226, "errmsg": "high risk user"}),
        ),
        ("busy", json!({"errcode": -1, "errmsg": "system error"})),
        (
            "misconfigured",
            json!({"errcode": 40013, "errmsg": "invalid appid"}),
        ),
    ];
    for (code, answer) in answers {
        session(code, answer).mount(&wechat).await;
    }
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("js_code", "down"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("js_code", "html"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("js_code", "slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"openid": "o-slow", "session_key": "k"}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&wechat)
        .await;
    let app = app_with(&wechat).await;

    assert_problem(login(&app, "invalid").await, 401, "invalid_wechat_code").await;
    assert_problem(login(&app, "used").await, 401, "invalid_wechat_code").await;
    let limited = login(&app, "limited").await;
    assert!(limited.headers().contains_key("retry-after"));
    assert_problem(limited, 429, "rate_limited").await;
    assert_problem(login(&app, "risky").await, 403, "forbidden").await;
    for code in ["busy", "down", "html", "slow", "misconfigured"] {
        let response = login(&app, code).await;
        assert!(response.headers().contains_key("retry-after"), "{code}");
        let problem = assert_problem(response, 503, "wechat_unavailable").await;
        assert!(!problem.to_string().contains(SECRET));
    }
    // A development code is just a code when development sign-in is off.
    assert_problem(login(&app, "dev:mallory").await, 503, "wechat_unavailable").await;
    // Nobody was created by any of it.
    assert_eq!(count_rows(app.db(), "voter_accounts").await, 0);
    // Malformed requests never reach WeChat.
    let requests_before = wechat.received_requests().await.map(|r| r.len());
    assert_problem(
        app.post("/api/v1/auth/wechat", None, &json!({"code": ""}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post("/api/v1/auth/wechat", None, &json!({"js_code": "x"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        wechat.received_requests().await.map(|r| r.len()),
        requests_before
    );
}

#[tokio::test]
async fn a_reused_wechat_code_is_refused() {
    let wechat = MockServer::start().await;
    session("once", json!({"openid": "o-bob", "session_key": "k"}))
        .up_to_n_times(1)
        .mount(&wechat)
        .await;
    session(
        "once",
        json!({"errcode": 40163, "errmsg": "code been used"}),
    )
    .mount(&wechat)
    .await;
    let app = app_with(&wechat).await;
    assert_eq!(login(&app, "once").await.status(), StatusCode::OK);
    assert_problem(login(&app, "once").await, 401, "invalid_wechat_code").await;
    assert_eq!(count_rows(app.db(), "auth_sessions").await, 1);
}

#[tokio::test]
async fn without_wechat_configured_sign_in_is_unavailable() {
    let app = spawn_app_with(|s| s.wechat_dev_login = false).await;
    let response = login(&app, "anything").await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "wechat_not_configured").await;
}

#[tokio::test]
async fn wechat_sign_ins_are_rate_limited_per_address() {
    let app = spawn_app_with(|s| {
        s.wechat_login_per_ip = api::config::ThrottleSettings {
            burst: std::num::NonZeroU32::new(2).expect("non-zero"),
            period: Duration::from_secs(60),
        };
    })
    .await;
    assert_eq!(login(&app, "dev:a").await.status(), StatusCode::OK);
    assert_eq!(login(&app, "dev:b").await.status(), StatusCode::OK);
    let limited = login(&app, "dev:c").await;
    assert!(limited.headers().contains_key("retry-after"));
    assert_problem(limited, 429, "rate_limited").await;
}

#[tokio::test]
async fn a_development_code_without_a_name_is_refused() {
    let app = spawn_app().await;
    for code in ["dev:", "dev:   ", "dev:a\u{7}b"] {
        assert_problem(login(&app, code).await, 401, "invalid_wechat_code").await;
    }
    assert_eq!(count_rows(app.db(), "voter_accounts").await, 0);
}

fn stable_token(token: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_partial_json(
            json!({"grant_type": "client_credential", "appid": APPID, "secret": SECRET}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": token, "expires_in": 7200})),
        )
}

fn phone_answer(code: &str, appid: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .and(query_param("access_token", "ACCESS-1"))
        .and(body_partial_json(json!({"code": code})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": "+86 13800138000",
                "purePhoneNumber": "13800138000",
                "countryCode": "86",
                "watermark": {"timestamp": 1_700_000_000, "appid": appid}
            }
        })))
}

#[tokio::test]
async fn a_voter_binds_their_phone_with_one_shared_access_token() {
    let wechat = MockServer::start().await;
    session("login", json!({"openid": "o-carol", "session_key": "k"}))
        .mount(&wechat)
        .await;
    stable_token("ACCESS-1").expect(1).mount(&wechat).await;
    phone_answer("phone-ok", APPID).mount(&wechat).await;
    phone_answer("phone-elsewhere", "wx-someone-else")
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .and(body_partial_json(json!({"code": "phone-bad"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": 40029, "errmsg": "invalid code"})),
        )
        .mount(&wechat)
        .await;
    let app = app_with(&wechat).await;
    let voter: Value = login(&app, "login").await.json().await.expect("json");
    let token = voter["access_token"].as_str().expect("token").to_owned();

    // Five binds at once fetch one access token between them.
    let phone_ok = json!({"code": "phone-ok"});
    let binds = (0..5).map(|_| app.post("/api/v1/me/phone", Some(&token), &phone_ok));
    for response in futures_util::future::join_all(binds).await {
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["phone"], "13800138000");
    }
    let row = query_one(app.db(), "SELECT phone FROM voter_accounts")
        .await
        .expect("row");
    assert_eq!(
        row.try_get::<Option<String>>("", "phone")
            .expect("phone")
            .as_deref(),
        Some("13800138000")
    );
    assert!(count_where(app.db(), "audit_events", "action = 'voter.phone_bind'").await >= 1);

    let problem = assert_problem(
        app.post(
            "/api/v1/me/phone",
            Some(&token),
            &json!({"code": "phone-elsewhere"}),
        )
        .await,
        422,
        "wechat_appid_mismatch",
    )
    .await;
    // The number of a phone issued for someone else's mini-program is not echoed back.
    assert!(!problem.to_string().contains("13800138000"), "{problem}");
    assert_problem(
        app.post(
            "/api/v1/me/phone",
            Some(&token),
            &json!({"code": "phone-bad"}),
        )
        .await,
        401,
        "invalid_wechat_code",
    )
    .await;
    // Staff have no WeChat phone to bind; nobody binds without a token.
    let root = app.root().await;
    assert_problem(
        app.post(
            "/api/v1/me/phone",
            Some(&root.access),
            &json!({"code": "phone-ok"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post("/api/v1/me/phone", None, &json!({"code": "phone-ok"}))
            .await,
        401,
        "unauthenticated",
    )
    .await;
    // wiremock checks on drop that stable_token was called exactly once.
}
