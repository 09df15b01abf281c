//! The client: its configuration, the two calls lianluo makes, and how WeChat's answers (and the
//! network's failures) become an [`Error`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use super::token::{self, AccessToken, TOKEN_PATH, TokenCache};

/// Where the WeChat server API lives.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// How long one request to WeChat may take in production. A login waits for it, so it is short.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

const LOGIN_PATH: &str = "sns/jscode2session";
const PHONE_PATH: &str = "wxa/business/getuserphonenumber";

/// When to try again after a timeout or WeChat's "system busy": these pass quickly.
const RETRY_SOON: Duration = Duration::from_secs(5);
/// When to try again after any other failure to get an answer.
pub(super) const RETRY_LATER: Duration = Duration::from_secs(30);
/// When to try again after WeChat's rate limit (45011), which counts per minute.
const RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// The errcodes of `getuserphonenumber` that mean the access token is invalid (40001) or
/// expired (42001): another fetch of the token fixes them.
const TOKEN_REJECTED: [i64; 2] = [40001, 42001];

/// The app secret. Its `Debug` prints `<redacted>`, so a `Config` can be logged.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the requests that carry it (and nothing else).
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What the client needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    /// The API's base URL, normally [`DEFAULT_API_BASE`]; tests point it at a fake WeChat. A
    /// path prefix (for a forwarding proxy) is kept.
    pub api_base: Url,
    /// The mini program's appid (`wx…`).
    pub appid: String,
    /// The mini program's app secret.
    pub secret: Secret,
    /// How long each request may take, from sending to the last byte of the answer; normally
    /// [`DEFAULT_TIMEOUT`].
    pub timeout: Duration,
}

/// The WeChat client. Cloning is cheap, and clones share the access-token cache.
#[derive(Clone)]
pub struct WeChat {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_base: Url,
    appid: String,
    secret: Secret,
    timeout: Duration,
    login_url: Url,
    phone_url: Url,
    token_url: Url,
    tokens: TokenCache,
}

impl fmt::Debug for WeChat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChat")
            .field("api_base", &self.inner.api_base.as_str())
            .field("appid", &self.inner.appid)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Who logged in, from `jscode2session`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The user's id within this mini program.
    pub openid: String,
    /// The user's id across the apps of one WeChat Open Platform account, when the mini program
    /// is bound to one.
    pub unionid: Option<String>,
}

/// The phone number the user agreed to share, from `getuserphonenumber`. Its `Debug` hides the
/// number.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone {
    /// With the country code, as WeChat formats it (`+86 13800138000`); the local form for
    /// numbers without one.
    pub phone_number: String,
    /// Without the country code (`13800138000`).
    pub pure_phone_number: String,
    /// The country calling code, without `+` (`86`).
    pub country_code: String,
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phone")
            .field("country_code", &self.country_code)
            .field("phone_number", &format_args!("<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Why a call to WeChat did not give an answer. No variant carries the secret, a code, a token
/// or a phone number, so an `Error` can be logged as it is.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// The code is unknown, expired or already used (errcode 40029 or 40163). The client should
    /// ask the user again (`wx.login` / `getPhoneNumber`); answer with a 4xx.
    #[error("the WeChat code is invalid, expired or already used")]
    InvalidCode,
    /// WeChat's rate limit (errcode 45011). Answer 429 with `Retry-After`.
    #[error("WeChat's rate limit was reached; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// WeChat judged the user risky and refuses to serve them (errcode 40226). Answer 403.
    #[error("WeChat refuses to serve this user (risky account)")]
    RiskyUser,
    /// No usable answer: WeChat busy (errcode -1), a timeout, no connection, an HTTP error, or
    /// an answer that is not the expected JSON. Answer 503 with `Retry-After`.
    #[error("WeChat is unavailable: {reason}")]
    Unavailable {
        /// What went wrong, for the log.
        reason: String,
        retry_after: Duration,
    },
    /// The phone number was issued for another mini program (its watermark names another appid):
    /// the code was not obtained by our mini program. Answer with a 4xx.
    #[error("the phone number was issued for another mini program")]
    WatermarkMismatch,
    /// Any other errcode, which means our own misconfiguration (40013 invalid appid, 40125
    /// invalid secret, 40164 server IP not allow-listed, ...). Log it and answer 503.
    #[error("WeChat refused the request: errcode {errcode}: {errmsg}")]
    Refused { errcode: i64, errmsg: String },
}

impl WeChat {
    /// A client using `http` (built by the caller, with its TLS crypto provider installed).
    pub fn new(config: Config, http: reqwest::Client) -> Self {
        let Config {
            api_base,
            appid,
            secret,
            timeout,
        } = config;
        let inner = Inner {
            http,
            login_url: endpoint(&api_base, LOGIN_PATH),
            phone_url: endpoint(&api_base, PHONE_PATH),
            token_url: endpoint(&api_base, TOKEN_PATH),
            api_base,
            appid,
            secret,
            timeout,
            tokens: TokenCache::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The mini program's appid.
    pub fn appid(&self) -> &str {
        &self.inner.appid
    }

    /// Turns a `wx.login` code into who the user is (`sns/jscode2session`).
    pub async fn code_to_session(&self, code: &str) -> Result<Identity, Error> {
        // Deliberately without `session_key`: serde skips it, so it is never held anywhere.
        #[derive(Deserialize)]
        struct Reply {
            openid: String,
            unionid: Option<String>,
        }

        // WeChat would only answer 40029 after a round trip.
        if code.is_empty() {
            return Err(Error::InvalidCode);
        }
        let inner = &*self.inner;
        let mut url = inner.login_url.clone();
        url.query_pairs_mut()
            .append_pair("appid", &inner.appid)
            .append_pair("secret", inner.secret.expose())
            .append_pair("js_code", code)
            .append_pair("grant_type", "authorization_code");
        match exchange::<Reply>(inner.http.get(url), inner.timeout, LOGIN_PATH).await? {
            Answer::Ok(reply) if reply.openid.is_empty() => Err(malformed(LOGIN_PATH)),
            Answer::Ok(reply) => Ok(Identity {
                openid: reply.openid,
                unionid: reply.unionid.filter(|unionid| !unionid.is_empty()),
            }),
            Answer::Err { errcode, errmsg } => Err(errcode_error(LOGIN_PATH, errcode, &errmsg)),
        }
    }

    /// Turns a `getPhoneNumber` code into the user's phone number
    /// (`wxa/business/getuserphonenumber`), fetching an access token first if none is cached.
    pub async fn phone_number(&self, code: &str) -> Result<Phone, Error> {
        if code.is_empty() {
            return Err(Error::InvalidCode);
        }
        let mut retried = false;
        loop {
            let token = self.access_token().await?;
            match self.request_phone(code, &token).await? {
                Answer::Ok(reply) => return self.check_phone(reply),
                // The token was revoked or expired early (another process fetched one with the
                // old API, or clocks disagree): fetch another, and try once more. The code was
                // not looked at, so it is still good.
                Answer::Err { errcode, .. } if TOKEN_REJECTED.contains(&errcode) && !retried => {
                    tracing::warn!(
                        endpoint = PHONE_PATH,
                        errcode,
                        "WeChat rejected the cached access token; fetching another"
                    );
                    self.inner.tokens.invalidate(&token).await;
                    retried = true;
                }
                Answer::Err { errcode, errmsg } => {
                    return Err(errcode_error(PHONE_PATH, errcode, &errmsg));
                }
            }
        }
    }

    async fn access_token(&self) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        inner
            .tokens
            .get(|| {
                token::fetch(
                    &inner.http,
                    &inner.token_url,
                    inner.timeout,
                    &inner.appid,
                    &inner.secret,
                )
            })
            .await
    }

    async fn request_phone(
        &self,
        code: &str,
        token: &AccessToken,
    ) -> Result<Answer<PhoneReply>, Error> {
        #[derive(Serialize)]
        struct Request<'a> {
            code: &'a str,
        }

        let inner = &*self.inner;
        let mut url = inner.phone_url.clone();
        url.query_pairs_mut()
            .append_pair("access_token", token.as_str());
        let request = inner.http.post(url).json(&Request { code });
        exchange(request, inner.timeout, PHONE_PATH).await
    }

    fn check_phone(&self, reply: PhoneReply) -> Result<Phone, Error> {
        let info = reply.phone_info;
        if info.watermark.appid != self.inner.appid {
            tracing::debug!(
                endpoint = PHONE_PATH,
                "the phone number's watermark names another appid"
            );
            return Err(Error::WatermarkMismatch);
        }
        if info.pure_phone_number.is_empty() {
            return Err(malformed(PHONE_PATH));
        }
        Ok(Phone {
            phone_number: info.phone_number,
            pure_phone_number: info.pure_phone_number,
            country_code: info.country_code,
        })
    }
}

// The replies below have no `Debug`: they hold the phone number.

/// The success answer of `getuserphonenumber`.
#[derive(Deserialize)]
struct PhoneReply {
    phone_info: PhoneInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneInfo {
    phone_number: String,
    pure_phone_number: String,
    country_code: String,
    watermark: Watermark,
}

#[derive(Deserialize)]
struct Watermark {
    appid: String,
}

/// `path` under `base`. `Url::join` would drop the last segment of a base without a trailing
/// slash (`https://proxy/wechat` + `sns/...` = `https://proxy/sns/...`); this keeps it.
fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/{path}", base.path().trim_end_matches('/')));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// What WeChat said, once it said something readable.
pub(super) enum Answer<T> {
    /// errcode absent or 0, and the body had the expected fields.
    Ok(T),
    /// A non-zero errcode.
    Err { errcode: i64, errmsg: String },
}

/// The envelope every WeChat answer shares.
#[derive(Deserialize)]
struct Envelope {
    errcode: Option<i64>,
    errmsg: Option<String>,
}

/// Sends `request` (at most `timeout`) and reads WeChat's answer. `Err` means no usable answer
/// (always [`Error::Unavailable`]); an errcode is for the caller to interpret, since some
/// (40001) mean different things to different endpoints.
pub(super) async fn exchange<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    timeout: Duration,
    endpoint: &'static str,
) -> Result<Answer<T>, Error> {
    let response = request
        .timeout(timeout)
        .send()
        .await
        .map_err(|error| transport_error(endpoint, &error))?;
    let status = response.status();
    if !status.is_success() {
        tracing::debug!(
            endpoint,
            status = status.as_u16(),
            "WeChat answered an HTTP error"
        );
        return Err(Error::Unavailable {
            reason: format!("{endpoint}: HTTP {status}"),
            retry_after: RETRY_LATER,
        });
    }
    let body = response
        .bytes()
        .await
        .map_err(|error| transport_error(endpoint, &error))?;

    // serde_json's messages can quote the offending value (which could be a phone number or a
    // token), so the reasons below do not include them.
    let envelope: Envelope = serde_json::from_slice(&body).map_err(|_| {
        tracing::debug!(endpoint, "WeChat's answer is not a JSON object");
        Error::Unavailable {
            reason: format!("{endpoint}: the answer is not a JSON object"),
            retry_after: RETRY_LATER,
        }
    })?;
    match envelope.errcode {
        None | Some(0) => serde_json::from_slice(&body)
            .map(Answer::Ok)
            .map_err(|_| malformed(endpoint)),
        Some(errcode) => Ok(Answer::Err {
            errcode,
            errmsg: envelope.errmsg.unwrap_or_default(),
        }),
    }
}

/// An answer without the fields a success should have.
fn malformed(endpoint: &'static str) -> Error {
    tracing::debug!(endpoint, "WeChat's answer lacks the expected fields");
    Error::Unavailable {
        reason: format!("{endpoint}: the answer lacks the expected fields"),
        retry_after: RETRY_LATER,
    }
}

/// A request that got no answer. reqwest's own message names the URL, whose query holds the
/// secret or the access token, so the reason describes the kind of failure instead, plus its root
/// cause when that is an I/O error (`Connection refused`, a TLS alert), which names no URL.
fn transport_error(endpoint: &'static str, error: &reqwest::Error) -> Error {
    let (kind, retry_after) = if error.is_timeout() {
        ("timed out", RETRY_SOON)
    } else if error.is_connect() {
        ("could not connect", RETRY_LATER)
    } else if error.is_body() || error.is_decode() {
        ("the answer broke off", RETRY_LATER)
    } else {
        ("the request failed", RETRY_LATER)
    };
    tracing::debug!(endpoint, kind, "no answer from WeChat");

    let mut root: &dyn std::error::Error = error;
    while let Some(source) = root.source() {
        root = source;
    }
    let reason = match root.downcast_ref::<std::io::Error>() {
        Some(io) => format!("{endpoint}: {kind} ({io})"),
        None => format!("{endpoint}: {kind}"),
    };
    Error::Unavailable {
        reason,
        retry_after,
    }
}

/// The [`Error`] for a non-zero errcode (after the caller has handled the ones specific to it).
pub(super) fn errcode_error(endpoint: &'static str, errcode: i64, errmsg: &str) -> Error {
    tracing::debug!(endpoint, errcode, errmsg, "WeChat answered an errcode");
    match errcode {
        40029 | 40163 => Error::InvalidCode,
        45011 => Error::RateLimited {
            retry_after: RATE_LIMIT_WAIT,
        },
        40226 => Error::RiskyUser,
        -1 => Error::Unavailable {
            reason: format!("{endpoint}: WeChat is busy (errcode -1)"),
            retry_after: RETRY_SOON,
        },
        _ => Error::Refused {
            errcode,
            errmsg: errmsg.to_owned(),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    //! Against a fake WeChat (wiremock) over real HTTP.

    use serde_json::json;
    use wiremock::matchers::{body_json, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const APPID: &str = "wx0123456789abcdef";
    const SECRET: &str = "app-secret-5f1c9e0d7a";
    const LOGIN_CODE: &str = "login-code-0a1b2c3d";
    const PHONE_CODE: &str = "phone-code-9z8y7x6w";
    /// Long enough that a busy machine never trips it in tests that are not about timeouts.
    const TEST_TIMEOUT: Duration = Duration::from_secs(10);
    /// The timeout test's own limit: short so that the test is quick, and far below its fake's delay.
    const SHORT_TIMEOUT: Duration = Duration::from_millis(200);
    /// How long the timeout tests' fake takes to answer: a hundred times the short timeout.
    const SLOW_ANSWER: Duration = Duration::from_secs(20);

    fn http() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder().build().unwrap()
    }

    fn config(api_base: &str) -> Config {
        Config {
            api_base: Url::parse(api_base).unwrap(),
            appid: APPID.into(),
            secret: Secret::new(SECRET),
            timeout: TEST_TIMEOUT,
        }
    }

    fn config_with_timeout(api_base: &str, timeout: Duration) -> Config {
        Config {
            timeout,
            ..config(api_base)
        }
    }

    fn wechat(server: &MockServer) -> WeChat {
        WeChat::new(config(&server.uri()), http())
    }

    /// The address of a port that was free a moment ago (nobody listens there).
    fn closed_port() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    }

    fn errcode(errcode: i64, errmsg: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({ "errcode": errcode, "errmsg": errmsg }))
    }

    /// Logs in against a fake WeChat whose `jscode2session` answers `response` (once).
    async fn login_answered_with(response: ResponseTemplate) -> Result<Identity, Error> {
        login_answered_within(response, TEST_TIMEOUT).await
    }

    /// Like `login_answered_with`, with the client's timeout set to `timeout`.
    async fn login_answered_within(
        response: ResponseTemplate,
        timeout: Duration,
    ) -> Result<Identity, Error> {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        WeChat::new(config_with_timeout(&server.uri(), timeout), http())
            .code_to_session(LOGIN_CODE)
            .await
    }

    fn assert_unavailable(result: Result<Identity, Error>) -> String {
        match result {
            Err(Error::Unavailable { reason, .. }) => reason,
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    /// An error's texts mention none of the secrets of the request that failed.
    fn assert_discreet(error: &Error) {
        for text in [error.to_string(), format!("{error:?}")] {
            for secret in [SECRET, LOGIN_CODE, PHONE_CODE, "secret=", "access_token="] {
                assert!(!text.contains(secret), "{text:?} contains {secret:?}");
            }
        }
    }

    // jscode2session

    #[tokio::test]
    async fn login_sends_the_credentials_and_returns_the_openid() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .and(query_param("appid", APPID))
            .and(query_param("secret", SECRET))
            .and(query_param("js_code", LOGIN_CODE))
            .and(query_param("grant_type", "authorization_code"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "openid": "o-user-1", "session_key": "c2Vzc2lvbg==" })),
            )
            .expect(1)
            .mount(&server)
            .await;

        let identity = wechat(&server).code_to_session(LOGIN_CODE).await.unwrap();

        assert_eq!(
            identity,
            Identity {
                openid: "o-user-1".into(),
                unionid: None
            }
        );
    }

    #[tokio::test]
    async fn login_returns_the_unionid_when_wechat_sends_one() {
        let identity = login_answered_with(ResponseTemplate::new(200).set_body_json(json!({
            "openid": "o-user-1",
            "session_key": "c2Vzc2lvbg==",
            "unionid": "u-user-1",
            "errcode": 0,
            "errmsg": "ok",
        })))
        .await
        .unwrap();

        assert_eq!(identity.openid, "o-user-1");
        assert_eq!(identity.unionid.as_deref(), Some("u-user-1"));
    }

    #[tokio::test]
    async fn identity_debug_output_has_no_session_key() {
        let identity = login_answered_with(ResponseTemplate::new(200).set_body_json(json!({
            "openid": "o-user-1",
            "session_key": "c2Vzc2lvbg==",
        })))
        .await
        .unwrap();

        assert!(!format!("{identity:?}").contains("c2Vzc2lvbg=="));
    }

    #[tokio::test]
    async fn login_with_an_invalid_code_is_invalid_code() {
        let result = login_answered_with(errcode(40029, "invalid code")).await;
        assert!(matches!(result, Err(Error::InvalidCode)), "{result:?}");
    }

    #[tokio::test]
    async fn login_with_a_used_code_is_invalid_code() {
        let result = login_answered_with(errcode(40163, "code been used")).await;
        assert!(matches!(result, Err(Error::InvalidCode)), "{result:?}");
    }

    #[tokio::test]
    async fn login_with_an_empty_code_does_not_ask_wechat() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .mount(&server)
            .await;

        let result = wechat(&server).code_to_session("").await;

        assert!(matches!(result, Err(Error::InvalidCode)), "{result:?}");
    }

    #[tokio::test]
    async fn login_over_the_rate_limit_is_rate_limited_for_a_minute() {
        let result = login_answered_with(errcode(45011, "api minute-quota reach limit")).await;
        match result {
            Err(Error::RateLimited { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(60));
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn login_of_a_risky_user_is_risky_user() {
        let result = login_answered_with(errcode(40226, "high risk user")).await;
        assert!(matches!(result, Err(Error::RiskyUser)), "{result:?}");
    }

    #[tokio::test]
    async fn login_while_wechat_is_busy_is_unavailable() {
        let result = login_answered_with(errcode(-1, "system error")).await;
        match result {
            Err(Error::Unavailable { retry_after, .. }) => assert_eq!(retry_after, RETRY_SOON),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn login_answered_with_http_500_is_unavailable() {
        let reason = assert_unavailable(login_answered_with(ResponseTemplate::new(500)).await);
        assert!(reason.contains("500"), "{reason}");
    }

    #[tokio::test]
    async fn login_answered_with_html_is_unavailable() {
        let response = ResponseTemplate::new(200).set_body_string("<html>busy</html>");
        assert_unavailable(login_answered_with(response).await);
    }

    #[tokio::test]
    async fn login_answered_without_an_openid_is_unavailable() {
        let response = ResponseTemplate::new(200).set_body_json(json!({ "session_key": "abc" }));
        assert_unavailable(login_answered_with(response).await);
    }

    #[tokio::test]
    async fn login_slower_than_the_timeout_is_unavailable() {
        let slow = ResponseTemplate::new(200)
            .set_body_json(json!({ "openid": "o-user-1", "session_key": "abc" }))
            .set_delay(SLOW_ANSWER);

        let result = login_answered_within(slow, SHORT_TIMEOUT).await;

        match result {
            Err(Error::Unavailable {
                reason,
                retry_after,
            }) => {
                assert!(reason.contains("timed out"), "{reason}");
                assert_eq!(retry_after, RETRY_SOON);
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn login_with_nobody_listening_is_unavailable() {
        let result = WeChat::new(config(&closed_port()), http())
            .code_to_session(LOGIN_CODE)
            .await;

        let reason = assert_unavailable(result);
        assert!(reason.contains("could not connect"), "{reason}");
    }

    #[tokio::test]
    async fn login_with_a_misconfigured_appid_is_refused() {
        let result = login_answered_with(errcode(40013, "invalid appid")).await;
        match result {
            Err(Error::Refused { errcode, errmsg }) => {
                assert_eq!(errcode, 40013);
                assert_eq!(errmsg, "invalid appid");
            }
            other => panic!("expected Refused, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_base_url_with_a_path_prefix_keeps_it() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/wechat-proxy/sns/jscode2session"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "openid": "o-1" })))
            .expect(1)
            .mount(&server)
            .await;
        let base = format!("{}/wechat-proxy", server.uri());

        let identity = WeChat::new(config(&base), http())
            .code_to_session(LOGIN_CODE)
            .await
            .unwrap();

        assert_eq!(identity.openid, "o-1");
    }

    // What may be logged

    #[tokio::test]
    async fn debug_output_never_shows_the_secret() {
        let config = config("https://api.weixin.qq.com");
        let client = WeChat::new(config.clone(), http());

        for text in [format!("{config:?}"), format!("{client:?}")] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(text.contains(APPID), "{text}");
        }
        assert_eq!(format!("{:?}", config.secret), "<redacted>");
    }

    #[tokio::test]
    async fn error_messages_never_show_the_secret_or_the_code() {
        let slow = ResponseTemplate::new(200).set_delay(SLOW_ANSWER);
        let error = login_answered_within(slow, SHORT_TIMEOUT)
            .await
            .unwrap_err();
        assert_discreet(&error);

        let answers = [
            ResponseTemplate::new(500).set_body_string(format!("secret={SECRET}")),
            ResponseTemplate::new(200).set_body_string(format!("not json {SECRET}")),
            ResponseTemplate::new(200).set_body_json(json!({ "openid": 42, "secret": SECRET })),
            errcode(40013, "invalid appid"),
            errcode(-1, "system error"),
        ];
        for answer in answers {
            let error = login_answered_with(answer).await.unwrap_err();
            assert_discreet(&error);
        }

        let error = WeChat::new(config(&closed_port()), http())
            .code_to_session(LOGIN_CODE)
            .await
            .unwrap_err();
        assert_discreet(&error);
    }

    // getuserphonenumber and the access token

    fn phone_info(appid: &str) -> serde_json::Value {
        json!({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": "+86 13800138000",
                "purePhoneNumber": "13800138000",
                "countryCode": "86",
                "watermark": { "timestamp": 1637744274, "appid": appid },
            },
        })
    }

    fn token(access_token: &str) -> ResponseTemplate {
        ResponseTemplate::new(200)
            .set_body_json(json!({ "access_token": access_token, "expires_in": 7200 }))
    }

    /// `stable_token` hands out `access_token`, `times` times in all (checked when the server is
    /// dropped).
    async fn mount_token(server: &MockServer, response: ResponseTemplate, times: u64) {
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .and(body_json(json!({
                "grant_type": "client_credential",
                "appid": APPID,
                "secret": SECRET,
            })))
            .respond_with(response)
            .expect(times)
            .mount(server)
            .await;
    }

    /// `getuserphonenumber` answers `response` to requests with `access_token`, `times` times.
    async fn mount_phone(
        server: &MockServer,
        access_token: &str,
        response: ResponseTemplate,
        times: u64,
    ) {
        Mock::given(method("POST"))
            .and(path("/wxa/business/getuserphonenumber"))
            .and(query_param("access_token", access_token))
            .and(body_json(json!({ "code": PHONE_CODE })))
            .respond_with(response)
            .expect(times)
            .mount(server)
            .await;
    }

    #[tokio::test]
    async fn phone_number_fetches_a_token_and_returns_the_number() {
        let server = MockServer::start().await;
        mount_token(&server, token("TOKEN-1"), 1).await;
        let answer = ResponseTemplate::new(200).set_body_json(phone_info(APPID));
        mount_phone(&server, "TOKEN-1", answer, 1).await;

        let phone = wechat(&server).phone_number(PHONE_CODE).await.unwrap();

        assert_eq!(phone.phone_number, "+86 13800138000");
        assert_eq!(phone.pure_phone_number, "13800138000");
        assert_eq!(phone.country_code, "86");
        assert!(!format!("{phone:?}").contains("13800138000"));
    }

    #[tokio::test]
    async fn phone_number_issued_for_another_app_is_watermark_mismatch() {
        let server = MockServer::start().await;
        mount_token(&server, token("TOKEN-1"), 1).await;
        let answer = ResponseTemplate::new(200).set_body_json(phone_info("wxsomeoneelse0000"));
        mount_phone(&server, "TOKEN-1", answer, 1).await;

        let result = wechat(&server).phone_number(PHONE_CODE).await;

        assert!(
            matches!(result, Err(Error::WatermarkMismatch)),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn phone_number_with_an_invalid_code_is_invalid_code() {
        let server = MockServer::start().await;
        mount_token(&server, token("TOKEN-1"), 1).await;
        mount_phone(&server, "TOKEN-1", errcode(40029, "invalid code"), 1).await;

        let result = wechat(&server).phone_number(PHONE_CODE).await;

        assert!(matches!(result, Err(Error::InvalidCode)), "{result:?}");
    }

    #[tokio::test]
    async fn concurrent_phone_numbers_share_one_token_fetch() {
        let server = MockServer::start().await;
        // Slow enough that every call arrives while the fetch is still under way.
        let slow_token = token("TOKEN-1").set_delay(Duration::from_millis(100));
        mount_token(&server, slow_token, 1).await;
        let answer = ResponseTemplate::new(200).set_body_json(phone_info(APPID));
        mount_phone(&server, "TOKEN-1", answer, 10).await;
        let client = wechat(&server);

        let calls: Vec<_> = (0..10)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.phone_number(PHONE_CODE).await })
            })
            .collect();

        for call in calls {
            let phone = call.await.unwrap().unwrap();
            assert_eq!(phone.pure_phone_number, "13800138000");
        }
    }

    #[tokio::test]
    async fn a_second_phone_number_reuses_the_cached_token() {
        let server = MockServer::start().await;
        mount_token(&server, token("TOKEN-1"), 1).await;
        let answer = ResponseTemplate::new(200).set_body_json(phone_info(APPID));
        mount_phone(&server, "TOKEN-1", answer, 2).await;
        let client = wechat(&server);

        client.phone_number(PHONE_CODE).await.unwrap();
        client.clone().phone_number(PHONE_CODE).await.unwrap();
    }

    #[tokio::test]
    async fn a_rejected_token_is_replaced_and_the_call_retried_once() {
        for rejection in TOKEN_REJECTED {
            let server = MockServer::start().await;
            // The first fetch hands out TOKEN-1, which WeChat then rejects; the second TOKEN-2.
            Mock::given(method("POST"))
                .and(path("/cgi-bin/stable_token"))
                .respond_with(token("TOKEN-1"))
                .up_to_n_times(1)
                .with_priority(1)
                .expect(1)
                .mount(&server)
                .await;
            mount_token(&server, token("TOKEN-2"), 1).await;
            mount_phone(&server, "TOKEN-1", errcode(rejection, "invalid token"), 1).await;
            let answer = ResponseTemplate::new(200).set_body_json(phone_info(APPID));
            mount_phone(&server, "TOKEN-2", answer, 1).await;

            let phone = wechat(&server).phone_number(PHONE_CODE).await.unwrap();

            assert_eq!(phone.pure_phone_number, "13800138000");
        }
    }

    #[tokio::test]
    async fn a_token_rejected_twice_is_refused_without_a_third_try() {
        let server = MockServer::start().await;
        mount_token(&server, token("TOKEN-1"), 2).await;
        mount_phone(&server, "TOKEN-1", errcode(40001, "invalid credential"), 2).await;

        let result = wechat(&server).phone_number(PHONE_CODE).await;

        match result {
            Err(Error::Refused { errcode, .. }) => assert_eq!(errcode, 40001),
            other => panic!("expected Refused, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_token_refused_for_a_wrong_secret_is_refused() {
        let server = MockServer::start().await;
        mount_token(&server, errcode(40125, "invalid appsecret"), 1).await;

        let result = wechat(&server).phone_number(PHONE_CODE).await;

        match &result {
            Err(error @ Error::Refused { errcode, .. }) => {
                assert_eq!(*errcode, 40125);
                assert_discreet(error);
            }
            other => panic!("expected Refused, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_token_endpoint_answering_500_is_unavailable() {
        let server = MockServer::start().await;
        mount_token(&server, ResponseTemplate::new(500), 1).await;

        let result = wechat(&server).phone_number(PHONE_CODE).await;

        assert!(
            matches!(result, Err(Error::Unavailable { .. })),
            "{result:?}"
        );
    }
}
