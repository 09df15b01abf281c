//! Suggestions through the closed loop over HTTP: a station case assigned, declined, reassigned
//! and replied; a deputy suggestion pre-reviewed, returned once, reopened twice and closed
//! flagged; pollers get 304 until something changes; forbidden moves are refused and leave no
//! trace.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

pub(super) struct Loop {
    pub(super) s: Scheduling,
    pub(super) bureau: String,
    pub(super) office: String,
    pub(super) h_bureau: Session,
    pub(super) h_office: Session,
}

/// The scheduling fixture plus a district bureau and a town office, each with a handler.
pub(super) async fn fixture(app: &TestApp) -> Loop {
    let s = app.scheduling(2).await;
    let root = app.root().await;
    let mut units = Vec::new();
    for (name, region, handler) in [
        ("区住建局", s.district, "h-bureau"),
        ("东街道办事处", s.town, "h-office"),
    ] {
        let unit = json_of(
            app.post(
                "/api/v1/units",
                Some(&s.admin.access),
                &json!({"region_id": region, "name": name, "kind": "bureau"}),
            )
            .await,
        )
        .await;
        let id = unit["id"].as_str().expect("id").to_owned();
        let user = app
            .create_user(&root.access, handler, "unit_handler", Some(region))
            .await;
        let set = app
            .put(
                &format!("/api/v1/units/{id}/members"),
                Some(&s.admin.access),
                &json!({"user_ids": [user]}),
            )
            .await;
        assert_eq!(set.status(), StatusCode::OK);
        units.push(id);
    }
    let h_bureau = app.login("h-bureau", PASSWORD).await;
    let h_office = app.login("h-office", PASSWORD).await;
    Loop {
        bureau: units[0].clone(),
        office: units[1].clone(),
        s,
        h_bureau,
        h_office,
    }
}

async fn act(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/suggestions/{id}/transitions"),
        Some(token),
        &body,
    )
    .await
}

pub(super) async fn ok(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let response = act(app, token, id, body.clone()).await;
    let status = response.status();
    let value = json_of(response).await;
    assert_eq!(status, StatusCode::OK, "{body} → {value}");
    value
}

#[tokio::test]
async fn a_station_case_is_assigned_declined_reassigned_and_replied() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let created = app
        .post(
            "/api/v1/suggestions",
            Some(staff),
            &json!({"kind": "station_case", "title": "幸福路路灯维修", "content": "三位选民反映幸福路路灯不亮。", "category": "urban_management", "station_id": l.s.station}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let case = json_of(created).await;
    let id = case["id"].as_str().expect("id").to_owned();
    assert_eq!(case["status"], "accepted");
    assert_eq!(
        case["allowed_actions"],
        json!(["assign", "withdraw", "escalate"])
    );

    // Polling: 304 until something changes.
    let status_path = format!("/api/v1/suggestions/{id}/status");
    let polled = app.get(&status_path, Some(staff)).await;
    let etag = polled
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let poll = || {
        app.request(reqwest::Method::GET, &status_path, Some(staff))
            .header("If-None-Match", etag.clone())
            .send()
    };
    assert_eq!(
        poll().await.expect("sent").status(),
        StatusCode::NOT_MODIFIED
    );

    // Refusals that change nothing.
    let problem = assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "reply", "reply_category": "A", "reply_text": "x"}),
        )
        .await,
        422,
        "invalid_transition",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("assign")),
        "{problem}"
    );
    let problem = assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "assign", "lead_unit_id": l.office, "deadline": "2000-01-01"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&problem, "deadline").as_deref(),
        Some("deadline_in_past")
    );
    let root = app.root().await;
    let west = app
        .create_region(&root.access, "北区", "district", None)
        .await;
    let far = json_of(
        app.post(
            "/api/v1/units",
            Some(&root.access),
            &json!({"region_id": west, "name": "北区水务", "kind": "company"}),
        )
        .await,
    )
    .await;
    let problem = assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "assign", "lead_unit_id": far["id"]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["lead_unit_id"]);
    assert_eq!(
        error_code(&problem, "lead_unit_id").as_deref(),
        Some("unit_out_of_region")
    );
    assert_problem(
        act(&app, staff, &id, json!({"action": "assign"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        act(
            &app,
            &l.h_office.access,
            &id,
            json!({"action": "acknowledge"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let stale = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/suggestions/{id}/transitions"),
            Some(staff),
        )
        .header("If-Match", "\"stale\"")
        .json(&json!({"action": "assign", "lead_unit_id": l.office}))
        .send()
        .await
        .expect("sent");
    assert_problem(stale, 412, "precondition_failed").await;
    assert_eq!(
        poll().await.expect("sent").status(),
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        count_where(app.db(), "suggestion_events", "action <> 'create'").await,
        0
    );

    // Ten concurrent assigns: exactly one wins.
    let assign = json!({"action": "assign", "lead_unit_id": l.office});
    let sends = (0..10).map(|_| act(&app, staff, &id, assign.clone()));
    let mut won = 0;
    for response in futures_util::future::join_all(sends).await {
        match response.status().as_u16() {
            200 => won += 1,
            409 | 422 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        count_where(app.db(), "suggestion_events", "action = 'assign'").await,
        1
    );
    assert_eq!(poll().await.expect("sent").status(), StatusCode::OK);
    let assigned = json_of(
        app.get(&format!("/api/v1/suggestions/{id}"), Some(staff))
            .await,
    )
    .await;
    assert_eq!(assigned["status"], "assigned");
    // The default deadline: 15 working days on, so at least three weeks.
    let deadline = chrono::NaiveDate::parse_from_str(
        assigned["deadline"].as_str().expect("deadline"),
        "%Y-%m-%d",
    )
    .expect("date");
    assert!(
        deadline >= api::domain::local_time::local_date(api::clock::now()) + chrono::Days::new(20)
    );
    // The unit's handler was told, in their inbox.
    // (The sender delivers inbox messages within moments; wait for it, up to 10 s.)
    let mut told = false;
    for _ in 0..600 {
        let inbox = json_of(
            app.get("/api/v1/me/notifications", Some(&l.h_office.access))
                .await,
        )
        .await;
        if inbox.to_string().contains("幸福路路灯维修") {
            told = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(told, "the handler's inbox has the assignment");

    // The office declines (a reason is required); staff reassign to the bureau.
    assert_problem(
        act(
            &app,
            &l.h_office.access,
            &id,
            json!({"action": "decline_jurisdiction"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    ok(
        &app,
        &l.h_office.access,
        &id,
        json!({"action": "decline_jurisdiction", "comment": "属区住建局职责"}),
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/suggestions/{id}"),
            Some(&l.h_office.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    ok(
        &app,
        staff,
        &id,
        json!({"action": "assign", "lead_unit_id": l.bureau, "co_unit_ids": [l.office]}),
    )
    .await;
    // The co-unit may not acknowledge or reply for the lead.
    assert_problem(
        act(
            &app,
            &l.h_office.access,
            &id,
            json!({"action": "acknowledge"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    ok(
        &app,
        &l.h_bureau.access,
        &id,
        json!({"action": "acknowledge"}),
    )
    .await;
    // The lead cannot reply before the co-unit's input; only the co-unit gives it.
    assert_problem(
        act(
            &app,
            &l.h_bureau.access,
            &id,
            json!({"action": "reply", "reply_category": "B", "reply_text": "x"}),
        )
        .await,
        422,
        "co_unit_input_missing",
    )
    .await;
    let input_path = format!("/api/v1/suggestions/{id}/input");
    assert_problem(
        app.post(&input_path, Some(&l.h_bureau.access), &json!({"text": "x"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(&input_path, Some(&l.h_office.access), &json!({"text": " "}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    let input = app
        .post(
            &input_path,
            Some(&l.h_office.access),
            &json!({"text": "街道可配合施工协调。"}),
        )
        .await;
    assert_eq!(input.status(), StatusCode::OK);
    assert_eq!(
        json_of(input).await["units"][1]["input"],
        "街道可配合施工协调。"
    );
    assert_problem(
        act(
            &app,
            &l.h_bureau.access,
            &id,
            json!({"action": "reply", "reply_category": "D", "reply_text": "x"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        act(
            &app,
            &l.h_bureau.access,
            &id,
            json!({"action": "reply", "reply_text": "x"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let replied = ok(
        &app,
        &l.h_bureau.access,
        &id,
        json!({"action": "reply", "reply_category": "B", "reply_text": "已列入明年改造计划。"}),
    )
    .await;
    assert_eq!(replied["status"], "replied");
    assert_eq!(replied["reply_category"], "B");
    assert_problem(
        app.post(
            &input_path,
            Some(&l.h_office.access),
            &json!({"text": "补充"}),
        )
        .await,
        422,
        "input_closed",
    )
    .await;
    // Staff do not rate a station case: its voters do.
    assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "rate", "rating": "satisfied"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    let events = json_of(
        app.get(&format!("/api/v1/suggestions/{id}/events"), Some(staff))
            .await,
    )
    .await;
    let actions: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "assign",
            "decline_jurisdiction",
            "assign",
            "acknowledge",
            "co_unit_input",
            "reply"
        ]
    );
    assert_eq!(events[2]["actor_role"], "lead_unit");
    assert_eq!(events[2]["note"], "属区住建局职责");

    // Lists by scope and filter.
    let list = json_of(
        app.get(
            &format!("/api/v1/suggestions?unit_id={}", l.bureau),
            Some(staff),
        )
        .await,
    )
    .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    // The co-handling unit's filter finds it too (the second of the filter's two pages).
    let co = json_of(
        app.get(
            &format!("/api/v1/suggestions?unit_id={}", l.office),
            Some(staff),
        )
        .await,
    )
    .await;
    assert_eq!(co["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(co["items"][0]["id"], list["items"][0]["id"]);
    let theirs = json_of(
        app.get("/api/v1/suggestions", Some(&l.h_bureau.access))
            .await,
    )
    .await;
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(1));
    let voter = app.voter_session("v").await;
    assert_problem(
        app.get("/api/v1/suggestions", Some(&voter.access)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/suggestions/{id}"), Some(&voter.access))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/suggestions?status=lost", Some(staff))
            .await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn a_deputy_suggestion_is_returned_once_reopened_twice_and_closes_flagged() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let lead = app.login(&l.s.deputy_users[0], PASSWORD).await;
    let co = app.login(&l.s.deputy_users[1], PASSWORD).await;
    let created = app
        .post(
            "/api/v1/suggestions",
            Some(&lead.access),
            &json!({"kind": "deputy_suggestion", "title": "关于完善老旧小区加装电梯补贴的建议", "content": "建议区政府提高补贴标准。", "category": "urban_management", "level": "county", "station_id": l.s.station, "co_author_ids": [l.s.deputies[1]]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let case = json_of(created).await;
    let id = case["id"].as_str().expect("id").to_owned();
    assert_eq!(case["status"], "draft");
    assert_eq!(
        case["author_ids"],
        json!([l.s.deputies[0], l.s.deputies[1]])
    );

    ok(&app, &lead.access, &id, json!({"action": "submit"})).await;
    assert_problem(
        act(&app, staff, &id, json!({"action": "pre_review_return"})).await,
        422,
        "validation_failed",
    )
    .await;
    let returned = ok(
        &app,
        staff,
        &id,
        json!({"action": "pre_review_return", "comment": "请补充数据依据"}),
    )
    .await;
    assert_eq!(returned["status"], "draft");
    ok(&app, &co.access, &id, json!({"action": "submit"})).await;
    ok(&app, staff, &id, json!({"action": "pre_review_pass"})).await;
    let assigned = ok(
        &app,
        staff,
        &id,
        json!({"action": "assign", "lead_unit_id": l.bureau}),
    )
    .await;
    let deadline = chrono::NaiveDate::parse_from_str(
        assigned["deadline"].as_str().expect("deadline"),
        "%Y-%m-%d",
    )
    .expect("date");
    let today = api::domain::local_time::local_date(api::clock::now());
    assert_eq!(
        deadline,
        today
            .checked_add_months(chrono::Months::new(3))
            .expect("date")
    );
    ok(
        &app,
        &l.h_bureau.access,
        &id,
        json!({"action": "acknowledge"}),
    )
    .await;

    for round in 0..3 {
        ok(&app, &l.h_bureau.access, &id, json!({"action": "reply", "reply_category": "B", "reply_text": format!("第 {round} 次答复")})).await;
        // Only the lead author rates.
        assert_problem(
            act(
                &app,
                &co.access,
                &id,
                json!({"action": "rate", "rating": "satisfied"}),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            act(&app, &lead.access, &id, json!({"action": "rate"})).await,
            422,
            "validation_failed",
        )
        .await;
        let rated = ok(
            &app,
            &lead.access,
            &id,
            json!({"action": "rate", "rating": "dissatisfied"}),
        )
        .await;
        if round < 2 {
            assert_eq!(rated["status"], "in_progress");
            assert_eq!(rated["reopen_count"], round + 1);
            assert_eq!(rated["flagged"], false);
        } else {
            assert_eq!(rated["status"], "closed");
            assert_eq!(rated["reopen_count"], 2);
            assert_eq!(rated["flagged"], true);
            assert_eq!(rated["rating"], "dissatisfied");
        }
    }
    // Nothing more is allowed on a closed case.
    let problem = assert_problem(
        act(
            &app,
            &lead.access,
            &id,
            json!({"action": "rate", "rating": "satisfied"}),
        )
        .await,
        422,
        "invalid_transition",
    )
    .await;
    // Nothing is allowed on a closed case, and the answer says so.
    assert!(
        problem["detail"].as_str().is_some_and(|d| d.contains('—')),
        "{problem}"
    );
    assert_problem(
        act(&app, staff, &id, json!({"action": "withdraw"})).await,
        422,
        "invalid_transition",
    )
    .await;

    // A deputy sees their own; the authors were told of the reply in their inbox.
    let mine = json_of(app.get("/api/v1/suggestions", Some(&lead.access)).await).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert!(
        count_where(
            app.db(),
            "notifications",
            "template = 'suggestion.progress'"
        )
        .await
            >= 3
    );
}

#[tokio::test]
async fn bad_suggestions_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let base = json!({"kind": "station_case", "title": "t", "content": "c", "category": "urban_management", "station_id": l.s.station});
    let with = |field: &str, value: Value| {
        let mut b = base.clone();
        b[field] = value;
        b
    };
    let cases = [
        (with("title", json!("")), 422, "validation_failed"),
        (with("category", json!("nope")), 422, "validation_failed"),
        (with("station_id", Value::Null), 422, "validation_failed"),
        (with("level", json!("county")), 422, "validation_failed"),
        (
            with("station_id", json!(uuid::Uuid::now_v7())),
            422,
            "validation_failed",
        ),
        (with("kind", json!("petition")), 422, "validation_failed"),
    ];
    for (body, status, code) in cases {
        assert_problem(
            app.post("/api/v1/suggestions", Some(staff), &body).await,
            status,
            code,
        )
        .await;
    }
    // A deputy suggestion needs its level and a deputy's account; a voter opens nothing.
    let lead = app.login(&l.s.deputy_users[0], PASSWORD).await;
    let deputy_body =
        json!({"kind": "deputy_suggestion", "title": "t", "content": "c", "category": "other"});
    assert_problem(
        app.post("/api/v1/suggestions", Some(&lead.access), &deputy_body)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let mut with_level = deputy_body.clone();
    with_level["level"] = json!("city");
    assert_problem(
        app.post("/api/v1/suggestions", Some(staff), &with_level)
            .await,
        403,
        "forbidden",
    )
    .await;
    with_level["co_author_ids"] = json!([uuid::Uuid::now_v7()]);
    assert_problem(
        app.post("/api/v1/suggestions", Some(&lead.access), &with_level)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let voter = app.voter_session("w").await;
    assert_problem(
        app.post("/api/v1/suggestions", Some(&voter.access), &base)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post("/api/v1/suggestions", Some(&l.h_office.access), &base)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(count_rows(app.db(), "suggestions").await, 0);
    assert_problem(
        app.get(
            &format!("/api/v1/suggestions/{}", uuid::Uuid::now_v7()),
            Some(staff),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

/// Moves the deadline of suggestion `id` to `day` (the clock the test controls: the sweep and
/// the overdue flag read the deadline against today).
async fn set_deadline(app: &TestApp, id: &str, day: chrono::NaiveDate) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let id: uuid::Uuid = id.parse().expect("uuid");
    let row = entity::suggestion::Entity::find_by_id(id)
        .one(app.db().reader())
        .await
        .expect("query")
        .expect("row");
    let mut row: entity::suggestion::ActiveModel = row.into();
    row.deadline = Set(Some(day));
    row.update(app.db().writer()).await.expect("moved");
}

#[tokio::test]
async fn overdue_cases_are_flagged_swept_once_and_supervised() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let today = api::domain::local_time::local_date(api::clock::now());
    let mut ids = Vec::new();
    for title in ["逾期的事项", "快到期的事项"] {
        let case = json_of(
            app.post(
                "/api/v1/suggestions",
                Some(staff),
                &json!({"kind": "station_case", "title": title, "content": "内容", "category": "other", "station_id": l.s.station}),
            )
            .await,
        )
        .await;
        let id = case["id"].as_str().expect("id").to_owned();
        // A deadline of today is allowed; yesterday is not.
        ok(
            &app,
            staff,
            &id,
            json!({"action": "assign", "lead_unit_id": l.office, "deadline": today}),
        )
        .await;
        ids.push(id);
    }
    let status_path = format!("/api/v1/suggestions/{}/status", ids[0]);
    let before = app.get(&status_path, Some(staff)).await;
    let etag = before
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    assert_eq!(json_of(before).await["overdue"], false);

    set_deadline(&app, &ids[0], today - chrono::Days::new(1)).await;
    set_deadline(&app, &ids[1], today + chrono::Days::new(1)).await;
    // The poller sees the change.
    let after = app
        .request(reqwest::Method::GET, &status_path, Some(staff))
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(after.status(), StatusCode::OK);
    assert_eq!(json_of(after).await["overdue"], true);
    let late = json_of(
        app.get("/api/v1/suggestions?overdue=true", Some(staff))
            .await,
    )
    .await;
    assert_eq!(late["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(late["items"][0]["id"], ids[0].as_str());

    // The sweep tells the unit's handler and the station's staff once, and reminds the other.
    for _ in 0..2 {
        api::jobs::maintenance::run_once(&app.state).await;
    }
    assert_eq!(
        count_where(app.db(), "notifications", "template = 'suggestion.overdue'").await,
        2
    );
    assert_eq!(
        count_where(
            app.db(),
            "notifications",
            "template = 'suggestion.deadline_reminder'"
        )
        .await,
        1
    );
    // Told cases are recorded, so later rounds do not read them again.
    assert_eq!(count_rows(app.db(), "suggestion_deadline_notices").await, 2);
    assert_eq!(
        api::jobs::deadlines::run_once(&app.state.db)
            .await
            .expect("sweep"),
        (0, 0)
    );
    // A new deadline is a new matter: moving it into the past again tells once more.
    set_deadline(&app, &ids[1], today - chrono::Days::new(2)).await;
    assert_eq!(
        api::jobs::deadlines::run_once(&app.state.db)
            .await
            .expect("sweep"),
        (1, 0)
    );

    // Supervision: staff only, shown and filterable.
    let path = format!("/api/v1/suggestions/{}/supervise", ids[0]);
    let supervised = app
        .post(
            &path,
            Some(staff),
            &json!({"level": "key", "note": "逾期未复，重点督办"}),
        )
        .await;
    assert_eq!(supervised.status(), StatusCode::OK);
    let supervised = json_of(supervised).await;
    assert_eq!(supervised["supervision"], "key");
    assert_eq!(supervised["supervision_note"], "逾期未复，重点督办");
    let listed = json_of(
        app.get("/api/v1/suggestions?supervised=true", Some(staff))
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    assert_problem(
        app.post(&path, Some(&l.h_office.access), &json!({"level": "normal"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(&path, Some(staff), &json!({"level": "urgent"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(&path, Some(&l.h_bureau.access), &json!({"level": "normal"}))
            .await,
        404,
        "not_found",
    )
    .await;
    let events = json_of(
        app.get(
            &format!("/api/v1/suggestions/{}/events", ids[0]),
            Some(staff),
        )
        .await,
    )
    .await;
    assert_eq!(
        events
            .as_array()
            .and_then(|e| e.last())
            .map(|e| e["action"].clone()),
        Some(json!("supervise"))
    );
    // A withdrawn case cannot be supervised.
    let other = json_of(
        app.post(
            "/api/v1/suggestions",
            Some(staff),
            &json!({"kind": "station_case", "title": "撤回的事项", "content": "内容", "category": "other", "station_id": l.s.station}),
        )
        .await,
    )
    .await;
    let other_id = other["id"].as_str().expect("id");
    ok(&app, staff, other_id, json!({"action": "withdraw"})).await;
    assert_problem(
        app.post(
            &format!("/api/v1/suggestions/{other_id}/supervise"),
            Some(staff),
            &json!({"level": "normal"}),
        )
        .await,
        422,
        "case_closed",
    )
    .await;
}

#[tokio::test]
async fn three_submissions_become_one_case_and_their_voters_rate_it() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let submission = json!({"title": "幸福路路灯不亮", "content": "幸福路路灯坏了两周。", "category": "urban_management", "station_id": l.s.station});
    let alice = app.voter_session("alice").await;
    let bob = app.voter_session("bob").await;
    let mut ids = Vec::new();
    for token in [Some(alice.access.as_str()), Some(bob.access.as_str()), None] {
        let created = json_of(app.post("/api/v1/submissions", token, &submission).await).await;
        ids.push(created);
    }
    let code = ids[2]["access_code"].as_str().expect("code").to_owned();
    let tracking = ids[2]["tracking_no"].as_str().expect("no").to_owned();
    let sid = |i: usize| ids[i]["id"].as_str().expect("id").to_owned();
    let triage = |i: usize| format!("/api/v1/submissions/{}/triage", sid(i));

    // The first becomes a station case; the others join it.
    let converted = app
        .post(&triage(0), Some(staff), &json!({"action": "convert"}))
        .await;
    assert_eq!(converted.status(), StatusCode::OK);
    let converted = json_of(converted).await;
    assert_eq!(converted["status"], "converted");
    let case = converted["suggestion_id"]
        .as_str()
        .expect("case")
        .to_owned();
    assert_eq!(converted["suggestion_status"], "accepted");
    for i in [1, 2] {
        let merged = app
            .post(
                &triage(i),
                Some(staff),
                &json!({"action": "merge", "suggestion_id": case}),
            )
            .await;
        assert_eq!(merged.status(), StatusCode::OK);
    }
    // Merging twice, or without a target, is refused.
    assert_problem(
        app.post(
            &triage(1),
            Some(staff),
            &json!({"action": "merge", "suggestion_id": case}),
        )
        .await,
        422,
        "invalid_transition",
    )
    .await;
    let lone = json_of(
        app.post("/api/v1/submissions", Some(&alice.access), &submission)
            .await,
    )
    .await;
    let lone_triage = format!(
        "/api/v1/submissions/{}/triage",
        lone["id"].as_str().expect("id")
    );
    assert_problem(
        app.post(&lone_triage, Some(staff), &json!({"action": "merge"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            &lone_triage,
            Some(staff),
            &json!({"action": "merge", "suggestion_id": uuid::Uuid::now_v7()}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let shown = json_of(
        app.get(&format!("/api/v1/suggestions/{case}"), Some(staff))
            .await,
    )
    .await;
    assert_eq!(
        shown["source_submission_ids"].as_array().map(Vec::len),
        Some(3)
    );

    // Handling, with a decline and a reassignment.
    ok(
        &app,
        staff,
        &case,
        json!({"action": "assign", "lead_unit_id": l.office}),
    )
    .await;
    ok(
        &app,
        &l.h_office.access,
        &case,
        json!({"action": "decline_jurisdiction", "comment": "属区住建局"}),
    )
    .await;
    ok(
        &app,
        staff,
        &case,
        json!({"action": "assign", "lead_unit_id": l.bureau}),
    )
    .await;
    ok(
        &app,
        &l.h_bureau.access,
        &case,
        json!({"action": "acknowledge"}),
    )
    .await;
    // Voters cannot rate before the reply.
    let feedback = async |token: &str, i: usize, rating: &str| {
        app.post(
            &format!("/api/v1/submissions/{}/feedback", sid(i)),
            Some(token),
            &json!({"rating": rating}),
        )
        .await
    };
    assert_problem(
        feedback(&alice.access, 0, "satisfied").await,
        422,
        "no_result_yet",
    )
    .await;
    ok(
        &app,
        &l.h_bureau.access,
        &case,
        json!({"action": "reply", "reply_category": "B", "reply_text": "已列入计划。"}),
    )
    .await;
    // Alice sees her submission follow the case.
    let hers = json_of(
        app.get(
            &format!("/api/v1/submissions/{}", sid(0)),
            Some(&alice.access),
        )
        .await,
    )
    .await;
    assert_eq!(hers["suggestion_status"], "replied");
    let steps = json_of(
        app.get(
            &format!("/api/v1/submissions/{}/timeline", sid(0)),
            Some(&alice.access),
        )
        .await,
    )
    .await;
    let kinds: Vec<&str> = steps
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "received",
            "convert",
            "case_assign",
            "case_decline_jurisdiction",
            "case_assign",
            "case_acknowledge",
            "case_reply"
        ]
    );
    assert_eq!(steps[6]["note"], "已列入计划。");
    let text = steps.to_string();
    assert!(
        !text.contains("属区住建局") && !text.contains("actor_id"),
        "{text}"
    );
    // Bob is dissatisfied: the case reopens at once.
    assert_eq!(
        feedback(&bob.access, 1, "dissatisfied").await.status(),
        StatusCode::OK
    );
    let reopened = json_of(
        app.get(&format!("/api/v1/suggestions/{case}"), Some(staff))
            .await,
    )
    .await;
    assert_eq!(reopened["status"], "in_progress");
    assert_eq!(reopened["reopen_count"], 1);
    // Alice cannot rate the reply that was reopened; she rates the next one.
    assert_problem(
        feedback(&alice.access, 0, "satisfied").await,
        422,
        "no_result_yet",
    )
    .await;
    ok(
        &app,
        &l.h_bureau.access,
        &case,
        json!({"action": "reply", "reply_category": "A", "reply_text": "路灯已全部修复。"}),
    )
    .await;
    assert_eq!(
        feedback(&alice.access, 0, "satisfied").await.status(),
        StatusCode::OK
    );
    assert_problem(
        feedback(&alice.access, 0, "satisfied").await,
        409,
        "feedback_given",
    )
    .await;
    assert_eq!(
        feedback(&bob.access, 1, "basically_satisfied")
            .await
            .status(),
        StatusCode::OK
    );
    // Still waiting for the third voter, who has only an access code.
    let waiting = json_of(
        app.get(&format!("/api/v1/suggestions/{case}"), Some(staff))
            .await,
    )
    .await;
    assert_eq!(waiting["status"], "replied");
    let rated = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/track/{tracking}/feedback"),
            None,
        )
        .header("X-Access-Code", code)
        .json(&json!({"rating": "satisfied"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(rated.status(), StatusCode::OK);
    let closed = json_of(
        app.get(&format!("/api/v1/suggestions/{case}"), Some(staff))
            .await,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["reply_category"], "A");
    assert_eq!(closed["flagged"], false);
    // Merging into a closed case is refused.
    assert_problem(
        app.post(
            &lone_triage,
            Some(staff),
            &json!({"action": "merge", "suggestion_id": case}),
        )
        .await,
        422,
        "suggestion_closed",
    )
    .await;
    let events = json_of(
        app.get(&format!("/api/v1/suggestions/{case}/events"), Some(staff))
            .await,
    )
    .await;
    let actions: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "convert",
            "merge",
            "merge",
            "assign",
            "decline_jurisdiction",
            "assign",
            "acknowledge",
            "reply",
            "rate",
            "reply",
            "rate"
        ]
    );
}

#[tokio::test]
async fn closed_cases_are_published_only_with_every_voters_consent_and_anonymised() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let voter = app.voter_session("pat").await;
    let mut cases = Vec::new();
    for consent in [true, false] {
        let sub = json_of(
            app.post(
                "/api/v1/submissions",
                Some(&voter.access),
                &json!({"title": "路灯", "content": "请联系我 13912345678，住幸福路。", "category": "urban_management", "station_id": l.s.station, "consent_public": consent, "contact_name": "李四", "contact_phone": "13912345678", "consent_personal_info": true}),
            )
            .await,
        )
        .await;
        let converted = json_of(
            app.post(
                &format!(
                    "/api/v1/submissions/{}/triage",
                    sub["id"].as_str().expect("id")
                ),
                Some(staff),
                &json!({"action": "convert"}),
            )
            .await,
        )
        .await;
        let case = converted["suggestion_id"]
            .as_str()
            .expect("case")
            .to_owned();
        ok(
            &app,
            staff,
            &case,
            json!({"action": "assign", "lead_unit_id": l.office}),
        )
        .await;
        ok(
            &app,
            &l.h_office.access,
            &case,
            json!({"action": "acknowledge"}),
        )
        .await;
        ok(&app, &l.h_office.access, &case, json!({"action": "reply", "reply_category": "A", "reply_text": "已修复，如有问题请拨 0571-87654321。"})).await;
        let rated = app
            .post(
                &format!(
                    "/api/v1/submissions/{}/feedback",
                    sub["id"].as_str().expect("id")
                ),
                Some(&voter.access),
                &json!({"rating": "satisfied"}),
            )
            .await;
        assert_eq!(rated.status(), StatusCode::OK);
        cases.push(case);
    }
    let public = app.get("/api/v1/public/cases", None).await;
    assert_eq!(public.status(), StatusCode::OK);
    let public = json_of(public).await;
    let items = public["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{public}");
    assert_eq!(items[0]["id"], cases[0].as_str());
    let text = public.to_string();
    assert!(
        !text.contains("13912345678") && !text.contains("李四") && !text.contains("87654321"),
        "{text}"
    );
    assert!(text.contains("139******78"), "{text}");
    let filtered = json_of(app.get("/api/v1/public/cases?reply_category=B", None).await).await;
    assert_eq!(filtered["items"], json!([]));
    let by_category = json_of(
        app.get("/api/v1/public/cases?category=urban_management", None)
            .await,
    )
    .await;
    assert_eq!(by_category["items"].as_array().map(Vec::len), Some(1));
    assert_problem(
        app.get("/api/v1/public/cases?reply_category=D", None).await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn a_station_case_is_escalated_into_a_deputy_suggestion_keeping_its_history() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let case = json_of(
        app.post(
            "/api/v1/suggestions",
            Some(staff),
            &json!({"kind": "station_case", "title": "公交线路调整", "content": "多个小区反映公交不便，需县级统筹。", "category": "roads_transport", "station_id": l.s.station}),
        )
        .await,
    )
    .await;
    let id = case["id"].as_str().expect("id").to_owned();
    assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "escalate", "author_ids": [l.s.deputies[0]]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "escalate", "level": "county"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "escalate", "level": "county", "author_ids": [uuid::Uuid::now_v7()]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(count_rows(app.db(), "suggestions").await, 1);
    let escalated = ok(&app, staff, &id, json!({"action": "escalate", "level": "county", "author_ids": [l.s.deputies[0], l.s.deputies[1]], "comment": "需县人大统筹"})).await;
    assert_eq!(escalated["status"], "escalated");
    let higher = escalated["escalated_to"]
        .as_str()
        .expect("higher")
        .to_owned();
    let lead = app.login(&l.s.deputy_users[0], PASSWORD).await;
    let draft = json_of(
        app.get(&format!("/api/v1/suggestions/{higher}"), Some(&lead.access))
            .await,
    )
    .await;
    assert_eq!(draft["kind"], "deputy_suggestion");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["level"], "county");
    assert_eq!(draft["escalated_from"], id.as_str());
    assert_eq!(
        draft["author_ids"],
        json!([l.s.deputies[0], l.s.deputies[1]])
    );
    ok(&app, &lead.access, &higher, json!({"action": "submit"})).await;
    // The station case keeps its history and takes no more actions.
    let events = json_of(
        app.get(&format!("/api/v1/suggestions/{id}/events"), Some(staff))
            .await,
    )
    .await;
    assert_eq!(
        events
            .as_array()
            .and_then(|e| e.last())
            .map(|e| e["action"].clone()),
        Some(json!("escalate"))
    );
    assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "assign", "lead_unit_id": l.office}),
        )
        .await,
        422,
        "invalid_transition",
    )
    .await;
}

#[tokio::test]
async fn the_addressed_deputy_converts_a_submission_into_their_deputy_suggestion() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let voter = app.voter_session("quinn").await;
    let submit = async |body: Value| {
        json_of(
            app.post("/api/v1/submissions", Some(&voter.access), &body)
                .await,
        )
        .await
    };
    let to_deputy = submit(json!({"title": "养老服务", "content": "建议增加社区食堂。", "category": "other", "deputy_id": l.s.deputies[0]})).await;
    let path = format!(
        "/api/v1/submissions/{}/triage",
        to_deputy["id"].as_str().expect("id")
    );
    let deputy = app.login(&l.s.deputy_users[0], PASSWORD).await;
    // A deputy suggestion needs its level; staff cannot author one; a deputy-only submission has
    // no station to open a station case at.
    let problem = assert_problem(
        app.post(
            &path,
            Some(&deputy.access),
            &json!({"action": "convert", "kind": "deputy_suggestion"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["level"]);
    assert_problem(
        app.post(
            &path,
            Some(staff),
            &json!({"action": "convert", "kind": "deputy_suggestion", "level": "county"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let problem = assert_problem(
        app.post(&path, Some(&deputy.access), &json!({"action": "convert"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["station_id"]);
    assert_eq!(count_rows(app.db(), "suggestions").await, 0);

    let converted = app
        .post(
            &path,
            Some(&deputy.access),
            &json!({"action": "convert", "kind": "deputy_suggestion", "level": "county"}),
        )
        .await;
    assert_eq!(converted.status(), StatusCode::OK);
    let converted = json_of(converted).await;
    assert_eq!(converted["suggestion_status"], "draft");
    let case = converted["suggestion_id"]
        .as_str()
        .expect("case")
        .to_owned();
    let shown = json_of(
        app.get(&format!("/api/v1/suggestions/{case}"), Some(&deputy.access))
            .await,
    )
    .await;
    assert_eq!(shown["kind"], "deputy_suggestion");
    assert_eq!(shown["author_ids"], json!([l.s.deputies[0]]));

    // Another deputy cannot merge into it: to them it does not exist.
    let other = submit(json!({"title": "食堂", "content": "同上。", "category": "other", "deputy_id": l.s.deputies[1]})).await;
    let second = app.login(&l.s.deputy_users[1], PASSWORD).await;
    let problem = assert_problem(
        app.post(
            &format!(
                "/api/v1/submissions/{}/triage",
                other["id"].as_str().expect("id")
            ),
            Some(&second.access),
            &json!({"action": "merge", "suggestion_id": case}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["suggestion_id"]);
}

#[tokio::test]
async fn a_retried_transition_is_replayed_and_takes_effect_once() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let case = json_of(
        app.post(
            "/api/v1/suggestions",
            Some(staff),
            &json!({"kind": "station_case", "title": "t", "content": "c", "category": "other", "station_id": l.s.station}),
        )
        .await,
    )
    .await;
    let id = case["id"].as_str().expect("id");
    let send = async |body: Value| {
        app.request(
            reqwest::Method::POST,
            &format!("/api/v1/suggestions/{id}/transitions"),
            Some(staff),
        )
        .header("Idempotency-Key", "assign-1")
        .json(&body)
        .send()
        .await
        .expect("sent")
    };
    let assign = json!({"action": "assign", "lead_unit_id": l.office});
    assert_eq!(send(assign.clone()).await.status(), StatusCode::OK);
    let again = send(assign).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(
        count_where(app.db(), "suggestion_events", "action = 'assign'").await,
        1
    );
    // The same key for another request is refused.
    assert_problem(
        send(json!({"action": "withdraw"})).await,
        422,
        "idempotency_key_reused",
    )
    .await;
    // Listing a unit twice, or the lead as a co-unit, is refused.
    let other = json_of(
        app.post(
            "/api/v1/suggestions",
            Some(staff),
            &json!({"kind": "station_case", "title": "t2", "content": "c", "category": "other", "station_id": l.s.station}),
        )
        .await,
    )
    .await;
    let problem = assert_problem(
        act(
            &app,
            staff,
            other["id"].as_str().expect("id"),
            json!({"action": "assign", "lead_unit_id": l.office, "co_unit_ids": [l.office]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["co_unit_ids[0]"]);
    assert_eq!(
        error_code(&problem, "co_unit_ids[0]").as_deref(),
        Some("duplicate")
    );
}

#[tokio::test]
async fn polls_are_one_indexed_query_and_a_page_costs_the_same_whatever_its_length() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let alice = app.voter_session("alice").await;
    let deputy = app.login(&l.s.deputy_users[0], PASSWORD).await;
    let submission = json_of(
        app.post(
            "/api/v1/submissions",
            Some(&alice.access),
            &json!({"title": "幸福路路灯不亮", "content": "幸福路路灯坏了两周。", "category": "urban_management", "station_id": l.s.station}),
        )
        .await,
    )
    .await;
    let sub = str_of(&submission, "id").to_owned();
    let converted = json_of(
        app.post(
            &format!("/api/v1/submissions/{sub}/triage"),
            Some(staff),
            &json!({"action": "convert"}),
        )
        .await,
    )
    .await;
    let case = str_of(&converted, "suggestion_id").to_owned();

    // Alice's submission poll follows the case: a new ETag once it is assigned.
    let sub_status = format!("/api/v1/submissions/{sub}/status");
    let first = app.get(&sub_status, Some(&alice.access)).await;
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    let first = json_of(first).await;
    assert_eq!(first["status"], "converted");
    assert_eq!(first["suggestion_status"], "accepted");
    let unchanged = app
        .request(reqwest::Method::GET, &sub_status, Some(&alice.access))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    ok(
        &app,
        staff,
        &case,
        json!({"action": "assign", "lead_unit_id": l.office}),
    )
    .await;
    let changed = app
        .request(reqwest::Method::GET, &sub_status, Some(&alice.access))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(json_of(changed).await["suggestion_status"], "assigned");

    // Every reader's status poll is the session check plus one look-up of the case: the
    // station's staff, the source voter, the unit, and a deputy of the station (who reads it
    // without a role in it).
    let status = format!("/api/v1/suggestions/{case}/status");
    for token in [staff, &alice.access, &l.h_office.access, &deputy.access] {
        let polled = app.get(&status, Some(token)).await;
        assert_eq!(polled.status(), StatusCode::OK);
    }
    let (sum, count) = app
        .db_statements("GET", "/api/v1/suggestions/{id}/status")
        .await;
    assert_eq!((sum, count), (8.0, 4.0));
    // Three polls of the submission above: the first, the 304 and the changed one.
    let (sum, count) = app
        .db_statements("GET", "/api/v1/submissions/{id}/status")
        .await;
    assert_eq!((sum, count), (6.0, 3.0));
    // Someone with no part in it gets a 404 from the same single query.
    let other = app.voter_session("mallory").await;
    assert_problem(
        app.get(&status, Some(&other.access)).await,
        404,
        "not_found",
    )
    .await;

    // The deputy sees the station's case without being able to act on it.
    let seen = json_of(
        app.get(&format!("/api/v1/suggestions/{case}"), Some(&deputy.access))
            .await,
    )
    .await;
    assert_eq!(seen["allowed_actions"], json!([]));
    assert_problem(
        act(
            &app,
            &deputy.access,
            &case,
            json!({"action": "acknowledge"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Their own draft, and the author filter.
    let draft = json_of(
        app.post(
            "/api/v1/suggestions",
            Some(&deputy.access),
            &json!({"kind": "deputy_suggestion", "title": "关于增设公交站的建议", "content": "建议在幸福路增设公交站。", "category": "urban_management", "level": "county"}),
        )
        .await,
    )
    .await;
    let listed = json_of(app.get("/api/v1/suggestions", Some(&deputy.access)).await).await;
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, [str_of(&draft, "id"), case.as_str()]);
    let mine = json_of(
        app.get(
            &format!("/api/v1/suggestions?author_id={}", l.s.deputies[0]),
            Some(&deputy.access),
        )
        .await,
    )
    .await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["items"][0]["id"], draft["id"]);
    assert_eq!(
        mine["items"][0]["allowed_actions"],
        json!(["submit", "withdraw"])
    );

    // A page of one and a page of six cost the same statements: links and roles are batched.
    for i in 0..5 {
        let created = app
            .post(
                "/api/v1/suggestions",
                Some(staff),
                &json!({"kind": "station_case", "title": format!("事项{i}"), "content": "内容", "category": "urban_management", "station_id": l.s.station}),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let mut costs = Vec::new();
    for limit in [1, 6] {
        let (before, _) = app.db_statements("GET", "/api/v1/suggestions").await;
        let page = json_of(
            app.get(&format!("/api/v1/suggestions?limit={limit}"), Some(staff))
                .await,
        )
        .await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(limit));
        let (after, _) = app.db_statements("GET", "/api/v1/suggestions").await;
        costs.push(after - before);
    }
    assert_eq!(costs[0], costs[1], "{costs:?}");

    // The reply reaches the voter's inbox, asking for her rating.
    ok(
        &app,
        &l.h_office.access,
        &case,
        json!({"action": "acknowledge"}),
    )
    .await;
    ok(
        &app,
        &l.h_office.access,
        &case,
        json!({"action": "reply", "reply_category": "A", "reply_text": "已修复。"}),
    )
    .await;
    let notice = app
        .wait_for_inbox(&alice.access, |i| i["title"] == "您反映的问题已答复")
        .await;
    assert_eq!(notice["data"]["suggestion_id"], json!(case));
    assert!(
        notice["body"]
            .as_str()
            .expect("body")
            .contains("幸福路路灯不亮"),
        "{notice}"
    );
}

/// Every page of `path` (a list with `limit`), following `next_cursor`: the ids in order.
async fn all_pages(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = path.to_owned();
    loop {
        let page = json_of(app.get(&next, Some(token)).await).await;
        ids.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| str_of(i, "id").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}&cursor={cursor}"),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn a_units_cases_page_newest_first_lead_and_co_handled_alike() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let mut cases = Vec::new();
    // (lead, co-unit) of four cases, assigned in this order.
    for (i, (lead, co)) in [
        (&l.bureau, None),
        (&l.office, Some(&l.bureau)),
        (&l.bureau, Some(&l.office)),
        (&l.office, None),
    ]
    .into_iter()
    .enumerate()
    {
        let created = json_of(
            app.post(
                "/api/v1/suggestions",
                Some(staff),
                &json!({"kind": "station_case", "title": format!("案件{i}"), "content": "选民反映的问题。", "category": "urban_management", "station_id": l.s.station}),
            )
            .await,
        )
        .await;
        let id = str_of(&created, "id").to_owned();
        let co: Vec<&String> = co.into_iter().collect();
        ok(
            &app,
            staff,
            &id,
            json!({"action": "assign", "lead_unit_id": lead, "co_unit_ids": co}),
        )
        .await;
        cases.push(id);
    }
    // The first case moves last, so it heads every list it is in.
    ok(
        &app,
        &l.h_bureau.access,
        &cases[0],
        json!({"action": "acknowledge"}),
    )
    .await;
    let [c0, c1, c2, c3] = [0, 1, 2, 3].map(|i| cases[i].as_str());

    // The bureau's handler: its lead and co-handled cases, newest first, one per page.
    let bureau = [c0, c2, c1];
    assert_eq!(
        all_pages(&app, &l.h_bureau.access, "/api/v1/suggestions?limit=1").await,
        bureau
    );
    // Staff's unit filter walks the same order, two per page.
    assert_eq!(
        all_pages(
            &app,
            staff,
            &format!("/api/v1/suggestions?unit_id={}&limit=2", l.bureau)
        )
        .await,
        bureau
    );
    assert_eq!(
        all_pages(
            &app,
            staff,
            &format!("/api/v1/suggestions?unit_id={}&limit=2", l.office)
        )
        .await,
        [c3, c2, c1]
    );
    // Other filters apply on top: the acknowledged case is in progress, the others assigned.
    assert_eq!(
        all_pages(
            &app,
            &l.h_bureau.access,
            "/api/v1/suggestions?status=assigned&limit=1"
        )
        .await,
        [c2, c1]
    );
    // A handler asking for another unit gets the cases the two units share.
    assert_eq!(
        all_pages(
            &app,
            &l.h_bureau.access,
            &format!("/api/v1/suggestions?unit_id={}&limit=5", l.office)
        )
        .await,
        [c2, c1]
    );
    // A handler acting for both units sees the cases of either, once each.
    let root = app.root().await;
    let both = app
        .create_user(&root.access, "h-both", "unit_handler", Some(l.s.district))
        .await;
    for unit in [&l.bureau, &l.office] {
        let current = json_of(
            app.get(&format!("/api/v1/units/{unit}"), Some(&l.s.admin.access))
                .await,
        )
        .await;
        let mut members: Vec<Value> = current["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["user_id"].clone())
            .collect();
        members.push(json!(both));
        let set = app
            .put(
                &format!("/api/v1/units/{unit}/members"),
                Some(&l.s.admin.access),
                &json!({"user_ids": members}),
            )
            .await;
        assert_eq!(set.status(), StatusCode::OK);
    }
    let h_both = app.login("h-both", PASSWORD).await;
    assert_eq!(
        all_pages(&app, &h_both.access, "/api/v1/suggestions?limit=3").await,
        [c0, c3, c2, c1]
    );

    // The copy of each case's change time on its unit rows follows every change; undoing
    // migration 000015 and redoing it fills the copy again from the cases.
    let copied = "case_updated_at = (SELECT updated_at FROM suggestions s \
                  WHERE s.id = suggestion_units.suggestion_id)";
    let rows = count_rows(app.db(), "suggestion_units").await;
    assert_eq!(rows, 6);
    assert_eq!(
        count_where(app.db(), "suggestion_units", copied).await,
        rows
    );
    redo_migrations_from(app.db(), "m20261123_000015").await;
    assert_eq!(
        count_where(app.db(), "suggestion_units", copied).await,
        rows
    );
    assert_eq!(
        all_pages(&app, &l.h_bureau.access, "/api/v1/suggestions?limit=1").await,
        bureau
    );
}

#[tokio::test]
async fn a_backlog_of_overdue_cases_is_told_in_batches_and_once() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let station: uuid::Uuid = s.station.parse().expect("uuid");
    let category = tests::any_category(app.db()).await;
    let today = api::domain::local_time::today();
    let created = chrono::Utc::now() - chrono::Duration::days(60);
    // More than two batches of the sweep, all past their deadline and never told: what the
    // first sweep after importing a backlog finds.
    let n: u32 = 1234;
    let cases: Vec<_> = (0..n)
        .map(|i| entity::suggestion::Model {
            status: entity::suggestion::State::InProgress,
            deadline: Some(today - chrono::Days::new(1 + u64::from(i % 20))),
            assigned_at: Some(created),
            ..suggestion_row(format!("积案{i}"), category, s.town, Some(station), created)
        })
        .collect();
    tests::insert_suggestions(app.db(), &cases).await;
    assert_eq!(
        api::jobs::deadlines::run_once(&app.state.db)
            .await
            .expect("sweep"),
        (n as usize, 0)
    );
    assert_eq!(
        count_rows(app.db(), "suggestion_deadline_notices").await,
        i64::from(n)
    );
    // The station's liaison is told of each case once.
    assert_eq!(
        count_where(app.db(), "notifications", "template = 'suggestion.overdue'").await,
        i64::from(n)
    );
    assert_eq!(
        api::jobs::deadlines::run_once(&app.state.db)
            .await
            .expect("sweep"),
        (0, 0)
    );
}

/// A transition's `comment` over 2,000 characters, a `reply_text` over 10,000 and a supervision
/// `note` over 500 are 422 naming the field, and the case stays as it was (no step taken, no
/// event); text at each limit is accepted.
#[tokio::test]
async fn transition_and_supervision_text_over_the_contracts_limits_is_refused() {
    let app = spawn_app().await;
    let l = fixture(&app).await;
    let staff = &l.s.liaison.access;
    let case = json_of(
        app.post(
            "/api/v1/suggestions",
            Some(staff),
            &json!({"kind": "station_case", "title": "幸福路路灯维修", "content": "选民反映路灯不亮。", "category": "urban_management", "station_id": l.s.station}),
        )
        .await,
    )
    .await;
    let id = str_of(&case, "id").to_owned();
    let path = format!("/api/v1/suggestions/{id}");
    let events = || count_where(app.db(), "suggestion_events", "action <> 'create'");

    let problem = assert_problem(
        act(
            &app,
            staff,
            &id,
            json!({"action": "assign", "lead_unit_id": l.office, "comment": "c".repeat(2001)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["comment"], "{problem}");
    let problem = assert_problem(
        app.post(
            &format!("{path}/supervise"),
            Some(staff),
            &json!({"level": "key", "note": "督".repeat(501)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["note"], "{problem}");
    let unchanged = json_of(app.get(&path, Some(staff)).await).await;
    assert_eq!(unchanged["status"], "accepted");
    assert_eq!(unchanged["supervision"], "none");
    assert_eq!(unchanged["version"], case["version"]);
    assert_eq!(events().await, 0);

    let assigned = ok(
        &app,
        staff,
        &id,
        json!({"action": "assign", "lead_unit_id": l.office, "comment": "c".repeat(2000)}),
    )
    .await;
    assert_eq!(assigned["status"], "assigned");
    let supervised = app
        .post(
            &format!("{path}/supervise"),
            Some(staff),
            &json!({"level": "key", "note": "督".repeat(500)}),
        )
        .await;
    assert_eq!(supervised.status(), StatusCode::OK);
    assert_eq!(
        json_of(supervised).await["supervision_note"],
        json!("督".repeat(500))
    );
    ok(
        &app,
        &l.h_office.access,
        &id,
        json!({"action": "acknowledge"}),
    )
    .await;
    let before = events().await;
    let problem = assert_problem(
        act(
            &app,
            &l.h_office.access,
            &id,
            json!({"action": "reply", "reply_category": "A", "reply_text": "r".repeat(10_001)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["reply_text"], "{problem}");
    let unreplied = json_of(app.get(&path, Some(staff)).await).await;
    assert_eq!(unreplied["status"], "in_progress");
    assert_eq!(unreplied["reply_text"], Value::Null);
    assert_eq!(events().await, before);
    let replied = ok(
        &app,
        &l.h_office.access,
        &id,
        json!({"action": "reply", "reply_category": "A", "reply_text": "r".repeat(10_000)}),
    )
    .await;
    assert_eq!(replied["status"], "replied");
    assert_eq!(replied["reply_text"], json!("r".repeat(10_000)));
}
