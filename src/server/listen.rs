//! The accept loop: connection limits, header timeouts and a bounded graceful shutdown.
//!
//! - A connection must send a whole request head within `server.header_timeout_ms`, both
//!   when it opens and between keep-alive requests; else it is closed. This is also the
//!   idle keep-alive timeout.
//! - At most `server.max_connections` are open. At the cap, a new connection closes the
//!   oldest connection that has no request in flight (idle or half-sent), so silent or
//!   slow clients cannot starve real ones (`/healthz` still answers with thousands of them
//!   open); when every connection is busy, the new one is closed instead.
//! - Shutdown: `/readyz` answers 503 at once; the listener keeps serving for
//!   `server.shutdown_drain_ms` so a load balancer can see it, then closes; open
//!   connections finish the request in flight (idle ones close at once) for at most
//!   `server.shutdown_grace_ms`, after which the rest are dropped.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tower::ServiceExt;

/// Connection settings, from `server.*`.
#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_drain: Duration,
    pub shutdown_grace: Duration,
}

/// An open connection, as the registry sees it.
struct Open {
    /// Requests being answered on it now.
    in_flight: Arc<AtomicUsize>,
    abort: AbortHandle,
}

/// Open connections by id (ids count up, so the first entries are the oldest).
#[derive(Default)]
struct Registry {
    open: Mutex<BTreeMap<u64, Open>>,
}

impl Registry {
    /// Makes room for one more connection: closes the oldest one without a request in
    /// flight when `max` are open. False when all are busy.
    fn make_room(&self, max: usize) -> bool {
        let mut open = self.open.lock().expect("registry lock");
        if open.len() < max {
            return true;
        }
        let idle = open
            .iter()
            .find(|(_, c)| c.in_flight.load(Ordering::SeqCst) == 0)
            .map(|(id, _)| *id);
        match idle.and_then(|id| open.remove(&id)) {
            Some(c) => {
                c.abort.abort();
                true
            }
            None => false,
        }
    }

    fn len(&self) -> usize {
        self.open.lock().expect("registry lock").len()
    }
}

/// Counts a request in flight on its connection while alive.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(n: &Arc<AtomicUsize>) -> InFlight {
        n.fetch_add(1, Ordering::SeqCst);
        InFlight(n.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then runs `on_shutdown` (which
/// marks the service not ready) and drains as the module documentation says.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_shutdown: impl FnOnce() + Send + 'static,
) -> std::io::Result<()> {
    // HTTP/1.1 only: what the vendors' clients speak. hyper's HTTP/1 reader times the
    // head from the first poll, so a connection that sends nothing is timed out too (an
    // HTTP/2-sniffing reader would wait for its first bytes without a limit).
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let builder = Arc::new(builder);
    let registry = Arc::new(Registry::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut next_id = 0u64;

    // The signal, then the drain delay: until both have passed, keep accepting.
    let drained = async move {
        shutdown.await;
        on_shutdown();
        tracing::info!("shutting down: /readyz answers 503; draining");
        tokio::time::sleep(limits.shutdown_drain).await;
    };
    tokio::pin!(drained);

    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file handles or similar: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut drained => break,
        };
        if !registry.make_room(limits.max_connections) {
            tracing::warn!("every connection is busy; a new one is closed");
            drop(stream);
            continue;
        }
        next_id += 1;
        let id = next_id;
        let in_flight = Arc::new(AtomicUsize::new(0));
        // The task starts once registered, so that its removal at the end comes after.
        let (registered, go) = tokio::sync::oneshot::channel::<()>();
        let conn = connection(
            stream,
            router.clone(),
            builder.clone(),
            in_flight.clone(),
            stop_rx.clone(),
            registry.clone(),
            id,
        );
        let task = tokio::spawn(async move {
            if go.await.is_ok() {
                conn.await;
            }
        });
        registry.open.lock().expect("registry lock").insert(
            id,
            Open {
                in_flight,
                abort: task.abort_handle(),
            },
        );
        let _ = registered.send(());
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Connections with no request in flight (idle, or a head still half sent) have nothing
    // to finish: close them now rather than wait for their header timeout.
    registry.open.lock().expect("registry lock").retain(|_, c| {
        let busy = c.in_flight.load(Ordering::SeqCst) > 0;
        if !busy {
            c.abort.abort();
        }
        busy
    });
    let deadline = tokio::time::Instant::now() + limits.shutdown_grace;
    while registry.len() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left: Vec<Open> = std::mem::take(&mut *registry.open.lock().expect("registry lock"))
        .into_values()
        .collect();
    if !left.is_empty() {
        tracing::warn!(
            connections = left.len(),
            "grace period over: dropping connections"
        );
    }
    for c in left {
        c.abort.abort();
    }
    Ok(())
}

/// Serves one connection until it closes, or until shutdown asks it to finish.
async fn connection(
    stream: tokio::net::TcpStream,
    router: Router,
    builder: Arc<http1::Builder>,
    in_flight: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
    registry: Arc<Registry>,
    id: u64,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let guard = InFlight::enter(&in_flight);
        let router = router.clone();
        async move {
            let res = router.oneshot(req.map(axum::body::Body::new)).await;
            drop(guard);
            res
        }
    });
    let conn = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    let stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
        let _ = conn.await;
    } else {
        tokio::select! {
            _ = conn.as_mut() => {}
            _ = stop.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        }
    }
    registry.open.lock().expect("registry lock").remove(&id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_the_cap_the_oldest_idle_connection_makes_room() {
        let r = Registry::default();
        let busy = Arc::new(AtomicUsize::new(1));
        let idle = Arc::new(AtomicUsize::new(0));
        let sleeper = || tokio::spawn(std::future::pending::<()>());
        let (a, b) = (sleeper(), sleeper());
        r.open.lock().unwrap().insert(
            1,
            Open {
                in_flight: busy.clone(),
                abort: a.abort_handle(),
            },
        );
        r.open.lock().unwrap().insert(
            2,
            Open {
                in_flight: idle,
                abort: b.abort_handle(),
            },
        );
        assert!(r.make_room(3), "below the cap nothing closes");
        assert!(r.make_room(2), "the idle one goes");
        assert!(b.await.unwrap_err().is_cancelled());
        assert_eq!(r.len(), 1);
        assert!(!r.make_room(1), "only a busy one is left");
        a.abort();
    }
}
