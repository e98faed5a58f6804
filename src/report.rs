//! The report of one read, as `read --json` prints it and `POST /v1/read` answers it.

use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};

use crate::vision::{self, ReadOptions, Reader, Reading};

/// The JSON object `read --json` prints for one file (one per line, in input order).
#[derive(Serialize)]
pub struct FileReport {
    pub file: String,
    pub mrz: Option<Value>,
    pub fields: Option<Value>,
    pub document: vision::DocumentInfo,
    pub face: Option<Value>,
    pub error: Option<ErrorReport>,
    pub elapsed_ms: f64,
    /// Where the time went (for `eval`; not part of the printed contract).
    #[serde(skip)]
    pub stages: Stages,
}

/// Milliseconds per stage of one read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stages {
    pub decode_ms: f64,
    pub detect_ms: f64,
    pub recognise_ms: f64,
    pub model_ms: f64,
    pub model_runs: u32,
}

#[derive(Serialize)]
pub struct ErrorReport {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

impl FileReport {
    /// Builds the report from a reading, or from the error that stopped it.
    pub fn new(
        file: String,
        result: Result<Reading, vision::VisionError>,
        elapsed_ms: f64,
    ) -> Self {
        match result {
            Ok(r) => {
                let (mrz, fields) = match &r.mrz {
                    Some(m) => {
                        let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
                        let fields = v.as_object_mut().and_then(|o| o.remove("fields"));
                        (Some(v), fields)
                    }
                    None => (None, None),
                };
                FileReport {
                    file,
                    mrz,
                    fields,
                    document: r.document,
                    face: None,
                    error: r.failure.map(|f| ErrorReport {
                        kind: f.kind().to_owned(),
                        message: f.message().to_owned(),
                    }),
                    elapsed_ms,
                    stages: Stages {
                        detect_ms: r.timings.detect_ms,
                        recognise_ms: r.timings.recognise_ms,
                        model_ms: r.timings.model_ms,
                        model_runs: r.timings.model_runs,
                        ..Stages::default()
                    },
                }
            }
            Err(e) => FileReport {
                file,
                mrz: None,
                fields: None,
                document: vision::DocumentInfo::default(),
                face: None,
                error: Some(ErrorReport {
                    kind: e.kind().to_owned(),
                    message: e.to_string(),
                }),
                elapsed_ms,
                stages: Stages::default(),
            },
        }
    }
}

/// Reads an encoded image into the report `read --json` prints (and `POST /v1/read`
/// answers), with `elapsed_ms` counted from `start`.
pub fn read_bytes(
    reader: &Reader,
    faces: Option<&vision::face::FaceDetector>,
    name: String,
    bytes: &[u8],
    opts: &ReadOptions,
    start: Instant,
) -> FileReport {
    let mut face = None;
    let mut decode_ms = 0.0;
    let result = (|| {
        let Some(det) = faces else {
            // Luma first: all most MRZ reads need.
            let reading = reader.read_bytes(bytes, opts)?;
            decode_ms = reading.timings.decode_ms;
            return Ok(reading);
        };
        let decoded = vision::image_io::decode(bytes, opts.max_pixels)?;
        decode_ms = start.elapsed().as_secs_f64() * 1000.0;
        let (reading, portrait) = reader.read_with_portrait(det, &decoded, opts)?;
        face = portrait.map(|p| {
            json!({"box": [p.face.x, p.face.y, p.face.w, p.face.h], "score": p.face.score,
                "found_on": p.found_on})
        });
        Ok(reading)
    })();
    let mut report = FileReport::new(name, result, start.elapsed().as_secs_f64() * 1000.0);
    report.face = face;
    report.stages.decode_ms = decode_ms;
    report
}
