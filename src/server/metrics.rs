//! Prometheus metrics at `GET /metrics` (text format 0.0.4), through the `metrics` facade
//! and its Prometheus exporter (no listener of its own: the service's router serves it).
//!
//! - `pv_http_requests_total{route, status}` and `pv_http_request_duration_seconds{route}`
//!   (recorded by the request middleware; `route` is the route's template, never a path
//!   with ids or tokens in it);
//! - `pv_reads_total{api, outcome, format}` and `pv_vision_stage_seconds{stage}` (decode,
//!   detect, recognise) for every image read;
//! - `pv_pool_size`, `pv_pool_in_use`, `pv_pool_queued`; `pv_stored_bytes` and
//!   `pv_stored_files` (as of the last sweep plus what this replica stored since).

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
use crate::vision::{Reading, Timings};

/// Latency buckets in seconds: a read takes 10 to 200 ms, a busy queue up to seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use (one per process: tests that build
/// several services share it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .expect("the buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may be installed already (a host program): then this one only
        // renders what is recorded through it, which is nothing; say so once.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already: /metrics stays empty");
        }
        handle
    })
}

/// Installs the recorder; startup calls it so that the first requests are counted.
pub fn install() {
    handle();
}

/// Records one answered request.
pub fn request(route: &'static str, status: u16, elapsed: Duration) {
    metrics::counter!("pv_http_requests_total", "route" => route, "status" => status.to_string())
        .increment(1);
    metrics::histogram!("pv_http_request_duration_seconds", "route" => route)
        .record(elapsed.as_secs_f64());
}

/// Records one image read: its outcome (`read`, or the failure's type) and MRZ format.
pub fn read(api: &'static str, reading: &Reading) {
    let outcome = match (&reading.mrz, reading.failure) {
        (Some(_), _) => "read".to_string(),
        (None, Some(f)) => f.kind().to_string(),
        (None, None) => "none".into(),
    };
    let format = reading
        .mrz
        .as_ref()
        .map_or("none".to_string(), |m| format!("{:?}", m.format));
    read_outcome(api, outcome, format);
    stages(&reading.timings);
}

/// Records one image read by its outcome and MRZ format (`none` without one).
pub fn read_outcome(api: &'static str, outcome: String, format: String) {
    metrics::counter!("pv_reads_total", "api" => api, "outcome" => outcome, "format" => format)
        .increment(1);
}

fn stages(t: &Timings) {
    for (stage, ms) in [
        ("decode", t.decode_ms),
        ("detect", t.detect_ms),
        ("recognise", t.recognise_ms),
    ] {
        metrics::histogram!("pv_vision_stage_seconds", "stage" => stage).record(ms / 1000.0);
    }
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Response {
    let pool = &state.pool;
    metrics::gauge!("pv_pool_size").set(pool.size() as f64);
    metrics::gauge!("pv_pool_in_use").set(pool.size().saturating_sub(pool.available()) as f64);
    metrics::gauge!("pv_pool_queued").set(pool.queued() as f64);
    let (files, bytes) = state.storage.usage();
    metrics::gauge!("pv_stored_files").set(files as f64);
    metrics::gauge!("pv_stored_bytes").set(bytes as f64);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}
