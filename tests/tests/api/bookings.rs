//! The day of a reception: voters book (and race for the last seat), deputies sign in, staff
//! record attendance and what was raised, and the year-end attendance report counts it all.

use chrono::Days;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{assert_problem, count_where, error_code, error_fields, spawn_app, str_of};

fn today() -> chrono::NaiveDate {
    api::domain::local_time::today()
}

#[tokio::test]
async fn voters_book_a_published_session_and_race_for_the_last_seat() {
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
    let day = today() + Days::new(10);
    let session = app
        .add_session(
            &s.liaison.access,
            &s.station,
            day,
            ("09:00", "11:00"),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let id = str_of(&session, "id").to_owned();
    let book_path = format!("/api/v1/receptions/{id}/appointments");
    let alice = app.voter_session("张三").await;
    let bob = app.voter_session("李四").await;
    let carol = app.voter_session("王五").await;
    let topic = json!({"topic": "小区加装电梯", "phone": "13912345678"});

    // A draft is invisible to voters.
    assert_problem(
        app.post(&book_path, Some(&alice.access), &topic).await,
        404,
        "not_found",
    )
    .await;
    app.patch(
        &format!("/api/v1/receptions/{id}"),
        Some(&s.liaison.access),
        &json!({"capacity": 2}),
    )
    .await;
    app.publish_session(&s.liaison.access, &id, None).await;

    let first = app.post(&book_path, Some(&alice.access), &topic).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "booked");
    assert_eq!(first["phone"], "139****5678");
    assert_eq!(first["reception"]["id"], json!(id));
    // One active booking per voter and session.
    assert_problem(
        app.post(&book_path, Some(&alice.access), &topic).await,
        409,
        "already_booked",
    )
    .await;
    // Staff, deputies and anonymous callers do not book.
    assert_problem(
        app.post(&book_path, Some(&s.liaison.access), &topic).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(&book_path, None, &topic).await,
        401,
        "unauthenticated",
    )
    .await;
    for bad in [json!({"topic": ""}), json!({"topic": "x", "phone": "12"})] {
        assert_problem(
            app.post(&book_path, Some(&bob.access), &bad).await,
            422,
            "validation_failed",
        )
        .await;
    }

    // The last seat: two voters at once, exactly one wins.
    let (parking, lights) = (json!({"topic": "停车难"}), json!({"topic": "路灯不亮"}));
    let (b, c) = tokio::join!(
        app.post(&book_path, Some(&bob.access), &parking),
        app.post(&book_path, Some(&carol.access), &lights),
    );
    let mut statuses = [b.status().as_u16(), c.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let loser = if b.status() == StatusCode::CONFLICT {
        b
    } else {
        c
    };
    assert_problem(loser, 409, "reception_full").await;
    let public: Value = app
        .get(&format!("/api/v1/receptions/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["seats_left"], 0);
    assert_eq!(
        count_where(app.db(), "appointments", "status = 'booked'").await,
        2
    );

    // Staff see the bookings, phones masked; a voter sees their own.
    let list: Value = app
        .get(&book_path, Some(&s.liaison.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["voter_name"], "张三");
    assert_eq!(list[0]["phone"], "139****5678");
    assert!(!list.to_string().contains("13912345678"));
    assert_problem(
        app.get(&book_path, Some(&alice.access)).await,
        403,
        "forbidden",
    )
    .await;
    let mine: Value = app
        .get("/api/v1/me/appointments", Some(&alice.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let booking = str_of(&mine["items"][0], "id").to_owned();

    // Someone else's booking is not there; the owner cancels, and the seat comes back.
    assert_problem(
        app.delete(
            &format!("/api/v1/appointments/{booking}"),
            Some(&bob.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let cancelled = app
        .delete(
            &format!("/api/v1/appointments/{booking}"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::NO_CONTENT);
    let again = app
        .delete(
            &format!("/api/v1/appointments/{booking}"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    let public: Value = app
        .get(&format!("/api/v1/receptions/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["seats_left"], 1);

    // Cancelling the session cancels the bookings left and tells those voters.
    let cancel = app
        .patch(
            &format!("/api/v1/receptions/{id}"),
            Some(&s.liaison.access),
            &json!({"status": "cancelled", "cancel_reason": "场地临时征用"}),
        )
        .await;
    assert_eq!(cancel.status(), StatusCode::OK);
    assert_eq!(
        count_where(app.db(), "appointments", "status = 'booked'").await,
        0
    );
    assert_eq!(
        count_where(
            app.db(),
            "appointments",
            "cancel_reason = 'reception_cancelled'"
        )
        .await,
        1
    );
    let bob_booked: Value = app
        .get("/api/v1/me/appointments", Some(&bob.access))
        .await
        .json()
        .await
        .unwrap();
    let told = if bob_booked["items"].as_array().unwrap().is_empty() {
        &carol
    } else {
        &bob
    };
    let notice = app
        .wait_for_inbox(&told.access, |i| i["template"] == "reception.cancelled")
        .await;
    assert!(
        notice["body"].as_str().unwrap().contains("场地临时征用"),
        "{notice}"
    );
    assert_eq!(notice["data"]["reception_id"], json!(id));
    // Booking a cancelled session is closed; so is editing it.
    assert_problem(
        app.post(&book_path, Some(&alice.access), &topic).await,
        422,
        "booking_closed",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/receptions/{id}"),
            Some(&s.liaison.access),
            &json!({"place": "别处"}),
        )
        .await,
        422,
        "reception_cancelled",
    )
    .await;
}

#[tokio::test]
async fn deputies_sign_in_on_the_day_and_the_attendance_report_counts_it() {
    let app = spawn_app().await;
    let s = app.scheduling(3).await;
    let deputy0 = app.login(&s.deputy_users[0], tests::PASSWORD).await;
    let deputy1 = app.login(&s.deputy_users[1], tests::PASSWORD).await;
    let deputy2 = app.login(&s.deputy_users[2], tests::PASSWORD).await;
    let (date, starts, ends) = tests::session_starting_soon();
    let session = app
        .add_session(
            &s.liaison.access,
            &s.station,
            date,
            (&starts, &ends),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let id = str_of(&session, "id").to_owned();
    let check_in = format!("/api/v1/receptions/{id}/check-in");
    // Not before it is published.
    assert_problem(
        app.post(&check_in, Some(&deputy0.access), &json!({})).await,
        422,
        "reception_not_published",
    )
    .await;
    app.publish_session(&s.liaison.access, &id, Some("临时安排"))
        .await;

    let first = app.post(&check_in, Some(&deputy0.access), &json!({})).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let second: Value = app
        .post(&check_in, Some(&deputy0.access), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["checked_in_at"], second["checked_in_at"],
        "the first sign-in stands"
    );
    // Not on duty; not a deputy at all.
    assert_problem(
        app.post(&check_in, Some(&deputy2.access), &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(&check_in, Some(&s.liaison.access), &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    // A session of another day: the window is closed.
    let later = app
        .add_session(
            &s.liaison.access,
            &s.station,
            today() + Days::new(5),
            ("09:00", "11:00"),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let later_id = str_of(&later, "id");
    app.publish_session(&s.liaison.access, later_id, None).await;
    assert_problem(
        app.post(
            &format!("/api/v1/receptions/{later_id}/check-in"),
            Some(&deputy1.access),
            &json!({}),
        )
        .await,
        422,
        "check_in_closed",
    )
    .await;
    // Staff see who signed in.
    let staff_view: Value = app
        .get(&format!("/api/v1/receptions/{id}"), Some(&s.liaison.access))
        .await
        .json()
        .await
        .unwrap();
    let attendance: Vec<(&str, &str)> = staff_view["deputies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (str_of(d, "deputy_id"), str_of(d, "attendance")))
        .collect();
    assert!(attendance.contains(&(s.deputies[0].as_str(), "present")));
    assert!(attendance.contains(&(s.deputies[1].as_str(), "pending")));

    // Attendance by hand needs a started session and a reason; it is audited.
    let manual = format!("/api/v1/receptions/{id}/attendance/{}", s.deputies[1]);
    assert_problem(
        app.put(
            &manual,
            Some(&s.liaison.access),
            &json!({"present": true, "reason": "忘记签到，工作人员核实到场"}),
        )
        .await,
        422,
        "reception_not_started",
    )
    .await;

    // The day passes: this session was held yesterday, and another one too where nobody came.
    app.move_session_to_yesterday(&id).await;
    assert_problem(
        app.put(
            &manual,
            Some(&s.liaison.access),
            &json!({"present": true, "reason": ""}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.put(
            &manual,
            Some(&deputy1.access),
            &json!({"present": true, "reason": "我到场了"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Only an absence can be excused (请假).
    let problem = assert_problem(
        app.put(
            &manual,
            Some(&s.liaison.access),
            &json!({"present": true, "excused": true, "reason": "提前请假"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&problem, "excused").as_deref(),
        Some("excused_but_present")
    );
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'reception.attendance'").await,
        0
    );
    let recorded = app
        .put(
            &manual,
            Some(&s.liaison.access),
            &json!({"present": true, "reason": "忘记签到，工作人员核实到场"}),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::OK);
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'reception.attendance'").await,
        1
    );
    let (date2, starts2, ends2) = tests::session_starting_soon();
    let missed = app
        .add_session(
            &s.liaison.access,
            &s.station,
            date2,
            (&starts2, &ends2),
            &[&s.deputies[0], &s.deputies[2]],
        )
        .await;
    // A later session than the first one on the same day would overlap only if the hours did;
    // these are the same hours but the first session has moved to yesterday.
    let missed_id = str_of(&missed, "id").to_owned();
    app.publish_session(&s.liaison.access, &missed_id, Some("补充接待"))
        .await;
    app.move_session_to_yesterday(&missed_id).await;
    assert_problem(
        app.post(
            &format!("/api/v1/receptions/{missed_id}/check-in"),
            Some(&deputy2.access),
            &json!({}),
        )
        .await,
        422,
        "check_in_closed",
    )
    .await;
    // 代表2 had asked for leave: staff record the absence as excused.
    let excused = app
        .put(
            &format!(
                "/api/v1/receptions/{missed_id}/attendance/{}",
                s.deputies[2]
            ),
            Some(&s.liaison.access),
            &json!({"present": false, "excused": true, "reason": "提前请假，外出开会"}),
        )
        .await;
    assert_eq!(excused.status(), StatusCode::OK);
    let excused: Value = excused.json().await.unwrap();
    let duty = excused["deputies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["deputy_id"] == json!(s.deputies[2]))
        .cloned()
        .unwrap();
    assert_eq!(
        (&duty["attendance"], &duty["excused"]),
        (&json!("absent"), &json!(true))
    );

    let year = chrono::Datelike::year(&(today() - Days::new(1)));
    // The duty records count the excused absence apart; 代表0's missed day is unexcused.
    let record = |i: usize| {
        let path = format!("/api/v1/deputies/{}/performance?year={year}", s.deputies[i]);
        let app = &app;
        let token = s.liaison.access.clone();
        async move {
            let r = app.get(&path, Some(&token)).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()["receptions"].clone()
        }
    };
    let two = record(2).await;
    assert_eq!(
        (
            &two["on_duty"],
            &two["absent_excused"],
            &two["absent_unexcused"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );
    let zero = record(0).await;
    assert_eq!(
        (
            &zero["attended"],
            &zero["absent_excused"],
            &zero["absent_unexcused"]
        ),
        (&json!(1), &json!(0), &json!(1))
    );
    let report: Value = app
        .get(
            &format!(
                "/api/v1/stats/attendance?year={year}&station_id={}",
                s.station
            ),
            Some(&s.liaison.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let row = |i: usize| {
        report["deputies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["deputy_id"] == json!(s.deputies[i]))
            .cloned()
            .unwrap()
    };
    // 代表0: two held, signed in at one, missed the other.
    assert_eq!(row(0)["on_duty"], 2);
    assert_eq!(row(0)["attended"], 1);
    assert_eq!(row(0)["missed"], 1);
    assert_eq!(row(0)["rate"], 0.5);
    assert_eq!(
        row(0)["upcoming"],
        u64::from(chrono::Datelike::year(&(today() + Days::new(5))) == year)
    );
    // 代表1: recorded present by hand.
    assert_eq!(row(1)["attended"], 1);
    assert_eq!(row(1)["rate"], 1.0);
    // 代表2: missed.
    assert_eq!(row(2)["on_duty"], 1);
    assert_eq!(row(2)["missed"], 1);
    assert_eq!(row(2)["rate"], 0.0);
    let station = &report["stations"][0];
    assert_eq!(station["sessions_held"], 2);
    assert_eq!(station["late_publications"], 2);
    assert_eq!(station["on_duty"], 4);
    assert_eq!(station["attended"], 2);
    // A deputy sees the report of their station; a voter does not.
    let as_deputy = app
        .get(
            &format!("/api/v1/stats/attendance?year={year}"),
            Some(&deputy2.access),
        )
        .await;
    assert_eq!(as_deputy.status(), StatusCode::OK);
    let voter = app.voter_session("好奇的选民").await;
    assert_problem(
        app.get(
            &format!("/api/v1/stats/attendance?year={year}"),
            Some(&voter.access),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            "/api/v1/stats/attendance?year=1900",
            Some(&s.liaison.access),
        )
        .await,
        400,
        "invalid_query",
    )
    .await;

    // The record of the reception: what was raised, each matter with its own id.
    let record_path = format!("/api/v1/receptions/{id}/records");
    let record = app
        .post(
            &record_path,
            Some(&deputy0.access),
            &json!({
                "visitor_count": 5,
                "visitors": [{"name": "赵大爷", "phone": "13700001111"}],
                "items": [
                    {"raised": "村口路灯不亮", "action_taken": "当场联系村委会"},
                    {"raised": "希望增加公交班次"}
                ],
                "feedback": "已告知处理进度查询方式"
            }),
        )
        .await;
    assert_eq!(record.status(), StatusCode::CREATED);
    let record: Value = record.json().await.unwrap();
    assert_eq!(record["items"].as_array().unwrap().len(), 2);
    assert_ne!(record["items"][0]["id"], record["items"][1]["id"]);
    assert_eq!(record["visitors"][0]["phone"], "137****1111");
    // What was raised becomes a submission of the reception channel, linked to its item.
    let entered = app
        .post(
            "/api/v1/submissions",
            Some(&s.liaison.access),
            &json!({
                "title": "村口路灯不亮",
                "content": "赵大爷在接待日反映村口路灯不亮。",
                "category": "urban_management",
                "channel": "reception",
                "reception_record_item_id": record["items"][0]["id"],
                "contact_name": "赵大爷",
                "contact_phone": "13700001111",
                "consent_personal_info": true,
            }),
        )
        .await;
    assert_eq!(entered.status(), StatusCode::CREATED);
    let entered: Value = entered.json().await.unwrap();
    assert_eq!(entered["channel"], "reception");
    assert_eq!(entered["station_id"], s.station.as_str());
    assert_eq!(
        entered["reception_record_item_id"],
        record["items"][0]["id"]
    );
    // An item of this station's session, filed under another station, is refused.
    let elsewhere = app
        .create_station(
            &s.admin.access,
            &tests::station_body(s.town, "南联络站", 30.3, 120.3),
        )
        .await;
    assert_problem(
        app.post(
            "/api/v1/submissions",
            Some(&s.admin.access),
            &json!({
                "title": "村口路灯不亮",
                "content": "记到了别的站。",
                "category": "urban_management",
                "channel": "reception",
                "station_id": elsewhere["id"],
                "reception_record_item_id": record["items"][0]["id"],
            }),
        )
        .await,
        422,
        "record_item_elsewhere",
    )
    .await;
    let records: Value = app
        .get(&record_path, Some(&s.liaison.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(records[0]["items"][1]["raised"], "希望增加公交班次");
    for (body, status, code) in [
        (
            json!({"visitor_count": -1, "items": [{"raised": "x"}]}),
            422,
            "validation_failed",
        ),
        (
            json!({"visitor_count": 1, "items": []}),
            422,
            "validation_failed",
        ),
        (
            json!({"visitor_count": 1, "items": [{"raised": ""}]}),
            422,
            "validation_failed",
        ),
    ] {
        assert_problem(
            app.post(&record_path, Some(&s.liaison.access), &body).await,
            status,
            code,
        )
        .await;
    }
    assert_problem(
        app.post(
            &record_path,
            Some(&deputy2.access),
            &json!({"visitor_count": 1, "items": [{"raised": "x"}]}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&record_path, Some(&voter.access)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/receptions/{later_id}/records"),
            Some(&s.liaison.access),
            &json!({"visitor_count": 1, "items": [{"raised": "x"}]}),
        )
        .await,
        422,
        "reception_not_started",
    )
    .await;
    assert_eq!(count_where(app.db(), "reception_records", "1 = 1").await, 1);
}

#[tokio::test]
async fn a_started_session_closes_bookings_and_changes() {
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
    let (date, starts, ends) = tests::session_starting_soon();
    let session = app
        .add_session(
            &s.liaison.access,
            &s.station,
            date,
            (&starts, &ends),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let id = str_of(&session, "id").to_owned();
    app.publish_session(&s.liaison.access, &id, Some("临时安排"))
        .await;
    let voter = app.voter_session("张三").await;
    let booked: Value = app
        .post(
            &format!("/api/v1/receptions/{id}/appointments"),
            Some(&voter.access),
            &json!({"topic": "噪音扰民"}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.move_session_to_yesterday(&id).await;
    let late_voter = app.voter_session("李四").await;
    assert_problem(
        app.post(
            &format!("/api/v1/receptions/{id}/appointments"),
            Some(&late_voter.access),
            &json!({"topic": "迟到"}),
        )
        .await,
        422,
        "booking_closed",
    )
    .await;
    assert_problem(
        app.delete(
            &format!("/api/v1/appointments/{}", str_of(&booked, "id")),
            Some(&voter.access),
        )
        .await,
        422,
        "booking_closed",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/receptions/{id}"),
            Some(&s.liaison.access),
            &json!({"place": "别处"}),
        )
        .await,
        422,
        "reception_started",
    )
    .await;
    // Publishing again changes nothing, even now.
    let again = app
        .post(
            &format!("/api/v1/receptions/{id}/publish"),
            Some(&s.liaison.access),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
}

/// A topic of spaces only, or longer than 200 characters, is refused as the contract says (422
/// naming `topic`, no booking and no seat taken); 200 characters are accepted.
#[tokio::test]
async fn blank_and_overlong_booking_topics_are_refused_and_take_no_seat() {
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
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
    let book_path = format!("/api/v1/receptions/{id}/appointments");
    let voter = app.voter_session("张三").await;
    for topic in [json!(" \n\t "), json!("题".repeat(201))] {
        let problem = assert_problem(
            app.post(&book_path, Some(&voter.access), &json!({"topic": topic}))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), ["topic"], "{problem}");
    }
    assert_eq!(count_where(app.db(), "appointments", "1 = 1").await, 0);
    let public: Value = app
        .get(&format!("/api/v1/receptions/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["seats_left"], public["capacity"]);

    let longest = "题".repeat(200);
    let booked = app
        .post(&book_path, Some(&voter.access), &json!({"topic": longest}))
        .await;
    assert_eq!(booked.status(), StatusCode::CREATED);
    let booked: Value = booked.json().await.unwrap();
    assert_eq!(booked["topic"], json!(longest));
}
