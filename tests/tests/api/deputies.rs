//! The deputy directory: administration in scope, stationing with its history, the public list
//! and profile, and the private phone that never reaches the public.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{
    assert_problem, count_rows, count_where, deputy_body, error_fields, spawn_app, station_body,
    str_of,
};

#[tokio::test]
async fn a_voter_finds_the_nearest_station_and_its_deputies_without_private_phones() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("district-admin", "admin", Some(district))
        .await;
    let near = app
        .create_station(&admin.access, &station_body(east, "近站", 30.005, 120.0))
        .await;
    let far = app
        .create_station(&admin.access, &station_body(east, "远站", 30.03, 120.0))
        .await;
    let private = app
        .create_deputy(&admin.access, &deputy_body(east, "王芳"))
        .await;
    let mut published = deputy_body(east, "陈刚");
    published["phone"] = json!("0571-88776655");
    published["phone_public"] = json!(true);
    published["level"] = json!("township");
    let published = app.create_deputy(&admin.access, &published).await;
    let private_id = str_of(&private, "id");
    app.station_deputy(
        &admin.access,
        private_id,
        &[str_of(&near, "id"), str_of(&far, "id")],
    )
    .await;
    app.station_deputy(
        &admin.access,
        str_of(&published, "id"),
        &[str_of(&near, "id")],
    )
    .await;

    let found: Value = app
        .get("/api/v1/stations?near=30.0,120.0&radius_km=2", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"][0]["name"], "近站");
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let station_id = str_of(&found["items"][0], "id");
    let detail = app
        .get(&format!("/api/v1/stations/{station_id}"), None)
        .await;
    let text = detail.text().await.unwrap();
    let detail: Value = serde_json::from_str(&text).unwrap();
    let deputies = detail["deputies"].as_array().unwrap();
    assert_eq!(deputies.len(), 2);
    // County deputies before township ones.
    assert_eq!(deputies[0]["name"], "王芳");
    assert!(deputies[0].get("phone").is_none(), "{detail}");
    assert_eq!(deputies[1]["phone"], "0571-88776655");

    let profile = app
        .get(&format!("/api/v1/deputies/{private_id}"), None)
        .await;
    assert_eq!(profile.status(), StatusCode::OK);
    assert_eq!(profile.headers()["cache-control"], "public, max-age=60");
    let profile_text = profile.text().await.unwrap();
    let profile: Value = serde_json::from_str(&profile_text).unwrap();
    assert_eq!(profile["stations"].as_array().unwrap().len(), 2);
    assert!(profile.get("user_id").is_none() && profile.get("phone_public").is_none());
    let list_text = app
        .get(&format!("/api/v1/deputies?station_id={station_id}"), None)
        .await
        .text()
        .await
        .unwrap();
    for body in [&text, &profile_text, &list_text] {
        assert!(
            !body.contains("13812341234") && !body.contains("****"),
            "{body}"
        );
    }

    // Staff see the private phone masked, never whole.
    let for_admin: Value = app
        .get(
            &format!("/api/v1/deputies/{private_id}"),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(for_admin["phone"], "138****1234");
    assert_eq!(for_admin["phone_public"], false);
}

#[tokio::test]
async fn the_deputy_list_filters_by_station_region_level_text_and_status() {
    let app = spawn_app().await;
    let (district, east, west) = app.district_with_two_towns().await;
    let root = app.root().await;
    let station = app
        .create_station(&root.access, &station_body(east, "站", 30.0, 120.0))
        .await;
    let a = app
        .create_deputy(&root.access, &deputy_body(east, "甲代表"))
        .await;
    let mut b = deputy_body(west, "乙代表");
    b["level"] = json!("national");
    b["constituency"] = json!("西街道第一选区");
    app.create_deputy(&root.access, &b).await;
    let mut c = deputy_body(west, "丙代表");
    c["status"] = json!("left_office");
    app.create_deputy(&root.access, &c).await;
    app.station_deputy(&root.access, str_of(&a, "id"), &[str_of(&station, "id")])
        .await;

    let names = |query: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/v1/deputies?{query}"), None).await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            let page: Value = response.json().await.unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(format!("region_id={district}")).await.len(), 2);
    assert_eq!(
        names(format!("station_id={}", station["id"].as_str().unwrap())).await,
        ["甲代表"]
    );
    assert_eq!(names(format!("region_id={west}")).await, ["乙代表"]);
    assert_eq!(names("level=national".into()).await, ["乙代表"]);
    assert_eq!(names("q=第一选区".into()).await, ["乙代表"]);
    assert_eq!(names("status=left_office".into()).await, ["丙代表"]);

    assert_problem(
        app.get("/api/v1/deputies?level=emperor", None).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/deputies?station_id=nope", None).await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn bad_deputies_get_422_naming_each_field_and_write_nothing() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;

    let mut body = deputy_body(east, "坏代表");
    body["phone"] = json!("12345678");
    body["term_start"] = json!("2026-01-01");
    body["term_end"] = json!("2025-12-31");
    body["name"] = json!("");
    let response = app
        .post("/api/v1/deputies", Some(&root.access), &body)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let fields = error_fields(&problem);
    for field in ["phone", "name"] {
        assert!(fields.iter().any(|f| f == field), "{field} in {problem}");
    }

    let mut term = deputy_body(east, "任期反了");
    term["term_end"] = json!("2025-12-31");
    let response = app
        .post("/api/v1/deputies", Some(&root.access), &term)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["term_end"]);

    let mut level = deputy_body(east, "级别不明");
    level["level"] = json!("galactic");
    let response = app
        .post("/api/v1/deputies", Some(&root.access), &level)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["level"]);

    for phone in ["+1 415 555 0100", "138123412345", "0000-1234567", "电话"] {
        let mut bad = deputy_body(east, "号码");
        bad["phone"] = json!(phone);
        let response = app.post("/api/v1/deputies", Some(&root.access), &bad).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["phone"], "{phone}");
    }

    // A deputy account that is not a deputy's.
    let staff = app
        .create_user(&root.access, "staff", "station_staff", Some(east))
        .await;
    let mut linked = deputy_body(east, "关联");
    linked["user_id"] = json!(staff);
    let response = app
        .post("/api/v1/deputies", Some(&root.access), &linked)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["user_id"]);

    assert_eq!(count_rows(app.db(), "deputies").await, 0);
}

#[tokio::test]
async fn phones_are_normalised_and_a_term_may_not_be_turned_around_later() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let mut body = deputy_body(east, "赵敏");
    body["phone"] = json!("+86 138-1234-1234");
    let deputy = app.create_deputy(&root.access, &body).await;
    let id = str_of(&deputy, "id");
    assert_eq!(deputy["phone"], "138****1234");
    assert_eq!(
        count_where(app.db(), "deputies", "phone = '13812341234'").await,
        1
    );

    let response = app
        .patch(
            &format!("/api/v1/deputies/{id}"),
            Some(&root.access),
            &json!({"term_start": "2031-01-01"}),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["term_end"]);
    let response = app
        .patch(
            &format!("/api/v1/deputies/{id}"),
            Some(&root.access),
            &json!({"phone_public": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let public: Value = app
        .get(&format!("/api/v1/deputies/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["phone"], "13812341234");
    assert_eq!(
        count_where(app.db(), "deputies", "term_start = '2026-01-01'").await,
        1
    );
}

#[tokio::test]
async fn stationing_keeps_history_and_refuses_archived_and_foreign_stations() {
    let app = spawn_app().await;
    let (_, east, west) = app.district_with_two_towns().await;
    let root = app.root().await;
    let east_admin = app.user_session("east-admin", "admin", Some(east)).await;
    let first = app
        .create_station(&root.access, &station_body(east, "第一站", 30.0, 120.0))
        .await;
    let second = app
        .create_station(&root.access, &station_body(east, "第二站", 30.0, 120.0))
        .await;
    let closed = app
        .create_station(&root.access, &station_body(east, "已撤站", 30.0, 120.0))
        .await;
    let foreign = app
        .create_station(&root.access, &station_body(west, "西站", 30.0, 120.0))
        .await;
    let archived = app
        .delete(
            &format!("/api/v1/stations/{}", str_of(&closed, "id")),
            Some(&root.access),
        )
        .await;
    assert_eq!(archived.status(), StatusCode::NO_CONTENT);
    let deputy = app
        .create_deputy(&east_admin.access, &deputy_body(east, "孙丽"))
        .await;
    let id = str_of(&deputy, "id");
    let path = format!("/api/v1/deputies/{id}/stations");

    app.station_deputy(&east_admin.access, id, &[str_of(&first, "id")])
        .await;
    let moved = app
        .put(
            &path,
            Some(&east_admin.access),
            &json!({"stations": [{"station_id": second["id"], "since": "2026-06-01"}]}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    let stations = moved["stations"].as_array().unwrap();
    assert_eq!(stations.len(), 2, "{moved}");
    assert_eq!(stations[0]["station_name"], "第二站");
    assert!(stations[0]["ended_on"].is_null());
    assert_eq!(stations[1]["station_name"], "第一站");
    assert!(stations[1]["ended_on"].is_string());
    // The public sees where the deputy is now.
    let public: Value = app
        .get(&format!("/api/v1/deputies/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["stations"].as_array().unwrap().len(), 1);
    let old_station: Value = app
        .get(&format!("/api/v1/stations/{}", str_of(&first, "id")), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old_station["deputies"], json!([]));

    let to_archived = app
        .put(
            &path,
            Some(&east_admin.access),
            &json!({"stations": [{"station_id": closed["id"]}]}),
        )
        .await;
    let problem = assert_problem(to_archived, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "station_archived");
    let to_foreign = app
        .put(
            &path,
            Some(&east_admin.access),
            &json!({"stations": [{"station_id": foreign["id"]}]}),
        )
        .await;
    assert_problem(to_foreign, 403, "forbidden").await;
    let unknown = app
        .put(
            &path,
            Some(&east_admin.access),
            &json!({"stations": [{"station_id": uuid::Uuid::now_v7()}]}),
        )
        .await;
    assert_problem(unknown, 422, "validation_failed").await;
    let twice = app
        .put(
            &path,
            Some(&east_admin.access),
            &json!({"stations": [{"station_id": second["id"]}, {"station_id": second["id"]}]}),
        )
        .await;
    assert_problem(twice, 422, "validation_failed").await;

    assert_eq!(
        count_where(app.db(), "deputy_stations", "ended_on IS NULL").await,
        1
    );
    assert_eq!(count_rows(app.db(), "deputy_stations").await, 2);

    // Someone who left office is stationed nowhere.
    let left = app
        .patch(
            &format!("/api/v1/deputies/{id}"),
            Some(&east_admin.access),
            &json!({"status": "left_office"}),
        )
        .await;
    assert_eq!(left.status(), StatusCode::OK);
    let refused = app
        .put(
            &path,
            Some(&east_admin.access),
            &json!({"stations": [{"station_id": second["id"]}]}),
        )
        .await;
    assert_problem(refused, 422, "deputy_left_office").await;
}

#[tokio::test]
async fn scoped_admins_manage_only_their_own_deputies() {
    let app = spawn_app().await;
    let (_, east, west) = app.district_with_two_towns().await;
    let root = app.root().await;
    let east_admin = app.user_session("east-admin", "admin", Some(east)).await;
    let western = app
        .create_deputy(&root.access, &deputy_body(west, "西代表"))
        .await;
    let western_id = str_of(&western, "id");

    let create = app
        .post(
            "/api/v1/deputies",
            Some(&east_admin.access),
            &deputy_body(west, "越界"),
        )
        .await;
    assert_problem(create, 403, "forbidden").await;
    let patch = app
        .patch(
            &format!("/api/v1/deputies/{western_id}"),
            Some(&east_admin.access),
            &json!({"name": "改"}),
        )
        .await;
    assert_problem(patch, 404, "not_found").await;
    let stations = app
        .put(
            &format!("/api/v1/deputies/{western_id}/stations"),
            Some(&east_admin.access),
            &json!({"stations": []}),
        )
        .await;
    assert_problem(stations, 404, "not_found").await;
    let moved_away = app
        .post(
            "/api/v1/deputies",
            Some(&east_admin.access),
            &deputy_body(east, "东代表"),
        )
        .await;
    assert_eq!(moved_away.status(), StatusCode::CREATED);
    let eastern: Value = moved_away.json().await.unwrap();
    let away = app
        .patch(
            &format!("/api/v1/deputies/{}", str_of(&eastern, "id")),
            Some(&east_admin.access),
            &json!({"region_id": west}),
        )
        .await;
    assert_problem(away, 403, "forbidden").await;

    let voter = app.voter_session("钱七").await;
    let by_voter = app
        .post(
            "/api/v1/deputies",
            Some(&voter.access),
            &deputy_body(east, "选民建"),
        )
        .await;
    assert_problem(by_voter, 403, "forbidden").await;
    let anonymous = app
        .post("/api/v1/deputies", None, &deputy_body(east, "匿名建"))
        .await;
    assert_problem(anonymous, 401, "unauthenticated").await;
    // A voter sees the staff fields of nobody.
    let seen: Value = app
        .get(
            &format!("/api/v1/deputies/{western_id}"),
            Some(&voter.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(seen.get("phone").is_none(), "{seen}");

    assert_eq!(count_rows(app.db(), "deputies").await, 2);
    assert_eq!(
        count_where(app.db(), "deputies", "name = '西代表'").await,
        1
    );
    assert_eq!(
        count_where(
            app.db(),
            "deputies",
            "region_id IN (SELECT id FROM regions WHERE name = '东街道')"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_linked_deputy_sees_their_own_profile_as_staff() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let account = app
        .create_user(&root.access, "wangfang", "deputy", Some(east))
        .await;
    let mut body = deputy_body(east, "王芳");
    body["user_id"] = json!(account);
    let deputy = app.create_deputy(&root.access, &body).await;
    let session = app.login("wangfang", tests::PASSWORD).await;
    let own: Value = app
        .get(
            &format!("/api/v1/deputies/{}", str_of(&deputy, "id")),
            Some(&session.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["phone"], "138****1234");
    assert_eq!(own["user_id"], account.to_string());

    // One account, one deputy.
    let mut second = deputy_body(east, "另一人");
    second["user_id"] = json!(account);
    let response = app
        .post("/api/v1/deputies", Some(&root.access), &second)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["user_id"]);
}

#[tokio::test]
async fn unknown_deputies_stale_writes_and_unknown_regions_are_refused() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let nobody = uuid::Uuid::now_v7();
    assert_problem(
        app.get(&format!("/api/v1/deputies/{nobody}"), None).await,
        404,
        "not_found",
    )
    .await;
    let response = app
        .patch(
            &format!("/api/v1/deputies/{nobody}"),
            Some(&root.access),
            &json!({"name": "某"}),
        )
        .await;
    assert_problem(response, 404, "not_found").await;

    let deputy = app
        .create_deputy(&root.access, &deputy_body(east, "周红"))
        .await;
    let id = str_of(&deputy, "id");
    let stale = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/deputies/{id}"),
            Some(&root.access),
        )
        .header("If-Match", "\"stale\"")
        .json(&json!({"name": "周虹"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
    let nowhere = app
        .patch(
            &format!("/api/v1/deputies/{id}"),
            Some(&root.access),
            &json!({"region_id": nobody}),
        )
        .await;
    let problem = assert_problem(nowhere, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["region_id"]);
    let response = app
        .post(
            "/api/v1/deputies",
            Some(&root.access),
            &deputy_body(nobody, "无区"),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["region_id"]);
    assert_eq!(count_where(app.db(), "deputies", "name = '周红'").await, 1);
    assert_eq!(count_rows(app.db(), "deputies").await, 1);
}

/// A name or constituency of spaces only is refused as the contract says, on creation and on
/// change (422 naming the field, nothing stored or changed); the longest allowed are accepted.
#[tokio::test]
async fn blank_deputy_names_and_constituencies_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    for (field, value) in [
        ("name", json!("   ")),
        ("name", json!("名".repeat(51))),
        ("constituency", json!(" \t ")),
        ("constituency", json!("区".repeat(101))),
    ] {
        let mut body = deputy_body(east, "空白代表");
        body[field] = value;
        let problem = assert_problem(
            app.post("/api/v1/deputies", Some(&root.access), &body)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    assert_eq!(count_rows(app.db(), "deputies").await, 0);

    let mut longest = deputy_body(east, &"名".repeat(50));
    longest["constituency"] = json!("区".repeat(100));
    let deputy = app.create_deputy(&root.access, &longest).await;
    let path = format!("/api/v1/deputies/{}", str_of(&deputy, "id"));
    for (field, value) in [("name", "  "), ("constituency", "\u{3000} ")] {
        let problem = assert_problem(
            app.patch(&path, Some(&root.access), &json!({ field: value }))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    let unchanged: Value = app
        .get(&path, Some(&root.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["name"], json!("名".repeat(50)));
    assert_eq!(unchanged["constituency"], json!("区".repeat(100)));
    assert_eq!(unchanged["updated_at"], deputy["updated_at"]);
    let renamed = app
        .patch(&path, Some(&root.access), &json!({"name": " 周红 "}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(count_where(app.db(), "deputies", "name = '周红'").await, 1);
}
