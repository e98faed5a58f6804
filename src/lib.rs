//! passport-vision: reads passports, ID cards and visas offline.
//!
//! - [`vision`] is the document-vision core: decoding, MRZ detection, recognition and
//!   ICAO 9303 validation. It knows nothing about HTTP, configuration files or tokio.
//! - [`cli`] holds the `read`, `eval` and `bench` subcommands.
//! - [`server`] is the HTTP service (`serve`): shared state, the bounded image pool, request
//!   ids, time limits, health checks and the native `POST /v1/read`; [`config`] is its
//!   configuration; [`kredibel`] is the Kredibel-compatible passport OCR endpoint;
//!   [`signzy`] is Signzy's identity flow (face extraction) over the [`storage`] file store,
//!   fetching URLs through [`fetch`].

pub mod cli;
pub mod clock;
pub mod config;
pub mod fetch;
pub mod ids;
pub mod kredibel;
pub mod models;
pub mod native;
pub mod report;
pub mod server;
pub mod signzy;
pub mod startup;
pub mod storage;
pub mod transform;
pub mod vision;
