//! Voters' submissions end to end: creating from the mini-program, anonymously and from staff
//! channels, idempotent retries, privacy between voters, tracking with an access code, triage,
//! feedback, masking and audited reveals, and every refusal the intake issue lists.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::*;

fn body(station: &str) -> Value {
    json!({
        "title": "幸福路路灯不亮",
        "content": "幸福路 100 号到 200 号之间的路灯已经坏了两周，晚上出行很不安全。",
        "category": "urban_management",
        "station_id": station,
        "address": "幸福路 150 号",
        "location": {"latitude": 30.27, "longitude": 120.15},
        "contact_name": "李四",
        "contact_phone": "13912345678",
        "consent_personal_info": true,
    })
}

/// `value` without `field`.
fn without(mut value: Value, field: &str) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.remove(field);
    }
    value
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

async fn submit(app: &TestApp, token: Option<&str>, body: &Value) -> Value {
    let response = app.post("/api/v1/submissions", token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "create");
    json_of(response).await
}

#[tokio::test]
async fn a_voter_submits_and_a_retry_storm_creates_one_submission_that_others_cannot_see() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let alice = app.voter_session("alice").await;
    let bob = app.voter_session("bob").await;

    // The mini-program retries the same request 8 times at once on a flaky network.
    let payload = body(&s.station);
    let sends = (0..8).map(|_| {
        app.request(
            reqwest::Method::POST,
            "/api/v1/submissions",
            Some(&alice.access),
        )
        .header("Idempotency-Key", "storm-1")
        .json(&payload)
        .send()
    });
    let responses = futures_util::future::join_all(sends).await;
    let mut ids = std::collections::HashSet::new();
    let mut replayed = 0;
    for response in responses {
        let response = response.expect("sent");
        assert_eq!(response.status(), StatusCode::CREATED);
        if response.headers().get("idempotent-replayed").is_some() {
            replayed += 1;
        }
        let created = json_of(response).await;
        ids.insert(created["id"].as_str().expect("id").to_owned());
        // A voter with an account needs no access code.
        assert!(created.get("access_code").is_none());
    }
    assert_eq!(ids.len(), 1, "one submission for one key");
    assert_eq!(replayed, 7);
    assert_eq!(count_rows(app.db(), "submissions").await, 1);
    let id = ids.into_iter().next().expect("id");

    // The same key with another body is refused and creates nothing.
    let mut other = payload.clone();
    other["title"] = json!("另一件事");
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/submissions",
            Some(&alice.access),
        )
        .header("Idempotency-Key", "storm-1")
        .json(&other)
        .send()
        .await
        .expect("sent");
    assert_problem(response, 422, "idempotency_key_reused").await;
    assert_eq!(count_rows(app.db(), "submissions").await, 1);

    // Alice sees her own, with her phone whole and a tracking number.
    let mine = json_of(
        app.get(&format!("/api/v1/submissions/{id}"), Some(&alice.access))
            .await,
    )
    .await;
    assert_eq!(mine["status"], "received");
    assert_eq!(mine["channel"], "miniapp");
    assert_eq!(mine["contact_phone"], "13912345678");
    let tracking = mine["tracking_no"].as_str().expect("tracking no");
    assert!(
        tracking.starts_with("LL20") && tracking.len() == 13,
        "{tracking}"
    );
    let list = json_of(app.get("/api/v1/me/submissions", Some(&alice.access)).await).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));

    // Bob probes Alice's ids: 404 everywhere, and an empty list.
    for path in [
        format!("/api/v1/submissions/{id}"),
        format!("/api/v1/submissions/{id}/timeline"),
    ] {
        assert_problem(app.get(&path, Some(&bob.access)).await, 404, "not_found").await;
    }
    let response = app
        .post(
            &format!("/api/v1/submissions/{id}/feedback"),
            Some(&bob.access),
            &json!({"rating": "satisfied"}),
        )
        .await;
    assert_problem(response, 404, "not_found").await;
    let theirs = json_of(app.get("/api/v1/me/submissions", Some(&bob.access)).await).await;
    assert_eq!(theirs["items"], json!([]));
    let inbox = json_of(app.get("/api/v1/submissions", Some(&bob.access)).await).await;
    assert_eq!(inbox["items"], json!([]));
    // Bob cannot triage it either.
    let response = app
        .post(
            &format!("/api/v1/submissions/{id}/triage"),
            Some(&bob.access),
            &json!({"action": "review"}),
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn an_anonymous_voter_tracks_with_the_access_code_and_rates_the_result() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let mut anonymous = body(&s.station);
    anonymous = without(without(anonymous, "contact_name"), "contact_phone");
    anonymous["consent_personal_info"] = json!(false);
    let response = app
        .request(reqwest::Method::POST, "/api/v1/submissions", None)
        .header("Idempotency-Key", "anon-1")
        .json(&anonymous)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let created = json_of(response).await;
    let code = created["access_code"]
        .as_str()
        .expect("access code")
        .to_owned();
    assert!(code.len() >= 8);
    let tracking = created["tracking_no"]
        .as_str()
        .expect("tracking")
        .to_owned();
    let id = created["id"].as_str().expect("id").to_owned();

    // The code is stored only as a keyed hash.
    let row = query_one(
        app.db(),
        &format!("SELECT access_code_hash FROM submissions WHERE tracking_no = '{tracking}'"),
    )
    .await
    .expect("row");
    let stored: String = row.try_get("", "access_code_hash").expect("hash");
    assert_ne!(stored, code);
    assert!(!stored.contains(&code));

    // A lost response retried with the same key shows the same code again.
    let again = app
        .request(reqwest::Method::POST, "/api/v1/submissions", None)
        .header("Idempotency-Key", "anon-1")
        .json(&anonymous)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(json_of(again).await["access_code"], code.as_str());

    let track = |code: &str| {
        app.request(
            reqwest::Method::GET,
            &format!("/api/v1/track/{tracking}"),
            None,
        )
        .header("X-Access-Code", code.to_owned())
        .send()
    };
    let tracked = track(&code).await.expect("sent");
    assert_eq!(tracked.status(), StatusCode::OK);
    // Never kept by a shared cache, though the request carries no token.
    assert_eq!(
        tracked
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("private, no-cache")
    );
    let tracked = json_of(tracked).await;
    assert_eq!(tracked["status"], "received");
    assert_eq!(tracked["timeline"][0]["kind"], "received");
    // Lower case and a dash are fine; a wrong code or number is a 404.
    assert_eq!(
        track(&code.to_lowercase()).await.expect("sent").status(),
        StatusCode::OK
    );
    assert_problem(track("2222222222").await.expect("sent"), 404, "not_found").await;
    let response = app
        .request(reqwest::Method::GET, "/api/v1/track/LL2000-000001", None)
        .header("X-Access-Code", code.clone())
        .send()
        .await
        .expect("sent");
    assert_problem(response, 404, "not_found").await;
    assert_problem(
        app.get(&format!("/api/v1/track/{tracking}"), None).await,
        404,
        "not_found",
    )
    .await;

    // Feedback before any result is refused.
    let feedback = |rating: &str| {
        app.request(
            reqwest::Method::POST,
            &format!("/api/v1/track/{tracking}/feedback"),
            None,
        )
        .header("X-Access-Code", code.clone())
        .json(&json!({"rating": rating, "comment": "谢谢"}))
        .send()
    };
    assert_problem(
        feedback("satisfied").await.expect("sent"),
        422,
        "no_result_yet",
    )
    .await;

    // Staff look into it and answer; the timeline says so without staff names or notes.
    let triage_path = format!("/api/v1/submissions/{id}/triage");
    let triage = async |action: Value| {
        app.post(&triage_path, Some(&s.liaison.access), &action)
            .await
    };
    assert_eq!(
        triage(json!({"action": "review", "internal_note": "先核实"}))
            .await
            .status(),
        StatusCode::OK
    );
    let answered = triage(json!({"action": "answer", "note": "已联系路灯所，本周内修复。", "internal_note": "内部：路灯所王工"})).await;
    assert_eq!(answered.status(), StatusCode::OK);
    assert_eq!(json_of(answered).await["status"], "answered");
    let tracked = json_of(track(&code).await.expect("sent")).await;
    assert_eq!(tracked["status"], "answered");
    assert_eq!(tracked["result_note"], "已联系路灯所，本周内修复。");
    let text = tracked.to_string();
    assert!(
        !text.contains("内部") && !text.contains("先核实") && !text.contains("liaison"),
        "{text}"
    );
    assert!(tracked["timeline"].as_array().is_some_and(|t| t.len() == 3));

    // Staff see the internal notes in their timeline.
    let staff_view = json_of(
        app.get(
            &format!("/api/v1/submissions/{id}/timeline"),
            Some(&s.liaison.access),
        )
        .await,
    )
    .await;
    assert_eq!(staff_view[1]["internal_note"], "先核实");

    // One rating, once.
    let rated = feedback("basically_satisfied").await.expect("sent");
    assert_eq!(rated.status(), StatusCode::OK);
    assert_eq!(
        json_of(rated).await["feedback"]["rating"],
        "basically_satisfied"
    );
    assert_problem(
        feedback("satisfied").await.expect("sent"),
        409,
        "feedback_given",
    )
    .await;

    // Answering twice is not a transition.
    assert_problem(
        triage(json!({"action": "answer", "note": "再答"})).await,
        422,
        "invalid_transition",
    )
    .await;
    assert_eq!(
        triage(json!({"action": "close"})).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn tracking_lookups_are_rate_limited_per_address() {
    let app = spawn_app_with(|s| {
        s.track_per_ip = api::config::ThrottleSettings {
            burst: std::num::NonZeroU32::new(3).expect("non-zero"),
            period: std::time::Duration::from_secs(60),
        };
    })
    .await;
    for _ in 0..3 {
        let response = app
            .request(reqwest::Method::GET, "/api/v1/track/LL2026-000001", None)
            .header("X-Access-Code", "ABCDEFGHJK")
            .send()
            .await
            .expect("sent");
        assert_problem(response, 404, "not_found").await;
    }
    let response = app
        .request(reqwest::Method::GET, "/api/v1/track/LL2026-000001", None)
        .header("X-Access-Code", "ABCDEFGHJK")
        .send()
        .await
        .expect("sent");
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry_after >= 1);
    assert_problem(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn anonymous_submissions_are_rate_limited_per_address() {
    let app = spawn_app_with(|s| {
        s.anonymous_submit_per_ip = api::config::ThrottleSettings {
            burst: std::num::NonZeroU32::new(2).expect("non-zero"),
            period: std::time::Duration::from_secs(600),
        };
        s.submit_per_voter = api::config::ThrottleSettings {
            burst: std::num::NonZeroU32::new(3).expect("non-zero"),
            period: std::time::Duration::from_secs(600),
        };
    })
    .await;
    let s = app.scheduling(0).await;
    let mut anonymous = body(&s.station);
    anonymous["contact_phone"] = Value::Null;
    anonymous["contact_name"] = Value::Null;
    for _ in 0..2 {
        submit(&app, None, &anonymous).await;
    }
    let response = app.post("/api/v1/submissions", None, &anonymous).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429, "rate_limited").await;
    assert_eq!(count_rows(app.db(), "submissions").await, 2);
    // A voter with an account has their own budget, which runs out too.
    let voter = app.voter_session("carol").await;
    for _ in 0..3 {
        submit(&app, Some(&voter.access), &anonymous).await;
    }
    let response = app
        .post("/api/v1/submissions", Some(&voter.access), &anonymous)
        .await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429, "rate_limited").await;
    assert_eq!(count_rows(app.db(), "submissions").await, 5);
}

#[tokio::test]
async fn staff_see_masked_phones_and_a_reveal_is_audited() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let voter = app.voter_session("dave").await;
    let created = submit(&app, Some(&voter.access), &body(&s.station)).await;
    let id = created["id"].as_str().expect("id");

    let inbox = json_of(
        app.get("/api/v1/submissions", Some(&s.liaison.access))
            .await,
    )
    .await;
    assert_eq!(inbox["items"][0]["contact_phone"], "139****5678");
    assert_eq!(inbox["items"][0]["contact_name"], "李四");
    let detail = json_of(
        app.get(&format!("/api/v1/submissions/{id}"), Some(&s.admin.access))
            .await,
    )
    .await;
    assert_eq!(detail["contact_phone"], "139****5678");
    assert!(!detail.to_string().contains("13912345678"));
    assert!(count_where(app.db(), "audit_events", "action = 'submission.view'").await >= 1);

    let revealed = app
        .post(
            &format!("/api/v1/submissions/{id}/contact:reveal"),
            Some(&s.liaison.access),
            &json!({}),
        )
        .await;
    assert_eq!(revealed.status(), StatusCode::OK);
    assert_eq!(json_of(revealed).await["contact_phone"], "13912345678");
    let audit = query_one(
        app.db(),
        "SELECT actor_user_id, client_ip, target_id FROM audit_events WHERE action = 'submission.contact_reveal'",
    )
    .await
    .expect("audited");
    assert_eq!(
        audit.try_get::<String>("", "target_id").expect("target"),
        id
    );
    assert!(
        audit
            .try_get::<Option<String>>("", "client_ip")
            .expect("ip")
            .is_some()
    );

    // A voter, even the owner, does not "reveal"; a deputy may not either.
    let response = app
        .post(
            &format!("/api/v1/submissions/{id}/contact:reveal"),
            Some(&voter.access),
            &json!({}),
        )
        .await;
    assert_problem(response, 403, "forbidden").await;

    // Staff of another station do not see it at all.
    let root = app.root().await;
    let other = app
        .create_user(&root.access, "other-liaison", "station_staff", Some(s.town))
        .await;
    let mut station = station_body(s.town, "西联络站", 30.1, 120.1);
    station["liaison_user_ids"] = json!([other]);
    app.create_station(&s.admin.access, &station).await;
    let outsider = app.login("other-liaison", PASSWORD).await;
    let inbox = json_of(app.get("/api/v1/submissions", Some(&outsider.access)).await).await;
    assert_eq!(inbox["items"], json!([]));
    assert_problem(
        app.get(&format!("/api/v1/submissions/{id}"), Some(&outsider.access))
            .await,
        404,
        "not_found",
    )
    .await;
    let response = app
        .post(
            &format!("/api/v1/submissions/{id}/contact:reveal"),
            Some(&outsider.access),
            &json!({}),
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_deputy_sees_submissions_addressed_to_them_without_an_anonymous_submitter() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let voter = app.voter_session("erin").await;
    let mut addressed = body(&s.station);
    addressed["deputy_id"] = json!(s.deputies[0]);
    addressed["anonymous"] = json!(true);
    let created = submit(&app, Some(&voter.access), &addressed).await;
    submit(&app, Some(&voter.access), &body(&s.station)).await;
    let deputy = app.login(&s.deputy_users[0], PASSWORD).await;
    let inbox = json_of(app.get("/api/v1/submissions", Some(&deputy.access)).await).await;
    let items = inbox["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "only the one addressed to them");
    assert_eq!(items[0]["id"], created["id"]);
    assert_eq!(items[0]["contact_name"], Value::Null);
    assert_eq!(items[0]["contact_phone"], Value::Null);
    // The deputy may triage it.
    let id = created["id"].as_str().expect("id");
    let response = app
        .post(
            &format!("/api/v1/submissions/{id}/triage"),
            Some(&deputy.access),
            &json!({"action": "refer", "referred_to": "12345 热线"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await["status"], "referred");
    // A deputy enters what they were told on the phone, for themselves only.
    let mut call = body(&s.station);
    call["channel"] = json!("phone");
    call["deputy_id"] = json!(s.deputies[0]);
    let entered = app
        .post("/api/v1/submissions", Some(&deputy.access), &call)
        .await;
    assert_eq!(entered.status(), StatusCode::CREATED);
    call = without(call, "deputy_id");
    assert_problem(
        app.post("/api/v1/submissions", Some(&deputy.access), &call)
            .await,
        403,
        "forbidden",
    )
    .await;
    // Staff have no "own" submissions.
    assert_problem(
        app.get("/api/v1/me/submissions", Some(&deputy.access))
            .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn staff_enter_submissions_from_other_channels() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let mut letter = body(&s.station);
    letter["channel"] = json!("mailbox");
    let created = submit(&app, Some(&s.liaison.access), &letter).await;
    assert_eq!(created["channel"], "mailbox");
    assert!(created.get("access_code").is_none());
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'submission.enter'").await,
        1
    );

    // Staff must name the channel, and may not claim the voters' own ones.
    letter = without(letter, "channel");
    let problem = assert_problem(
        app.post("/api/v1/submissions", Some(&s.liaison.access), &letter)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["channel"]);
    letter["channel"] = json!("miniapp");
    assert_problem(
        app.post("/api/v1/submissions", Some(&s.liaison.access), &letter)
            .await,
        422,
        "validation_failed",
    )
    .await;
    // The reception channel needs its record item.
    letter["channel"] = json!("reception");
    let problem = assert_problem(
        app.post("/api/v1/submissions", Some(&s.liaison.access), &letter)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["reception_record_item_id"]);
    letter["reception_record_item_id"] = json!(uuid::Uuid::now_v7());
    let problem = assert_problem(
        app.post("/api/v1/submissions", Some(&s.liaison.access), &letter)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["reception_record_item_id"]);

    // A unit handler does not submit.
    let root = app.root().await;
    app.create_user(&root.access, "unit1", "unit_handler", Some(s.town))
        .await;
    let unit = app.login("unit1", PASSWORD).await;
    letter["channel"] = json!("phone");
    letter = without(letter, "reception_record_item_id");
    assert_problem(
        app.post("/api/v1/submissions", Some(&unit.access), &letter)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/submissions", Some(&unit.access)).await,
        403,
        "forbidden",
    )
    .await;
    // Staff of another station may not enter for this one.
    let other = app
        .create_user(&root.access, "liaison-b", "station_staff", Some(s.town))
        .await;
    let mut station = station_body(s.town, "北联络站", 30.2, 120.2);
    station["liaison_user_ids"] = json!([other]);
    app.create_station(&s.admin.access, &station).await;
    let outsider = app.login("liaison-b", PASSWORD).await;
    assert_problem(
        app.post("/api/v1/submissions", Some(&outsider.access), &letter)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(count_rows(app.db(), "submissions").await, 1);
}

#[tokio::test]
async fn bad_submissions_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("frank").await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (without(body(&s.station), "title"), "validation_failed", ""),
        (
            {
                let mut b = body(&s.station);
                b["title"] = json!("  ");
                b
            },
            "validation_failed",
            "title",
        ),
        (
            {
                let mut b = body(&s.station);
                b["title"] = json!("长".repeat(61));
                b
            },
            "validation_failed",
            "title",
        ),
        (
            {
                let mut b = body(&s.station);
                b["content"] = json!("字".repeat(2001));
                b
            },
            "validation_failed",
            "content",
        ),
        (
            {
                let mut b = body(&s.station);
                b["consent_personal_info"] = json!(false);
                b
            },
            "validation_failed",
            "consent_personal_info",
        ),
        (
            {
                let mut b = body(&s.station);
                b["channel"] = json!("hotline");
                b
            },
            "validation_failed",
            "channel",
        ),
        (
            {
                let mut b = body(&s.station);
                b["status"] = json!("closed");
                b
            },
            "validation_failed",
            "status",
        ),
        (
            {
                let mut b = body(&s.station);
                b["voter_id"] = json!(uuid::Uuid::now_v7());
                b
            },
            "validation_failed",
            "voter_id",
        ),
        (
            {
                let mut b = body(&s.station);
                b["category"] = json!("no_such");
                b
            },
            "validation_failed",
            "category",
        ),
        (
            without(body(&s.station), "station_id"),
            "validation_failed",
            "station_id",
        ),
        (
            {
                let mut b = body(&s.station);
                b["station_id"] = json!(uuid::Uuid::now_v7());
                b
            },
            "validation_failed",
            "station_id",
        ),
        (
            {
                let mut b = body(&s.station);
                b["qr_code"] = json!("S0000000");
                b
            },
            "validation_failed",
            "qr_code",
        ),
        (
            {
                let mut b = body(&s.station);
                b["contact_phone"] = json!("12345");
                b
            },
            "validation_failed",
            "contact_phone",
        ),
        (
            {
                let mut b = body(&s.station);
                b["location"] = json!({"latitude": 91, "longitude": 0});
                b
            },
            "validation_failed",
            "location.latitude",
        ),
        (
            {
                let mut b = body(&s.station);
                b["attachment_ids"] =
                    json!((0..10).map(|_| uuid::Uuid::new_v4()).collect::<Vec<_>>());
                b
            },
            "validation_failed",
            "attachment_ids",
        ),
        (
            {
                let mut b = body(&s.station);
                b["attachment_ids"] = json!([uuid::Uuid::new_v4()]);
                b
            },
            "validation_failed",
            "attachment_ids[0]",
        ),
    ];
    for (payload, code, field) in cases {
        let problem = assert_problem(
            app.post("/api/v1/submissions", Some(&voter.access), &payload)
                .await,
            422,
            code,
        )
        .await;
        if !field.is_empty() {
            assert!(
                error_fields(&problem).contains(&field.to_owned()),
                "{field}: {problem}"
            );
        }
        // What each refusal is, beyond which field.
        let expected = match field {
            "status" | "voter_id" | "channel" => Some("not_settable"),
            "consent_personal_info" => Some("consent_required"),
            "station_id" if payload.get("station_id").is_none() => Some("target_required"),
            "attachment_ids" => Some("too_many"),
            "attachment_ids[0]" => Some("attachment_unavailable"),
            "contact_phone" => Some("invalid_phone"),
            _ => None,
        };
        if let Some(expected) = expected {
            assert_eq!(
                error_code(&problem, field).as_deref(),
                Some(expected),
                "{field}: {problem}"
            );
        }
    }
    assert_eq!(count_rows(app.db(), "submissions").await, 0);
    assert_eq!(count_rows(app.db(), "tracking_counters").await, 0);
    // Not JSON at all.
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/submissions",
            Some(&voter.access),
        )
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("sent");
    assert_problem(response, 400, "malformed_body").await;
}

#[tokio::test]
async fn concurrent_triage_takes_effect_once() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("olga").await;
    let created = submit(&app, Some(&voter.access), &body(&s.station)).await;
    let path = format!(
        "/api/v1/submissions/{}/triage",
        created["id"].as_str().expect("id")
    );
    let step = json!({"action": "answer", "note": "已答复"});
    let sends = (0..6).map(|_| app.post(&path, Some(&s.liaison.access), &step));
    let mut ok = 0;
    for response in futures_util::future::join_all(sends).await {
        match response.status().as_u16() {
            200 => ok += 1,
            // Lost the race: either the change was seen (422) or it landed meanwhile (409).
            409 | 422 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(
        count_where(app.db(), "submission_events", "kind = 'answer'").await,
        1
    );
}

#[tokio::test]
async fn triage_follows_its_rules_and_honours_if_match() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("gina").await;
    let created = submit(&app, Some(&voter.access), &body(&s.station)).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/submissions/{id}/triage");
    // Missing what the action needs.
    for (action, field) in [
        ("answer", "note"),
        ("decline", "note"),
        ("refer", "referred_to"),
    ] {
        let problem = assert_problem(
            app.post(&path, Some(&s.liaison.access), &json!({"action": action}))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), vec![field]);
    }
    assert_problem(
        app.post(&path, Some(&s.liaison.access), &json!({"action": "close"}))
            .await,
        422,
        "invalid_transition",
    )
    .await;
    assert_problem(
        app.post(&path, Some(&s.liaison.access), &json!({"action": "fly"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    // The voter cannot triage their own.
    assert_problem(
        app.post(&path, Some(&voter.access), &json!({"action": "review"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    // A stale If-Match.
    let response = app
        .request(reqwest::Method::POST, &path, Some(&s.liaison.access))
        .header("If-Match", "\"stale\"")
        .json(&json!({"action": "review"}))
        .send()
        .await
        .expect("sent");
    assert_problem(response, 412, "precondition_failed").await;
    let current = app
        .get(
            &format!("/api/v1/submissions/{id}"),
            Some(&s.liaison.access),
        )
        .await;
    let etag = current
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let response = app
        .request(reqwest::Method::POST, &path, Some(&s.liaison.access))
        .header("If-Match", etag)
        .json(
            &json!({"action": "decline", "note": "不属于人大代表履职范围，建议通过信访渠道反映。"}),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        count_where(app.db(), "submission_events", "kind = 'decline'").await,
        1
    );
    // The voter rates the declined one through their account: once.
    let feedback = format!("/api/v1/submissions/{id}/feedback");
    let rated = app
        .post(
            &feedback,
            Some(&voter.access),
            &json!({"rating": "dissatisfied", "comment": "希望再看看"}),
        )
        .await;
    assert_eq!(rated.status(), StatusCode::OK);
    assert_problem(
        app.post(
            &feedback,
            Some(&voter.access),
            &json!({"rating": "satisfied"}),
        )
        .await,
        409,
        "feedback_given",
    )
    .await;
    assert_problem(
        app.post(&feedback, Some(&voter.access), &json!({"rating": "great"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    // Staff do not rate on the voter's behalf.
    assert_problem(
        app.post(
            &feedback,
            Some(&s.liaison.access),
            &json!({"rating": "satisfied"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_inbox_filters_and_similar_submissions_are_listed() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("hank").await;
    let mut first = body(&s.station);
    first["consent_public"] = json!(true);
    let first = submit(&app, Some(&voter.access), &first).await;
    assert_eq!(first["similar"], json!([]));
    let mut second = body(&s.station);
    second["title"] = json!("幸福路的路灯坏了");
    second["content"] = json!("幸福路路灯坏了两周，晚上不安全，请尽快修复。");
    let second = submit(&app, Some(&voter.access), &second).await;
    let similar = second["similar"].as_array().expect("similar");
    assert_eq!(similar.len(), 1);
    assert_eq!(similar[0]["tracking_no"], first["tracking_no"]);
    // Voters are not shown staff ids.
    assert!(similar[0].get("id").is_none());
    let mut other = body(&s.station);
    other["title"] = json!("学校门口拥堵");
    other["content"] = json!("早高峰学校门口车辆乱停。");
    other["category"] = json!("roads_transport");
    let other = submit(&app, Some(&voter.access), &other).await;
    assert_eq!(other["similar"], json!([]));

    let list = async |query: &str| {
        app.get(
            &format!("/api/v1/submissions?{query}"),
            Some(&s.liaison.access),
        )
        .await
    };
    let count = |v: Value| v["items"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(count(json_of(list("").await).await), 3);
    assert_eq!(
        count(json_of(list("category=roads_transport").await).await),
        1
    );
    assert_eq!(count(json_of(list("q=%E8%B7%AF%E7%81%AF").await).await), 2);
    assert_eq!(
        count(json_of(list("status=received&channel=miniapp").await).await),
        3
    );
    assert_eq!(
        count(
            json_of(list(&format!("q={}", first["tracking_no"].as_str().expect("no"))).await).await
        ),
        1
    );
    // The next page carries on where the first stopped: newest first, each once.
    let first = json_of(list("limit=2").await).await;
    assert_eq!(count(first.clone()), 2);
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let second = json_of(list(&format!("limit=2&cursor={cursor}")).await).await;
    assert_eq!(count(second.clone()), 1);
    assert!(second["next_cursor"].is_null());
    let ids: std::collections::HashSet<String> = first["items"]
        .as_array()
        .into_iter()
        .chain(second["items"].as_array())
        .flatten()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 3);
    assert_problem(list("status=lost").await, 400, "invalid_query").await;
    assert_problem(
        list("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z").await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn categories_are_listed_and_districts_add_their_own() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let defaults = json_of(app.get("/api/v1/categories", None).await).await;
    let codes: Vec<&str> = defaults
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(codes.len(), 9);
    assert!(codes.contains(&"urban_management") && codes.contains(&"other"));

    let created = app
        .post(
            "/api/v1/categories",
            Some(&s.admin.access),
            &json!({"code": "elderly_care", "name": "养老服务", "region_id": s.district}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json_of(created).await;
    // Offered in the district's towns, not elsewhere.
    let in_town = json_of(
        app.get(&format!("/api/v1/categories?region_id={}", s.town), None)
            .await,
    )
    .await;
    assert_eq!(in_town.as_array().map(Vec::len), Some(10));
    assert_eq!(
        json_of(app.get("/api/v1/categories", None).await)
            .await
            .as_array()
            .map(Vec::len),
        Some(9)
    );
    // Refusals: a taken code, a bad code, a default by a district admin, a voter.
    assert_problem(
        app.post(
            "/api/v1/categories",
            Some(&s.admin.access),
            &json!({"code": "elderly_care", "name": "重复", "region_id": s.district}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/categories",
            Some(&s.admin.access),
            &json!({"code": "Bad Code", "name": "x", "region_id": s.district}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/categories",
            Some(&s.admin.access),
            &json!({"code": "global_one", "name": "x"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let voter = app.voter_session("ivy").await;
    assert_problem(
        app.post(
            "/api/v1/categories",
            Some(&voter.access),
            &json!({"code": "v", "name": "x"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Retired: no longer offered, and refused for new submissions.
    let id = created["id"].as_str().expect("id");
    let retired = app
        .patch(
            &format!("/api/v1/categories/{id}"),
            Some(&s.admin.access),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(retired.status(), StatusCode::OK);
    let mut b = body(&s.station);
    b["category"] = json!("elderly_care");
    assert_problem(
        app.post("/api/v1/submissions", Some(&voter.access), &b)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/categories/{}", uuid::Uuid::now_v7()),
            Some(&s.admin.access),
            &json!({"active": true}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // The defaults belong to global administrators.
    let default_id = defaults[0]["id"].as_str().expect("id");
    assert_problem(
        app.patch(
            &format!("/api/v1/categories/{default_id}"),
            Some(&s.admin.access),
            &json!({"active": false}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let root = app.root().await;
    assert_problem(
        app.patch(
            &format!("/api/v1/categories/{default_id}"),
            Some(&root.access),
            &json!({"name": ""}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let renamed = app
        .patch(
            &format!("/api/v1/categories/{default_id}"),
            Some(&root.access),
            &json!({"name": "城市管理与市容"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(json_of(renamed).await["name"], "城市管理与市容");
}

#[tokio::test]
async fn a_scanned_qr_code_sets_the_target_and_the_channel() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let deputy: Value = json_of(
        app.get(&format!("/api/v1/deputies/{}", s.deputies[0]), None)
            .await,
    )
    .await;
    let code = deputy["public_code"].as_str().expect("code").to_owned();
    let voter = app.voter_session("quinn").await;
    let mut scanned = without(body(&s.station), "station_id");
    scanned["qr_code"] = json!(code.to_lowercase());
    let created = submit(&app, Some(&voter.access), &scanned).await;
    assert_eq!(created["channel"], "qr");
    assert_eq!(created["deputy_id"], s.deputies[0].as_str());
    assert_eq!(created["station_id"], Value::Null);
    // The deputy's town staff see it in their inbox (the deputy is stationed at their station).
    let inbox = json_of(
        app.get("/api/v1/submissions", Some(&s.liaison.access))
            .await,
    )
    .await;
    assert_eq!(inbox["items"][0]["id"], created["id"]);
}

#[tokio::test]
async fn pollers_get_304_until_a_submission_changes() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("polly").await;
    let created = submit(&app, Some(&voter.access), &body(&s.station)).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/submissions/{id}/status");
    let first = app.get(&path, Some(&voter.access)).await;
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    assert_eq!(json_of(first).await["status"], "received");
    let poll = async || {
        app.request(reqwest::Method::GET, &path, Some(&voter.access))
            .header("If-None-Match", etag.clone())
            .send()
            .await
            .expect("sent")
    };
    assert_eq!(poll().await.status(), StatusCode::NOT_MODIFIED);
    let reviewed = app
        .post(
            &format!("/api/v1/submissions/{id}/triage"),
            Some(&s.liaison.access),
            &json!({"action": "review"}),
        )
        .await;
    assert_eq!(reviewed.status(), StatusCode::OK);
    let changed = poll().await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(json_of(changed).await["status"], "in_review");
    let other = app.voter_session("nosy").await;
    assert_problem(app.get(&path, Some(&other.access)).await, 404, "not_found").await;
}

/// The bounds the contract states on a submission's and a category's text (blank content,
/// a long address or name, a bad phone, a category code outside `[a-z0-9_]{2,40}`) are the
/// service's: 422 naming the field, and nothing is stored. A blank phone means none.
#[tokio::test]
async fn submission_and_category_text_outside_the_contracts_bounds_is_refused() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("grace").await;
    let cases = [
        ("content", json!(" \n ")),
        ("address", json!("址".repeat(201))),
        ("contact_name", json!("名".repeat(51))),
        ("contact_phone", json!("0010-12345678")),
    ];
    for (field, value) in cases {
        let mut b = body(&s.station);
        b[field] = value;
        let problem = assert_problem(
            app.post("/api/v1/submissions", Some(&voter.access), &b)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    assert_eq!(count_rows(app.db(), "submissions").await, 0);
    let mut blank_phone = body(&s.station);
    blank_phone["contact_phone"] = json!("  ");
    let created = submit(&app, Some(&voter.access), &blank_phone).await;
    assert_eq!(created["contact_phone"], Value::Null);

    let categories = count_rows(app.db(), "categories").await;
    for (payload, field) in [
        (
            json!({"code": "A", "name": "养老", "region_id": s.district}),
            "code",
        ),
        (
            json!({"code": "elderly-care", "name": "养老", "region_id": s.district}),
            "code",
        ),
        (
            json!({"code": "e".repeat(41), "name": "养老", "region_id": s.district}),
            "code",
        ),
        (
            json!({"code": "elderly_care", "name": "  ", "region_id": s.district}),
            "name",
        ),
        (
            json!({"code": "elderly_care", "name": "养老", "name_en": "e".repeat(81), "region_id": s.district}),
            "name_en",
        ),
    ] {
        let problem = assert_problem(
            app.post("/api/v1/categories", Some(&s.admin.access), &payload)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    assert_eq!(count_rows(app.db(), "categories").await, categories);
}

/// Triage text and feedback comments have the contract's limits: a `note` or `internal_note`
/// over 2,000 characters, `referred_to` over 200 and a feedback `comment` over 500 are 422
/// naming the field, and the submission stays as it was; text at each limit is accepted.
#[tokio::test]
async fn triage_notes_and_feedback_comments_over_the_contracts_limits_are_refused() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("hana").await;
    let created = submit(&app, Some(&voter.access), &body(&s.station)).await;
    let id = str_of(&created, "id");
    let path = format!("/api/v1/submissions/{id}");
    let triage = format!("{path}/triage");
    let feedback = format!("{path}/feedback");
    let events = count_rows(app.db(), "submission_events").await;
    for (step, field) in [
        (
            json!({"action": "answer", "note": "答".repeat(2001)}),
            "note",
        ),
        (
            json!({"action": "decline", "note": "拒".repeat(2001)}),
            "note",
        ),
        (
            json!({"action": "refer", "referred_to": "转".repeat(201)}),
            "referred_to",
        ),
        (
            json!({"action": "review", "internal_note": "内".repeat(2001)}),
            "internal_note",
        ),
    ] {
        let problem = assert_problem(
            app.post(&triage, Some(&s.liaison.access), &step).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    let unchanged = json_of(app.get(&path, Some(&s.liaison.access)).await).await;
    assert_eq!(unchanged["status"], "received");
    assert_eq!(unchanged["version"], created["version"]);
    assert_eq!(count_rows(app.db(), "submission_events").await, events);

    let reviewed = app
        .post(
            &triage,
            Some(&s.liaison.access),
            &json!({"action": "review", "internal_note": "内".repeat(2000)}),
        )
        .await;
    assert_eq!(reviewed.status(), StatusCode::OK);
    let referred = app
        .post(
            &triage,
            Some(&s.liaison.access),
            &json!({"action": "refer", "referred_to": "转".repeat(200), "note": "答".repeat(2000)}),
        )
        .await;
    assert_eq!(referred.status(), StatusCode::OK);
    let referred = json_of(referred).await;
    assert_eq!(referred["status"], "referred");
    assert_eq!(referred["referred_to"], json!("转".repeat(200)));
    assert_eq!(referred["result_note"], json!("答".repeat(2000)));

    let problem = assert_problem(
        app.post(
            &feedback,
            Some(&voter.access),
            &json!({"rating": "satisfied", "comment": "评".repeat(501)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["comment"], "{problem}");
    let unrated = json_of(app.get(&path, Some(&voter.access)).await).await;
    assert_eq!(unrated["feedback"], Value::Null);
    let rated = app
        .post(
            &feedback,
            Some(&voter.access),
            &json!({"rating": "satisfied", "comment": "评".repeat(500)}),
        )
        .await;
    assert_eq!(rated.status(), StatusCode::OK);
    assert_eq!(
        json_of(rated).await["feedback"]["comment"],
        json!("评".repeat(500))
    );
}
