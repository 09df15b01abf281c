//! Faults the service must survive: SIGTERM with requests in flight, `kill -9` in the middle of
//! a burst of transitions, and PostgreSQL going away under load.
//!
//! The first two run the real binary (`lianluo-under-test`, the same `api::cli::run` as
//! `lianluo`) as a child process on a database the in-process harness prepared; the test then
//! reads the rows through the harness's connection. The third puts a TCP proxy between the
//! service and PostgreSQL and cuts it, which is what a stopped server looks like from the
//! service: live connections drop and new ones are refused.

use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use entity::{notification, submission, suggestion, suggestion_event};
use futures_util::StreamExt;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

/// The service as a process of its own.
struct Served {
    child: tokio::process::Child,
    address: String,
    _data_dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts the binary on `app`'s database and waits until it is ready.
async fn serve(app: &TestApp, shutdown_timeout_secs: u64) -> Served {
    let port = free_port();
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let wide = "1000000";
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lianluo-under-test"))
        .env("DATABASE_URL", &app.settings.database_url)
        .env("LIANLUO_BIND", format!("127.0.0.1:{port}"))
        .env("LIANLUO_DATA_DIR", data_dir.path())
        .env(
            "LIANLUO_JWT_SECRET",
            std::str::from_utf8(JWT_SECRET).expect("text"),
        )
        .env(
            "LIANLUO_SHUTDOWN_TIMEOUT_SECS",
            shutdown_timeout_secs.to_string(),
        )
        .env("LIANLUO_SUBMIT_VOTER_BURST", wide)
        .env("LIANLUO_SUBMIT_IP_BURST", wide)
        .env("LIANLUO_LOG", "json")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the service starts");
    let served = Served {
        child,
        address: format!("http://127.0.0.1:{port}"),
        _data_dir: data_dir,
    };
    let ready = format!("{}/health/ready", served.address);
    for _ in 0..600 {
        if let Ok(response) = app.client.get(&ready).send().await
            && response.status() == StatusCode::OK
        {
            return served;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service did not become ready");
}

impl Served {
    fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Sends SIGTERM, as a process manager stopping the service does.
    fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

/// One request the test made and how it ended: its status, or `None` if the connection failed.
struct Outcome {
    key: String,
    status: Option<u16>,
}

/// A station with a staff member, a unit with its handler, and `cases` station cases.
struct Desk {
    staff: String,
    handler: String,
    handler_id: Uuid,
    unit: String,
    station: String,
    voter: String,
    cases: Vec<String>,
}

async fn desk(app: &TestApp, cases: usize, assigned: bool) -> Desk {
    let s = app.scheduling(0).await;
    let root = app.root().await;
    let unit = app
        .create_unit(&s.admin.access, s.district, "区住建局")
        .await;
    let handler_id = app
        .create_user(&root.access, "handler", "unit_handler", Some(s.district))
        .await;
    app.set_unit_members(&s.admin.access, &unit, &[handler_id])
        .await;
    let mut ids = Vec::new();
    for i in 0..cases {
        let created: Value = app
            .post(
                "/api/v1/suggestions",
                Some(&s.liaison.access),
                &json!({"kind": "station_case", "title": format!("路灯维修 {i}"), "content": "幸福路路灯不亮。", "category": "urban_management", "station_id": s.station}),
            )
            .await
            .json()
            .await
            .expect("json");
        let id = str_of(&created, "id").to_owned();
        if assigned {
            let response = app
                .post(
                    &format!("/api/v1/suggestions/{id}/transitions"),
                    Some(&s.liaison.access),
                    &json!({"action": "assign", "lead_unit_id": unit}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
        }
        ids.push(id);
    }
    let handler = app.login("handler", PASSWORD).await.access;
    let voter = app.voter_session("张三").await.access;
    Desk {
        staff: s.liaison.access.clone(),
        handler,
        handler_id,
        unit,
        station: s.station.clone(),
        voter,
        cases: ids,
    }
}

/// POSTs `body` to `url` with an idempotency key, the body arriving in two parts `gap` apart
/// (so that the request is surely in flight for that long).
async fn post_slowly(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    key: &str,
    body: &Value,
    gap: Duration,
) -> Option<u16> {
    let bytes = serde_json::to_vec(body).expect("json");
    let (first, rest) = bytes.split_at(bytes.len() / 2);
    let (first, rest) = (first.to_vec(), rest.to_vec());
    let parts = futures_util::stream::iter([(first, Duration::ZERO), (rest, gap)]).then(
        |(part, wait)| async move {
            tokio::time::sleep(wait).await;
            Ok::<_, std::io::Error>(part)
        },
    );
    client
        .post(url)
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .header("content-type", "application/json")
        .header("content-length", bytes.len())
        .body(reqwest::Body::wrap_stream(parts))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

fn submission_body(station: &str, i: usize) -> Value {
    json!({"title": format!("停机测试 {i}"), "content": "小区门口路面破损。", "category": "urban_management", "station_id": station})
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_and_loses_none() {
    let mut app = spawn_app().await;
    let d = desk(&app, 25, true).await;
    let db = app.halt().await;
    let mut served = serve(&app, 10).await;
    let client = reqwest::Client::new();

    // 25 submissions and 25 acknowledgements, each still sending its body when SIGTERM comes.
    let mut requests = Vec::new();
    for i in 0..50 {
        let (path, token, body) = if i < 25 {
            (
                "/api/v1/submissions".to_owned(),
                d.voter.clone(),
                submission_body(&d.station, i),
            )
        } else {
            (
                format!("/api/v1/suggestions/{}/transitions", d.cases[i - 25]),
                d.handler.clone(),
                json!({"action": "acknowledge"}),
            )
        };
        let client = client.clone();
        let url = format!("{}{path}", served.address);
        requests.push(tokio::spawn(async move {
            let key = Uuid::now_v7().to_string();
            let status = post_slowly(
                &client,
                &url,
                &token,
                &key,
                &body,
                Duration::from_millis(1500),
            )
            .await;
            (i, path, token, body, Outcome { key, status })
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = Instant::now();
    served.terminate();

    // After SIGTERM new connections are refused.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let late_key = Uuid::now_v7().to_string();
    let late_body = submission_body(&d.station, 50);
    let late = post_slowly(
        &client,
        &format!("{}/api/v1/submissions", served.address),
        &d.voter,
        &late_key,
        &late_body,
        Duration::ZERO,
    )
    .await;

    let exit = tokio::time::timeout(Duration::from_secs(15), served.child.wait())
        .await
        .expect("the process exits within its shutdown timeout")
        .expect("exit status");
    assert!(exit.success(), "{exit:?}");
    assert!(stopping.elapsed() < Duration::from_secs(12));

    let mut outcomes = Vec::new();
    for request in requests {
        outcomes.push(request.await.expect("task"));
    }
    // Every request in flight was finished, not dropped.
    for (i, _, _, _, outcome) in &outcomes {
        assert!(
            matches!(outcome.status, Some(200 | 201)),
            "request {i} in flight at SIGTERM ended with {:?}",
            outcome.status
        );
    }
    assert_eq!(late, None, "a request after SIGTERM was answered");

    // After a restart the late submission, retried with its key, is made once; retrying the
    // finished ones replays them.
    let served = serve(&app, 10).await;
    let client = reqwest::Client::new();
    let retry = |path: &str, token: &str, key: &str, body: &Value| {
        let url = format!("{}{path}", served.address);
        let (client, token, key, body) = (
            client.clone(),
            token.to_owned(),
            key.to_owned(),
            body.clone(),
        );
        async move {
            post_slowly(&client, &url, &token, &key, &body, Duration::ZERO)
                .await
                .expect("answered")
        }
    };
    assert_eq!(
        retry("/api/v1/submissions", &d.voter, &late_key, &late_body).await,
        201
    );
    for (_, path, token, body, outcome) in &outcomes {
        let status = retry(path, token, &outcome.key, body).await;
        assert_eq!(
            Some(status),
            outcome.status,
            "a retry is the original answer"
        );
    }

    // The database holds each submission once and each acknowledgement once.
    let titles: Vec<String> = submission::Entity::find()
        .all(db.reader())
        .await
        .expect("rows")
        .into_iter()
        .map(|s| s.title)
        .collect();
    let distinct: HashSet<&String> = titles.iter().collect();
    assert_eq!(titles.len(), 26, "{titles:?}");
    assert_eq!(distinct.len(), 26);
    for case in &d.cases {
        let events = events_of(&db, case).await;
        assert_eq!(
            events.iter().filter(|e| e.action == "acknowledge").count(),
            1,
            "{case}"
        );
    }
}

async fn events_of(db: &api::db::Db, case: &str) -> Vec<suggestion_event::Model> {
    let id: Uuid = case.parse().expect("uuid");
    suggestion_event::Entity::find()
        .filter(suggestion_event::Column::SuggestionId.eq(id))
        .all(db.reader())
        .await
        .expect("events")
}

#[tokio::test]
async fn kill_9_in_a_burst_of_transitions_leaves_every_case_consistent() {
    let mut app = spawn_app().await;
    let d = desk(&app, 150, false).await;
    let db = app.halt().await;
    let mut served = serve(&app, 10).await;
    let client = reqwest::Client::new();

    // Assign every case, 30 at a time; the process is killed when a third are answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let keys: Vec<String> = d.cases.iter().map(|_| Uuid::now_v7().to_string()).collect();
    let burst = futures_util::stream::iter(d.cases.iter().zip(&keys).map(|(case, key)| {
        let client = client.clone();
        let url = format!("{}/api/v1/suggestions/{case}/transitions", served.address);
        let token = d.staff.clone();
        let body = json!({"action": "assign", "lead_unit_id": d.unit});
        let answered = answered.clone();
        let key = key.clone();
        async move {
            let status = post_slowly(&client, &url, &token, &key, &body, Duration::ZERO).await;
            answered.fetch_add(1, Ordering::SeqCst);
            (case.clone(), key, status)
        }
    }))
    .buffer_unordered(30)
    .collect::<Vec<_>>();
    let killer = async {
        while answered.load(Ordering::SeqCst) < d.cases.len() / 3 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        served.child.start_kill().expect("SIGKILL");
    };
    let (results, ()) = tokio::join!(burst, killer);
    served.child.wait().await.expect("killed");
    let ok: HashSet<String> = results
        .iter()
        .filter(|(_, _, status)| *status == Some(200))
        .map(|(case, _, _)| case.clone())
        .collect();
    let failed = results.iter().filter(|(_, _, s)| s.is_none()).count();
    assert!(!ok.is_empty() && failed > 0, "the kill came mid-burst");
    for (_, _, status) in &results {
        assert!(
            matches!(status, None | Some(200)),
            "an answer other than success or a cut connection: {status:?}"
        );
    }

    // Restarted, every case agrees with its events and its messages; no success was lost.
    let served = serve(&app, 10).await;
    let assigned = agree(&db, &d).await;
    assert!(ok.is_subset(&assigned), "an answered assignment was lost");

    // Retried with their keys once the dead process's locks have lapsed (as a minute would do),
    // the cut requests take effect once: an assignment already committed is not run again.
    expire_idempotency_locks(&db).await;
    for (case, key, status) in &results {
        if status.is_some() {
            continue;
        }
        let response = client
            .post(format!(
                "{}/api/v1/suggestions/{case}/transitions",
                served.address
            ))
            .bearer_auth(&d.staff)
            .header("Idempotency-Key", key)
            .json(&json!({"action": "assign", "lead_unit_id": d.unit}))
            .send()
            .await
            .expect("answered");
        match response.status().as_u16() {
            // The answer was kept but never reached the client: replayed.
            200 if response.headers().contains_key("idempotent-replayed") => {
                assert!(assigned.contains(case), "{case}: replayed but not assigned");
            }
            200 => assert!(!assigned.contains(case), "{case} was assigned twice"),
            409 => {
                let problem: Value = response.json().await.expect("json");
                assert_eq!(problem["code"], "idempotency_applied", "{case}");
                assert!(assigned.contains(case), "{case}: applied but not assigned");
            }
            other => panic!(
                "{case}: retry answered {other} {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
    let assigned = agree(&db, &d).await;
    assert_eq!(assigned.len(), d.cases.len());
}

/// Lets every idempotency lock lapse, as the minute after a crash would.
async fn expire_idempotency_locks(db: &api::db::Db) {
    use entity::idempotency_key;
    use sea_orm::sea_query::Expr;
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::LockedUntil,
            Expr::value(api::clock::now() - chrono::Duration::minutes(2)),
        )
        .exec(db.writer())
        .await
        .expect("locks lapsed");
}

/// Checks each case against its event rows and outbox rows; returns the assigned ones.
async fn agree(conn: &api::db::Db, d: &Desk) -> HashSet<String> {
    let db = conn.reader();
    let mut assigned = HashSet::new();
    for case in &d.cases {
        let id: Uuid = case.parse().expect("uuid");
        let row = suggestion::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("query")
            .expect("the case");
        let events = events_of(conn, case).await;
        let messages = notification::Entity::find()
            .filter(notification::Column::SubjectId.eq(id))
            .all(db)
            .await
            .expect("messages");
        let assigns = events.iter().filter(|e| e.action == "assign").count();
        assert_eq!(
            i32::try_from(events.len()).expect("few"),
            row.version,
            "{case}: one event per version"
        );
        match row.status {
            suggestion::State::Assigned => {
                assert_eq!(assigns, 1, "{case}");
                assert_eq!(messages.len(), 1, "{case}: the handler is told once");
                assert_eq!(messages[0].recipient_user_id, Some(d.handler_id));
                assigned.insert(case.clone());
            }
            suggestion::State::Accepted => {
                assert_eq!(assigns, 0, "{case}");
                assert!(
                    messages.is_empty(),
                    "{case}: told of an assignment not made"
                );
            }
            other => panic!("{case}: unexpected status {other:?}"),
        }
        let last = events.iter().max_by_key(|e| (e.at, e.id)).expect("events");
        assert_eq!(last.to_status, row.status, "{case}");
    }
    assigned
}

/// A TCP proxy in front of PostgreSQL that can be cut: live connections dropped, new ones
/// refused (its port closed), as when the server stops.
struct Proxy {
    port: u16,
    upstream: String,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let mut proxy = Proxy {
            port: free_port(),
            upstream,
            running: None,
        };
        proxy.resume().await;
        proxy
    }

    async fn resume(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("the proxy's port");
        let upstream = self.upstream.clone();
        self.running = Some(tokio::spawn(async move {
            let mut links = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                links.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                    let _ = inbound.shutdown().await;
                });
            }
        }));
    }

    /// Drops every connection and closes the port.
    fn cut(&mut self) {
        if let Some(running) = self.running.take() {
            // Aborting the accept loop drops the listener and, with the join set, every link.
            running.abort();
        }
    }
}

#[tokio::test]
async fn a_postgresql_outage_answers_503_quickly_and_service_resumes_by_itself() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        // This scenario is PostgreSQL's; `.ci/run` runs it in its PostgreSQL pass.
        return;
    };
    let parsed = url::Url::parse(&url).expect("TEST_DATABASE_URL");
    let upstream = format!(
        "{}:{}",
        parsed.host_str().expect("host"),
        parsed.port().unwrap_or(5432)
    );
    let mut proxy = Proxy::start(upstream).await;
    let port = proxy.port;
    let app = spawn_app_with(|s| {
        let mut through = url::Url::parse(&s.database_url).expect("url");
        through.set_host(Some("127.0.0.1")).expect("host");
        through.set_port(Some(port)).expect("port");
        s.database_url = through.to_string();
    })
    .await;
    let d = desk(&app, 0, false).await;
    let station_path = format!("/api/v1/stations/{}", d.station);

    // Load: readers of a station and voters submitting, each request timed.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..6 {
        let client = app.client.clone();
        let base = app.address.clone();
        let (voter, station, station_path) =
            (d.voter.clone(), d.station.clone(), station_path.clone());
        let stop = stop.clone();
        workers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let started = Instant::now();
                let key = Uuid::now_v7().to_string();
                let body = submission_body(&station, w * 100_000 + i);
                let response = if i % 2 == 0 {
                    client.get(format!("{base}{station_path}")).send().await
                } else {
                    client
                        .post(format!("{base}/api/v1/submissions"))
                        .bearer_auth(&voter)
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                        .await
                };
                let response = response.expect("the service answers");
                let status = response.status().as_u16();
                let retry_after = response.headers().contains_key("retry-after");
                let problem: Value = response.json().await.unwrap_or(Value::Null);
                seen.push(Sample {
                    started,
                    took: started.elapsed(),
                    status,
                    retry_after,
                    code: problem["code"].as_str().map(str::to_owned),
                    submission: (i % 2 == 1).then_some((key, body)),
                });
            }
            seen
        }));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    let cut_at = Instant::now();
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers().contains_key("retry-after"));
    tokio::time::sleep(Duration::from_secs(27)).await;
    let back_at = Instant::now();
    proxy.resume().await;

    // It comes back by itself.
    let mut recovered = None;
    for _ in 0..300 {
        if app.get("/health/ready", None).await.status() == StatusCode::OK {
            recovered = Some(back_at.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = recovered.expect("ready again within 30 s of the database's return");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await.expect("worker"));
    }

    let mut by_status = BTreeMap::new();
    for s in &samples {
        *by_status.entry(s.status).or_insert(0) += 1;
        // No request hangs, whatever the database does.
        assert!(
            s.took < Duration::from_secs(5),
            "a request took {:?} (status {})",
            s.took,
            s.status
        );
        assert!(
            matches!(s.status, 200 | 201 | 503),
            "status {} {:?}",
            s.status,
            s.code
        );
        if s.status == 503 {
            assert!(s.retry_after, "503 without Retry-After");
            assert_eq!(s.code.as_deref(), Some("service_unavailable"));
        }
        // In the middle of the outage everything is a 503.
        if s.started > cut_at + Duration::from_secs(1) && s.started + s.took < back_at {
            assert_eq!(s.status, 503);
        }
    }
    assert!(
        by_status.get(&503).copied().unwrap_or(0) > 10,
        "{by_status:?}"
    );
    let after: Vec<_> = samples
        .iter()
        .filter(|s| s.started > back_at + recovered)
        .collect();
    assert!(!after.is_empty() && after.iter().all(|s| matches!(s.status, 200 | 201)));

    // No submission lost or doubled: each 201 is a row, and each refused one, sent again with
    // its key once the locks of the outage have lapsed, is made now or was made then.
    expire_idempotency_locks(app.db()).await;
    let mut expected = 0_i64;
    for s in &samples {
        let Some((key, body)) = &s.submission else {
            continue;
        };
        expected += 1;
        if s.status == 503 {
            let again = app
                .request(reqwest::Method::POST, "/api/v1/submissions", Some(&d.voter))
                .header("Idempotency-Key", key)
                .json(body)
                .send()
                .await
                .expect("sent");
            match again.status().as_u16() {
                201 => {}
                409 => {
                    let problem: Value = again.json().await.expect("json");
                    assert_eq!(problem["code"], "idempotency_applied");
                }
                other => panic!("a retried submission answered {other}"),
            }
        }
    }
    assert_eq!(count_rows(app.db(), "submissions").await, expected);
}

struct Sample {
    started: Instant,
    took: Duration,
    status: u16,
    retry_after: bool,
    code: Option<String>,
    submission: Option<(String, Value)>,
}

/// Sends `head` and then `body` one byte a second on a raw connection (no client library would
/// send this slowly), and returns the status line the server answered with, how many body bytes
/// went out before it did, and when.
async fn trickle(port: u16, head: String, body: Vec<u8>) -> (String, usize, Duration) {
    use tokio::io::AsyncReadExt;
    let started = Instant::now();
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await.expect("head");
        let mut sent = 0;
        for byte in body {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        sent
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), reader.read_to_end(&mut answer)).await;
    let took = started.elapsed();
    sender.abort();
    let sent = sender.await.unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    (answer, sent, took)
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

#[tokio::test]
async fn clients_sending_a_byte_a_second_are_cut_with_408_and_hold_up_no_one() {
    let body_timeout = Duration::from_secs(4);
    let app = spawn_app_with(|s| s.body_timeout = body_timeout).await;
    let s = app.scheduling(0).await;
    let voter = app.voter_session("慢速客户端").await;
    let before = count_rows(app.db(), "submissions").await;
    let station_url = app.url(&format!("/api/v1/stations/{}", s.station));
    let client = reqwest::Client::new();

    // What a station read takes on this machine with no one trickling.
    let mut baseline = Vec::new();
    for _ in 0..40 {
        let started = Instant::now();
        let status = client.get(&station_url).send().await.unwrap().status();
        assert_eq!(status, StatusCode::OK);
        baseline.push(started.elapsed());
    }

    // Twenty voters' submissions arriving a byte a second: ten times the service's workers, so
    // that a slow body holding a worker would hold them all.
    let body = serde_json::to_vec(&submission_body(&s.station, 0)).expect("json");
    let head = format!(
        "POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        voter.access,
        body.len()
    );
    let slow: Vec<_> = (0..20)
        .map(|_| tokio::spawn(trickle(app.port, head.clone(), body.clone())))
        .collect();

    // Meanwhile, station reads one after another until the slow ones are cut.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut during = Vec::new();
    let reading = Instant::now();
    while reading.elapsed() < body_timeout - Duration::from_millis(800) {
        let started = Instant::now();
        let status = client.get(&station_url).send().await.unwrap().status();
        assert_eq!(status, StatusCode::OK);
        during.push(started.elapsed());
    }

    for handle in slow {
        let (answer, sent, took) = handle.await.expect("slow client");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
        assert!(sent < body.len(), "the body was cut before it was all sent");
        assert!(
            took >= body_timeout && took < body_timeout + Duration::from_secs(5),
            "cut after {took:?}, the timeout being {body_timeout:?}"
        );
    }
    assert_eq!(count_rows(app.db(), "submissions").await, before);

    baseline.sort();
    during.sort();
    let (p50_before, p50_during) = (quantile(&baseline, 0.5), quantile(&during, 0.5));
    let worst = *during.last().expect("reads");
    println!(
        "station read alone: p50 {p50_before:?}, max {:?}; beside 20 trickling clients: {} reads, \
         p50 {p50_during:?}, max {worst:?}",
        baseline.last().expect("reads"),
        during.len()
    );
    // Were the trickling bodies holding workers, the reads would wait for the 408s, a whole
    // body timeout; a second is far above any read here and far below that.
    assert!(
        worst < Duration::from_secs(1),
        "a read waited {worst:?} beside the slow clients"
    );
    assert!(
        during.len() >= 10,
        "only {} reads got through",
        during.len()
    );
}
