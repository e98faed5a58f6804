//! Reading one MRZ line: cropping it along its axis, running the line model, and
//! decoding the CTC output into exactly the number of characters the format prints.

use image::GrayImage;

use super::detect::LineGeom;
use super::geom;
use super::mrz::{Candidate, ReadLine};
use super::runtime::{LineModel, ModelError, Prediction};

/// The model's classes after the CTC blank (class 0), in order.
pub const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
/// Height of a line crop, in pixels, as the model expects.
pub const CROP_H: usize = 32;

/// The probability given to a filler appended to a line read short
/// ([`Frames::decode_padded`]): a guess, kept below the certainty that ends a search.
pub const PAD_PROB: f32 = 0.5;
/// Crop height as a multiple of the character height, and horizontal padding in
/// character heights. The model was trained on 1.4 to 2.2 and 0.1 to 1.5 (see
/// models/MODEL_CARD.md); these sit inside both ranges.
const HEIGHT_RATIO: f32 = 1.7;
const PAD_RATIO: f32 = 0.6;

/// How a line is traversed when cropped. A mirrored page reads right to left with
/// mirrored glyphs; un-mirroring it is a flip along the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Upright,
    Rot180,
    Mirror,
    MirrorRot180,
}

impl Variant {
    /// (flip along the line, flip across it).
    fn flips(self) -> (bool, bool) {
        match self {
            Variant::Upright => (false, false),
            Variant::Rot180 => (true, true),
            Variant::Mirror => (true, false),
            Variant::MirrorRot180 => (false, true),
        }
    }
    /// The same reading with the mirror added or undone.
    pub fn mirror(self) -> Variant {
        match self {
            Variant::Upright => Variant::Mirror,
            Variant::Rot180 => Variant::MirrorRot180,
            Variant::Mirror => Variant::Upright,
            Variant::MirrorRot180 => Variant::Rot180,
        }
    }
    pub fn mirrored(self) -> bool {
        matches!(self, Variant::Mirror | Variant::MirrorRot180)
    }
    /// Whether the MRZ's first line is the last one along the block's normal.
    pub fn reverses_line_order(self) -> bool {
        self.flips().1
    }
    /// The reading direction in image coordinates for a line whose axis is (dx, dy).
    pub fn reading_direction(self, dx: f32, dy: f32) -> (f32, f32) {
        if self.flips().0 {
            (-dx, -dy)
        } else {
            (dx, dy)
        }
    }
}

/// A line crop ready for the model: `CROP_H` rows of `width` floats, paper ~1, ink ~0.
pub struct Crop {
    pub data: Vec<f32>,
    pub width: usize,
}

/// Measures the line's character height and centre from the ink itself: a profile of
/// darkness across the line, sampled along its axis. The detector's heights come from
/// axis-aligned boxes, which overstate them by up to 20% on tilted lines (a capital's
/// box at 33 degrees is 1.19 times its height). Returns the line unchanged when the
/// profile shows no clear band.
pub fn refine_line(gray: &GrayImage, line: &LineGeom) -> LineGeom {
    const ROWS: usize = 40;
    let h = line.char_h.max(2.0);
    let span = 2.6 * h;
    let row_step = span / ROWS as f32;
    let cols = ((line.length() / (0.25 * h)) as usize).clamp(8, 400);
    let col_step = line.length() / cols as f32;
    let (nx, ny) = (-line.dy, line.dx);
    let mut ink = [0f32; ROWS];
    for (j, v) in ink.iter_mut().enumerate() {
        let s = -0.5 * span + (j as f32 + 0.5) * row_step;
        let mut acc = 0.0;
        for i in 0..cols {
            let t = line.u0 + (i as f32 + 0.5) * col_step;
            let x = line.cx + t * line.dx + s * nx;
            let y = line.cy + t * line.dy + s * ny;
            acc += 255.0 - geom::sample(gray, x, y);
        }
        *v = acc / cols as f32;
    }
    let centre = ROWS / 2;
    let near = (0.4 * h / row_step) as usize;
    let (peak_row, peak) = (centre - near..=centre + near)
        .map(|j| (j, ink[j]))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((centre, 0.0));
    let floor = ink.iter().copied().fold(f32::MAX, f32::min);
    if peak - floor < 8.0 {
        return line.clone();
    }
    // Half way between paper and the densest row: the band of the capitals' strokes.
    let cut = floor + 0.5 * (peak - floor);
    let mut top = peak_row;
    while top > 0 && ink[top - 1] >= cut {
        top -= 1;
    }
    let mut bottom = peak_row;
    while bottom + 1 < ROWS && ink[bottom + 1] >= cut {
        bottom += 1;
    }
    let band = (bottom - top + 1) as f32 * row_step;
    let mid = -0.5 * span + 0.5 * (top + bottom + 1) as f32 * row_step;
    let mut out = line.clone();
    out.char_h = band.clamp(0.7 * h, 1.15 * h);
    let shift = mid.clamp(-0.3 * h, 0.3 * h);
    out.cx += shift * nx;
    out.cy += shift * ny;
    out
}

/// Samples the line from the full-resolution image along its own axis.
pub fn crop_line(gray: &GrayImage, line: &LineGeom, variant: Variant) -> Crop {
    crop_span(gray, line, variant, line.u0, line.u1)
}

/// Samples the middle `fraction` (0..1] of the line: enough glyphs to tell which way
/// round the text is at a fraction of the cost of the whole line.
pub fn crop_middle(gray: &GrayImage, line: &LineGeom, variant: Variant, fraction: f32) -> Crop {
    let mid = 0.5 * (line.u0 + line.u1);
    let half = 0.5 * fraction.clamp(0.05, 1.0) * line.length();
    crop_span(gray, line, variant, mid - half, mid + half)
}

/// Another framing of a line for a second look: crop height as a multiple of the
/// character height, and offsets of the crop across and along the line, in character
/// heights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Framing {
    pub height_ratio: f32,
    pub across: f32,
    pub along: f32,
}

/// A second look's crop that magnifies its source more than this many times (characters
/// under about 8.5 px high: 32 / (1.7 x 8.5)) is sampled bicubically
/// ([`geom::sample_cubic`]) rather than bilinearly, which softens strokes this small. The
/// first look stays bilinear: the line model was fine-tuned on the reader's own bilinear
/// crops (runs 8, 9), and sharper first-look crops read fewer synthetic pages (Lanczos-3 at
/// every magnification: 405 -> 399/450, branch `exp/lanczos`). Measured with run 9
/// (`eval --no-faces`, before -> after): ../shared/data/real in perspective 66 -> 67/70,
/// at low quality 60 -> 60; the synthetic challenge set 405 -> 405/450, in perspective
/// 385 -> 389. Thresholds of 1.5 and 3 read 67/404/390 and 66/405/386; Lanczos-3 at 2.2
/// read 68/404/392 with 36 taps and trigonometry to the cubic's 16.
const SHARPEN_ABOVE: f32 = 2.2;

/// Samples the whole line with another framing ([`Framing`]), sharper where it magnifies
/// a small print ([`SHARPEN_ABOVE`]).
pub fn crop_line_framed(gray: &GrayImage, line: &LineGeom, variant: Variant, f: Framing) -> Crop {
    let mut l = line.clone();
    let h = line.char_h.max(2.0);
    // Offsets in reading coordinates: along the reading direction, and down the glyphs.
    let (flip_u, flip_v) = variant.flips();
    let along = if flip_u { -f.along } else { f.along } * h;
    let across = if flip_v { -f.across } else { f.across } * h;
    l.cx += along * line.dx - across * line.dy;
    l.cy += along * line.dy + across * line.dx;
    crop_span_framed(gray, &l, variant, l.u0, l.u1, f.height_ratio, true)
}

/// Samples the part of the line between `u0` and `u1` (offsets along its axis).
fn crop_span(gray: &GrayImage, line: &LineGeom, variant: Variant, u0: f32, u1: f32) -> Crop {
    crop_span_framed(gray, line, variant, u0, u1, HEIGHT_RATIO, false)
}

/// How a crop of `line` `height_ratio` character heights high is laid out: crop pixels per
/// image pixel, and the margin sampled past each end of its span, image pixels.
fn crop_layout(line: &LineGeom, height_ratio: f32) -> (f32, f32) {
    let h_src = height_ratio * line.char_h.max(2.0);
    (CROP_H as f32 / h_src, PAD_RATIO * line.char_h)
}

/// The offset along a line (image pixels from its centre point) of a point `from_start`
/// image pixels into a crop of its span `u0..u1` with margin `pad`: the crop starts at `u0
/// - pad`, or at `u1 + pad` when it reads the line backwards (`flip_u`).
fn offset_along(u0: f32, u1: f32, pad: f32, flip_u: bool, from_start: f32) -> f32 {
    if flip_u {
        u1 + pad - from_start
    } else {
        u0 - pad + from_start
    }
}

/// [`crop_span`] with a crop `height_ratio` times the character height; with
/// `sharpen_small`, sampled bicubically where it magnifies its source more than
/// [`SHARPEN_ABOVE`] times.
fn crop_span_framed(
    gray: &GrayImage,
    line: &LineGeom,
    variant: Variant,
    u0: f32,
    u1: f32,
    height_ratio: f32,
    sharpen_small: bool,
) -> Crop {
    let (k, pad) = crop_layout(line, height_ratio);
    let len = (u1 - u0) + 2.0 * pad;
    let width = (((len * k).round() as usize).div_ceil(4) * 4).clamp(8, 4096);
    let (flip_u, flip_v) = variant.flips();
    let step = 1.0 / k;
    let sharp = sharpen_small && k > SHARPEN_ABOVE;
    let (cx, cy, dx, dy) = (line.cx, line.cy, line.dx, line.dy);
    let mut raw = vec![0f32; CROP_H * width];
    for j in 0..CROP_H {
        let mut s = (j as f32 + 0.5 - CROP_H as f32 / 2.0) * step;
        if flip_v {
            s = -s;
        }
        for i in 0..width {
            let t = offset_along(u0, u1, pad, flip_u, (i as f32 + 0.5) * step);
            let x = cx + t * dx - s * dy;
            let y = cy + t * dy + s * dx;
            raw[j * width + i] = if sharp {
                geom::sample_cubic(gray, x, y)
            } else {
                geom::sample_area(gray, x, y, step)
            };
        }
    }
    normalise(&mut raw);
    Crop { data: raw, width }
}

/// Stretches a crop so that its 5th percentile maps to 0 and its 95th to 1 (the
/// normalisation the model was trained with).
pub fn normalise(px: &mut [f32]) {
    let mut hist = [0u32; 256];
    for &v in px.iter() {
        hist[v.clamp(0.0, 255.0) as usize] += 1;
    }
    let n = px.len() as u32;
    let pct = |q: f32| {
        let target = (q * n as f32) as u32;
        let mut acc = 0;
        for (i, &c) in hist.iter().enumerate() {
            acc += c;
            if acc > target {
                return i as f32;
            }
        }
        255.0
    };
    let lo = pct(0.05);
    let hi = pct(0.95);
    let range = (hi - lo).max(16.0);
    for v in px.iter_mut() {
        *v = ((*v - lo) / range).clamp(0.0, 1.0);
    }
}

/// Runs the model on crops of possibly different widths (padded with paper on the right)
/// and returns one probability matrix per crop.
pub fn run_batch(model: &dyn LineModel, crops: &[Crop]) -> Result<Vec<Frames>, ModelError> {
    let width = crops.iter().map(|c| c.width).max().unwrap_or(8);
    let mut input = vec![1f32; crops.len() * CROP_H * width];
    for (b, c) in crops.iter().enumerate() {
        for j in 0..CROP_H {
            let dst = b * CROP_H * width + j * width;
            input[dst..dst + c.width].copy_from_slice(&c.data[j * c.width..(j + 1) * c.width]);
        }
    }
    let Prediction {
        probs,
        frames,
        classes,
    } = model.predict(input, crops.len(), width)?;
    if classes != ALPHABET.len() + 1 {
        return Err(ModelError::Shape(vec![crops.len(), frames, classes]));
    }
    Ok(crops
        .iter()
        .enumerate()
        .map(|(b, c)| {
            // Frames past the crop's own width saw only padding.
            let own = (c.width / FRAME_PX).min(frames);
            let start = b * frames * classes;
            Frames {
                probs: probs[start..start + own * classes].to_vec(),
                frames: own,
                classes,
            }
        })
        .collect())
}

/// Crop pixels per model frame along the line (the model's stride: `[N, 1, 32, W]` in,
/// `W / 4` frames out).
const FRAME_PX: usize = 4;

/// `line`, a line lengthened past `seen` (the line as the detector saw it, on the same
/// axis), cut back to the characters `frames` reads in its crop ([`crop_line`]): at each
/// end to a third of a pitch beyond the outermost character's centre (about where its ink
/// ends), never inside `seen`. A lengthened crop reads the page beyond the text as nothing,
/// and the page placed from a line longer than its text is placed wrong. `line` as it is
/// when fewer than two characters are read.
pub fn cut_to_text(
    line: &LineGeom,
    seen: &LineGeom,
    variant: Variant,
    frames: &Frames,
) -> LineGeom {
    let segs = frames.segments();
    let mut cut = line.clone();
    if segs.len() < 2 {
        return cut;
    }
    // A frame's centre, as an offset along the line, in the crop [`crop_line`] makes.
    let (k, pad) = crop_layout(line, HEIGHT_RATIO);
    let along = |t: f32| {
        let from_start = (t + 0.5) * FRAME_PX as f32 / k;
        offset_along(line.u0, line.u1, pad, variant.flips().0, from_start)
    };
    let (a, b) = (along(segs[0].centre), along(segs[segs.len() - 1].centre));
    let third = (b - a).abs() / (segs.len() - 1) as f32 / 3.0;
    cut.u0 = (a.min(b) - third).clamp(line.u0, seen.u0.max(line.u0));
    cut.u1 = (a.max(b) + third).clamp(seen.u1.min(line.u1), line.u1);
    cut
}

/// One crop's per-frame class probabilities.
pub struct Frames {
    pub probs: Vec<f32>,
    pub frames: usize,
    pub classes: usize,
}

/// A character found by CTC decoding: its frame span and the probabilities at its peak.
#[derive(Clone, Debug)]
struct Segment {
    centre: f32,
    peak_frame: usize,
    peak_prob: f32,
}

impl Frames {
    fn row(&self, t: usize) -> &[f32] {
        &self.probs[t * self.classes..(t + 1) * self.classes]
    }

    /// Greedy CTC segments: runs of frames whose best class is the same non-blank class.
    fn segments(&self) -> Vec<Segment> {
        let mut segs: Vec<Segment> = Vec::new();
        let mut prev = 0usize;
        let mut start = 0usize;
        for t in 0..self.frames {
            let row = self.row(t);
            let (best, &p) = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap_or((0, &0.0));
            if best != 0 && best != prev {
                start = t;
                segs.push(Segment {
                    centre: t as f32,
                    peak_frame: t,
                    peak_prob: p,
                });
            } else if best != 0 && best == prev {
                if let Some(s) = segs.last_mut() {
                    s.centre = 0.5 * (start + t) as f32;
                    if p > s.peak_prob {
                        s.peak_prob = p;
                        s.peak_frame = t;
                    }
                }
            }
            prev = best;
        }
        segs
    }

    /// The greedy decoding's text: each character at its peak frame.
    pub fn greedy_text(&self) -> String {
        self.segments()
            .iter()
            .filter_map(|s| {
                let row = self.row(s.peak_frame);
                let best = (1..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b]))?;
                ALPHABET.get(best - 1).map(|&c| c as char)
            })
            .collect()
    }

    /// Number of characters a greedy decoding finds.
    pub fn greedy_len(&self) -> usize {
        self.segments().len()
    }

    /// Mean peak probability of the greedy characters: how much the model believes the
    /// crop is MRZ text read the right way round (0..1).
    pub fn belief(&self) -> f32 {
        let segs = self.segments();
        if segs.is_empty() {
            return 0.0;
        }
        segs.iter().map(|s| s.peak_prob).sum::<f32>() / segs.len() as f32
    }

    /// Decodes exactly `n` characters, using the fixed character pitch of OCR-B to
    /// drop spurious characters and fill missed ones (CTC most often merges runs of
    /// fillers). `None` when the reading is too far from `n` to trust.
    pub fn decode_exact(&self, n: usize) -> Option<ReadLine> {
        let mut segs = self.segments();
        if segs.len() + 4 < n || segs.len() > n + 4 || n < 2 {
            return None;
        }
        while segs.len() > n {
            let pitch = (segs[segs.len() - 1].centre - segs[0].centre) / (n - 1) as f32;
            // The closest pair is most likely one character split in two.
            let (i, gap) = (0..segs.len() - 1)
                .map(|i| (i, segs[i + 1].centre - segs[i].centre))
                .min_by(|a, b| a.1.total_cmp(&b.1))?;
            let drop = if gap < 0.7 * pitch {
                if segs[i].peak_prob < segs[i + 1].peak_prob {
                    i
                } else {
                    i + 1
                }
            } else {
                (0..segs.len()).min_by(|&a, &b| segs[a].peak_prob.total_cmp(&segs[b].peak_prob))?
            };
            segs.remove(drop);
        }
        while segs.len() < n {
            let pitch = (segs[segs.len() - 1].centre - segs[0].centre) / (n - 1) as f32;
            let (i, gap) = (0..segs.len() - 1)
                .map(|i| (i, segs[i + 1].centre - segs[i].centre))
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            if gap < 1.4 * pitch {
                return None;
            }
            // The missed character sits halfway; read its frame's best non-blank class.
            let mid = 0.5 * (segs[i].centre + segs[i + 1].centre);
            let t = (mid.round() as usize).min(self.frames - 1);
            segs.insert(
                i + 1,
                Segment {
                    centre: mid,
                    peak_frame: t,
                    peak_prob: 0.0,
                },
            );
        }
        Some(ReadLine {
            positions: segs.iter().map(|s| self.candidates(s.peak_frame)).collect(),
        })
    }

    /// [`Frames::decode_exact`], or, when the reading is 1 to 4 characters short with no
    /// gap a character could have been missed in (a line printed short: some cards stop a
    /// name line's fillers early), the reading with fillers appended up to `n`, each at
    /// probability [`PAD_PROB`], so that check digits and the plausibility gate judge it.
    pub fn decode_padded(&self, n: usize) -> Option<ReadLine> {
        if let Some(line) = self.decode_exact(n) {
            return Some(line);
        }
        let len = self.segments().len();
        if len >= n || len + 4 < n || len < 2 {
            return None;
        }
        let mut line = self.decode_exact(len)?;
        line.positions.resize(
            n,
            vec![Candidate {
                ch: '<',
                prob: PAD_PROB,
            }],
        );
        Some(line)
    }

    /// Alternatives at one frame, best first, renormalised over the non-blank classes.
    fn candidates(&self, t: usize) -> Vec<Candidate> {
        let row = self.row(t);
        let nonblank: f32 = row[1..].iter().sum::<f32>().max(1e-6);
        let mut c: Vec<Candidate> = row[1..]
            .iter()
            .enumerate()
            .map(|(i, &p)| Candidate {
                ch: ALPHABET[i] as char,
                prob: p / nonblank,
            })
            .collect();
        c.sort_by(|a, b| b.prob.total_cmp(&a.prob));
        c.truncate(4);
        c.retain(|x| x.prob >= 0.005);
        if c.is_empty() {
            c.push(Candidate { ch: '<', prob: 0.0 });
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames for a text where each char occupies `per` frames followed by one blank.
    fn frames_for(text: &str, per: usize) -> Frames {
        let classes = ALPHABET.len() + 1;
        let mut probs = Vec::new();
        let mut push = |class: usize| {
            let mut row = vec![0.0; classes];
            row[class] = 1.0;
            probs.extend(row);
        };
        for ch in text.bytes() {
            let class = ALPHABET.iter().position(|&a| a == ch).unwrap() + 1;
            for _ in 0..per {
                push(class);
            }
            push(0);
        }
        let frames = probs.len() / classes;
        Frames {
            probs,
            frames,
            classes,
        }
    }

    fn text(line: &ReadLine) -> String {
        line.positions.iter().map(|p| p[0].ch).collect()
    }

    #[test]
    fn exact_decoding_keeps_a_clean_reading() {
        let f = frames_for("P<UTOERIKSSON<<ANNA", 2);
        assert_eq!(text(&f.decode_exact(19).unwrap()), "P<UTOERIKSSON<<ANNA");
    }

    #[test]
    fn exact_decoding_fills_a_merged_filler() {
        // "<<<" read as two '<' with a double-width gap: the pitch says one is missing.
        let classes = ALPHABET.len() + 1;
        let lt = ALPHABET.len();
        let mut probs = Vec::new();
        let mut push = |class: usize| {
            let mut row = vec![0.0; classes];
            row[class] = 1.0;
            probs.extend(row);
        };
        // A<<<B with pitch 4 frames, the middle '<' missed (blank frames instead).
        for class in [11, 0, 0, 0, lt, 0, 0, 0, 0, 0, 0, 0, lt, 0, 0, 0, 12, 0] {
            push(class);
        }
        let f = Frames {
            frames: probs.len() / classes,
            probs,
            classes,
        };
        assert_eq!(text(&f.decode_exact(5).unwrap()), "A<<<B");
    }

    #[test]
    fn a_line_printed_short_is_padded_with_fillers() {
        let f = frames_for("SMITH<<JOHN<<<", 4);
        assert!(f.decode_exact(16).is_none());
        let line = f.decode_padded(16).unwrap();
        assert_eq!(text(&line), "SMITH<<JOHN<<<<<");
        assert_eq!(line.positions[15][0].prob, PAD_PROB);
        assert!(f.decode_padded(30).is_none());
    }

    #[test]
    fn a_lengthened_line_is_cut_back_to_its_text_but_not_inside_what_was_seen() {
        // 60 blank frames, then 20 characters of 3 frames each: the text's first centre is
        // frame 60.5, 61 x 4 = 244 crop pixels in, at 32 / 17 crop pixels per image pixel.
        let text = frames_for("P<UTOERIKSSON<<ANNA<", 2);
        let mut probs = vec![0.0; 60 * text.classes];
        for t in 0..60 {
            probs[t * text.classes] = 1.0;
        }
        probs.extend(&text.probs);
        let frames = Frames {
            frames: probs.len() / text.classes,
            probs,
            classes: text.classes,
        };
        let line = |u0: f32, u1: f32| LineGeom {
            cx: 0.0,
            cy: 0.0,
            dx: 1.0,
            dy: 0.0,
            u0,
            u1,
            char_h: 10.0,
            n_components: 20,
        };
        let longer = line(-300.0, 100.0);
        // First centre at -300 - 6 (padding) + 244 x 17 / 32 = -176.4, less a third of the
        // 6.4-pixel pitch.
        let cut = cut_to_text(&longer, &line(-100.0, 100.0), Variant::Upright, &frames);
        assert!((cut.u0 + 178.5).abs() < 1.0, "{cut:?}");
        assert_eq!(cut.u1, 100.0);
        // The detector saw ink from -200: that much stays.
        let cut = cut_to_text(&longer, &line(-200.0, 100.0), Variant::Upright, &frames);
        assert_eq!(cut.u0, -200.0);
    }

    #[test]
    fn exact_decoding_refuses_a_reading_far_off() {
        let f = frames_for("ABC", 2);
        assert!(f.decode_exact(44).is_none());
    }

    #[test]
    fn normalise_maps_paper_to_one_and_ink_to_zero() {
        let mut px: Vec<f32> = (0..100)
            .map(|i| if i < 30 { 40.0 } else { 200.0 })
            .collect();
        normalise(&mut px);
        assert_eq!(px[0], 0.0);
        assert_eq!(px[99], 1.0);
    }
}
