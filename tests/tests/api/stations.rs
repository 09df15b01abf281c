//! The station directory: administration in scope, the public list and detail, `near`, the
//! checklist (九有) and what station staff may and may not change.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{
    assert_problem, count_rows, count_where, error_fields, spawn_app, station_body, str_of,
};

#[tokio::test]
async fn an_admin_adds_a_station_and_the_public_reads_it_with_caching() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("district-admin", "admin", Some(district))
        .await;

    let response = app
        .post(
            "/api/v1/stations",
            Some(&admin.access),
            &station_body(east, "东湖社区联络点", 30.27, 120.15),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = str_of(&created, "id").to_owned();
    assert_eq!(location, format!("/api/v1/stations/{id}"));
    let code = str_of(&created, "public_code");
    assert!(
        code.starts_with('S') && code.len() == 8,
        "public code {code}"
    );
    assert_eq!(created["checklist"]["label"], "0/9");
    assert_eq!(created["location"]["latitude"], 30.27);
    assert_eq!(created["opening_hours"]["periods"][0]["opens"], "09:00");
    assert_eq!(created["star_rating"], 3);

    let public = app.get(&location, None).await;
    assert_eq!(public.status(), StatusCode::OK);
    assert_eq!(public.headers()["cache-control"], "public, max-age=60");
    let etag = public.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = public.json().await.unwrap();
    assert_eq!(body["name"], "东湖社区联络点");
    assert_eq!(body["deputies"], json!([]));

    let again = app
        .client
        .get(app.url(&location))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let list = app
        .get(&format!("/api/v1/stations?region_id={district}"), None)
        .await;
    assert_eq!(list.status(), StatusCode::OK);
    assert_eq!(list.headers()["cache-control"], "public, max-age=60");
    let list_etag = list.headers()["etag"].to_str().unwrap().to_owned();
    let page: Value = list.json().await.unwrap();
    assert_eq!(page["items"][0]["id"], id.as_str());
    let again = app
        .client
        .get(app.url(&format!("/api/v1/stations?region_id={district}")))
        .header("If-None-Match", &list_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn codes_are_unique_and_well_formed() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let mut codes = Vec::new();
    for i in 0..5 {
        let s = app
            .create_station(
                &root.access,
                &station_body(east, &format!("站{i}"), 30.0, 120.0),
            )
            .await;
        codes.push(str_of(&s, "public_code").to_owned());
    }
    // `S` and seven characters of an alphabet without look-alikes (no 0, 1, I, L, O, U).
    for code in &codes {
        assert!(code.starts_with('S') && code.len() == 8, "{code}");
        assert!(
            code[1..]
                .chars()
                .all(|c| "23456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)),
            "{code}"
        );
    }
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5, "{codes:?}");
}

#[tokio::test]
async fn the_list_filters_by_region_subtree_kind_and_chinese_text() {
    let app = spawn_app().await;
    let (district, east, west) = app.district_with_two_towns().await;
    let root = app.root().await;
    app.create_station(
        &root.access,
        &station_body(east, "东湖社区联络点", 30.0, 120.0),
    )
    .await;
    let mut central = station_body(west, "西溪街道中心联络站", 30.1, 120.1);
    central["kind"] = json!("central");
    central["address"] = json!("文一西路 100 号");
    app.create_station(&root.access, &central).await;

    let names = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |query: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/v1/stations?{query}"), None).await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            response.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(names(get(format!("region_id={district}")).await).len(), 2);
    assert_eq!(
        names(get(format!("region_id={east}")).await),
        ["东湖社区联络点"]
    );
    assert_eq!(
        names(get("kind=central".into()).await),
        ["西溪街道中心联络站"]
    );
    assert_eq!(
        names(get("q=%E4%B8%9C%E6%B9%96".into()).await),
        ["东湖社区联络点"]
    ); // 东湖
    assert_eq!(
        names(get("q=文一西路".into()).await),
        ["西溪街道中心联络站"]
    );
    assert_eq!(names(get("sort=name".into()).await).len(), 2);

    let unknown = app
        .get(
            &format!("/api/v1/stations?region_id={}", uuid::Uuid::now_v7()),
            None,
        )
        .await;
    assert_problem(unknown, 404, "not_found").await;
    let bad_kind = app.get("/api/v1/stations?kind=castle", None).await;
    assert_problem(bad_kind, 400, "invalid_query").await;
}

#[tokio::test]
async fn near_finds_the_closest_stations_first_with_their_distance() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    // About 1.1 km, 2.2 km and 111 km north of the centre.
    app.create_station(&root.access, &station_body(east, "二号站", 30.02, 120.0))
        .await;
    app.create_station(&root.access, &station_body(east, "一号站", 30.01, 120.0))
        .await;
    app.create_station(&root.access, &station_body(east, "远方站", 31.0, 120.0))
        .await;
    let mut unlocated = station_body(east, "无坐标站", 0.0, 0.0);
    unlocated["location"] = Value::Null;
    app.create_station(&root.access, &unlocated).await;

    let response = app
        .get("/api/v1/stations?near=30.0,120.0&radius_km=5", None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert_eq!(items[0]["name"], "一号站");
    assert_eq!(items[1]["name"], "二号站");
    let first = items[0]["distance_km"].as_f64().unwrap();
    let second = items[1]["distance_km"].as_f64().unwrap();
    assert!((first - 1.112).abs() < 0.01, "distance {first}");
    assert!((second - 2.224).abs() < 0.01, "distance {second}");

    // Page by page, nothing lost and nothing twice.
    let first_page: Value = app
        .get("/api/v1/stations?near=30.0,120.0&radius_km=5&limit=1", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first_page["items"][0]["name"], "一号站");
    let cursor = str_of(&first_page, "next_cursor");
    let second_page: Value = app
        .get(
            &format!("/api/v1/stations?near=30.0,120.0&radius_km=5&limit=1&cursor={cursor}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second_page["items"][0]["name"], "二号站");
    assert!(second_page["next_cursor"].is_null(), "{second_page}");

    // A cursor of another ordering is refused, not misread.
    let wrong = app
        .get(&format!("/api/v1/stations?sort=name&cursor={cursor}"), None)
        .await;
    assert_problem(wrong, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn bad_near_queries_get_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field) in [
        ("near=30.0,120.0", "radius_km"),
        ("radius_km=5", "near"),
        ("near=30.0,120.0&radius_km=51", "radius_km"),
        ("near=30.0,120.0&radius_km=0", "radius_km"),
        ("near=30.0,120.0&radius_km=-1", "radius_km"),
        ("near=30.0,120.0&radius_km=NaN", "radius_km"),
        ("near=abc&radius_km=5", "near"),
        ("near=30.0&radius_km=5", "near"),
        ("near=91,120&radius_km=5", "near.latitude"),
        ("near=30,181&radius_km=5", "near.longitude"),
        ("near=30,120&radius_km=5&sort=name", "sort"),
    ] {
        let response = app.get(&format!("/api/v1/stations?{query}"), None).await;
        let problem = assert_problem(response, 400, "invalid_query").await;
        assert!(
            error_fields(&problem).iter().any(|f| f == field),
            "{query}: {problem}"
        );
    }
}

#[tokio::test]
async fn bad_stations_get_422_naming_each_field_and_write_nothing() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let mut body = station_body(east, "坏站", 91.0, 181.0);
    body["star_rating"] = json!(6);
    body["phone"] = json!("12345");
    body["photo_url"] = json!("javascript:alert(1)");
    body["name"] = json!("   ");
    body["opening_hours"] =
        json!({"periods": [{"weekdays": [8], "opens": "18:00", "closes": "09:00"}]});
    let response = app
        .post("/api/v1/stations", Some(&root.access), &body)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let fields = error_fields(&problem);
    for field in [
        "location.latitude",
        "location.longitude",
        "star_rating",
        "phone",
        "photo_url",
        "name",
        "opening_hours.periods[0].weekdays",
        "opening_hours.periods[0].closes",
    ] {
        assert!(fields.iter().any(|f| f == field), "{field} in {problem}");
    }

    let mut wrong_kind = station_body(east, "站", 30.0, 120.0);
    wrong_kind["kind"] = json!("castle");
    let response = app
        .post("/api/v1/stations", Some(&root.access), &wrong_kind)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["kind"]);

    let nowhere = station_body(uuid::Uuid::now_v7(), "站", 30.0, 120.0);
    let response = app
        .post("/api/v1/stations", Some(&root.access), &nowhere)
        .await;
    assert_problem(response, 422, "validation_failed").await;

    assert_eq!(count_rows(app.db(), "stations").await, 0);
}

#[tokio::test]
async fn the_public_and_voters_cannot_write_and_scoped_admins_stay_in_scope() {
    let app = spawn_app().await;
    let (_, east, west) = app.district_with_two_towns().await;
    let root = app.root().await;
    let west_station = app
        .create_station(&root.access, &station_body(west, "西站", 30.0, 120.0))
        .await;
    let west_id = str_of(&west_station, "id");
    let east_admin = app.user_session("east-admin", "admin", Some(east)).await;
    let voter = app.voter_session("张三").await;

    let anonymous = app
        .post(
            "/api/v1/stations",
            None,
            &station_body(east, "站", 30.0, 120.0),
        )
        .await;
    assert_problem(anonymous, 401, "unauthenticated").await;
    let by_voter = app
        .post(
            "/api/v1/stations",
            Some(&voter.access),
            &station_body(east, "站", 30.0, 120.0),
        )
        .await;
    assert_problem(by_voter, 403, "forbidden").await;
    let elsewhere = app
        .post(
            "/api/v1/stations",
            Some(&east_admin.access),
            &station_body(west, "站", 30.0, 120.0),
        )
        .await;
    assert_problem(elsewhere, 403, "forbidden").await;
    let patch = app
        .patch(
            &format!("/api/v1/stations/{west_id}"),
            Some(&east_admin.access),
            &json!({"name": "改名"}),
        )
        .await;
    assert_problem(patch, 403, "forbidden").await;
    let archive = app
        .delete(
            &format!("/api/v1/stations/{west_id}"),
            Some(&east_admin.access),
        )
        .await;
    assert_problem(archive, 403, "forbidden").await;
    let checklist = app
        .put(
            &format!("/api/v1/stations/{west_id}/checklist"),
            Some(&east_admin.access),
            &json!({"items": []}),
        )
        .await;
    assert_problem(checklist, 403, "forbidden").await;

    assert_eq!(count_rows(app.db(), "stations").await, 1);
    assert_eq!(
        count_where(app.db(), "stations", "name = '西站' AND status = 'active'").await,
        1
    );
}

#[tokio::test]
async fn station_staff_change_their_own_stations_hours_phone_photo_and_checklist_only() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let staff_id = app
        .create_user(&root.access, "liaison", "station_staff", Some(east))
        .await;
    let mut own = station_body(east, "本站", 30.0, 120.0);
    own["liaison_user_ids"] = json!([staff_id]);
    let own = app.create_station(&root.access, &own).await;
    let other = app
        .create_station(&root.access, &station_body(east, "他站", 30.0, 120.0))
        .await;
    let own_id = str_of(&own, "id");
    let other_id = str_of(&other, "id");
    assert_eq!(own["staff"][0]["role"], "liaison");
    assert_eq!(own["staff"][0]["display_name"], "liaison");
    let staff = app.login("liaison", tests::PASSWORD).await;

    let allowed = app
        .patch(
            &format!("/api/v1/stations/{own_id}"),
            Some(&staff.access),
            &json!({"phone": "13900001111", "photo_url": "https://img.example.cn/a.jpg",
                    "opening_hours": {"periods": [{"weekdays": [6], "opens": "08:30", "closes": "11:30"}], "note": "周六上午"}}),
        )
        .await;
    assert_eq!(allowed.status(), StatusCode::OK);
    let body: Value = allowed.json().await.unwrap();
    assert_eq!(body["phone"], "13900001111");
    assert_eq!(body["opening_hours"]["note"], "周六上午");

    for change in [
        json!({"name": "改名"}),
        json!({"star_rating": 5}),
        json!({"phone": "13900002222", "kind": "central"}),
    ] {
        let refused = app
            .patch(
                &format!("/api/v1/stations/{own_id}"),
                Some(&staff.access),
                &change,
            )
            .await;
        assert_problem(refused, 403, "forbidden").await;
    }
    let other_station = app
        .patch(
            &format!("/api/v1/stations/{other_id}"),
            Some(&staff.access),
            &json!({"phone": "13900003333"}),
        )
        .await;
    assert_problem(other_station, 403, "forbidden").await;
    let other_checklist = app
        .put(
            &format!("/api/v1/stations/{other_id}/checklist"),
            Some(&staff.access),
            &json!({"items": []}),
        )
        .await;
    assert_problem(other_checklist, 403, "forbidden").await;
    let archive = app
        .delete(&format!("/api/v1/stations/{own_id}"), Some(&staff.access))
        .await;
    assert_problem(archive, 403, "forbidden").await;
    let create = app
        .post(
            "/api/v1/stations",
            Some(&staff.access),
            &station_body(east, "新站", 30.0, 120.0),
        )
        .await;
    assert_problem(create, 403, "forbidden").await;

    assert_eq!(
        count_where(
            app.db(),
            "stations",
            "name = '本站' AND star_rating = 3 AND kind = 'community'"
        )
        .await,
        1
    );
    assert_eq!(
        count_where(
            app.db(),
            "stations",
            "name = '他站' AND phone = '0571-87654321'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn staff_must_be_station_staff_in_the_stations_district() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let voter = app.voter_session("李四").await;
    let mut body = station_body(east, "站", 30.0, 120.0);
    body["head_user_id"] = json!(voter.user_id);
    let response = app
        .post("/api/v1/stations", Some(&root.access), &body)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["head_user_id"]);
    assert_eq!(count_rows(app.db(), "stations").await, 0);
}

#[tokio::test]
async fn archived_stations_leave_the_public_directory_but_are_kept() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("district-admin", "admin", Some(district))
        .await;
    let station = app
        .create_station(&admin.access, &station_body(east, "旧站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");

    let archived = app
        .delete(&format!("/api/v1/stations/{id}"), Some(&admin.access))
        .await;
    assert_eq!(archived.status(), StatusCode::NO_CONTENT);

    assert_problem(
        app.get(&format!("/api/v1/stations/{id}"), None).await,
        404,
        "not_found",
    )
    .await;
    let public: Value = app
        .get("/api/v1/stations", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["items"], json!([]));
    let voter = app.voter_session("王五").await;
    let asked = app
        .get("/api/v1/stations?status=archived", Some(&voter.access))
        .await;
    assert_problem(asked, 403, "forbidden").await;

    let for_admin: Value = app
        .get(&format!("/api/v1/stations/{id}"), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(for_admin["status"], "archived");
    let listed: Value = app
        .get("/api/v1/stations?status=archived", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(
        count_where(app.db(), "stations", "status = 'archived'").await,
        1
    );
}

#[tokio::test]
async fn the_checklist_counts_completion_and_follows_the_districts_items() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let station = app
        .create_station(&root.access, &station_body(east, "九有站", 30.0, 120.0))
        .await;
    let behind = app
        .create_station(&root.access, &station_body(east, "落后站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");

    let items: Value = app
        .get(&format!("/api/v1/regions/{district}/checklist-items"), None)
        .await
        .json()
        .await
        .unwrap();
    let items = items["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 9);
    assert_eq!(items[0]["name"], "有场所");

    let answers: Vec<Value> = items
        .iter()
        .take(7)
        .map(|i| json!({"item_id": i["id"], "done": true, "note": "已完成"}))
        .collect();
    let response = app
        .put(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
            &json!({"items": answers}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let checklist: Value = response.json().await.unwrap();
    assert_eq!(checklist["summary"]["label"], "7/9");
    assert_eq!(checklist["items"][0]["done"], true);
    assert_eq!(checklist["items"][0]["note"], "已完成");
    assert!(checklist["items"][0]["updated_at"].is_string());
    assert_eq!(checklist["items"][8]["done"], false);
    assert!(checklist["items"][8]["updated_at"].is_null());

    let public: Value = app
        .get(&format!("/api/v1/stations/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["checklist"]["label"], "7/9");

    // Districts chase the least complete stations first.
    let by_completion: Value = app
        .get(
            &format!("/api/v1/stations?region_id={district}&sort=completion"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_completion["items"][0]["id"], behind["id"]);
    assert_eq!(by_completion["items"][1]["id"], station["id"]);

    // The district drops the two items nobody has done and renames the first.
    let mut kept: Vec<Value> = items
        .iter()
        .take(7)
        .map(|i| json!({"id": i["id"], "name": i["name"]}))
        .collect();
    kept[0]["name"] = json!("有固定场所");
    let response = app
        .put(
            &format!("/api/v1/regions/{district}/checklist-items"),
            Some(&root.access),
            &json!({"items": kept}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let public: Value = app
        .get(&format!("/api/v1/stations/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["checklist"]["label"], "7/7");

    // An item of another district, or none at all, is refused and changes nothing.
    let foreign = app
        .put(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
            &json!({"items": [{"item_id": uuid::Uuid::now_v7(), "done": true}]}),
        )
        .await;
    let problem = assert_problem(foreign, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["items[0].item_id"]);
    let too_long = app
        .put(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
            &json!({"items": [{"item_id": items[0]["id"], "done": false, "note": "长".repeat(501)}]}),
        )
        .await;
    assert_problem(too_long, 422, "validation_failed").await;
    let public: Value = app
        .get(&format!("/api/v1/stations/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["checklist"]["label"], "7/7");
}

#[tokio::test]
async fn district_checklists_are_for_their_admins_and_refuse_bad_lists() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let town_admin = app.user_session("east-admin", "admin", Some(east)).await;
    let refused = app
        .put(
            &format!("/api/v1/regions/{district}/checklist-items"),
            Some(&town_admin.access),
            &json!({"items": [{"name": "有牌子"}]}),
        )
        .await;
    assert_problem(refused, 403, "forbidden").await;
    let root = app.root().await;
    let empty = app
        .put(
            &format!("/api/v1/regions/{district}/checklist-items"),
            Some(&root.access),
            &json!({"items": []}),
        )
        .await;
    assert_problem(empty, 422, "validation_failed").await;
    let town = app
        .put(
            &format!("/api/v1/regions/{east}/checklist-items"),
            Some(&root.access),
            &json!({"items": [{"name": "有"}]}),
        )
        .await;
    assert_problem(town, 422, "not_a_district").await;
    let town_items = app
        .get(&format!("/api/v1/regions/{east}/checklist-items"), None)
        .await;
    assert_problem(town_items, 422, "not_a_district").await;
    assert_eq!(count_rows(app.db(), "checklist_items").await, 9);
}

#[tokio::test]
async fn a_stale_if_match_is_refused() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let station = app
        .create_station(&root.access, &station_body(east, "站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");
    let response = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/stations/{id}"),
            Some(&root.access),
        )
        .header("If-Match", "\"stale\"")
        .json(&json!({"name": "新名"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    assert_eq!(count_where(app.db(), "stations", "name = '站'").await, 1);
}

#[tokio::test]
async fn one_person_holds_one_role_and_checklists_name_each_item_once() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let staff = app
        .create_user(&root.access, "head", "station_staff", Some(east))
        .await;
    let mut body = station_body(east, "站", 30.0, 120.0);
    body["head_user_id"] = json!(staff);
    body["liaison_user_ids"] = json!([staff]);
    let response = app
        .post("/api/v1/stations", Some(&root.access), &body)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "duplicate");
    let mut crowded = station_body(east, "站", 30.0, 120.0);
    crowded["liaison_user_ids"] = json!((0..21).map(|_| uuid::Uuid::now_v7()).collect::<Vec<_>>());
    let response = app
        .post("/api/v1/stations", Some(&root.access), &crowded)
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["liaison_user_ids"]);
    assert_eq!(count_rows(app.db(), "stations").await, 0);

    let station = app
        .create_station(&root.access, &station_body(east, "站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");
    let items: Value = app
        .get(&format!("/api/v1/regions/{district}/checklist-items"), None)
        .await
        .json()
        .await
        .unwrap();
    let first = items["items"][0]["id"].clone();
    let twice = app
        .put(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
            &json!({"items": [{"item_id": first, "done": true}, {"item_id": first, "done": false}]}),
        )
        .await;
    let problem = assert_problem(twice, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "duplicate");
    let evidence = app
        .put(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
            &json!({"items": [{"item_id": first, "done": true,
                               "evidence": (0..10).map(|_| uuid::Uuid::now_v7()).collect::<Vec<_>>()}]}),
        )
        .await;
    assert_problem(evidence, 422, "validation_failed").await;
    assert_eq!(count_rows(app.db(), "station_checklist").await, 0);

    let same_names = app
        .put(
            &format!("/api/v1/regions/{district}/checklist-items"),
            Some(&root.access),
            &json!({"items": [{"name": "有牌子"}, {"name": "有牌子"}]}),
        )
        .await;
    let problem = assert_problem(same_names, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["items[1].name"]);
    let foreign = app
        .put(
            &format!("/api/v1/regions/{district}/checklist-items"),
            Some(&root.access),
            &json!({"items": [{"id": uuid::Uuid::now_v7(), "name": "有牌子"}]}),
        )
        .await;
    let problem = assert_problem(foreign, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["items[0].id"]);
    assert_eq!(
        count_where(app.db(), "checklist_items", "archived = false").await,
        9
    );

    // Staff may read their checklist; others may not.
    let voter = app.voter_session("路人").await;
    let response = app
        .get(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&voter.access),
        )
        .await;
    assert_problem(response, 403, "forbidden").await;
    let response = app
        .get(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_stations_and_bad_changes_are_refused() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let nobody = uuid::Uuid::now_v7();
    assert_problem(
        app.get(&format!("/api/v1/stations/{nobody}"), None).await,
        404,
        "not_found",
    )
    .await;
    let response = app
        .get(&format!("/api/v1/regions/{nobody}/checklist-items"), None)
        .await;
    assert_problem(response, 404, "not_found").await;
    let response = app
        .patch(
            &format!("/api/v1/stations/{nobody}"),
            Some(&root.access),
            &json!({"phone": null}),
        )
        .await;
    assert_problem(response, 404, "not_found").await;

    let station = app
        .create_station(&root.access, &station_body(east, "站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");
    let response = app
        .patch(
            &format!("/api/v1/stations/{id}"),
            Some(&root.access),
            &json!({"phone": "110", "star_rating": -1, "location": {"latitude": 30.0, "longitude": 200.0}}),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let fields = error_fields(&problem);
    for field in ["phone", "star_rating", "location.longitude"] {
        assert!(fields.iter().any(|f| f == field), "{field} in {problem}");
    }
    assert_eq!(
        count_where(
            app.db(),
            "stations",
            "phone = '0571-87654321' AND star_rating = 3"
        )
        .await,
        1
    );

    // `null` clears a nullable field; an absent one stays.
    let cleared = app
        .patch(
            &format!("/api/v1/stations/{id}"),
            Some(&root.access),
            &json!({"phone": null}),
        )
        .await;
    assert_eq!(cleared.status(), StatusCode::OK);
    let cleared: Value = cleared.json().await.unwrap();
    assert!(cleared["phone"].is_null());
    assert_eq!(cleared["star_rating"], 3);
}

#[tokio::test]
async fn if_none_match_never_turns_a_write_into_a_304() {
    let app = spawn_app().await;
    let (_, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let station = app
        .create_station(&root.access, &station_body(east, "站", 30.0, 120.0))
        .await;
    let id = str_of(&station, "id");
    let first = app
        .put(
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
            &json!({"items": []}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
        )
        .header("If-None-Match", &etag)
        .json(&json!({"items": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let read = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/stations/{id}/checklist"),
            Some(&root.access),
        )
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::NOT_MODIFIED);
}

/// The bounds the contract states on a station (blank or long address, a long photo URL, more
/// than 14 periods, a checklist item named only with spaces) are the service's: 422, and
/// nothing changes.
#[tokio::test]
async fn stations_outside_the_contracts_bounds_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let (district, east, _) = app.district_with_two_towns().await;
    let root = app.root().await;
    let period = json!({"weekdays": [1], "opens": "09:00", "closes": "17:00"});
    let cases = [
        ("address", json!("  ")),
        ("address", json!("路".repeat(201))),
        ("name", json!("站".repeat(101))),
        (
            "photo_url",
            json!(format!("https://photos.example.cn/{}", "p".repeat(480))),
        ),
        ("opening_hours", json!({"periods": vec![period; 15]})),
        ("opening_hours", json!({"note": "注".repeat(501)})),
        ("phone", json!("")),
        ("phone", json!("138-1234-123")),
    ];
    for (field, value) in cases {
        let mut body = station_body(east, "东站", 30.0, 120.0);
        body[field] = value;
        let problem = assert_problem(
            app.post("/api/v1/stations", Some(&root.access), &body)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert!(
            error_fields(&problem).iter().any(|f| f.starts_with(field)),
            "{field}: {problem}"
        );
    }
    assert_eq!(count_rows(app.db(), "stations").await, 0);

    let before = count_rows(app.db(), "checklist_items").await;
    let problem = assert_problem(
        app.put(
            &format!("/api/v1/regions/{district}/checklist-items"),
            Some(&root.access),
            &json!({"items": [{"name": "有场所"}, {"name": "   "}]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["items[1].name"]);
    assert_eq!(count_rows(app.db(), "checklist_items").await, before);
}
