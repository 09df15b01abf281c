//! Benchmark of the closed loop at scale: status polls and the staff's filtered lists against a
//! suggestions table of growing size (by default 10,000 then 100,000 cases with ten events each,
//! so 1,000,000 events at the end), on SQLite or, with `TEST_DATABASE_URL`, PostgreSQL.
//!
//! ```sh
//! cargo bench -p tests --bench cases                        # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p tests --bench cases
//! BENCH_CASES=1000,10000 BENCH_REQUESTS=500 cargo bench -p tests --bench cases   # quicker
//! ```
//!
//! The server is the real one (release build, in-process, over HTTP on loopback). The cases are
//! written straight into the database, because going through the API would take hours; their
//! shape follows the flow (statuses, lead and co-units, deadlines around today, supervision,
//! authors). For each size it prints, per request class, the throughput and latency of
//! `BENCH_REQUESTS` requests from `BENCH_CONCURRENCY` clients, and the SQL statements each
//! request ran, read from the server's own `http_request_db_statements` metric.
//!
//! What to look for: a status poll is two statements (the session check and one look-up by
//! primary key) at every size, and list latencies stay flat from one size to the next, because
//! every list filter is served by an index in the `updated_at, id` order the keyset pages use.

use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use entity::{category, suggestion, suggestion_author, suggestion_event, suggestion_unit};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, TransactionTrait};
use serde_json::{Value, json};
use tests::*;
use uuid::Uuid;

// Each bench uses a part of the shared helpers.
#[allow(dead_code)]
mod common;
use common::env_or;

const STATIONS: usize = 20;
const UNITS: usize = 10;
const EVENTS_PER_CASE: usize = 10;
const BATCH: usize = 500;

/// What the seeded world looks like, for the requests.
struct World {
    town: Uuid,
    stations: Vec<Uuid>,
    units: Vec<Uuid>,
    deputies: Vec<Uuid>,
    categories: Vec<Uuid>,
    /// Case ids at the liaison's station (station 0), for the staff's polls.
    at_first_station: Vec<Uuid>,
    seeded: usize,
}

async fn build_world(app: &TestApp) -> (World, Session, Session, Session) {
    let s = app.scheduling(4).await;
    let mut stations = vec![s.station.parse().expect("uuid")];
    for i in 1..STATIONS {
        let region = if i % 2 == 0 { s.town } else { s.district };
        let body = station_body(region, &format!("联络站{i}"), 30.0, 120.0);
        let created = app.create_station(&s.admin.access, &body).await;
        stations.push(str_of(&created, "id").parse().expect("uuid"));
    }
    let mut units = Vec::new();
    for i in 0..UNITS {
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
    // A handler acting for the first unit, for the unit's own inbox.
    let root = app.root().await;
    let handler = app
        .create_user(
            &root.access,
            "bench-handler",
            "unit_handler",
            Some(s.district),
        )
        .await;
    let set = app
        .put(
            &format!("/api/v1/units/{}/members", units[0]),
            Some(&s.admin.access),
            &json!({"user_ids": [handler]}),
        )
        .await;
    assert_eq!(set.status(), 200);
    let handler = app.login("bench-handler", PASSWORD).await;
    let categories = category::Entity::find()
        .all(app.db().reader())
        .await
        .expect("categories")
        .into_iter()
        .map(|c| c.id)
        .collect();
    let world = World {
        town: s.town,
        stations,
        units,
        deputies: s
            .deputies
            .iter()
            .map(|d| d.parse().expect("uuid"))
            .collect(),
        categories,
        at_first_station: Vec::new(),
        seeded: 0,
    };
    (world, s.liaison, s.admin, handler)
}

/// Where a seeded case stands: its status and how far along the flow it got.
const STATUSES: [(&str, u32); 8] = [
    ("closed", 30),
    ("in_progress", 25),
    ("assigned", 15),
    ("replied", 10),
    ("accepted", 8),
    ("submitted", 5),
    ("draft", 4),
    ("withdrawn", 3),
];

fn pick_status(rng: &mut StdRng) -> &'static str {
    let total: u32 = STATUSES.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (name, weight) in STATUSES {
        if roll < weight {
            return name;
        }
        roll -= weight;
    }
    "closed"
}

/// Adds cases (and their events, units and authors) until there are `target`.
async fn seed(app: &TestApp, world: &mut World, target: usize, rng: &mut StdRng) {
    let db = app.db().writer();
    let today = api::domain::local_time::today();
    while world.seeded < target {
        let n = BATCH.min(target - world.seeded);
        let mut cases = Vec::with_capacity(n);
        let mut events = Vec::with_capacity(n * EVENTS_PER_CASE);
        let mut units = Vec::new();
        let mut authors = Vec::new();
        for _ in 0..n {
            let id = Uuid::now_v7();
            let station_ix = rng.random_range(0..world.stations.len());
            let deputy = rng.random_bool(0.3);
            let status = pick_status(rng);
            let handled = matches!(status, "closed" | "in_progress" | "assigned" | "replied");
            let lead = handled.then(|| world.units[rng.random_range(0..world.units.len())]);
            let created = Utc::now() - chrono::Duration::minutes(rng.random_range(0..525_600));
            let updated = created + chrono::Duration::minutes(rng.random_range(0..20_000));
            let deadline =
                handled.then(|| today - Days::new(30) + Days::new(rng.random_range(0..60)));
            if station_ix == 0 {
                world.at_first_station.push(id);
            }
            if let Some(lead) = lead {
                units.push(suggestion_unit::Model {
                    suggestion_id: id,
                    unit_id: lead,
                    lead: true,
                    input: None,
                    input_at: None,
                    case_updated_at: None,
                });
                if rng.random_bool(0.2) {
                    let co = world.units[rng.random_range(0..world.units.len())];
                    if co != lead {
                        units.push(suggestion_unit::Model {
                            suggestion_id: id,
                            unit_id: co,
                            lead: false,
                            input: Some("已配合".into()),
                            input_at: Some(updated),
                            case_updated_at: None,
                        });
                    }
                }
            }
            if deputy {
                authors.push(suggestion_author::Model {
                    suggestion_id: id,
                    deputy_id: world.deputies[rng.random_range(0..world.deputies.len())],
                    position: 0,
                });
            }
            cases.push(suggestion::Model {
                id,
                kind: if deputy {
                    suggestion::Kind::DeputySuggestion
                } else {
                    suggestion::Kind::StationCase
                },
                status: tests::stored(status),
                title: format!("关于幸福路第{}段路灯维修的意见", world.seeded + cases.len()),
                content: "幸福路路灯坏了两周，夜间出行不便，希望尽快修复。".repeat(3),
                category_id: world.categories[rng.random_range(0..world.categories.len())],
                region_id: world.town,
                station_id: Some(world.stations[station_ix]),
                level: deputy.then_some(suggestion::CongressLevel::County),
                lead_unit_id: lead,
                deadline,
                supervision: if rng.random_bool(0.05) {
                    suggestion::Supervision::Key
                } else {
                    suggestion::Supervision::None
                },
                supervision_note: None,
                reply_category: matches!(status, "closed" | "replied")
                    .then_some(suggestion::ReplyCategory::A),
                reply_text: matches!(status, "closed" | "replied").then(|| "已修复。".into()),
                replied_at: matches!(status, "closed" | "replied").then_some(updated),
                rating: (status == "closed").then_some(suggestion::Rating::Satisfied),
                rated_at: (status == "closed").then_some(updated),
                reopen_count: 0,
                flagged: false,
                created_by: None,
                escalated_from: None,
                version: EVENTS_PER_CASE as i32,
                created_at: created,
                updated_at: updated,
                closed_at: (status == "closed").then_some(updated),
                assigned_at: handled.then_some(created),
                first_replied_at: matches!(status, "closed" | "replied").then_some(updated),
                first_rating: (status == "closed").then_some(suggestion::Rating::Satisfied),
            });
            for e in 0..EVENTS_PER_CASE {
                events.push(suggestion_event::Model {
                    id: Uuid::now_v7(),
                    suggestion_id: id,
                    at: created + chrono::Duration::minutes(e as i64 * 60),
                    action: if e == 0 { "create" } else { "acknowledge" }.into(),
                    from_status: (e > 0).then_some(suggestion::State::Assigned),
                    to_status: suggestion::State::InProgress,
                    actor_id: None,
                    actor_role: Some("staff".into()),
                    note: Some("处理中".into()),
                    details: json!({}),
                });
            }
        }
        let txn = db.begin().await.expect("begin");
        world.seeded += cases.len();
        suggestion::Entity::insert_many(cases.into_iter().map(IntoActiveModel::into_active_model))
            .exec(&txn)
            .await
            .expect("cases");
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
        if !units.is_empty() {
            suggestion_unit::Entity::insert_many(
                units.into_iter().map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("units");
        }
        if !authors.is_empty() {
            suggestion_author::Entity::insert_many(
                authors.into_iter().map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await
            .expect("authors");
        }
        txn.commit().await.expect("commit");
    }
}

/// The path of the n-th request of a class.
type PathOf = Box<dyn Fn(usize) -> String>;

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    statements: f64,
}

/// Sends `requests` GETs built by `path` from `concurrency` clients; every answer must be 200.
async fn measure(
    app: &TestApp,
    token: &str,
    route: &str,
    requests: usize,
    concurrency: usize,
    path: impl Fn(usize) -> String,
) -> Figures {
    let (sum0, count0) = app.db_statements("GET", route).await;
    let paths: Vec<String> = (0..requests).map(path).collect();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(requests);
    let per_client: Vec<Vec<String>> = (0..concurrency)
        .map(|c| paths.iter().skip(c).step_by(concurrency).cloned().collect())
        .collect();
    let mut tasks = Vec::new();
    for mine in per_client {
        let client = app.client.clone();
        let base = app.address.clone();
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(mine.len());
            for p in mine {
                let t = Instant::now();
                let r = client
                    .get(format!("{base}{p}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("sent");
                let status = r.status();
                let body = r.bytes().await.expect("body");
                assert_eq!(status, 200, "{p}: {}", String::from_utf8_lossy(&body));
                out.push(t.elapsed());
            }
            out
        }));
    }
    for t in tasks {
        latencies.extend(t.await.expect("client"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let (sum1, count1) = app.db_statements("GET", route).await;
    Figures {
        per_second: requests as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        statements: (sum1 - sum0) / (count1 - count0).max(1.0),
    }
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_CASES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("BENCH_CASES: numbers"))
        .collect();
    let requests: usize = env_or("BENCH_REQUESTS", 2000);
    let concurrency: usize = env_or("BENCH_CONCURRENCY", 8);
    let app = spawn_app().await;
    let backend = if app.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let (mut world, liaison, admin, handler) = build_world(&app).await;
    let mut rng = StdRng::seed_from_u64(6);
    println!(
        "lianluo cases benchmark on {backend}: {requests} requests per class, {concurrency} clients"
    );
    println!(
        "{:>8} {:>9} | {:<34} | {:>8} | {:>8} | {:>8} | {:>5}",
        "cases", "events", "request", "req/s", "p50 ms", "p99 ms", "SQL"
    );
    for size in sizes {
        let started = Instant::now();
        seed(&app, &mut world, size, &mut rng).await;
        if app.is_postgres() {
            // The rows arrived in two minutes; in service autovacuum re-analyzes a table within
            // a minute of such growth. Without it the planner keeps the statistics of the empty
            // table, estimates a few hundred rows where there are 30,000, and sorts them all.
            app.db()
                .writer()
                .execute_unprepared("ANALYZE")
                .await
                .expect("analyze");
        }
        let seeding = started.elapsed();
        let mine = world.at_first_station.clone();
        let unit = world.units[0];
        let town = world.town;
        let station = world.stations[3];
        let status_route = "/api/v1/suggestions/{id}/status";
        let list_route = "/api/v1/suggestions";
        let classes: Vec<(&str, &str, &str, PathOf)> = vec![
            (
                "status poll (station staff)",
                &liaison.access,
                status_route,
                Box::new(move |i| format!("/api/v1/suggestions/{}/status", mine[i % mine.len()])),
            ),
            (
                "inbox, first page (station staff)",
                &liaison.access,
                list_route,
                Box::new(|_| "/api/v1/suggestions?limit=20".into()),
            ),
            (
                "inbox, first page (unit handler)",
                &handler.access,
                list_route,
                Box::new(|_| "/api/v1/suggestions?limit=20".into()),
            ),
            (
                "status=in_progress (district admin)",
                &admin.access,
                list_route,
                Box::new(|_| "/api/v1/suggestions?status=in_progress&limit=20".into()),
            ),
            (
                "overdue=true (district admin)",
                &admin.access,
                list_route,
                Box::new(|_| "/api/v1/suggestions?overdue=true&limit=20".into()),
            ),
            (
                "unit_id (district admin)",
                &admin.access,
                list_route,
                Box::new(move |_| format!("/api/v1/suggestions?unit_id={unit}&limit=20")),
            ),
            (
                "station + supervised (admin)",
                &admin.access,
                list_route,
                Box::new(move |_| {
                    format!(
                        "/api/v1/suggestions?station_id={station}&supervised=true&region_id={town}&limit=20"
                    )
                }),
            ),
        ];
        for (name, token, route, path) in classes {
            let f = measure(&app, token, route, requests, concurrency, path).await;
            println!(
                "{:>8} {:>9} | {:<34} | {:>8.0} | {:>8.2} | {:>8.2} | {:>5.1}",
                size,
                size * EVENTS_PER_CASE,
                name,
                f.per_second,
                f.p50.as_secs_f64() * 1000.0,
                f.p99.as_secs_f64() * 1000.0,
                f.statements
            );
        }
        println!(
            "         (seeding to {size} cases took {:.1} s)",
            seeding.as_secs_f64()
        );
    }
}
