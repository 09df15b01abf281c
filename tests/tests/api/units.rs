//! Handling units: administrators manage those of their scope and name their handlers; station
//! staff see the units they can assign to; a handler sees their own; everything else is refused.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

#[tokio::test]
async fn administrators_manage_units_and_each_role_sees_its_own() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let root = app.root().await;
    let (_, _, west) = (
        0,
        0,
        app.create_region(&root.access, "北区", "district", None)
            .await,
    );

    // A district bureau and a town street office.
    let bureau = app
        .post(
            "/api/v1/units",
            Some(&s.admin.access),
            &json!({"region_id": s.district, "name": "区住建局", "kind": "bureau", "phone": "0571-87001234"}),
        )
        .await;
    assert_eq!(bureau.status(), StatusCode::CREATED);
    let bureau = json_of(bureau).await;
    let office = json_of(
        app.post(
            "/api/v1/units",
            Some(&s.admin.access),
            &json!({"region_id": s.town, "name": "东街道办事处", "kind": "street_office"}),
        )
        .await,
    )
    .await;
    let office_id = office["id"].as_str().expect("id").to_owned();
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'unit.create'").await,
        2
    );

    // Handlers.
    let handler = app
        .create_user(&root.access, "handler1", "unit_handler", Some(s.town))
        .await;
    let members = app
        .put(
            &format!("/api/v1/units/{office_id}/members"),
            Some(&s.admin.access),
            &json!({"user_ids": [handler]}),
        )
        .await;
    assert_eq!(members.status(), StatusCode::OK);
    assert_eq!(
        json_of(members).await["members"][0]["user_id"],
        handler.to_string()
    );

    // The station's staff (town) see both: their town's office and the district's bureau.
    let seen = json_of(app.get("/api/v1/units", Some(&s.liaison.access)).await).await;
    assert_eq!(seen["items"].as_array().map(Vec::len), Some(2));
    // The handler sees the unit they act for, and nothing else.
    let h = app.login("handler1", PASSWORD).await;
    let theirs = json_of(app.get("/api/v1/units", Some(&h.access)).await).await;
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(theirs["items"][0]["id"], office_id.as_str());
    let bureau_path = format!("/api/v1/units/{}", bureau["id"].as_str().expect("id"));
    assert_problem(
        app.get(&bureau_path, Some(&h.access)).await,
        404,
        "not_found",
    )
    .await;
    // Voters are not told about units.
    let voter = app.voter_session("v").await;
    assert_problem(
        app.get("/api/v1/units", Some(&voter.access)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&bureau_path, Some(&voter.access)).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get("/api/v1/units", None).await, 401, "unauthenticated").await;

    // Filters.
    let list = async |q: &str| {
        app.get(&format!("/api/v1/units?{q}"), Some(&s.admin.access))
            .await
    };
    assert_eq!(
        json_of(list("kind=bureau").await).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        json_of(list(&format!("region_id={}", s.town)).await).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        json_of(list("q=%E4%BD%8F%E5%BB%BA").await).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_problem(list("kind=ministry").await, 400, "invalid_query").await;
    // `%` and `_` in a search are characters, not wildcards.
    assert_eq!(json_of(list("q=%25").await).await["items"], json!([]));
    assert_eq!(json_of(list("q=_").await).await["items"], json!([]));

    // Archive with If-Match; archived units leave the default list.
    let current = app
        .get(&format!("/api/v1/units/{office_id}"), Some(&s.admin.access))
        .await;
    let etag = current
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let stale = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/units/{office_id}"),
            Some(&s.admin.access),
        )
        .header("If-Match", "\"stale\"")
        .json(&json!({"archived": true}))
        .send()
        .await
        .expect("sent");
    assert_problem(stale, 412, "precondition_failed").await;
    let archived = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/units/{office_id}"),
            Some(&s.admin.access),
        )
        .header("If-Match", etag)
        .json(&json!({"archived": true, "phone": null}))
        .send()
        .await
        .expect("sent");
    assert_eq!(archived.status(), StatusCode::OK);
    assert_eq!(
        json_of(list("").await).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        json_of(list("include_archived=true").await).await["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // An administrator of another district sees none of it and cannot create there.
    let other = app.user_session("west-admin", "admin", Some(west)).await;
    assert_eq!(
        json_of(app.get("/api/v1/units", Some(&other.access)).await).await["items"],
        json!([])
    );
    assert_problem(
        app.get(&bureau_path, Some(&other.access)).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/units",
            Some(&other.access),
            &json!({"region_id": s.district, "name": "越权", "kind": "other"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.patch(&bureau_path, Some(&other.access), &json!({"name": "x"}))
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn bad_units_and_member_lists_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let root = app.root().await;
    let create = async |body: Value| {
        app.post("/api/v1/units", Some(&s.admin.access), &body)
            .await
    };
    let first =
        create(json!({"region_id": s.town, "name": "东街道办事处", "kind": "street_office"})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let unit = json_of(first).await;
    let path = format!("/api/v1/units/{}", unit["id"].as_str().expect("id"));
    // Same name (whatever the case and spaces) in the same region.
    assert_problem(
        create(json!({"region_id": s.town, "name": " 东街道办事处 ", "kind": "other"})).await,
        409,
        "unit_name_taken",
    )
    .await;
    let problem = assert_problem(
        create(json!({"region_id": s.town, "name": "", "kind": "other"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["name"]);
    assert_problem(
        create(json!({"region_id": s.town, "name": "x", "kind": "ministry"})).await,
        422,
        "validation_failed",
    )
    .await;
    let problem = assert_problem(
        create(json!({"region_id": s.town, "name": "x", "kind": "other", "phone": "123"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["phone"]);
    let problem = assert_problem(
        create(json!({"region_id": uuid::Uuid::now_v7(), "name": "x", "kind": "other"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["region_id"]);
    // Staff do not create units.
    assert_problem(
        app.post(
            "/api/v1/units",
            Some(&s.liaison.access),
            &json!({"region_id": s.town, "name": "x", "kind": "other"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.patch(&path, Some(&s.liaison.access), &json!({"name": "x"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    // Renaming onto another unit's name.
    create(json!({"region_id": s.town, "name": "东街道城管中队", "kind": "other"})).await;
    assert_problem(
        app.patch(
            &path,
            Some(&s.admin.access),
            &json!({"name": "东街道城管中队"}),
        )
        .await,
        409,
        "unit_name_taken",
    )
    .await;
    assert_eq!(count_rows(app.db(), "units").await, 2);

    // Members: not a handler, unknown, twice.
    let members = format!("{path}/members");
    let staff_id = s.liaison_id;
    let problem = assert_problem(
        app.put(
            &members,
            Some(&s.admin.access),
            &json!({"user_ids": [staff_id]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["user_ids[0]"]);
    assert_eq!(
        error_code(&problem, "user_ids[0]").as_deref(),
        Some("not_a_handler")
    );
    let problem = assert_problem(
        app.put(
            &members,
            Some(&s.admin.access),
            &json!({"user_ids": [uuid::Uuid::now_v7()]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["user_ids[0]"]);
    let handler = app
        .create_user(&root.access, "h2", "unit_handler", Some(s.town))
        .await;
    let problem = assert_problem(
        app.put(
            &members,
            Some(&s.admin.access),
            &json!({"user_ids": [handler, handler]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["user_ids"]);
    let too_many: Vec<uuid::Uuid> = (0..51).map(|_| uuid::Uuid::now_v7()).collect();
    let problem = assert_problem(
        app.put(
            &members,
            Some(&s.admin.access),
            &json!({"user_ids": too_many}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(error_fields(&problem).contains(&"user_ids".to_owned()));
    assert_problem(
        app.put(
            &members,
            Some(&s.liaison.access),
            &json!({"user_ids": [handler]}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(count_rows(app.db(), "unit_members").await, 0);
    assert_problem(
        app.put(
            &format!("/api/v1/units/{}/members", uuid::Uuid::now_v7()),
            Some(&s.admin.access),
            &json!({"user_ids": []}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

/// The bounds the contract states on a unit (a name of 1 to 100 characters, not all blank; a
/// phone that is a phone or blank; at most 50 handlers) are the service's: 422, and nothing
/// changes.
#[tokio::test]
async fn units_outside_the_contracts_bounds_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (district, _, _) = app.district_with_two_towns().await;
    let admin = app
        .user_session("unit-admin", "admin", Some(district))
        .await;
    for (field, value) in [
        ("name", json!("   ")),
        ("name", json!("局".repeat(101))),
        ("phone", json!("12345")),
    ] {
        let mut body = json!({"region_id": district, "name": "区住建局", "kind": "bureau"});
        body[field] = value;
        let problem = assert_problem(
            app.post("/api/v1/units", Some(&admin.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    assert_eq!(count_rows(app.db(), "units").await, 0);
    let blank_phone = app
        .post(
            "/api/v1/units",
            Some(&admin.access),
            &json!({"region_id": district, "name": "区住建局", "kind": "bureau", "phone": " "}),
        )
        .await;
    assert_eq!(blank_phone.status(), StatusCode::CREATED);
    let unit = json_of(blank_phone).await;
    assert_eq!(unit["phone"], Value::Null);
    let many: Vec<uuid::Uuid> = (0..51).map(|_| uuid::Uuid::now_v7()).collect();
    let problem = assert_problem(
        app.put(
            &format!("/api/v1/units/{}/members", str_of(&unit, "id")),
            Some(&admin.access),
            &json!({"user_ids": many}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        error_fields(&problem).contains(&"user_ids".to_owned()),
        "{problem}"
    );
    assert_eq!(count_rows(app.db(), "unit_members").await, 0);
}
