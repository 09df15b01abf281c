//! Benchmark of the reports at district scale: a district of `BENCH_STATIONS` stations (300)
//! with a year of `BENCH_SUBMISSIONS` submissions (1,000,000, one event each) and
//! `BENCH_CASES` cases (200,000, three events each, with their milestones), and the year's
//! reception days (three a month per station, two deputies on duty). It times the district's
//! overview for the year and the per-station rows, then downloads the year's submissions as CSV
//! and as a workbook, and reads the serving process's peak memory around each.
//!
//! ```sh
//! cargo bench -p tests --bench reports                      # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p tests --bench reports
//! BENCH_SUBMISSIONS=100000 BENCH_CASES=20000 cargo bench -p tests --bench reports   # quicker
//! ```
//!
//! The rows are written straight into the database (through the API it would take hours). The
//! measured server is a separate process: this same program started again in serving mode on
//! the seeded database, so that its memory (`VmHWM`, the peak resident set, from `/proc`) holds
//! the service and the requests measured, not the seeding.
//!
//! What to look for: the overview is a handful of grouped queries, so its time follows the
//! size of the indexes it scans, not the memory; the export's peak memory stays that of an idle
//! service plus a few pages, whether it sends 100,000 rows or 1,000,000.

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use entity::submission::{SubmissionChannel, SubmissionStatus};
use entity::{category, reception, reception_duty, submission, submission_event, suggestion};
use entity::{suggestion_event, suggestion_unit};
use futures_util::StreamExt;
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

const YEAR: i32 = 2025;
const BATCH: usize = 500;

/// Serving mode: the service on the seeded database, with the tests' token secret so that the
/// seeding process's sessions are good here too. Prints its port, then serves until killed.
async fn serve(database_url: String, data_dir: String) {
    api::notify::sms::ensure_crypto_provider();
    if std::env::var("BENCH_LOG").is_ok() {
        // With `RUST_LOG=sqlx=debug`: every statement, its time and the rows it returned.
        api::telemetry::init(api::config::LogFormat::Pretty);
    }
    let mut settings = api::config::Settings::with_data_dir(data_dir);
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.database_url = database_url;
    settings.jwt_secret = Some(api::config::Secret::new(JWT_SECRET.to_vec()));
    settings.db_max_connections = 5;
    let app = api::startup::Application::build(settings)
        .await
        .expect("the service starts");
    println!("port {}", app.port());
    app.run_until_stopped().await.expect("serves");
}

/// A `/proc/<pid>/status` figure in MiB.
struct World {
    stations: Vec<(Uuid, Uuid)>,
    categories: Vec<Uuid>,
    units: Vec<Uuid>,
    deputies: Vec<Uuid>,
}

async fn build_world(app: &TestApp, stations: usize) -> (World, Session) {
    let s = app.scheduling(2).await;
    let mut all = vec![(s.station.parse().expect("uuid"), s.town)];
    for i in 1..stations {
        let region = if i % 2 == 0 { s.town } else { s.district };
        let body = station_body(region, &format!("联络站{i}"), 30.0, 120.0);
        let created = app.create_station(&s.admin.access, &body).await;
        all.push((str_of(&created, "id").parse().expect("uuid"), region));
    }
    let mut units = Vec::new();
    for i in 0..20 {
        let unit: Value = app
            .post(
                "/api/v1/units",
                Some(&s.admin.access),
                &json!({"region_id": s.district, "name": format!("单位{i}"), "kind": "bureau"}),
            )
            .await
            .json()
            .await
            .expect("json");
        units.push(str_of(&unit, "id").parse().expect("uuid"));
    }
    let categories = category::Entity::find()
        .all(app.db().reader())
        .await
        .expect("categories")
        .into_iter()
        .map(|c| c.id)
        .collect();
    let deputies = s
        .deputies
        .iter()
        .map(|d| d.parse().expect("uuid"))
        .collect();
    (
        World {
            stations: all,
            categories,
            units,
            deputies,
        },
        s.admin,
    )
}

fn in_year(rng: &mut StdRng) -> chrono::DateTime<Utc> {
    let start = Utc
        .with_ymd_and_hms(YEAR - 1, 12, 31, 16, 0, 0)
        .single()
        .expect("instant");
    start + Duration::seconds(rng.random_range(0..365 * 86_400))
}

async fn seed_submissions(app: &TestApp, w: &World, n: usize, rng: &mut StdRng) {
    let db = app.db().writer();
    let channels = [
        SubmissionChannel::Miniapp,
        SubmissionChannel::Qr,
        SubmissionChannel::Mailbox,
        SubmissionChannel::Reception,
        SubmissionChannel::Hotline,
    ];
    let mut done = 0;
    while done < n {
        let txn = db.begin().await.expect("begin");
        for _ in 0..10 {
            let k = BATCH.min(n - done);
            if k == 0 {
                break;
            }
            let mut rows = Vec::with_capacity(k);
            let mut events = Vec::with_capacity(k);
            for _ in 0..k {
                let (station, region) = w.stations[rng.random_range(0..w.stations.len())];
                let created = in_year(rng);
                let outcome = rng.random_range(0..4);
                let responded =
                    (outcome > 0).then(|| created + Duration::hours(rng.random_range(1..200)));
                let row = submission::Model {
                    channel: channels[rng.random_range(0..channels.len())],
                    status: match outcome {
                        0 => SubmissionStatus::Received,
                        1 => SubmissionStatus::InReview,
                        2 => SubmissionStatus::Answered,
                        _ => SubmissionStatus::Converted,
                    },
                    title: format!("关于小区第{done}号路灯的意见"),
                    content: "小区路灯坏了两周，晚上出行不便，请尽快修复。联系电话13812345678。"
                        .into(),
                    contact_name: Some("王先生".into()),
                    contact_phone: Some("13812345678".into()),
                    anonymous: false,
                    responded_at: responded,
                    resolved_at: (outcome == 2).then_some(responded).flatten(),
                    ..submission_row(
                        format!("B{YEAR}-{done:07}"),
                        w.categories[rng.random_range(0..w.categories.len())],
                        region,
                        Some(station),
                        created,
                    )
                };
                events.push(submission_event::Model {
                    id: Uuid::now_v7(),
                    submission_id: row.id,
                    at: created,
                    kind: "received".into(),
                    status: SubmissionStatus::Received,
                    public_note: None,
                    actor_id: None,
                    details: json!({}),
                });
                rows.push(row);
                done += 1;
            }
            submission::Entity::insert_many(
                rows.into_iter().map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("submissions");
            submission_event::Entity::insert_many(
                events.into_iter().map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("events");
        }
        txn.commit().await.expect("commit");
    }
}

async fn seed_cases(app: &TestApp, w: &World, n: usize, rng: &mut StdRng) {
    let db = app.db().writer();
    let mut done = 0;
    while done < n {
        let k = BATCH.min(n - done);
        let mut cases = Vec::with_capacity(k);
        let mut units = Vec::with_capacity(k);
        let mut events = Vec::with_capacity(k * 3);
        for _ in 0..k {
            let id = Uuid::now_v7();
            let (station, region) = w.stations[rng.random_range(0..w.stations.len())];
            let created = in_year(rng);
            let assigned = created + Duration::hours(rng.random_range(1..72));
            let replied = rng
                .random_bool(0.7)
                .then(|| assigned + Duration::hours(rng.random_range(24..24 * 40)));
            let closed = replied.filter(|_| rng.random_bool(0.6));
            let rating = closed.map(|_| {
                ["satisfied", "basically_satisfied", "dissatisfied"][rng.random_range(0..3)]
            });
            let status = match (replied, closed) {
                (_, Some(_)) => "closed",
                (Some(_), None) => "replied",
                _ => "in_progress",
            };
            let lead = w.units[rng.random_range(0..w.units.len())];
            units.push(suggestion_unit::Model {
                suggestion_id: id,
                unit_id: lead,
                lead: true,
                input: None,
                input_at: None,
                case_updated_at: None,
            });
            let updated = closed.or(replied).unwrap_or(assigned);
            for (i, (at, action)) in [
                (created, "create"),
                (assigned, "assign"),
                (updated, "reply"),
            ]
            .into_iter()
            .enumerate()
            {
                events.push(suggestion_event::Model {
                    id: Uuid::now_v7(),
                    suggestion_id: id,
                    at,
                    action: action.into(),
                    from_status: (i > 0).then_some(suggestion::State::Accepted),
                    to_status: tests::stored(status),
                    actor_id: None,
                    actor_role: Some("staff".into()),
                    note: None,
                    details: json!({}),
                });
            }
            cases.push(suggestion::Model {
                id,
                kind: suggestion::Kind::StationCase,
                status: tests::stored(status),
                title: format!("关于幸福路第{done}段路灯维修的意见"),
                content: "幸福路路灯坏了两周，夜间出行不便，希望尽快修复。".into(),
                category_id: w.categories[rng.random_range(0..w.categories.len())],
                region_id: region,
                station_id: Some(station),
                level: None,
                lead_unit_id: Some(lead),
                deadline: Some((assigned + Duration::days(30)).date_naive()),
                supervision: suggestion::Supervision::None,
                supervision_note: None,
                reply_category: replied
                    .map(|_| tests::stored(["A", "A", "B", "C"][rng.random_range(0..4)])),
                reply_text: replied.map(|_| "已处理。".into()),
                replied_at: replied,
                rating: rating.map(tests::stored),
                rated_at: closed,
                reopen_count: 0,
                flagged: false,
                created_by: None,
                escalated_from: None,
                version: 3,
                created_at: created,
                updated_at: updated,
                closed_at: closed,
                assigned_at: Some(assigned),
                first_replied_at: replied,
                first_rating: rating.map(tests::stored),
            });
            done += 1;
        }
        let txn = db.begin().await.expect("begin");
        suggestion::Entity::insert_many(cases.into_iter().map(IntoActiveModel::into_active_model))
            .exec(&txn)
            .await
            .expect("cases");
        suggestion_unit::Entity::insert_many(
            units.into_iter().map(IntoActiveModel::into_active_model),
        )
        .exec(&txn)
        .await
        .expect("units");
        for chunk in events.chunks(BATCH) {
            suggestion_event::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("events");
        }
        txn.commit().await.expect("commit");
    }
}

async fn seed_receptions(app: &TestApp, w: &World, rng: &mut StdRng) -> usize {
    let db = app.db().writer();
    let mut sessions = 0;
    for (station, _) in &w.stations {
        let txn = db.begin().await.expect("begin");
        for month in 1..=12 {
            for d in [6, 16, 26] {
                let day = chrono::NaiveDate::from_ymd_opt(YEAR, month, d).expect("day");
                let row = reception_row(*station, day, rng.random_bool(0.05));
                let (id, starts) = (row.id, row.starts_at);
                reception::Entity::insert(row.into_active_model())
                    .exec(&txn)
                    .await
                    .expect("session");
                let duties = w.deputies.iter().map(|deputy| reception_duty::Model {
                    reception_id: id,
                    deputy_id: *deputy,
                    assigned_at: starts - Duration::days(10),
                    checked_in_at: rng.random_bool(0.85).then_some(starts),
                    attendance: None,
                    attendance_reason: None,
                    attendance_by: None,
                    attendance_excused: false,
                });
                reception_duty::Entity::insert_many(duties.map(IntoActiveModel::into_active_model))
                    .exec(&txn)
                    .await
                    .expect("duties");
                sessions += 1;
            }
        }
        txn.commit().await.expect("commit");
    }
    sessions
}

/// Downloads `path`, reading the body as it comes; returns seconds, bytes and lines.
async fn download(client: &reqwest::Client, url: &str, token: &str) -> (f64, u64, u64) {
    let started = Instant::now();
    let res = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200, "{url}");
    let (mut bytes, mut lines) = (0u64, 0u64);
    let mut body = res.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("a whole body");
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    (started.elapsed().as_secs_f64(), bytes, lines)
}

#[tokio::main]
async fn main() {
    if let (Ok(url), Ok(dir)) = (
        std::env::var("BENCH_SERVE"),
        std::env::var("BENCH_SERVE_DIR"),
    ) {
        return serve(url, dir).await;
    }
    let n_subs: usize = env_or("BENCH_SUBMISSIONS", 1_000_000);
    let n_cases: usize = env_or("BENCH_CASES", 200_000);
    let n_stations: usize = env_or("BENCH_STATIONS", 300);
    let app = spawn_app().await;
    let backend = if app.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "lianluo reports benchmark on {backend}: {n_subs} submissions, {n_cases} cases, \
         {n_stations} stations, year {YEAR}"
    );
    let started = Instant::now();
    let (world, admin) = build_world(&app, n_stations).await;
    let mut rng = StdRng::seed_from_u64(9);
    seed_submissions(&app, &world, n_subs, &mut rng).await;
    seed_cases(&app, &world, n_cases, &mut rng).await;
    let sessions = seed_receptions(&app, &world, &mut rng).await;
    // The planner's statistics, as the service keeps them in operation (autovacuum on
    // PostgreSQL, the maintenance job's `PRAGMA optimize` on SQLite, within a minute).
    if app.is_postgres() {
        app.db()
            .writer()
            .execute_unprepared("ANALYZE")
            .await
            .expect("analyze");
    } else {
        app.db().optimize().await.expect("optimize");
    }
    // The deadline sweep tells the staff of the year's overdue cases once; the service does it
    // within minutes of such an import. Done here, so that it does not run beside the requests.
    let (told, _) = api::jobs::deadlines::run_once(&app.state.db)
        .await
        .expect("the deadline sweep");
    println!(
        "seeded in {:.0} s ({sessions} reception days, {told} overdue cases told)",
        started.elapsed().as_secs_f64()
    );

    let year = format!("from={YEAR}-01-01&to={YEAR}-12-31");
    let token = &admin.access;
    let client = reqwest::Client::new();
    println!(
        "{:<32} | {:>9} | {:>9} | {:>10} | {:>9} | {:>9} | {:>9} | {:>9}",
        "request", "median s", "best s", "size MiB", "idle MiB", "peak MiB", "anon MiB", "file MiB"
    );
    let classes = [
        (
            "overview, district, year",
            format!("/api/v1/stats/overview?{year}"),
            5,
        ),
        (
            "rows per station, year",
            format!("/api/v1/stats/stations?{year}"),
            3,
        ),
        (
            "submissions.csv, year",
            format!("/api/v1/exports/submissions.csv?{year}"),
            1,
        ),
        (
            "submissions.xlsx, year",
            format!("/api/v1/exports/submissions.xlsx?{year}"),
            1,
        ),
        (
            "suggestions.csv, year",
            format!("/api/v1/exports/suggestions.csv?{year}"),
            1,
        ),
    ];
    // `BENCH_ONLY=overview` measures the classes whose name contains it.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for (what, path, runs) in classes {
        if !what.contains(&only) {
            continue;
        }
        // A fresh serving process per request class, so that its peak memory is this class's.
        let server = start_server("BENCH", &app.settings.database_url);
        let pid = server.child.id();
        let _ = download(&client, &format!("{}/health/ready", server.address), token).await;
        let idle = memory(pid, "VmRSS:");
        // The resident set split into anonymous memory (heaps) and file pages, sampled while the
        // requests run: the peak alone cannot tell a heap from cached pages of a mapped file.
        let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let sampler = {
            let sampling = sampling.clone();
            std::thread::spawn(move || {
                let (mut anon, mut file) = (0f64, 0f64);
                while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                    anon = anon.max(memory(pid, "RssAnon:"));
                    file = file.max(memory(pid, "RssFile:"));
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                (anon, file)
            })
        };
        let mut times = Vec::new();
        let mut size = 0;
        let mut lines = 0;
        for _ in 0..runs {
            let (secs, bytes, n) =
                download(&client, &format!("{}{path}", server.address), token).await;
            times.push(secs);
            size = bytes;
            lines = n;
        }
        times.sort_by(f64::total_cmp);
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        let (anon, file) = sampler.join().expect("sampler");
        println!(
            "{what:<32} | {:>9.2} | {:>9.2} | {:>10.1} | {:>9.1} | {:>9.1} | {:>9.1} | {:>9.1}{}",
            times[times.len() / 2],
            times[0],
            size as f64 / 1_048_576.0,
            idle,
            memory(pid, "VmHWM:"),
            anon,
            file,
            if path.contains(".csv") {
                format!("  ({} rows)", lines.saturating_sub(1))
            } else {
                String::new()
            }
        );
        drop(server);
    }
}
