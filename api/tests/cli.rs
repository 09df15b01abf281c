//! The `lianluo` binary itself: its subcommands, its start-up checks and its graceful shutdown.
//! (The HTTP behaviour is tested in `tests/`, against the library.)

// Helpers of a test binary may fail loudly: that is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_lianluo");

/// A fresh database for one test: a SQLite file in `dir`, or a new PostgreSQL database when
/// `TEST_DATABASE_URL` is set (dropped at the end).
struct TestDb {
    url: String,
    postgres: Option<(String, String)>,
}

impl TestDb {
    fn new(dir: &Path) -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!("lianluo_cli_{}", uuid::Uuid::now_v7().simple());
                psql(&admin, &format!("CREATE DATABASE \"{name}\""));
                let mut url = admin.clone();
                let cut = url.rfind('/').expect("a database in TEST_DATABASE_URL");
                url.truncate(cut + 1);
                url.push_str(&name);
                TestDb {
                    url,
                    postgres: Some((admin, name)),
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}", dir.join("cli.db").display()),
                postgres: None,
            },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres {
            psql(
                admin,
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            );
        }
    }
}

/// Runs one statement on the PostgreSQL server of `url`, through the service's own driver.
fn psql(url: &str, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(url)
            .await
            .expect("TEST_DATABASE_URL reachable");
        db.execute_unprepared(sql).await.expect(sql);
        db.close().await.unwrap();
    });
}

fn lianluo(dir: &Path, db: &TestDb, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("LIANLUO_DATA_DIR", dir)
        .env("DATABASE_URL", &db.url)
        .env("LIANLUO_LOG", "json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_refuses_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    let out = lianluo(
        dir.path(),
        &db,
        &["create-admin", "--username", "chief"],
        "a long passphrase\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("created global administrator chief"));
    assert!(!text(&out.stdout).contains("a long passphrase"));

    let out = lianluo(
        dir.path(),
        &db,
        &["create-admin", "--username", "CHIEF"],
        "another passphrase\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );

    let out = lianluo(
        dir.path(),
        &db,
        &["create-admin", "--username", "weak"],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("password"),
        "{}",
        text(&out.stderr)
    );

    let out = lianluo(
        dir.path(),
        &db,
        &["create-admin", "--username", "silent"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no password"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("LIANLUO_BIND", "localhost"),
        ("LIANLUO_LOG", "xml"),
        ("LIANLUO_JWT_SECRET", "too-short"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("LIANLUO_SHUTDOWN_TIMEOUT_SECS", "soon"),
    ];
    for (variable, value) in cases {
        let out = Command::new(BIN)
            .env_clear()
            .env("LIANLUO_DATA_DIR", dir.path())
            .env(variable, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{variable}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
    }
}

#[test]
fn development_sign_in_is_refused_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .env_clear()
        .env("LIANLUO_DATA_DIR", dir.path())
        .env("LIANLUO_ENV", "production")
        .env("WECHAT_DEV_LOGIN", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("WECHAT_DEV_LOGIN"), "{stderr}");
    assert!(stderr.contains("production"), "{stderr}");
}

#[test]
fn migrate_up_then_status_lists_every_migration_as_applied() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    let out = lianluo(dir.path(), &db, &["migrate", "status"], "");
    assert!(
        text(&out.stdout).contains("pending"),
        "{}",
        text(&out.stdout)
    );
    let out = lianluo(dir.path(), &db, &["migrate", "up"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = lianluo(dir.path(), &db, &["migrate", "status"], "");
    let listing = text(&out.stdout);
    assert!(listing.lines().count() >= 4, "{listing}");
    assert!(
        listing.lines().all(|l| l.starts_with("applied")),
        "{listing}"
    );
}

#[test]
fn openapi_prints_the_committed_contract() {
    let out = Command::new(BIN)
        .arg("openapi")
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap();
    assert_eq!(text(&out.stdout), committed);
}

/// Everything the server printed so far.
type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Starts `lianluo serve` on a random port and returns it with the port it listens on.
fn serve(dir: &Path, db: &TestDb) -> (Child, u16) {
    let (child, port, _) = serve_logged(dir, db);
    (child, port)
}

fn serve_logged(dir: &Path, db: &TestDb) -> (Child, u16, Log) {
    let mut child = Command::new(BIN)
        .env_clear()
        .env("LIANLUO_DATA_DIR", dir)
        .env("DATABASE_URL", &db.url)
        .env("LIANLUO_BIND", "127.0.0.1:0")
        .env("LIANLUO_LOG", "json")
        .env("LIANLUO_SHUTDOWN_TIMEOUT_SECS", "20")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let log = Log::default();
    let lines = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            lines.lock().unwrap().push(line.clone());
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(&line)
                && let Some(port) = json["port"].as_u64()
            {
                let _ = tx.send(port as u16);
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server announces its port");
    (child, port, log)
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the server did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` body from `stream`, leaving the
/// connection open for the next request.
fn read_response(stream: &mut BufReader<TcpStream>) -> String {
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).unwrap();
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        head.push_str(&line);
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    head + &text(&body)
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    let (mut child, port) = serve(dir.path(), &db);

    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut stream = BufReader::new(stream);
    // A first answer on this connection proves the server has accepted it: a connection still
    // waiting in the listen queue when the signal comes would be reset, and that is not what this
    // test is about (it happened when the machine was busy).
    write!(
        stream.get_mut(),
        "GET /health/ready HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    let ready = read_response(&mut stream);
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");

    // A request whose body is still arriving when the signal comes.
    let body = br#"{"username":"nobody","password":"not a real password"}"#;
    write!(
        stream.get_mut(),
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.get_mut().write_all(&body[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    sigterm(&child);
    // New connections are refused once shutdown has begun (how soon depends on the machine).
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).is_ok()
    {
        assert!(
            Instant::now() < deadline,
            "new connections were still accepted 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // The request in flight still gets its whole answer.
    stream.get_mut().write_all(&body[10..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(response.contains("invalid_credentials"), "{response}");

    let status = wait_for_exit(&mut child, Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_service_creates_and_migrates_its_database_and_secret_at_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb {
        url: format!("sqlite://{}", dir.path().join("fresh/lianluo.db").display()),
        postgres: None,
    };
    let (mut child, port, log) = serve_logged(dir.path(), &db);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    sigterm(&child);
    assert!(wait_for_exit(&mut child, Duration::from_secs(20)).success());
    assert!(dir.path().join("fresh/lianluo.db").exists());
    let secret = dir.path().join("jwt-secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let secret = std::fs::read_to_string(&secret).unwrap();
    assert!(secret.len() >= 32);
    let log = log.lock().unwrap().join("\n");
    assert!(log.contains("generated a new JWT secret"), "{log}");
    assert!(!log.contains(secret.trim()), "the secret was logged");
}
