//! Shared types of the vision core: options in, readings and errors out.

use serde::Serialize;

use super::mrz;
use super::runtime::ModelError;

/// Default refusal threshold for decoded image size: 36 megapixels (a 600 dpi A4 scan
/// is 34.8). With [`decode_budget`](super::image_io::decode_budget) it holds a read's
/// peak memory to about 150 MB with the largest upload (`tests/memory.rs`).
pub const DEFAULT_MAX_PIXELS: u64 = 36_000_000;

/// Errors that stop a read before any vision work: the input is not a usable image, or
/// the model failed. "No MRZ found" is not an error but a [`Failure`].
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    #[error("unsupported image: {0}")]
    UnsupportedImage(String),
    #[error("corrupt or truncated image: {0}")]
    CorruptImage(String),
    #[error("image is {width}x{height} pixels, more than the limit of {max_pixels}")]
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl VisionError {
    /// A short machine-readable name for the error.
    pub fn kind(&self) -> &'static str {
        match self {
            VisionError::UnsupportedImage(_) => "unsupported_image",
            VisionError::CorruptImage(_) => "corrupt_image",
            VisionError::TooLarge { .. } => "image_too_large",
            VisionError::Model(_) => "model_failure",
        }
    }
}

/// How to read an image.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Look for the document at any angle (true), or read it as it lies with its text
    /// roughly horizontal, upright or upside down (false).
    pub find_document: bool,
    /// Mirror the image before reading (for inputs known to be mirrored).
    pub flip: bool,
    /// Also try mirrored readings, and report whether the image is mirrored.
    pub check_mirror: bool,
    /// Refuse images with more pixels than this before decoding them.
    pub max_pixels: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            find_document: true,
            flip: false,
            check_mirror: true,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

/// Where the document is and how it lies.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct DocumentInfo {
    /// True when an identity document is found: its MRZ is read, and its boundary (edges
    /// against the background) is found around it, or the page fills the frame as a scan
    /// does. With `find_document` off, true whenever the MRZ is read.
    pub detected: bool,
    /// The document's corners, top-left, top-right, bottom-right, bottom-left as the
    /// document reads (clockwise in the image from its top-left corner when no MRZ says
    /// how it reads), in displayed-image pixels: from its edges when they are found,
    /// else estimated from the MRZ's position and the ICAO 9303 page size of its format
    /// (then it may fall outside the image). `quad_from` says which. A boundary found
    /// without an MRZ is kept, with `detected` false (a bank card, a passport's cover).
    pub quad: Option<[[f32; 2]; 4]>,
    /// Where `quad` comes from; None when there is no quad.
    pub quad_from: Option<QuadFrom>,
    /// Counterclockwise rotation of the document from upright, degrees, 0 <= tilt < 360
    /// (180 when upside down). For a mirrored image, the rotation once the mirror is
    /// undone by a horizontal flip.
    pub tilt: f32,
    /// True when the image shows the document mirrored left to right.
    pub mirrored: bool,
}

/// Where a [`DocumentInfo::quad`] comes from.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QuadFrom {
    /// The document's own edges against the background ([`boundary`](super::boundary)).
    Edges,
    /// The MRZ's place and the page size of its format.
    Mrz,
}

impl DocumentInfo {
    /// The quad when it is in the document's reading order: an MRZ placed the page (its
    /// edges may have refined it). None for a boundary found without an MRZ.
    pub fn reading_quad(&self) -> Option<[[f32; 2]; 4]> {
        self.quad
            .filter(|_| self.detected || self.quad_from == Some(QuadFrom::Mrz))
    }

    /// The same document in an image `scale` times larger (see
    /// [`Decoded::scale`](super::image_io::Decoded::scale)).
    pub fn scaled(mut self, scale: f32) -> Self {
        if let Some(quad) = self.quad.as_mut() {
            quad.iter_mut().flatten().for_each(|v| *v *= scale);
        }
        self
    }
}

/// Why a read found no MRZ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// No MRZ-like text anywhere in the image.
    TextNotFound,
    /// MRZ-like lines were found but no format accepts what was read.
    ParsingFailed,
}

impl Failure {
    /// The snake_case name it serialises to (`text_not_found`, `parsing_failed`).
    pub fn kind(self) -> &'static str {
        match self {
            Failure::TextNotFound => "text_not_found",
            Failure::ParsingFailed => "parsing_failed",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Failure::TextNotFound => "no machine-readable zone was found in the image",
            Failure::ParsingFailed => {
                "machine-readable text was found but it fits no ICAO 9303 format"
            }
        }
    }
}

/// The result of reading one image.
#[derive(Clone, Debug)]
pub struct Reading {
    pub mrz: Option<mrz::Mrz>,
    pub document: DocumentInfo,
    pub failure: Option<Failure>,
    /// Where the time went, for benchmarks.
    pub timings: Timings,
}

/// Wall-clock time per stage of one read, in milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Decoding the image (by [`Reader::read_bytes`](super::reader::Reader::read_bytes); the
    /// colour decode of its ink view included).
    pub decode_ms: f64,
    /// Finding MRZ candidate blocks.
    pub detect_ms: f64,
    /// Cropping, running the line model and parsing, over all blocks tried.
    pub recognise_ms: f64,
    /// How many times the line model ran (each run is one batch of crops).
    pub model_runs: u32,
    /// Time spent in those runs (part of `recognise_ms`).
    pub model_ms: f64,
}

impl Timings {
    /// The time of two reads of one image, added up.
    pub fn plus(&self, other: &Timings) -> Timings {
        Timings {
            decode_ms: self.decode_ms + other.decode_ms,
            detect_ms: self.detect_ms + other.detect_ms,
            recognise_ms: self.recognise_ms + other.recognise_ms,
            model_runs: self.model_runs + other.model_runs,
            model_ms: self.model_ms + other.model_ms,
        }
    }
}
