//! Cursor pagination: every item once, in order; limits checked; foreign and tampered cursors
//! refused.

use std::collections::HashSet;

use serde_json::Value;
use tests::{assert_problem, error_fields, spawn_app};

#[tokio::test]
async fn following_next_cursor_visits_every_item_once_newest_first() {
    let app = spawn_app().await;
    let root = app.root().await;
    let district = app
        .create_region(&root.access, "青山区", "district", None)
        .await;
    let mut created = vec![district];
    for i in 0..6 {
        created.push(
            app.create_region(&root.access, &format!("街道{i}"), "town", Some(district))
                .await,
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/regions?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page: Value = app.get(&path, None).await.json().await.unwrap();
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(
            items
                .iter()
                .map(|r| r["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/regions?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    created.reverse();
    assert_eq!(seen, created);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
}

#[tokio::test]
async fn limits_outside_one_to_a_hundred_are_a_400() {
    let app = spawn_app().await;
    for limit in ["0", "101", "abc", "-5", "1.5", ""] {
        let response = app
            .get(&format!("/api/v1/regions?limit={limit}"), None)
            .await;
        let problem = assert_problem(response, 400, "invalid_query").await;
        assert_eq!(error_fields(&problem), ["limit"], "{limit}");
    }
    assert_eq!(
        app.get("/api/v1/regions?limit=100", None)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        app.get("/api/v1/regions?limit=1", None)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn tampered_and_foreign_cursors_are_a_400() {
    let app = spawn_app().await;
    let root = app.root().await;
    let district = app
        .create_region(&root.access, "青山区", "district", None)
        .await;
    app.create_region(&root.access, "东街道", "town", Some(district))
        .await;
    let page: Value = app
        .get("/api/v1/regions?limit=1", None)
        .await
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();

    // A users cursor is not a regions cursor.
    let users: Value = app
        .get("/api/v1/users?limit=1", Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert!(users["next_cursor"].is_null());
    app.create_global_admin("second").await;
    let users: Value = app
        .get("/api/v1/users?limit=1", Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    let users_cursor = users["next_cursor"].as_str().unwrap().to_owned();
    assert_problem(
        app.get(&format!("/api/v1/regions?cursor={users_cursor}"), None)
            .await,
        400,
        "invalid_cursor",
    )
    .await;

    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "garbage", "a.b", &"x".repeat(5000)] {
        assert_problem(
            app.get(&format!("/api/v1/regions?cursor={bad}"), None)
                .await,
            400,
            "invalid_cursor",
        )
        .await;
    }
    assert_eq!(
        app.get(&format!("/api/v1/regions?cursor={cursor}"), None)
            .await
            .status()
            .as_u16(),
        200
    );
}
