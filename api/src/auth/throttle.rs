//! Login throttling per account and per client address (governor's keyed GCRA limiters).
//!
//! Both limits are checked before the password is, so that guesses cost quota whether or not
//! they are right, and a refusal says nothing about whether the account exists.

use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::ThrottleSettings;
use crate::error::ApiError;

pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginThrottle")
    }
}

fn quota(settings: &ThrottleSettings) -> Quota {
    Quota::with_period(settings.period)
        .unwrap_or_else(|| Quota::per_second(settings.burst))
        .allow_burst(settings.burst)
}

impl LoginThrottle {
    pub fn new(per_account: &ThrottleSettings, per_ip: &ThrottleSettings) -> Self {
        LoginThrottle {
            per_account: RateLimiter::keyed(quota(per_account)),
            per_ip: RateLimiter::keyed(quota(per_ip)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt from both budgets, or says how long to wait.
    pub fn check(&self, account_key: &str, ip: Option<&str>) -> Result<(), ApiError> {
        let ip_key = ip.unwrap_or("unknown").to_owned();
        let mut wait = Duration::ZERO;
        if let Err(not_until) = self.per_ip.check_key(&ip_key) {
            wait = wait.max(not_until.wait_time_from(self.clock.now()));
        }
        if let Err(not_until) = self.per_account.check_key(&account_key.to_owned()) {
            wait = wait.max(not_until.wait_time_from(self.clock.now()));
        }
        if wait > Duration::ZERO {
            return Err(ApiError::RateLimited { retry_after: wait });
        }
        Ok(())
    }

    /// Forgets keys whose budgets are full again, so that memory stays bounded.
    pub fn prune(&self) {
        self.per_account.retain_recent();
        self.per_ip.retain_recent();
        self.per_account.shrink_to_fit();
        self.per_ip.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn settings(burst: u32, secs: u64) -> ThrottleSettings {
        ThrottleSettings {
            burst: NonZeroU32::new(burst).unwrap(),
            period: Duration::from_secs(secs),
        }
    }

    #[test]
    fn the_account_budget_runs_out() {
        let throttle = LoginThrottle::new(&settings(3, 60), &settings(100, 1));
        for _ in 0..3 {
            assert!(throttle.check("alice", Some("1.1.1.1")).is_ok());
        }
        let Err(ApiError::RateLimited { retry_after }) = throttle.check("alice", Some("2.2.2.2"))
        else {
            panic!("not throttled");
        };
        assert!(retry_after > Duration::from_secs(50));
        assert!(throttle.check("bob", Some("1.1.1.1")).is_ok());
    }

    #[test]
    fn the_address_budget_runs_out_across_accounts() {
        let throttle = LoginThrottle::new(&settings(100, 1), &settings(2, 60));
        assert!(throttle.check("a", Some("9.9.9.9")).is_ok());
        assert!(throttle.check("b", Some("9.9.9.9")).is_ok());
        assert!(throttle.check("c", Some("9.9.9.9")).is_err());
        assert!(throttle.check("c", Some("8.8.8.8")).is_ok());
    }
}
