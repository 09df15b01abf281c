//! Settings of the service, read once from the environment at start-up.
//!
//! Every variable, its default and its meaning:
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite://<LIANLUO_DATA_DIR>/lianluo.db` | `sqlite://path` or `postgres://user@host/db` |
//! | `LIANLUO_BIND` | `127.0.0.1:8080` | address and port to listen on |
//! | `LIANLUO_DATA_DIR` | `./data` | where the SQLite file and the generated JWT secret live |
//! | `LIANLUO_JWT_SECRET` | generated | HMAC key for access tokens, at least 32 bytes; when unset a random one is generated once into `<data dir>/jwt-secret` (mode 0600) and reused |
//! | `LIANLUO_JWT_PREVIOUS_SECRETS` | none | comma-separated earlier secrets, still accepted for verification during a key rotation |
//! | `LIANLUO_LOG` | `pretty` | `pretty` for people, `json` for log collectors |
//! | `RUST_LOG` | `info` | log filter (tracing `EnvFilter` syntax) |
//! | `LIANLUO_DB_MAX_CONNECTIONS` | `10` | size of the (reading) connection pool |
//! | `LIANLUO_SHUTDOWN_TIMEOUT_SECS` | `30` | how long in-flight requests may take to finish after SIGTERM |
//! | `LIANLUO_BODY_TIMEOUT_SECS` | `15` | how long a client may take to send a request body (then 408) |
//! | `LIANLUO_LOGIN_ACCOUNT_BURST` | `10` | failed-or-not login attempts allowed at once for one account |
//! | `LIANLUO_LOGIN_ACCOUNT_PERIOD_SECS` | `60` | one more attempt for that account every this many seconds |
//! | `LIANLUO_LOGIN_IP_BURST` | `30` | login attempts allowed at once from one client address |
//! | `LIANLUO_LOGIN_IP_PERIOD_SECS` | `2` | one more attempt from that address every this many seconds |
//! | `LIANLUO_SMS_GATEWAY_URL` | none | where SMS notifications are POSTed (see `notify::sms`); without it they stay queued, visible at `GET /api/v1/notifications` |
//! | `LIANLUO_SMS_GATEWAY_TOKEN` | none | sent to the gateway as `Authorization: Bearer` |
//! | `LIANLUO_OUTBOX_POLL_MS` | `5000` | how often the notification sender looks for due messages |
//! | `LIANLUO_OUTBOX_RETRY_BASE_MS` | `30000` | the first retry delay of a failed send; it doubles each time, up to an hour |
//! | `LIANLUO_OUTBOX_MAX_ATTEMPTS` | `8` | attempts before a message is marked failed |
//! | `LIANLUO_TRUST_FORWARDED_FOR` | `false` | take the client address from `X-Forwarded-For` (only behind a reverse proxy you run) |
//! | `LIANLUO_ENV` | `development` | `production` refuses development shortcuts such as `WECHAT_DEV_LOGIN` |
//! | `WECHAT_API_BASE` | `https://api.weixin.qq.com` | where WeChat's server API is called (tests point it at a fake) |
//! | `WECHAT_APPID` / `WECHAT_SECRET` | none | the mini-program's credentials; without both, WeChat sign-in answers 503 |
//! | `WECHAT_DEV_LOGIN` | `false` | accept `dev:<name>` codes without calling WeChat (front-end development only) |
//! | `LIANLUO_WECHAT_LOGIN_IP_BURST` / `_PERIOD_SECS` | `20` / `3` | WeChat sign-ins per client address |
//! | `LIANLUO_SUBMIT_VOTER_BURST` / `_PERIOD_SECS` | `10` / `360` | submissions per voter account |
//! | `LIANLUO_SUBMIT_IP_BURST` / `_PERIOD_SECS` | `30` / `60` | submissions per client address (any caller) |
//! | `LIANLUO_SUBMIT_ANON_IP_BURST` / `_PERIOD_SECS` | `5` / `600` | anonymous submissions per client address |
//! | `LIANLUO_TRACK_IP_BURST` / `_PERIOD_SECS` | `10` / `30` | tracking look-ups per client address (guessing access codes) |
//! | `LIANLUO_UPLOAD_IP_BURST` / `_PERIOD_SECS` | `30` / `20` | photo uploads per client address |
//! | `LIANLUO_QR_URL_TEMPLATE` | `https://example.invalid/q/{code}` | what a station's or deputy's QR code encodes: an http(s) URL with `{code}` once, where the public code goes |
//! | `LIANLUO_WEBHOOK_ALLOW_INSECURE` | `false` | development only (refused in production): webhooks may target plain HTTP and loopback addresses |
//! | `LIANLUO_WEBHOOK_RESOLVE` | none | fixed addresses for webhook hosts instead of DNS, `host=ip[\|ip...]` comma-separated (still screened) |
//! | `LIANLUO_WEBHOOK_POLL_MS` | `1000` | how often the webhook worker looks for new events and due deliveries |
//! | `LIANLUO_WEBHOOK_TIMEOUT_MS` | `10000` | how long a receiver may take to answer a delivery |
//! | `LIANLUO_WEBHOOK_RETRY_BASE_MS` | `10000` | the first retry delay of a failed delivery; it doubles, up to an hour, with jitter |
//! | `LIANLUO_WEBHOOK_RETRY_WINDOW_SECS` | `86400` | how long a delivery is retried before it fails, and how long a webhook may fail without a success before it is paused |
//!
//! A bad value stops start-up with one line naming the variable.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A login throttle: `burst` attempts at once, then one more every `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSettings {
    pub burst: NonZeroU32,
    pub period: Duration,
}

/// Everything the service is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// `None` means "generate or reuse `<data dir>/jwt-secret`".
    pub jwt_secret: Option<Secret>,
    pub jwt_previous_secrets: Vec<Secret>,
    pub log_format: LogFormat,
    pub db_max_connections: u32,
    pub shutdown_timeout: Duration,
    /// How long a client may take to send a request body.
    pub body_timeout: Duration,
    pub login_per_account: ThrottleSettings,
    pub login_per_ip: ThrottleSettings,
    pub trust_forwarded_for: bool,
    /// How long an access token lives.
    pub access_token_ttl: Duration,
    /// How long a sign-in session may be refreshed before the user must sign in again.
    pub session_ttl: Duration,
    /// What a QR code encodes: an http(s) URL with `{code}` where the public code goes.
    pub qr_url_template: String,
    /// The SMS gateway; `None` keeps SMS notifications queued.
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_token: Option<Secret>,
    /// How often the notification sender looks for due messages.
    pub outbox_poll_interval: Duration,
    /// The first retry delay of a failed send (doubling, capped at an hour).
    pub outbox_retry_base: Duration,
    pub outbox_max_attempts: u32,
    /// `LIANLUO_ENV=production`.
    pub production: bool,
    pub wechat_api_base: String,
    pub wechat_appid: Option<String>,
    pub wechat_secret: Option<Secret>,
    pub wechat_dev_login: bool,
    /// How long a call to WeChat may take.
    pub wechat_timeout: Duration,
    pub wechat_login_per_ip: ThrottleSettings,
    pub submit_per_voter: ThrottleSettings,
    pub submit_per_ip: ThrottleSettings,
    pub anonymous_submit_per_ip: ThrottleSettings,
    pub track_per_ip: ThrottleSettings,
    pub upload_per_ip: ThrottleSettings,
    /// Development switch: webhooks may target plain HTTP and loopback addresses.
    pub webhook_allow_insecure: bool,
    /// Fixed addresses of webhook target host names, used instead of DNS (still screened).
    pub webhook_resolve: Vec<(String, Vec<std::net::IpAddr>)>,
    /// How often the webhook worker looks for new events and due deliveries.
    pub webhook_poll_interval: Duration,
    /// How long a receiver may take to answer a delivery.
    pub webhook_timeout: Duration,
    /// The first retry delay of a failed delivery (doubling, capped at an hour, with jitter).
    pub webhook_retry_base: Duration,
    /// How long a delivery is retried before it is failed, and how long a webhook may fail
    /// without a success before it is paused.
    pub webhook_retry_window: Duration,
}

/// The QR code template when none is configured: a reserved domain, so that nobody mistakes an
/// unconfigured deployment's codes for real ones.
pub const DEFAULT_WECHAT_API_BASE: &str = "https://api.weixin.qq.com";

pub const DEFAULT_QR_URL_TEMPLATE: &str = "https://example.invalid/q/{code}";

/// A variable that could not be used, and why.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl ConfigError {
    fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            reason: reason.into(),
        }
    }
}

/// The shortest JWT secret accepted: 256 bits, as RFC 7518 asks for HS256.
pub const MIN_SECRET_BYTES: usize = 32;

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so that tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut settings =
            Settings::with_data_dir(var("LIANLUO_DATA_DIR").unwrap_or_else(|| "./data".into()));

        if let Some(url) = var("DATABASE_URL") {
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|prefix| url.starts_with(prefix)) {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "must start with sqlite: or postgres://",
                ));
            }
            settings.database_url = url;
        }
        if let Some(v) = var("LIANLUO_BIND") {
            settings.bind = v.parse().map_err(|_| {
                ConfigError::new("LIANLUO_BIND", format!("`{v}` is not an address:port"))
            })?;
        }
        // An empty LIANLUO_JWT_SECRET is a mistake, not "unset": it is checked like any value.
        if let Some(v) = lookup("LIANLUO_JWT_SECRET") {
            settings.jwt_secret = Some(parse_secret("LIANLUO_JWT_SECRET", &v)?);
        }
        if let Some(v) = var("LIANLUO_JWT_PREVIOUS_SECRETS") {
            settings.jwt_previous_secrets = v
                .split(',')
                .map(|s| parse_secret("LIANLUO_JWT_PREVIOUS_SECRETS", s.trim()))
                .collect::<Result<_, _>>()?;
        }
        settings.log_format = match var("LIANLUO_LOG").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "LIANLUO_LOG",
                    format!("`{other}` is neither `pretty` nor `json`"),
                ));
            }
        };
        let number = |name: &'static str, min: u32, max: u32| -> Result<Option<u32>, ConfigError> {
            let Some(v) = var(name) else { return Ok(None) };
            match v.trim().parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(ConfigError::new(
                    name,
                    format!("`{v}` is not a whole number from {min} to {max}"),
                )),
            }
        };
        let seconds = |n: u32| Duration::from_secs(u64::from(n));
        if let Some(n) = number("LIANLUO_DB_MAX_CONNECTIONS", 1, 1000)? {
            settings.db_max_connections = n;
        }
        if let Some(n) = number("LIANLUO_SHUTDOWN_TIMEOUT_SECS", 1, 3600)? {
            settings.shutdown_timeout = seconds(n);
        }
        if let Some(n) = number("LIANLUO_BODY_TIMEOUT_SECS", 1, 600)? {
            settings.body_timeout = seconds(n);
        }
        let throttles = [
            (
                "LIANLUO_LOGIN_ACCOUNT_BURST",
                "LIANLUO_LOGIN_ACCOUNT_PERIOD_SECS",
                &mut settings.login_per_account,
            ),
            (
                "LIANLUO_LOGIN_IP_BURST",
                "LIANLUO_LOGIN_IP_PERIOD_SECS",
                &mut settings.login_per_ip,
            ),
            (
                "LIANLUO_WECHAT_LOGIN_IP_BURST",
                "LIANLUO_WECHAT_LOGIN_IP_PERIOD_SECS",
                &mut settings.wechat_login_per_ip,
            ),
            (
                "LIANLUO_SUBMIT_VOTER_BURST",
                "LIANLUO_SUBMIT_VOTER_PERIOD_SECS",
                &mut settings.submit_per_voter,
            ),
            (
                "LIANLUO_SUBMIT_IP_BURST",
                "LIANLUO_SUBMIT_IP_PERIOD_SECS",
                &mut settings.submit_per_ip,
            ),
            (
                "LIANLUO_SUBMIT_ANON_IP_BURST",
                "LIANLUO_SUBMIT_ANON_IP_PERIOD_SECS",
                &mut settings.anonymous_submit_per_ip,
            ),
            (
                "LIANLUO_TRACK_IP_BURST",
                "LIANLUO_TRACK_IP_PERIOD_SECS",
                &mut settings.track_per_ip,
            ),
            (
                "LIANLUO_UPLOAD_IP_BURST",
                "LIANLUO_UPLOAD_IP_PERIOD_SECS",
                &mut settings.upload_per_ip,
            ),
        ];
        for (burst_var, period_var, throttle) in throttles {
            if let Some(burst) = number(burst_var, 1, 1_000_000)?.and_then(NonZeroU32::new) {
                throttle.burst = burst;
            }
            if let Some(period) = number(period_var, 1, 86_400)? {
                throttle.period = seconds(period);
            }
        }
        settings.trust_forwarded_for = match var("LIANLUO_TRUST_FORWARDED_FOR").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "LIANLUO_TRUST_FORWARDED_FOR",
                    format!("`{other}` is neither true nor false"),
                ));
            }
        };
        if let Some(v) = var("LIANLUO_QR_URL_TEMPLATE") {
            settings.qr_url_template = parse_qr_template(&v)?;
        }
        if let Some(v) = var("LIANLUO_SMS_GATEWAY_URL") {
            settings.sms_gateway_url = Some(parse_http_url("LIANLUO_SMS_GATEWAY_URL", &v)?);
        }
        if let Some(v) = lookup("LIANLUO_SMS_GATEWAY_TOKEN") {
            if v.trim().is_empty() {
                return Err(ConfigError::new(
                    "LIANLUO_SMS_GATEWAY_TOKEN",
                    "is set but empty",
                ));
            }
            settings.sms_gateway_token = Some(Secret::new(v.trim().as_bytes().to_vec()));
        }
        let millis = |n: u32| Duration::from_millis(u64::from(n));
        if let Some(n) = number("LIANLUO_OUTBOX_POLL_MS", 10, 600_000)? {
            settings.outbox_poll_interval = millis(n);
        }
        if let Some(n) = number("LIANLUO_OUTBOX_RETRY_BASE_MS", 10, 3_600_000)? {
            settings.outbox_retry_base = millis(n);
        }
        if let Some(n) = number("LIANLUO_OUTBOX_MAX_ATTEMPTS", 1, 100)? {
            settings.outbox_max_attempts = n;
        }
        let flag = |name: &'static str| -> Result<bool, ConfigError> {
            match var(name).as_deref().map(str::trim) {
                None | Some("false") | Some("0") => Ok(false),
                Some("true") | Some("1") => Ok(true),
                Some(other) => Err(ConfigError::new(
                    name,
                    format!("`{other}` is neither true nor false"),
                )),
            }
        };
        settings.production = match var("LIANLUO_ENV").as_deref().map(str::trim) {
            None | Some("development") | Some("test") => false,
            Some("production") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "LIANLUO_ENV",
                    format!("`{other}` is not one of development, test, production"),
                ));
            }
        };
        if let Some(v) = var("WECHAT_API_BASE") {
            settings.wechat_api_base = parse_http_url("WECHAT_API_BASE", &v)?;
        }
        settings.wechat_appid = var("WECHAT_APPID").map(|v| v.trim().to_owned());
        settings.wechat_secret =
            var("WECHAT_SECRET").map(|v| Secret::new(v.trim().as_bytes().to_vec()));
        settings.wechat_dev_login = flag("WECHAT_DEV_LOGIN")?;
        if settings.wechat_dev_login && settings.production {
            return Err(ConfigError::new(
                "WECHAT_DEV_LOGIN",
                "is refused when LIANLUO_ENV=production",
            ));
        }
        settings.webhook_allow_insecure = flag("LIANLUO_WEBHOOK_ALLOW_INSECURE")?;
        if settings.webhook_allow_insecure && settings.production {
            return Err(ConfigError::new(
                "LIANLUO_WEBHOOK_ALLOW_INSECURE",
                "is refused when LIANLUO_ENV=production",
            ));
        }
        if let Some(v) = var("LIANLUO_WEBHOOK_RESOLVE") {
            settings.webhook_resolve = parse_resolve(&v)?;
        }
        if let Some(n) = number("LIANLUO_WEBHOOK_POLL_MS", 10, 600_000)? {
            settings.webhook_poll_interval = millis(n);
        }
        if let Some(n) = number("LIANLUO_WEBHOOK_TIMEOUT_MS", 100, 60_000)? {
            settings.webhook_timeout = millis(n);
        }
        if let Some(n) = number("LIANLUO_WEBHOOK_RETRY_BASE_MS", 10, 3_600_000)? {
            settings.webhook_retry_base = millis(n);
        }
        if let Some(n) = number("LIANLUO_WEBHOOK_RETRY_WINDOW_SECS", 1, 7 * 86_400)? {
            settings.webhook_retry_window = seconds(n);
        }
        Ok(settings)
    }

    /// The defaults, with the data (and the SQLite database) under `data_dir`.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Settings {
            database_url: default_sqlite_url(&data_dir),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            jwt_secret: None,
            jwt_previous_secrets: Vec::new(),
            log_format: LogFormat::Pretty,
            db_max_connections: 10,
            shutdown_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(15),
            login_per_account: ThrottleSettings {
                burst: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
                period: Duration::from_secs(60),
            },
            login_per_ip: ThrottleSettings {
                burst: NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
                period: Duration::from_secs(2),
            },
            trust_forwarded_for: false,
            access_token_ttl: Duration::from_secs(15 * 60),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            qr_url_template: DEFAULT_QR_URL_TEMPLATE.to_owned(),
            sms_gateway_url: None,
            sms_gateway_token: None,
            outbox_poll_interval: Duration::from_secs(5),
            outbox_retry_base: Duration::from_secs(30),
            outbox_max_attempts: 8,
            production: false,
            wechat_api_base: DEFAULT_WECHAT_API_BASE.to_owned(),
            wechat_appid: None,
            wechat_secret: None,
            wechat_dev_login: false,
            wechat_timeout: Duration::from_secs(5),
            wechat_login_per_ip: throttle(20, 3),
            submit_per_voter: throttle(10, 360),
            submit_per_ip: throttle(30, 60),
            anonymous_submit_per_ip: throttle(5, 600),
            track_per_ip: throttle(10, 30),
            upload_per_ip: throttle(30, 20),
            webhook_allow_insecure: false,
            webhook_resolve: Vec::new(),
            webhook_poll_interval: Duration::from_secs(1),
            webhook_timeout: Duration::from_secs(10),
            webhook_retry_base: Duration::from_secs(10),
            webhook_retry_window: Duration::from_secs(24 * 3600),
        }
    }
}

/// A burst of `burst`, then one more every `period_secs`.
fn throttle(burst: u32, period_secs: u64) -> ThrottleSettings {
    ThrottleSettings {
        burst: NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN),
        period: Duration::from_secs(period_secs),
    }
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("lianluo.db").display())
}

/// Checks an http(s) URL with a host.
fn parse_http_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    match url::Url::parse(value.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(value.trim().to_owned())
        }
        _ => Err(ConfigError::new(name, "must be an http:// or https:// URL")),
    }
}

/// Parses `LIANLUO_WEBHOOK_RESOLVE`: `host=ip[|ip...]`, comma-separated.
fn parse_resolve(value: &str) -> Result<Vec<(String, Vec<std::net::IpAddr>)>, ConfigError> {
    let name = "LIANLUO_WEBHOOK_RESOLVE";
    let mut out = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (host, ips) = entry
            .split_once('=')
            .ok_or_else(|| ConfigError::new(name, format!("`{entry}` is not host=ip")))?;
        let ips = ips
            .split('|')
            .map(|ip| ip.trim().parse())
            .collect::<Result<Vec<std::net::IpAddr>, _>>()
            .map_err(|_| ConfigError::new(name, format!("`{entry}` has an invalid address")))?;
        out.push((host.trim().to_ascii_lowercase(), ips));
    }
    Ok(out)
}

/// Checks a QR URL template: `{code}` once, and an http(s) URL once filled in.
fn parse_qr_template(value: &str) -> Result<String, ConfigError> {
    let name = "LIANLUO_QR_URL_TEMPLATE";
    let value = value.trim();
    if value.matches("{code}").count() != 1 {
        return Err(ConfigError::new(name, "must contain `{code}` exactly once"));
    }
    match url::Url::parse(&value.replace("{code}", "S2345678")) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(value.to_owned())
        }
        _ => Err(ConfigError::new(
            name,
            format!("`{value}` is not an http(s) URL"),
        )),
    }
}

fn parse_secret(variable: &'static str, value: &str) -> Result<Secret, ConfigError> {
    if value.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::new(
            variable,
            format!("must be at least {MIN_SECRET_BYTES} bytes long"),
        ));
    }
    Ok(Secret::new(value.as_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    /// The table at the top of this file is the operators' reference: every variable the code
    /// reads must be in it (a `_PERIOD_SECS` may share the row of its `_BURST`).
    #[test]
    fn the_table_of_variables_lists_every_variable_read() {
        let source = include_str!("config.rs");
        let (doc, code): (Vec<&str>, Vec<&str>) =
            source.lines().partition(|line| line.starts_with("//!"));
        let doc = doc.join("\n");
        let code = code.join("\n");
        let mut read = std::collections::BTreeSet::new();
        for piece in code.split('"').skip(1).step_by(2) {
            let is_variable = (piece.starts_with("LIANLUO_") || piece.starts_with("WECHAT_"))
                && piece.len() > "LIANLUO_".len()
                && piece
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if is_variable {
                read.insert(piece);
            }
        }
        assert!(read.len() > 30, "{read:?}");
        for variable in read {
            let listed = doc.contains(&format!("`{variable}`"))
                || variable
                    .strip_suffix("_PERIOD_SECS")
                    .is_some_and(|stem| doc.contains(&format!("`{stem}_BURST` / `_PERIOD_SECS`")));
            assert!(
                listed,
                "{variable} is read but not in the table of variables"
            );
        }
    }

    #[test]
    fn defaults_match_the_readme() {
        let s = from(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://./data/lianluo.db");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert!(s.jwt_secret.is_none());
        assert_eq!(s.log_format, LogFormat::Pretty);
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.qr_url_template, "https://example.invalid/q/{code}");
        assert_eq!(s.sms_gateway_url, None);
        assert_eq!(s.outbox_poll_interval, Duration::from_secs(5));
    }

    #[test]
    fn the_sms_gateway_is_configured_with_a_url_and_a_token() {
        let s = from(&[
            ("LIANLUO_SMS_GATEWAY_URL", "https://sms.example.cn/send"),
            ("LIANLUO_SMS_GATEWAY_TOKEN", "t0ken"),
        ])
        .unwrap();
        assert_eq!(
            s.sms_gateway_url.as_deref(),
            Some("https://sms.example.cn/send")
        );
        assert!(!format!("{s:?}").contains("t0ken"));
    }

    #[test]
    fn a_qr_template_needs_one_code_in_a_web_url() {
        let s = from(&[(
            "LIANLUO_QR_URL_TEMPLATE",
            "https://rd.example.cn/m/?c={code}",
        )])
        .unwrap();
        assert_eq!(s.qr_url_template, "https://rd.example.cn/m/?c={code}");
        for bad in [
            "https://rd.example.cn/",
            "ftp://x/{code}",
            "{code}",
            "https://x/{code}/{code}",
        ] {
            let err = from(&[("LIANLUO_QR_URL_TEMPLATE", bad)]).unwrap_err();
            assert_eq!(err.variable, "LIANLUO_QR_URL_TEMPLATE", "{bad}");
        }
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("DATABASE_URL", "mysql://x"),
            ("LIANLUO_BIND", "localhost"),
            ("LIANLUO_JWT_SECRET", "short"),
            ("LIANLUO_JWT_PREVIOUS_SECRETS", "short"),
            ("LIANLUO_LOG", "xml"),
            ("LIANLUO_DB_MAX_CONNECTIONS", "0"),
            ("LIANLUO_SHUTDOWN_TIMEOUT_SECS", "abc"),
            ("LIANLUO_BODY_TIMEOUT_SECS", "0"),
            ("LIANLUO_LOGIN_IP_BURST", "-1"),
            ("LIANLUO_TRUST_FORWARDED_FOR", "maybe"),
            ("LIANLUO_SMS_GATEWAY_URL", "smtp://mail"),
            ("LIANLUO_SMS_GATEWAY_TOKEN", " "),
            ("LIANLUO_OUTBOX_POLL_MS", "1"),
            ("LIANLUO_OUTBOX_RETRY_BASE_MS", "soon"),
            ("LIANLUO_OUTBOX_MAX_ATTEMPTS", "0"),
        ];
        for (variable, value) in cases {
            let err = from(&[(variable, value)]).unwrap_err();
            assert_eq!(err.variable, *variable, "{value}");
            assert!(err.to_string().starts_with(variable));
        }
    }

    #[test]
    fn the_secret_is_redacted_in_debug_output() {
        let secret = "x".repeat(40);
        let s = from(&[("LIANLUO_JWT_SECRET", &secret)]).unwrap();
        assert!(!format!("{s:?}").contains(&secret));
    }

    #[test]
    fn insecure_webhooks_are_refused_in_production() {
        let err = from(&[
            ("LIANLUO_WEBHOOK_ALLOW_INSECURE", "true"),
            ("LIANLUO_ENV", "production"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "LIANLUO_WEBHOOK_ALLOW_INSECURE");
        let s = from(&[
            ("LIANLUO_WEBHOOK_ALLOW_INSECURE", "1"),
            ("LIANLUO_WEBHOOK_TIMEOUT_MS", "2500"),
        ])
        .unwrap();
        assert!(s.webhook_allow_insecure);
        assert_eq!(s.webhook_timeout, Duration::from_millis(2500));
        assert_eq!(
            from(&[("LIANLUO_WEBHOOK_RETRY_WINDOW_SECS", "0")])
                .unwrap_err()
                .variable,
            "LIANLUO_WEBHOOK_RETRY_WINDOW_SECS"
        );
        let s = from(&[(
            "LIANLUO_WEBHOOK_RESOLVE",
            "Intranet.example=10.0.0.7|fd00::7, b.example=93.184.216.34",
        )])
        .unwrap();
        assert_eq!(s.webhook_resolve.len(), 2);
        assert_eq!(s.webhook_resolve[0].0, "intranet.example");
        assert_eq!(s.webhook_resolve[0].1.len(), 2);
        for bad in ["nohost", "a.example=not-an-ip"] {
            assert_eq!(
                from(&[("LIANLUO_WEBHOOK_RESOLVE", bad)])
                    .unwrap_err()
                    .variable,
                "LIANLUO_WEBHOOK_RESOLVE"
            );
        }
        let defaults = from(&[]).unwrap();
        assert_eq!(defaults.webhook_timeout, Duration::from_secs(10));
        assert_eq!(defaults.webhook_retry_window, Duration::from_secs(86_400));
    }

    #[test]
    fn wechat_dev_login_is_refused_in_production() {
        let err = from(&[("WECHAT_DEV_LOGIN", "true"), ("LIANLUO_ENV", "production")]).unwrap_err();
        assert_eq!(err.variable, "WECHAT_DEV_LOGIN");
        let s = from(&[("WECHAT_DEV_LOGIN", "true")]).unwrap();
        assert!(s.wechat_dev_login && !s.production);
        assert_eq!(
            from(&[("LIANLUO_ENV", "staging")]).unwrap_err().variable,
            "LIANLUO_ENV"
        );
        assert_eq!(
            from(&[("WECHAT_DEV_LOGIN", "yes")]).unwrap_err().variable,
            "WECHAT_DEV_LOGIN"
        );
        assert_eq!(
            from(&[("WECHAT_API_BASE", "ftp://x")])
                .unwrap_err()
                .variable,
            "WECHAT_API_BASE"
        );
    }

    #[test]
    fn the_wechat_secret_is_redacted_and_limits_are_read() {
        let s = from(&[
            ("WECHAT_APPID", "wx0123"),
            ("WECHAT_SECRET", "wechat-secret-value"),
            ("LIANLUO_TRACK_IP_BURST", "3"),
            ("LIANLUO_SUBMIT_ANON_IP_PERIOD_SECS", "7"),
        ])
        .unwrap();
        assert!(!format!("{s:?}").contains("wechat-secret-value"));
        assert_eq!(s.wechat_appid.as_deref(), Some("wx0123"));
        assert_eq!(s.track_per_ip.burst.get(), 3);
        assert_eq!(s.anonymous_submit_per_ip.period, Duration::from_secs(7));
    }

    #[test]
    fn data_dir_moves_the_default_database() {
        let s = from(&[("LIANLUO_DATA_DIR", "/srv/lianluo")]).unwrap();
        assert_eq!(s.database_url, "sqlite:///srv/lianluo/lianluo.db");
    }
}
