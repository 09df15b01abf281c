//! Deputies' duty records and performance points: a generated year of reception days, triage
//! steps and suggestions whose every count and point is worked out here, independently, must
//! come back exactly from `/deputies/{id}/performance` and `/stats/deputies`; a district's new
//! weights change the points at once; bad rules and callers without a part are refused.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::reception;
use entity::reception_duty::{self, Attendance};
use entity::{category, deputy, reception_record, submission_event, suggestion, suggestion_author};
use entity::{submission::SubmissionStatus, suggestion_event};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use tests::*;
use uuid::Uuid;

const YEAR: i32 = 2025;

/// The default weights, written out here rather than read from the service.
const DEFAULTS: [(&str, i64); 8] = [
    ("reception_attended", 5),
    ("reception_record", 2),
    ("absence_excused", 0),
    ("absence_unexcused", -5),
    ("submission_triaged", 1),
    ("suggestion_submitted", 5),
    ("result_a", 3),
    ("result_b", 1),
];

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The local (UTC+8) year of an instant, computed here independently of the service.
fn local_year(t: DateTime<Utc>) -> i32 {
    use chrono::Datelike;
    (t + Duration::hours(8)).year()
}

fn random_instant(rng: &mut StdRng) -> DateTime<Utc> {
    let start = Utc.from_utc_datetime(&day(YEAR - 1, 12, 1).and_hms_opt(0, 0, 0).expect("t"));
    start + Duration::seconds(rng.random_range(0..(60 * 24 * 3600 + 365 * 24 * 3600)))
}

fn rate(n: u64, d: u64) -> Value {
    if d == 0 {
        Value::Null
    } else {
        json!((n as f64 / d as f64 * 10_000.0).round() / 10_000.0)
    }
}

/// What one deputy's year must show.
#[derive(Default, Debug)]
struct Expected {
    attended: u64,
    excused: u64,
    unexcused: u64,
    records: u64,
    voters: u64,
    triaged: BTreeSet<Uuid>,
    submitted: u64,
    replied: u64,
    a: u64,
    b: u64,
    c: u64,
    closed: u64,
    rated: u64,
    satisfied: u64,
}

impl Expected {
    fn count(&self, kind: &str) -> u64 {
        match kind {
            "reception_attended" => self.attended,
            "reception_record" => self.records,
            "absence_excused" => self.excused,
            "absence_unexcused" => self.unexcused,
            "submission_triaged" => self.triaged.len() as u64,
            "suggestion_submitted" => self.submitted,
            "result_a" => self.a,
            _ => self.b,
        }
    }

    fn points(&self, weights: &BTreeMap<&str, i64>) -> i64 {
        weights.iter().map(|(k, w)| self.count(k) as i64 * w).sum()
    }
}

/// How a duty went.
#[derive(Clone, Copy)]
enum Outcome {
    SignedIn,
    RecordedPresent,
    Excused,
    RecordedAbsent,
    NoShow,
    /// Signed in, then recorded absent by staff (the record stands).
    Overruled,
}

/// Writes the generated year straight into the database and returns what each deputy's record
/// must show. Sessions and events fall in December of the year before, the year and January
/// after, plus instants on both sides of the local New Year, so the boundaries are tested.
async fn generate(
    app: &TestApp,
    s: &Scheduling,
    deputies: &[(Uuid, Uuid)],
    submissions: &[Uuid],
) -> HashMap<Uuid, Expected> {
    let db = app.db().writer();
    let mut rng = StdRng::seed_from_u64(11);
    let mut expected: HashMap<Uuid, Expected> = deputies
        .iter()
        .map(|(d, _)| (*d, Expected::default()))
        .collect();
    let station: Uuid = s.station.parse().expect("uuid");

    // Reception days.
    for i in 0..40 {
        let date = match i {
            0 => day(YEAR, 1, 1),
            1 => day(YEAR, 12, 31),
            2 => day(YEAR - 1, 12, 31),
            3 => day(YEAR + 1, 1, 1),
            _ => day(YEAR - 1, 12, 20) + Duration::days(rng.random_range(0..400)),
        };
        let cancelled = rng.random_bool(0.1);
        let session = reception_row(station, date, cancelled);
        let (id, starts) = (session.id, session.starts_at);
        reception::Entity::insert(session.into_active_model())
            .exec(db)
            .await
            .expect("session");
        let counted = date.format("%Y").to_string() == YEAR.to_string() && !cancelled;
        let on_duty: Vec<usize> = (0..deputies.len())
            .filter(|_| rng.random_bool(0.5))
            .collect();
        let mut attended_by = Vec::new();
        for &d in &on_duty {
            let outcome = [
                Outcome::SignedIn,
                Outcome::RecordedPresent,
                Outcome::Excused,
                Outcome::RecordedAbsent,
                Outcome::NoShow,
                Outcome::Overruled,
            ][rng.random_range(0..6)];
            let (checked_in, attendance, excused) = match outcome {
                Outcome::SignedIn => (Some(starts), None, false),
                Outcome::RecordedPresent => (None, Some(Attendance::Present), false),
                Outcome::Excused => (None, Some(Attendance::Absent), true),
                Outcome::RecordedAbsent => (None, Some(Attendance::Absent), false),
                Outcome::NoShow => (None, None, false),
                Outcome::Overruled => {
                    (Some(starts), Some(Attendance::Absent), rng.random_bool(0.5))
                }
            };
            reception_duty::Entity::insert(
                reception_duty::Model {
                    reception_id: id,
                    deputy_id: deputies[d].0,
                    assigned_at: starts - Duration::days(10),
                    checked_in_at: checked_in,
                    attendance,
                    attendance_reason: attendance.map(|_| "核实".into()),
                    attendance_by: None,
                    attendance_excused: excused,
                }
                .into_active_model(),
            )
            .exec(db)
            .await
            .expect("duty");
            let attended = matches!(outcome, Outcome::SignedIn | Outcome::RecordedPresent);
            if attended {
                attended_by.push(d);
            }
            if counted {
                let e = expected.get_mut(&deputies[d].0).expect("deputy");
                match (attended, excused) {
                    (true, _) => e.attended += 1,
                    (false, true) => e.excused += 1,
                    (false, false) => e.unexcused += 1,
                }
            }
        }
        for _ in 0..rng.random_range(0..3) {
            let visitors = rng.random_range(0..20u64);
            reception_record::Entity::insert(
                reception_record::Model {
                    id: Uuid::now_v7(),
                    reception_id: id,
                    visitor_count: i32::try_from(visitors).expect("small"),
                    feedback: None,
                    created_by: s.liaison_id,
                    created_at: starts + Duration::hours(3),
                }
                .into_active_model(),
            )
            .exec(db)
            .await
            .expect("record");
            if counted {
                for &d in &attended_by {
                    let e = expected.get_mut(&deputies[d].0).expect("deputy");
                    e.records += 1;
                    e.voters += visitors;
                }
            }
        }
    }

    // Triage steps by the deputies' accounts (and by staff, which count for nobody).
    let new_year = Utc.from_utc_datetime(&day(YEAR - 1, 12, 31).and_hms_opt(16, 0, 0).expect("t"));
    for i in 0..60 {
        let at = match i {
            0 => new_year,
            1 => new_year - Duration::seconds(1),
            2 => new_year + Duration::days(365),
            _ => random_instant(&mut rng),
        };
        let kind = [
            "review", "answer", "refer", "decline", "convert", "merge", "close", "feedback",
        ][rng.random_range(0..8)];
        let actor = rng.random_range(0..=deputies.len());
        let submission = submissions[rng.random_range(0..submissions.len())];
        let actor_id = match deputies.get(actor) {
            Some((_, user)) => *user,
            None => s.liaison_id,
        };
        submission_event::Entity::insert(
            submission_event::Model {
                id: Uuid::now_v7(),
                submission_id: submission,
                at,
                kind: kind.into(),
                status: SubmissionStatus::InReview,
                public_note: None,
                actor_id: Some(actor_id),
                details: json!({}),
            }
            .into_active_model(),
        )
        .exec(db)
        .await
        .expect("event");
        if let Some((deputy, _)) = deputies.get(actor)
            && local_year(at) == YEAR
            && !matches!(kind, "close" | "feedback")
        {
            expected
                .get_mut(deputy)
                .expect("deputy")
                .triaged
                .insert(submission);
        }
    }

    // Suggestions with one or two authors; some never submitted, some submitted twice.
    let category = category::Entity::find()
        .one(db)
        .await
        .expect("categories")
        .expect("a category")
        .id;
    for i in 0..70 {
        let id = Uuid::now_v7();
        let first = match i {
            0 => Some(new_year),
            1 => Some(new_year - Duration::seconds(1)),
            _ => rng.random_bool(0.85).then(|| random_instant(&mut rng)),
        };
        let status = match first {
            None => "draft",
            Some(_) => {
                ["submitted", "accepted", "assigned", "replied", "closed"][rng.random_range(0..5)]
            }
        };
        let reply = matches!(status, "replied" | "closed")
            .then(|| ["A", "A", "B", "C"][rng.random_range(0..4)]);
        let rating = (status == "closed" && rng.random_bool(0.8))
            .then(|| ["satisfied", "basically_satisfied", "dissatisfied"][rng.random_range(0..3)]);
        let created = first.unwrap_or_else(|| random_instant(&mut rng)) - Duration::days(2);
        suggestion::Entity::insert(
            suggestion::Model {
                id,
                kind: suggestion::Kind::DeputySuggestion,
                status: stored(status),
                level: Some(suggestion::CongressLevel::County),
                reply_category: reply.map(stored),
                reply_text: reply.map(|_| "答复".into()),
                replied_at: reply.map(|_| created + Duration::days(20)),
                rating: rating.map(stored),
                rated_at: rating.map(|_| created + Duration::days(25)),
                closed_at: (status == "closed").then(|| created + Duration::days(25)),
                first_replied_at: reply.map(|_| created + Duration::days(20)),
                first_rating: rating.map(stored),
                ..suggestion_row(format!("建议{i}"), category, s.town, None, created)
            }
            .into_active_model(),
        )
        .exec(db)
        .await
        .expect("suggestion");
        let lead = rng.random_range(0..deputies.len());
        let mut authors = vec![lead];
        let co = rng.random_range(0..deputies.len());
        if co != lead && rng.random_bool(0.4) {
            authors.push(co);
        }
        for (position, a) in authors.iter().enumerate() {
            suggestion_author::Entity::insert(
                suggestion_author::Model {
                    suggestion_id: id,
                    deputy_id: deputies[*a].0,
                    position: i16::try_from(position).expect("small"),
                }
                .into_active_model(),
            )
            .exec(db)
            .await
            .expect("author");
        }
        // The history: created, submitted (and, returned, submitted again a month later).
        let mut steps = vec![("create", created, "draft")];
        if let Some(at) = first {
            steps.push(("submit", at, "submitted"));
            if rng.random_bool(0.3) {
                steps.push(("pre_review_return", at + Duration::days(3), "draft"));
                steps.push(("submit", at + Duration::days(30), "submitted"));
            }
        }
        for (action, at, to) in steps {
            suggestion_event::Entity::insert(
                suggestion_event::Model {
                    id: Uuid::now_v7(),
                    suggestion_id: id,
                    at,
                    action: action.into(),
                    from_status: None,
                    to_status: stored(to),
                    actor_id: Some(deputies[lead].1),
                    actor_role: Some("lead_author".into()),
                    note: None,
                    details: json!({}),
                }
                .into_active_model(),
            )
            .exec(db)
            .await
            .expect("suggestion event");
        }
        if first.is_some_and(|at| local_year(at) == YEAR) {
            for a in &authors {
                let e = expected.get_mut(&deputies[*a].0).expect("deputy");
                e.submitted += 1;
                match reply {
                    Some("A") => e.a += 1,
                    Some("B") => e.b += 1,
                    Some(_) => e.c += 1,
                    None => {}
                }
                e.replied += u64::from(reply.is_some());
                e.closed += u64::from(status == "closed");
                e.rated += u64::from(rating.is_some());
                e.satisfied +=
                    u64::from(matches!(rating, Some("satisfied" | "basically_satisfied")));
            }
        }
    }
    expected
}

fn check_record(got: &Value, e: &Expected, weights: &BTreeMap<&str, i64>, what: &str) {
    let on_duty = e.attended + e.excused + e.unexcused;
    assert_eq!(
        got["receptions"],
        json!({
            "on_duty": on_duty,
            "attended": e.attended,
            "absent_excused": e.excused,
            "absent_unexcused": e.unexcused,
            "attendance_rate": rate(e.attended, on_duty),
            "upcoming": 0,
            "records": e.records,
            "voters_received": e.voters,
        }),
        "{what}"
    );
    assert_eq!(got["submissions_triaged"], e.triaged.len(), "{what}");
    assert_eq!(
        got["suggestions"],
        json!({
            "submitted": e.submitted,
            "replied": e.replied,
            "category_a": e.a,
            "category_b": e.b,
            "category_c": e.c,
            "resolution_rate": rate(e.a, e.replied),
            "closed": e.closed,
            "rated": e.rated,
            "satisfied": e.satisfied,
            "satisfaction_rate": rate(e.satisfied, e.rated),
        }),
        "{what}"
    );
    let items: Vec<Value> = weights
        .iter()
        .map(|(k, w)| json!({"kind": k, "count": e.count(k), "weight": w, "points": e.count(k) as i64 * w}))
        .collect();
    let mut got_items = got["points"]["items"].as_array().expect("items").clone();
    got_items.sort_by_key(|i| i["kind"].as_str().map(str::to_owned));
    assert_eq!(Value::Array(got_items), Value::Array(items), "{what}");
    assert_eq!(got["points"]["total"], e.points(weights), "{what}");
}

/// Ranks by points, most first, ties sharing the rank of the first of them (1, 2, 2, 4).
fn competition_ranks(points: &[(Uuid, i64)]) -> HashMap<Uuid, u64> {
    let mut out = HashMap::new();
    for (id, p) in points {
        let better = points.iter().filter(|(_, q)| q > p).count() as u64;
        out.insert(*id, better + 1);
    }
    out
}

#[tokio::test]
async fn a_generated_year_of_duty_comes_back_exactly_and_follows_the_district_rules() {
    let app = spawn_app().await;
    let s = app.scheduling(4).await;
    let admin = &s.admin.access;
    let users: HashMap<Uuid, Option<Uuid>> = deputy::Entity::find()
        .all(app.db().reader())
        .await
        .expect("deputies")
        .into_iter()
        .map(|d| (d.id, d.user_id))
        .collect();
    let deputies: Vec<(Uuid, Uuid)> = s
        .deputies
        .iter()
        .map(|d| {
            let id: Uuid = d.parse().expect("uuid");
            (id, users[&id].expect("an account"))
        })
        .collect();
    let mut submissions = Vec::new();
    for (i, voter) in ["v1", "v2"].into_iter().enumerate() {
        let voter = app.voter_session(voter).await;
        for j in 0..2 {
            let created = app
                .post(
                    "/api/v1/submissions",
                    Some(&voter.access),
                    &json!({"title": format!("意见{i}{j}"), "content": "小区路灯不亮，晚上出行不便。", "category": "urban_management", "station_id": s.station}),
                )
                .await;
            assert_eq!(created.status(), StatusCode::CREATED);
            let body: Value = created.json().await.expect("json");
            submissions.push(str_of(&body, "id").parse::<Uuid>().expect("uuid"));
        }
    }
    let expected = generate(&app, &s, &deputies, &submissions).await;
    let defaults: BTreeMap<&str, i64> = DEFAULTS.into_iter().collect();
    // The generation must exercise every count for the test to mean something.
    let total = |f: fn(&Expected) -> u64| expected.values().map(f).sum::<u64>();
    for (what, n) in [
        ("attended", total(|e| e.attended)),
        ("excused", total(|e| e.excused)),
        ("unexcused", total(|e| e.unexcused)),
        ("records", total(|e| e.records)),
        ("triaged", total(|e| e.triaged.len() as u64)),
        ("submitted", total(|e| e.submitted)),
        ("A", total(|e| e.a)),
        ("rated", total(|e| e.rated)),
    ] {
        assert!(n > 0, "the generated year has no {what}");
    }

    // Each deputy's record, read by the administrator, the station's staff and the deputy.
    for (i, (id, _)) in deputies.iter().enumerate() {
        let path = format!("/api/v1/deputies/{id}/performance?year={YEAR}");
        let by_admin = json_of(app.get(&path, Some(admin)).await).await;
        check_record(&by_admin, &expected[id], &defaults, &format!("deputy {i}"));
        assert_eq!(by_admin["points"]["rules_region_id"], Value::Null);
        assert_eq!(by_admin["year"], YEAR);
        let by_staff = json_of(app.get(&path, Some(&s.liaison.access)).await).await;
        assert_eq!(by_staff["points"], by_admin["points"]);
        let own = app.login(&s.deputy_users[i], PASSWORD).await;
        let by_self = json_of(app.get(&path, Some(&own.access)).await).await;
        assert_eq!(by_self["receptions"], by_admin["receptions"]);
        // Another deputy's record is not theirs to read.
        let other = deputies[(i + 1) % deputies.len()].0;
        assert_problem(
            app.get(
                &format!("/api/v1/deputies/{other}/performance?year={YEAR}"),
                Some(&own.access),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
    }

    // The ranking, under the default rules.
    let ranking_path = format!("/api/v1/stats/deputies?year={YEAR}");
    let check_ranking = |ranking: Value, weights: &BTreeMap<&str, i64>| {
        let points: Vec<(Uuid, i64)> = deputies
            .iter()
            .map(|(id, _)| (*id, expected[id].points(weights)))
            .collect();
        let ranks = competition_ranks(&points);
        let rows = ranking["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), deputies.len());
        let mut last = i64::MAX;
        for row in rows {
            let id: Uuid = str_of(row, "deputy_id").parse().expect("uuid");
            let e = &expected[&id];
            assert_eq!(row["points"], e.points(weights));
            assert_eq!(row["rank"], ranks[&id]);
            assert_eq!(row["attended"], e.attended);
            assert_eq!(row["suggestions_submitted"], e.submitted);
            let p = row["points"].as_i64().expect("points");
            assert!(p <= last, "most points first");
            last = p;
        }
    };
    check_ranking(
        json_of(app.get(&ranking_path, Some(admin)).await).await,
        &defaults,
    );
    check_ranking(
        json_of(app.get(&ranking_path, Some(&s.liaison.access)).await).await,
        &defaults,
    );

    // The district sets its own weights: every deputy's points follow at once.
    let rules_path = format!("/api/v1/regions/{}/points-rules", s.district);
    let inherited = json_of(
        app.get(
            &format!("/api/v1/regions/{}/points-rules", s.town),
            Some(admin),
        )
        .await,
    )
    .await;
    assert_eq!(inherited["defined_at"], Value::Null);
    let set = app
        .put(
            &rules_path,
            Some(admin),
            &json!({"weights": {"reception_attended": 10, "absence_unexcused": -20, "result_a": 7}}),
        )
        .await;
    let set = json_of(set).await;
    assert_eq!(set["defined_at"], json!(s.district));
    let mut district = defaults.clone();
    district.insert("reception_attended", 10);
    district.insert("absence_unexcused", -20);
    district.insert("result_a", 7);
    for (id, _) in &deputies {
        let got = json_of(
            app.get(
                &format!("/api/v1/deputies/{id}/performance?year={YEAR}"),
                Some(admin),
            )
            .await,
        )
        .await;
        check_record(&got, &expected[id], &district, "under the district's rules");
        assert_eq!(got["points"]["rules_region_id"], json!(s.district));
    }
    check_ranking(
        json_of(app.get(&ranking_path, Some(admin)).await).await,
        &district,
    );

    // The same year through the exports: the ranking and the attendance, row by row.
    let names: HashMap<String, Uuid> = deputy::Entity::find()
        .all(app.db().reader())
        .await
        .expect("deputies")
        .into_iter()
        .map(|d| (d.name, d.id))
        .collect();
    let points: Vec<(Uuid, i64)> = deputies
        .iter()
        .map(|(id, _)| (*id, expected[id].points(&district)))
        .collect();
    let ranks = competition_ranks(&points);
    for format in ["csv", "xlsx"] {
        let path = format!("/api/v1/exports/performance.{format}?year={YEAR}");
        let export = app.export(&path, admin).await;
        assert_eq!(export.data().len(), deputies.len(), "{path}");
        for row in export.data() {
            let cell = |h: &str| row[export.column(h)].clone();
            let id = names[&cell("deputy")];
            let e = &expected[&id];
            let want = [
                ("rank", ranks[&id] as i64),
                ("points", e.points(&district)),
                ("on_duty", (e.attended + e.excused + e.unexcused) as i64),
                ("attended", e.attended as i64),
                ("absent_unexcused", e.unexcused as i64),
                ("records", e.records as i64),
                ("voters_received", e.voters as i64),
                ("submissions_triaged", e.triaged.len() as i64),
                ("suggestions_submitted", e.submitted as i64),
                ("category_a", e.a as i64),
            ];
            for (heading, n) in want {
                assert_eq!(cell(heading), n.to_string(), "{path}: {heading}");
            }
        }
        let path = format!("/api/v1/exports/attendance.{format}?year={YEAR}");
        let export = app.export(&path, admin).await;
        assert_eq!(export.data().len(), deputies.len(), "{path}");
        for row in export.data() {
            let cell = |h: &str| row[export.column(h)].clone();
            let e = &expected[&names[&cell("deputy")]];
            let on_duty = e.attended + e.excused + e.unexcused;
            assert_eq!(cell("on_duty"), on_duty.to_string(), "{path}");
            assert_eq!(cell("attended"), e.attended.to_string(), "{path}");
            assert_eq!(cell("missed"), (on_duty - e.attended).to_string());
            let rate = (e.attended as f64 / on_duty as f64 * 1000.0).round() / 1000.0;
            assert_eq!(cell("rate").parse::<f64>().expect("a rate"), rate, "{path}");
        }
    }
    // The town below follows the district's rules until it sets its own.
    let town = json_of(
        app.get(
            &format!("/api/v1/regions/{}/points-rules", s.town),
            Some(admin),
        )
        .await,
    )
    .await;
    assert_eq!(town["defined_at"], json!(s.district));
    let weight_of = |rules: &Value, kind: &str| {
        rules["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["kind"] == kind)
            .map(|r| r["weight"].clone())
    };
    assert_eq!(weight_of(&town, "reception_attended"), Some(json!(10)));
    assert_eq!(weight_of(&town, "reception_record"), Some(json!(2)));
    assert_eq!(
        count_where(app.db(), "audit_events", "action = 'points_rules.update'").await,
        1
    );
}

#[tokio::test]
async fn bad_rules_and_callers_without_a_part_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
    let admin = &s.admin.access;
    let rules_path = format!("/api/v1/regions/{}/points-rules", s.district);
    let deputy = &s.deputies[0];
    let record = format!("/api/v1/deputies/{deputy}/performance");

    let refused = [
        (
            json!({"weights": {"speeches": 3}}),
            Some(("weights.speeches", "unknown_kind")),
        ),
        (
            json!({"weights": {"result_a": 2.5}}),
            Some(("weights.result_a", "not_integer")),
        ),
        (
            json!({"weights": {"result_a": "3"}}),
            Some(("weights.result_a", "not_integer")),
        ),
        (
            json!({"weights": {"result_a": 1001}}),
            Some(("weights.result_a", "out_of_range")),
        ),
        (json!({"weights": [5, 2]}), None),
        (json!({"weights": {}, "bonus": 1}), None),
        (json!({}), None),
    ];
    for (body, field) in refused {
        let problem = assert_problem(
            app.put(&rules_path, Some(admin), &body).await,
            422,
            "validation_failed",
        )
        .await;
        if let Some((field, code)) = field {
            assert_eq!(
                error_code(&problem, field).as_deref(),
                Some(code),
                "{problem}"
            );
        }
    }
    let broken = app
        .request(reqwest::Method::PUT, &rules_path, Some(admin))
        .header("content-type", "application/json")
        .body("{\"weights\": {")
        .send()
        .await
        .expect("sent");
    assert_problem(broken, 400, "malformed_body").await;
    assert_eq!(count_rows(app.db(), "points_rules").await, 0);

    // Only administrators over the region set or read rules.
    let root = app.root().await;
    let elsewhere = app
        .create_region(&root.access, "西区", "district", None)
        .await;
    for (path, status, code) in [
        (
            format!("/api/v1/regions/{elsewhere}/points-rules"),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/regions/{}/points-rules", Uuid::now_v7()),
            404,
            "not_found",
        ),
    ] {
        assert_problem(app.get(&path, Some(admin)).await, status, code).await;
        assert_problem(
            app.put(&path, Some(admin), &json!({"weights": {}})).await,
            status,
            code,
        )
        .await;
    }
    let deputy_session = app.login(&s.deputy_users[0], PASSWORD).await;
    for token in [&s.liaison.access, &deputy_session.access] {
        assert_problem(
            app.put(&rules_path, Some(token), &json!({"weights": {}}))
                .await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(app.get(&rules_path, Some(token)).await, 403, "forbidden").await;
    }
    assert_eq!(count_rows(app.db(), "points_rules").await, 0);
    let anonymous = app.get(&rules_path, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let anonymous = app.put(&rules_path, None, &json!({"weights": {}})).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(count_rows(app.db(), "points_rules").await, 0);

    // Records: a voter, a unit handler and an administrator elsewhere have no part; bad years and
    // unknown deputies are refused.
    let voter = app.voter_session("v").await;
    assert_problem(
        app.get(&record, Some(&voter.access)).await,
        403,
        "forbidden",
    )
    .await;
    app.create_user(&root.access, "west-admin", "admin", Some(elsewhere))
        .await;
    let west = app.login("west-admin", PASSWORD).await;
    assert_problem(app.get(&record, Some(&west.access)).await, 403, "forbidden").await;
    for year in ["1999", "2101", "abc"] {
        assert_problem(
            app.get(&format!("{record}?year={year}"), Some(admin)).await,
            400,
            "invalid_query",
        )
        .await;
    }
    assert_problem(
        app.get(
            &format!("/api/v1/deputies/{}/performance", Uuid::now_v7()),
            Some(admin),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.get(&record, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // This year's record of a deputy with nothing yet: zeros, default rules.
    let empty = json_of(app.get(&record, Some(admin)).await).await;
    assert_eq!(empty["points"]["total"], 0);
    assert_eq!(empty["receptions"]["attendance_rate"], Value::Null);

    // The ranking: deputies read their own record instead; a region outside is 404.
    assert_problem(
        app.get("/api/v1/stats/deputies", Some(&deputy_session.access))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/stats/deputies?region_id={elsewhere}"),
            Some(admin),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // A station the liaison does not staff is outside their reach.
    let other_station = app
        .create_station(admin, &station_body(s.district, "区联络站", 30.3, 120.3))
        .await;
    assert_problem(
        app.get(
            &format!(
                "/api/v1/stats/deputies?station_id={}",
                str_of(&other_station, "id")
            ),
            Some(&s.liaison.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/stats/deputies", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_problem(
        app.get("/api/v1/stats/deputies?year=1999", Some(admin))
            .await,
        400,
        "invalid_query",
    )
    .await;
    let ranked = json_of(app.get("/api/v1/stats/deputies", Some(admin)).await).await;
    // Nobody has points yet: both share the first rank.
    let ranks: Vec<&Value> = ranked["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| &r["rank"])
        .collect();
    assert_eq!(ranks, [&json!(1), &json!(1)]);
}
