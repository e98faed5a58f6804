//! [`Reader`]: the line model, loaded once, and the read pipeline around it: candidate
//! blocks from [`detect`](super::detect), each probed for its orientation, read line by
//! line and parsed, until one gives a valid (or certainly read) MRZ.

use std::borrow::Cow;

use super::boundary;
use super::detect::{self, Candidate as Block, LineGeom};
use super::geom;
use super::image_io;
use super::mrz;
use super::recognize::{self, Framing, Variant};
use super::runtime::{self, LineModel, ModelError};
use super::types::{DocumentInfo, Failure, QuadFrom, ReadOptions, Reading, Timings, VisionError};

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

/// Whether a probe belief `top` clearly beats `other`: by [`AMBIGUOUS_BELIEF`], or by a
/// little when `other`'s doubt (1 - belief) is at least four times `top`'s. A model that
/// reads many faces reads upside-down OCR-B with 0.96 belief where it reads it upright
/// with 0.9996: close in belief, a hundredfold apart in doubt. The Croatian specimen's
/// orientations (0.93 to 0.95) stay ambiguous either way.
pub(super) fn clearly_beats(top: f32, other: f32) -> bool {
    top - other > AMBIGUOUS_BELIEF || (top - other > 0.01 && 1.0 - other >= 4.0 * (1.0 - top))
}

/// Share of the longest line read to decide which way round the text is: about 11
/// glyphs of a TD3 line, which the model reads confidently the right way and less so
/// the wrong way; a quarter of the cost of the whole line per orientation.
pub(super) const PROBE_FRACTION: f32 = 0.25;

impl Reader {
    pub fn new(model: Box<dyn LineModel>) -> Self {
        Self { model }
    }

    /// Loads the ONNX line model from a file.
    pub fn load(path: &std::path::Path) -> Result<Self, ModelError> {
        Ok(Self::new(Box::new(runtime::RtenLineModel::load(path)?)))
    }

    /// Decodes and reads an encoded image: its luma first (all most reads need), and when
    /// that gives no settled MRZ, the colour image's ink view and the fallback looks (see
    /// [`Reader::read_decoded`]).
    pub fn read_bytes(&self, bytes: &[u8], opts: &ReadOptions) -> Result<Reading, VisionError> {
        let t = std::time::Instant::now();
        let (gray, scale) = image_io::decode_gray(bytes, opts.max_pixels)?;
        let mut decode_ms = t.elapsed().as_secs_f64() * 1e3;
        let reading = self.read_looks(&gray, opts, &detect::looks(gray.dimensions()))?;
        let mut reading = self.or_other_looks(reading, &gray, opts, || {
            let t = std::time::Instant::now();
            let ink = image_io::decode(bytes, opts.max_pixels)
                .ok()
                .and_then(|d| image_io::ink_of(&d.color));
            decode_ms += t.elapsed().as_secs_f64() * 1e3;
            ink
        })?;
        reading.timings.decode_ms = decode_ms;
        // The colour is decoded again rather than kept from the ink view: holding it
        // through the fallback looks would raise a large image's peak memory (tests/
        // memory.rs), and the edges need it only for a page the luma shows no edges of.
        add_boundary(&mut reading.document, &gray, opts, || {
            image_io::decode(bytes, opts.max_pixels)
                .ok()
                .map(|d| Cow::Owned(d.color))
        });
        reading.document = reading.document.scaled(scale);
        Ok(reading)
    }

    /// Reads a decoded image: its luma, and when that gives no settled MRZ (valid, or read
    /// with certainty), its ink view ([`image_io::ink_of`]: coloured stamps, marker circles
    /// and annotation boxes over the MRZ fade to paper there), then both views with the
    /// fallback looks ([`detect::fallback_looks`]), keeping the best reading. Its
    /// coordinates are displayed-image pixels.
    pub fn read_decoded(
        &self,
        decoded: &image_io::Decoded,
        opts: &ReadOptions,
    ) -> Result<Reading, VisionError> {
        let mut reading = self.read_work(decoded, opts)?;
        reading.document = reading.document.scaled(decoded.scale);
        Ok(reading)
    }

    /// [`Reader::read_decoded`] in the pixels of `decoded` (for the portrait search, which
    /// works there).
    pub(super) fn read_work(
        &self,
        decoded: &image_io::Decoded,
        opts: &ReadOptions,
    ) -> Result<Reading, VisionError> {
        let gray = &decoded.gray;
        let reading = self.read_looks(gray, opts, &detect::looks(gray.dimensions()))?;
        let mut reading =
            self.or_other_looks(reading, gray, opts, || image_io::ink_of(&decoded.color))?;
        add_boundary(&mut reading.document, gray, opts, || {
            Some(Cow::Borrowed(&decoded.color))
        });
        Ok(reading)
    }

    /// The page for a portrait search: a read of the luma with the first of the usual
    /// looks only (no finer side, wider window, ink view or fallbacks), and the document's
    /// edges. A page whose MRZ only the other looks find is left to the whole-image
    /// search, which costs less than they do when they fail (`eval --transform covermrz`,
    /// whole-image median 115 -> 91 ms with one look instead of three, the same faces
    /// found; ../shared/data/real 62/63 either way). `blocks` are that look's candidate
    /// blocks ([`first_look`]), found already for the quick look.
    pub(super) fn place_page(
        &self,
        decoded: &image_io::Decoded,
        opts: &ReadOptions,
        blocks: &[Block],
    ) -> Result<Reading, VisionError> {
        let gray = &decoded.gray;
        let found = std::iter::once((blocks.to_vec(), 0.0));
        let mut reading = self.read_found(gray, opts, found, Effort::PlaceOnly)?;
        add_boundary(&mut reading.document, gray, opts, || {
            Some(Cow::Borrowed(&decoded.color))
        });
        Ok(reading)
    }

    /// `reading` (of `gray` with the usual looks) when it is settled; when it is settled
    /// but doubtful ([`doubtful`]), it or the ink view's reading ([`less_doubtful`]);
    /// otherwise the best of it, the read of the ink view that `ink` makes (only called
    /// when needed: it may decode the image again), and the fallback looks at the luma and
    /// then the ink view, until one settles it. The fallbacks come last: their coarser
    /// geometry can read a valid MRZ wrongly where a usual look at the ink view reads it
    /// right.
    fn or_other_looks(
        &self,
        reading: Reading,
        gray: &image::GrayImage,
        opts: &ReadOptions,
        ink: impl FnOnce() -> Option<image::GrayImage>,
    ) -> Result<Reading, VisionError> {
        let doubtful = doubtful(&reading);
        if settled(&reading) && !doubtful {
            return Ok(reading);
        }
        let ink = ink();
        let mut reading = reading;
        if let Some(ink) = &ink {
            let other = self.read_looks(ink, opts, &detect::looks(ink.dimensions()))?;
            if doubtful {
                // Valid already: the fallback looks would only look for a valid MRZ.
                return Ok(less_doubtful(reading, other));
            }
            reading = better(reading, other);
        } else if doubtful {
            return Ok(reading);
        }
        for view in std::iter::once(gray).chain(ink.as_ref()) {
            if settled(&reading) {
                break;
            }
            let other = self.read_looks(view, opts, &detect::fallback_looks(view.dimensions()))?;
            reading = better_fallback(reading, other);
        }
        Ok(reading)
    }

    /// Reads a decoded grayscale image (as displayed): the candidate blocks the detector
    /// finds at its working scale, and when none gives a settled MRZ, the blocks found at
    /// a finer one (small print on a large photo), then with a wider threshold window
    /// (see [`detect::looks`]), then as bands ([`detect::fallback_looks`]).
    pub fn read_gray(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
    ) -> Result<Reading, VisionError> {
        let reading = self.read_looks(gray, opts, &detect::looks(gray.dimensions()))?;
        if settled(&reading) {
            return Ok(reading);
        }
        let other = self.read_looks(gray, opts, &detect::fallback_looks(gray.dimensions()))?;
        Ok(better_fallback(reading, other))
    }

    /// Reads `gray` with each of `looks` (working long side and method) in turn, until
    /// one gives a settled MRZ; the best reading found.
    fn read_looks(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
        looks: &[(u32, detect::Method)],
    ) -> Result<Reading, VisionError> {
        self.read_looks_with(gray, opts, looks, Effort::Full)
    }

    /// [`Reader::read_looks`] with the block reads' `effort`.
    fn read_looks_with(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
        looks: &[(u32, detect::Method)],
        effort: Effort,
    ) -> Result<Reading, VisionError> {
        let found = looks.iter().map(|&(work_side, method)| {
            let t = std::time::Instant::now();
            let blocks = candidate_blocks_with(gray, opts, work_side, method);
            (blocks, t.elapsed().as_secs_f64() * 1e3)
        });
        self.read_found(gray, opts, found, effort)
    }

    /// Reads the candidate blocks of each look in `found` (blocks, and the milliseconds
    /// finding them took), found only as the reading needs them, until one gives a settled
    /// MRZ; the best reading found.
    fn read_found(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
        found: impl Iterator<Item = (Vec<Block>, f64)>,
        effort: Effort,
    ) -> Result<Reading, VisionError> {
        let t0 = std::time::Instant::now();
        let before = MODEL_TALLY.get();
        let mut detect_ms = 0.0;
        let mut best: Option<(f32, Reading)> = None;
        let mut saw_text = false;
        'scales: for (blocks, ms) in found {
            detect_ms += ms;
            for block in blocks.iter().take(MAX_BLOCKS) {
                let (variant, lines, mrz) = match self.read_block(gray, block, opts, effort)? {
                    BlockRead::Nothing => continue,
                    BlockRead::MrzLike => {
                        saw_text = true;
                        continue;
                    }
                    BlockRead::Mrz(v, l, m) => (v, l, *m),
                };
                let score = score(&mrz);
                let done = needs_no_other_look(&mrz);
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
                    break 'scales;
                }
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
            decode_ms: 0.0,
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
        effort: Effort,
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
                if rank >= 1 && clearly_beats(top, belief) {
                    break;
                }
                match self.read_lines(gray, block, variant, effort)? {
                    BlockRead::Mrz(v, lines, m) => {
                        if m.valid || certain(&m) {
                            return Ok(BlockRead::Mrz(v, lines, m));
                        }
                        if outcome.beaten_by(&m) {
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

    /// Reads all lines of a block in one orientation and parses them; when that gives no
    /// MRZ and the lines read short of an MRZ's length, reads them again lengthened
    /// ([`lengthened`]), and two lines of a card's length with a third ([`with_third_line`]);
    /// a reading of 36-character lines not seen whole is read again as 44
    /// ([`Reader::seen_as_44`]); none of this when `effort` only places the page.
    fn read_lines(
        &self,
        gray: &image::GrayImage,
        block: &Block,
        variant: Variant,
        effort: Effort,
    ) -> Result<BlockRead, VisionError> {
        let (outcome, frames) = self.read_lines_once(gray, block, variant, None, 0)?;
        if matches!(effort, Effort::PlaceOnly) {
            return Ok(outcome);
        }
        if matches!(outcome, BlockRead::Mrz(..)) {
            // Lines read a little short of 36 are padded to it; they may be a passport's
            // or an MRV-A's lines cut short, the rest of them unseen.
            let longer = self.seen_as_44(gray, block, &frames, variant, &outcome)?;
            return Ok(longer.unwrap_or(outcome));
        }
        // Each end in turn: which one the detector cut short is not known, and text read
        // past the other end shifts the line. Only a valid reading is taken (a line of
        // fillers lengthened into the next document's can read as a confident MRZ). A
        // longer guess only where a shorter one read nothing valid: a TD2's lines
        // lengthened to 44 characters read the page beside them as nothing and still
        // parse, with the line's place wrong by the length added.
        let mut best: Option<BlockRead> = None;
        for group in lengthened(block, &frames) {
            if best.is_some() {
                break;
            }
            for longer in group {
                self.read_longer(gray, &longer, Some(block), variant, &mut best)?;
            }
        }
        if let Some(read) = &best {
            if let Some(longer) = self.seen_as_44(gray, block, &frames, variant, read)? {
                best = Some(longer);
            }
        }
        for third in with_third_line(block, &frames) {
            self.read_longer(gray, &third, None, variant, &mut best)?;
        }
        Ok(best.unwrap_or(outcome))
    }

    /// Where `read` is a reading of two 36-character lines that the block `seen` (read as
    /// `frames`) did not show whole (padded or lengthened to 36: fewer than 36 characters
    /// read), reads the block lengthened to 44 at each end, and returns that reading when
    /// it is valid and the model read at least [`SEEN_OF_44`] characters in every line:
    /// the text runs on past 36. An MRV-B's or a TD2's lines parse whatever their first 36
    /// characters are followed by, so an MRV-A or a passport whose lines the detector cut
    /// short (a pen stroke merging glyphs, fillers too faint to chain) read as a valid
    /// MRV-B or an invalid TD2. Lengthened past a real 36-character line, the crop shows
    /// paper, which the model reads as nothing (the padding that would make it parse is
    /// not counted).
    fn seen_as_44(
        &self,
        gray: &image::GrayImage,
        seen: &Block,
        frames: &[recognize::Frames],
        variant: Variant,
        read: &BlockRead,
    ) -> Result<Option<BlockRead>, VisionError> {
        let BlockRead::Mrz(_, _, m) = read else {
            return Ok(None);
        };
        if m.lines.len() != 2 || m.lines.iter().any(|l| l.len() != 36) {
            return Ok(None);
        }
        let Some(mean_len) = mrz_like_mean_len(frames).filter(|&r| r < 36.0) else {
            return Ok(None);
        };
        for longer in lengthened_to(seen, mean_len, 44.0) {
            let (outcome, _) =
                self.read_lines_once(gray, &longer, variant, Some(seen), SEEN_OF_44)?;
            if let BlockRead::Mrz(_, _, m) = &outcome {
                if m.valid && m.lines.iter().all(|l| l.len() == 44) {
                    return Ok(Some(outcome));
                }
            }
        }
        Ok(None)
    }

    /// Reads `longer` for [`Reader::read_lines`]: the block `seen` lengthened, or (without
    /// `seen`) with a line added; keeps its reading in `best` when it is valid and beats
    /// the reading there.
    fn read_longer(
        &self,
        gray: &image::GrayImage,
        longer: &Block,
        seen: Option<&Block>,
        variant: Variant,
        best: &mut Option<BlockRead>,
    ) -> Result<(), VisionError> {
        let (read, frames) = self.read_lines_once(gray, longer, variant, seen, 0)?;
        // An added line's place is inferred, not seen: it must read a whole line, not one
        // cut at an end and padded with fillers.
        if seen.is_none() && frames.iter().any(|f| f.greedy_len() != 30) {
            return Ok(());
        }
        if let BlockRead::Mrz(v, l, m) = read {
            if m.valid && best.as_ref().is_none_or(|b| b.beaten_by(&m)) {
                *best = Some(BlockRead::Mrz(v, l, m));
            }
        }
        Ok(())
    }

    /// [`Reader::read_lines`] without the second try: the outcome, and each line's frames
    /// (in the block's order when read in `variant`). For `block` lengthened from `seen`, an
    /// MRZ's lines are cut back to the text read in them ([`recognize::cut_to_text`]).
    /// Nothing is parsed when a line reads fewer than `min_seen` characters.
    fn read_lines_once(
        &self,
        gray: &image::GrayImage,
        block: &Block,
        variant: Variant,
        seen: Option<&Block>,
        min_seen: usize,
    ) -> Result<(BlockRead, Vec<recognize::Frames>), VisionError> {
        let in_order = |b: &Block| {
            let mut lines = b.lines.clone();
            if variant.reverses_line_order() {
                lines.reverse();
            }
            lines
        };
        let lines = in_order(block);
        let seen = seen.map(in_order);
        let crops: Vec<_> = lines
            .iter()
            .map(|l| recognize::crop_line(gray, l, variant))
            .collect();
        let frames = self.run_model(&crops)?;
        if frames.iter().any(|f| f.greedy_len() < min_seen) {
            return Ok((BlockRead::Nothing, frames));
        }
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
            let read: Option<Vec<_>> = subset.iter().map(|&i| frames[i].decode_padded(n)).collect();
            let Some(read) = read else { continue };
            if read.iter().any(|l| l.top_text().contains("<<<")) {
                outcome = BlockRead::MrzLike;
            }
            if let Ok(m) = mrz::parse_read(&read) {
                if plausible(&m) {
                    let geoms: Vec<LineGeom> = subset
                        .iter()
                        .map(|&i| match &seen {
                            Some(seen) => {
                                recognize::cut_to_text(&lines[i], &seen[i], variant, &frames[i])
                            }
                            None => lines[i].clone(),
                        })
                        .collect();
                    let m = self.second_look(gray, &geoms, variant, n, &read, m)?;
                    return Ok((BlockRead::Mrz(variant, geoms, Box::new(m)), frames));
                }
            }
        }
        Ok((outcome, frames))
    }
}

/// Characters short of an MRZ line's length that a block's reading must be before its
/// lines are read again lengthened: [`recognize::Frames::decode_padded`] fills up to 4
/// missing fillers at a line's end itself.
const SHORT_BY: f32 = 3.0;

/// The block with each line lengthened at one end, then at the other, by the characters
/// its reading (`frames`, one per line) lacks of an MRZ line (30 characters for three
/// lines; for two, 36 and then 44, or only 44 when more than 36 were read), at the pitch
/// read (image pixels per character read); none unless the reading holds a filler run
/// (`<<`: MRZ text, not prose) and is that short; grouped by the length guessed, shortest
/// first. Two lines read at 24 characters may be a TD2's or a passport's: a stamp or a
/// patch of glare can hide half of a 44-character line. (Synthetic challenge set, with the
/// lines read cut back to their text, [`recognize::cut_to_text`]: 408 -> 409/450, an MRV-A
/// whose lines a stamp and uneven light cut in half; lengthening to 36 alone read nothing
/// there. Uncut, a page placed from a TD2 line lengthened past its text missed its corners
/// by 14%.) The detector ends a line at its last glyph-sized component: where a pen stroke
/// or stamp merges the glyphs at one end, uneven light fades them, or the fillers there
/// are too small for the threshold, the line it gives stops short, and which end is not
/// known. (Synthetic challenge set: a TD1 whose three lines a pen stroke cut at one end is
/// read, 382 -> 383/450 with the rotated joins of `detect::join_collinear`; lengthening
/// both ends at once read text past the other end into two documents' lines, shifted.)
fn lengthened(block: &Block, frames: &[recognize::Frames]) -> Vec<Vec<Block>> {
    let Some(read) = mrz_like_mean_len(frames) else {
        return Vec::new();
    };
    let lengths: &[f32] = match block.lines.len() {
        3 => &[30.0],
        _ if read <= 36.0 => &[36.0, 44.0],
        _ => &[44.0],
    };
    // A reading nearly as long as the shortest line it may be is that line, its last
    // fillers missed (decoding pads them).
    if lengths[0] - read < SHORT_BY {
        return Vec::new();
    }
    lengths
        .iter()
        .filter(|&&n| read >= 0.5 * n)
        .map(|&n| lengthened_to(block, read, n))
        .collect()
}

/// The block with each line, read as `read` characters, lengthened to `n` at its start
/// and then (the second block) at its end, at the pitch read.
fn lengthened_to(block: &Block, read: f32, n: f32) -> Vec<Block> {
    [true, false]
        .into_iter()
        .map(|at_start| {
            let mut longer = block.clone();
            for l in &mut longer.lines {
                let more = (n - read) * l.length() / read;
                if at_start {
                    l.u0 -= more;
                } else {
                    l.u1 += more;
                }
            }
            longer
        })
        .collect()
}

/// Characters the model must read in each line of a block lengthened to 44 before that
/// reading replaces a valid one of 36 ([`Reader::seen_as_44`]): a line seen to run
/// on, not padded; [`recognize::Frames::decode_padded`] pads up to 4, so 44 less
/// [`SHORT_BY`].
const SEEN_OF_44: usize = 41;

/// The mean length of the lines' greedy readings (`frames`, one per line), when one of
/// them holds a filler run (`<<`: MRZ text, not prose); `None` otherwise. What
/// [`lengthened`] and [`with_third_line`] judge a block's reading by.
fn mrz_like_mean_len(frames: &[recognize::Frames]) -> Option<f32> {
    if !frames.iter().any(|f| f.greedy_text().contains("<<")) {
        return None;
    }
    Some(frames.iter().map(|f| f.greedy_len()).sum::<usize>() as f32 / frames.len() as f32)
}

/// Mean characters a two-line block must read for [`with_third_line`]: about a TD1 line
/// (30), short of a TD2's 36.
const TD1_READ: std::ops::RangeInclusive<f32> = 26.0..=33.0;

/// A two-line block whose lines read about a TD1 line's length with filler runs, with a
/// third line added after its last, then before its first: the same line moved across
/// by the spacing of the two. Two lines of 30 are no format, and where a signature, pen
/// stroke or stamp runs through one line of a card's three, its glyphs merge into one
/// component and the detector chains only the other two. (Synthetic challenge set: a
/// mirrored OCR-A card whose names line a pen stroke crosses.)
fn with_third_line(block: &Block, frames: &[recognize::Frames]) -> Vec<Block> {
    if block.lines.len() != 2 || !mrz_like_mean_len(frames).is_some_and(|r| TD1_READ.contains(&r)) {
        return Vec::new();
    }
    let (a, b) = (&block.lines[0], &block.lines[1]);
    // The spacing across the lines: the centres' offset along the first line's normal.
    let (nx, ny) = (-a.dy, a.dx);
    let gap = (b.cx - a.cx) * nx + (b.cy - a.cy) * ny;
    // A card's lines start and end together, so the new line spans both (one may end
    // at a filler too faint to chain, or start under a stamp).
    let along = (b.cx - a.cx) * a.dx + (b.cy - a.cy) * a.dy;
    let (u0, u1) = (a.u0.min(b.u0 + along), a.u1.max(b.u1 + along));
    let moved = |l: &LineGeom, by: f32| {
        let shift = (l.cx - a.cx) * a.dx + (l.cy - a.cy) * a.dy;
        LineGeom {
            cx: l.cx + by * nx,
            cy: l.cy + by * ny,
            u0: u0 - shift,
            u1: u1 - shift,
            ..l.clone()
        }
    };
    vec![
        Block {
            lines: vec![a.clone(), b.clone(), moved(b, gap)],
            score: block.score,
        },
        Block {
            lines: vec![moved(a, -gap), a.clone(), b.clone()],
            score: block.score,
        },
    ]
}

/// The block with each line's centre and character height measured from its ink. All
/// lines get the tallest line's height: a line of mostly '<' fillers (half a capital's
/// height) would otherwise measure short.
pub(super) fn refine_block(gray: &image::GrayImage, block: &Block) -> Block {
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

impl BlockRead {
    /// Whether an MRZ read as `m` is better than this outcome: any MRZ beats none, and of
    /// two the more confident wins.
    fn beaten_by(&self, m: &mrz::Mrz) -> bool {
        match self {
            BlockRead::Mrz(_, _, best) => m.confidence > best.confidence,
            _ => true,
        }
    }
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

/// A block whose characters are this probable on (geometric) average, none below
/// [`CLEAN_MIN_CONFIDENCE`], is read cleanly: what it says is printed there, whatever its
/// check digits say. The least confident of the five misprinted documents in
/// ../shared/data/real reads at 0.99 average and 0.956 minimum; the misreads there have a
/// character under 0.8, which the check digits must then confirm.
const CLEAN_CONFIDENCE: f32 = 0.9;
const CLEAN_MIN_CONFIDENCE: f32 = 0.5;

/// The largest share of fillers an MRZ that fails its checks may have (see [`plausible`]).
const MAX_FILLER_SHARE: f32 = 0.75;

/// Whether a parse is an MRZ rather than other text forced into an MRZ layout: every
/// check digit passes; or the model is fairly sure of the text, at least one check digit
/// passes and the birth date is made of digits; or the block is read cleanly. Both of the
/// last need a filler run (`<<`), which every MRZ has and prose does not, and at most one
/// character that breaks its field's rules ([`mrz::Mrz::violations`]). Documents printed
/// with wrong check digits pass the second test (all five such images in ../shared/data/real do), documents
/// outside ICAO's rules (a pre-ICAO `C1` card, national check-digit schemes) the third:
/// both come back as printed with `valid: false`. Printed prose read as an MRZ fails all
/// three (the chance that random text passes one check and has a six-digit birth date is
/// about 10% x 1%).
fn plausible(m: &mrz::Mrz) -> bool {
    if m.valid {
        return true;
    }
    // Lines that are nearly all fillers are a pattern (a hologram's stripes, a guilloche)
    // read as `<`, not a document: fillers pass the check digits over all-filler fields,
    // and a line model trained on the reader's own crops (run 9) read such lines off two
    // Czech pages whose MRZ was painted over. An MRZ's lines are about half fillers (a
    // TD1 with a short name and no optional data: 45 of 90).
    let chars: usize = m.lines.iter().map(|l| l.len()).sum();
    let fillers: usize = m.lines.iter().map(|l| l.matches('<').count()).sum();
    if fillers as f32 > MAX_FILLER_SHARE * chars as f32 {
        return false;
    }
    let dob_digits = m
        .fields
        .birth_date
        .chars()
        .all(|c| c.is_ascii_digit() || c == '<');
    // A name's separator, or the fillers after it: every MRZ has a run of them. And text
    // whose dates, sex or document code break their fields in more than one place is not
    // an MRZ, however sure the model is of its characters.
    let filler_run = m.lines.iter().any(|l| l.contains("<<")) && m.violations.len() <= 1;
    if m.confidence >= 0.6 && dob_digits && filler_run && m.checks.iter().any(|c| c.ok) {
        return true;
    }
    m.confidence >= CLEAN_CONFIDENCE && m.min_confidence >= CLEAN_MIN_CONFIDENCE && filler_run
}

/// How good a reading is: valid first, then confidence.
fn score(m: &mrz::Mrz) -> f32 {
    m.confidence + if m.valid { 1.0 } else { 0.0 }
}

/// Whether an MRZ ends the search (no other block, scale or view of the image): it is
/// valid, or read with certainty (a misprinted document).
fn needs_no_other_look(m: &mrz::Mrz) -> bool {
    (m.valid && m.confidence > 0.5) || certain(m)
}

/// Whether a reading needs no other view of the image ([`needs_no_other_look`]).
fn settled(r: &Reading) -> bool {
    r.mrz.as_ref().is_some_and(needs_no_other_look)
}

/// A valid read with a character the model gives less than this, after the second look,
/// is also read in the colour image's ink view ([`image_io::ink_of`]), and that reading
/// replaces it when surer ([`less_doubtful`]): a name letter under a blue pen stroke or a red
/// stamp has no check digit to catch it, and the stroke fades in the ink view. Measured with
/// `eval --no-faces` against the reader without it, one sitting: the synthetic challenge set
/// (training/challenge.py) 405 -> 408/450 (4 pages gained, 3 of them under pen strokes or
/// stamps, 1 lost), in perspective 389 -> 392, low quality 261 either way; ../shared/data/real
/// and its transforms unchanged (69, 69, 69, 67, 60). 0.7 and 0.9 gained the same pages with
/// more images read twice (69 and more of 450, against 42 at 0.4, which moves the challenge
/// median by about 2 ms).
const INK_VIEW_BELOW: f32 = 0.4;

/// Whether a settled, valid reading still has a character the model doubts (see
/// [`INK_VIEW_BELOW`]).
fn doubtful(r: &Reading) -> bool {
    r.mrz
        .as_ref()
        .is_some_and(|m| m.valid && m.min_confidence < INK_VIEW_BELOW)
}

/// Of a valid reading `a` with a doubtful character ([`doubtful`]) and a reading `b` of
/// another view, `b` when it is valid, more confident, and names no state the list does not
/// know where `a` names only known ones; `a` otherwise. Both times are counted.
fn less_doubtful(a: Reading, b: Reading) -> Reading {
    let unknown_codes = |m: &mrz::Mrz| {
        [&m.fields.issuing_state, &m.fields.nationality]
            .iter()
            .filter(|c| mrz::country_name(c).is_none())
            .count()
    };
    let take_b = match (&a.mrz, &b.mrz) {
        (Some(ma), Some(mb)) => {
            mb.valid && mb.confidence > ma.confidence && unknown_codes(mb) <= unknown_codes(ma)
        }
        _ => false,
    };
    chosen(a, b, take_b)
}

/// `b` when `take_b`, else `a`, with the time of both.
fn chosen(a: Reading, b: Reading, take_b: bool) -> Reading {
    let timings = a.timings.plus(&b.timings);
    let best = if take_b { b } else { a };
    Reading { timings, ..best }
}

/// The better of two readings of one image (an MRZ over none, then by [`score`]; text
/// seen over nothing), with the time of both.
fn better(a: Reading, b: Reading) -> Reading {
    let rank = |r: &Reading| match &r.mrz {
        Some(m) => 2.0 + score(m),
        None => f32::from(u8::from(r.failure == Some(Failure::ParsingFailed))),
    };
    let take_b = rank(&b) > rank(&a);
    chosen(a, b, take_b)
}

/// The better of a reading `a` and a fallback look's reading `b` ([`better`]), except that
/// `b` replaces an MRZ in `a` only when it is valid and `a`'s is not: a fallback's coarser
/// line geometry reads more doubtful characters, and what its confidence says about them
/// is worth less than a usual look's repaired read (on the synthetic challenge set an
/// unrepaired fallback read of a misprinted visa outscored the right repaired one).
fn better_fallback(a: Reading, b: Reading) -> Reading {
    let keep_a = match (&a.mrz, &b.mrz) {
        (Some(ma), Some(mb)) => ma.valid || !mb.valid,
        (Some(_), None) => true,
        _ => false,
    };
    if keep_a {
        chosen(a, b, false)
    } else {
        better(a, b)
    }
}

/// A character the model gives less than this, outside every check digit that passes, sends
/// its line to a second look ([`Reader::second_look`]). On the synthetic challenge set
/// (training/challenge.py) 0.6 fixed 1 read where 0.9 fixed 5, and 0.95 no more than 0.9.
const SECOND_LOOK_BELOW: f32 = 0.9;

/// The framings of a second look: closer and wider crops, and crops shifted across and along
/// the line (a fifth to a third of a character along: other phases of the model's 4-pixel
/// frames). On the synthetic challenge set (training/challenge.py; after the state-code fix
/// at 374/450), measured A/B against the reader without a second look on a shared CPU:
/// 4 framings 380/450 at 30-34 ms median (25-29 without), these 6 382/450 at 32-34 ms,
/// 8 (two more shifts) 385/450 at 42 ms, over the 40 ms this set may take.
const SECOND_LOOK: [Framing; 6] = [
    Framing {
        height_ratio: 1.5,
        across: 0.0,
        along: 0.0,
    },
    Framing {
        height_ratio: 1.7,
        across: 0.0,
        along: 0.3,
    },
    Framing {
        height_ratio: 1.6,
        across: 0.04,
        along: 0.2,
    },
    Framing {
        height_ratio: 1.95,
        across: 0.0,
        along: 0.0,
    },
    Framing {
        height_ratio: 1.7,
        across: 0.08,
        along: 0.1,
    },
    Framing {
        height_ratio: 1.7,
        across: -0.08,
        along: -0.1,
    },
];

/// A second look's reading of a line joins the mean only when at least this share of its
/// characters agree with the first look's: one that dropped or doubled a character early
/// reads the rest shifted, and its probabilities belong to other positions.
const SECOND_LOOK_AGREEMENT: f32 = 0.8;

/// Per position, the mean of the candidates' probabilities over `reads` (all of one
/// length); the four likeliest, best first.
fn mean_read(reads: &[mrz::ReadLine]) -> mrz::ReadLine {
    let k = reads.len() as f32;
    let positions = (0..reads[0].positions.len())
        .map(|p| {
            let mut acc: Vec<mrz::Candidate> = Vec::new();
            for c in reads.iter().flat_map(|r| &r.positions[p]) {
                match acc.iter_mut().find(|a| a.ch == c.ch) {
                    Some(a) => a.prob += c.prob / k,
                    None => acc.push(mrz::Candidate {
                        ch: c.ch,
                        prob: c.prob / k,
                    }),
                }
            }
            acc.sort_by(|a, b| b.prob.total_cmp(&a.prob));
            acc.truncate(4);
            acc
        })
        .collect();
    mrz::ReadLine { positions }
}

impl Reader {
    /// A second look at the lines of a plausible MRZ `m`, read as `read` (`n` characters a
    /// line) from `lines` in `variant`, where a character is doubtful and no passing check
    /// digit vouches for it (names, unchecked optional data, fields whose check fails): each
    /// such line is cropped again with the [`SECOND_LOOK`] framings (one model run), and the
    /// characters' probabilities are averaged over the readings that line up with the first.
    /// The mean reading replaces `m` when it parses plausibly and is valid or `m` is not;
    /// when neither is valid, a framing's own reading that is valid does.
    fn second_look(
        &self,
        gray: &image::GrayImage,
        lines: &[LineGeom],
        variant: Variant,
        n: usize,
        read: &[mrz::ReadLine],
        m: mrz::Mrz,
    ) -> Result<mrz::Mrz, VisionError> {
        let confirmed = mrz::confirmed(&m);
        let doubtful: Vec<usize> =
            (0..read.len())
                .filter(|&i| {
                    read[i].positions.iter().zip(&confirmed[i]).any(|(p, &ok)| {
                        !ok && p.first().map_or(0.0, |c| c.prob) < SECOND_LOOK_BELOW
                    })
                })
                .collect();
        if doubtful.is_empty() {
            return Ok(m);
        }
        let crops: Vec<_> = SECOND_LOOK
            .iter()
            .flat_map(|&f| {
                doubtful
                    .iter()
                    .map(move |&i| recognize::crop_line_framed(gray, &lines[i], variant, f))
            })
            .collect();
        let frames = self.run_model(&crops)?;
        // Per framing, each line's reading: the framing's own where it lines up with the
        // first look's, the first look's otherwise.
        let framed: Vec<Vec<mrz::ReadLine>> = frames
            .chunks(doubtful.len())
            .map(|chunk| {
                let mut lines = read.to_vec();
                for (&i, f) in doubtful.iter().zip(chunk) {
                    let Some(r) = f.decode_padded(n) else {
                        continue;
                    };
                    let same = r
                        .positions
                        .iter()
                        .zip(&read[i].positions)
                        .filter(|(a, b)| a.first().map(|c| c.ch) == b.first().map(|c| c.ch))
                        .count();
                    if same as f32 >= SECOND_LOOK_AGREEMENT * n as f32 {
                        lines[i] = r;
                    }
                }
                lines
            })
            .collect();
        let mean: Vec<mrz::ReadLine> = (0..read.len())
            .map(|i| {
                let all: Vec<mrz::ReadLine> = std::iter::once(&read[i])
                    .chain(framed.iter().map(|f| &f[i]))
                    .cloned()
                    .collect();
                mean_read(&all)
            })
            .collect();
        let m = match mrz::parse_read(&mean) {
            Ok(mm) if plausible(&mm) && (mm.valid || !m.valid) => mm,
            _ => m,
        };
        if m.valid {
            return Ok(m);
        }
        // The check digits choose among the framings' own readings when the mean fails them
        // (on the synthetic challenge set: 379 -> 380/450, and 426 -> 431/439 right
        // validity flags).
        let valid = framed
            .iter()
            .filter_map(|lines| mrz::parse_read(lines).ok())
            .filter(|x| x.valid && plausible(x))
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence));
        Ok(valid.unwrap_or(m))
    }

    pub(super) fn run_model(
        &self,
        crops: &[recognize::Crop],
    ) -> Result<Vec<recognize::Frames>, VisionError> {
        let t = std::time::Instant::now();
        let frames = recognize::run_batch(self.model.as_ref(), crops);
        let (runs, ms) = MODEL_TALLY.get();
        MODEL_TALLY.set((runs + 1, ms + t.elapsed().as_secs_f64() * 1e3));
        Ok(frames?)
    }

    /// Reads the middle of each of `lines` in each of `variants` (one model run): the
    /// model's belief (see [`recognize::Frames::belief`]) in each reading, averaged over
    /// the lines, most believed first.
    pub(super) fn probe(
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
}

/// The model's view of the middle of a line read one way.
pub(super) struct Probe {
    pub variant: Variant,
    /// Mean peak probability of the characters read (0..1).
    pub belief: f32,
    /// Whether the text read holds a filler or a digit, as a quarter of an MRZ line
    /// nearly always does and uppercase prose does not (which the model reads with
    /// as much belief).
    pub mrz_like: bool,
}

/// The readings tried first: upright and upside down (mirrored when the caller says the
/// image is).
pub(super) fn direct_variants(opts: &ReadOptions) -> [Variant; 2] {
    if opts.flip {
        [Variant::Mirror, Variant::MirrorRot180]
    } else {
        [Variant::Upright, Variant::Rot180]
    }
}

/// The first look's MRZ candidate blocks (glyph components at the usual working side, most
/// MRZ-like first; only nearly horizontal ones unless `opts.find_document`) and the
/// image's text direction ([`detect::text_axis`]), from one threshold of it.
pub(super) fn first_look(gray: &image::GrayImage, opts: &ReadOptions) -> (Vec<Block>, Option<f32>) {
    let side = detect::work_sides(gray.dimensions())[0];
    let look = detect::look(gray, side, detect::Window::Usual);
    (only_as_asked(look.candidates, opts), look.text_axis)
}

/// `blocks` less those `opts` rules out: only nearly horizontal ones unless
/// `opts.find_document` ("as it lies": text within 15 degrees of horizontal).
fn only_as_asked(mut blocks: Vec<Block>, opts: &ReadOptions) -> Vec<Block> {
    if !opts.find_document {
        blocks.retain(|b| b.lines[0].dx.abs() > 0.966);
    }
    blocks
}

/// MRZ candidate blocks found by `method` with the image's long side scaled to
/// `work_side` pixels, as [`first_look`]'s.
pub(super) fn candidate_blocks_with(
    gray: &image::GrayImage,
    opts: &ReadOptions,
    work_side: u32,
    method: detect::Method,
) -> Vec<Block> {
    only_as_asked(detect::find_candidates(gray, work_side, method), opts)
}

/// Tilt, mirror flag and estimated page corners from the MRZ lines as read (first line
/// first) and the reading variant.
pub(super) fn document_info(
    lines: &[LineGeom],
    variant: Variant,
    format: mrz::Format,
) -> DocumentInfo {
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
    // Centre of the last line's ink, along its axis.
    let mid = 0.5 * (last.u0 + last.u1);
    DocumentInfo {
        detected: true,
        quad_from: Some(QuadFrom::Mrz),
        quad: Some(geom::page_quad(
            &geom::MrzPlacement {
                first_axis: [first.cx, first.cy],
                last_axis: [last.cx, last.cy],
                last_centre: [last.cx + mid * last.dx, last.cy + mid * last.dy],
                last_length: last.length(),
                reading: (rx, ry),
            },
            page_size(format),
        )),
        tilt,
        mirrored,
    }
}

/// Finds the document's boundary ([`boundary::find_boundary`]) when `opts.find_document`
/// asks for the document: with an MRZ read (`document.detected`), the boundary around the
/// page it places takes over the quad, and the document stays detected only when one is
/// found or the page fills the frame as a scan does; without one, a boundary found is
/// kept as the quad, not detected. Where the luma does not show a page's edges all round
/// (or only with mixed polarities) and the page lies inside the image, `colour` (called
/// only then) gives the image for a search in its chroma
/// ([`boundary::find_boundary_in_colour`]). `gray` is the
/// image the document's coordinates are in.
fn add_boundary<'a>(
    document: &mut DocumentInfo,
    gray: &image::GrayImage,
    opts: &ReadOptions,
    colour: impl FnOnce() -> Option<Cow<'a, image::DynamicImage>>,
) {
    if !opts.find_document {
        return;
    }
    let hint = document.reading_quad();
    let mut found = boundary::find_boundary(gray, hint.as_ref());
    if let Some(page) = hint {
        let (w, h) = gray.dimensions();
        let seen_whole = found
            .as_ref()
            .is_some_and(|b| b.one_polarity && !b.hidden_side);
        // A page inside the image whose edges the luma does not show all round, or shows
        // with mixed polarities (a side on a portrait's frame): look at its colour
        // (decoded again by `read_bytes`, so only here). Challenge set, corners within 3%:
        // 321 -> 340 of 400, pale pages on pale paper; 351 -> 361 with pages near the
        // frame whose corners all lie inside it. Not for a page that reaches the frame
        // with a corner outside: searching those too put 5 ms on the real images'
        // median (their scans do) for two more of the 400.
        let near_frame = boundary::reaches_frame(&page, w, h);
        if !seen_whole && (boundary::inside_frame(&page, w, h) || !near_frame) {
            let in_colour = colour().and_then(|c| match &*c {
                image::DynamicImage::ImageRgb8(rgb) => {
                    boundary::find_boundary_in_colour(rgb, &page)
                }
                _ => None,
            });
            if in_colour
                .as_ref()
                .is_some_and(|c| found.as_ref().is_none_or(|l| c.rank > l.rank))
            {
                found = in_colour;
            }
        }
        document.detected = found.is_some() || boundary::fills_frame(&page, w, h);
    }
    if let Some(b) = found {
        document.quad = Some(b.quad);
        document.quad_from = Some(QuadFrom::Edges);
    }
}

/// How hard a block read tries when its lines give no MRZ.
#[derive(Clone, Copy, Debug)]
enum Effort {
    /// Reads lines read short of an MRZ's length again lengthened ([`lengthened`]).
    Full,
    /// Only places a page for the portrait search ([`Reader::place_page`]): a page whose
    /// MRZ its lines do not give as read is left to the whole-image search. The
    /// lengthened re-read cost about 15 ms there (`eval --transform covermrz`).
    PlaceOnly,
}

/// The page size of `format` (ICAO 9303) and how high its MRZ sits. The French card of
/// 1988-2021 is TD2-sized, 105 x 74 mm (its successor of 2021 is an ID-1 card with a TD1
/// MRZ).
///
/// The last line's centre above the bottom edge was 5 mm for every format until session
/// 17. `eval` measures it (`document.placed_page_bottom_inside_edges_mm`: how far the
/// placed page's bottom side lies inside the edges found, on images whose edges have the
/// format's page shape). On `../shared/data/real` at 5 mm that was a median 4.9 mm on 14
/// TD3 pages (specimens of about ten states, 2.9 to 6.1 mm), 2.75 mm on 5 TD2 and 1.8 mm
/// on 9 TD1; with the heights below, -0.15, 0.16 and 0.34 mm. The one MRV-A agrees with
/// TD3. The two MRV-B visas take TD2's figure (7.3 mm inside at 5 mm, 4.6 at TD2's: two
/// visas are too few to set their own), and the French card keeps 5 mm (its one image's
/// edges are not its page's). The synthetic pages of `training/challenge.py` draw their
/// MRZs lower (baseline 5.5 mm up, 3.6 mm on TD1); their answered quads stayed 378/400.
pub fn page_size(format: mrz::Format) -> geom::PageSize {
    use mrz::Format::*;
    let (w_mm, h_mm, last_line_mm) = match format {
        TD1 => (85.6, 54.0, 6.5),
        TD2 | MRVB => (105.0, 74.0, 7.75),
        FrenchId => (105.0, 74.0, 5.0),
        TD3 => (125.0, 88.0, 9.8),
        MRVA => (120.0, 80.0, 9.8),
    };
    geom::PageSize {
        w_mm,
        h_mm,
        chars: format.layout().line_len as f32,
        last_line_mm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mrz::ReadLine;

    const LINE1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";

    #[test]
    fn every_format_has_a_landscape_page_wider_than_its_mrz_and_its_own_line_length() {
        // The French card was once given an ID-1 page (85.6 mm) for 36 characters of
        // 2.54 mm each: a page narrower than its own MRZ, placed a tenth off.
        for layout in mrz::formats::LAYOUTS {
            let page = page_size(layout.format);
            assert_eq!(page.chars, layout.line_len as f32, "{:?}", layout.format);
            let mrz_mm = page.chars * geom::MRZ_PITCH_MM;
            assert!(
                page.w_mm > mrz_mm && page.w_mm < mrz_mm + 20.0,
                "{:?}: a {} mm page for an MRZ of {mrz_mm} mm",
                layout.format,
                page.w_mm
            );
            assert!(page.h_mm < page.w_mm, "{:?}", layout.format);
        }
    }

    #[test]
    fn lines_nearly_all_fillers_are_no_mrz_but_a_sparse_td1_is() {
        // Read off a Czech page's holograms once its MRZ was painted over.
        let stripes = mrz::parse_text(&[
            "IPRH<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
            "PMAXN<L<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
        ])
        .unwrap();
        assert!(!plausible(&stripes));
        // A TD1 with a short name and no optional data, printed with a wrong check digit:
        // 45 of its 90 characters are fillers.
        let td1 = mrz::parse_text(&[
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<5",
            "ERIKSSON<<ANNA<<<<<<<<<<<<<<<<",
        ])
        .unwrap();
        assert!(!td1.valid);
        assert!(plausible(&td1));
    }
    // ICAO's specimen with its composite check digit printed wrong (4 for 0).
    const MISPRINTED: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<14";

    /// Frames that read `text`, each character over two frames and a blank.
    fn frames_reading(text: &str) -> recognize::Frames {
        let classes = recognize::ALPHABET.len() + 1;
        let mut probs = Vec::new();
        for ch in text.bytes() {
            let class = recognize::ALPHABET.iter().position(|&a| a == ch).unwrap() + 1;
            for c in [class, class, 0] {
                probs.extend((0..classes).map(|k| if k == c { 1.0 } else { 0.0 }));
            }
        }
        let frames = probs.len() / classes;
        recognize::Frames {
            probs,
            frames,
            classes,
        }
    }

    fn line_at(cy: f32) -> LineGeom {
        LineGeom {
            cx: 400.0,
            cy,
            dx: 1.0,
            dy: 0.0,
            u0: -150.0,
            u1: 150.0,
            char_h: 10.0,
            n_components: 27,
        }
    }

    #[test]
    fn lines_read_short_of_an_mrz_are_lengthened_at_either_end() {
        let block = Block {
            lines: vec![line_at(300.0), line_at(320.0)],
            score: 1.0,
        };
        // 27 characters of 36, 300 px: 9 more at 11.1 px each, 100 px.
        let short = [
            frames_reading("P<UTOERIKSSON<<ANNA<MARIA<<"),
            frames_reading("L898902C36UTO7408122F120415"),
        ];
        // Or 17 more of 44, 189 px: the shorter guess first, each end in turn.
        let longer = lengthened(&block, &short);
        assert_eq!(longer.len(), 2);
        assert!(longer.iter().all(|group| group.len() == 2));
        for l in &longer[0][0].lines {
            assert!((l.u0 + 250.0).abs() < 8.0 && l.u1 == 150.0, "{l:?}");
        }
        for l in &longer[0][1].lines {
            assert!(l.u0 == -150.0 && (l.u1 - 250.0).abs() < 8.0, "{l:?}");
        }
        for l in &longer[1][0].lines {
            assert!((l.u0 + 339.0).abs() < 8.0 && l.u1 == 150.0, "{l:?}");
        }
        // More than 36 read: only a passport's 44.
        let longer_than_td2 = [
            frames_reading("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<"),
            frames_reading("L898902C36UTO7408122F1204159ZE184226B<"),
        ];
        assert_eq!(lengthened(&block, &longer_than_td2).len(), 1);
        // Prose, and a line short by no more than the fillers decoding pads.
        let prose = [
            frames_reading("REPUBLIC OF UTOPIA PASSPORT".replace(' ', "<").as_str()),
            frames_reading("SURNAME<GIVEN<NAMES<NATIONAL"),
        ];
        assert!(lengthened(&block, &prose).is_empty());
        let nearly = [
            frames_reading("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<"),
            frames_reading("L898902C36UTO7408122F1204159<<<<<<"),
        ];
        assert!(lengthened(&block, &nearly).is_empty());
    }

    #[test]
    fn two_card_length_lines_get_a_third_below_then_above_spanning_both() {
        // The second line starts 20 px later (its first glyph under a stamp).
        let mut second = line_at(330.0);
        second.u0 = -130.0;
        let block = Block {
            lines: vec![line_at(300.0), second],
            score: 1.0,
        };
        let card = [
            frames_reading("IDUTOD231458907<<<<<<<<<<<<<<<"),
            frames_reading("7408122F1204159UTO<<<<<<<<<<<6"),
        ];
        let three = with_third_line(&block, &card);
        assert_eq!(three.len(), 2);
        let centres: Vec<Vec<f32>> = three
            .iter()
            .map(|b| b.lines.iter().map(|l| l.cy).collect())
            .collect();
        assert_eq!(
            centres,
            vec![vec![300.0, 330.0, 360.0], vec![270.0, 300.0, 330.0]]
        );
        for added in [&three[0].lines[2], &three[1].lines[0]] {
            assert!(added.u0 == -150.0 && added.u1 == 150.0, "{added:?}");
        }
        // Lines of a passport's length, and prose of a card's, get none.
        let passport = [
            frames_reading("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"),
            frames_reading("L898902C36UTO7408122F1204159ZE184226B<<<<<10"),
        ];
        assert!(with_third_line(&block, &passport).is_empty());
        let prose = [
            frames_reading("REPUBLIC OF UTOPIA PASSPORT".replace(' ', "<").as_str()),
            frames_reading("SURNAME<GIVEN<NAMES<NATIONALIT"),
        ];
        assert!(with_third_line(&block, &prose).is_empty());
    }

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

    fn reading_of(lines: [ReadLine; 2]) -> Reading {
        Reading {
            mrz: Some(mrz::parse_read(&lines).unwrap()),
            document: DocumentInfo::default(),
            failure: None,
            timings: Timings::default(),
        }
    }

    #[test]
    fn the_ink_view_replaces_a_doubtful_valid_read_only_when_surer_and_naming_known_states() {
        const LINE2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let mut unsure = ReadLine::from_text(LINE1);
        unsure.positions[7].iter_mut().for_each(|c| c.prob = 0.3);
        let luma = reading_of([unsure, ReadLine::from_text(LINE2)]);
        assert!(doubtful(&luma));
        let sure = || ReadLine::from_text(LINE1);
        let ink = reading_of([sure(), ReadLine::from_text(LINE2)]);
        let kept = less_doubtful(luma.clone(), ink);
        assert_eq!(kept.mrz.unwrap().min_confidence, 1.0);
        // Nationality `UTM`: no check digit covers it, and no state has that code.
        let unknown = reading_of([sure(), ReadLine::from_text(&LINE2.replace("UTO", "UTM"))]);
        assert!(unknown.mrz.as_ref().unwrap().valid);
        let kept = less_doubtful(luma, unknown);
        assert!(kept.mrz.unwrap().min_confidence < INK_VIEW_BELOW);
    }
}
