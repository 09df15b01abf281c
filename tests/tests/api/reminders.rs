//! Reminders of reception days through the outbox: queued while no SMS gateway is configured,
//! delivered exactly once to a (fake, local) gateway across restarts, retried after a failure,
//! and rescheduled when the roster changes.

use std::time::Duration;

use chrono::Days;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{TestApp, spawn_app, str_of};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn today() -> chrono::NaiveDate {
    api::domain::local_time::today()
}

/// A session two days from now at 09:00, published late with `deputies` on duty: its 7-day
/// and 3-day reminders are due at once, its 1-day reminder tomorrow.
async fn published_in_two_days(app: &TestApp, s: &tests::Scheduling, deputies: &[&str]) -> String {
    let session = app
        .add_session(
            &s.liaison.access,
            &s.station,
            today() + Days::new(2),
            ("09:00", "11:00"),
            deputies,
        )
        .await;
    let id = str_of(&session, "id").to_owned();
    app.publish_session(&s.liaison.access, &id, Some("年初计划调整"))
        .await;
    id
}

/// The outbox, as a global administrator (`token`) sees it.
async fn outbox(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page: Value = app
        .get(
            &format!("/api/v1/notifications?limit=100&{query}"),
            Some(token),
        )
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn wait_until(mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out");
}

#[tokio::test]
async fn sms_reminders_wait_without_a_gateway_and_arrive_exactly_once_across_restarts() {
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
    let root = app.root().await;
    let id = published_in_two_days(&app, &s, &[&s.deputies[0], &s.deputies[1]]).await;

    // No gateway: the 3-day SMS to each deputy waits, queued and visible.
    let sms = outbox(&app, &root.access, "channel=sms").await;
    let duty: Vec<&Value> = sms
        .iter()
        .filter(|n| n["template"] == "reception.duty_sms")
        .collect();
    assert_eq!(duty.len(), 2, "{sms:?}");
    assert!(duty.iter().all(|n| n["state"] == "queued"));
    assert_eq!(duty[0]["address"].as_str().unwrap().len(), 11);
    assert!(duty[0]["address"].as_str().unwrap().contains("****"));
    // The 1-day reminders are for tomorrow.
    let reminders: Vec<&Value> = sms
        .iter()
        .filter(|n| n["template"] == "reception.duty_reminder")
        .collect();
    assert_eq!(reminders.len(), 2);
    // The liaison's inbox has the 7-day "confirm the roster" at once.
    let inbox = |token: String| {
        let app = &app;
        async move {
            app.get("/api/v1/me/notifications", Some(&token))
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    wait_until(async || {
        inbox(s.liaison.access.clone()).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["template"] == "reception.confirm_roster")
    })
    .await;
    let confirm = inbox(s.liaison.access.clone()).await["items"][0].clone();
    assert!(
        confirm["body"].as_str().unwrap().contains("代表0"),
        "{confirm}"
    );
    assert_eq!(confirm["data"]["reception_id"], json!(id));
    let read = app
        .post(
            &format!("/api/v1/me/notifications/{}/read", str_of(&confirm, "id")),
            Some(&s.liaison.access),
            &json!({}),
        )
        .await;
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
    // Someone else's message is not theirs to read.
    let voter = app.voter_session("路人").await;
    tests::assert_problem(
        app.post(
            &format!("/api/v1/me/notifications/{}/read", str_of(&confirm, "id")),
            Some(&voter.access),
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // The gateway is configured and the service restarted: each SMS arrives once.
    let gateway = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .and(header("authorization", "Bearer gateway-token"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway)
        .await;
    let url = format!("{}/send", gateway.uri());
    let configure = |url: String| {
        move |settings: &mut api::config::Settings| {
            settings.sms_gateway_url = Some(url);
            settings.sms_gateway_token = Some(api::config::Secret::new(b"gateway-token".to_vec()));
        }
    };
    let app = app.restart_with(configure(url.clone())).await;
    wait_until(async || gateway.received_requests().await.unwrap_or_default().len() >= 2).await;
    // Restart again, and give the sender many rounds: nothing is sent twice.
    let app = app.restart_with(configure(url.clone())).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let received = gateway.received_requests().await.unwrap();
    assert_eq!(received.len(), 2, "exactly once each");
    let mut phones: Vec<String> = received
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["template"], "reception.duty_sms");
            assert!(body["text"].as_str().unwrap().contains("值班接待选民"));
            assert_eq!(
                r.headers.get("idempotency-key").unwrap().to_str().unwrap(),
                body["id"].as_str().unwrap()
            );
            body["phone"].as_str().unwrap().to_owned()
        })
        .collect();
    phones.sort();
    assert_eq!(phones, ["13812340000", "13812340001"]);
    let sent = outbox(&app, &root.access, "channel=sms&state=sent").await;
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|n| n["attempts"] == 1));
    // The 1-day reminders still wait for their time.
    assert_eq!(
        outbox(&app, &root.access, "channel=sms&state=queued")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn a_failed_send_is_retried_and_a_refused_one_is_given_up() {
    let gateway = MockServer::start().await;
    // The first attempt meets a gateway error, the next succeeds.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&gateway)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway)
        .await;
    let url = gateway.uri();
    let app = tests::spawn_app_with(|settings| settings.sms_gateway_url = Some(url)).await;
    let s = app.scheduling(2).await;
    let root = app.root().await;
    published_in_two_days(&app, &s, &[&s.deputies[0], &s.deputies[1]]).await;
    let sent = async || outbox(&app, &root.access, "channel=sms&state=sent").await;
    wait_until(async || sent().await.len() == 2).await;
    let mut attempts: Vec<u64> = sent()
        .await
        .iter()
        .map(|n| n["attempts"].as_u64().unwrap())
        .collect();
    attempts.sort_unstable();
    assert_eq!(attempts, [1, 2], "one was retried after the 503");
    assert_eq!(gateway.received_requests().await.unwrap().len(), 3);

    // A gateway that refuses (400) is not retried.
    gateway.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&gateway)
        .await;
    let session = app
        .add_session(
            &s.liaison.access,
            &s.station,
            today() + Days::new(2),
            ("14:00", "15:00"),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    app.publish_session(&s.liaison.access, str_of(&session, "id"), Some("补充"))
        .await;
    let failed = async || outbox(&app, &root.access, "channel=sms&state=failed").await;
    wait_until(async || failed().await.len() == 2).await;
    for message in failed().await {
        assert_eq!(message["attempts"], 1, "a refusal is not retried");
        assert!(message["last_error"].as_str().unwrap().contains("400"));
    }
}

#[tokio::test]
async fn changing_the_roster_or_cancelling_reschedules_the_reminders() {
    let app = spawn_app().await;
    let s = app.scheduling(3).await;
    let root = app.root().await;
    let session = app
        .add_session(
            &s.liaison.access,
            &s.station,
            today() + Days::new(10),
            ("09:00", "11:00"),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let id = str_of(&session, "id").to_owned();
    app.publish_session(&s.liaison.access, &id, None).await;
    let queued = |template: &'static str| {
        let app = &app;
        let id = id.clone();
        let token = root.access.clone();
        async move {
            outbox(app, &token, &format!("subject_id={id}&state=queued"))
                .await
                .into_iter()
                .filter(|n| n["template"] == template)
                .collect::<Vec<_>>()
        }
    };
    // Ten days ahead: every reminder waits for its own time.
    assert_eq!(queued("reception.confirm_roster").await.len(), 1);
    assert_eq!(queued("reception.duty_sms").await.len(), 2);
    assert_eq!(queued("reception.duty_reminder").await.len(), 2);
    let sms = queued("reception.duty_sms").await;
    let due: chrono::DateTime<chrono::Utc> = sms[0]["due_at"].as_str().unwrap().parse().unwrap();
    let starts: chrono::DateTime<chrono::Utc> = str_of(&session, "starts_at").parse().unwrap();
    assert_eq!(starts - due, chrono::Duration::days(3));

    // 代表1 is replaced by 代表2: their reminders go, 代表2's come.
    app.patch(
        &format!("/api/v1/receptions/{id}"),
        Some(&s.liaison.access),
        &json!({"deputy_ids": [s.deputies[0], s.deputies[2]]}),
    )
    .await;
    let sms = queued("reception.duty_sms").await;
    let phones: Vec<&str> = sms.iter().map(|n| n["address"].as_str().unwrap()).collect();
    assert_eq!(phones.len(), 2);
    assert!(phones.contains(&"138****0002") && !phones.contains(&"138****0001"));
    // A booked voter gets a reminder the day before too.
    let voter = app.voter_session("张三").await;
    app.post(
        &format!("/api/v1/receptions/{id}/appointments"),
        Some(&voter.access),
        &json!({"topic": "垃圾分类"}),
    )
    .await;
    assert_eq!(queued("reception.visit_reminder").await.len(), 1);
    // New hours move every reminder.
    app.patch(
        &format!("/api/v1/receptions/{id}"),
        Some(&s.liaison.access),
        &json!({"hours": {"starts": "14:00", "ends": "16:00"}}),
    )
    .await;
    let moved = queued("reception.duty_sms").await;
    let due: chrono::DateTime<chrono::Utc> = moved[0]["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        starts + chrono::Duration::hours(5) - due,
        chrono::Duration::days(3)
    );
    // Cancelling cancels every reminder still queued.
    app.patch(
        &format!("/api/v1/receptions/{id}"),
        Some(&s.liaison.access),
        &json!({"status": "cancelled", "cancel_reason": "上级会议冲突"}),
    )
    .await;
    for template in [
        "reception.confirm_roster",
        "reception.duty_sms",
        "reception.duty_reminder",
        "reception.visit_reminder",
    ] {
        assert!(queued(template).await.is_empty(), "{template}");
    }
}
