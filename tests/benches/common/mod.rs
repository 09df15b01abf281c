//! What the benchmarks share: settings from the environment, the serving process (this same
//! bench program started again in serving mode on the seeded database, so that its memory is
//! the service's alone) and its memory from `/proc`.
//!
//! Each bench includes it with `mod common;` and uses what it needs.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The environment variable `name` parsed, or `default` when it is unset or does not parse.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A `/proc/<pid>/status` figure (`VmRSS:`, `VmHWM:`, `RssAnon:`, ...) in MiB.
pub fn memory(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The seeded database served by this program in serving mode.
pub struct Server {
    pub child: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    /// SIGTERM, as a deployment stops it (a profiler wrapping it then writes its report); also
    /// when a check fails, so that no server outlives the run.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Starts this program again with `<PREFIX>_SERVE=<database_url>` and `<PREFIX>_SERVE_DIR`
/// (a fresh data directory), which its `main` takes for serving mode, and waits for the port it
/// prints. `<PREFIX>_SERVE_WRAP="valgrind --tool=massif"` runs it under a profiler.
pub fn start_server(prefix: &str, database_url: &str) -> Server {
    let dir = tempfile::tempdir().expect("temporary directory");
    let wrap = std::env::var(format!("{prefix}_SERVE_WRAP")).unwrap_or_default();
    let mut words = wrap.split_whitespace();
    let this = std::env::current_exe().expect("this program");
    let mut command = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(&this);
            c
        }
        None => Command::new(&this),
    };
    let mut child = command
        .env(format!("{prefix}_SERVE"), database_url)
        .env(format!("{prefix}_SERVE_DIR"), dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the serving process starts");
    // The port comes on stdout; whatever else the server prints (its log) is passed on to
    // stderr, so that the pipe never fills and blocks it.
    let stdout = child.stdout.take().expect("stdout");
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match line
                .strip_prefix("port ")
                .and_then(|p| p.parse::<u16>().ok())
            {
                Some(port) => {
                    let _ = port_tx.send(port);
                }
                None => eprintln!("{line}"),
            }
        }
    });
    let port = port_rx.recv().expect("the serving process's port");
    Server {
        child,
        address: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}
