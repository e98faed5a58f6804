//! The bounded pool that image work runs in, off the async workers.
//!
//! At most `size` jobs run at once, each on tokio's blocking threads. At most `max_queue`
//! more wait, each at most `wait` for a free slot; past either bound the caller answers
//! 503 with `Retry-After` at once (a waiting request holds its body in memory, so the
//! queue bounds that memory too). A job keeps
//! its slot until it finishes, even when the request that started it has timed out or gone
//! away, so the bound holds for the work actually running.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::Span;

/// Makes buffers of 8 MB and more (large decoded images, request bodies) mapped and
/// unmapped on their own, so that each goes back to the system when it is freed. By
/// default glibc raises that threshold to the largest buffer freed so far (up to 32 MB),
/// and then carves such buffers from the arena of the thread that asks: an image freed by
/// one reader thread is not reused by the next, and each request's peak piles on the last.
/// Measured on a 40 MP JPEG sent to `/v1/read` in 17.5 MB: peak RSS +163 MB by default,
/// +147 MB with a 1 MB threshold. 8 MB, not 1 MB: mapping every page-sized image's
/// buffers afresh cost a third of the Kredibel throughput on the fixture page (114 ->
/// 79 requests/s at concurrency 4); at 8 MB it is 104 to 106, and `tests/memory.rs` reads
/// the same.
pub fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before the pool
    // starts and is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
    }
}

pub struct Pool {
    slots: Arc<Semaphore>,
    size: usize,
    wait: Duration,
    max_queue: usize,
    /// Jobs waiting for a slot now.
    queued: AtomicUsize,
}

/// Why a job did not run to completion.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// No slot came free in time.
    #[error("every reader is busy; retry in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// The job panicked (a bug: caught so that it answers 500 and the service goes on).
    #[error("the job failed")]
    Panicked,
}

impl Pool {
    pub fn new(size: usize, wait: Duration, max_queue: usize) -> Pool {
        let size = size.max(1);
        Pool {
            slots: Arc::new(Semaphore::new(size)),
            size,
            wait,
            max_queue,
            queued: AtomicUsize::new(0),
        }
    }

    /// Jobs waiting for a slot now.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Slots free right now.
    pub fn available(&self) -> usize {
        self.slots.available_permits()
    }

    /// The `Retry-After` a busy answer carries: the queue wait, rounded up, at least 1 s.
    pub fn retry_after_secs(&self) -> u64 {
        self.wait.as_millis().div_ceil(1000).max(1) as u64
    }

    /// Waits (at most the pool's wait) for a slot. Public so that tests can fill the pool.
    pub async fn acquire(&self) -> Result<OwnedSemaphorePermit, PoolError> {
        let busy = PoolError::Busy {
            retry_after_secs: self.retry_after_secs(),
        };
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        // Counted while waiting, by a guard: a request dropped mid-wait (its client gone,
        // its time limit passed) leaves the queue too.
        let place = Queued::join(&self.queued);
        if place.ahead >= self.max_queue {
            return Err(busy);
        }
        let waited = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await;
        drop(place);
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out, or the semaphore was closed (never done).
            _ => Err(busy),
        }
    }

    /// Runs `job` on a blocking thread once a slot is free, inside the caller's tracing span.
    pub async fn run<T, F>(&self, job: F) -> Result<T, PoolError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self.acquire().await?;
        let span = Span::current();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            span.in_scope(job)
        })
        .await
        .map_err(|_| PoolError::Panicked)
    }
}

/// A place in the queue, left when dropped.
struct Queued<'a> {
    count: &'a AtomicUsize,
    /// Jobs that were waiting when this one joined.
    ahead: usize,
}

impl<'a> Queued<'a> {
    fn join(count: &'a AtomicUsize) -> Queued<'a> {
        let ahead = count.fetch_add(1, Ordering::SeqCst);
        Queued { count, ahead }
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_pool_answers_busy_after_the_wait() {
        let pool = Pool::new(1, Duration::from_millis(20), 8);
        let held = pool.acquire().await.unwrap();
        assert_eq!(pool.available(), 0);
        assert!(matches!(
            pool.run(|| 1).await,
            Err(PoolError::Busy {
                retry_after_secs: 1
            })
        ));
        drop(held);
        assert_eq!(pool.run(|| 2).await.unwrap(), 2);
        assert_eq!(pool.available(), 1);
    }

    #[tokio::test]
    async fn past_the_queue_bound_a_job_is_refused_without_waiting() {
        let pool = Arc::new(Pool::new(1, Duration::from_secs(30), 1));
        let held = pool.acquire().await.unwrap();
        let waiting = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 1).await }
        });
        while pool.queued() < 1 {
            tokio::task::yield_now().await;
        }
        // The queue is full: refused now, not after the 30 s wait.
        assert!(matches!(pool.acquire().await, Err(PoolError::Busy { .. })));
        // A waiter that goes away leaves the queue.
        waiting.abort();
        let _ = waiting.await;
        assert_eq!(pool.queued(), 0);
        drop(held);
        assert_eq!(pool.run(|| 2).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_frees_its_slot() {
        let pool = Pool::new(1, Duration::from_millis(20), 8);
        let r: Result<(), _> = pool.run(|| panic!("boom")).await;
        assert!(matches!(r, Err(PoolError::Panicked)));
        assert_eq!(pool.available(), 1);
    }
}
