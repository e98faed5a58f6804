//! Per-key rate limiting, off by default: each API key (Kredibel, `/v1/read`) or Signzy
//! account may make `per_minute` requests a minute, in bursts of up to `burst`; past that
//! the API answers 429 with `Retry-After`. A token bucket per key, checked after the key
//! is known to be valid, so only real keys take room in the table.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Keys kept at most; past it, buckets that have refilled (keys idle long enough to be
/// back at a full burst) are dropped, which loses nothing.
const MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    /// Requests a second each key earns; 0 turns limiting off.
    per_sec: f64,
    burst: f64,
    /// Key -> (requests it may make now, when that was counted).
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// The key has spent its requests: it may retry after this many seconds.
#[derive(Debug, PartialEq)]
pub struct Limited {
    pub retry_after_secs: u64,
}

impl RateLimiter {
    /// `per_minute` requests a minute per key (0: no limit), `burst` at once at most.
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `key` now.
    pub fn check(&self, key: &str) -> Result<(), Limited> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Limited> {
        if self.per_sec <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - *tokens) / self.per_sec;
        Err(Limited {
            retry_after_secs: wait.ceil().max(1.0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_for_its_rate_and_other_keys_are_not_touched() {
        let limiter = RateLimiter::new(60, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at("a", t0), Ok(()));
        }
        assert_eq!(
            limiter.check_at("a", t0),
            Err(Limited {
                retry_after_secs: 1
            })
        );
        assert_eq!(limiter.check_at("b", t0), Ok(()));
        // One request a second comes back.
        assert_eq!(
            limiter.check_at("a", t0 + Duration::from_millis(1001)),
            Ok(())
        );
        assert!(limiter
            .check_at("a", t0 + Duration::from_millis(1002))
            .is_err());
    }

    #[test]
    fn a_rate_of_zero_limits_nothing() {
        let limiter = RateLimiter::new(0, 1);
        let t0 = Instant::now();
        assert!((0..1000).all(|_| limiter.check_at("a", t0).is_ok()));
    }

    #[test]
    fn retry_after_says_when_the_next_request_is_earned() {
        let limiter = RateLimiter::new(6, 1);
        let t0 = Instant::now();
        assert!(limiter.check_at("a", t0).is_ok());
        assert_eq!(
            limiter.check_at("a", t0),
            Err(Limited {
                retry_after_secs: 10
            })
        );
    }
}
