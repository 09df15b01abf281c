//! The figures reports: the closed loop over HTTP shows in them, and a generated year of
//! activity, whose every figure this file computes on its own from the generated rows, comes
//! back exactly from the overview, the per-station, per-unit and per-category rows and the trend.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use entity::appointment::{self, AppointmentStatus};
use entity::reception;
use entity::reception_duty::{self, Attendance};
use entity::submission::{self, SubmissionChannel, SubmissionStatus};
use entity::{category, reception_record, suggestion, suggestion_source};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use tests::*;
use uuid::Uuid;

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn create_unit(app: &TestApp, token: &str, region: Uuid, name: &str) -> Uuid {
    let unit = json_of(
        app.post(
            "/api/v1/units",
            Some(token),
            &json!({"region_id": region, "name": name, "kind": "bureau"}),
        )
        .await,
    )
    .await;
    str_of(&unit, "id").parse().expect("uuid")
}

#[tokio::test]
async fn the_closed_loop_over_http_shows_in_the_figures() {
    let app = spawn_app().await;
    let s = app.scheduling(2).await;
    let root = app.root().await;
    let unit = create_unit(&app, &s.admin.access, s.town, "东街道办事处").await;
    let handler = app
        .create_user(&root.access, "handler", "unit_handler", Some(s.town))
        .await;
    let set = app
        .put(
            &format!("/api/v1/units/{unit}/members"),
            Some(&s.admin.access),
            &json!({"user_ids": [handler]}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let handler = app.login("handler", PASSWORD).await;
    let voter = app.voter_session("alice").await;
    let staff = &s.liaison.access;
    let body = json!({"title": "幸福路路灯不亮", "content": "幸福路路灯坏了两周。", "category": "urban_management", "station_id": s.station});
    let first = json_of(
        app.post("/api/v1/submissions", Some(&voter.access), &body)
            .await,
    )
    .await;
    let second = json_of(
        app.post("/api/v1/submissions", Some(&voter.access), &body)
            .await,
    )
    .await;

    // Before anything happens: received, nothing else.
    let overview = json_of(app.get("/api/v1/stats/overview", Some(staff)).await).await;
    let f = &overview["figures"];
    assert_eq!(f["received"]["total"], 2);
    assert_eq!(f["received"]["by_channel"]["miniapp"], 2);
    assert_eq!(f["handled"], 0);
    assert_eq!(f["first_response_days"]["count"], 0);
    assert_eq!(f["first_response_days"]["median"], Value::Null);
    assert_eq!(f["cases"]["assigned"], 0);
    assert_eq!(f["cases"]["reply_rate"], Value::Null);

    // One is answered, the other converted, assigned, replied and rated satisfied.
    let answered = app
        .post(
            &format!("/api/v1/submissions/{}/triage", str_of(&second, "id")),
            Some(staff),
            &json!({"action": "answer", "note": "已向您解释相关政策。"}),
        )
        .await;
    assert_eq!(answered.status(), StatusCode::OK);
    let converted = json_of(
        app.post(
            &format!("/api/v1/submissions/{}/triage", str_of(&first, "id")),
            Some(staff),
            &json!({"action": "convert"}),
        )
        .await,
    )
    .await;
    let case = str_of(&converted, "suggestion_id").to_owned();
    let transitions = format!("/api/v1/suggestions/{case}/transitions");
    for (token, step) in [
        (
            staff.as_str(),
            json!({"action": "assign", "lead_unit_id": unit}),
        ),
        (handler.access.as_str(), json!({"action": "acknowledge"})),
        (
            handler.access.as_str(),
            json!({"action": "reply", "reply_category": "A", "reply_text": "已修复。"}),
        ),
    ] {
        let r = app.post(&transitions, Some(token), &step).await;
        assert_eq!(r.status(), StatusCode::OK, "{step}");
    }
    let rated = app
        .post(
            &format!("/api/v1/submissions/{}/feedback", str_of(&first, "id")),
            Some(&voter.access),
            &json!({"rating": "satisfied"}),
        )
        .await;
    assert_eq!(rated.status(), StatusCode::OK);

    // The flow wrote the milestones the figures count from.
    let milestones = query_one(
        app.db(),
        "SELECT COUNT(*) AS n FROM suggestions WHERE assigned_at IS NOT NULL \
         AND first_replied_at IS NOT NULL AND first_rating = 'satisfied' AND rating = 'satisfied'",
    )
    .await
    .expect("row");
    assert_eq!(milestones.try_get::<i64>("", "n").expect("n"), 1);
    assert_eq!(
        count_where(app.db(), "submissions", "responded_at IS NOT NULL").await,
        2
    );

    let overview = json_of(app.get("/api/v1/stats/overview", Some(staff)).await).await;
    let f = &overview["figures"];
    assert_eq!(f["received"]["total"], 2);
    assert_eq!(
        f["handled"], 2,
        "answered, and converted into a closed case"
    );
    assert_eq!(f["first_response_days"]["count"], 2);
    assert_eq!(f["first_response_days"]["median"], 0);
    let c = &f["cases"];
    assert_eq!(c["assigned"], 1);
    assert_eq!(c["replied"], 1);
    assert_eq!(c["on_time"], 1);
    assert_eq!(c["reply_rate"], 1.0);
    assert_eq!(c["resolution_rate"], 1.0);
    assert_eq!(c["reply_categories"], json!({"a": 1, "b": 0, "c": 0}));
    assert_eq!(c["rated"], 1);
    assert_eq!(c["satisfaction_rate_first"], 1.0);
    assert_eq!(c["satisfaction_rate_final"], 1.0);
    assert_eq!(f["reply_days"]["count"], 1);
    assert_eq!(f["reply_days"]["p90"], 0);

    // The administrator's per-unit rows have the unit with its case, and nothing for intake.
    let units = json_of(app.get("/api/v1/stats/units", Some(&s.admin.access)).await).await;
    let row = units["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == json!(unit))
        .expect("the unit's row");
    assert_eq!(row["figures"]["cases"]["assigned"], 1);
    assert_eq!(row["figures"]["received"], Value::Null);
    assert_eq!(row["figures"]["receptions"], Value::Null);

    // Who may read: staff and administrators; a deputy, a handler or a voter may not.
    let deputy = app.login(&s.deputy_users[0], PASSWORD).await;
    for token in [&deputy.access, &handler.access, &voter.access] {
        for path in [
            "/api/v1/stats/overview",
            "/api/v1/stats/stations",
            "/api/v1/stats/units",
            "/api/v1/stats/categories",
            "/api/v1/stats/trend",
        ] {
            assert_problem(app.get(path, Some(token)).await, 403, "forbidden").await;
        }
    }
    let anonymous = app.get("/api/v1/stats/overview", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Rows from before migration 000014 get their milestones from the event history: undo it
    // (the columns go; the later migrations first) and redo them all, and every milestone and
    // figure comes back the same.
    let before = case_milestones(app.db()).await;
    assert!(before.0.is_some() && before.1.is_some() && before.2.is_some());
    redo_migrations_from(app.db(), "m20261123_000014").await;
    assert_eq!(case_milestones(app.db()).await, before);
    let again = json_of(app.get("/api/v1/stats/overview", Some(staff)).await).await;
    assert_eq!(again["figures"], overview["figures"]);
}

/// The milestones of the one case and of the submissions (oldest first).
async fn case_milestones(
    db: &api::db::Db,
) -> (
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
    Vec<Option<DateTime<Utc>>>,
) {
    let case = query_one(
        db,
        "SELECT assigned_at, first_replied_at, first_rating FROM suggestions",
    )
    .await
    .expect("case");
    let responded = db
        .reader()
        .query_all_raw(sea_orm::Statement::from_string(
            db.backend(),
            "SELECT responded_at FROM submissions ORDER BY created_at",
        ))
        .await
        .expect("submissions")
        .iter()
        .map(|r| r.try_get("", "responded_at").expect("responded_at"))
        .collect();
    (
        case.try_get("", "assigned_at").expect("assigned_at"),
        case.try_get("", "first_replied_at")
            .expect("first_replied_at"),
        case.try_get("", "first_rating").expect("first_rating"),
        responded,
    )
}

#[tokio::test]
async fn bad_report_parameters_are_refused() {
    let app = spawn_app().await;
    let s = app.scheduling(1).await;
    let root = app.root().await;
    let other_town = app
        .create_region(&root.access, "白云区", "district", None)
        .await;
    let admin = &s.admin.access;
    for (query, field, code) in [
        ("from=2026-02-01&to=2026-01-31", "from", "after_to"),
        ("from=2020-01-01&to=2025-01-01", "to", "period_too_long"),
        ("from=2026-13-01", "from", "invalid_value"),
        ("from=1999-12-31&to=2000-01-01", "from", "out_of_range"),
        ("from=2026-01-01&to=9999-12-31", "to", "out_of_range"),
        ("from=2100-12-31&to=9999-12-31", "to", "out_of_range"),
        ("region_id=nope", "region_id", "invalid_value"),
    ] {
        let problem = assert_problem(
            app.get(&format!("/api/v1/stats/overview?{query}"), Some(admin))
                .await,
            400,
            "invalid_query",
        )
        .await;
        assert_eq!(
            error_code(&problem, field).as_deref(),
            Some(code),
            "{query}"
        );
    }
    let problem = assert_problem(
        app.get("/api/v1/stats/trend?interval=week", Some(admin))
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert!(error_code(&problem, "interval").is_some(), "{problem}");
    let problem = assert_problem(
        app.get("/api/v1/stats/stations?sort=-votes", Some(admin))
            .await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(
        error_code(&problem, "sort").as_deref(),
        Some("unknown_sort")
    );
    // A region or station outside the caller's scope is not found.
    for query in [
        format!("region_id={other_town}"),
        format!("region_id={}", Uuid::now_v7()),
        format!("station_id={}", Uuid::now_v7()),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/stats/overview?{query}"), Some(admin))
                .await,
            404,
            "not_found",
        )
        .await;
    }
    // Station staff: another station of their own region is not theirs.
    let other = app
        .create_station(admin, &station_body(s.town, "西街联络站", 30.1, 120.1))
        .await;
    assert_problem(
        app.get(
            &format!("/api/v1/stats/overview?station_id={}", str_of(&other, "id")),
            Some(&s.liaison.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// A generated year.

const YEAR: i32 = 2025;
const CHANNELS: [SubmissionChannel; 4] = [
    SubmissionChannel::Miniapp,
    SubmissionChannel::Qr,
    SubmissionChannel::Mailbox,
    SubmissionChannel::Hotline,
];

fn channel_name(c: SubmissionChannel) -> &'static str {
    match c {
        SubmissionChannel::Miniapp => "miniapp",
        SubmissionChannel::Qr => "qr",
        SubmissionChannel::Mailbox => "mailbox",
        _ => "hotline",
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The local (UTC+8) date of an instant, computed here independently of the service.
fn local(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(8)).date_naive()
}

/// Weekdays after `a` up to `b` (no holiday calendar is loaded in this test).
fn weekdays_between(a: NaiveDate, b: NaiveDate) -> u32 {
    let mut n = 0;
    let mut d = a;
    while d < b {
        d = d.succ_opt().expect("day");
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
    }
    n
}

/// The nearest-rank quantile of unsorted values.
fn nearest_rank(values: &[u32], q: f64) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    json!(v[rank - 1])
}

fn rate(n: u64, d: u64) -> Value {
    if d == 0 {
        Value::Null
    } else {
        json!((n as f64 / d as f64 * 10_000.0).round() / 10_000.0)
    }
}

fn random_instant(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> DateTime<Utc> {
    let start = Utc.from_utc_datetime(&from.and_hms_opt(0, 0, 0).expect("midnight"));
    let span = (to - from).num_seconds();
    start + Duration::seconds(rng.random_range(0..span))
}

struct GenSubmission {
    station: Option<usize>,
    category: usize,
    channel: SubmissionChannel,
    created: DateTime<Utc>,
    responded: Option<DateTime<Utc>>,
    resolved: Option<DateTime<Utc>>,
    case: Option<usize>,
}

struct GenCase {
    station: usize,
    category: usize,
    unit: Option<usize>,
    status: &'static str,
    assigned: Option<DateTime<Utc>>,
    first_reply: Option<DateTime<Utc>>,
    deadline: Option<NaiveDate>,
    reply_category: Option<&'static str>,
    first_rating: Option<&'static str>,
    rating: Option<&'static str>,
    closed: Option<DateTime<Utc>>,
}

struct GenSession {
    station: usize,
    day: NaiveDate,
    cancelled: bool,
    /// Per duty: attended or not.
    duties: Vec<bool>,
    visitors: Option<u64>,
    bookings: u64,
}

/// What the reports must say for the rows the filter keeps.
#[derive(Default)]
struct Expected {
    received: BTreeMap<&'static str, u64>,
    handled: u64,
    response: Vec<u32>,
    assigned: u64,
    replied: u64,
    open_overdue: u64,
    on_time: u64,
    abc: [u64; 3],
    rated: u64,
    satisfied_first: u64,
    satisfied_final: u64,
    reply: Vec<u32>,
    held: u64,
    cancelled: u64,
    duties: u64,
    attended: u64,
    voters: u64,
    bookings: u64,
}

struct World {
    subs: Vec<GenSubmission>,
    cases: Vec<GenCase>,
    sessions: Vec<GenSession>,
}

fn open(status: &str) -> bool {
    matches!(status, "assigned" | "in_progress")
}

fn good(r: Option<&str>) -> bool {
    matches!(r, Some("satisfied" | "basically_satisfied"))
}

/// The expected figures of the rows each of whose own event day `keep` accepts, restricted by
/// `station`, `unit` and `category` where given.
fn expect(
    w: &World,
    today: NaiveDate,
    keep: &dyn Fn(NaiveDate) -> bool,
    station: Option<usize>,
    unit: Option<usize>,
    category: Option<usize>,
) -> Expected {
    let mut e = Expected::default();
    let sub_ok = |s: &GenSubmission| {
        station.is_none_or(|st| s.station == Some(st)) && category.is_none_or(|c| s.category == c)
    };
    for s in w.subs.iter().filter(|s| sub_ok(s)) {
        if keep(local(s.created)) {
            *e.received.entry(channel_name(s.channel)).or_default() += 1;
            if let Some(r) = s.responded {
                e.response
                    .push(weekdays_between(local(s.created), local(r)));
            }
        }
        if s.resolved.is_some_and(|r| keep(local(r))) {
            e.handled += 1;
        }
        if let Some(c) = s.case {
            let case = &w.cases[c];
            if case.status == "closed" && case.closed.is_some_and(|t| keep(local(t))) {
                e.handled += 1;
            }
        }
    }
    for c in &w.cases {
        let Some(assigned) = c.assigned else { continue };
        if !keep(local(assigned))
            || station.is_some_and(|st| c.station != st)
            || category.is_some_and(|k| c.category != k)
            || unit.is_some_and(|u| c.unit != Some(u))
        {
            continue;
        }
        e.assigned += 1;
        let overdue = open(c.status) && c.deadline.is_some_and(|d| d < today);
        e.open_overdue += u64::from(overdue);
        if let Some(first) = c.first_reply {
            e.reply
                .push(weekdays_between(local(assigned), local(first)));
            if !overdue {
                e.replied += 1;
                e.on_time += u64::from(c.deadline.is_some_and(|d| local(first) <= d));
                match c.reply_category {
                    Some("A") => e.abc[0] += 1,
                    Some("B") => e.abc[1] += 1,
                    Some("C") => e.abc[2] += 1,
                    _ => {}
                }
            }
        }
        e.rated += u64::from(c.rating.is_some());
        e.satisfied_first += u64::from(good(c.first_rating));
        e.satisfied_final += u64::from(good(c.rating));
    }
    if unit.is_none() && category.is_none() {
        for s in &w.sessions {
            if !keep(s.day) || station.is_some_and(|st| s.station != st) {
                continue;
            }
            if s.cancelled {
                e.cancelled += 1;
                continue;
            }
            e.held += 1;
            e.duties += s.duties.len() as u64;
            e.attended += s.duties.iter().filter(|a| **a).count() as u64;
            e.voters += s.visitors.unwrap_or(0);
            e.bookings += s.bookings;
        }
    }
    e
}

/// Compares a report's figures with the expected ones; `parts` says which parts it has.
fn check(f: &Value, e: &Expected, intake: bool, receptions: bool, what: &str) {
    if intake {
        let total: u64 = e.received.values().sum();
        assert_eq!(f["received"]["total"], json!(total), "{what}: received");
        assert_eq!(
            f["received"]["by_channel"],
            json!(e.received),
            "{what}: by channel"
        );
        assert_eq!(f["handled"], json!(e.handled), "{what}: handled");
        let r = &f["first_response_days"];
        assert_eq!(r["count"], json!(e.response.len()), "{what}: responses");
        assert_eq!(
            r["median"],
            nearest_rank(&e.response, 0.5),
            "{what}: median"
        );
        assert_eq!(r["p90"], nearest_rank(&e.response, 0.9), "{what}: p90");
    } else {
        assert_eq!(f["received"], Value::Null, "{what}");
        assert_eq!(f["handled"], Value::Null, "{what}");
    }
    let c = &f["cases"];
    let want = json!({
        "assigned": e.assigned,
        "replied": e.replied,
        "open_overdue": e.open_overdue,
        "on_time": e.on_time,
        "reply_rate": rate(e.replied, e.assigned),
        "on_time_rate": rate(e.on_time, e.replied),
        "resolution_rate": rate(e.abc[0], e.replied),
        "reply_categories": {"a": e.abc[0], "b": e.abc[1], "c": e.abc[2]},
        "rated": e.rated,
        "satisfied_first": e.satisfied_first,
        "satisfied_final": e.satisfied_final,
        "satisfaction_rate_first": rate(e.satisfied_first, e.rated),
        "satisfaction_rate_final": rate(e.satisfied_final, e.rated),
    });
    assert_eq!(c, &want, "{what}: cases");
    let r = &f["reply_days"];
    assert_eq!(r["count"], json!(e.reply.len()), "{what}: replies");
    assert_eq!(
        r["median"],
        nearest_rank(&e.reply, 0.5),
        "{what}: reply median"
    );
    assert_eq!(r["p90"], nearest_rank(&e.reply, 0.9), "{what}: reply p90");
    if receptions {
        let want = json!({
            "sessions_held": e.held,
            "sessions_cancelled": e.cancelled,
            "duties": e.duties,
            "attended": e.attended,
            "attendance_rate": rate(e.attended, e.duties),
            "voters_received": e.voters,
            "bookings": e.bookings,
        });
        assert_eq!(f["receptions"], want, "{what}: receptions");
    } else {
        assert_eq!(f["receptions"], Value::Null, "{what}");
    }
}

#[tokio::test]
async fn a_generated_year_comes_back_exactly() {
    let app = spawn_app().await;
    let s = app.scheduling(4).await;
    let admin = &s.admin.access;
    let town_station: Uuid = s.station.parse().expect("uuid");
    let second = app
        .create_station(admin, &station_body(s.town, "南街联络站", 30.2, 120.2))
        .await;
    let third = app
        .create_station(admin, &station_body(s.district, "区联络站", 30.3, 120.3))
        .await;
    let stations: Vec<(Uuid, Uuid)> = vec![
        (town_station, s.town),
        (str_of(&second, "id").parse().expect("uuid"), s.town),
        (str_of(&third, "id").parse().expect("uuid"), s.district),
    ];
    let units = vec![
        create_unit(&app, admin, s.district, "区住建局").await,
        create_unit(&app, admin, s.town, "东街道办事处").await,
    ];
    let categories: Vec<Uuid> = category::Entity::find()
        .all(app.db().reader())
        .await
        .expect("categories")
        .into_iter()
        .take(3)
        .map(|c| c.id)
        .collect();
    let deputies: Vec<Uuid> = s
        .deputies
        .iter()
        .map(|d| d.parse().expect("uuid"))
        .collect();
    let voters = [
        app.voter_session("v1").await.user_id,
        app.voter_session("v2").await.user_id,
    ];
    let today = local(Utc::now());
    let mut rng = StdRng::seed_from_u64(8);
    // The year, with a margin on both sides that must not be counted.
    let (before, after) = (day(YEAR - 1, 12, 10), day(YEAR + 1, 1, 20));

    let mut cases = Vec::new();
    for _ in 0..160 {
        let station = rng.random_range(0..stations.len());
        let roll = rng.random_range(0..10);
        let status = match roll {
            0 => "accepted",
            1 | 2 => "assigned",
            3 | 4 => "in_progress",
            5 | 6 => "replied",
            _ => "closed",
        };
        let assigned = (status != "accepted").then(|| random_instant(&mut rng, before, after));
        // A reopened case is in progress again after a reply.
        let reopened = status == "in_progress" && rng.random_bool(0.4);
        let first_reply = (matches!(status, "replied" | "closed") || reopened)
            .then(|| assigned.expect("assigned") + Duration::hours(rng.random_range(0..24 * 40)));
        let deadline = assigned.map(|a| {
            if open(status) && rng.random_bool(0.3) {
                today + Duration::days(rng.random_range(1..60))
            } else {
                local(a) + Duration::days(rng.random_range(3..30))
            }
        });
        let ratings = ["satisfied", "basically_satisfied", "dissatisfied"];
        let first_rating = (status == "closed" || (reopened && rng.random_bool(0.5)))
            .then(|| ratings[rng.random_range(0..3)]);
        let rating = first_rating.map(|f| {
            if rng.random_bool(0.3) {
                ratings[rng.random_range(0..3)]
            } else {
                f
            }
        });
        let closed = (status == "closed")
            .then(|| first_reply.expect("reply") + Duration::hours(rng.random_range(1..24 * 20)));
        cases.push(GenCase {
            station,
            category: rng.random_range(0..categories.len()),
            unit: assigned.map(|_| rng.random_range(0..units.len())),
            status,
            assigned,
            first_reply,
            deadline,
            reply_category: first_reply.map(|_| ["A", "A", "B", "C"][rng.random_range(0..4)]),
            first_rating,
            rating,
            closed,
        });
    }
    let mut subs = Vec::new();
    for _ in 0..300 {
        let station = (!rng.random_bool(0.1)).then(|| rng.random_range(0..stations.len()));
        let created = random_instant(&mut rng, before, after);
        let outcome = rng.random_range(0..5);
        let responded =
            (outcome > 0).then(|| created + Duration::hours(rng.random_range(0..24 * 15)));
        subs.push(GenSubmission {
            station,
            category: rng.random_range(0..categories.len()),
            channel: CHANNELS[rng.random_range(0..CHANNELS.len())],
            created,
            responded,
            resolved: (outcome == 2).then(|| responded.expect("responded")),
            case: (outcome >= 3).then(|| rng.random_range(0..cases.len())),
        });
    }
    let mut sessions = Vec::new();
    for station in 0..stations.len() {
        let mut days = vec![day(YEAR - 1, 12, 26), day(YEAR + 1, 1, 6)];
        for month in 1..=12 {
            days.extend([6, 16, 26].map(|d| day(YEAR, month, d)));
        }
        for d in days {
            let cancelled = rng.random_bool(0.1);
            let duties = (0..rng.random_range(1..3))
                .map(|_| rng.random_bool(0.8))
                .collect();
            sessions.push(GenSession {
                station,
                day: d,
                cancelled,
                duties,
                visitors: rng.random_bool(0.7).then(|| rng.random_range(0..12)),
                bookings: rng.random_range(0..3),
            });
        }
    }
    let world = World {
        subs,
        cases,
        sessions,
    };
    insert_world(
        &app,
        &world,
        &stations,
        &units,
        &categories,
        &deputies,
        &voters,
        s.liaison_id,
    )
    .await;

    let period = format!("from={YEAR}-01-01&to={YEAR}-12-31");
    let in_year = |d: NaiveDate| d.year() == YEAR;

    // The overview of the district.
    let overview = json_of(
        app.get(&format!("/api/v1/stats/overview?{period}"), Some(admin))
            .await,
    )
    .await;
    let whole = expect(&world, today, &in_year, None, None, None);
    assert!(
        whole.assigned > 50 && whole.handled > 50,
        "a meaningful year"
    );
    check(&overview["figures"], &whole, true, true, "overview");
    assert_eq!(overview["calendar_guessed_years"], json!([YEAR]));

    // Per station, per unit, per category.
    let rows = json_of(
        app.get(&format!("/api/v1/stats/stations?{period}"), Some(admin))
            .await,
    )
    .await;
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(stations.len()));
    for (i, (id, _)) in stations.iter().enumerate() {
        let row = rows["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == json!(id))
            .expect("station row");
        let e = expect(&world, today, &in_year, Some(i), None, None);
        check(&row["figures"], &e, true, true, &format!("station {i}"));
    }
    let rows = json_of(
        app.get(
            &format!("/api/v1/stats/units?{period}&sort=-reply_rate"),
            Some(admin),
        )
        .await,
    )
    .await;
    let listed = rows["rows"].as_array().expect("rows");
    assert_eq!(listed.len(), units.len());
    let rates: Vec<f64> = listed
        .iter()
        .filter_map(|r| r["figures"]["cases"]["reply_rate"].as_f64())
        .collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    for (i, id) in units.iter().enumerate() {
        let row = listed
            .iter()
            .find(|r| r["id"] == json!(id))
            .expect("unit row");
        let e = expect(&world, today, &in_year, None, Some(i), None);
        check(&row["figures"], &e, false, false, &format!("unit {i}"));
    }
    let rows = json_of(
        app.get(&format!("/api/v1/stats/categories?{period}"), Some(admin))
            .await,
    )
    .await;
    for (i, id) in categories.iter().enumerate() {
        let row = rows["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == json!(id))
            .expect("category row");
        let e = expect(&world, today, &in_year, None, None, Some(i));
        check(&row["figures"], &e, true, false, &format!("category {i}"));
    }

    // The trend, month by month.
    let trend = json_of(
        app.get(
            &format!("/api/v1/stats/trend?{period}&interval=month"),
            Some(admin),
        )
        .await,
    )
    .await;
    let points = trend["points"].as_array().expect("points");
    assert_eq!(points.len(), 12);
    for (m, point) in points.iter().enumerate() {
        let month = u32::try_from(m + 1).expect("month");
        assert_eq!(point["from"], json!(day(YEAR, month, 1)));
        let in_month = |d: NaiveDate| d.year() == YEAR && d.month() == month;
        let e = expect(&world, today, &in_month, None, None, None);
        check(&point["figures"], &e, true, true, &format!("month {month}"));
    }

    // Station staff see their station only, whatever they ask.
    let mine = json_of(
        app.get(
            &format!("/api/v1/stats/overview?{period}"),
            Some(&s.liaison.access),
        )
        .await,
    )
    .await;
    let e = expect(&world, today, &in_year, Some(0), None, None);
    check(&mine["figures"], &e, true, true, "the liaison's station");
    let rows = json_of(
        app.get(
            &format!("/api/v1/stats/stations?{period}"),
            Some(&s.liaison.access),
        )
        .await,
    )
    .await;
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(1));

    // A region filter: the town holds stations 0 and 1.
    let town = json_of(
        app.get(
            &format!("/api/v1/stats/overview?{period}&region_id={}", s.town),
            Some(admin),
        )
        .await,
    )
    .await;
    let e0 = expect(&world, today, &in_year, Some(0), None, None);
    let e1 = expect(&world, today, &in_year, Some(1), None, None);
    assert_eq!(
        town["figures"]["cases"]["assigned"],
        json!(e0.assigned + e1.assigned)
    );
    assert_eq!(
        town["figures"]["receptions"]["sessions_held"],
        json!(e0.held + e1.held)
    );

    // The town's units: its own office, and the district bureau, which lies outside the town
    // but leads some of its cases, with exactly those cases.
    let rows = json_of(
        app.get(
            &format!("/api/v1/stats/units?{period}&region_id={}", s.town),
            Some(admin),
        )
        .await,
    )
    .await;
    let listed = rows["rows"].as_array().expect("rows");
    assert_eq!(listed.len(), 2, "{rows}");
    for (i, id) in units.iter().enumerate() {
        let row = listed
            .iter()
            .find(|r| r["id"] == json!(id))
            .expect("unit row");
        let in_town = expect(&world, today, &in_year, Some(0), Some(i), None).assigned
            + expect(&world, today, &in_year, Some(1), Some(i), None).assigned;
        assert_eq!(
            row["figures"]["cases"]["assigned"],
            json!(in_town),
            "unit {i}"
        );
    }

    check_exports(&app, &s, &world, today, &units).await;
}

/// The figures as the overview export lists them, one per row, rebuilt into the JSON's shape.
fn figures_of(export: &Export) -> Value {
    let (path, value) = (export.column("figure"), export.column("value"));
    let mut figures = json!({});
    for row in export.data() {
        let keys: Vec<&str> = row[path].split('.').collect();
        let raw = &row[value];
        let parsed = if raw.is_empty() {
            Value::Null
        } else if keys
            .last()
            .is_some_and(|k| k.ends_with("rate") || k.contains("_rate_"))
        {
            json!(raw.parse::<f64>().expect("a rate"))
        } else {
            json!(raw.parse::<u64>().expect("a count"))
        };
        let mut at = &mut figures;
        for key in &keys[..keys.len() - 1] {
            at = at
                .as_object_mut()
                .expect("an object")
                .entry(*key)
                .or_insert_with(|| json!({}));
        }
        at[*keys.last().expect("a key")] = parsed;
    }
    // Channels with none are left out of both; an empty map has no rows.
    if figures["received"]["by_channel"].is_null() {
        figures["received"]["by_channel"] = json!({});
    }
    figures
}

/// The generated year through the exports: the overview's figures as CSV and as a workbook,
/// the submissions and cases row by row, for the district and for the liaison's station.
async fn check_exports(
    app: &TestApp,
    s: &Scheduling,
    world: &World,
    today: NaiveDate,
    units: &[Uuid],
) {
    let admin = &s.admin.access;
    let period = format!("from={YEAR}-01-01&to={YEAR}-12-31");
    let in_year = |d: NaiveDate| d.year() == YEAR;
    let whole = expect(world, today, &in_year, None, None, None);
    for format in ["csv", "xlsx"] {
        let path = format!("/api/v1/exports/overview.{format}?{period}");
        let export = app.export(&path, admin).await;
        assert_eq!(export.rows[0], ["figure", "label", "value"]);
        check(&figures_of(&export), &whole, true, true, &path);
    }

    // Every submission received in the year, once, with its channel.
    let path = format!("/api/v1/exports/submissions.csv?{period}");
    let subs = app.csv_export(&path, admin).await;
    let total: u64 = whole.received.values().sum();
    assert_eq!(subs.data().len() as u64, total);
    let (tracking, channel) = (subs.column("tracking_no"), subs.column("channel"));
    let mut by_channel: BTreeMap<&str, u64> = BTreeMap::new();
    let mut seen = HashSet::new();
    for row in subs.data() {
        assert!(
            seen.insert(row[tracking].clone()),
            "{} twice",
            row[tracking]
        );
        let i: usize = row[tracking][5..].parse().expect("generated number");
        let g = &world.subs[i];
        assert!(in_year(local(g.created)));
        assert_eq!(row[channel], channel_name(g.channel));
        *by_channel.entry(channel_name(g.channel)).or_default() += 1;
    }
    assert_eq!(by_channel, whole.received);
    let received_at: Vec<&String> = subs
        .data()
        .iter()
        .map(|r| &r[subs.column("received_at")])
        .collect();
    assert!(received_at.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let book = app
        .xlsx_export(&format!("/api/v1/exports/submissions.xlsx?{period}"), admin)
        .await;
    assert_eq!(book.rows, subs.rows, "the workbook holds the same rows");

    // Every case created in the year, with its lead unit and its results.
    let cases = app
        .csv_export(&format!("/api/v1/exports/suggestions.csv?{period}"), admin)
        .await;
    let created = |c: &GenCase| c.assigned.unwrap_or_else(Utc::now) - Duration::days(1);
    let want: Vec<(usize, &GenCase)> = world
        .cases
        .iter()
        .enumerate()
        .filter(|(_, c)| in_year(local(created(c))))
        .collect();
    assert_eq!(cases.data().len(), want.len());
    let unit_names = ["区住建局", "东街道办事处"];
    let col = |h: &str| cases.column(h);
    for (i, c) in want {
        let row = cases
            .data()
            .iter()
            .find(|r| r[col("title")] == format!("案件{i}"))
            .unwrap_or_else(|| panic!("case {i}"));
        assert_eq!(row[col("status")], c.status, "case {i}");
        assert_eq!(
            row[col("lead_unit")],
            c.unit.map_or("", |u| unit_names[u]),
            "case {i}"
        );
        assert_eq!(row[col("reply_category")], c.reply_category.unwrap_or(""));
        assert_eq!(row[col("rating")], c.rating.unwrap_or(""));
        assert_eq!(row[col("first_rating")], c.first_rating.unwrap_or(""));
        let assigned = c.assigned.map(|a| {
            a.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        });
        assert_eq!(row[col("assigned_at")], assigned.unwrap_or_default());
    }
    assert_eq!(units.len(), unit_names.len());

    // The liaison's export holds their station's rows only.
    let mine = app.csv_export(&path, &s.liaison.access).await;
    let e = expect(world, today, &in_year, Some(0), None, None);
    assert_eq!(mine.data().len() as u64, e.received.values().sum::<u64>());
}

#[allow(clippy::too_many_arguments)]
async fn insert_world(
    app: &TestApp,
    w: &World,
    stations: &[(Uuid, Uuid)],
    units: &[Uuid],
    categories: &[Uuid],
    deputies: &[Uuid],
    voters: &[Uuid],
    liaison: Uuid,
) {
    let db = app.db().writer();
    let mut case_ids = Vec::new();
    let mut case_rows = Vec::new();
    for (i, c) in w.cases.iter().enumerate() {
        let id = Uuid::now_v7();
        case_ids.push(id);
        let (station, region) = stations[c.station];
        let created = c.assigned.unwrap_or_else(Utc::now) - Duration::days(1);
        case_rows.push(suggestion::Model {
            id,
            status: stored(c.status),
            lead_unit_id: c.unit.map(|u| units[u]),
            deadline: c.deadline,
            reply_category: c.reply_category.map(stored),
            reply_text: c.reply_category.map(|_| "答复".into()),
            replied_at: c.first_reply,
            rating: c.rating.map(stored),
            rated_at: c.rating.map(|_| c.first_reply.unwrap_or(created)),
            closed_at: c.closed,
            assigned_at: c.assigned,
            first_replied_at: c.first_reply,
            first_rating: c.first_rating.map(stored),
            ..suggestion_row(
                format!("案件{i}"),
                categories[c.category],
                region,
                Some(station),
                created,
            )
        });
    }
    suggestion::Entity::insert_many(
        case_rows
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec(db)
    .await
    .expect("cases");
    let mut sub_rows = Vec::new();
    let mut sources = Vec::new();
    for (i, s) in w.subs.iter().enumerate() {
        let id = Uuid::now_v7();
        let (station, region) = match s.station {
            Some(st) => (Some(stations[st].0), stations[st].1),
            None => (None, stations[0].1),
        };
        let status = match (s.responded, s.resolved, s.case) {
            (None, _, _) => SubmissionStatus::Received,
            (_, Some(_), _) => SubmissionStatus::Answered,
            (_, _, Some(_)) => SubmissionStatus::Converted,
            _ => SubmissionStatus::InReview,
        };
        if let Some(c) = s.case {
            sources.push(suggestion_source::Model {
                submission_id: id,
                suggestion_id: case_ids[c],
                linked_at: s.responded.unwrap_or(s.created),
            });
        }
        sub_rows.push(submission::Model {
            id,
            channel: s.channel,
            status,
            title: format!("意见{i}"),
            result_note: s.resolved.map(|_| "已答复".into()),
            resolved_at: s.resolved,
            responded_at: s.responded,
            ..submission_row(
                format!("T{YEAR}{i:06}"),
                categories[s.category],
                region,
                station,
                s.created,
            )
        });
    }
    submission::Entity::insert_many(sub_rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec(db)
        .await
        .expect("submissions");
    suggestion_source::Entity::insert_many(
        sources.into_iter().map(IntoActiveModel::into_active_model),
    )
    .exec(db)
    .await
    .expect("sources");

    for g in &w.sessions {
        let session = reception::Model {
            seats_taken: i32::try_from(g.bookings).expect("small"),
            ..reception_row(stations[g.station].0, g.day, g.cancelled)
        };
        let (id, starts) = (session.id, session.starts_at);
        reception::Entity::insert(session.into_active_model())
            .exec(db)
            .await
            .expect("session");
        for (i, attended) in g.duties.iter().enumerate() {
            // Attended either by a sign-in or by the staff's record; missed either way too.
            let (checked_in, attendance) = match (attended, i % 2) {
                (true, 0) => (Some(starts), None),
                (true, _) => (None, Some(Attendance::Present)),
                (false, 0) => (None, None),
                (false, _) => (Some(starts), Some(Attendance::Absent)),
            };
            reception_duty::Entity::insert(
                reception_duty::Model {
                    reception_id: id,
                    deputy_id: deputies[i],
                    assigned_at: starts - Duration::days(10),
                    checked_in_at: checked_in,
                    attendance,
                    attendance_reason: None,
                    attendance_by: None,
                    attendance_excused: false,
                }
                .into_active_model(),
            )
            .exec(db)
            .await
            .expect("duty");
        }
        if let Some(visitors) = g.visitors {
            reception_record::Entity::insert(
                reception_record::Model {
                    id: Uuid::now_v7(),
                    reception_id: id,
                    visitor_count: i32::try_from(visitors).expect("small"),
                    feedback: None,
                    created_by: liaison,
                    created_at: starts + Duration::hours(3),
                }
                .into_active_model(),
            )
            .exec(db)
            .await
            .expect("record");
        }
        // The standing bookings, and a cancelled one that must not count.
        let mut booked: HashSet<usize> = HashSet::new();
        for (v, voter) in voters.iter().enumerate() {
            let standing = (v as u64) < g.bookings;
            if standing {
                booked.insert(v);
            }
            appointment::Entity::insert(
                appointment::Model {
                    id: Uuid::now_v7(),
                    reception_id: id,
                    voter_id: *voter,
                    topic: "咨询".into(),
                    phone: None,
                    status: if standing {
                        AppointmentStatus::Booked
                    } else {
                        AppointmentStatus::Cancelled
                    },
                    active: standing.then_some(1),
                    created_at: starts - Duration::days(2),
                    cancelled_at: (!standing).then_some(starts - Duration::days(1)),
                    cancel_reason: None,
                }
                .into_active_model(),
            )
            .exec(db)
            .await
            .expect("appointment");
        }
        assert_eq!(booked.len() as u64, g.bookings);
    }
}
