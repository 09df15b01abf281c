//! Rate limits of the voter-facing endpoints (governor's keyed GCRA limiters): WeChat sign-ins
//! per address, submissions per voter and per address, anonymous submissions and tracking
//! look-ups per address. A refusal is a 429 with `Retry-After`.
//!
//! Limits are per process: behind several instances each enforces its own budget, which is
//! what a front proxy's limits are for.

use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{Settings, ThrottleSettings};
use crate::error::ApiError;

/// One keyed budget.
pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiter")
    }
}

impl Limiter {
    pub fn new(settings: &ThrottleSettings) -> Self {
        let quota = Quota::with_period(settings.period)
            .unwrap_or_else(|| Quota::per_second(settings.burst))
            .allow_burst(settings.burst);
        Limiter {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one unit from `key`'s budget, or says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        match self.limiter.check_key(&key.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => Err(ApiError::RateLimited {
                retry_after: not_until
                    .wait_time_from(self.clock.now())
                    .max(Duration::from_secs(1)),
            }),
        }
    }

    fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Every budget of the voter-facing endpoints.
#[derive(Debug)]
pub struct RateLimits {
    pub wechat_login_per_ip: Limiter,
    pub submit_per_voter: Limiter,
    pub submit_per_ip: Limiter,
    pub anonymous_submit_per_ip: Limiter,
    pub track_per_ip: Limiter,
    pub upload_per_ip: Limiter,
}

impl RateLimits {
    pub fn new(settings: &Settings) -> Self {
        RateLimits {
            wechat_login_per_ip: Limiter::new(&settings.wechat_login_per_ip),
            submit_per_voter: Limiter::new(&settings.submit_per_voter),
            submit_per_ip: Limiter::new(&settings.submit_per_ip),
            anonymous_submit_per_ip: Limiter::new(&settings.anonymous_submit_per_ip),
            track_per_ip: Limiter::new(&settings.track_per_ip),
            upload_per_ip: Limiter::new(&settings.upload_per_ip),
        }
    }

    /// Forgets keys whose budgets are full again, so that memory stays bounded.
    pub fn prune(&self) {
        for limiter in [
            &self.wechat_login_per_ip,
            &self.submit_per_voter,
            &self.submit_per_ip,
            &self.anonymous_submit_per_ip,
            &self.track_per_ip,
            &self.upload_per_ip,
        ] {
            limiter.prune();
        }
    }
}

/// The key of a client address; requests without one share a budget.
pub fn ip_key(ip: Option<&str>) -> &str {
    ip.unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    #[test]
    fn a_budget_runs_out_per_key_and_says_how_long_to_wait() {
        let limiter = Limiter::new(&ThrottleSettings {
            burst: NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN),
            period: Duration::from_secs(60),
        });
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        let Err(ApiError::RateLimited { retry_after }) = limiter.check("a") else {
            unreachable!("the third call is limited");
        };
        assert!(retry_after > Duration::from_secs(50));
        assert!(limiter.check("b").is_ok());
    }
}
