//! Staff sign-in, refresh rotation and reuse detection, sign-out, throttling, password changes.

use std::num::NonZeroU32;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{
    PASSWORD, assert_problem, count_rows, count_where, error_fields, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn an_admin_signs_in_and_reads_their_account() {
    let app = spawn_app().await;
    app.create_global_admin("admin").await;
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "ADMIN", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_u64().unwrap();
    assert!((899..=900).contains(&expires_in), "{expires_in}");
    assert_eq!(body["user"]["username"], "admin");
    assert!(body["refresh_token"].as_str().unwrap().starts_with("llr_"));

    let access = body["access_token"].as_str().unwrap();
    let response = app.get("/api/v1/me", Some(access)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["region_id"], Value::Null);
    assert!(me["last_login_at"].is_string());
    // The refresh token is stored only as a hash.
    let stored = count_rows(app.db(), "refresh_tokens").await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_look_the_same() {
    let app = spawn_app().await;
    app.create_global_admin("admin").await;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "admin", "password": "not the password"}),
        )
        .await;
    let wrong = assert_problem(wrong, 401, "invalid_credentials").await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "ghost", "password": "not the password"}),
        )
        .await;
    let unknown = assert_problem(unknown, 401, "invalid_credentials").await;
    assert_eq!(wrong["detail"], unknown["detail"]);
    assert_eq!(wrong["title"], unknown["title"]);
    assert_eq!(count_rows(app.db(), "auth_sessions").await, 0);
}

#[tokio::test]
async fn login_refuses_empty_and_enormous_usernames() {
    let app = spawn_app().await;
    for username in [String::new(), "x".repeat(10_000)] {
        let response = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": username, "password": "whatever"}),
            )
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["username"]);
    }
}

#[tokio::test]
async fn login_is_throttled_per_account_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.login_per_account.burst = NonZeroU32::new(3).unwrap();
        s.login_per_account.period = Duration::from_secs(60);
    })
    .await;
    app.create_global_admin("admin").await;
    for _ in 0..3 {
        let response = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": "admin", "password": "wrong password"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now; so does an unknown account with the same name.
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "admin", "password": PASSWORD}),
        )
        .await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_problem(response, 429, "rate_limited").await;
    // Another account is not affected.
    app.create_global_admin("other").await;
    app.login("other", PASSWORD).await;
}

#[tokio::test]
async fn login_is_throttled_per_client_address_across_accounts() {
    let app = spawn_app_with(|s| {
        s.login_per_ip.burst = NonZeroU32::new(4).unwrap();
        s.login_per_ip.period = Duration::from_secs(60);
    })
    .await;
    for name in ["a1", "a2", "a3", "a4"] {
        let response = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": name, "password": "guess guess"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "a5", "password": "guess guess"}),
        )
        .await;
    assert_problem(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    app.create_global_admin("admin").await;
    let first = app.login("admin", PASSWORD).await;

    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first.refresh}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: Value = response.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    let second_access = second["access_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first.refresh);
    assert_eq!(
        app.get("/api/v1/me", Some(&second_access)).await.status(),
        StatusCode::OK
    );

    // The first token again: a thief or a replay. The whole family dies.
    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first.refresh}),
        )
        .await;
    assert_problem(response, 401, "invalid_refresh_token").await;
    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": second_refresh}),
        )
        .await;
    assert_problem(response, 401, "invalid_refresh_token").await;
    assert_problem(
        app.get("/api/v1/me", Some(&second_access)).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_problem(
        app.get("/api/v1/me", Some(&first.access)).await,
        401,
        "unauthenticated",
    )
    .await;

    let audit = count_where(
        app.db(),
        "audit_events",
        "action = 'auth.refresh_token_reused'",
    )
    .await;
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_do_not_both_succeed() {
    let app = spawn_app().await;
    app.create_global_admin("admin").await;
    let session = app.login("admin", PASSWORD).await;
    let body = json!({"refresh_token": session.refresh});
    let (a, b) = tokio::join!(
        app.post("/api/v1/auth/refresh", None, &body),
        app.post("/api/v1/auth/refresh", None, &body)
    );
    let statuses = [a.status(), b.status()];
    assert!(statuses.contains(&StatusCode::UNAUTHORIZED), "{statuses:?}");
}

#[tokio::test]
async fn garbage_refresh_tokens_are_refused() {
    let app = spawn_app().await;
    for token in ["llr_nothing", "x"] {
        let response = app
            .post(
                "/api/v1/auth/refresh",
                None,
                &json!({"refresh_token": token}),
            )
            .await;
        assert_problem(response, 401, "invalid_refresh_token").await;
    }
    let response = app
        .post("/api/v1/auth/refresh", None, &json!({"refresh_token": ""}))
        .await;
    assert_problem(response, 422, "validation_failed").await;
}

#[tokio::test]
async fn logout_ends_the_session_for_both_tokens() {
    let app = spawn_app().await;
    app.create_global_admin("admin").await;
    let session = app.login("admin", PASSWORD).await;
    let other = app.login("admin", PASSWORD).await;
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(&session.access),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/api/v1/me", Some(&session.access)).await,
        401,
        "unauthenticated",
    )
    .await;
    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": session.refresh}),
        )
        .await;
    assert_problem(response, 401, "invalid_refresh_token").await;
    // The other sign-in is untouched.
    assert_eq!(
        app.get("/api/v1/me", Some(&other.access)).await.status(),
        StatusCode::OK
    );
    let response = app
        .request(reqwest::Method::POST, "/api/v1/auth/logout", None)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_disabled_users_tokens_stop_working_and_login_says_disabled() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, town, _) = app.district_with_two_towns().await;
    let staff_id = app
        .create_user(&root.access, "staff", "station_staff", Some(town))
        .await;
    let staff = app.login("staff", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&staff.access)).await.status(),
        StatusCode::OK
    );

    let response = app
        .patch(
            &format!("/api/v1/users/{staff_id}"),
            Some(&root.access),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(
        app.get("/api/v1/me", Some(&staff.access)).await,
        401,
        "unauthenticated",
    )
    .await;
    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": staff.refresh}),
        )
        .await;
    assert_problem(response, 401, "invalid_refresh_token").await;
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "staff", "password": PASSWORD}),
        )
        .await;
    assert_problem(response, 403, "account_disabled").await;
    // A wrong password for a disabled account still says only "wrong credentials".
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "staff", "password": "wrong wrong"}),
        )
        .await;
    assert_problem(response, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn an_admin_reset_signs_the_user_out_and_sets_the_new_password() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, town, _) = app.district_with_two_towns().await;
    let id = app
        .create_user(&root.access, "deputy1", "deputy", Some(town))
        .await;
    let deputy = app.login("deputy1", PASSWORD).await;
    let response = app
        .post(
            &format!("/api/v1/users/{id}/password"),
            Some(&root.access),
            &json!({"password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/api/v1/me", Some(&deputy.access)).await,
        401,
        "unauthenticated",
    )
    .await;
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "deputy1", "password": PASSWORD}),
        )
        .await;
    assert_problem(response, 401, "invalid_credentials").await;
    app.login("deputy1", "a brand new passphrase").await;

    let response = app
        .post(
            &format!("/api/v1/users/{id}/password"),
            Some(&root.access),
            &json!({"password": "short"}),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["password"]);
}

#[tokio::test]
async fn users_change_their_own_password_with_the_current_one() {
    let app = spawn_app().await;
    app.create_global_admin("admin").await;
    let session = app.login("admin", PASSWORD).await;
    let elsewhere = app.login("admin", PASSWORD).await;
    let response = app
        .post(
            "/api/v1/me/password",
            Some(&session.access),
            &json!({"current_password": "not it at all", "new_password": "another good passphrase"}),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["current_password"]);

    let response = app
        .post(
            "/api/v1/me/password",
            Some(&session.access),
            &json!({"current_password": PASSWORD, "new_password": "another good passphrase"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // This session goes on; the other one is signed out.
    assert_eq!(
        app.get("/api/v1/me", Some(&session.access)).await.status(),
        StatusCode::OK
    );
    assert_problem(
        app.get("/api/v1/me", Some(&elsewhere.access)).await,
        401,
        "unauthenticated",
    )
    .await;

    // A voter signs in through WeChat and has no password to change, whatever new one they send.
    let voter = app.voter_session("张三").await;
    assert_problem(
        app.post(
            "/api/v1/me/password",
            Some(&voter.access),
            &json!({"current_password": "x", "new_password": "x"}),
        )
        .await,
        403,
        "no_password",
    )
    .await;
    app.login("admin", "another good passphrase").await;
}

#[tokio::test]
async fn non_admins_get_403_and_strangers_401_on_admin_routes() {
    let app = spawn_app().await;
    let (_, town, _) = app.district_with_two_towns().await;
    let voter = app.voter_session("张三").await;
    let staff = app.user_session("staff", "station_staff", Some(town)).await;
    let deputy = app.user_session("deputy", "deputy", Some(town)).await;
    let unit = app.user_session("unit", "unit_handler", Some(town)).await;
    let new_user = json!({"username": "x1", "display_name": "x", "password": PASSWORD, "role": "admin", "region_id": town});
    let new_region = json!({"name": "新村", "level": "village", "parent_id": town});
    for token in [&voter.access, &staff.access, &deputy.access, &unit.access] {
        assert_problem(
            app.get("/api/v1/users", Some(token)).await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            app.post("/api/v1/users", Some(token), &new_user).await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            app.post("/api/v1/regions", Some(token), &new_region).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_problem(app.get("/api/v1/users", None).await, 401, "unauthenticated").await;
    assert_problem(
        app.post("/api/v1/regions", None, &new_region).await,
        401,
        "unauthenticated",
    )
    .await;
    // A voter has no password to sign in with.
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": "voter-张三", "password": PASSWORD}),
        )
        .await;
    assert_problem(response, 401, "invalid_credentials").await;
}
