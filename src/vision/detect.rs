//! Finding machine-readable-zone lines in a photo or scan, at any rotation.
//!
//! The method is geometric and needs no model: dark connected components of character
//! size are chained into text lines along the page's dominant text direction, and an MRZ
//! is a block of two or three long, parallel lines of equal extent. Each MRZ line keeps
//! its own fitted axis so that perspective in phone photos is followed line by line.
//!
//! All coordinates here are in pixels of the image as displayed (after EXIF orientation),
//! x to the right, y down.

use image::GrayImage;

use super::geom::{self, Component};

/// Longest side, in pixels, of the image the detector works on. Larger images are
/// shrunk, smaller ones enlarged, so that character sizes fall in a range the
/// thresholds below suit. Tuned on `../shared/data/real` (MRZ characters there are
/// 4 to 60 pixels tall in the stored images).
const WORK_MIN_SIDE: u32 = 700;
const WORK_MAX_SIDE: u32 = 1000;

/// One candidate MRZ text line: an axis through the characters' centres.
#[derive(Clone, Debug)]
pub struct LineGeom {
    /// A point on the line axis (the centre of the characters), in pixels.
    pub cx: f32,
    pub cy: f32,
    /// Unit vector along the line (either reading direction; the recogniser decides).
    pub dx: f32,
    pub dy: f32,
    /// Signed offsets along (dx, dy) from (cx, cy) of the first and last ink, in pixels.
    pub u0: f32,
    pub u1: f32,
    /// Character height, in pixels (extent across the line of the taller characters).
    pub char_h: f32,
    /// Number of components in the chain.
    pub n_components: usize,
}

impl LineGeom {
    pub fn length(&self) -> f32 {
        self.u1 - self.u0
    }
}

/// A block of 2 or 3 parallel lines that may be an MRZ, ordered across the block along
/// the normal (-dy, dx) of the first line's direction.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub lines: Vec<LineGeom>,
    /// Higher is more MRZ-like.
    pub score: f32,
}

impl Candidate {
    /// The longest line (blocks always have lines).
    pub fn longest_line(&self) -> &LineGeom {
        self.lines
            .iter()
            .max_by(|a, b| a.length().total_cmp(&b.length()))
            .expect("blocks have lines")
    }
}

/// A component seen in the working frame, rotated so that text runs along `u`.
#[derive(Clone, Copy, Debug)]
struct Blob {
    /// Centre in the rotated frame.
    u: f32,
    v: f32,
    /// Extent along and across the text direction.
    along: f32,
    across: f32,
    /// Centroid in working-image coordinates.
    x: f32,
    y: f32,
    area: f32,
}

/// The finest working scale: the long side of a large image is taken down to this at
/// most when the usual scale finds nothing (MRZ characters of 6 to 8 pixels on a photo of
/// 2000 pixels or more would shrink below the 4 pixels a component needs).
const FINE_MAX_SIDE: u32 = 2000;

/// The working long sides, in pixels, to look at an image of `(w, h)` pixels with, in
/// order: the usual one, and a finer one: the image's own size up to [`FINE_MAX_SIDE`]
/// for images larger than the usual one, 1.6 times the usual one for the others (a
/// small, soft scan whose 5-pixel characters blur together at the usual scale).
pub fn work_sides((w, h): (u32, u32)) -> Vec<u32> {
    let long = w.max(h);
    let usual = long.clamp(WORK_MIN_SIDE, WORK_MAX_SIDE);
    let fine = if long > usual * 5 / 4 {
        long.min(FINE_MAX_SIDE)
    } else {
        usual * 8 / 5
    };
    vec![usual, fine]
}

/// The looks a read takes at an image of `(w, h)` pixels until one settles it, in order:
/// each of [`work_sides`] with the usual threshold window, then the usual side with the
/// wide one ([`Window::Wide`]). Images read at the first look (most) cost no more.
pub fn looks(dims: (u32, u32)) -> Vec<(u32, Method)> {
    let sides = work_sides(dims);
    let mut out: Vec<(u32, Method)> = sides
        .iter()
        .map(|&s| (s, Method::Components(Window::Usual)))
        .collect();
    out.push((sides[0], Method::Components(Window::Wide)));
    out
}

/// The looks a read takes when none of [`looks`] settles it, in any view of the image:
/// the usual side as bands ([`Method::Bands`]), whose line geometry is coarser, and on an
/// image larger than that, the finer side too. (The finer side: challenge set 369 ->
/// 371/450, two TD1 cards on photos of 2000 px and more, one pen-struck, one noisy;
/// ../shared/data/real and its transforms unchanged. On smaller images the finer side is
/// only the image enlarged, which gained nothing and cost time.)
pub fn fallback_looks(dims: (u32, u32)) -> Vec<(u32, Method)> {
    let sides = work_sides(dims);
    let long = dims.0.max(dims.1);
    sides
        .into_iter()
        .enumerate()
        .filter(|&(i, side)| i == 0 || long >= side)
        .map(|(_, side)| (side, Method::Bands))
        .collect()
}

/// How a look finds MRZ lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Glyph-sized components chained into lines ([`find_mrz_candidates_with`]).
    Components(Window),
    /// Rows of ink smeared along the text direction into bands ([`find_mrz_bands`]).
    Bands,
}

/// MRZ candidates found by `method` with the image's long side scaled to `target` pixels,
/// best first; line geometry in the image's own pixels.
pub fn find_candidates(gray: &GrayImage, target: u32, method: Method) -> Vec<Candidate> {
    match method {
        Method::Components(window) => find_mrz_candidates_with(gray, target, window),
        Method::Bands => find_mrz_bands(gray, target),
    }
}

/// The widest gap between neighbouring glyphs of one line, in the taller glyph's heights.
/// A filler `<` is about 0.55 of a capital's height, so in a wide-pitch face (pitch 1.6
/// capitals) two fillers stand about 1.8 of their own heights apart; OCR-B's stand about
/// 0.8 apart. (1.2, tuned on ../shared/data/real alone, broke wide-pitch filler runs.)
const GAP_LIMIT: f32 = 2.0;

/// Finds MRZ candidates at the usual working scale, best first. Returns an empty list when
/// nothing MRZ-like is seen.
pub fn find_mrz_candidates(gray: &GrayImage) -> Vec<Candidate> {
    find_mrz_candidates_at(gray, work_sides(gray.dimensions())[0])
}

/// Finds MRZ candidates with the image's long side scaled to `target` pixels (see
/// [`work_sides`]), best first; line geometry in the image's own pixels.
pub fn find_mrz_candidates_at(gray: &GrayImage, target: u32) -> Vec<Candidate> {
    find_mrz_candidates_with(gray, target, Window::Usual)
}

/// The neighbourhood the ink threshold compares each pixel with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// About 1/110 of the working long side in radius: a few character strokes wide at
    /// most MRZ sizes; paper texture and guilloches stay out.
    Usual,
    /// About 1/60: wide enough to hold whole characters where the usual window sees only
    /// their cores, as on small soft images enlarged to the working size (MRZ characters
    /// of 5 to 7 pixels, blurred: their strokes fill a usual window and fall apart into
    /// dots), and dark enough a mean that a busy guilloche under the MRZ stays paper.
    /// Measured with the usual look first and this one last (1/40 and 1/60 tried; 1/60
    /// kept): ../shared/data/real rotated 61 -> 67/70, synthetic challenge 341 -> 346/450,
    /// the rest unchanged.
    Wide,
}

impl Window {
    /// The threshold window's radius at working long side `target`.
    fn radius(self, target: u32) -> u32 {
        match self {
            Window::Usual => (target / 110).max(4),
            Window::Wide => (target / 60).max(6),
        }
    }
}

/// As [`find_mrz_candidates_at`], thresholding ink over the given window.
pub fn find_mrz_candidates_with(gray: &GrayImage, target: u32, window: Window) -> Vec<Candidate> {
    look(gray, target, window).candidates
}

/// What one threshold of an image shows: its MRZ candidates (as
/// [`find_mrz_candidates_with`]) and its text direction (as [`text_axis`]), for a caller
/// that needs both (the portrait search places the page and, failing that, turns the
/// image by the text) without thresholding twice.
#[derive(Clone, Debug, Default)]
pub struct Look {
    /// Best first; line geometry in the image's own pixels.
    pub candidates: Vec<Candidate>,
    /// Radians in [0, pi), see [`text_axis`].
    pub text_axis: Option<f32>,
}

/// [`Look`] with the image's long side scaled to `target` pixels, thresholded over `window`.
pub fn look(gray: &GrayImage, target: u32, window: Window) -> Look {
    let Some(work) = Work::new(gray, target, window) else {
        return Look::default();
    };
    let angles = dominant_angles(&work.comps);
    let mut out = Vec::new();
    for &theta in &angles {
        let blobs = to_blobs(&work.comps, theta);
        let lines = chain_lines(&blobs, theta);

        out.extend(group_blocks(lines));
    }
    Look {
        text_axis: axis_of(&work.comps, &angles),
        candidates: work.finish(out),
    }
}

/// The image at the working scale: its ink mask and the components that may be glyphs.
struct Work {
    /// Working pixels per image pixel.
    scale: f32,
    /// Size of the working image, in pixels.
    w: usize,
    h: usize,
    /// 1 = ink, row-major, `w` x `h`.
    mask: Vec<u8>,
    /// Components of glyph size or smaller.
    comps: Vec<Component>,
}

impl Work {
    /// `gray` with its long side scaled to `target` pixels and thresholded over `window`;
    /// None for images too small to hold text.
    fn new(gray: &GrayImage, target: u32, window: Window) -> Option<Work> {
        let (w, h) = gray.dimensions();
        let long = w.max(h);
        if long < 16 {
            return None;
        }
        let scale = target as f32 / long as f32;
        let work;
        let work_ref = if (scale - 1.0).abs() < 1e-3 {
            gray
        } else {
            let nw = ((w as f32 * scale).round() as u32).max(1);
            let nh = ((h as f32 * scale).round() as u32).max(1);
            work = geom::resize(gray, nw, nh);
            &work
        };
        // The offset keeps paper texture and guilloches out (see [`Window`] for the radius).
        let mask = geom::threshold_dark(work_ref, window.radius(target), 14);
        let (ww, wh) = (work_ref.width() as usize, work_ref.height() as usize);
        let comps = geom::components(&mask, ww, wh);
        let comps: Vec<Component> = comps
            .into_iter()
            .filter(|c| {
                let (cw, ch) = (c.width(), c.height());
                c.area >= 6 && cw.max(ch) >= 4 && cw.min(ch) <= target / 20
            })
            .collect();
        Some(Work {
            scale,
            w: ww,
            h: wh,
            mask,
            comps,
        })
    }

    /// `out` with its geometry taken back to the image's own pixels, best first.
    fn finish(&self, mut out: Vec<Candidate>) -> Vec<Candidate> {
        let scale = self.scale;
        for c in &mut out {
            for l in &mut c.lines {
                l.cx /= scale;
                l.cy /= scale;
                l.u0 /= scale;
                l.u1 /= scale;
                l.char_h /= scale;
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out
    }
}

/// Character heights, in working pixels, that [`find_mrz_bands`] assumes in turn: 6 to 42
/// pixels in steps of about 1.6, the range MRZ characters take at the working scale (4
/// to 60 pixels in ../shared/data/real's stored images, 6 to 60 in the challenge set's).
const BAND_HEIGHTS: [f32; 5] = [6.0, 10.0, 16.0, 26.0, 42.0];

/// Gaps between ink along a row that a band bridges, in assumed character heights: a row
/// through a line of a wide-pitch face (1.6 heights a glyph) meets ink at least every
/// 1.5 heights or so. Measured on the synthetic challenge set (exact of 450) with
/// ../shared/data/real rotated beside it: 1.2: 369; 1.6: 371, rotated 68/70; 2.0: 372,
/// but rotated 67 (the Czech passport page the band look gains at 1.6); 2.4: 367.
const BAND_GAP: f32 = 1.6;

/// Finds MRZ candidates as bands: each row of the ink mask, turned so that text runs
/// along it, is smeared across the gaps between glyphs, and the runs as long as an MRZ
/// line (18 to 80 character heights) make up its bands. Where glyphs touch (a pen stroke
/// or stamp through the line, bold print blurred together) the components that
/// [`find_mrz_candidates_with`] chains are not glyphs any more, but the line's rows still
/// run long; a stroke from one line into the next only bridges them over a few columns,
/// which the band's row profile leaves out. Geometry in the image's own pixels, best
/// first; each line follows the page's dominant text direction (not its own).
pub fn find_mrz_bands(gray: &GrayImage, target: u32) -> Vec<Candidate> {
    let Some(work) = Work::new(gray, target, Window::Usual) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for theta in dominant_angles(&work.comps) {
        let turned = Turned::new(&work, theta);
        let mut lines: Vec<LineGeom> = Vec::new();
        for h in BAND_HEIGHTS {
            for line in turned.bands(h) {
                // The same band seen under two assumed heights: keep the first.
                let dup = lines.iter().any(|k| {
                    let (ex, ey) = (line.cx - k.cx, line.cy - k.cy);
                    (ex * -k.dy + ey * k.dx).abs() < 0.5 * k.char_h
                        && (ex * k.dx + ey * k.dy).abs() < 0.25 * k.length()
                });
                if !dup {
                    lines.push(line);
                }
            }
        }
        out.extend(group_blocks(lines));
    }
    work.finish(out)
}

/// The working ink mask resampled (nearest pixel) on a grid turned by `theta`, kept as
/// runs of ink per row: row `j`, column `i` of the grid lies at u = `u_min` + i,
/// v = `v_min` + j, where u = x cos + y sin runs along the text and v = -x sin + y cos
/// across it (working pixels).
struct Turned {
    theta: f32,
    u_min: f32,
    v_min: f32,
    /// Per row, the runs of ink as inclusive column ranges, left to right.
    rows: Vec<Vec<(usize, usize)>>,
}

impl Turned {
    fn new(work: &Work, theta: f32) -> Turned {
        let (s, c) = theta.sin_cos();
        let (ww, wh) = (work.w as f32 - 1.0, work.h as f32 - 1.0);
        let corners = [(0.0, 0.0), (ww, 0.0), (0.0, wh), (ww, wh)];
        let us = corners.map(|(x, y)| x * c + y * s);
        let vs = corners.map(|(x, y)| -x * s + y * c);
        let u_min = us.iter().copied().fold(f32::MAX, f32::min).floor();
        let u_max = us.iter().copied().fold(f32::MIN, f32::max).ceil();
        let v_min = vs.iter().copied().fold(f32::MAX, f32::min).floor();
        let v_max = vs.iter().copied().fold(f32::MIN, f32::max).ceil();
        let (w, h) = ((u_max - u_min) as usize + 1, (v_max - v_min) as usize + 1);
        let mut rows = Vec::with_capacity(h);
        for j in 0..h {
            let v = v_min + j as f32;
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for i in 0..w {
                let u = u_min + i as f32;
                let x = (u * c - v * s).round();
                let y = (u * s + v * c).round();
                let ink = x >= 0.0
                    && y >= 0.0
                    && (x as usize) < work.w
                    && (y as usize) < work.h
                    && work.mask[y as usize * work.w + x as usize] != 0;
                if ink {
                    match runs.last_mut() {
                        Some(r) if r.1 + 1 == i => r.1 = i,
                        _ => runs.push((i, i)),
                    }
                }
            }
            rows.push(runs);
        }
        Turned {
            theta,
            u_min,
            v_min,
            rows,
        }
    }

    /// The lines of MRZ length among the bands of rows smeared for characters about `h`
    /// pixels tall (heights within a factor 1.6 either way of `h`), in working pixels.
    fn bands(&self, h: f32) -> Vec<LineGeom> {
        let gap = (BAND_GAP * h).round() as usize;
        let min_run = (18.0 * h) as usize;
        // Each row's runs smeared across gaps up to `gap`, keeping those of MRZ length:
        // (row, first column, last column).
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        let mut row_start = Vec::with_capacity(self.rows.len() + 1);
        for (j, row) in self.rows.iter().enumerate() {
            row_start.push(runs.len());
            let mut cur: Option<(usize, usize)> = None;
            for &(a, b) in row {
                cur = match cur {
                    Some((s, e)) if a <= e + gap + 1 => Some((s, b)),
                    Some((s, e)) => {
                        if e + 1 - s >= min_run {
                            runs.push((j, s, e));
                        }
                        Some((a, b))
                    }
                    None => Some((a, b)),
                };
            }
            if let Some((s, e)) = cur {
                if e + 1 - s >= min_run {
                    runs.push((j, s, e));
                }
            }
        }
        row_start.push(runs.len());
        // Runs that touch from one row to the next (8-connected) form one band.
        let mut parent: Vec<usize> = (0..runs.len()).collect();
        for j in 1..self.rows.len() {
            for k in row_start[j]..row_start[j + 1] {
                for m in row_start[j - 1]..row_start[j] {
                    let (a, b) = (runs[k], runs[m]);
                    if a.1 <= b.2 + 1 && b.1 <= a.2 + 1 {
                        let (ra, rb) = (find(&mut parent, k), find(&mut parent, m));
                        parent[ra.max(rb)] = ra.min(rb);
                    }
                }
            }
        }
        let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for k in 0..runs.len() {
            groups.entry(find(&mut parent, k)).or_default().push(k);
        }
        let (s, c) = self.theta.sin_cos();
        let mut lines = Vec::new();
        for members in groups.values() {
            // Each row's smeared length and extent (members come row by row): rows
            // through a whole line count far more than those where a stroke runs on to
            // the next line.
            let mut extents: Vec<(usize, usize, usize, usize)> = Vec::new();
            for &k in members {
                let (j, a, b) = runs[k];
                match extents.last_mut() {
                    Some(e) if e.0 == j => {
                        e.1 += b + 1 - a;
                        e.2 = e.2.min(a);
                        e.3 = e.3.max(b);
                    }
                    _ => extents.push((j, b + 1 - a, a, b)),
                }
            }
            if (extents.len() as f32) < 0.6 * h {
                continue;
            }
            let most = extents.iter().map(|e| e.1).max().unwrap_or(0);
            let mut i = 0;
            while i < extents.len() {
                if 2 * extents[i].1 < most {
                    i += 1;
                    continue;
                }
                let top = i;
                // Consecutive rows only: a band has no holes.
                while i < extents.len()
                    && 2 * extents[i].1 >= most
                    && (i == top || extents[i].0 == extents[i - 1].0 + 1)
                {
                    i += 1;
                }
                let band = &extents[top..i];
                let height = band.len() as f32;
                if height < h / 1.6 || height > h * 1.6 || height < 3.0 {
                    continue;
                }
                // The median row's ends: a stroke's end sticks out of a few rows only.
                let mut starts: Vec<usize> = band.iter().map(|e| e.2).collect();
                let mut ends: Vec<usize> = band.iter().map(|e| e.3).collect();
                starts.sort_unstable();
                ends.sort_unstable();
                let (a, b) = (starts[starts.len() / 2], ends[ends.len() / 2]);
                let len = (b + 1 - a) as f32;
                if len < 18.0 * height || len > 80.0 * height {
                    continue;
                }
                let u = self.u_min + 0.5 * (a + b) as f32;
                let v = self.v_min + band[0].0 as f32 + 0.5 * (height - 1.0);
                lines.push(LineGeom {
                    cx: u * c - v * s,
                    cy: u * s + v * c,
                    dx: c,
                    dy: s,
                    u0: -0.5 * len,
                    u1: 0.5 * len,
                    char_h: height,
                    // About one glyph per character height (OCR-B's pitch).
                    n_components: (len / height).round() as usize,
                });
            }
        }
        lines
    }
}

/// The direction of the image's text lines, in radians in [0, pi) (0 = horizontal in
/// the image, y down), when one direction clearly leads: text is printed along a
/// document's reading direction, so a portrait on it is upright or upside down across
/// this direction. None when a second direction is strong (see [`dominant_angles`]) or
/// there is too little text to tell. Costs one threshold of the image at the usual
/// working side (about 3 ms at 1,000 px; [`look`] gives it with the MRZ candidates).
pub fn text_axis(gray: &GrayImage) -> Option<f32> {
    let work = Work::new(gray, work_sides(gray.dimensions())[0], Window::Usual)?;
    axis_of(&work.comps, &dominant_angles(&work.comps))
}

/// The text direction of `comps`, whose strongest directions are `angles`: the one
/// direction, when there is one and a few words' worth of glyphs at least (the vote is
/// between neighbouring glyphs).
fn axis_of(comps: &[Component], angles: &[f32]) -> Option<f32> {
    match angles {
        [one] if comps.len() >= MIN_AXIS_GLYPHS => Some(*one),
        _ => None,
    }
}

/// Components [`text_axis`] needs before it tells a direction.
const MIN_AXIS_GLYPHS: usize = 40;

/// The one or two strongest text directions, in radians in [0, pi), from the directions
/// between each character-sized component and its nearest similar-sized neighbours.
fn dominant_angles(comps: &[Component]) -> Vec<f32> {
    const BINS: usize = 180;
    let mut hist = [0f32; BINS];
    // Grid hashing for nearest-neighbour search.
    let cell = 24.0f32;
    let mut grid: std::collections::HashMap<(i32, i32), Vec<usize>> = Default::default();
    let small: Vec<usize> = (0..comps.len())
        .filter(|&i| {
            let c = &comps[i];
            let s = c.width().max(c.height());
            (5..=60).contains(&s)
        })
        .collect();
    for &i in &small {
        let c = &comps[i];
        grid.entry(((c.cx / cell) as i32, (c.cy / cell) as i32))
            .or_default()
            .push(i);
    }
    for &i in &small {
        let a = &comps[i];
        let sa = a.width().max(a.height()) as f32;
        let (gx, gy) = ((a.cx / cell) as i32, (a.cy / cell) as i32);
        let mut best = [(f32::MAX, 0usize); 2];
        for oy in -2..=2 {
            for ox in -2..=2 {
                if let Some(list) = grid.get(&(gx + ox, gy + oy)) {
                    for &j in list {
                        if j == i {
                            continue;
                        }
                        let b = &comps[j];
                        let sb = b.width().max(b.height()) as f32;
                        if sb > sa * 1.8 || sa > sb * 1.8 {
                            continue;
                        }
                        let d2 = (a.cx - b.cx).powi(2) + (a.cy - b.cy).powi(2);
                        if d2 > (2.0 * sa.max(sb)).powi(2) {
                            continue;
                        }
                        if d2 < best[0].0 {
                            best[1] = best[0];
                            best[0] = (d2, j);
                        } else if d2 < best[1].0 {
                            best[1] = (d2, j);
                        }
                    }
                }
            }
        }
        for &(d2, j) in &best {
            if d2 == f32::MAX {
                continue;
            }
            let b = &comps[j];
            let ang = (b.cy - a.cy)
                .atan2(b.cx - a.cx)
                .to_degrees()
                .rem_euclid(180.0);
            hist[(ang as usize).min(BINS - 1)] += 1.0;
        }
    }
    // Circular smoothing over +-3 degrees.
    let mut smooth = [0f32; BINS];
    for (i, s) in smooth.iter_mut().enumerate() {
        for o in -3i32..=3 {
            let wgt = 4.0 - o.abs() as f32;
            *s += wgt * hist[(i as i32 + o).rem_euclid(BINS as i32) as usize];
        }
    }
    let (i1, &v1) = smooth
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap_or((0, &0.0));
    if v1 <= 0.0 {
        return vec![0.0];
    }
    let mut angles = vec![refine_peak(&smooth, i1)];
    // A second direction at least 20 degrees away, if it is strong: pages with much
    // vertical text, or a background with other text, can outvote the MRZ.
    let (i2, &v2) = smooth
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let d = (*i as i32 - i1 as i32).rem_euclid(BINS as i32);
            d.min(BINS as i32 - d) >= 20
        })
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap_or((0, &0.0));
    if v2 > 0.25 * v1 {
        angles.push(refine_peak(&smooth, i2));
    }
    angles
}

/// Sub-degree peak position by a parabola through the peak bin and its neighbours.
fn refine_peak(smooth: &[f32; 180], i: usize) -> f32 {
    let n = smooth.len();
    let l = smooth[(i + n - 1) % n];
    let c = smooth[i];
    let r = smooth[(i + 1) % n];
    let denom = l - 2.0 * c + r;
    let off = if denom.abs() > 1e-6 {
        0.5 * (l - r) / denom
    } else {
        0.0
    };
    // Bin i holds angles in [i, i+1).
    ((i as f32 + 0.5 + off.clamp(-1.0, 1.0)).rem_euclid(180.0)).to_radians()
}

fn to_blobs(comps: &[Component], theta: f32) -> Vec<Blob> {
    let (s, c) = theta.sin_cos();
    comps
        .iter()
        .map(|k| {
            let (w, h) = (k.width() as f32, k.height() as f32);
            Blob {
                u: k.cx * c + k.cy * s,
                v: -k.cx * s + k.cy * c,
                along: w * c.abs() + h * s.abs(),
                across: w * s.abs() + h * c.abs(),
                x: k.cx,
                y: k.cy,
                area: k.area as f32,
            }
        })
        .collect()
}

/// The root of `a` in the union-find forest `p` (with path halving).
fn find(p: &mut [usize], mut a: usize) -> usize {
    while p[a] != a {
        p[a] = p[p[a]];
        a = p[a];
    }
    a
}

/// Chains blobs into text lines (runs of similar-height blobs on one axis with small
/// gaps), and returns the long ones.
fn chain_lines(blobs: &[Blob], theta: f32) -> Vec<LineGeom> {
    let mut order: Vec<usize> = (0..blobs.len())
        .filter(|&i| blobs[i].across >= 4.0 && blobs[i].across <= 80.0)
        .collect();
    order.sort_by(|&a, &b| blobs[a].v.total_cmp(&blobs[b].v));
    let mut parent: Vec<usize> = (0..blobs.len()).collect();
    for (k, &i) in order.iter().enumerate() {
        let a = blobs[i];
        // No blob further across than this can pass the tests below: they need
        // b.across <= 2.5 a.across (and every blob is at most 80 high), and centres within
        // 0.45 of the taller one's height. Stopping here keeps the scan short on pages
        // with thousands of background specks (same pairs, far fewer looked at).
        let reach = 0.45 * (2.5 * a.across).min(80.0);
        for &j in &order[k + 1..] {
            let b = blobs[j];
            if b.v - a.v > reach {
                break;
            }
            let hmax = a.across.max(b.across);
            let hmin = a.across.min(b.across);
            // Centres on one line differ little across it.
            if b.v - a.v > 0.45 * hmax {
                continue;
            }
            // '<' is about 0.55 of a capital's height; anything flatter is a rule or dash.
            if hmin < 0.4 * hmax {
                continue;
            }
            let gap = (a.u - b.u).abs() - 0.5 * (a.along + b.along);
            if gap > GAP_LIMIT * hmax {
                continue;
            }
            let (ra, rb) = (find(&mut parent, i), find(&mut parent, j));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for &i in &order {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let (s, c) = theta.sin_cos();
    let mut lines = Vec::new();
    let groups: Vec<Vec<usize>> = groups
        .into_values()
        .flat_map(|g| split_stacked(g, blobs))
        .collect();
    let groups = join_collinear(groups, blobs, theta);
    for members in &groups {
        if members.len() < 8 {
            continue;
        }
        let mut heights: Vec<f32> = members.iter().map(|&i| blobs[i].across).collect();
        heights.sort_by(f32::total_cmp);
        let char_h = heights[(heights.len() * 3) / 4];
        let u0 = members
            .iter()
            .map(|&i| blobs[i].u - 0.5 * blobs[i].along)
            .fold(f32::MAX, f32::min);
        let u1 = members
            .iter()
            .map(|&i| blobs[i].u + 0.5 * blobs[i].along)
            .fold(f32::MIN, f32::max);
        let len = u1 - u0;
        // An MRZ line holds 30 to 44 characters at a pitch of about one character height
        // (OCR-B), up to 1.6 in the wide-pitch faces some issuers print.
        if len < 18.0 * char_h || len > 80.0 * char_h {
            continue;
        }
        // Least-squares axis through the centroids of the full-height characters, so
        // perspective is followed per line.
        let pts: Vec<(f32, f32, f32)> = members
            .iter()
            .filter(|&&i| blobs[i].across >= 0.7 * char_h)
            .map(|&i| (blobs[i].x, blobs[i].y, blobs[i].area))
            .collect();
        let pts = if pts.len() >= 4 {
            pts
        } else {
            members
                .iter()
                .map(|&i| (blobs[i].x, blobs[i].y, 1.0))
                .collect()
        };
        let (mx, my, dx, dy) = fit_axis(&pts, (c, s));
        // Extent along the fitted axis. MRZ glyphs are evenly spaced, about 0.3 to 0.5
        // character heights apart; an end blob further out than 0.9 is a speck or a
        // neighbouring mark, not part of the line.
        let mut spans: Vec<(f32, f32)> = members
            .iter()
            .map(|&i| {
                let b = blobs[i];
                let t = (b.x - mx) * dx + (b.y - my) * dy;
                (t - 0.5 * b.along, t + 0.5 * b.along)
            })
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The line's own spacing sets the bar: wide-pitch faces leave gaps of about one
        // character height between every pair of glyphs.
        let mut gaps: Vec<f32> = spans.windows(2).map(|p| p[1].0 - p[0].1).collect();
        gaps.sort_by(f32::total_cmp);
        let typical_gap = gaps.get(gaps.len() / 2).copied().unwrap_or(0.0);
        let max_gap = (0.9 * char_h).max(2.5 * typical_gap);
        while spans.len() > 8 && spans[1].0 - spans[0].1 > max_gap {
            spans.remove(0);
        }
        while spans.len() > 8 && {
            let n = spans.len();
            let prev_end = spans[..n - 1].iter().map(|s| s.1).fold(f32::MIN, f32::max);
            spans[n - 1].0 - prev_end > max_gap
        } {
            spans.pop();
        }
        let lo = spans.iter().map(|s| s.0).fold(f32::MAX, f32::min);
        let hi = spans.iter().map(|s| s.1).fold(f32::MIN, f32::max);
        lines.push(LineGeom {
            cx: mx,
            cy: my,
            dx,
            dy,
            u0: lo,
            u1: hi,
            char_h,
            n_components: members.len(),
        });
    }
    lines
}

/// Pieces of one text line this far apart at most, in character heights, are joined: a
/// pen stroke or a stamp across an MRZ merges the glyphs it touches into one large
/// component that the chaining drops, and cuts the line in two. A pen stroke on the
/// challenge set wipes out up to about 8 glyphs (4 joined 147, 8 joins 148 of 450 with
/// run 3, and 335 -> 336 with run 4; ../shared/data/real unchanged either way).
const JOIN_GAP: f32 = 8.0;

/// The pieces of a line are also joined across gaps up to this many character heights: a
/// pen stroke that loops through both lines of an MRZ merges them into one component over
/// 15 to 20 glyphs. Measured on the synthetic challenge set (`training/challenge.py`, 480
/// pages, seed 20261206) with joins at 8 alone, and at 8 and 16: 346 -> 351/450 (pen
/// strokes 21 -> 26/54); at 8 and 24: 353, but a rotated ../shared/data/real page on a
/// busy guilloche lost its MRZ among the extra collinear candidates (rotate 67 -> 66).
const WIDE_JOIN_GAP: f32 = 16.0;

/// Adds the chains that continue each other along one axis across a gap joined (see
/// [`JOIN_GAP`]): pieces of three glyphs or more whose heights agree within a factor 1.6, whose directions
/// agree within 3 degrees, and each of whose centre lies within 0.35 character heights of
/// the other's axis. `theta` is the page's text direction (radians, as in [`to_blobs`]):
/// each piece's axis is fitted near it.
fn join_collinear(mut groups: Vec<Vec<usize>>, blobs: &[Blob], theta: f32) -> Vec<Vec<usize>> {
    struct Piece {
        cx: f32,
        cy: f32,
        dx: f32,
        dy: f32,
        u0: f32,
        u1: f32,
        h: f32,
    }
    let (sin, cos) = theta.sin_cos();
    let piece = |g: &[usize]| -> Option<Piece> {
        if g.len() < 3 {
            return None;
        }
        let pts: Vec<(f32, f32, f32)> = g.iter().map(|&i| (blobs[i].x, blobs[i].y, 1.0)).collect();
        // The hint is the page's text direction, not the image's x axis: a fit more than
        // 10 degrees from the hint falls back to it, which made every piece of a line
        // turned further than that horizontal, and no two of them collinear.
        let (cx, cy, dx, dy) = fit_axis(&pts, (cos, sin));
        let mut heights: Vec<f32> = g.iter().map(|&i| blobs[i].across).collect();
        heights.sort_by(f32::total_cmp);
        let h = heights[(heights.len() * 3) / 4];
        let (mut u0, mut u1) = (f32::MAX, f32::MIN);
        for &i in g {
            let t = (blobs[i].x - cx) * dx + (blobs[i].y - cy) * dy;
            u0 = u0.min(t - 0.5 * blobs[i].along);
            u1 = u1.max(t + 0.5 * blobs[i].along);
        }
        Some(Piece {
            cx,
            cy,
            dx,
            dy,
            u0,
            u1,
            h,
        })
    };
    let joins = |a: &Piece, b: &Piece, limit: f32| -> bool {
        if a.h > 1.6 * b.h || b.h > 1.6 * a.h {
            return false;
        }
        // Directions within 3 degrees (either orientation).
        if (a.dx * b.dx + a.dy * b.dy).abs() < 0.9986 {
            return false;
        }
        let h = a.h.max(b.h);
        let off = |p: &Piece, q: &Piece| ((q.cx - p.cx) * -p.dy + (q.cy - p.cy) * p.dx).abs();
        if off(a, b) > 0.35 * h || off(b, a) > 0.35 * h {
            return false;
        }
        // b's extent along a's axis, and the gap between the two.
        let t = (b.cx - a.cx) * a.dx + (b.cy - a.cy) * a.dy;
        let same_way = (b.dx * a.dx + b.dy * a.dy).signum();
        let (e0, e1) = (t + same_way * b.u0, t + same_way * b.u1);
        let (b0, b1) = (e0.min(e1), e0.max(e1));
        let gap = (b0 - a.u1).max(a.u0 - b1);
        gap <= limit * h
    };
    // (group index, piece) for the groups long enough to have an axis.
    let pieces: Vec<(usize, Piece)> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| Some((i, piece(g)?)))
        .collect();
    // The joined lines come as well as their pieces, not instead: a join across text that
    // only happens to be collinear must not cost the line it extends. The joins over the
    // wide gap come as well as the narrow ones (not instead) for the same reason: a wider
    // join can add a collinear piece of background to an MRZ line that the narrow join
    // had whole. (Ordered by gap, then root, so the same image gives the same candidates
    // in the same order.)
    let mut seen: std::collections::BTreeSet<Vec<usize>> = Default::default();
    let mut extra = Vec::new();
    for limit in [JOIN_GAP, WIDE_JOIN_GAP] {
        let mut parent: Vec<usize> = (0..groups.len()).collect();
        for (k, (i, a)) in pieces.iter().enumerate() {
            for (j, b) in &pieces[k + 1..] {
                if joins(a, b, limit) {
                    let (ra, rb) = (find(&mut parent, *i), find(&mut parent, *j));
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
        let mut joined: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for (i, _) in &pieces {
            joined.entry(find(&mut parent, *i)).or_default().push(*i);
        }
        for ids in joined.into_values() {
            if ids.len() > 1 && seen.insert(ids.clone()) {
                extra.push(
                    ids.iter()
                        .flat_map(|&i| groups[i].iter().copied())
                        .collect(),
                );
            }
        }
    }
    groups.extend(extra);
    groups
}

/// Splits a chain that runs along two stacked lines (glyphs touching across the lines in
/// blurred images link them) at the widest gap between the blobs' positions across the
/// text; blobs taller than 1.5 character heights (the merged ones) are dropped.
fn split_stacked(mut members: Vec<usize>, blobs: &[Blob]) -> Vec<Vec<usize>> {
    if members.len() < 16 {
        return vec![members];
    }
    let mut heights: Vec<f32> = members.iter().map(|&i| blobs[i].across).collect();
    heights.sort_by(f32::total_cmp);
    let char_h = heights[heights.len() / 2];
    members.retain(|&i| blobs[i].across <= 1.5 * char_h);
    members.sort_by(|&a, &b| blobs[a].v.total_cmp(&blobs[b].v));
    let Some((k, gap)) = (1..members.len())
        .map(|k| (k, blobs[members[k]].v - blobs[members[k - 1]].v))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return vec![members];
    };
    if gap > 0.6 * char_h && k >= 8 && members.len() - k >= 8 {
        let rest = members.split_off(k);
        vec![members, rest]
    } else {
        vec![members]
    }
}

/// The weighted centroid and principal direction (a unit vector oriented to agree with
/// `hint`) of weighted points `(x, y, weight)`.
fn fit_axis(pts: &[(f32, f32, f32)], hint: (f32, f32)) -> (f32, f32, f32, f32) {
    let wsum: f32 = pts.iter().map(|p| p.2).sum();
    let mx = pts.iter().map(|p| p.0 * p.2).sum::<f32>() / wsum;
    let my = pts.iter().map(|p| p.1 * p.2).sum::<f32>() / wsum;
    let (mut sxx, mut sxy, mut syy) = (0f32, 0f32, 0f32);
    for &(x, y, w) in pts {
        sxx += w * (x - mx) * (x - mx);
        sxy += w * (x - mx) * (y - my);
        syy += w * (y - my) * (y - my);
    }
    let ang = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (mut dx, mut dy) = (ang.cos(), ang.sin());
    if dx * hint.0 + dy * hint.1 < 0.0 {
        dx = -dx;
        dy = -dy;
    }
    // A fit far from the block direction means too few points; trust the hint.
    if dx * hint.0 + dy * hint.1 < 0.985 {
        return (mx, my, hint.0, hint.1);
    }
    (mx, my, dx, dy)
}

/// How MRZ-like one line is: its length in character heights, weighted by how close its
/// component count is to an MRZ line's 30, 36 or 44 characters (merged or broken glyphs
/// move the count a little; other printed text moves it a lot).
fn line_score(l: &LineGeom) -> f32 {
    let n = l.n_components as f32;
    let off = [30.0f32, 36.0, 44.0]
        .iter()
        .map(|&m| (n - m).abs())
        .fold(f32::MAX, f32::min);
    (l.length() / l.char_h) / (1.0 + off / 4.0)
}

/// Groups long lines into blocks of 2 or 3 stacked lines of matching extent.
fn group_blocks(mut lines: Vec<LineGeom>) -> Vec<Candidate> {
    if lines.is_empty() {
        return Vec::new();
    }
    // Order across the lines by the normal of the first line.
    let (nx, ny) = (-lines[0].dy, lines[0].dx);
    let across = |l: &LineGeom| l.cx * nx + l.cy * ny;
    lines.sort_by(|a, b| across(a).total_cmp(&across(b)));
    let along_of = |l: &LineGeom, dx: f32, dy: f32| {
        let c = l.cx * dx + l.cy * dy;
        // Reorient each line's extent to the block direction.
        if l.dx * dx + l.dy * dy >= 0.0 {
            (c + l.u0, c + l.u1)
        } else {
            (c - l.u1, c - l.u0)
        }
    };
    let fits = |a: &LineGeom, b: &LineGeom| -> bool {
        let h = a.char_h.max(b.char_h);
        let gap = across(b) - across(a);
        // Heights come from axis-aligned boxes seen across the text ([`to_blobs`]: a box
        // W x H across a line at angle a is W |sin a| + H |cos a|), which a glyph turned
        // by a (about 0.75 as wide as tall) overstates by a factor 1 + 0.75 |sin 2a|: 1.57
        // at 25 degrees, 1.75 at 45, back to 1 at 90. The lower bound is for the true
        // height. Lines 1.5 heights apart (TD1, French ID) fell under 1.1 measured heights
        // at such angles (the factor was |cos a| + 0.75 |sin a|, a box's height alone,
        // which missed a card turned by 74 degrees on the challenge set).
        let inflation = 1.0 + 1.5 * (a.dx * a.dy).abs();
        if gap < 1.1 * h / inflation || gap > 3.2 * h {
            return false;
        }
        if a.char_h > 1.6 * b.char_h || b.char_h > 1.6 * a.char_h {
            return false;
        }
        let (dx, dy) = (a.dx, a.dy);
        let (a0, a1) = along_of(a, dx, dy);
        let (b0, b1) = along_of(b, dx, dy);
        let overlap = a1.min(b1) - a0.max(b0);
        overlap > 0.8 * (a1 - a0).max(b1 - b0)
    };
    let mut out = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            if !fits(&lines[i], &lines[j]) {
                continue;
            }
            let mut block = vec![lines[i].clone(), lines[j].clone()];
            if let Some(k) = (j + 1..lines.len()).find(|&k| fits(&lines[j], &lines[k])) {
                block.push(lines[k].clone());
            }
            let score = block.iter().map(line_score).sum::<f32>();
            // MRZ lines print the same number of characters from the same margin, so
            // each line spans the union of the lines' extents: a glyph lost to glare
            // or merged with its neighbour at a line's end is not cut off.
            let (dx, dy) = (block[0].dx, block[0].dy);
            let mut starts: Vec<f32> = block.iter().map(|l| along_of(l, dx, dy).0).collect();
            let mut ends: Vec<f32> = block.iter().map(|l| along_of(l, dx, dy).1).collect();
            starts.sort_by(f32::total_cmp);
            ends.sort_by(f32::total_cmp);
            // Two lines: the union; three: the median line's, so one line's stray
            // mark does not stretch the others.
            let (lo, hi) = if block.len() == 3 {
                (starts[1], ends[1])
            } else {
                (starts[0], ends[ends.len() - 1])
            };
            for l in &mut block {
                let c = l.cx * dx + l.cy * dy;
                if l.dx * dx + l.dy * dy >= 0.0 {
                    (l.u0, l.u1) = (lo - c, hi - c);
                } else {
                    (l.u0, l.u1) = (c - hi, c - lo);
                }
            }
            out.push(Candidate {
                lines: block,
                score,
            });
        }
    }
    // Single long lines are kept with a low score: a reader may still find a 2-line
    // MRZ whose other line was lost to glare.
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_axis_follows_the_lines_and_turns_with_the_page() {
        let page = two_lines(100, false);
        let axis = text_axis(&page).expect("two lines of 40 glyphs");
        assert!(axis.sin().abs() < 0.1, "{}", axis.to_degrees());
        let turned = image::imageops::rotate90(&page);
        let axis = text_axis(&turned).expect("the same lines, turned");
        assert!(axis.cos().abs() < 0.1, "{}", axis.to_degrees());
        // A blank page says nothing.
        assert_eq!(
            text_axis(&GrayImage::from_pixel(800, 600, image::Luma([235]))),
            None
        );
    }

    /// A white page with two lines of 40 glyph-like bars (14 px tall, one every 14 px)
    /// whose tops are at `y0` and `y0 + 30`, and with `stroke` a 3 px pen stroke that
    /// zigzags from one line to the other across the whole width, joining every glyph.
    fn two_lines(y0: u32, stroke: bool) -> GrayImage {
        let mut img = GrayImage::from_pixel(1000, 400, image::Luma([235]));
        for line in 0..2 {
            for k in 0..40 {
                let (x, y) = (200 + 14 * k, y0 + 30 * line);
                for yy in y..y + 14 {
                    for xx in x..x + 8 {
                        img.put_pixel(xx, yy, image::Luma([30]));
                    }
                }
            }
        }
        if stroke {
            for x in 190..770u32 {
                // One rise and fall across both lines every 60 px.
                let phase = (x % 60) as f32 / 60.0;
                let t = 1.0 - (2.0 * phase - 1.0).abs();
                let y = y0 as f32 + 2.0 + t * 38.0;
                for dy in 0..3 {
                    img.put_pixel(x, y as u32 + dy, image::Luma([30]));
                }
            }
        }
        img
    }

    #[test]
    fn a_pen_stroke_joining_every_glyph_hides_the_lines_from_the_components_but_not_the_bands() {
        let clean = two_lines(150, false);
        assert!(find_mrz_candidates_with(&clean, 1000, Window::Usual)
            .iter()
            .any(|c| c.lines.len() == 2));
        let struck = two_lines(150, true);
        assert!(!find_mrz_candidates_with(&struck, 1000, Window::Usual)
            .iter()
            .any(|c| c.lines.len() == 2));
        let bands = find_mrz_bands(&struck, 1000);
        let block = bands
            .iter()
            .find(|c| c.lines.len() == 2)
            .expect("a two-line band block");
        // Line centres at 157 and 187 px, lines from x = 200 to 754.
        for (line, want_y) in block.lines.iter().zip([157.0, 187.0]) {
            assert!((line.cy - want_y).abs() <= 3.0, "{line:?}");
            assert!((line.char_h - 14.0).abs() <= 4.0, "{line:?}");
            let (x0, x1) = (line.cx + line.u0 * line.dx, line.cx + line.u1 * line.dx);
            assert!((x0.min(x1) - 200.0).abs() <= 12.0, "{line:?}");
            assert!((x0.max(x1) - 754.0).abs() <= 12.0, "{line:?}");
        }
    }

    /// A white page with two lines of 40 glyph-like bars (8 x 14 px, one every 14 px, the
    /// lines `spacing` px apart) turned by `deg` degrees about (500, 400); with `cut`,
    /// glyphs 12 to 20 of both lines are missing (wiped out by a pen stroke, as the
    /// chaining sees it).
    fn two_turned_lines(deg: f32, spacing: f32, cut: bool) -> GrayImage {
        let (s, c) = deg.to_radians().sin_cos();
        GrayImage::from_fn(1000, 800, |x, y| {
            // Page coordinates turned back into the lines' frame, origin at the first glyph.
            let (px, py) = (x as f32 - 500.0, y as f32 - 400.0);
            let (u, v) = (px * c + py * s + 280.0, -px * s + py * c + 22.0);
            let line = (v / spacing).floor();
            let (k, du, dv) = (
                (u / 14.0).floor(),
                u.rem_euclid(14.0),
                v.rem_euclid(spacing),
            );
            let ink = (0.0..2.0).contains(&line)
                && (0.0..40.0).contains(&k)
                && !(cut && (12.0..21.0).contains(&k))
                && du < 8.0
                && dv < 14.0;
            image::Luma([if ink { 30 } else { 235 }])
        })
    }

    /// Whether `page` gives a two-line block whose lines are 40 glyphs (554 px) long.
    fn finds_whole_pair(page: &GrayImage) -> bool {
        find_mrz_candidates_with(page, 1000, Window::Usual)
            .iter()
            .filter(|b| b.lines.len() == 2)
            .any(|b| b.lines.iter().all(|l| (l.length() - 554.0).abs() < 20.0))
    }

    #[test]
    fn the_pieces_of_a_turned_line_cut_by_a_stroke_are_joined() {
        // The longer piece is 19 glyphs (260 px), the gap 9.
        for deg in [0.0f32, 30.0, 65.0] {
            assert!(
                finds_whole_pair(&two_turned_lines(deg, 30.0, true)),
                "{deg}"
            );
        }
    }

    #[test]
    fn closely_spaced_lines_are_paired_at_any_angle() {
        // Lines 19 px apart (1.36 glyph heights, as TD1 and French ID cards print them),
        // whose glyphs' boxes measure up to 1.4 times as tall across the text when turned.
        for deg in [0.0f32, 45.0, 74.0, 90.0] {
            assert!(
                finds_whole_pair(&two_turned_lines(deg, 19.0, false)),
                "{deg}"
            );
        }
    }

    #[test]
    fn a_small_image_takes_the_band_look_at_the_usual_side_only_and_a_large_one_at_both() {
        assert_eq!(fallback_looks((800, 600)), vec![(800, Method::Bands)]);
        assert_eq!(
            fallback_looks((2600, 1950)),
            vec![(1000, Method::Bands), (2000, Method::Bands)]
        );
    }

    #[test]
    fn a_blank_page_has_no_bands() {
        let blank = GrayImage::from_pixel(800, 600, image::Luma([235]));
        assert!(find_mrz_bands(&blank, 800).is_empty());
    }
}
