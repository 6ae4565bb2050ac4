//! Retry timing: exponential backoff with full jitter, a cap, an attempt or time budget, and
//! the server's `Retry-After` honoured.

use std::time::{Duration, SystemTime};

/// How often and how long to retry; defaults suit a phone on a weak link.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Upper bound of the first delay (full jitter draws from zero to this).
    pub base: Duration,
    /// No computed delay exceeds this (a Retry-After may, within the deadline).
    pub cap: Duration,
    /// Give up after this many consecutive failed attempts; `None` retries forever.
    pub max_attempts: Option<u32>,
    /// Give up when the next wait would end later than this after the first failure.
    pub deadline: Option<Duration>,
    /// Seed for the jitter; `None` seeds from the clock. Tests fix it to get the same delays.
    pub seed: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(60),
            max_attempts: Some(10),
            deadline: None,
            seed: None,
        }
    }
}

/// The state of one run of retries: how many attempts failed, and the jitter source.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    rng: SplitMix64,
    failures: u32,
}

impl Backoff {
    /// A fresh run of retries under `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        let seed = policy.seed.unwrap_or_else(clock_seed);
        Backoff { policy, rng: SplitMix64(seed), failures: 0 }
    }

    /// The policy this backoff follows.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Failures counted since the last progress.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Forgets earlier failures: called when an attempt made progress.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Records one failure and returns how long to wait before the next attempt, or `None` to give up.
    ///
    /// `elapsed` is the time since the first failure of this run; `retry_after` is what the
    /// server asked for. A Retry-After is a floor: the wait is never shorter than it.
    pub fn next_delay(&mut self, elapsed: Duration, retry_after: Option<Duration>) -> Option<Duration> {
        self.failures += 1;
        if let Some(max) = self.policy.max_attempts {
            if self.failures >= max {
                return None;
            }
        }
        let ceiling = self.ceiling(self.failures - 1);
        let jittered = Duration::from_nanos(self.rng.below(ceiling.as_nanos() as u64 + 1));
        let delay = retry_after.map_or(jittered, |r| r.max(jittered));
        if let Some(deadline) = self.policy.deadline {
            if elapsed + delay > deadline {
                return None;
            }
        }
        Some(delay)
    }

    /// min(cap, base × 2^n): the upper bound full jitter draws below for failure `n` (from 0).
    fn ceiling(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.min(31)).unwrap_or(u32::MAX);
        self.policy.base.checked_mul(factor).unwrap_or(self.policy.cap).min(self.policy.cap)
    }
}

/// Parses an HTTP `Retry-After` value: delay-seconds or an HTTP-date (a past date means now).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// SplitMix64: a tiny, seedable generator; jitter needs spread, not secrecy.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by rejection so no value is favoured.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next();
            if v < zone {
                return v % n;
            }
        }
    }
}

fn clock_seed() -> u64 {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    (nanos as u64) ^ (std::process::id() as u64).rotate_left(32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(seed: u64) -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            max_attempts: None,
            deadline: None,
            seed: Some(seed),
        }
    }

    #[test]
    fn same_seed_gives_same_delays() {
        let mut a = Backoff::new(policy(7));
        let mut b = Backoff::new(policy(7));
        let da: Vec<_> = (0..8).map(|_| a.next_delay(Duration::ZERO, None)).collect();
        let db: Vec<_> = (0..8).map(|_| b.next_delay(Duration::ZERO, None)).collect();
        assert_eq!(da, db);
        let mut c = Backoff::new(policy(8));
        let dc: Vec<_> = (0..8).map(|_| c.next_delay(Duration::ZERO, None)).collect();
        assert_ne!(da, dc, "another seed draws other delays");
    }

    #[test]
    fn delays_stay_below_the_doubling_ceiling_and_the_cap() {
        let mut b = Backoff::new(policy(1));
        for n in 0..20u32 {
            let d = b.next_delay(Duration::ZERO, None).unwrap();
            let ceiling = Duration::from_millis(100 * 2u64.pow(n.min(20))).min(Duration::from_secs(2));
            assert!(d <= ceiling, "failure {n}: {d:?} above {ceiling:?}");
        }
    }

    #[test]
    fn full_jitter_spreads_over_the_whole_range() {
        // With the cap reached, draws should cover both halves of [0, cap].
        let mut b = Backoff::new(policy(42));
        let draws: Vec<_> = (0..200).map(|_| b.next_delay(Duration::ZERO, None).unwrap()).skip(10).collect();
        let low = draws.iter().filter(|d| **d < Duration::from_secs(1)).count();
        assert!(low > 40 && low < 150, "{low} of 190 draws below half the cap");
    }

    #[test]
    fn max_attempts_gives_up() {
        let mut b = Backoff::new(RetryPolicy { max_attempts: Some(3), ..policy(3) });
        assert!(b.next_delay(Duration::ZERO, None).is_some());
        assert!(b.next_delay(Duration::ZERO, None).is_some());
        assert_eq!(b.next_delay(Duration::ZERO, None), None, "third failure is the last attempt");
    }

    #[test]
    fn reset_after_progress_starts_small_again() {
        let mut b = Backoff::new(RetryPolicy { max_attempts: Some(3), ..policy(3) });
        b.next_delay(Duration::ZERO, None);
        b.next_delay(Duration::ZERO, None);
        b.reset();
        assert_eq!(b.failures(), 0);
        let d = b.next_delay(Duration::ZERO, None).unwrap();
        assert!(d <= Duration::from_millis(100));
    }

    #[test]
    fn deadline_gives_up_when_the_wait_would_pass_it() {
        let mut b = Backoff::new(RetryPolicy { deadline: Some(Duration::from_secs(10)), ..policy(5) });
        assert!(b.next_delay(Duration::from_secs(1), None).is_some());
        assert_eq!(b.next_delay(Duration::from_secs(9), Some(Duration::from_secs(5))), None);
    }

    #[test]
    fn retry_after_is_a_floor() {
        let mut b = Backoff::new(policy(9));
        let d = b.next_delay(Duration::ZERO, Some(Duration::from_secs(30))).unwrap();
        assert_eq!(d, Duration::from_secs(30), "Retry-After above the cap is honoured");
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO), "past date");
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
