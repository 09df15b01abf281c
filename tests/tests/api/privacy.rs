//! The voter's rights over their personal data: access (`GET /me/data`) and erasure
//! (`DELETE /me`), after which their personal data is gone from every response while what they
//! raised stays for the statistics.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;

#[tokio::test]
async fn a_voter_sees_all_their_data_then_erases_it_from_every_response() {
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
    let voter = app.voter_session("王小明").await;
    let bound = app
        .post(
            "/api/v1/me/phone",
            Some(&voter.access),
            &json!({"code": "dev:13800138000"}),
        )
        .await;
    assert_eq!(bound.status(), StatusCode::OK);

    let created = app
        .post(
            "/api/v1/submissions",
            Some(&voter.access),
            &json!({
                "title": "小区电梯故障",
                "content": "3 号楼电梯经常停运，老人上下楼困难。",
                "category": "urban_management",
                "station_id": s.station,
                "contact_name": "王小明",
                "contact_phone": "13912340000",
                "consent_personal_info": true,
            }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();

    // A booking with a phone for the reminder.
    let (date, starts, ends) = session_starting_soon();
    let session = app
        .add_session(
            &s.admin.access,
            &s.station,
            date,
            (&starts, &ends),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let session_id = str_of(&session, "id").to_owned();
    app.publish_session(&s.admin.access, &session_id, Some("临时加开"))
        .await;
    let booked = app
        .post(
            &format!("/api/v1/receptions/{session_id}/appointments"),
            Some(&voter.access),
            &json!({"topic": "电梯", "phone": "13912340000"}),
        )
        .await;
    assert_eq!(booked.status(), StatusCode::CREATED);

    // Access: everything held, contact details whole.
    let data = app.get("/api/v1/me/data", Some(&voter.access)).await;
    assert_eq!(
        data.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let data: Value = data.json().await.expect("json");
    assert_eq!(data["account"]["display_name"], "王小明");
    assert_eq!(data["wechat"]["openid"], "dev:王小明");
    assert_eq!(data["wechat"]["phone"], "13800138000");
    assert_eq!(data["submissions"][0]["contact_phone"], "13912340000");
    assert_eq!(data["appointments"].as_array().map(Vec::len), Some(1));
    assert!(data["sessions"].as_array().is_some_and(|s| !s.is_empty()));

    // Erasure.
    let erased = app.delete("/api/v1/me", Some(&voter.access)).await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/api/v1/me", Some(&voter.access)).await,
        401,
        "unauthenticated",
    )
    .await;
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": voter.refresh}),
        )
        .await;
    assert_problem(refresh, 401, "invalid_refresh_token").await;

    // Staff still have the matter, without the person.
    let seen: Value = app
        .get(
            &format!("/api/v1/submissions/{id}"),
            Some(&s.liaison.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(seen["content"], "3 号楼电梯经常停运，老人上下楼困难。");
    assert_eq!(seen["contact_name"], Value::Null);
    assert_eq!(seen["contact_phone"], Value::Null);
    assert_eq!(seen["erased"], true);
    let revealed: Value = app
        .post(
            &format!("/api/v1/submissions/{id}/contact:reveal"),
            Some(&s.liaison.access),
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        revealed,
        json!({"contact_name": null, "contact_phone": null})
    );
    let bookings: Value = app
        .get(
            &format!("/api/v1/receptions/{session_id}/appointments"),
            Some(&s.liaison.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let text = bookings.to_string();
    assert!(!text.contains("王小明") && !text.contains("0000"), "{text}");
    let inbox: Value = app
        .get("/api/v1/submissions", Some(&s.admin.access))
        .await
        .json()
        .await
        .expect("json");
    assert!(!inbox.to_string().contains("王小明"));
    let timeline: Value = app
        .get(
            &format!("/api/v1/submissions/{id}/timeline"),
            Some(&s.liaison.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        timeline
            .as_array()
            .and_then(|t| t.last())
            .map(|e| e["kind"].clone()),
        Some(json!("erased"))
    );

    // And in the database.
    assert_eq!(count_rows(app.db(), "voter_accounts").await, 0);
    assert_eq!(
        count_where(
            app.db(),
            "submissions",
            "contact_phone IS NOT NULL OR contact_name IS NOT NULL OR voter_id IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count_where(app.db(), "appointments", "phone IS NOT NULL").await,
        0
    );
    assert_eq!(
        count_where(app.db(), "users", "display_name = '王小明'").await,
        0
    );
    assert_eq!(
        count_where(app.db(), "notifications", "address = '13912340000'").await,
        0
    );
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'voter.erase'").await,
        1
    );

    // Signing in again with the same WeChat identity starts a new, empty account.
    let again = app.voter_session("王小明").await;
    assert_ne!(again.user_id, voter.user_id);
    let mine: Value = app
        .get("/api/v1/me/submissions", Some(&again.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["items"], json!([]));
}

async fn voter_id_of(app: &TestApp, name: &str) -> uuid::Uuid {
    app.voter_session(name).await.user_id
}

#[tokio::test]
async fn staff_accounts_are_not_erased_by_their_holders() {
    let app = spawn_app().await;
    let root = app.root().await;
    assert_problem(
        app.delete("/api/v1/me", Some(&root.access)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.delete("/api/v1/me", None).await, 401, "unauthenticated").await;
    assert_problem(
        app.get("/api/v1/me/data", None).await,
        401,
        "unauthenticated",
    )
    .await;
    // Staff may still read what is held about them.
    let data: Value = app
        .get("/api/v1/me/data", Some(&root.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(data["account"]["username"], "root");
    assert_eq!(data["wechat"], Value::Null);
    // A voter an administrator disabled cannot sign in.
    let disabled = app
        .patch(
            &format!("/api/v1/users/{}", voter_id_of(&app, "yann").await),
            Some(&root.access),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_problem(
        app.post("/api/v1/auth/wechat", None, &json!({"code": "dev:yann"}))
            .await,
        403,
        "account_disabled",
    )
    .await;
    // A bound phone through development mode must be a real number.
    let voter = app.voter_session("zoe").await;
    assert_problem(
        app.post(
            "/api/v1/me/phone",
            Some(&voter.access),
            &json!({"code": "dev:12"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
}
