//! Reception days: the holiday calendar, rules and generation (逢6进站 with holidays postponed),
//! rosters by hand and by rotation, publication three days ahead, and the refusals of each.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{assert_problem, count_where, error_fields, spawn_app, str_of};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn today() -> NaiveDate {
    api::domain::local_time::today()
}

/// The official 2026 calendar (国办发明电〔2025〕7号): every day off, and the make-up working days.
fn calendar_2026() -> Value {
    let mut holidays = Vec::new();
    let mut add = |name: &str, from: NaiveDate, to: NaiveDate| {
        for day in from.iter_days().take_while(|x| *x <= to) {
            holidays.push(json!({"date": day, "name": name}));
        }
    };
    add("元旦", d(2026, 1, 1), d(2026, 1, 3));
    add("春节", d(2026, 2, 15), d(2026, 2, 23));
    add("清明节", d(2026, 4, 4), d(2026, 4, 6));
    add("劳动节", d(2026, 5, 1), d(2026, 5, 5));
    add("端午节", d(2026, 6, 19), d(2026, 6, 21));
    add("中秋节", d(2026, 9, 25), d(2026, 9, 27));
    add("国庆节", d(2026, 10, 1), d(2026, 10, 7));
    let workdays: Vec<Value> = [
        (d(2026, 1, 4), "元旦调休"),
        (d(2026, 2, 14), "春节调休"),
        (d(2026, 2, 28), "春节调休"),
        (d(2026, 5, 9), "劳动节调休"),
        (d(2026, 9, 20), "国庆节调休"),
        (d(2026, 10, 10), "国庆节调休"),
    ]
    .iter()
    .map(|(date, name)| json!({"date": date, "name": name}))
    .collect();
    json!({"holidays": holidays, "workdays": workdays})
}

fn working(day: NaiveDate, calendar: &Value) -> bool {
    let listed = |key: &str| {
        calendar[key]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["date"] == json!(day))
    };
    if listed("holidays") {
        return false;
    }
    listed("workdays") || !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

async fn all_sessions(app: &tests::TestApp, token: &str, station: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("/api/v1/receptions?station_id={station}&limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = app.get(&url, Some(token)).await.json().await.unwrap();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

#[tokio::test]
async fn feng_liu_over_a_year_of_real_holidays_postpones_days_off_and_generates_once() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let root = app.root().await;
    let calendar = calendar_2026();
    let put = app
        .put("/api/v1/holidays/2026", Some(&root.access), &calendar)
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let stored: Value = app
        .get("/api/v1/holidays/2026", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["loaded"], true);
    assert_eq!(stored["holidays"].as_array().unwrap().len(), 33);
    assert_eq!(stored["workdays"][0]["date"], "2026-01-04");

    let rule = app
        .put(
            &format!("/api/v1/stations/{}/reception-rule", s.station),
            Some(&s.liaison.access),
            &json!({
                "days_of_month": [6, 16, 26],
                "hours": {"starts": "09:00", "ends": "11:30"},
                "capacity": 20,
            }),
        )
        .await;
    assert_eq!(rule.status(), StatusCode::OK);
    let rule: Value = rule.json().await.unwrap();
    assert_eq!(rule["holiday_policy"], "postpone");
    assert_eq!(rule["deputies_per_session"], json!({"min": 2, "max": 3}));

    let generate = |token: String| {
        let app = &app;
        let station = s.station.clone();
        async move {
            let response = app
                .post(
                    &format!("/api/v1/stations/{station}/receptions:generate"),
                    Some(&token),
                    &json!({"from": "2026-01-01", "to": "2026-12-31"}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let first = generate(s.liaison.access.clone()).await;
    assert_eq!(first["created"], 36, "{first}");
    assert_eq!(first["calendar_fallback_years"], json!([]));
    let postponed: HashMap<String, String> = first["postponed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                str_of(p, "rule_day").to_owned(),
                str_of(p, "date").to_owned(),
            )
        })
        .collect();
    // The 6th of October falls in the National Day week (1-7): the next working day is the 8th.
    assert_eq!(postponed["2026-10-06"], "2026-10-08");
    // Spring Festival (15-23 February): the 16th moves to Tuesday the 24th.
    assert_eq!(postponed["2026-02-16"], "2026-02-24");
    // Qingming (4-6 April): the 6th moves to the 7th; a Saturday 16th of May to Monday the 18th.
    assert_eq!(postponed["2026-04-06"], "2026-04-07");
    assert_eq!(postponed["2026-05-16"], "2026-05-18");
    // Mid-Autumn (25-27 September): Saturday the 26th moves to Monday the 28th.
    assert_eq!(postponed["2026-09-26"], "2026-09-28");

    let sessions = all_sessions(&app, &s.liaison.access, &s.station).await;
    assert_eq!(sessions.len(), 36);
    let days: BTreeSet<NaiveDate> = sessions
        .iter()
        .map(|r| str_of(r, "date").parse().unwrap())
        .collect();
    assert_eq!(days.len(), 36, "no two sessions on one day");
    for day in &days {
        assert!(working(*day, &calendar), "{day} is not a working day");
    }
    for r in &sessions {
        assert_eq!(r["status"], "draft");
        assert_eq!(r["hours"], json!({"starts": "09:00", "ends": "11:30"}));
        assert_eq!(
            r["place"], "东街道中心联络站路 1 号",
            "the station's address by default"
        );
        assert!(
            r["starts_at"].as_str().unwrap().ends_with("T01:00:00Z"),
            "09:00 in UTC+8"
        );
    }

    // Two generations equal one.
    let second = generate(s.admin.access.clone()).await;
    assert_eq!(second["created"], 0);
    assert_eq!(second["unchanged"], 36);
    assert_eq!(
        all_sessions(&app, &s.liaison.access, &s.station)
            .await
            .len(),
        36
    );
    assert_eq!(count_where(app.db(), "receptions", "1 = 1").await, 36);

    // Drafts are the staff's: the public sees none of them.
    let public: Value = app
        .get(
            &format!("/api/v1/receptions?station_id={}", s.station),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["items"], json!([]));
    let draft = str_of(&sessions[0], "id");
    assert_problem(
        app.get(&format!("/api/v1/receptions/{draft}"), None).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'reception.generate'").await,
        2
    );
}

#[tokio::test]
async fn regeneration_follows_the_rule_but_leaves_sessions_edited_or_cancelled_by_hand() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let rule_path = format!("/api/v1/stations/{}/reception-rule", s.station);
    let rule = |hours: (&str, &str)| {
        json!({"weekly": 4, "hours": {"starts": hours.0, "ends": hours.1}, "capacity": 10,
               "deputies_per_session": {"min": 1, "max": 2}})
    };
    assert_eq!(
        app.put(
            &rule_path,
            Some(&s.liaison.access),
            &rule(("14:00", "16:00"))
        )
        .await
        .status(),
        StatusCode::OK
    );
    let from = today() + Days::new(7);
    let to = from + Days::new(62);
    let span = json!({"from": from, "to": to});
    let generate_path = format!("/api/v1/stations/{}/receptions:generate", s.station);
    let first: Value = app
        .post(&generate_path, Some(&s.liaison.access), &span)
        .await
        .json()
        .await
        .unwrap();
    let thursdays = from
        .iter_days()
        .take_while(|x| *x <= to)
        .filter(|x| x.weekday() == Weekday::Thu)
        .count();
    assert_eq!(first["created"], thursdays);
    // No calendar loaded for those years: weekends only, and the response says so.
    let fallback: Vec<i32> = (from.year()..=to.year()).collect();
    assert_eq!(first["calendar_fallback_years"], json!(fallback));

    let sessions = all_sessions(&app, &s.liaison.access, &s.station).await;
    let edited = str_of(&sessions[0], "id").to_owned();
    let cancelled = str_of(&sessions[1], "id").to_owned();
    let changed = app
        .patch(
            &format!("/api/v1/receptions/{edited}"),
            Some(&s.liaison.access),
            &json!({"place": "村委会二楼会议室"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let cancel = app
        .patch(
            &format!("/api/v1/receptions/{cancelled}"),
            Some(&s.liaison.access),
            &json!({"status": "cancelled", "cancel_reason": "会场停电检修"}),
        )
        .await;
    assert_eq!(cancel.status(), StatusCode::OK);

    // The rule's hours change; generating again moves the untouched drafts only.
    app.put(
        &rule_path,
        Some(&s.liaison.access),
        &rule(("09:00", "11:00")),
    )
    .await;
    let again: Value = app
        .post(&generate_path, Some(&s.liaison.access), &span)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(again["updated"], thursdays - 2);
    assert_eq!(again["unchanged"], 2);
    let after = all_sessions(&app, &s.liaison.access, &s.station).await;
    assert_eq!(after.len(), thursdays);
    for r in &after {
        let id = str_of(r, "id");
        if id == edited {
            assert_eq!(r["hours"]["starts"], "14:00");
            assert_eq!(r["place"], "村委会二楼会议室");
            assert_eq!(r["edited"], true);
        } else if id == cancelled {
            assert_eq!(r["status"], "cancelled");
            assert_eq!(r["cancel_reason"], "会场停电检修");
        } else {
            assert_eq!(r["hours"]["starts"], "09:00");
            assert_eq!(r["capacity"], 10);
        }
    }
}

#[tokio::test]
async fn bad_rules_calendars_and_ranges_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let s = app.scheduling(0).await;
    let root = app.root().await;
    let rule_path = format!("/api/v1/stations/{}/reception-rule", s.station);
    let base = json!({"days_of_month": [6, 16, 26], "hours": {"starts": "09:00", "ends": "11:30"},
                      "capacity": 20});
    let bad = |patch: Value| {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (bad(json!({"days_of_month": [0, 6]})), "days_of_month[0]"),
        (bad(json!({"days_of_month": [6, 32]})), "days_of_month[1]"),
        (
            bad(json!({"days_of_month": [6, 16, 6]})),
            "days_of_month[2]",
        ),
        (bad(json!({"days_of_month": []})), "days_of_month"),
        (
            json!({"weekly": 8, "hours": {"starts": "09:00", "ends": "11:00"}, "capacity": 5}),
            "weekly",
        ),
        (bad(json!({"weekly": 4})), "days_of_month"),
        (
            bad(json!({"hours": {"starts": "11:00", "ends": "09:00"}})),
            "hours.ends",
        ),
        (
            bad(json!({"hours": {"starts": "9am", "ends": "11:00"}})),
            "hours.starts",
        ),
        (bad(json!({"capacity": 0})), "capacity"),
        (bad(json!({"capacity": 100000})), "capacity"),
        (
            bad(json!({"deputies_per_session": {"min": 3, "max": 2}})),
            "deputies_per_session",
        ),
        (bad(json!({"place": ""})), "place"),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            app.put(&rule_path, Some(&s.liaison.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{field}: {problem}"
        );
    }
    assert_eq!(count_where(app.db(), "reception_rules", "1 = 1").await, 0);
    assert_problem(app.get(&rule_path, None).await, 404, "not_found").await;

    // Generating without a rule, backwards, or over more than a year.
    let generate_path = format!("/api/v1/stations/{}/receptions:generate", s.station);
    assert_problem(
        app.post(
            &generate_path,
            Some(&s.liaison.access),
            &json!({"from": "2027-01-01", "to": "2027-01-31"}),
        )
        .await,
        422,
        "no_reception_rule",
    )
    .await;
    app.put(&rule_path, Some(&s.liaison.access), &base).await;
    for (span, field) in [
        (json!({"from": "2027-01-01", "to": "2028-01-01"}), "to"),
        (json!({"from": "2027-03-01", "to": "2027-02-01"}), "to"),
    ] {
        let problem = assert_problem(
            app.post(&generate_path, Some(&s.liaison.access), &span)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), vec![field.to_owned()]);
    }
    assert_eq!(count_where(app.db(), "receptions", "1 = 1").await, 0);

    // Someone else's station, and a voter.
    let other = app
        .create_station(
            &s.admin.access,
            &tests::station_body(s.town, "他站", 30.0, 120.0),
        )
        .await;
    assert_problem(
        app.put(
            &format!("/api/v1/stations/{}/reception-rule", str_of(&other, "id")),
            Some(&s.liaison.access),
            &base,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let voter = app.voter_session("路人").await;
    assert_problem(
        app.post(
            &generate_path,
            Some(&voter.access),
            &json!({"from": "2027-01-01", "to": "2027-01-31"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // Holiday calendars: dates outside the year, a date both off and worked, a weekday as a
    // make-up day, a regional administrator, a year out of range.
    let holidays = |h: Value, w: Value| json!({"holidays": h, "workdays": w});
    let refused = [
        (
            holidays(json!([{"date": "2027-01-01", "name": "元旦"}]), json!([])),
            "holidays[0].date",
        ),
        (
            holidays(
                json!([{"date": "2026-10-10", "name": "国庆节"}]),
                json!([{"date": "2026-10-10", "name": "调休"}]),
            ),
            "workdays[0].date",
        ),
        (
            holidays(json!([]), json!([{"date": "2026-10-12", "name": "调休"}])),
            "workdays[0].date",
        ),
        (
            holidays(json!([{"date": "2026-10-01", "name": ""}]), json!([])),
            "holidays[0].name",
        ),
    ];
    for (body, field) in refused {
        let problem = assert_problem(
            app.put("/api/v1/holidays/2026", Some(&root.access), &body)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), vec![field.to_owned()], "{problem}");
    }
    assert_problem(
        app.put(
            "/api/v1/holidays/2026",
            Some(&s.admin.access),
            &calendar_2026(),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.put(
            "/api/v1/holidays/1999",
            Some(&root.access),
            &calendar_2026(),
        )
        .await,
        400,
        "invalid_path",
    )
    .await;
    assert_problem(
        app.put("/api/v1/holidays/2026", None, &calendar_2026())
            .await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(count_where(app.db(), "holiday_days", "1 = 1").await, 0);
    let unloaded: Value = app
        .get("/api/v1/holidays/2026", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unloaded["loaded"], false);
    assert_eq!(unloaded["holidays"], json!([]));
}

#[tokio::test]
async fn the_automatic_roster_rotates_fairly_and_respects_stationing() {
    let app = spawn_app().await;
    let s = app.scheduling(5).await;
    // A deputy who left office is never rostered.
    let departed = &s.deputies[4];
    let left = app
        .patch(
            &format!("/api/v1/deputies/{departed}"),
            Some(&s.admin.access),
            &json!({"status": "left_office"}),
        )
        .await;
    assert_eq!(left.status(), StatusCode::OK);
    app.put(
        &format!("/api/v1/stations/{}/reception-rule", s.station),
        Some(&s.liaison.access),
        &json!({"weekly": 2, "hours": {"starts": "09:00", "ends": "11:00"}, "capacity": 10}),
    )
    .await;
    let from = today() + Days::new(1);
    let to = from + Days::new(90);
    let span = json!({"from": from, "to": to});
    app.post(
        &format!("/api/v1/stations/{}/receptions:generate", s.station),
        Some(&s.liaison.access),
        &span,
    )
    .await;
    let roster = app
        .post(
            &format!("/api/v1/stations/{}/receptions:roster", s.station),
            Some(&s.liaison.access),
            &span,
        )
        .await;
    assert_eq!(roster.status(), StatusCode::OK);
    let roster: Value = roster.json().await.unwrap();
    let sessions = roster["filled"].as_array().unwrap();
    let tuesdays = from
        .iter_days()
        .take_while(|x| *x <= to)
        .filter(|x| x.weekday() == Weekday::Tue)
        .count();
    assert_eq!(sessions.len(), tuesdays);
    assert_eq!(roster["short"], json!([]));
    let mut duties: HashMap<String, usize> = HashMap::new();
    for session in sessions {
        let on_duty = session["deputies"].as_array().unwrap();
        assert_eq!(on_duty.len(), 2, "the rule's minimum");
        for deputy in on_duty {
            let id = str_of(deputy, "deputy_id").to_owned();
            assert_ne!(&id, departed);
            *duties.entry(id).or_default() += 1;
        }
    }
    assert_eq!(duties.len(), 4);
    let (min, max) = (
        duties.values().min().unwrap(),
        duties.values().max().unwrap(),
    );
    assert!(max - min <= 1, "{duties:?}");
    let counts: HashMap<String, u64> = roster["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                str_of(c, "deputy_id").to_owned(),
                c["duties"].as_u64().unwrap(),
            )
        })
        .collect();
    for (id, n) in &duties {
        assert_eq!(counts[id], *n as u64);
    }
    // Rostering again fills nothing: every session has its deputies.
    let again: Value = app
        .post(
            &format!("/api/v1/stations/{}/receptions:roster", s.station),
            Some(&s.liaison.access),
            &span,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["filled"], json!([]));
}

#[tokio::test]
async fn rosters_by_hand_refuse_strangers_the_departed_twins_and_overlaps() {
    let app = spawn_app().await;
    let s = app.scheduling(3).await;
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
    let id = str_of(&session, "id");
    assert_eq!(session["origin"], "manual");
    assert_eq!(session["deputies"].as_array().unwrap().len(), 2);

    // A deputy of another station.
    let other_station = app
        .create_station(
            &s.admin.access,
            &tests::station_body(s.town, "西联络点", 30.1, 120.1),
        )
        .await;
    let other_station = str_of(&other_station, "id");
    let stranger = app
        .create_deputy(&s.admin.access, &tests::deputy_body(s.town, "外站代表"))
        .await;
    let stranger = str_of(&stranger, "id");
    app.station_deputy(&s.admin.access, stranger, &[other_station])
        .await;
    // A departed deputy (still stationed here).
    app.patch(
        &format!("/api/v1/deputies/{}", s.deputies[2]),
        Some(&s.admin.access),
        &json!({"status": "left_office"}),
    )
    .await;
    let path = format!("/api/v1/receptions/{id}");
    for (ids, field, code) in [
        (
            json!([s.deputies[0], stranger]),
            "deputy_ids[1]",
            "not_stationed",
        ),
        (
            json!([s.deputies[0], s.deputies[2]]),
            "deputy_ids[1]",
            "deputy_inactive",
        ),
        (
            json!([s.deputies[0], s.deputies[0]]),
            "deputy_ids[1]",
            "duplicate",
        ),
        (
            json!([s.deputies[0], s.deputies[1], s.deputies[0], s.deputies[1]]),
            "deputy_ids",
            "too_many",
        ),
    ] {
        let problem = assert_problem(
            app.patch(&path, Some(&s.liaison.access), &json!({"deputy_ids": ids}))
                .await,
            422,
            "validation_failed",
        )
        .await;
        let errors = problem["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{field} {code}: {problem}"
        );
    }

    // The same deputy stationed at both stations cannot be on duty at overlapping sessions.
    app.station_deputy(
        &s.admin.access,
        &s.deputies[0],
        &[&s.station, other_station],
    )
    .await;
    let problem = assert_problem(
        app.post(
            &format!("/api/v1/stations/{other_station}/receptions"),
            Some(&s.admin.access),
            &json!({"date": day, "hours": {"starts": "10:30", "ends": "12:00"},
                    "deputy_ids": [s.deputies[0]]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "duty_overlap");
    // Back to back is fine.
    let later = app
        .add_session(
            &s.admin.access,
            other_station,
            day,
            ("11:00", "12:00"),
            &[&s.deputies[0]],
        )
        .await;
    assert_eq!(later["deputies"][0]["deputy_id"], json!(s.deputies[0]));

    // Nothing changed on the first session.
    let unchanged: Value = app
        .get(&path, Some(&s.liaison.access))
        .await
        .json()
        .await
        .unwrap();
    let on_duty: Vec<&str> = unchanged["deputies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| str_of(d, "deputy_id"))
        .collect();
    assert_eq!(on_duty.len(), 2);
    assert!(on_duty.contains(&s.deputies[0].as_str()) && on_duty.contains(&s.deputies[1].as_str()));
    // Hours that end before they start, and a cancellation without a reason.
    for (body, field) in [
        (
            json!({"hours": {"starts": "11:00", "ends": "10:00"}}),
            "hours.ends",
        ),
        (json!({"status": "cancelled"}), "cancel_reason"),
        (json!({"status": "published"}), "status"),
        (json!({"capacity": 0}), "capacity"),
    ] {
        let problem = assert_problem(
            app.patch(&path, Some(&s.liaison.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), vec![field.to_owned()], "{problem}");
    }
    // A session in the past cannot be added.
    assert_problem(
        app.post(
            &format!("/api/v1/stations/{}/receptions", s.station),
            Some(&s.liaison.access),
            &json!({"date": today() - Days::new(1), "hours": {"starts": "09:00", "ends": "10:00"}}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn publication_needs_the_minimum_roster_and_a_reason_when_late() {
    let app = spawn_app().await;
    let s = app.scheduling(3).await;
    let ahead = today() + Days::new(10);
    let session = app
        .add_session(
            &s.liaison.access,
            &s.station,
            ahead,
            ("09:00", "11:00"),
            &[&s.deputies[0]],
        )
        .await;
    let id = str_of(&session, "id");
    let publish = format!("/api/v1/receptions/{id}/publish");
    let problem = assert_problem(
        app.post(&publish, Some(&s.liaison.access), &json!({}))
            .await,
        422,
        "roster_short",
    )
    .await;
    // The detail names the shortfall: the minimum and what the session has.
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .ends_with("至少需要 2 名值班代表，目前只有 1 名。"),
        "{problem}"
    );
    app.patch(
        &format!("/api/v1/receptions/{id}"),
        Some(&s.liaison.access),
        &json!({"deputy_ids": [s.deputies[0], s.deputies[1]]}),
    )
    .await;
    // No body at all is fine for a session ten days ahead.
    let published = app
        .request(reqwest::Method::POST, &publish, Some(&s.liaison.access))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), StatusCode::OK);
    let published: Value = published.json().await.unwrap();
    assert_eq!(published["status"], "published");
    assert_eq!(published["late_reason"], Value::Null);
    // A published session may not lose its minimum.
    assert_problem(
        app.patch(
            &format!("/api/v1/receptions/{id}"),
            Some(&s.liaison.access),
            &json!({"deputy_ids": [s.deputies[0]]}),
        )
        .await,
        422,
        "roster_short",
    )
    .await;

    // The public sees it, with public fields only, and the seats left.
    let public: Value = app
        .get(&format!("/api/v1/receptions/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["seats_left"], 20);
    assert!(public.get("edited").is_none());
    let deputy = &public["deputies"][0];
    assert!(deputy.get("checked_in_at").is_none() && deputy.get("attendance").is_none());
    assert!(
        !public.to_string().contains("13812340000"),
        "no private phone"
    );
    for (status, expected) in [("published", 1), ("draft", 0)] {
        let filtered: Value = app
            .get(
                &format!(
                    "/api/v1/receptions?station_id={}&status={status}",
                    s.station
                ),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            filtered["items"].as_array().unwrap().len(),
            expected,
            "{status}"
        );
    }
    let staff_drafts: Value = app
        .get(
            &format!("/api/v1/receptions?station_id={}&status=draft", s.station),
            Some(&s.liaison.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        staff_drafts["items"],
        json!([]),
        "the only session is published"
    );
    let by_deputy: Value = app
        .get(
            &format!("/api/v1/receptions?deputy_id={}", s.deputies[1]),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_deputy["items"].as_array().unwrap().len(), 1);
    let by_region: Value = app
        .get(
            &format!(
                "/api/v1/receptions?region_id={}&from={ahead}&to={ahead}",
                s.district
            ),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_region["items"][0]["id"], json!(id));

    // Less than three days ahead: a reason is required, kept, and shown to staff only.
    let (date, starts, ends) = tests::session_starting_soon();
    let soon = app
        .add_session(
            &s.liaison.access,
            &s.station,
            date,
            (&starts, &ends),
            &[&s.deputies[1], &s.deputies[2]],
        )
        .await;
    let soon_id = str_of(&soon, "id");
    assert_problem(
        app.post(
            &format!("/api/v1/receptions/{soon_id}/publish"),
            Some(&s.liaison.access),
            &json!({}),
        )
        .await,
        422,
        "late_reason_required",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/receptions/{soon_id}/publish"),
            Some(&s.liaison.access),
            &json!({"late_reason": "x"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let late = app
        .publish_session(&s.liaison.access, soon_id, Some("临时增加的接待日"))
        .await;
    assert_eq!(late["late_reason"], "临时增加的接待日");
    let public: Value = app
        .get(&format!("/api/v1/receptions/{soon_id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(public.get("late_reason").is_none());
    assert_eq!(
        count_where(app.db(), "receptions", "late_reason IS NOT NULL").await,
        1
    );

    // A range: drafts of the station are published all together, or none is.
    let a = app
        .add_session(
            &s.liaison.access,
            &s.station,
            ahead + Days::new(7),
            ("09:00", "11:00"),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let b = app
        .add_session(
            &s.liaison.access,
            &s.station,
            ahead + Days::new(14),
            ("09:00", "11:00"),
            &[&s.deputies[0]],
        )
        .await;
    let range = json!({"station_id": s.station, "from": ahead, "to": ahead + Days::new(30)});
    assert_problem(
        app.post(
            "/api/v1/receptions:publish",
            Some(&s.liaison.access),
            &range,
        )
        .await,
        422,
        "roster_short",
    )
    .await;
    let a_now: Value = app
        .get(
            &format!("/api/v1/receptions/{}", str_of(&a, "id")),
            Some(&s.liaison.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a_now["status"], "draft", "all or none");
    app.patch(
        &format!("/api/v1/receptions/{}", str_of(&b, "id")),
        Some(&s.liaison.access),
        &json!({"deputy_ids": [s.deputies[1], s.deputies[2]]}),
    )
    .await;
    let done: Value = app
        .post(
            "/api/v1/receptions:publish",
            Some(&s.liaison.access),
            &range,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["published"].as_array().unwrap().len(), 2, "{done}");
    assert_eq!(done["late"], 0);
    // Staff of another station cannot publish here.
    let root = app.root().await;
    app.create_user(&root.access, "other-liaison", "station_staff", Some(s.town))
        .await;
    let outsider = app.login("other-liaison", tests::PASSWORD).await;
    assert_problem(
        app.post("/api/v1/receptions:publish", Some(&outsider.access), &range)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(&publish, Some(&outsider.access), &json!({})).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn the_remaining_refusals_of_sessions_change_nothing() {
    let app = spawn_app().await;
    let s = app.scheduling(3).await;
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
    let path = format!("/api/v1/receptions/{id}");

    // An unknown deputy; a reason without a cancellation; a cancellation with other changes.
    let unknown = uuid::Uuid::now_v7();
    for (body, field, code) in [
        (
            json!({"deputy_ids": [unknown]}),
            "deputy_ids[0]",
            "not_found",
        ),
        (
            json!({"cancel_reason": "没有取消"}),
            "cancel_reason",
            "without_cancel",
        ),
        (
            json!({"status": "cancelled", "cancel_reason": "场地维修", "place": "别处"}),
            "status",
            "cancel_alone",
        ),
    ] {
        let problem = assert_problem(
            app.patch(&path, Some(&s.liaison.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{problem}"
        );
    }
    // Capacity below the seats booked.
    app.patch(&path, Some(&s.liaison.access), &json!({"capacity": 2}))
        .await;
    app.publish_session(&s.liaison.access, &id, None).await;
    for name in ["甲", "乙"] {
        let voter = app.voter_session(name).await;
        let booked = app
            .post(
                &format!("{path}/appointments"),
                Some(&voter.access),
                &json!({"topic": "道路维修"}),
            )
            .await;
        assert_eq!(booked.status(), StatusCode::CREATED);
    }
    let problem = assert_problem(
        app.patch(&path, Some(&s.liaison.access), &json!({"capacity": 1}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "below_bookings");
    // Attendance for a deputy who is not on duty there.
    assert_problem(
        app.put(
            &format!("{path}/attendance/{}", s.deputies[2]),
            Some(&s.liaison.access),
            &json!({"present": true, "reason": "核实到场"}),
        )
        .await,
        422,
        "reception_not_started",
    )
    .await;

    // Hours that would start in the past, on a session today.
    let (date, starts, ends) = tests::session_starting_soon();
    let soon = app
        .add_session(
            &s.liaison.access,
            &s.station,
            date,
            (&starts, &ends),
            &[&s.deputies[2]],
        )
        .await;
    let soon_path = format!("/api/v1/receptions/{}", str_of(&soon, "id"));
    // In the last 20 minutes of the day "soon" is tomorrow: bring it back to the rest of today,
    // where "00:00" has passed but the session has not started.
    let now = api::clock::now();
    let today = api::domain::local_time::local_date(now);
    if date != today {
        let midnight = (today + chrono::Days::new(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            - chrono::Duration::hours(8);
        let starts_at =
            (now + chrono::Duration::seconds(60)).min(midnight - chrono::Duration::seconds(1));
        app.reschedule_session(str_of(&soon, "id"), today, starts_at, midnight)
            .await;
    }
    let problem = assert_problem(
        app.patch(
            &soon_path,
            Some(&s.liaison.access),
            &json!({"hours": {"starts": "00:00", "ends": ends}}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "in_past");
    app.move_session_to_yesterday(str_of(&soon, "id")).await;
    assert_problem(
        app.put(
            &format!("{soon_path}/attendance/{}", s.deputies[0]),
            Some(&s.liaison.access),
            &json!({"present": true, "reason": "核实到场"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // A cancelled session: no publishing, no records.
    let other = app
        .add_session(
            &s.liaison.access,
            &s.station,
            day + Days::new(1),
            ("09:00", "11:00"),
            &[&s.deputies[0], &s.deputies[1]],
        )
        .await;
    let other_path = format!("/api/v1/receptions/{}", str_of(&other, "id"));
    app.patch(
        &other_path,
        Some(&s.liaison.access),
        &json!({"status": "cancelled", "cancel_reason": "台风预警"}),
    )
    .await;
    assert_problem(
        app.post(
            &format!("{other_path}/publish"),
            Some(&s.liaison.access),
            &json!({}),
        )
        .await,
        422,
        "reception_cancelled",
    )
    .await;
    assert_problem(
        app.post(
            &format!("{other_path}/records"),
            Some(&s.liaison.access),
            &json!({"visitor_count": 1, "items": [{"raised": "x"}]}),
        )
        .await,
        422,
        "reception_cancelled",
    )
    .await;

    let deputy0 = app.login(&s.deputy_users[0], tests::PASSWORD).await;
    assert_problem(
        app.post(
            &format!("{other_path}/check-in"),
            Some(&deputy0.access),
            &json!({}),
        )
        .await,
        422,
        "reception_cancelled",
    )
    .await;
    assert_problem(
        app.put(
            &format!("{other_path}/attendance/{}", s.deputies[0]),
            Some(&s.liaison.access),
            &json!({"present": false, "reason": "台风停接待"}),
        )
        .await,
        422,
        "reception_cancelled",
    )
    .await;

    // An archived station takes no more sessions; the outbox is for global administrators.
    let archived = app
        .delete(
            &format!("/api/v1/stations/{}", s.station),
            Some(&s.admin.access),
        )
        .await;
    assert!(archived.status().is_success());
    assert_problem(
        app.post(
            &format!("/api/v1/stations/{}/receptions", s.station),
            Some(&s.admin.access),
            &json!({"date": day, "hours": {"starts": "14:00", "ends": "15:00"}}),
        )
        .await,
        422,
        "station_archived",
    )
    .await;
    assert_problem(
        app.get("/api/v1/notifications", Some(&s.admin.access))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/receptions?status=open", None).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(
        count_where(app.db(), "receptions", "status = 'published'").await,
        1
    );
}

/// The rules the contract states on a reception rule, a session and a record (lengths, ranges,
/// `HH:MM`, blank text) are the service's: each break is a 422 naming the field, and nothing
/// is stored.
#[tokio::test]
async fn reception_bodies_outside_the_contracts_bounds_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let rule_path = format!("/api/v1/stations/{}/reception-rule", s.station);
    let rule = || {
        json!({"days_of_month": [6, 16, 26], "hours": {"starts": "09:00", "ends": "11:30"},
               "capacity": 20})
    };
    let with = |field: &str, value: Value| {
        let mut b = rule();
        b[field] = value;
        b
    };
    let cases = [
        (with("days_of_month", json!([])), "days_of_month"),
        (with("days_of_month", json!([32])), "days_of_month[0]"),
        (
            with("days_of_month", json!((1..=32).collect::<Vec<_>>())),
            "days_of_month",
        ),
        (
            {
                let mut b = with("days_of_month", Value::Null);
                b["weekly"] = json!(8);
                b
            },
            "weekly",
        ),
        (
            with("hours", json!({"starts": "24:00", "ends": "24:00"})),
            "hours.starts",
        ),
        (
            with("hours", json!({"starts": "9:00", "ends": "11:30"})),
            "hours.starts",
        ),
        (
            with("hours", json!({"starts": "09:00", "ends": "24:01"})),
            "hours.ends",
        ),
        (with("place", json!("   ")), "place"),
        (with("place", json!("长".repeat(201))), "place"),
        (
            with("deputies_per_session", json!({"min": 0, "max": 2})),
            "deputies_per_session",
        ),
        (
            with("deputies_per_session", json!({"min": 1, "max": 11})),
            "deputies_per_session",
        ),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            app.put(&rule_path, Some(&s.liaison.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{field}: {problem}"
        );
    }
    assert_eq!(count_where(app.db(), "reception_rules", "1 = 1").await, 0);

    // A session by hand, and a record of it.
    let sessions = format!("/api/v1/stations/{}/receptions", s.station);
    let day = d(2031, 3, 6);
    for (body, field) in [
        (
            json!({"date": day, "hours": {"starts": "09:00", "ends": "11:30"}, "place": " "}),
            "place",
        ),
        (
            json!({"date": day, "hours": {"starts": "09:00", "ends": "11:30"}, "capacity": 1001}),
            "capacity",
        ),
    ] {
        let problem = assert_problem(
            app.post(&sessions, Some(&s.liaison.access), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{field}: {problem}"
        );
    }
    assert_eq!(count_where(app.db(), "receptions", "1 = 1").await, 0);
    let session = app
        .add_session(&s.liaison.access, &s.station, day, ("09:00", "11:30"), &[])
        .await;
    let id = str_of(&session, "id");
    let record = || json!({"visitor_count": 1, "items": [{"raised": "路灯不亮"}]});
    let visitor = json!({"name": "王五"});
    let cases = [
        (
            json!({"visitor_count": -1, "items": [{"raised": "路灯不亮"}]}),
            "visitor_count",
        ),
        (
            json!({"visitor_count": 10_001, "items": [{"raised": "路灯不亮"}]}),
            "visitor_count",
        ),
        (
            json!({"visitor_count": 1, "items": [{"raised": "  "}]}),
            "items[0].raised",
        ),
        (
            json!({"visitor_count": 1, "items": [{"raised": "路灯", "action_taken": "办".repeat(2001)}]}),
            "items[0].action_taken",
        ),
        (
            {
                let mut b = record();
                b["feedback"] = json!("答".repeat(2001));
                b
            },
            "feedback",
        ),
        (
            {
                let mut b = record();
                b["visitors"] = json!([{"name": " "}]);
                b
            },
            "visitors[0].name",
        ),
        (
            {
                let mut b = record();
                b["visitors"] = json!([{"name": "王五", "phone": "12345"}]);
                b
            },
            "visitors[0].phone",
        ),
        (
            {
                let mut b = record();
                b["visitors"] = json!(vec![visitor; 201]);
                b
            },
            "visitors",
        ),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            app.post(
                &format!("/api/v1/receptions/{id}/records"),
                Some(&s.liaison.access),
                &body,
            )
            .await,
            422,
            "validation_failed",
        )
        .await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{field}: {problem}"
        );
    }
    assert_eq!(count_where(app.db(), "reception_records", "1 = 1").await, 0);
    // A reason is two characters that are not blank.
    let problem = assert_problem(
        app.post(
            &format!("/api/v1/receptions/{id}/publish"),
            Some(&s.liaison.access),
            &json!({"late_reason": " 急 "}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        error_fields(&problem).contains(&"late_reason".to_owned()),
        "{problem}"
    );
    assert_eq!(
        count_where(app.db(), "receptions", "published_at IS NOT NULL").await,
        0
    );
}

/// A holiday calendar's day names are 1 to 50 characters and not blank, and it lists at most
/// 60 holidays and 20 make-up working days: each break is 422 naming the field, and nothing
/// is stored; a calendar at every limit is accepted.
#[tokio::test]
async fn holiday_calendars_outside_the_contracts_bounds_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let root = app.root().await;
    let days_from = |first: NaiveDate, n: usize, name: &str| -> Vec<Value> {
        first
            .iter_days()
            .take(n)
            .map(|day| json!({"date": day, "name": name}))
            .collect()
    };
    let weekend_days = |n: usize| -> Vec<Value> {
        d(2026, 1, 1)
            .iter_days()
            .filter(|day| matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
            .take(n)
            .map(|day| json!({"date": day, "name": "调休"}))
            .collect()
    };
    // Holidays from April on, so that they never fall on the make-up days (the first 21
    // weekend days of the year end in March).
    let april = d(2026, 4, 1);
    let long_name = "节".repeat(51);
    let refused = [
        (
            json!({"holidays": days_from(april, 1, "  "), "workdays": []}),
            "holidays[0].name",
        ),
        (
            json!({"holidays": days_from(april, 1, &long_name), "workdays": []}),
            "holidays[0].name",
        ),
        (
            json!({"holidays": [], "workdays": [{"date": "2026-01-03", "name": "\t"}]}),
            "workdays[0].name",
        ),
        (
            json!({"holidays": days_from(april, 61, "假日"), "workdays": []}),
            "holidays",
        ),
        (
            json!({"holidays": [], "workdays": weekend_days(21)}),
            "workdays",
        ),
    ];
    for (body, field) in refused {
        let problem = assert_problem(
            app.put("/api/v1/holidays/2026", Some(&root.access), &body)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    assert_eq!(count_where(app.db(), "holiday_days", "1 = 1").await, 0);
    assert_eq!(count_where(app.db(), "holiday_years", "1 = 1").await, 0);

    let at_the_limits = json!({
        "holidays": days_from(april, 60, &"节".repeat(50)),
        "workdays": weekend_days(20),
    });
    let stored = app
        .put("/api/v1/holidays/2026", Some(&root.access), &at_the_limits)
        .await;
    assert_eq!(stored.status(), StatusCode::OK);
    let stored: Value = stored.json().await.unwrap();
    assert_eq!(stored["holidays"].as_array().map(Vec::len), Some(60));
    assert_eq!(stored["workdays"].as_array().map(Vec::len), Some(20));
    assert_eq!(count_where(app.db(), "holiday_days", "1 = 1").await, 80);
}
