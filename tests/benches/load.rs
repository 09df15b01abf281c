//! Load benchmark of the service as a whole (issue 9): a district of `LOAD_STATIONS` stations
//! (300) and `LOAD_DEPUTIES` stationed deputies (3,000), `LOAD_VOTERS` voters (10,000) with
//! `LOAD_SUBMISSIONS` submissions (100,000) and their events, `LOAD_CASES` of them (30,000)
//! converted into station cases waiting to be assigned, then a mixed load of `LOAD_RPS` requests
//! per second (1,000) for `LOAD_SECS` seconds (30) from [oha](https://github.com/hatoo/oha), one
//! process per request class, all at once:
//!
//! | class | share | request |
//! |---|---|---|
//! | station list | 12 % | `GET /stations?limit=20` (first page, by region, by kind), anonymous |
//! | station page | 12 % | `GET /stations/{id}` (with its deputies), anonymous, random station |
//! | deputy list | 8 % | `GET /deputies?station_id=…`, anonymous, random station |
//! | deputy profile | 13 % | `GET /deputies/{id}`, anonymous, random deputy |
//! | status poll | 40 % | `GET /submissions/{id}/status` with `If-None-Match` (a voter's own; 304) |
//! | submission | 5 % | `POST /submissions` by a voter, random station and category |
//! | staff inbox | 8 % | `GET /submissions?limit=20` (all, `status=received`) by station staff |
//! | transition | 2 % | `POST /suggestions/{id}/transitions` `assign` by the district admin |
//!
//! It prints per class the requests, the throughput, p50/p99/p99.9 latency as oha saw it, the
//! mean time the service itself counted (`http_request_duration_seconds`: the difference is
//! waiting outside the handlers, in the listener's queue or the client), the answers that were
//! not the expected ones, and the SQL statements per request (the service's own
//! `http_request_db_statements` histogram); then where the machine's CPU went during the load
//! (the service, oha, PostgreSQL, anyone else: the machines are shared), and the serving
//! process's resident memory when idle (after start-up, before any request) and at its peak.
//!
//! ```sh
//! bench/load/run.sh                                          # installs oha if needed, then:
//! cargo bench -p tests --bench load                          # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p tests --bench load
//! LOAD_SUBMISSIONS=10000 LOAD_SECS=10 cargo bench -p tests --bench load   # quicker
//! LOAD_ONLY=submit,transition cargo bench -p tests --bench load   # some classes, at their share
//! ```
//!
//! The rows are written straight into the database (the stations and deputies through the CSV
//! imports, the rest through the entities), because the API would take an hour. The measured
//! server is a separate process, this same program started again in serving mode on the seeded
//! database, so that its memory (`VmRSS`, `VmHWM` from `/proc`) is the service's alone, and the
//! seeding process's own server and background jobs are stopped before the load starts.
//!
//! Latencies are oha's with `--latency-correction`: measured from when a request was due at the
//! fixed rate, not from when a free connection sent it, so a stall shows in the percentiles
//! instead of silently lowering the rate. oha's inputs (URL lists, bodies) and its JSON results
//! are kept in `target/tmp/load/`, and the oha command lines are printed, so that the same load
//! can be pointed at another server on the same data.
//!
//! Two things oha cannot do shape the classes. It sends one set of headers per process: the
//! polling voter's submissions all carry one representation (same status, version and time), so
//! one `If-None-Match` fits every one of them. And it draws each URL at random, with
//! replacement, while a transition happens once per case: the transitions go to a pool of
//! `LOAD_CASES` accepted cases, and a draw of a case already assigned earlier in the run is a
//! 422 `invalid_transition`, counted as a repeat (expected about R²/2N of R requests), not an
//! error. After the run the database must hold exactly as many newly assigned cases as there
//! were 200s, and as many new submissions as 201s.
//!
//! The service runs with its production settings except for the submission throttles (ten per
//! voter an hour, thirty per address a minute): every request comes from 127.0.0.1 and every
//! submission from one voter, so they would answer 429 within a second. Widened, they are
//! still consulted on every submission.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::Duration;
use entity::submission::{SubmissionChannel, SubmissionStatus};
use entity::{category, submission, submission_event, suggestion, suggestion_event};
use entity::{suggestion_source, user, voter_account};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, TransactionTrait};
use serde_json::{Value, json};
use tests::*;
use uuid::Uuid;

// Each bench uses a part of the shared helpers.
#[allow(dead_code)]
mod common;
use common::{env_or, memory, start_server};

const BATCH: usize = 500;
/// Submissions of the polling voter; oha picks one at random for each poll.
const POLLED: usize = 50;
/// Handling units the transitions assign cases to.
const UNITS: usize = 10;

/// Serving mode: the service on the seeded database, with the tests' token secret so that the
/// seeding process's sessions are good here too. Prints its port, then serves until killed.
async fn serve(database_url: String, data_dir: String) {
    api::notify::sms::ensure_crypto_provider();
    if std::env::var("LOAD_LOG").is_ok() {
        // With `RUST_LOG=sqlx=debug`: every statement, its time and the rows it returned.
        api::telemetry::init(api::config::LogFormat::Pretty);
    }
    let mut settings = api::config::Settings::with_data_dir(data_dir);
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.database_url = database_url;
    settings.jwt_secret = Some(api::config::Secret::new(JWT_SECRET.to_vec()));
    let wide = api::config::ThrottleSettings {
        burst: std::num::NonZeroU32::new(1_000_000).expect("non-zero"),
        period: std::time::Duration::from_millis(1),
    };
    settings.submit_per_voter = wide;
    settings.submit_per_ip = wide;
    let app = api::startup::Application::build(settings)
        .await
        .expect("the service starts");
    println!("port {}", app.port());
    app.run_until_stopped().await.expect("serves");
}

/// CPU seconds of process `pid` from `/proc/<pid>/stat`: its own (user + system) and that of its
/// children it has waited for.
fn cpu_of(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces), from the third on.
    let fields: Vec<f64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|f| f.parse().unwrap_or(0.0))
                .collect()
        })
        .unwrap_or_default();
    let at = |i: usize| fields.get(i).copied().unwrap_or(f64::NAN) / USER_HZ;
    (at(11) + at(12), at(13) + at(14))
}

/// Clock ticks of `/proc` times: fixed at 100 in Linux's ABI, whatever the kernel's HZ.
const USER_HZ: f64 = 100.0;

/// CPU seconds of every process named `name` (`postgres`: the database server, when it runs on
/// this machine), from `/proc`.
fn processes_cpu(name: &str) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .map(|e| cpu_of(&e.file_name().to_string_lossy()).0)
        .filter(|s| s.is_finite())
        .sum()
}

/// `(busy, all)` CPU seconds of the whole machine since boot, from `/proc/stat`.
fn machine_cpu() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("cpu "))
        .map(|l| {
            l.split_whitespace()
                .map(|f| f.parse().unwrap_or(0.0))
                .collect()
        })
        .unwrap_or_default();
    let all: f64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
    ((all - idle) / USER_HZ, all / USER_HZ)
}

/// What the seeded world looks like, for the requests.
struct World {
    town: Uuid,
    /// `(station, its region)`.
    stations: Vec<(Uuid, Uuid)>,
    deputies: Vec<Uuid>,
    units: Vec<Uuid>,
    /// `(id, code)` of the categories every district has.
    categories: Vec<(Uuid, String)>,
    voters: Vec<Uuid>,
}

/// `POST /api/v1/imports/{what}` of `csv`; the ids of its rows, in file order.
async fn import(app: &TestApp, token: &str, what: &str, csv: String) -> Vec<Uuid> {
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/imports/{what}"),
            Some(token),
        )
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "import {what}: {body}");
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().and_then(|id| id.parse().ok()).expect("id"))
        .collect()
}

/// The district through the API: the stations and deputies through the CSV imports (one
/// request per 2,000 rows instead of two per deputy), each deputy stationed at one station and
/// one in five at a second; the units; the categories.
async fn build_world(app: &TestApp, s: &Scheduling, stations: usize, deputies: usize) -> World {
    let mut names = vec!["东街道中心联络站".to_owned()];
    let mut regions = vec![s.town];
    let mut csv = String::from("region,kind,name,address,latitude,longitude,opening_hours,phone\n");
    let mut rng = StdRng::seed_from_u64(1);
    for i in 1..stations {
        let region = if i % 2 == 0 { s.town } else { s.district };
        let name = format!("联络站{i:03}");
        csv.push_str(&format!(
            "{region},community,{name},{name}路{i}号,{:.5},{:.5},1-5 09:00-17:00; 6 09:00-12:00,0571-8765{:04}\n",
            30.27 + rng.random_range(-0.15..0.15),
            120.15 + rng.random_range(-0.15..0.15),
            i % 10_000,
        ));
        names.push(name);
        regions.push(region);
    }
    let mut ids = vec![s.station.parse().expect("uuid")];
    if stations > 1 {
        ids.extend(import(app, &s.admin.access, "stations", csv).await);
    }
    let stations: Vec<(Uuid, Uuid)> = ids.into_iter().zip(regions).collect();

    let mut deputy_ids = Vec::with_capacity(deputies);
    let header = "region,name,gender,level,constituency,term_start,term_end,occupation,phone,phone_public,stations\n";
    let mut csv = String::from(header);
    for i in 0..deputies {
        let mut at = names[i % names.len()].clone();
        let second = (i * 7 + 3) % names.len();
        if i % 5 == 0 && names[second] != at {
            at = format!("{at};{}", names[second]);
        }
        csv.push_str(&format!(
            "{},代表{i:05},{},county,第{}选区,2026-01-01,2030-12-31,社区工作者,139{i:08},{},{at}\n",
            s.district,
            if i % 2 == 0 { "female" } else { "male" },
            i % 60,
            if i % 3 == 0 { "是" } else { "否" },
        ));
        if (i + 1) % 2_000 == 0 || i + 1 == deputies {
            let file = std::mem::replace(&mut csv, String::from(header));
            deputy_ids.extend(import(app, &s.admin.access, "deputies", file).await);
        }
    }

    let mut units = Vec::new();
    for i in 0..UNITS {
        let id = app
            .create_unit(&s.admin.access, s.district, &format!("单位{i}"))
            .await;
        units.push(id.parse().expect("uuid"));
    }
    let categories = category::Entity::find()
        .all(app.db().reader())
        .await
        .expect("categories")
        .into_iter()
        .filter(|c| c.active && c.region_id.is_none())
        .map(|c| (c.id, c.code))
        .collect();
    World {
        town: s.town,
        stations,
        deputies: deputy_ids,
        units,
        categories,
        voters: Vec::new(),
    }
}

/// Voters as the first WeChat sign-in creates them: a user row and its account.
async fn seed_voters(app: &TestApp, n: usize) -> Vec<Uuid> {
    let db = app.db().writer();
    let now = api::clock::now();
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let k = BATCH.min(n - ids.len());
        let (mut users, mut accounts) = (Vec::with_capacity(k), Vec::with_capacity(k));
        for _ in 0..k {
            let id = Uuid::now_v7();
            let username = format!("wx-{}", id.simple());
            users.push(user::Model {
                id,
                username: username.clone(),
                username_key: username,
                display_name: "微信用户".into(),
                password_hash: None,
                role: user::Role::Voter,
                region_id: None,
                disabled: false,
                created_at: now,
                updated_at: now,
                last_login_at: None,
            });
            accounts.push(voter_account::Model {
                user_id: id,
                openid: format!("load-{}", id.simple()),
                unionid: None,
                phone: None,
                phone_verified_at: None,
                created_at: now,
            });
            ids.push(id);
        }
        let txn = db.begin().await.expect("begin");
        user::Entity::insert_many(users.into_iter().map(IntoActiveModel::into_active_model))
            .exec(&txn)
            .await
            .expect("users");
        voter_account::Entity::insert_many(
            accounts.into_iter().map(IntoActiveModel::into_active_model),
        )
        .exec(&txn)
        .await
        .expect("accounts");
        txn.commit().await.expect("commit");
    }
    ids
}

/// Rows of one batch of seeded submissions.
#[derive(Default)]
struct Rows {
    submissions: Vec<submission::Model>,
    events: Vec<submission_event::Model>,
    cases: Vec<suggestion::Model>,
    case_events: Vec<suggestion_event::Model>,
    sources: Vec<suggestion_source::Model>,
}

impl Rows {
    async fn insert(self, db: &sea_orm::DatabaseConnection) {
        let txn = db.begin().await.expect("begin");
        submission::Entity::insert_many(
            self.submissions
                .into_iter()
                .map(IntoActiveModel::into_active_model),
        )
        .exec(&txn)
        .await
        .expect("submissions");
        for chunk in self.events.chunks(BATCH) {
            submission_event::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("events");
        }
        if !self.cases.is_empty() {
            suggestion::Entity::insert_many(
                self.cases
                    .into_iter()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("cases");
            for chunk in self.case_events.chunks(BATCH) {
                suggestion_event::Entity::insert_many(
                    chunk
                        .iter()
                        .cloned()
                        .map(IntoActiveModel::into_active_model),
                )
                .exec(&txn)
                .await
                .expect("case events");
            }
            suggestion_source::Entity::insert_many(
                self.sources
                    .into_iter()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("sources");
        }
        txn.commit().await.expect("commit");
    }
}

fn submission_event(
    submission_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    kind: &str,
    status: SubmissionStatus,
) -> submission_event::Model {
    submission_event::Model {
        id: Uuid::now_v7(),
        submission_id,
        at,
        kind: kind.into(),
        status,
        public_note: None,
        actor_id: None,
        details: json!({}),
    }
}

fn case_event(
    suggestion_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    action: &str,
    from: Option<&str>,
    note: Option<String>,
    details: Value,
) -> suggestion_event::Model {
    suggestion_event::Model {
        id: Uuid::now_v7(),
        suggestion_id,
        at,
        action: action.into(),
        from_status: from.map(tests::stored),
        to_status: suggestion::State::Accepted,
        actor_id: None,
        actor_role: Some("staff".into()),
        note,
        details,
    }
}

/// A year of voters' submissions from the mini-program, with their events. A share of
/// `cases / n` was converted into station cases that wait in `accepted` for a unit: the pool
/// the transitions draw from. Returns the ids of those cases.
async fn seed_submissions(
    app: &TestApp,
    w: &World,
    n: usize,
    cases: usize,
    rng: &mut StdRng,
) -> Vec<Uuid> {
    use SubmissionStatus::*;
    let db = app.db().writer();
    let now = api::clock::now();
    let convert = cases as f64 / n.max(1) as f64;
    let mut pool = Vec::with_capacity(cases);
    let mut done = 0;
    while done < n {
        let mut rows = Rows::default();
        for _ in 0..BATCH.min(n - done) {
            let (station, region) = w.stations[rng.random_range(0..w.stations.len())];
            let (category, _) = &w.categories[rng.random_range(0..w.categories.len())];
            let created = now - Duration::minutes(rng.random_range(60..525_600));
            let handled = (created + Duration::minutes(rng.random_range(10..20_000))).min(now);
            let (status, step) = if pool.len() < cases && rng.random_bool(convert.min(1.0)) {
                (Converted, Some("convert"))
            } else {
                match rng.random_range(0..100) {
                    0..40 => (Received, None),
                    40..55 => (InReview, Some("review")),
                    55..75 => (Answered, Some("answer")),
                    75..80 => (Referred, Some("refer")),
                    80..85 => (Declined, Some("decline")),
                    _ => (Closed, Some("close")),
                }
            };
            let tracking_no = format!("B{done:07}");
            let row = submission::Model {
                channel: if rng.random_bool(0.7) {
                    SubmissionChannel::Miniapp
                } else {
                    SubmissionChannel::Qr
                },
                status,
                title: format!("关于联络站附近第{done}号路灯的意见"),
                content: "小区路灯坏了两周，晚上出行不便，请尽快修复。".into(),
                voter_id: Some(w.voters[rng.random_range(0..w.voters.len())]),
                anonymous: false,
                consent_personal_info: true,
                consent_public: rng.random_bool(0.5),
                responded_at: matches!(status, Answered | Referred | Declined | Closed)
                    .then_some(handled),
                resolved_at: matches!(status, Answered | Closed).then_some(handled),
                closed_at: (status == Closed).then_some(handled),
                version: if step.is_some() { 2 } else { 1 },
                updated_at: if step.is_some() { handled } else { created },
                ..submission_row(
                    tracking_no.clone(),
                    *category,
                    region,
                    Some(station),
                    created,
                )
            };
            rows.events
                .push(submission_event(row.id, created, "received", Received));
            if let Some(step) = step {
                rows.events
                    .push(submission_event(row.id, handled, step, status));
            }
            if status == Converted {
                let case = suggestion::Model {
                    content: row.content.clone(),
                    ..suggestion_row(row.title.clone(), *category, region, Some(station), handled)
                };
                rows.case_events.push(case_event(
                    case.id,
                    handled,
                    "create",
                    None,
                    None,
                    json!({}),
                ));
                rows.case_events.push(case_event(
                    case.id,
                    handled,
                    "convert",
                    Some("accepted"),
                    Some(tracking_no),
                    json!({"submission_id": row.id}),
                ));
                rows.sources.push(suggestion_source::Model {
                    submission_id: row.id,
                    suggestion_id: case.id,
                    linked_at: handled,
                });
                pool.push(case.id);
                rows.cases.push(case);
            }
            rows.submissions.push(row);
            done += 1;
        }
        rows.insert(db).await;
    }
    pool
}

/// The polling voter's submissions: received at one instant and untouched since, so that
/// every one has the same status body and hence the same ETag (oha sends one set of headers).
async fn seed_polled(app: &TestApp, w: &World, voter: Uuid) -> Vec<Uuid> {
    let at = api::clock::now() - Duration::days(1);
    let mut rows = Rows::default();
    for i in 0..POLLED {
        let (station, region) = w.stations[i % w.stations.len()];
        let row = submission::Model {
            channel: SubmissionChannel::Miniapp,
            voter_id: Some(voter),
            anonymous: false,
            title: format!("关于第{i}号楼电梯的意见"),
            ..submission_row(
                format!("P{i:07}"),
                w.categories[0].0,
                region,
                Some(station),
                at,
            )
        };
        rows.events.push(submission_event(
            row.id,
            at,
            "received",
            SubmissionStatus::Received,
        ));
        rows.submissions.push(row);
    }
    let ids = rows.submissions.iter().map(|s| s.id).collect();
    rows.insert(app.db().writer()).await;
    ids
}

/// One request class: one oha process sending `urls` (one drawn at random per request) at
/// `rate` per second.
struct Class {
    name: &'static str,
    /// File names under the work directory.
    slug: &'static str,
    method: &'static str,
    rate: f64,
    token: Option<String>,
    urls: Vec<String>,
    /// JSON bodies, one drawn at random per request; empty for GETs.
    bodies: Vec<String>,
    /// The `If-None-Match` to send, once the probe has read the ETag.
    if_none_match: Option<String>,
    /// The answers that are not errors.
    ok: &'static [u16],
    /// An answer counted apart, neither success nor error (a transition's repeat).
    repeat: Option<u16>,
}

/// What the service counted for one route: requests, SQL statements and seconds, summed.
#[derive(Clone, Copy, Default)]
struct Counted {
    requests: f64,
    statements: f64,
    seconds: f64,
}

/// [`Counted`] by `method route`, from the service's `/metrics`: the `_count` and `_sum` of its
/// `http_request_db_statements` histogram and the `_sum` of `http_request_duration_seconds`.
async fn counted(client: &reqwest::Client, base: &str) -> BTreeMap<String, Counted> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let mut out: BTreeMap<String, Counted> = BTreeMap::new();
    for line in text.lines() {
        let Some((series, rest)) = line.split_once('{') else {
            continue;
        };
        let Some((labels, value)) = rest.split_once("} ") else {
            continue;
        };
        let label = |name: &str| {
            labels
                .split(',')
                .find_map(|l| l.strip_prefix(&format!("{name}=\"")))
                .map(|v| v.trim_end_matches('"').to_owned())
                .unwrap_or_default()
        };
        let key = format!("{} {}", label("method"), label("route"));
        let value: f64 = value.trim().parse().unwrap_or(f64::NAN);
        match series {
            "http_request_db_statements_count" => out.entry(key).or_default().requests = value,
            "http_request_db_statements_sum" => out.entry(key).or_default().statements = value,
            "http_request_duration_seconds_sum" => out.entry(key).or_default().seconds = value,
            _ => {}
        }
    }
    out
}

/// Sends `url` as a request of `class` (its method, token, first body, `If-None-Match`).
async fn send(client: &reqwest::Client, class: &Class, url: &str) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(class.method.as_bytes()).expect("method");
    let mut request = client.request(method, url);
    if let Some(token) = &class.token {
        request = request.bearer_auth(token);
    }
    if let Some(tag) = &class.if_none_match {
        request = request.header("if-none-match", tag);
    }
    if let Some(body) = class.bodies.first() {
        request = request
            .header("content-type", "application/json")
            .body(body.clone());
    }
    request.send().await.expect("sent")
}

/// One request of `class` before the load: it must get an expected answer (a wrong status here
/// is a bug, not a load effect). Returns the route it was counted under in `/metrics`.
async fn probe(client: &reqwest::Client, base: &str, class: &mut Class) -> String {
    if class.slug == "status" {
        // The ETag a poller has from its last read; every polled submission must share it.
        let mut tag = None;
        for url in &class.urls {
            let response = send(client, class, url).await;
            assert_eq!(response.status(), 200, "{url}");
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .expect("the status poll has an ETag")
                .to_owned();
            assert!(
                tag.as_ref().is_none_or(|t| *t == etag),
                "the polled submissions differ"
            );
            tag = Some(etag);
        }
        class.if_none_match = tag;
    }
    let before = counted(client, base).await;
    let url = if class.slug == "transition" {
        // A transition happens once: the probe takes its case out of oha's pool.
        class.urls.remove(0)
    } else {
        class.urls[0].clone()
    };
    let response = send(client, class, &url).await;
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert!(
        class.ok.contains(&status),
        "probe {} {url}: {status} {body}",
        class.name
    );
    let after = counted(client, base).await;
    let mut routes = after
        .iter()
        .filter(|(k, c)| {
            !k.contains("/metrics") && c.requests > before.get(*k).map_or(0.0, |b| b.requests)
        })
        .map(|(k, _)| k.clone());
    let route = routes.next().expect("the probe was counted");
    assert!(routes.next().is_none(), "one route per class");
    route
}

/// oha's command line for `class`, its inputs written to `dir`.
fn oha_command(class: &Class, dir: &Path, secs: u64) -> Command {
    let write = |name: String, lines: &[String]| {
        let path = dir.join(name);
        std::fs::write(&path, lines.join("\n") + "\n").expect("oha input");
        path
    };
    let urls = write(format!("{}.urls", class.slug), &class.urls);
    // Enough connections for a quarter of a second's requests: the service's clients are many
    // independent people, so a slow answer must not hold back the next request as it would on
    // a few shared connections (oha would then count the wait in the client, not the service).
    let connections = ((class.rate / 4.0).ceil() as usize).max(8);
    let mut command = Command::new(std::env::var("LOAD_OHA").unwrap_or_else(|_| "oha".into()));
    command
        .args(["--no-tui", "--output-format", "json", "-o"])
        .arg(dir.join(format!("{}.json", class.slug)))
        .args(["-z", &format!("{secs}s"), "-w", "-t", "10s"])
        .args(["-q", &format!("{:.1}", class.rate), "--latency-correction"])
        .args(["-c", &connections.to_string(), "--worker-threads", "1"])
        .args(["-m", class.method]);
    if let Some(token) = &class.token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    if let Some(tag) = &class.if_none_match {
        command.args(["-H", &format!("If-None-Match: {tag}")]);
    }
    if !class.bodies.is_empty() {
        let bodies = write(format!("{}.bodies", class.slug), &class.bodies);
        command.args(["-T", "application/json", "-Z"]).arg(bodies);
    }
    command.arg("--urls-from-file").arg(urls);
    command
}

/// A command line as a shell would take it (tokens shortened: they are long and secret-ish).
fn shown(command: &Command) -> String {
    let mut out = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        let arg = arg.to_string_lossy();
        let arg = match arg.strip_prefix("Authorization: Bearer ") {
            Some(token) => format!("Authorization: Bearer {}…", &token[..12.min(token.len())]),
            None => arg.into_owned(),
        };
        if arg.contains([' ', '"', ';']) {
            out.push_str(&format!(" '{arg}'"));
        } else {
            out.push(' ');
            out.push_str(&arg);
        }
    }
    out
}

/// What oha measured for one class.
struct Outcome {
    requests: u64,
    per_second: f64,
    /// p50, p99, p99.9 in milliseconds.
    latency: [f64; 3],
    statuses: BTreeMap<u16, u64>,
    /// Connection errors, timeouts: requests without an answer.
    failures: BTreeMap<String, u64>,
}

fn outcome(path: &Path) -> Outcome {
    let text = std::fs::read_to_string(path).expect("oha's result");
    let v: Value = serde_json::from_str(&text).expect("oha's JSON");
    let counts = |key: &str| -> BTreeMap<String, u64> {
        v[key]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let statuses: BTreeMap<u16, u64> = counts("statusCodeDistribution")
        .into_iter()
        .map(|(k, n)| (k.parse().expect("a status"), n))
        .collect();
    let failures = counts("errorDistribution");
    let ms = |p: &str| {
        v["latencyPercentiles"][p]
            .as_f64()
            .map_or(f64::NAN, |s| s * 1000.0)
    };
    Outcome {
        requests: statuses.values().sum::<u64>() + failures.values().sum::<u64>(),
        per_second: v["summary"]["requestsPerSec"].as_f64().unwrap_or(f64::NAN),
        latency: [ms("p50"), ms("p99"), ms("p99.9")],
        statuses,
        failures,
    }
}

#[tokio::main]
async fn main() {
    if let (Ok(url), Ok(dir)) = (std::env::var("LOAD_SERVE"), std::env::var("LOAD_SERVE_DIR")) {
        return serve(url, dir).await;
    }
    let n_stations: usize = env_or("LOAD_STATIONS", 300).max(1);
    let n_deputies: usize = env_or("LOAD_DEPUTIES", 3_000);
    let n_voters: usize = env_or("LOAD_VOTERS", 10_000).max(1);
    let n_subs: usize = env_or("LOAD_SUBMISSIONS", 100_000);
    let n_cases: usize = env_or("LOAD_CASES", n_subs * 3 / 10).min(n_subs);
    let rps: f64 = env_or("LOAD_RPS", 1_000.0);
    let secs: u64 = env_or("LOAD_SECS", 30);
    // The tokens are issued before the seeding; they must outlive it and the run.
    let mut app =
        spawn_app_with(|s| s.access_token_ttl = std::time::Duration::from_secs(86_400)).await;
    let backend = if app.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "lianluo load benchmark on {backend}: {n_stations} stations, {n_deputies} deputies, \
         {n_voters} voters, {n_subs} submissions ({n_cases} converted into cases); \
         {rps} requests/s for {secs} s"
    );
    let started = Instant::now();
    let s = app.scheduling(0).await;
    let mut world = build_world(&app, &s, n_stations, n_deputies).await;
    let poller = app.voter_session("poller").await;
    let submitter = app.voter_session("submitter").await;
    world.voters = seed_voters(&app, n_voters).await;
    let mut rng = StdRng::seed_from_u64(9);
    let pool = seed_submissions(&app, &world, n_subs, n_cases, &mut rng).await;
    let polled = seed_polled(&app, &world, poller.user_id).await;
    // The planner's statistics, as the service keeps them in operation (autovacuum on
    // PostgreSQL, the maintenance job's `PRAGMA optimize` on SQLite).
    if app.is_postgres() {
        app.db()
            .writer()
            .execute_unprepared("ANALYZE")
            .await
            .expect("analyze");
    } else {
        app.db().optimize().await.expect("optimize");
    }
    // The change feed numbers the rows the seeding's triggers recorded; a running service keeps
    // up with it, so the served one must not start with a backlog of 100,000 rows.
    api::changes::sequencer::sequence(app.db())
        .await
        .expect("the change feed");
    println!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    // The seeding process's own server and background jobs would compete with the measured one.
    let db = app.halt().await;

    let server = start_server("LOAD", &app.settings.database_url);
    let pid = server.child.id();
    let base = server.address.clone();
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), 200, "the served process is ready");
    // The resident set split: anonymous memory (heaps, stacks) and pages of mapped files (this
    // program's code, larger than the `lianluo` binary's since it links the test harness).
    let idle = memory(pid, "VmRSS:");
    let idle_split = (memory(pid, "RssAnon:"), memory(pid, "RssFile:"));

    let url = |path: String| format!("{base}{path}");
    let stations = world.stations.iter().map(|(id, _)| *id).collect::<Vec<_>>();
    let share = |p: f64| rps * p;
    let mut classes = vec![
        Class {
            name: "station list",
            slug: "stations",
            method: "GET",
            rate: share(0.12),
            token: None,
            urls: vec![
                url("/api/v1/stations?limit=20".into()),
                url(format!(
                    "/api/v1/stations?region_id={}&limit=20",
                    world.town
                )),
                url("/api/v1/stations?kind=community&limit=20".into()),
            ],
            bodies: Vec::new(),
            if_none_match: None,
            ok: &[200],
            repeat: None,
        },
        Class {
            name: "station page",
            slug: "station",
            method: "GET",
            rate: share(0.12),
            token: None,
            urls: stations
                .iter()
                .map(|id| url(format!("/api/v1/stations/{id}")))
                .collect(),
            bodies: Vec::new(),
            if_none_match: None,
            ok: &[200],
            repeat: None,
        },
        Class {
            name: "deputy list",
            slug: "deputies",
            method: "GET",
            rate: share(0.08),
            token: None,
            urls: stations
                .iter()
                .map(|id| url(format!("/api/v1/deputies?station_id={id}&limit=20")))
                .collect(),
            bodies: Vec::new(),
            if_none_match: None,
            ok: &[200],
            repeat: None,
        },
        Class {
            name: "deputy profile",
            slug: "deputy",
            method: "GET",
            rate: share(0.13),
            token: None,
            urls: world
                .deputies
                .iter()
                .map(|id| url(format!("/api/v1/deputies/{id}")))
                .collect(),
            bodies: Vec::new(),
            if_none_match: None,
            ok: &[200],
            repeat: None,
        },
        Class {
            name: "status poll (ETag)",
            slug: "status",
            method: "GET",
            rate: share(0.40),
            token: Some(poller.access.clone()),
            urls: polled
                .iter()
                .map(|id| url(format!("/api/v1/submissions/{id}/status")))
                .collect(),
            bodies: Vec::new(),
            if_none_match: None,
            // A poll whose submission has not changed is a 304; a 200 is not wrong, only
            // wasted bytes, and the table shows it.
            ok: &[200, 304],
            repeat: None,
        },
        Class {
            name: "submission",
            slug: "submit",
            method: "POST",
            rate: share(0.05),
            token: Some(submitter.access.clone()),
            urls: vec![url("/api/v1/submissions".into())],
            bodies: (0..1_000)
                .map(|i| {
                    let station = stations[rng.random_range(0..stations.len())];
                    let (_, category) =
                        &world.categories[rng.random_range(0..world.categories.len())];
                    json!({
                        "title": format!("关于小区第{i}号楼门前积水的意见"),
                        "content": "一下雨门前就积水，老人孩子出行不便，希望疏通排水管道。",
                        "category": category,
                        "station_id": station,
                    })
                    .to_string()
                })
                .collect(),
            if_none_match: None,
            ok: &[201],
            repeat: None,
        },
        Class {
            name: "staff inbox",
            slug: "inbox",
            method: "GET",
            rate: share(0.08),
            token: Some(s.liaison.access.clone()),
            urls: vec![
                url("/api/v1/submissions?limit=20".into()),
                url("/api/v1/submissions?status=received&limit=20".into()),
            ],
            bodies: Vec::new(),
            if_none_match: None,
            ok: &[200],
            repeat: None,
        },
        Class {
            name: "transition (assign)",
            slug: "transition",
            method: "POST",
            rate: share(0.02),
            token: Some(s.admin.access.clone()),
            urls: pool
                .iter()
                .map(|id| url(format!("/api/v1/suggestions/{id}/transitions")))
                .collect(),
            bodies: world
                .units
                .iter()
                .map(|unit| json!({"action": "assign", "lead_unit_id": unit}).to_string())
                .collect(),
            if_none_match: None,
            ok: &[200],
            repeat: Some(422),
        },
    ];
    // `LOAD_ONLY=status,submit` runs only the classes so named (at their share of `LOAD_RPS`).
    let only = std::env::var("LOAD_ONLY").unwrap_or_default();
    classes.retain(|c| {
        !c.urls.is_empty()
            && c.rate > 0.0
            && (only.is_empty() || only.split(',').any(|o| o.trim() == c.slug))
    });
    let mut routes = Vec::new();
    for class in &mut classes {
        routes.push(probe(&client, &base, class).await);
    }
    let pool_size = classes
        .iter()
        .find(|c| c.slug == "transition")
        .map_or(0, |c| c.urls.len());
    let submissions_before = count_rows(&db, "submissions").await;
    let assigned_before = count_where(&db, "suggestions", "status = 'assigned'").await;

    let dir = PathBuf::from(concat!(env!("CARGO_TARGET_TMPDIR"), "/load"));
    std::fs::create_dir_all(&dir).expect("work directory");
    println!("oha's inputs and results: {}", dir.display());
    let before = counted(&client, &base).await;
    let cpu_before = (
        cpu_of(&pid.to_string()).0,
        cpu_of("self"),
        machine_cpu(),
        processes_cpu("postgres"),
    );
    let mut running = Vec::new();
    for class in &classes {
        let mut command = oha_command(class, &dir, secs);
        println!("  {}", shown(&command));
        let errors = std::fs::File::create(dir.join(format!("{}.stderr", class.slug)))
            .expect("oha's stderr");
        let child = command
            .stdout(Stdio::null())
            .stderr(errors)
            .spawn()
            .expect("oha runs (bench/load/run.sh installs it)");
        running.push(child);
    }
    // The peak comes from the kernel (`VmHWM`); the samples only follow the resident set.
    let mut rss: Vec<(f64, f64)> = Vec::new();
    let load_started = Instant::now();
    while running
        .iter_mut()
        .any(|c| c.try_wait().ok().flatten().is_none())
    {
        rss.push((memory(pid, "VmRSS:"), memory(pid, "RssAnon:")));
        std::thread::sleep(std::time::Duration::from_millis(200));
        if load_started.elapsed().as_secs() > secs + 60 {
            panic!("oha did not finish");
        }
    }
    for (class, mut child) in classes.iter().zip(running) {
        let status = child.wait().expect("oha");
        assert!(
            status.success(),
            "oha failed for {}: see {}",
            class.name,
            dir.join(format!("{}.stderr", class.slug)).display()
        );
    }
    let after = counted(&client, &base).await;
    let cpu_after = (
        cpu_of(&pid.to_string()).0,
        cpu_of("self"),
        machine_cpu(),
        processes_cpu("postgres"),
    );
    let peak = memory(pid, "VmHWM:");
    let end = memory(pid, "VmRSS:");

    println!();
    println!(
        "{:<20} | {:>6} | {:>8} | {:>7} | {:>7} | {:>7} | {:>8} | {:>7} | {:>6} | {:>5} | answers",
        "class",
        "rate",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "srv ms",
        "errors",
        "SQL"
    );
    let mut totals = (0u64, 0f64, 0u64);
    let mut worst_p99 = 0f64;
    let mut repeats = 0;
    let mut answered = BTreeMap::new();
    for (class, route) in classes.iter().zip(&routes) {
        let o = outcome(&dir.join(format!("{}.json", class.slug)));
        let (c0, c1) = (
            before.get(route).copied().unwrap_or_default(),
            after.get(route).copied().unwrap_or_default(),
        );
        let served = (c1.requests - c0.requests).max(1.0);
        let sql = (c1.statements - c0.statements) / served;
        let server_ms = 1000.0 * (c1.seconds - c0.seconds) / served;
        let repeated = class
            .repeat
            .and_then(|r| o.statuses.get(&r).copied())
            .unwrap_or(0);
        repeats += repeated;
        let errors = o
            .statuses
            .iter()
            .filter(|(s, _)| !class.ok.contains(s) && Some(**s) != class.repeat)
            .map(|(_, n)| n)
            .sum::<u64>()
            + o.failures.values().sum::<u64>();
        let mut shown: Vec<String> = o.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        shown.extend(o.failures.iter().map(|(e, n)| format!("{e}×{n}")));
        println!(
            "{:<20} | {:>6.0} | {:>8} | {:>7.1} | {:>7.2} | {:>7.2} | {:>8.2} | {:>7.2} | {:>6} | {:>5.1} | {}",
            class.name,
            class.rate,
            o.requests,
            o.per_second,
            o.latency[0],
            o.latency[1],
            o.latency[2],
            server_ms,
            errors,
            sql,
            shown.join(" ")
        );
        totals.0 += o.requests;
        totals.1 += o.per_second;
        totals.2 += errors;
        worst_p99 = worst_p99.max(o.latency[1]);
        answered.insert(class.slug, o.statuses);
    }
    println!(
        "{:<20} | {:>6.0} | {:>8} | {:>7.1} | {:>7} | {:>7.2} | {:>8} | {:>7} | {:>6} |       | (p99: the worst class's)",
        "all",
        classes.iter().map(|c| c.rate).sum::<f64>(),
        totals.0,
        totals.1,
        "",
        worst_p99,
        "",
        "",
        totals.2
    );
    // Where the machine's CPU went while the load ran, in percent of one core: the service,
    // oha (the waited-for children of this process), this process, PostgreSQL's processes (a
    // server on this machine; a process that ended during the run is missed), and everything
    // else (on a shared machine, someone else's work).
    let wall = (cpu_after.2).1 - (cpu_before.2).1;
    let cores = std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64);
    let percent = |seconds: f64| 100.0 * seconds * cores / wall.max(f64::EPSILON);
    let service = percent(cpu_after.0 - cpu_before.0);
    let oha = percent((cpu_after.1).1 - (cpu_before.1).1);
    let this = percent((cpu_after.1).0 - (cpu_before.1).0);
    let postgres = percent(cpu_after.3 - cpu_before.3);
    let busy = percent((cpu_after.2).0 - (cpu_before.2).0);
    println!(
        "CPU during the load, % of one core ({cores} cores): service {service:.0} %, oha \
         {oha:.0} %, this program {this:.0} %,{} everything else {:.0} %, idle {:.0} %",
        if postgres > 0.0 {
            format!(" PostgreSQL {postgres:.0} %,")
        } else {
            String::new()
        },
        (busy - service - oha - this - postgres).max(0.0),
        (100.0 * cores - busy).max(0.0)
    );
    println!(
        "memory of the serving process: idle {idle:.1} MiB (anonymous {:.1}, files {:.1}), \
         peak {peak:.1} MiB (VmHWM), {end:.1} MiB after the run (sampled every 200 ms during \
         it: at most {:.1} MiB, anonymous {:.1})",
        idle_split.0,
        idle_split.1,
        rss.iter().map(|r| r.0).fold(f64::NAN, f64::max),
        rss.iter().map(|r| r.1).fold(f64::NAN, f64::max),
    );
    // Issue 9's targets, for 1,000 requests per second on 2 cores.
    let mark = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "targets: no errors {} ({}), p99 under 50 ms {} (worst class {worst_p99:.1} ms), idle \
         memory under 50 MiB {} ({idle:.1} MiB)",
        mark(totals.2 == 0),
        totals.2,
        mark(worst_p99 < 50.0),
        mark(idle < 50.0)
    );

    // What the answers claim against what the database holds.
    let created = answered
        .get("submit")
        .and_then(|s| s.get(&201))
        .copied()
        .unwrap_or(0);
    let submissions_after = count_rows(&db, "submissions").await;
    assert_eq!(
        (submissions_after - submissions_before) as u64,
        created,
        "one new submission per 201"
    );
    if pool_size > 0 {
        let moved = answered
            .get("transition")
            .and_then(|s| s.get(&200))
            .copied()
            .unwrap_or(0);
        let assigned = count_where(&db, "suggestions", "status = 'assigned'").await;
        assert_eq!(
            (assigned - assigned_before) as u64,
            moved,
            "one assigned case per 200"
        );
        let r = (moved + repeats) as f64;
        let n = pool_size as f64;
        let expected = r - n * (1.0 - (1.0 - 1.0 / n).powf(r));
        println!(
            "transitions: {moved} cases assigned (as many as the 200s); {repeats} repeats (422 \
             on a case drawn twice; about {expected:.0} expected of {r} draws from {pool_size})"
        );
    }
    drop(server);
    drop(db);
    // Dropping the app drops a PostgreSQL test database; `exit` would skip it.
    drop(app);
    if totals.2 > 0 {
        eprintln!(
            "FAILED: {} requests got an unexpected answer or none",
            totals.2
        );
        std::process::exit(1);
    }
}
