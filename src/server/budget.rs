//! A bound on the request bodies held in memory at once, over all requests: each request
//! that carries a body claims its size before the body is read and holds the claim until
//! it is answered. The pool and its queue bound the reads; this bounds the uploads, which
//! run outside the pool, and the bodies of requests still being received.

use std::sync::Arc;

use axum::http::{header, HeaderMap, Method};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The budget cannot cover a body now.
#[derive(Debug)]
pub struct OverBudget;

/// Claims are counted in KiB, so that the semaphore's permits cover any budget.
const UNIT: usize = 1024;

#[derive(Clone)]
pub struct BodyBudget {
    units: Arc<Semaphore>,
    /// The whole budget, in units: no claim is larger (one body over the budget may
    /// still come in alone).
    total: u32,
    /// What a body without a `Content-Length` is charged, bytes: the largest body any route
    /// accepts.
    largest: usize,
}

impl BodyBudget {
    /// A budget of `total` bytes; `largest` is the largest body any route accepts.
    pub fn new(total: usize, largest: usize) -> BodyBudget {
        let total = u32::try_from(total.div_ceil(UNIT))
            .unwrap_or(u32::MAX)
            .max(1);
        BodyBudget {
            units: Arc::new(Semaphore::new(total as usize)),
            total,
            largest,
        }
    }

    /// Claims the body a request announces: its `Content-Length` (at most `largest`: a
    /// longer body is refused by its route before it is read), or `largest` for a POST,
    /// PUT or PATCH without one. Ok(None) when there is no body to claim.
    pub fn claim(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<Option<OwnedSemaphorePermit>, OverBudget> {
        let announced = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<usize>().ok());
        let bytes = match announced {
            Some(n) => n.min(self.largest),
            None if [Method::POST, Method::PUT, Method::PATCH].contains(method) => self.largest,
            None => 0,
        };
        if bytes == 0 {
            return Ok(None);
        }
        let units = u32::try_from(bytes.div_ceil(UNIT))
            .unwrap_or(u32::MAX)
            .min(self.total);
        self.units
            .clone()
            .try_acquire_many_owned(units)
            .map(Some)
            .map_err(|_| OverBudget)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_length(n: usize) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, n.to_string().parse().unwrap());
        h
    }

    #[test]
    fn bodies_are_claimed_until_the_budget_is_spent_and_given_back_when_answered() {
        let budget = BodyBudget::new(10 * UNIT, 8 * UNIT);
        let first = budget.claim(&Method::POST, &with_length(6 * UNIT)).unwrap();
        assert!(first.is_some());
        assert!(budget.claim(&Method::POST, &with_length(6 * UNIT)).is_err());
        // A request without a body claims nothing and always passes.
        assert!(budget
            .claim(&Method::GET, &HeaderMap::new())
            .unwrap()
            .is_none());
        drop(first);
        assert!(budget.claim(&Method::POST, &with_length(6 * UNIT)).is_ok());
    }

    #[test]
    fn a_body_without_a_length_counts_as_the_largest_and_a_longer_one_as_no_more() {
        let budget = BodyBudget::new(10 * UNIT, 8 * UNIT);
        let chunked = budget.claim(&Method::POST, &HeaderMap::new()).unwrap();
        assert!(budget.claim(&Method::POST, &with_length(3 * UNIT)).is_err());
        drop(chunked);
        let huge = budget.claim(&Method::POST, &with_length(1 << 40)).unwrap();
        assert!(huge.is_some());
        assert!(budget.claim(&Method::POST, &with_length(2 * UNIT)).is_ok());
    }

    #[test]
    fn a_body_larger_than_the_whole_budget_still_comes_in_alone() {
        let budget = BodyBudget::new(4 * UNIT, 8 * UNIT);
        let big = budget.claim(&Method::POST, &with_length(8 * UNIT)).unwrap();
        assert!(big.is_some());
        assert!(budget.claim(&Method::POST, &with_length(1)).is_err());
    }
}
