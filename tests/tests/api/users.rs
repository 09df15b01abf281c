//! Staff accounts: creation and its validation, scope isolation between regions, updates with
//! If-Match, the audit trail.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{PASSWORD, assert_problem, count_rows, error_fields, query_one, spawn_app};

#[tokio::test]
async fn an_admin_creates_a_user_who_can_sign_in() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, town, _) = app.district_with_two_towns().await;
    let response = app
        .post(
            "/api/v1/users",
            Some(&root.access),
            &json!({"username": "WangFang", "display_name": " 王芳 ", "password": PASSWORD, "role": "station_staff", "region_id": town}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["display_name"], "王芳");
    assert_eq!(created["role"], "station_staff");
    assert!(created.get("password").is_none() && created.get("password_hash").is_none());
    assert_eq!(
        location,
        format!("/api/v1/users/{}", created["id"].as_str().unwrap())
    );

    // The ETag of the create response is the one a read returns.
    let response = app.get(&location, Some(&root.access)).await;
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    let session = app.login("wangfang", PASSWORD).await;
    let me: Value = app
        .get("/api/v1/me", Some(&session.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["region_id"], town.to_string());

    let audit = query_one(
        app.db(),
        &format!(
            "SELECT actor_user_id, action FROM audit_events WHERE action = 'user.create' AND target_id = '{}'",
            created["id"].as_str().unwrap()
        ),
    )
    .await
    .expect("an audit row for the creation");
    assert_eq!(
        audit.try_get::<uuid::Uuid>("", "actor_user_id").unwrap(),
        root.user_id
    );
}

#[tokio::test]
async fn bad_user_input_is_refused_field_by_field_and_creates_nothing() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, town, _) = app.district_with_two_towns().await;
    let before = count_rows(app.db(), "users").await;
    let cases = [
        (
            json!({"username": "", "display_name": "x", "password": PASSWORD, "role": "deputy", "region_id": town}),
            vec!["username"],
        ),
        (
            json!({"username": "x".repeat(10_000), "display_name": "x", "password": PASSWORD, "role": "deputy", "region_id": town}),
            vec!["username"],
        ),
        (
            json!({"username": "has space", "display_name": "", "password": "short", "role": "deputy", "region_id": town}),
            vec!["display_name", "password", "username"],
        ),
        (
            json!({"username": "okname", "display_name": "x", "password": "okname", "role": "deputy", "region_id": town}),
            vec!["password"],
        ),
        (
            json!({"username": "voter1", "display_name": "x", "password": PASSWORD, "role": "voter", "region_id": town}),
            vec!["role"],
        ),
        (
            json!({"username": "noregion", "display_name": "x", "password": PASSWORD, "role": "deputy"}),
            vec!["region_id"],
        ),
        (
            json!({"username": "badregion", "display_name": "x", "password": PASSWORD, "role": "deputy", "region_id": uuid::Uuid::now_v7()}),
            vec!["region_id"],
        ),
        (
            json!({"username": "badrole", "display_name": "x", "password": PASSWORD, "role": "mayor", "region_id": town}),
            vec!["role"],
        ),
    ];
    for (body, fields) in cases {
        let response = app.post("/api/v1/users", Some(&root.access), &body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let mut actual = error_fields(&problem);
        actual.sort();
        assert_eq!(actual, fields, "{body}");
    }
    assert_eq!(count_rows(app.db(), "users").await, before);
}

#[tokio::test]
async fn usernames_are_unique_regardless_of_case() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, town, _) = app.district_with_two_towns().await;
    app.create_user(&root.access, "liaison", "station_staff", Some(town))
        .await;
    let response = app
        .post(
            "/api/v1/users",
            Some(&root.access),
            &json!({"username": "LIAISON", "display_name": "x", "password": PASSWORD, "role": "deputy", "region_id": town}),
        )
        .await;
    assert_problem(response, 409, "conflict").await;
}

#[tokio::test]
async fn two_regions_admins_cannot_see_or_touch_each_others_users() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (district, east, west) = app.district_with_two_towns().await;
    let village = app
        .create_region(&root.access, "东村", "village", Some(east))
        .await;
    let east_admin = app.user_session("east-admin", "admin", Some(east)).await;
    let west_admin = app.user_session("west-admin", "admin", Some(west)).await;
    let east_staff = app
        .create_user(
            &east_admin.access,
            "east-staff",
            "station_staff",
            Some(village),
        )
        .await;
    let west_staff = app
        .create_user(
            &west_admin.access,
            "west-staff",
            "station_staff",
            Some(west),
        )
        .await;

    // Lists show only the own subtree.
    let page: Value = app
        .get("/api/v1/users?limit=100", Some(&east_admin.access))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"east-staff") && names.contains(&"east-admin"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"west-staff") && !names.contains(&"root"),
        "{names:?}"
    );

    // Single objects outside the scope do not exist.
    assert_problem(
        app.get(
            &format!("/api/v1/users/{west_staff}"),
            Some(&east_admin.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/users/{west_staff}"),
            Some(&east_admin.access),
            &json!({"disabled": true}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/users/{west_staff}/password"),
            Some(&east_admin.access),
            &json!({"password": "new pass phrase"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/users?region_id={west}"),
            Some(&east_admin.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/users/{}", root.user_id),
            Some(&east_admin.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // Nor may they place users outside it, or above it.
    let body = |region: Option<uuid::Uuid>, role: &str| json!({"username": format!("new-{role}"), "display_name": "x", "password": PASSWORD, "role": role, "region_id": region});
    assert_problem(
        app.post(
            "/api/v1/users",
            Some(&east_admin.access),
            &body(Some(west), "deputy"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/users",
            Some(&east_admin.access),
            &body(Some(district), "deputy"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/users",
            Some(&east_admin.access),
            &body(None, "admin"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/users/{east_staff}"),
            Some(&east_admin.access),
            &json!({"region_id": west}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Nothing of the west changed.
    let west_user: Value = app
        .get(
            &format!("/api/v1/users/{west_staff}"),
            Some(&west_admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(west_user["disabled"], false);
    // The global administrator sees both.
    let page: Value = app
        .get(
            &format!("/api/v1/users?region_id={district}&limit=100"),
            Some(&root.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let root = app.root().await;
    for change in [json!({"disabled": true}), json!({"role": "deputy"})] {
        let response = app
            .patch(
                &format!("/api/v1/users/{}", root.user_id),
                Some(&root.access),
                &change,
            )
            .await;
        assert_problem(response, 422, "cannot_change_own_account").await;
    }
    let response = app
        .patch(
            &format!("/api/v1/users/{}", root.user_id),
            Some(&root.access),
            &json!({"display_name": "超级管理员"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn updates_honour_if_match_and_reads_honour_if_none_match() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, town, west) = app.district_with_two_towns().await;
    let id = app
        .create_user(&root.access, "deputy", "deputy", Some(town))
        .await;
    let path = format!("/api/v1/users/{id}");
    let response = app.get(&path, Some(&root.access)).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();

    let response = app
        .request(reqwest::Method::GET, &path, Some(&root.access))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert!(response.text().await.unwrap().is_empty());

    let response = app
        .request(reqwest::Method::PATCH, &path, Some(&root.access))
        .header("If-Match", &etag)
        .json(&json!({"display_name": "代表甲", "region_id": west}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let new_etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);

    // The old ETag is stale now: the change is refused and nothing is written.
    let response = app
        .request(reqwest::Method::PATCH, &path, Some(&root.access))
        .header("If-Match", &etag)
        .json(&json!({"display_name": "overwritten"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    let current: Value = app
        .get(&path, Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["display_name"], "代表甲");
    assert_eq!(current["region_id"], west.to_string());

    let response = app
        .request(reqwest::Method::GET, &path, Some(&root.access))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_user_list_filters() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, east, west) = app.district_with_two_towns().await;
    app.create_user(&root.access, "zhang-deputy", "deputy", Some(east))
        .await;
    app.create_user(&root.access, "li-deputy", "deputy", Some(west))
        .await;
    let staff = app
        .create_user(&root.access, "zhang-staff", "station_staff", Some(east))
        .await;
    app.patch(
        &format!("/api/v1/users/{staff}"),
        Some(&root.access),
        &json!({"disabled": true}),
    )
    .await;

    let names = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = app
        .get("/api/v1/users?role=deputy", Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(page), ["li-deputy", "zhang-deputy"]);
    let page = app
        .get("/api/v1/users?q=ZHANG", Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(page), ["zhang-staff", "zhang-deputy"]);
    let page = app
        .get("/api/v1/users?disabled=true", Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(page), ["zhang-staff"]);
    let page = app
        .get(
            &format!("/api/v1/users?region_id={west}"),
            Some(&root.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(page), ["li-deputy"]);
    // A percent sign is a character, not a wildcard.
    let page = app
        .get("/api/v1/users?q=%25", Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert!(names(page).is_empty());
}

/// A display name of spaces only is refused on creation and on change, and so is a username
/// with control characters or blanks inside it (422 naming the field; no account stored, none
/// changed); blanks around a username are trimmed, and a 100-character display name is fine.
#[tokio::test]
async fn blank_display_names_and_usernames_with_blanks_or_control_characters_are_refused() {
    let app = spawn_app().await;
    let root = app.root().await;
    let (_, town, _) = app.district_with_two_towns().await;
    let before = count_rows(app.db(), "users").await;
    let user = |username: &str, display_name: &str| json!({"username": username, "display_name": display_name, "password": PASSWORD, "role": "deputy", "region_id": town});
    let cases = [
        (user("wangfang", " \t "), "display_name"),
        (user("wangfang", "\u{3000}"), "display_name"),
        (user("wang\u{7}fang", "王芳"), "username"),
        (user("wang\u{0}fang", "王芳"), "username"),
        (user("wang\tfang", "王芳"), "username"),
        (user("wang\nfang", "王芳"), "username"),
        (user("wang  fang", "王芳"), "username"),
        (user("王\u{3000}芳", "王芳"), "username"),
        // Over the contract's maxLength as sent, though not once trimmed (found by schemathesis,
        // seed 178623162): the limit counts what was sent.
        (user(&format!(" 00{}", " ".repeat(62)), "王芳"), "username"),
        (
            user("wangfang", &format!(" {} ", "芳".repeat(99))),
            "display_name",
        ),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            app.post("/api/v1/users", Some(&root.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}: {problem}");
    }
    assert_eq!(count_rows(app.db(), "users").await, before);

    let created = app
        .post(
            "/api/v1/users",
            Some(&root.access),
            &user(" Wang.Fang@town-01\t", &"芳".repeat(100)),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["username"], "Wang.Fang@town-01");
    assert_eq!(created["display_name"], json!("芳".repeat(100)));
    let path = format!("/api/v1/users/{}", created["id"].as_str().unwrap());
    for name in [json!("  "), json!("\u{3000}\n"), json!("芳".repeat(101))] {
        let problem = assert_problem(
            app.patch(&path, Some(&root.access), &json!({"display_name": name}))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), ["display_name"], "{problem}");
    }
    let unchanged: Value = app
        .get(&path, Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["display_name"], json!("芳".repeat(100)));
    assert_eq!(unchanged["updated_at"], created["updated_at"]);
}
