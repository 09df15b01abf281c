//! The region tree: public reads, administration within scope, the rules of levels.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{assert_problem, count_rows, error_fields, spawn_app};

#[tokio::test]
async fn anyone_reads_the_tree_and_a_region_with_its_ancestors() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (district, east, west) = app.district_with_two_towns().await;
    let village = app
        .create_region(&root.access, "东村", "village", Some(east))
        .await;

    let response = app.get("/api/v1/regions/tree", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let tree: Value = response.json().await.unwrap();
    assert_eq!(tree.as_array().unwrap().len(), 1);
    assert_eq!(tree[0]["name"], "青山区");
    let towns: Vec<&str> = tree[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(towns, ["东街道", "西街道"]);
    assert_eq!(
        tree[0]["children"][0]["children"][0]["id"],
        village.to_string()
    );

    let subtree: Value = app
        .get(&format!("/api/v1/regions/tree?root_id={west}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(subtree.as_array().unwrap().len(), 1);
    assert_eq!(subtree[0]["id"], west.to_string());
    assert!(subtree[0]["children"].as_array().unwrap().is_empty());

    let detail: Value = app
        .get(&format!("/api/v1/regions/{village}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["level"], "village");
    let ancestors: Vec<&str> = detail["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, [district.to_string(), east.to_string()]);
    let detail: Value = app
        .get(&format!("/api/v1/regions/{east}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["children_count"], 1);

    let children: Value = app
        .get(&format!("/api/v1/regions?parent_id={district}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(children["items"].as_array().unwrap().len(), 2);
    let found: Value = app
        .get("/api/v1/regions?q=东", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
    assert_problem(
        app.get(
            &format!("/api/v1/regions/tree?root_id={}", uuid::Uuid::now_v7()),
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/regions/{}", uuid::Uuid::now_v7()), None)
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn levels_follow_the_tree() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let village = app
        .create_region(&root.access, "东村", "village", Some(east))
        .await;
    let before = count_rows(app.db(), "regions").await;
    let cases = [
        (json!({"name": "x", "level": "town"}), "level"),
        (
            json!({"name": "x", "level": "village", "parent_id": district}),
            "level",
        ),
        (
            json!({"name": "x", "level": "district", "parent_id": east}),
            "level",
        ),
        (
            json!({"name": "x", "level": "village", "parent_id": village}),
            "level",
        ),
        (
            json!({"name": "x", "level": "town", "parent_id": uuid::Uuid::now_v7()}),
            "parent_id",
        ),
        (json!({"name": "  ", "level": "district"}), "name"),
        (
            json!({"name": "x".repeat(101), "level": "district"}),
            "name",
        ),
        (
            json!({"name": "x", "level": "district", "code": "12ab56"}),
            "code",
        ),
        (
            json!({"name": "x", "level": "district", "code": "1234567"}),
            "code",
        ),
    ];
    for (body, field) in cases {
        let response = app.post("/api/v1/regions", Some(&root.access), &body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_eq!(count_rows(app.db(), "regions").await, before);
}

#[tokio::test]
async fn codes_are_unique() {
    let app = spawn_app().await;
    let root = app.root().await;
    let body = json!({"name": "青山区", "level": "district", "code": "420107"});
    assert_eq!(
        app.post("/api/v1/regions", Some(&root.access), &body)
            .await
            .status(),
        StatusCode::CREATED
    );
    let body = json!({"name": "另一个区", "level": "district", "code": "420107"});
    assert_problem(
        app.post("/api/v1/regions", Some(&root.access), &body).await,
        409,
        "conflict",
    )
    .await;
}

#[tokio::test]
async fn scoped_admins_manage_only_their_subtree() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (district, east, west) = app.district_with_two_towns().await;
    let east_admin = app.user_session("east-admin", "admin", Some(east)).await;
    let token = Some(east_admin.access.as_str());

    let ok = app
        .post(
            "/api/v1/regions",
            token,
            &json!({"name": "东村", "level": "village", "parent_id": east}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    let forbidden = [
        json!({"name": "西村", "level": "village", "parent_id": west}),
        json!({"name": "新街道", "level": "town", "parent_id": district}),
        json!({"name": "新区", "level": "district"}),
    ];
    for body in forbidden {
        assert_problem(
            app.post("/api/v1/regions", token, &body).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_problem(
        app.patch(
            &format!("/api/v1/regions/{west}"),
            token,
            &json!({"name": "改名"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.delete(&format!("/api/v1/regions/{west}"), token).await,
        403,
        "forbidden",
    )
    .await;
    // Not even their own scope's root.
    assert_problem(
        app.delete(&format!("/api/v1/regions/{east}"), token).await,
        403,
        "forbidden",
    )
    .await;
    let renamed = app
        .patch(
            &format!("/api/v1/regions/{east}"),
            token,
            &json!({"name": "东湖街道"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let west_now: Value = app
        .get(&format!("/api/v1/regions/{west}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(west_now["name"], "西街道");
    let _ = root;
}

#[tokio::test]
async fn only_empty_regions_can_be_removed() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (district, east, west) = app.district_with_two_towns().await;
    app.create_user(&root.access, "west-staff", "station_staff", Some(west))
        .await;
    assert_problem(
        app.delete(&format!("/api/v1/regions/{district}"), Some(&root.access))
            .await,
        409,
        "conflict",
    )
    .await;
    assert_problem(
        app.delete(&format!("/api/v1/regions/{west}"), Some(&root.access))
            .await,
        409,
        "conflict",
    )
    .await;
    let response = app
        .delete(&format!("/api/v1/regions/{east}"), Some(&root.access))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get(&format!("/api/v1/regions/{east}"), None).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.delete(&format!("/api/v1/regions/{east}"), Some(&root.access))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(count_rows(app.db(), "region_closure").await, 3);
}

#[tokio::test]
async fn region_updates_honour_if_match() {
    let app = spawn_app().await;
    let root = app.root().await;
    let district = app
        .create_region(&root.access, "青山区", "district", None)
        .await;
    let path = format!("/api/v1/regions/{district}");
    let read = app.get(&path, None).await;
    let read_etag = read.headers()["etag"].to_str().unwrap().to_owned();
    let response = app
        .request(reqwest::Method::PATCH, &path, Some(&root.access))
        .header("If-Match", "\"stale\"")
        .json(&json!({"name": "改名区"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    // The ETag of a read is what a write must name.
    let response = app
        .request(reqwest::Method::PATCH, &path, Some(&root.access))
        .header("If-Match", &read_etag)
        .json(&json!({"code": "420107"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let response = app
        .request(reqwest::Method::PATCH, &path, Some(&root.access))
        .header("If-Match", &etag)
        .json(&json!({"name": "改名区"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["name"], "改名区");
    assert_eq!(body["code"], "420107");
}
