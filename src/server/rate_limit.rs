//! In-process rate limits (GCRA, via `governor`): credential endpoints per IP, the API per user
//! or key. Each instance counts on its own, so N instances allow N times the rate — a bound
//! that still stops brute force; a shared limit would need Redis (DESIGN.md, scale-out).
use std::num::NonZeroU32;

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use super::{config::Config, error::AppError};

/// One keyed limit: `per_minute` requests a minute per key, all of them usable at once.
pub struct Limiter {
    inner: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl Limiter {
    /// `0` means no limit.
    pub fn per_minute(per_minute: u32) -> Self {
        let inner = NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        Self { inner, clock: DefaultClock::default() }
    }

    /// `Ok` when `key` may go on; else 429 with the seconds until it may.
    pub fn check(&self, key: &str) -> Result<(), AppError> {
        let Some(limiter) = &self.inner else { return Ok(()) };
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            metrics::counter!("rate_limited_total").increment(1);
            AppError::TooManyRequests { retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64 }
        })
    }

    /// Forgets keys whose allowance is full again (called every few seconds).
    pub fn shrink(&self) {
        if let Some(limiter) = &self.inner {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

pub struct RateLimits {
    /// Sign-up, sign-in, MFA step, password reset, email verification: per client IP.
    pub auth: Limiter,
    /// Authenticated API calls: per user (sessions) or per key.
    pub api: Limiter,
}

impl RateLimits {
    pub fn from_config(config: &Config) -> Self {
        Self { auth: Limiter::per_minute(config.auth_rate_per_minute), api: Limiter::per_minute(config.api_rate_per_minute) }
    }

    pub fn shrink(&self) {
        self.auth.shrink();
        self.api.shrink();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_allowance_then_a_429_with_the_wait_while_other_keys_go_on() {
        let limiter = Limiter::per_minute(3);
        for _ in 0..3 {
            limiter.check("1.2.3.4").unwrap();
        }
        match limiter.check("1.2.3.4") {
            Err(AppError::TooManyRequests { retry_after_secs }) => assert!((1..=20).contains(&retry_after_secs)),
            other => panic!("expected 429, got {other:?}"),
        }
        limiter.check("5.6.7.8").unwrap();
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = Limiter::per_minute(0);
        for _ in 0..1000 {
            limiter.check("k").unwrap();
        }
    }
}
