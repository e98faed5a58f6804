//! The document-vision core: decoded images and options in, typed results out.
//!
//! Nothing here knows about HTTP, configuration files or async runtimes. The pipeline:
//! 1. [`image_io::decode`]: JPEG/PNG with a pixel limit, EXIF orientation applied;
//! 2. [`detect::find_mrz_candidates`]: blocks of 2-3 MRZ-like lines at any angle;
//! 3. [`recognize`]: each line cropped along its own axis and read by the line model,
//!    trying the upright and upside-down (and, when asked, mirrored) readings;
//! 4. [`mrz::parse_read`]: ICAO 9303 parsing, check digits and guided repairs.
//!
//! Coordinates in results are pixels of the image as displayed (after EXIF orientation,
//! before any correction of ours), x to the right, y down.

pub mod detect;
pub mod face;
pub mod geom;
pub mod image_io;
pub mod mrz;
pub mod recognize;
pub mod runtime;

use serde::Serialize;

use detect::{Candidate as Block, LineGeom};
use recognize::Variant;
use runtime::{LineModel, ModelError};

/// Default refusal threshold for decoded image size: 40 megapixels.
pub const DEFAULT_MAX_PIXELS: u64 = 40_000_000;

/// Errors that stop a read before any vision work: the input is not a usable image, or
/// the model failed. "No MRZ found" is not an error but a [`ReadOutcome`].
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
    /// True when an MRZ was located (the page is found through it).
    pub detected: bool,
    /// The document's corners, top-left, top-right, bottom-right, bottom-left as the
    /// document reads, in displayed-image pixels. Estimated from the MRZ's position and
    /// the ICAO 9303 page size of its format; may fall outside the image.
    pub quad: Option<[[f32; 2]; 4]>,
    /// Counterclockwise rotation of the document from upright, degrees, 0 <= tilt < 360
    /// (180 when upside down). For a mirrored image, the rotation once the mirror is
    /// undone by a horizontal flip.
    pub tilt: f32,
    /// True when the image shows the document mirrored left to right.
    pub mirrored: bool,
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
    /// Finding MRZ candidate blocks.
    pub detect_ms: f64,
    /// Cropping, running the line model and parsing, over all blocks tried.
    pub recognise_ms: f64,
    /// How many times the line model ran (each run is one batch of crops).
    pub model_runs: u32,
    /// Time spent in those runs (part of `recognise_ms`).
    pub model_ms: f64,
}

thread_local! {
    /// Line-model runs and milliseconds on this thread so far. A read runs on one thread,
    /// so the difference over a read is that read's own, however many run side by side.
    static MODEL_TALLY: std::cell::Cell<(u32, f64)> = const { std::cell::Cell::new((0, 0.0)) };
}

/// The reader: the line model, loaded once, and the pipeline around it.
pub struct Reader {
    model: Box<dyn LineModel>,
}

/// At most this many MRZ candidate blocks are read per image; the best-scoring MRZ
/// block is nearly always first (measured on ../shared/data/real).
const MAX_BLOCKS: usize = 6;

/// The least belief (mean peak probability of the characters read in the probe) for a
/// block to be read in full; see [`recognize::Frames::belief`].
const MIN_BELIEF: f32 = 0.6;

/// Probe beliefs closer than this to the best are ambiguous, and those readings are read
/// in full too until check digits settle it (a Croatian specimen of all zeros scores
/// 0.93 to 0.95 in all four orientations).
const AMBIGUOUS_BELIEF: f32 = 0.05;

/// Share of the longest line read to decide which way round the text is: about 11
/// glyphs of a TD3 line, which the model reads confidently the right way and less so
/// the wrong way; a quarter of the cost of the whole line per orientation.
const PROBE_FRACTION: f32 = 0.25;

/// The least probe belief for [`Reader::locate`] to place a page without reading it:
/// above the [`MIN_BELIEF`] for reading, as a wrong placement costs a portrait search.
/// Measured on ../shared/data/real: MRZ lines read the right way score above 0.8.
const LOCATE_BELIEF: f32 = 0.85;

/// Blocks [`Reader::locate`] probes before leaving the page to a full read (the MRZ
/// block is nearly always the first).
const LOCATE_BLOCKS: usize = 2;

impl Reader {
    pub fn new(model: Box<dyn LineModel>) -> Self {
        Self { model }
    }

    /// Loads the ONNX line model from a file.
    pub fn load(path: &std::path::Path) -> Result<Self, ModelError> {
        Ok(Self::new(Box::new(runtime::RtenLineModel::load(path)?)))
    }

    /// Decodes and reads an encoded image.
    pub fn read_bytes(&self, bytes: &[u8], opts: &ReadOptions) -> Result<Reading, VisionError> {
        self.read_gray(&image_io::decode_gray(bytes, opts.max_pixels)?, opts)
    }

    /// Reads a decoded grayscale image (as displayed).
    pub fn read_gray(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
    ) -> Result<Reading, VisionError> {
        let t0 = std::time::Instant::now();
        let blocks = candidate_blocks(gray, opts);
        let detect_ms = t0.elapsed().as_secs_f64() * 1e3;
        let before = MODEL_TALLY.get();
        let mut best: Option<(f32, Reading)> = None;
        let mut saw_text = false;
        for block in blocks.iter().take(MAX_BLOCKS) {
            let (variant, lines, mrz) = match self.read_block(gray, block, opts)? {
                BlockRead::Nothing => continue,
                BlockRead::MrzLike => {
                    saw_text = true;
                    continue;
                }
                BlockRead::Mrz(v, l, m) => (v, l, *m),
            };
            let score = mrz.confidence + if mrz.valid { 1.0 } else { 0.0 };
            let done = (mrz.valid && mrz.confidence > 0.5) || certain(&mrz);
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                let document = document_info(&lines, variant, mrz.format);
                best = Some((
                    score,
                    Reading {
                        mrz: Some(mrz),
                        document,
                        failure: None,
                        timings: Timings::default(),
                    },
                ));
            }
            if done {
                break;
            }
        }
        let mut reading = match best {
            Some((_, r)) => r,
            None => Reading {
                mrz: None,
                document: DocumentInfo::default(),
                failure: Some(if saw_text {
                    Failure::ParsingFailed
                } else {
                    Failure::TextNotFound
                }),
                timings: Timings::default(),
            },
        };
        reading.timings = Timings {
            detect_ms,
            recognise_ms: t0.elapsed().as_secs_f64() * 1e3 - detect_ms,
            model_runs: MODEL_TALLY.get().0 - before.0,
            model_ms: MODEL_TALLY.get().1 - before.1,
        };
        Ok(reading)
    }

    /// Reads one candidate block: decides which way round it reads (and whether it is
    /// mirrored) from the model's belief in a piece of its longest line, then reads
    /// every line in the likeliest orientation, and in the next one when that does not
    /// give a valid MRZ.
    fn read_block(
        &self,
        gray: &image::GrayImage,
        block: &Block,
        opts: &ReadOptions,
    ) -> Result<BlockRead, VisionError> {
        let direct = direct_variants(opts);
        // Mirrored OCR-B still looks like text to the model (many glyphs are symmetric),
        // so the probe cannot rule a mirror out: when the direct readings give no valid
        // MRZ, the mirrored ones are probed and read too, and check digits decide.
        let mut stages = vec![direct];
        if opts.check_mirror {
            stages.push(direct.map(Variant::mirror));
        }
        let block = &refine_block(gray, block);
        let probe = block.longest_line();
        let mut outcome = BlockRead::Nothing;
        for variants in stages {
            let tried = self.probe(gray, &[probe], &variants)?;
            let top = tried[0].belief;
            for (
                rank,
                &Probe {
                    variant, belief, ..
                },
            ) in tried.iter().enumerate()
            {
                // Below this the crop is not MRZ text to the model (measured on
                // ../shared/data/real: MRZ lines read the right way score above 0.8).
                if belief < MIN_BELIEF {
                    break;
                }
                // The second reading only while the probe cannot tell the two apart:
                // text of symmetric glyphs (0, O, 8, H, X, I) reads as well either way.
                if rank >= 1 && top - belief > AMBIGUOUS_BELIEF {
                    break;
                }
                match self.read_lines(gray, block, variant)? {
                    BlockRead::Mrz(v, lines, m) => {
                        if m.valid || certain(&m) {
                            return Ok(BlockRead::Mrz(v, lines, m));
                        }
                        let better = match &outcome {
                            BlockRead::Mrz(_, _, best) => m.confidence > best.confidence,
                            _ => true,
                        };
                        if better {
                            outcome = BlockRead::Mrz(v, lines, m);
                        }
                    }
                    BlockRead::MrzLike => {
                        if matches!(outcome, BlockRead::Nothing) {
                            outcome = BlockRead::MrzLike;
                        }
                    }
                    BlockRead::Nothing => {}
                }
            }
        }
        Ok(outcome)
    }

    /// Reads all lines of a block in one orientation and parses them.
    fn read_lines(
        &self,
        gray: &image::GrayImage,
        block: &Block,
        variant: Variant,
    ) -> Result<BlockRead, VisionError> {
        let mut lines = block.lines.clone();
        if variant.reverses_line_order() {
            lines.reverse();
        }
        let crops: Vec<_> = lines
            .iter()
            .map(|l| recognize::crop_line(gray, l, variant))
            .collect();
        let frames = self.run_model(&crops)?;
        let mut subsets: Vec<Vec<usize>> = vec![(0..lines.len()).collect()];
        if lines.len() == 3 {
            subsets.push(vec![1, 2]);
            subsets.push(vec![0, 1]);
        }
        let mut outcome = BlockRead::Nothing;
        for subset in subsets {
            let mean_len = subset
                .iter()
                .map(|&i| frames[i].greedy_len())
                .sum::<usize>() as f32
                / subset.len() as f32;
            let n = match subset.len() {
                3 => 30,
                _ if mean_len < 40.0 => 36,
                _ => 44,
            };
            let read: Option<Vec<_>> = subset.iter().map(|&i| frames[i].decode_exact(n)).collect();
            let Some(read) = read else { continue };
            if read.iter().any(|l| l.top_text().contains("<<<")) {
                outcome = BlockRead::MrzLike;
            }
            if let Ok(m) = mrz::parse_read(&read) {
                if plausible(&m) {
                    let geoms = subset.iter().map(|&i| lines[i].clone()).collect();
                    return Ok(BlockRead::Mrz(variant, geoms, Box::new(m)));
                }
            }
        }
        Ok(outcome)
    }
}

/// The block with each line's centre and character height measured from its ink. All
/// lines get the tallest line's height: a line of mostly '<' fillers (half a capital's
/// height) would otherwise measure short.
fn refine_block(gray: &image::GrayImage, block: &Block) -> Block {
    let mut lines: Vec<LineGeom> = block
        .lines
        .iter()
        .map(|l| recognize::refine_line(gray, l))
        .collect();
    let h = lines.iter().map(|l| l.char_h).fold(0.0, f32::max);
    for l in &mut lines {
        l.char_h = h;
    }
    Block {
        lines,
        score: block.score,
    }
}

/// What one block held.
enum BlockRead {
    /// Not text the model can read.
    Nothing,
    /// MRZ-like text (filler runs) that no format accepts.
    MrzLike,
    /// An MRZ, read in this orientation from these lines (first line first).
    Mrz(Variant, Vec<LineGeom>, Box<mrz::Mrz>),
}

/// Every character of a read at least this probable: the read is what is printed, and
/// failing check digits are the document's own. Measured on ../shared/data/real: the five
/// documents printed with wrong check digits read with every character at 0.956 or more;
/// the two misreads in the set have a character at 0.78 and at 0.01.
const CERTAIN_MIN_CONFIDENCE: f32 = 0.95;

/// Whether a plausible read needs no other orientation or block tried (it would only be
/// looking for a valid MRZ that a misprinted document does not have).
fn certain(m: &mrz::Mrz) -> bool {
    plausible(m) && m.min_confidence >= CERTAIN_MIN_CONFIDENCE
}

/// Whether a parse is an MRZ rather than other text forced into an MRZ layout: every
/// check digit passes, or the model is fairly sure of the text, at least one check digit
/// passes and the birth date is made of digits. Documents printed with wrong check
/// digits pass the second test (all five such images in ../shared/data/real do); printed
/// prose read as an MRZ fails both (the chance that random text passes one check and
/// has a six-digit birth date is about 10% x 1%).
fn plausible(m: &mrz::Mrz) -> bool {
    if m.valid {
        return true;
    }
    let dob_digits = m
        .fields
        .birth_date
        .chars()
        .all(|c| c.is_ascii_digit() || c == '<');
    m.confidence >= 0.6 && dob_digits && m.checks.iter().any(|c| c.ok)
}

impl Reader {
    fn run_model(&self, crops: &[recognize::Crop]) -> Result<Vec<recognize::Frames>, VisionError> {
        let t = std::time::Instant::now();
        let frames = recognize::run_batch(self.model.as_ref(), crops);
        let (runs, ms) = MODEL_TALLY.get();
        MODEL_TALLY.set((runs + 1, ms + t.elapsed().as_secs_f64() * 1e3));
        Ok(frames?)
    }

    /// Reads the middle of each of `lines` in each of `variants` (one model run): the
    /// model's belief (see [`recognize::Frames::belief`]) in each reading, averaged over
    /// the lines, most believed first.
    fn probe(
        &self,
        gray: &image::GrayImage,
        lines: &[&LineGeom],
        variants: &[Variant],
    ) -> Result<Vec<Probe>, VisionError> {
        let crops: Vec<_> = variants
            .iter()
            .flat_map(|&v| {
                lines
                    .iter()
                    .map(move |l| recognize::crop_middle(gray, l, v, PROBE_FRACTION))
            })
            .collect();
        let frames = self.run_model(&crops)?;
        let mut probes: Vec<Probe> = variants
            .iter()
            .zip(frames.chunks(lines.len().max(1)))
            .map(|(&variant, f)| Probe {
                variant,
                belief: f.iter().map(|f| f.belief()).sum::<f32>() / f.len() as f32,
                mrz_like: f.iter().any(|f| {
                    f.greedy_text()
                        .chars()
                        .any(|c| c == '<' || c.is_ascii_digit())
                }),
            })
            .collect();
        probes.sort_by(|a, b| b.belief.total_cmp(&a.belief));
        Ok(probes)
    }

    /// Where the document lies, without reading its MRZ: the first candidate block whose
    /// probe the model clearly believes to be MRZ text read one way round (and which
    /// holds a filler or a digit, unlike uppercase prose), with the page quad estimated
    /// from the lines' geometry. About half the cost of a read: detection and one small
    /// model run (two when the longest line leaves the orientation open).
    ///
    /// Mirrors are not told apart (the probe cannot, see [`Reader::read_gray`]): the
    /// answer assumes the image is not mirrored (or is, with `opts.flip`). None when no
    /// block reads clearly enough; a full read may still find the document.
    pub fn locate(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
    ) -> Result<Option<DocumentInfo>, VisionError> {
        for block in candidate_blocks(gray, opts).iter().take(LOCATE_BLOCKS) {
            let block = refine_block(gray, block);
            // The longest line first; every line when that does not settle it (the
            // middle of a line can be all fillers, which read the same either way
            // round, as on Czech passports' first line).
            let clear = |tried: &[Probe]| {
                tried[0].mrz_like
                    && tried[0].belief >= LOCATE_BELIEF
                    && tried[0].belief - tried[1].belief > AMBIGUOUS_BELIEF
            };
            let variants = direct_variants(opts);
            let mut tried = self.probe(gray, &[block.longest_line()], &variants)?;
            if !clear(&tried) && block.lines.len() > 1 {
                let lines: Vec<&LineGeom> = block.lines.iter().collect();
                tried = self.probe(gray, &lines, &variants)?;
            }
            if !clear(&tried) {
                continue;
            }
            let best = &tried[0];
            // Three lines are a TD1 card. Two lines may be TD3, TD2 or a visa: their
            // pages are the same size measured in MRZ widths (within 3%), so TD3 does.
            let format = if block.lines.len() == 3 {
                mrz::Format::TD1
            } else {
                mrz::Format::TD3
            };
            let mut lines = block.lines.clone();
            if best.variant.reverses_line_order() {
                lines.reverse();
            }
            return Ok(Some(document_info(&lines, best.variant, format)));
        }
        Ok(None)
    }

    /// Finds the holder's portrait: first on the page that [`Reader::locate`] places
    /// (the portrait zone only), and when that finds nothing, on the page a full read
    /// places, with every fallback of [`face::find_portrait`]. The document answered is
    /// the one the portrait was found on; `detected: false` means no page was found.
    pub fn find_portrait(
        &self,
        detector: &face::FaceDetector,
        decoded: &image_io::Decoded,
        opts: &ReadOptions,
    ) -> Result<PortraitSearch, VisionError> {
        let rgb = &*face::as_rgb(&decoded.color);
        if let Some(document) = self.locate(&decoded.gray, opts)? {
            if let Some(portrait) = face::find_portrait_in_zone(detector, rgb, &document)? {
                return Ok(PortraitSearch {
                    document,
                    portrait: Some(portrait),
                    read_in_full: false,
                });
            }
        }
        let reading = self.read_gray(&decoded.gray, opts)?;
        let portrait = face::find_portrait_rgb(detector, rgb, &reading.document)?;
        Ok(PortraitSearch {
            document: reading.document,
            portrait,
            read_in_full: true,
        })
    }
}

/// What [`Reader::find_portrait`] found.
#[derive(Clone, Debug)]
pub struct PortraitSearch {
    /// The page the search used (`detected: false` when there was none).
    pub document: DocumentInfo,
    pub portrait: Option<face::Portrait>,
    /// Whether the MRZ had to be read in full to place the page (the quick look failed).
    pub read_in_full: bool,
}

/// The model's view of the middle of a line read one way.
struct Probe {
    variant: Variant,
    /// Mean peak probability of the characters read (0..1).
    belief: f32,
    /// Whether the text read holds a filler or a digit, as a quarter of an MRZ line
    /// nearly always does and uppercase prose does not (which the model reads with
    /// as much belief).
    mrz_like: bool,
}

/// The readings tried first: upright and upside down (mirrored when the caller says the
/// image is).
fn direct_variants(opts: &ReadOptions) -> [Variant; 2] {
    if opts.flip {
        [Variant::Mirror, Variant::MirrorRot180]
    } else {
        [Variant::Upright, Variant::Rot180]
    }
}

/// MRZ candidate blocks, most MRZ-like first; only nearly horizontal ones unless
/// `opts.find_document`.
fn candidate_blocks(gray: &image::GrayImage, opts: &ReadOptions) -> Vec<Block> {
    let mut blocks = detect::find_mrz_candidates(gray);
    if !opts.find_document {
        // "As it lies": text within 15 degrees of horizontal.
        blocks.retain(|b| b.lines[0].dx.abs() > 0.966);
    }
    blocks
}

/// Tilt, mirror flag and estimated page corners from the MRZ lines as read (first line
/// first) and the reading variant.
fn document_info(lines: &[LineGeom], variant: Variant, format: mrz::Format) -> DocumentInfo {
    let first = &lines[0];
    let last = &lines[lines.len() - 1];
    let (rx, ry) = variant.reading_direction(first.dx, first.dy);
    let mirrored = variant.mirrored();
    // Image y points down, so counterclockwise angles use -y.
    let tilt = if mirrored {
        (-ry).atan2(-rx)
    } else {
        (-ry).atan2(rx)
    }
    .to_degrees()
    .rem_euclid(360.0);
    let tilt = if tilt >= 359.995 { 0.0 } else { tilt };
    DocumentInfo {
        detected: true,
        quad: Some(page_quad(first, last, (rx, ry), format)),
        tilt,
        mirrored,
    }
}

/// Page corners from ICAO 9303 dimensions: the MRZ is centred across the page with its
/// last line's centre about 5 mm above the bottom edge, at a pitch of 2.54 mm a character.
fn page_quad(
    first: &LineGeom,
    last: &LineGeom,
    reading: (f32, f32),
    format: mrz::Format,
) -> [[f32; 2]; 4] {
    use mrz::Format::*;
    // (width, height, characters per line) in millimetres.
    let (w_mm, h_mm, chars) = match format {
        TD1 => (85.6, 54.0, 30.0),
        TD2 => (105.0, 74.0, 36.0),
        FrenchId => (85.6, 54.0, 36.0),
        TD3 => (125.0, 88.0, 44.0),
        MRVA => (120.0, 80.0, 44.0),
        MRVB => (105.0, 74.0, 36.0),
    };
    let (rx, ry) = reading;
    // Down the page: from the first line towards the last, or the reading direction
    // turned clockwise when the MRZ has a single line.
    let (mut nx, mut ny) = (last.cx - first.cx, last.cy - first.cy);
    let along = nx * rx + ny * ry;
    nx -= along * rx;
    ny -= along * ry;
    let norm = (nx * nx + ny * ny).sqrt();
    let (nx, ny) = if norm > 1e-3 {
        (nx / norm, ny / norm)
    } else {
        (-ry, rx)
    };
    let px_per_mm = last.length() / ((chars - 0.4) * 2.54);
    // Centre of the last line's ink.
    let mid = 0.5 * (last.u0 + last.u1);
    let (mx, my) = (last.cx + mid * last.dx, last.cy + mid * last.dy);
    let bottom = 5.0 * px_per_mm;
    let top = bottom - h_mm * px_per_mm;
    let half = 0.5 * w_mm * px_per_mm;
    let corner = |a: f32, d: f32| [mx + a * rx + d * nx, my + a * ry + d * ny];
    [
        corner(-half, top),
        corner(half, top),
        corner(half, bottom),
        corner(-half, bottom),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use mrz::ReadLine;

    const LINE1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    // ICAO's specimen with its composite check digit printed wrong (4 for 0).
    const MISPRINTED: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<14";

    #[test]
    fn a_misprinted_document_read_with_certainty_ends_the_search() {
        let sure = [ReadLine::from_text(LINE1), ReadLine::from_text(MISPRINTED)];
        let m = mrz::parse_read(&sure).unwrap();
        assert!(!m.valid && certain(&m));
        // One doubtful character, and the reader goes on looking for a valid reading.
        let doubtful = [
            ReadLine::from_text(LINE1),
            ReadLine::from_text_with_prob(MISPRINTED, 0.7),
        ];
        let m = mrz::parse_read(&doubtful).unwrap();
        assert!(!m.valid && !certain(&m));
    }
}
