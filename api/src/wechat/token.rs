//! The access-token cache for the calls that need one (`getuserphonenumber`).
//!
//! The token comes from `cgi-bin/stable_token` and lives about two hours. It is kept until five
//! minutes before it expires, so that a request never sets off with a token that expires on
//! the way. Callers that find no usable token share one fetch: the fetch runs while holding the
//! cache's lock, and whoever waited for the lock finds the new token there (or, if that fetch
//! failed, its error: otherwise ten waiting requests would retry a down WeChat one after another,
//! each waiting for its own timeout).

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::client::{Answer, Error, RETRY_LATER, Secret, errcode_error, exchange};

/// The endpoint's path under the API base, also the label in logs and error reasons.
pub(super) const TOKEN_PATH: &str = "cgi-bin/stable_token";

/// How long before its announced expiry a token is replaced.
const REFRESH_EARLY: Duration = Duration::from_secs(5 * 60);

/// The longest life a token is trusted with, whatever `expires_in` says: WeChat's tokens last
/// two hours, and a wild `expires_in` must neither overflow an `Instant` nor pin a token.
const MAX_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// An access token. It grants API access for the whole app, so its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct AccessToken(String);

impl AccessToken {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A token just fetched, and how long WeChat says it stays valid.
pub(super) struct Fresh {
    pub(super) token: AccessToken,
    pub(super) expires_in: Duration,
}

struct Cached {
    token: AccessToken,
    /// When to stop handing the token out (before its real expiry).
    refresh_at: Instant,
}

#[derive(Default)]
struct Slot {
    cached: Option<Cached>,
    /// The error of the last fetch, if it failed; handed to the callers that waited for it.
    last_failure: Option<Error>,
}

/// The cache. One per [`super::WeChat`], shared by its clones.
#[derive(Default)]
pub(super) struct TokenCache {
    slot: Mutex<Slot>,
    /// Fetches finished so far. A caller compares it before and after waiting for the lock to
    /// tell whether a fetch ran meanwhile.
    fetches_done: AtomicU64,
}

impl TokenCache {
    /// A valid token: the cached one, or one got by `fetch` (at most one fetch at a time).
    pub(super) async fn get<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fresh, Error>>,
    {
        self.get_at(Instant::now, fetch).await
    }

    /// [`Self::get`] with the clock as a parameter, so that tests can move time on (tokio's
    /// paused clock would need its `test-util` feature, which the project does not enable).
    async fn get_at<F, Fut>(
        &self,
        now: impl Fn() -> Instant,
        fetch: F,
    ) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fresh, Error>>,
    {
        let seen = self.fetches_done.load(Ordering::Acquire);
        let mut slot = self.slot.lock().await;
        if let Some(cached) = &slot.cached
            && now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        // A fetch finished while we waited and left no token: it failed just now, and fetching
        // again at once would most likely fail the same way, after the same wait.
        if self.fetches_done.load(Ordering::Acquire) != seen
            && let Some(error) = &slot.last_failure
        {
            return Err(error.clone());
        }

        // Measured before the request: WeChat counts `expires_in` from its answer, so this errs
        // on the safe side.
        let started = now();
        let result = fetch().await;
        self.fetches_done.fetch_add(1, Ordering::Release);
        match result {
            Ok(fresh) => {
                slot.cached = Some(Cached {
                    token: fresh.token.clone(),
                    refresh_at: refresh_at(started, fresh.expires_in),
                });
                slot.last_failure = None;
                Ok(fresh.token)
            }
            Err(error) => {
                slot.cached = None;
                slot.last_failure = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Forgets `rejected`, a token WeChat no longer accepts, so that the next [`Self::get`]
    /// fetches a new one. A newer token, cached meanwhile by a concurrent request that was
    /// rejected too, is kept: dropping it would only cost another fetch.
    pub(super) async fn invalidate(&self, rejected: &AccessToken) {
        let mut slot = self.slot.lock().await;
        if slot
            .cached
            .as_ref()
            .is_some_and(|cached| &cached.token == rejected)
        {
            slot.cached = None;
        }
    }
}

/// When a token fetched at `fetched` and valid for `expires_in` should be replaced. A token with
/// less than twice the margin left (the stable token reports its *remaining* life) is used for
/// half of it, rather than not at all.
fn refresh_at(fetched: Instant, expires_in: Duration) -> Instant {
    let expires_in = expires_in.min(MAX_LIFETIME);
    fetched + expires_in - REFRESH_EARLY.min(expires_in / 2)
}

/// Fetches a token from `cgi-bin/stable_token` (normal mode: WeChat hands out the current token
/// while it is valid, so several lianluo processes do not invalidate each other's).
pub(super) async fn fetch(
    http: &reqwest::Client,
    url: &Url,
    timeout: Duration,
    appid: &str,
    secret: &Secret,
) -> Result<Fresh, Error> {
    #[derive(Serialize)]
    struct Request<'a> {
        grant_type: &'static str,
        appid: &'a str,
        secret: &'a str,
    }
    // No `Debug`: it holds the token.
    #[derive(Deserialize)]
    struct Reply {
        access_token: String,
        expires_in: u64,
    }

    let request = http.post(url.clone()).json(&Request {
        grant_type: "client_credential",
        appid,
        secret: secret.expose(),
    });
    match exchange::<Reply>(request, timeout, TOKEN_PATH).await? {
        Answer::Ok(reply) if reply.access_token.is_empty() => Err(Error::Unavailable {
            reason: format!("{TOKEN_PATH}: the answer holds an empty access token"),
            retry_after: RETRY_LATER,
        }),
        Answer::Ok(reply) => Ok(Fresh {
            token: AccessToken(reply.access_token),
            expires_in: Duration::from_secs(reply.expires_in),
        }),
        Answer::Err { errcode, errmsg } => Err(errcode_error(TOKEN_PATH, errcode, &errmsg)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    //! The cache alone, with fetches stubbed by closures and a clock the test moves on; the HTTP
    //! side is tested in `client.rs` against a fake WeChat.

    use std::sync::atomic::AtomicUsize;

    use super::*;

    const TWO_HOURS: u64 = 7200;

    /// A clock that stands still until told to move.
    struct Clock {
        start: Instant,
        elapsed_secs: AtomicU64,
    }

    impl Clock {
        fn new() -> Self {
            Self {
                start: Instant::now(),
                elapsed_secs: AtomicU64::new(0),
            }
        }

        fn now(&self) -> Instant {
            self.start + Duration::from_secs(self.elapsed_secs.load(Ordering::SeqCst))
        }

        fn advance(&self, secs: u64) {
            self.elapsed_secs.fetch_add(secs, Ordering::SeqCst);
        }
    }

    async fn fetch_ok(count: &AtomicUsize, token: &str, expires_in: u64) -> Result<Fresh, Error> {
        count.fetch_add(1, Ordering::SeqCst);
        Ok(Fresh {
            token: AccessToken(token.to_owned()),
            expires_in: Duration::from_secs(expires_in),
        })
    }

    /// A fetch that takes a moment (so that others queue up behind it) and then fails.
    async fn fetch_slowly_and_fail(count: &AtomicUsize) -> Result<Fresh, Error> {
        count.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(Error::Unavailable {
            reason: "timed out".into(),
            retry_after: Duration::from_secs(5),
        })
    }

    #[tokio::test]
    async fn a_fresh_token_is_reused() {
        let (cache, clock, count) = (TokenCache::default(), Clock::new(), AtomicUsize::new(0));
        let now = || clock.now();

        let first = cache
            .get_at(now, || fetch_ok(&count, "A", TWO_HOURS))
            .await
            .unwrap();
        clock.advance(3600);
        let second = cache
            .get_at(now, || fetch_ok(&count, "B", TWO_HOURS))
            .await
            .unwrap();

        assert_eq!(first.as_str(), "A");
        assert_eq!(second.as_str(), "A");
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_token_is_replaced_five_minutes_before_it_expires() {
        let (cache, clock, count) = (TokenCache::default(), Clock::new(), AtomicUsize::new(0));
        let now = || clock.now();
        cache
            .get_at(now, || fetch_ok(&count, "A", TWO_HOURS))
            .await
            .unwrap();

        clock.advance(TWO_HOURS - 5 * 60 - 1);
        let still_old = cache
            .get_at(now, || fetch_ok(&count, "B", TWO_HOURS))
            .await
            .unwrap();
        clock.advance(1);
        let renewed = cache
            .get_at(now, || fetch_ok(&count, "B", TWO_HOURS))
            .await
            .unwrap();

        assert_eq!(still_old.as_str(), "A");
        assert_eq!(renewed.as_str(), "B");
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_short_lived_token_is_used_for_half_its_remaining_life() {
        let (cache, clock, count) = (TokenCache::default(), Clock::new(), AtomicUsize::new(0));
        let now = || clock.now();
        cache
            .get_at(now, || fetch_ok(&count, "A", 120))
            .await
            .unwrap();

        clock.advance(59);
        let still_old = cache
            .get_at(now, || fetch_ok(&count, "B", 120))
            .await
            .unwrap();
        clock.advance(1);
        let renewed = cache
            .get_at(now, || fetch_ok(&count, "B", 120))
            .await
            .unwrap();

        assert_eq!(still_old.as_str(), "A");
        assert_eq!(renewed.as_str(), "B");
    }

    #[tokio::test]
    async fn a_token_announced_to_live_for_ages_is_still_replaced_after_two_hours() {
        let (cache, clock, count) = (TokenCache::default(), Clock::new(), AtomicUsize::new(0));
        let now = || clock.now();
        cache
            .get_at(now, || fetch_ok(&count, "A", u64::MAX))
            .await
            .unwrap();

        clock.advance(TWO_HOURS);
        let renewed = cache
            .get_at(now, || fetch_ok(&count, "B", TWO_HOURS))
            .await
            .unwrap();

        assert_eq!(renewed.as_str(), "B");
    }

    #[tokio::test]
    async fn invalidating_drops_only_the_rejected_token() {
        let cache = TokenCache::default();
        let count = AtomicUsize::new(0);
        let a = cache
            .get(|| fetch_ok(&count, "A", TWO_HOURS))
            .await
            .unwrap();

        cache
            .invalidate(&AccessToken("some older token".into()))
            .await;
        let kept = cache
            .get(|| fetch_ok(&count, "B", TWO_HOURS))
            .await
            .unwrap();
        cache.invalidate(&a).await;
        let renewed = cache
            .get(|| fetch_ok(&count, "B", TWO_HOURS))
            .await
            .unwrap();

        assert_eq!(kept.as_str(), "A");
        assert_eq!(renewed.as_str(), "B");
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn callers_waiting_on_a_failed_fetch_share_its_error_instead_of_retrying() {
        let cache = TokenCache::default();
        let count = AtomicUsize::new(0);

        let (a, b, c) = tokio::join!(
            cache.get(|| fetch_slowly_and_fail(&count)),
            cache.get(|| fetch_slowly_and_fail(&count)),
            cache.get(|| fetch_slowly_and_fail(&count)),
        );

        for result in [a, b, c] {
            assert!(matches!(result, Err(Error::Unavailable { .. })));
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_held_against_later_callers() {
        let cache = TokenCache::default();
        let count = AtomicUsize::new(0);

        let failed = cache.get(|| fetch_slowly_and_fail(&count)).await;
        let later = cache.get(|| fetch_ok(&count, "A", TWO_HOURS)).await;

        assert!(failed.is_err());
        assert_eq!(later.unwrap().as_str(), "A");
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }
}
