//! The models, loaded once: the MRZ line recogniser and the face detector. `main` loads
//! them before anything else, so a model that does not load stops the start.

use std::path::Path;
use std::sync::Arc;

use crate::vision::face::FaceDetector;
use crate::vision::{self, Reader};

/// The MRZ line model shipped with the binary (see models/MODEL_CARD.md).
pub static EMBEDDED_MODEL: &[u8] = include_bytes!("../models/mrz_line_crnn.onnx");

/// Loads the embedded face detector (see models/face/PROVENANCE.md).
pub fn load_faces() -> anyhow::Result<FaceDetector> {
    Ok(FaceDetector::load_embedded()?)
}

/// Loads the line model from `path`, or the embedded one when `path` is None.
pub fn load_reader(path: Option<&Path>) -> anyhow::Result<Reader> {
    let model = match path {
        Some(p) => vision::runtime::RtenLineModel::load(p)?,
        None => vision::runtime::RtenLineModel::from_static(EMBEDDED_MODEL)?,
    };
    Ok(Reader::new(Box::new(model)))
}

/// Both models, shared by every request (cheap to clone).
#[derive(Clone)]
pub struct Models {
    pub reader: Arc<Reader>,
    pub faces: Arc<FaceDetector>,
}

impl Models {
    /// The line model from `line_model` (the embedded one when None) and the embedded face
    /// detector.
    pub fn load(line_model: Option<&Path>) -> anyhow::Result<Models> {
        Ok(Models {
            reader: Arc::new(load_reader(line_model)?),
            faces: Arc::new(load_faces()?),
        })
    }
}
