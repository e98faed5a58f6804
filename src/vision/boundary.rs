//! The document's own boundary: its edges against the background, found without the MRZ.
//!
//! Classical and cheap (about 2 ms): the image is reduced so that its long side is
//! [`WORK_SIDE`] pixels (printed text blurs into texture there, while a document's edges
//! stay sharp), edge pixels vote for straight lines along their gradient's direction (a
//! Hough transform), and quadrilaterals made of two pairs of nearly parallel lines are
//! scored by how much of each side runs along an edge. A scan that fills the frame has
//! no boundary to find: [`find_boundary`] answers None there, and the reader decides
//! from the MRZ's place whether the page fills the frame
//! ([`fills_frame`]).

use image::{GrayImage, RgbImage};

use super::geom::{quad_contains, Quad};

/// Long side of the working image, pixels. A document that fills a fifth of a photo's
/// long side still has sides of 60 working pixels, and the 3% corner accuracy #6 asks is
/// about 5 of them on a page half the image's size.
const WORK_SIDE: u32 = 320;

/// Least gradient magnitude (grey levels per pixel, after a 3x3 binomial blur) for an edge
/// pixel. Low, because pale pages lie on pale paper and desks; what is not a document's
/// edge is left to the side tests (length, polarity, shape). On the synthetic challenge
/// set (`eval`, corners within 3%): 8 finds 300 of 400 documents, 3 finds 321, 2 finds 323
/// with more wrong quads (25 against 20).
const MIN_EDGE: f32 = 3.0;

/// Degrees either side of an edge pixel's gradient direction that it votes for: the
/// gradient of a straight edge wavers by 5 to 7 degrees where texture or print meets it.
const VOTE_SPREAD: i64 = 6;

/// Edge magnitude (grey levels per pixel) that counts as fully strong in a side's
/// strength: a document against a contrasting desk reaches it, a soft shadow's edge or
/// a pale page on a white scanner lid gives a fifth of it.
const STRONG_EDGE: f32 = 20.0;

/// Weight of a quad whose sides' polarities disagree, against one whose agree.
const MIXED_POLARITY: f32 = 0.6;

/// How far from a side of the page estimate a line may lie to be looked at, as a share
/// of the page's extent across that side (the MRZ's estimate is within a tenth).
const NEAR_HINT: f32 = 0.2;

/// What a hidden side (the hint's own, taken where the background shows none) takes off a
/// quad's rank. A rank is support (at most 1, at most 0.75 with a side hidden) less the
/// distance from the hint (at most 0.25), so with 1 every quad seen on all four sides
/// outranks every quad with a hidden side. Challenge set, corners within 3%: without it
/// 359 of 400, 8 right quads lost to three-sided ones.
const HIDDEN_SIDE: f32 = 1.0;

/// Hough peaks kept, strongest first.
const MAX_PEAKS: usize = 2000;

/// Lines paired into quads at most, strongest first (besides those near a page
/// estimate's sides).
const MAX_LINES: usize = 32;

/// Hough peaks looked at per 10 degrees of direction, strongest first.
const PEAKS_PER_SECTOR: usize = 40;

/// Per direction, the strongest lines kept for pairing (besides the outermost).
const STRONGEST_PER_DIRECTION: usize = 3;

/// Least share of a side's length that must run along edge pixels of its direction.
const MIN_SIDE_SUPPORT: f32 = 0.45;

/// Least mean share over the four sides.
const MIN_MEAN_SUPPORT: f32 = 0.65;

/// Ratio of a quad's long side to its short side (means of the opposite sides): ID-1
/// cards are 1.59, passport pages 1.42, visas 1.42 to 1.5; perspective stretches either
/// way.
const ASPECT: (f32, f32) = (1.05, 2.3);

/// Least area of a document, as a share of the image's.
const MIN_AREA: f32 = 0.04;

/// The document's boundary as [`find_boundary`] finds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Boundary {
    /// The corners, in the pixels of the image searched: clockwise in the image from the
    /// corner nearest its top-left (or, with a hint, in the hint's order).
    pub quad: Quad,
    /// Mean strength of the edges along the four sides, 0 to 1 (1: every point of every
    /// side on an edge of at least [`STRONG_EDGE`]).
    pub support: f32,
    /// Whether every side's edge has one polarity (the document brighter, or darker, than
    /// all around it). When not, a side may run along a print frame inside the page.
    pub one_polarity: bool,
    /// Whether one side is the hint's own, where the background showed no edge: the other
    /// three are the document's edges.
    pub hidden_side: bool,
    /// How it ranked among the quads found: support less the distance from the hint
    /// (with one) and [`HIDDEN_SIDE`] for a hidden side, so that boundaries of one hint
    /// compare across searches.
    pub rank: f32,
}

/// Finds the document's boundary in `gray`. With `hint` (the page an MRZ places, corners
/// in `gray`'s pixels), the boundary closest to it, its corners in the hint's order, with
/// at most one side taken from the hint where the background shows no edge there (a
/// white page on white paper, a side in shadow or on the frame); without, the largest
/// well-supported one. None when no quadrilateral of document shape has edges on all
/// four sides (three, with a hint) inside the image.
pub fn find_boundary(gray: &GrayImage, hint: Option<&Quad>) -> Option<Boundary> {
    let block = block_for(gray.dimensions())?;
    search(&reduce(gray, block), block, hint).map(|(_, b)| b)
}

/// [`find_boundary`] in the colour of `rgb`, for a page whose MRZ placed it (`hint`) but
/// whose edges the luma does not show: a pale page on pale paper differs from it in hue
/// more than in grey. Each chroma channel (Cb, Cr, amplified [`CHROMA_GAIN`] times) is
/// searched as its own image; the better boundary is answered. Black print has no
/// chroma, so text fades there while the page's tint stays.
pub fn find_boundary_in_colour(rgb: &RgbImage, hint: &Quad) -> Option<Boundary> {
    let block = block_for(rgb.dimensions())?;
    reduce_chroma(rgb, block)
        .iter()
        .filter_map(|channel| search(channel, block, Some(hint)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, b)| b)
}

/// How much [`find_boundary_in_colour`] amplifies chroma before looking for edges.
const CHROMA_GAIN: f32 = 2.0;

/// The block size that brings an image of `(w, h)` to [`WORK_SIDE`]; None for images too
/// small to search.
fn block_for((w, h): (u32, u32)) -> Option<u32> {
    (w >= 16 && h >= 16).then(|| w.max(h).div_ceil(WORK_SIDE).max(1))
}

/// The boundary in `small` (the image reduced `block` times), with its rank among the
/// quads found (support less distance from the hint; or support and size without one).
fn search(small: &GrayImage, block: u32, hint: Option<&Quad>) -> Option<(f32, Boundary)> {
    let edges = Edges::of(small);
    // Working pixel x covers image pixels x * block to x * block + block - 1 (pixel
    // centres at integer coordinates, as in `geom`).
    let (k, offset) = (block as f32, (block as f32 - 1.0) / 2.0);
    let to_image = |q: Quad| q.map(|p| p.map(|v| v * k + offset));
    let hint_small = hint.map(|q| q.map(|p| p.map(|v| (v - offset) / k)));
    let mut lines = edges.lines(&edges.peaks(), hint_small.as_ref());
    let profiles: Vec<Profile> = lines.iter().map(|l| edges.profile(l)).collect();
    // The hint's own sides, for a page one of whose sides the background hides (white on
    // white, in shadow, on the frame): such a quad's other three sides must hold.
    let seen = lines.len();
    if let Some(q) = &hint_small {
        lines.extend((0..4).map(|i| Line::through(q[i], q[(i + 1) % 4])));
    }
    let mut best: Option<(f32, Boundary)> = None;
    candidates(&lines, edges.w as f32, edges.h as f32, |quad, on| {
        let hidden = on.iter().filter(|&&i| i >= seen).count();
        if hidden > 1 {
            return;
        }
        let Some((support, one_polarity)) = quad_support(&quad, on.map(|i| profiles.get(i))) else {
            return;
        };
        let (rank, quad) = match &hint_small {
            Some(hint) => {
                // The MRZ the estimate comes from lies inside the document.
                if !mrz_band(hint).iter().all(|p| quad_contains(&quad, *p)) {
                    return;
                }
                let (quad, distance) = matched(&quad, hint);
                // The MRZ's page estimate is within a tenth of the page's diagonal on
                // ../shared/data/real; a quad further off is another document.
                if distance > 0.25 {
                    return;
                }
                // Four seen sides beat three and the hint's: the estimate's sides are
                // only as good as the page size the MRZ implies.
                (support - distance - HIDDEN_SIDE * hidden as f32, quad)
            }
            // The largest of the well-supported quads: inner frames (a portrait's edge, a
            // printed box) support as well as the page's own edges do.
            None => (support.min(0.9) * area(&quad).sqrt(), clockwise(quad)),
        };
        if best.as_ref().is_none_or(|(r, _)| rank > *r) {
            best = Some((
                rank,
                Boundary {
                    quad: to_image(quad),
                    support,
                    one_polarity,
                    hidden_side: hidden > 0,
                    rank,
                },
            ));
        }
    });
    best
}

/// Whether a page whose corners are `quad` (pixels of a `w` x `h` image) reaches the
/// frame as a scan does, so that it has no boundary against a background to find: a
/// corner runs past the image's edge, or two lie within 3% of it (a side along the edge:
/// a passport spread scanned whole), or it covers most of the image.
pub fn fills_frame(quad: &Quad, w: u32, h: u32) -> bool {
    reaches_frame(quad, w, h) || area(quad) >= 0.6 * w as f32 * h as f32
}

/// Whether a page whose corners are `quad` runs up to or past the frame (the first two
/// tests of [`fills_frame`]): then at least one of its edges is not in the image.
pub fn reaches_frame(quad: &Quad, w: u32, h: u32) -> bool {
    let (w, h) = (w as f32, h as f32);
    let margin = 0.03 * w.max(h);
    let outside =
        |&[x, y]: &[f32; 2]| x < -margin || y < -margin || x > w + margin || y > h + margin;
    let at_edge = |&[x, y]: &[f32; 2]| x < margin || y < margin || x > w - margin || y > h - margin;
    quad.iter().any(outside) || quad.iter().filter(|p| at_edge(p)).count() >= 2
}

/// Whether every corner of `quad` lies within the `w` x `h` image (edges included).
pub fn inside_frame(quad: &Quad, w: u32, h: u32) -> bool {
    let (w, h) = (w as f32, h as f32);
    quad.iter()
        .all(|&[x, y]| (0.0..=w).contains(&x) && (0.0..=h).contains(&y))
}

/// `gray` reduced by an area average over `block` x `block` pixels. (Averaging every
/// other row and column instead saves about a millisecond a read and loses 4 of the
/// challenge set's 321 boundaries.)
fn reduce(gray: &GrayImage, block: u32) -> GrayImage {
    if block == 1 {
        return gray.clone();
    }
    let (sw, sh) = (gray.width() / block, gray.height() / block);
    let n = block * block;
    let values = block_sums::<1>(gray.as_raw(), gray.width(), block)
        .iter()
        .map(|[s]| ((s + n / 2) / n) as u8)
        .collect();
    GrayImage::from_vec(sw, sh, values).expect("sizes match")
}

/// The chroma channels of `rgb` (JPEG's Cb and Cr, BT.601, amplified [`CHROMA_GAIN`]
/// times about their neutral 128), each reduced by an area average over `block` x `block`
/// pixels.
fn reduce_chroma(rgb: &RgbImage, block: u32) -> [GrayImage; 2] {
    let (sw, sh) = (rgb.width() / block, rgb.height() / block);
    let sums = block_sums::<3>(rgb.as_raw(), rgb.width(), block);
    let n = (block * block) as f32;
    let channel = |weights: [f32; 3]| {
        let values = sums
            .iter()
            .map(|s| {
                let c: f32 = (0..3).map(|k| weights[k] * s[k] as f32 / n).sum();
                (128.0 + CHROMA_GAIN * c).round().clamp(0.0, 255.0) as u8
            })
            .collect();
        GrayImage::from_vec(sw, sh, values).expect("sizes match")
    };
    [
        channel([-0.168_736, -0.331_264, 0.5]),
        channel([0.5, -0.418_688, -0.081_312]),
    ]
}

/// Per `block` x `block` tile of an image `w` pixels wide with `C` interleaved 8-bit
/// channels (`raw`, row-major), the sum of each channel; tiles row-major, the partial
/// tiles at the right and bottom edges left out. Whole rows are summed in block-sized
/// chunks (no division per pixel).
fn block_sums<const C: usize>(raw: &[u8], w: u32, block: u32) -> Vec<[u32; C]> {
    let (w, b) = (w as usize, block as usize);
    let (sw, sh) = (w / b, raw.len() / (w * C) / b);
    let mut sums = vec![[0u32; C]; sw * sh];
    for y in 0..sh * b {
        let row = &raw[y * w * C..][..sw * b * C];
        let out = &mut sums[y / b * sw..][..sw];
        for (sum, chunk) in out.iter_mut().zip(row.chunks_exact(b * C)) {
            for px in chunk.chunks_exact(C) {
                for k in 0..C {
                    sum[k] += u32::from(px[k]);
                }
            }
        }
    }
    sums
}

/// A line `x cos(theta) + y sin(theta) = rho` (working pixels).
#[derive(Clone, Copy, Debug)]
struct Line {
    theta: f32,
    rho: f32,
}

impl Line {
    /// The line through `a` and `b`.
    fn through(a: [f32; 2], b: [f32; 2]) -> Line {
        let theta = (b[0] - a[0]).atan2(-(b[1] - a[1]));
        Line {
            theta,
            rho: a[0] * theta.cos() + a[1] * theta.sin(),
        }
    }

    fn intersect(&self, o: &Line) -> Option<[f32; 2]> {
        let (a1, b1) = (self.theta.cos(), self.theta.sin());
        let (a2, b2) = (o.theta.cos(), o.theta.sin());
        let det = a1 * b2 - a2 * b1;
        if det.abs() < 1e-3 {
            return None;
        }
        Some([
            (self.rho * b2 - o.rho * b1) / det,
            (a1 * o.rho - a2 * self.rho) / det,
        ])
    }
}

/// `l` written with its normal within 90 degrees of `axis` (theta and rho).
fn aligned(l: Line, axis: f32) -> (f32, f32) {
    let d = l.theta - axis;
    if d > std::f32::consts::FRAC_PI_2 {
        (l.theta - std::f32::consts::PI, -l.rho)
    } else if d < -std::f32::consts::FRAC_PI_2 {
        (l.theta + std::f32::consts::PI, -l.rho)
    } else {
        (l.theta, l.rho)
    }
}

/// The angle between two line directions, radians, 0 to pi/2.
fn angle_between(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(std::f32::consts::PI);
    d.min(std::f32::consts::PI - d)
}

/// Edge pixels of the working image: gradient magnitude (thinned along the gradient) and
/// direction.
struct Edges {
    w: usize,
    h: usize,
    /// Magnitude of thinned edge pixels at least [`MIN_EDGE`], else 0.
    mag: Vec<f32>,
    /// Gradient direction, radians in (-pi, pi].
    dir: Vec<f32>,
}

impl Edges {
    fn of(small: &GrayImage) -> Edges {
        let (w, h) = (small.width() as usize, small.height() as usize);
        let src = small.as_raw();
        // 3x3 binomial blur.
        let mut blur = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0.0;
                for (dy, wy) in [(-1i64, 1.0), (0, 2.0), (1, 1.0)] {
                    for (dx, wx) in [(-1i64, 1.0), (0, 2.0), (1, 1.0)] {
                        let yy = (y as i64 + dy).clamp(0, h as i64 - 1) as usize;
                        let xx = (x as i64 + dx).clamp(0, w as i64 - 1) as usize;
                        acc += wy * wx * f32::from(src[yy * w + xx]);
                    }
                }
                blur[y * w + x] = acc / 16.0;
            }
        }
        let mut gx = vec![0f32; w * h];
        let mut gy = vec![0f32; w * h];
        let mut mag = vec![0f32; w * h];
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let p = |dx: i64, dy: i64| {
                    blur[(y as i64 + dy) as usize * w + (x as i64 + dx) as usize]
                };
                // Sobel, scaled to grey levels per pixel.
                let sx =
                    (p(1, -1) + 2.0 * p(1, 0) + p(1, 1) - p(-1, -1) - 2.0 * p(-1, 0) - p(-1, 1))
                        / 8.0;
                let sy =
                    (p(-1, 1) + 2.0 * p(0, 1) + p(1, 1) - p(-1, -1) - 2.0 * p(0, -1) - p(1, -1))
                        / 8.0;
                gx[y * w + x] = sx;
                gy[y * w + x] = sy;
                mag[y * w + x] = (sx * sx + sy * sy).sqrt();
            }
        }
        // Thin: keep a pixel that is no weaker than its neighbours across the edge.
        let mut thin = vec![0f32; w * h];
        let mut dir = vec![0f32; w * h];
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let i = y * w + x;
                let m = mag[i];
                if m < MIN_EDGE {
                    continue;
                }
                let (ux, uy) = (gx[i] / m, gy[i] / m);
                let (ox, oy) = (ux.round() as i64, uy.round() as i64);
                let at =
                    |s: i64| mag[(y as i64 + s * oy) as usize * w + (x as i64 + s * ox) as usize];
                if m >= at(1) && m >= at(-1) {
                    thin[i] = m;
                    dir[i] = gy[i].atan2(gx[i]);
                }
            }
        }
        Edges {
            w,
            h,
            mag: thin,
            dir,
        }
    }

    /// Straight lines, strongest first: local maxima of a Hough transform in which each
    /// edge pixel votes for the lines through it
    /// within [`VOTE_SPREAD`] degrees of its edge's direction.
    fn peaks(&self) -> Vec<(u32, Line)> {
        const BINS: usize = 180;
        let diag = ((self.w * self.w + self.h * self.h) as f32).sqrt().ceil() as usize;
        let rhos = 2 * diag + 1;
        let mut acc = vec![0u32; BINS * rhos];
        let trig: Vec<(f32, f32)> = (0..BINS)
            .map(|t| {
                let a = (t as f32).to_radians();
                (a.cos(), a.sin())
            })
            .collect();
        for y in 0..self.h {
            for x in 0..self.w {
                let i = y * self.w + x;
                if self.mag[i] == 0.0 {
                    continue;
                }
                // The line's normal is the gradient's direction, taken modulo 180 degrees.
                let t0 = self.dir[i].to_degrees().rem_euclid(180.0).round() as i64;
                for dt in -VOTE_SPREAD..=VOTE_SPREAD {
                    let t = (t0 + dt).rem_euclid(BINS as i64) as usize;
                    let (c, s) = trig[t];
                    let rho = x as f32 * c + y as f32 * s;
                    acc[t * rhos + (rho.round() as i64 + diag as i64) as usize] += 1;
                }
            }
        }
        // Peaks: local maxima over 5 degrees and 5 pixels, at least a tenth of the
        // working image's short side long.
        let min_votes = (self.w.min(self.h) as u32 / 10).max(12);
        let mut peaks = Vec::new();
        for t in 0..BINS {
            for r in 0..rhos {
                let v = acc[t * rhos + r];
                if v < min_votes {
                    continue;
                }
                let mut is_max = true;
                'n: for dt in -2i64..=2 {
                    let tt = t as i64 + dt;
                    if tt < 0 || tt >= BINS as i64 {
                        continue;
                    }
                    for dr in -2i64..=2 {
                        let rr = r as i64 + dr;
                        if rr < 0 || rr >= rhos as i64 || (dt == 0 && dr == 0) {
                            continue;
                        }
                        let o = acc[tt as usize * rhos + rr as usize];
                        // Ties go to the first in scan order.
                        if o > v || (o == v && (dt, dr) < (0, 0)) {
                            is_max = false;
                            break 'n;
                        }
                    }
                }
                if is_max {
                    let line = Line {
                        theta: (t as f32).to_radians(),
                        rho: r as f32 - diag as f32,
                    };
                    peaks.push((v, line));
                }
            }
        }
        peaks.sort_by_key(|p| std::cmp::Reverse(p.0));
        // A photo of noise or foliage has tens of thousands.
        peaks.truncate(MAX_PEAKS);
        peaks
    }

    /// The lines worth pairing into quads: per 10 degrees of direction the strongest
    /// [`PEAKS_PER_SECTOR`] distinct peaks (text lines give hundreds in one direction), of
    /// which [`Edges::select`] keeps the strongest and outermost per direction; and with a
    /// page estimate, the strongest peaks near each of its sides, wherever they rank (wood
    /// grain or a striped cloth can outvote a document's short side).
    fn lines(&self, peaks: &[(u32, Line)], hint: Option<&Quad>) -> Vec<Line> {
        // The same line near theta = 0 shows up again near 180 with rho negated, and a
        // thick edge gives neighbouring peaks: keep the stronger.
        let distinct = |kept: &[(u32, Line)], l: &Line| {
            !kept.iter().any(|(_, k)| {
                let (_, rho) = aligned(*l, k.theta);
                angle_between(k.theta, l.theta) < 0.07 && (k.rho - rho).abs() < 3.0
            })
        };
        let mut lines: Vec<(u32, Line)> = Vec::new();
        let mut per_sector = [0usize; 18];
        for &(v, l) in peaks {
            let sector = (l.theta.to_degrees() / 10.0) as usize % 18;
            if per_sector[sector] < PEAKS_PER_SECTOR && distinct(&lines, &l) {
                per_sector[sector] += 1;
                lines.push((v, l));
            }
        }
        let mut out = self.select(lines);
        if let Some(q) = hint {
            for i in 0..4 {
                // The side's own line, and the page's extent across it.
                let Line { theta, rho } = Line::through(q[i], q[(i + 1) % 4]);
                let across = dist(q[(i + 1) % 4], q[(i + 2) % 4]);
                let mut near: Vec<(u32, Line)> = Vec::new();
                for &(v, l) in peaks {
                    let (t, r) = aligned(l, theta);
                    if angle_between(t, theta) < 12f32.to_radians()
                        && (r - rho).abs() < NEAR_HINT * across
                        && distinct(&near, &l)
                    {
                        near.push((v, l));
                        if near.len() == STRONGEST_PER_DIRECTION {
                            break;
                        }
                    }
                }
                out.extend(near.into_iter().map(|(_, l)| l));
            }
        }
        out
    }

    /// The lines worth pairing into quads. Text lines, rules and the MRZ give many strong
    /// lines of one direction inside a document, and its two sides of that direction are
    /// the outermost: per direction (within 12 degrees of the strongest), the strongest
    /// few and the two outermost on either side of the image's centre.
    fn select(&self, lines: Vec<(u32, Line)>) -> Vec<Line> {
        let (cx, cy) = (self.w as f32 / 2.0, self.h as f32 / 2.0);
        let mut taken = vec![false; lines.len()];
        let mut chosen = Vec::new();
        for i in 0..lines.len() {
            if taken[i] {
                continue;
            }
            let axis = lines[i].1.theta;
            // The direction's lines, strongest first (as `lines` is), with their signed
            // offsets from the image's centre along the direction's normal.
            let mut group = Vec::new();
            for (j, (_, l)) in lines.iter().enumerate().skip(i) {
                if !taken[j] && angle_between(l.theta, axis) < 12f32.to_radians() {
                    taken[j] = true;
                    let (theta, rho) = aligned(*l, axis);
                    group.push((j, rho - (cx * theta.cos() + cy * theta.sin())));
                }
            }
            let mut keep: Vec<usize> = group
                .iter()
                .take(STRONGEST_PER_DIRECTION)
                .map(|g| g.0)
                .collect();
            let mut by_offset = group.clone();
            by_offset.sort_by(|a, b| a.1.total_cmp(&b.1));
            let n = by_offset.len();
            for &(j, _) in by_offset
                .iter()
                .take(2)
                .chain(by_offset.iter().skip(n.saturating_sub(2)))
            {
                if !keep.contains(&j) {
                    keep.push(j);
                }
            }
            chosen.extend(keep);
        }
        // The strongest of them (`lines` is strongest first): a cluttered or noisy image
        // has lines in every direction, and the quads grow as the fourth power.
        chosen.sort_unstable();
        chosen.truncate(MAX_LINES);
        chosen.into_iter().map(|j| lines[j].1).collect()
    }

    /// How `line` runs along edges: at each whole pixel of its length inside the image
    /// (1 pixel from its border), whether an edge pixel within 1 pixel across it has a
    /// gradient within 20 degrees of the line's normal, by polarity (gradient along the
    /// normal or against it), and how strong.
    fn profile(&self, line: &Line) -> Profile {
        let (c, s) = (line.theta.cos(), line.theta.sin());
        let origin = [line.rho * c, line.rho * s];
        let d = [-s, c];
        // The stretch of t (origin + t d) inside [1, w - 2] x [1, h - 2].
        let (mut t0, mut t1) = (f32::MIN, f32::MAX);
        for (o, dv, lo, hi) in [
            (origin[0], d[0], 1.0, self.w as f32 - 2.0),
            (origin[1], d[1], 1.0, self.h as f32 - 2.0),
        ] {
            if dv.abs() < 1e-6 {
                if o < lo || o > hi {
                    t1 = t0;
                }
            } else {
                let (a, b) = ((lo - o) / dv, (hi - o) / dv);
                t0 = t0.max(a.min(b));
                t1 = t1.min(a.max(b));
            }
        }
        let start = t0.ceil();
        let n = if t1 > start {
            (t1 - start) as usize + 1
        } else {
            0
        };
        let mut sums = vec![[0f32; 4]; n + 1];
        for k in 0..n {
            let t = start + k as f32;
            let (px, py) = (origin[0] + t * d[0], origin[1] + t * d[1]);
            let mut best = [0f32; 2];
            for off in -1..=1 {
                let (qx, qy) = (
                    (px + off as f32 * c).round() as usize,
                    (py + off as f32 * s).round() as usize,
                );
                if qx >= self.w || qy >= self.h {
                    continue;
                }
                let i = qy * self.w + qx;
                if self.mag[i] > 0.0 && angle_between(self.dir[i], line.theta) < 0.35 {
                    let along = self.dir[i].cos() * c + self.dir[i].sin() * s;
                    let pol = usize::from(along < 0.0);
                    best[pol] = best[pol].max(self.mag[i]);
                }
            }
            let mut row = sums[k];
            for pol in 0..2 {
                if best[pol] > 0.0 {
                    row[2 * pol] += 1.0;
                    row[2 * pol + 1] += best[pol].min(STRONG_EDGE) / STRONG_EDGE;
                }
            }
            sums[k + 1] = row;
        }
        Profile {
            origin,
            d,
            normal: [c, s],
            start,
            sums,
        }
    }
}

/// Prefix sums along one line (see [`Edges::profile`]).
struct Profile {
    origin: [f32; 2],
    /// The line's direction and normal, unit vectors.
    d: [f32; 2],
    normal: [f32; 2],
    /// The t of the first sample (samples at start, start + 1, ...).
    start: f32,
    /// Before sample k: covered and strength along the normal, then against it.
    sums: Vec<[f32; 4]>,
}

impl Profile {
    /// The support of the side from `a` to `b` (points on the line), with the document
    /// on the side of `inward`: index 0 for gradients pointing into the document (it is
    /// the brighter), 1 for out of it. None when less than nine tenths of the side lies
    /// inside the image.
    fn side(&self, a: [f32; 2], b: [f32; 2], inward: [f32; 2]) -> Option<[Support; 2]> {
        let t =
            |p: [f32; 2]| (p[0] - self.origin[0]) * self.d[0] + (p[1] - self.origin[1]) * self.d[1];
        let (ta, tb) = (t(a).min(t(b)), t(a).max(t(b)));
        let len = tb - ta;
        if len < 8.0 {
            return None;
        }
        let n = self.sums.len() - 1;
        let k0 = ((ta - self.start).ceil().max(0.0) as usize).min(n);
        let k1 = (((tb - self.start).floor() + 1.0).max(0.0) as usize).min(n);
        let inside = k1.saturating_sub(k0) as f32;
        if inside < 0.9 * len {
            return None;
        }
        let (lo, hi) = (self.sums[k0], self.sums[k1.max(k0)]);
        let along = |pol: usize| Support {
            cover: (hi[2 * pol] - lo[2 * pol]) / inside,
            strength: (hi[2 * pol + 1] - lo[2 * pol + 1]) / inside,
        };
        let into = inward[0] * self.normal[0] + inward[1] * self.normal[1] > 0.0;
        Some(if into {
            [along(0), along(1)]
        } else {
            [along(1), along(0)]
        })
    }
}

/// How well a quad's four sides (side i from corner i to i + 1, on the line `on[i]`) run
/// along edges of one polarity (the document brighter than its surroundings on every
/// side, or darker on every side: the edge of a neighbouring card or of a shadow has the
/// other): the mean strength of its sides, the better polarity's; each side its own
/// polarity, weighed by [`MIXED_POLARITY`], when neither holds (then with `false`). None
/// when a side is too weak or leaves the image. A side on no profile (None: the hint's
/// own side, hidden) is left out of the tests and adds no strength.
fn quad_support(q: &Quad, on: [Option<&Profile>; 4]) -> Option<(f32, bool)> {
    let centre = [
        q.iter().map(|p| p[0]).sum::<f32>() / 4.0,
        q.iter().map(|p| p[1]).sum::<f32>() / 4.0,
    ];
    let mut sides = Vec::with_capacity(4);
    for i in 0..4 {
        let Some(profile) = on[i] else { continue };
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let inward = [
            centre[0] - 0.5 * (a[0] + b[0]),
            centre[1] - 0.5 * (a[1] + b[1]),
        ];
        sides.push(profile.side(a, b, inward)?);
    }
    let judge = |pick: &dyn Fn(&[Support; 2]) -> Support| {
        let cover: Vec<f32> = sides.iter().map(|s| pick(s).cover).collect();
        let ok = cover.iter().all(|&c| c >= MIN_SIDE_SUPPORT)
            && cover.iter().sum::<f32>() / cover.len() as f32 >= MIN_MEAN_SUPPORT;
        ok.then(|| sides.iter().map(|s| pick(s).strength).sum::<f32>() / 4.0)
    };
    let one_polarity = (0..2)
        .filter_map(|pol| judge(&|s| s[pol]))
        .max_by(f32::total_cmp);
    one_polarity.map(|v| (v, true)).or_else(|| {
        judge(&|s| if s[0].cover >= s[1].cover { s[0] } else { s[1] })
            .map(|v| (MIXED_POLARITY * v, false))
    })
}

/// How well a side runs along edges of one polarity.
#[derive(Clone, Copy, Debug, Default)]
struct Support {
    /// Share of its length with an aligned edge pixel, 0 to 1.
    cover: f32,
    /// Mean of the edge magnitude met (capped at [`STRONG_EDGE`], over it), 0 to 1.
    strength: f32,
}

/// Quadrilaterals of document shape from two pairs of lines: each pair within 25 degrees
/// of parallel (perspective tilts opposite sides toward each other), the pairs 55 to 125
/// degrees apart, convex, at least [`MIN_AREA`] of the image, corners inside it (within
/// 3% of its size).
fn candidates(lines: &[Line], w: f32, h: f32, mut each: impl FnMut(Quad, [usize; 4])) {
    let near_parallel = 25f32.to_radians();
    let mut pairs = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            if angle_between(lines[i].theta, lines[j].theta) < near_parallel {
                pairs.push((i, j));
            }
        }
    }
    let slack = 0.03 * w.max(h);
    let inside =
        |p: &[f32; 2]| p[0] >= -slack && p[1] >= -slack && p[0] <= w + slack && p[1] <= h + slack;
    for (pi, &(a, b)) in pairs.iter().enumerate() {
        for &(c, d) in &pairs[pi + 1..] {
            if [a, b].iter().any(|i| [c, d].contains(i)) {
                continue;
            }
            let apart = angle_between(lines[a].theta, lines[c].theta);
            if apart < 55f32.to_radians() {
                continue;
            }
            let corners = [
                lines[a].intersect(&lines[c]),
                lines[c].intersect(&lines[b]),
                lines[b].intersect(&lines[d]),
                lines[d].intersect(&lines[a]),
            ];
            let Some(q) = corners.iter().copied().collect::<Option<Vec<_>>>() else {
                continue;
            };
            let q: Quad = [q[0], q[1], q[2], q[3]];
            if !q.iter().all(inside) || !convex(&q) || area(&q) < MIN_AREA * w * h {
                continue;
            }
            let side = |i: usize| dist(q[i], q[(i + 1) % 4]);
            let (s1, s2) = (0.5 * (side(0) + side(2)), 0.5 * (side(1) + side(3)));
            let aspect = s1.max(s2) / s1.min(s2).max(1.0);
            if (ASPECT.0..=ASPECT.1).contains(&aspect) {
                each(q, [c, b, d, a]);
            }
        }
    }
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Points of the MRZ on a page placed from it (`page` in reading order: the MRZ runs along
/// its bottom): near its ends, at the heights of the first and last lines of TD1 cards
/// and TD3 pages (0.8 and 0.92 of the page's height; ICAO 9303 places the zone's lines
/// between about 0.7 and 0.95 of every format's height).
fn mrz_band(page: &Quad) -> [[f32; 2]; 4] {
    let at = |u: f32, v: f32| {
        let top = [0, 1].map(|k| page[0][k] + u * (page[1][k] - page[0][k]));
        let bottom = [0, 1].map(|k| page[3][k] + u * (page[2][k] - page[3][k]));
        [0, 1].map(|k| top[k] + v * (bottom[k] - top[k]))
    };
    [at(0.1, 0.8), at(0.9, 0.8), at(0.1, 0.92), at(0.9, 0.92)]
}

/// Area of a simple polygon (shoelace), pixels squared.
fn area(q: &Quad) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        s += a[0] * b[1] - b[0] * a[1];
    }
    0.5 * s.abs()
}

fn convex(q: &Quad) -> bool {
    let mut sign = 0.0f32;
    for i in 0..4 {
        let (a, b, c) = (q[i], q[(i + 1) % 4], q[(i + 2) % 4]);
        let cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cross.abs() < 1e-3 || (sign != 0.0 && cross.signum() != sign) {
            return false;
        }
        sign = cross.signum();
    }
    true
}

/// The quad's corners clockwise in the image (y down), starting nearest the top-left.
fn clockwise(q: Quad) -> Quad {
    let mut q = q;
    let signed: f32 = (0..4)
        .map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1])
        .sum();
    if signed < 0.0 {
        q.reverse();
    }
    let first = (0..4)
        .min_by(|&i, &j| (q[i][0] + q[i][1]).total_cmp(&(q[j][0] + q[j][1])))
        .unwrap_or(0);
    q.rotate_left(first);
    q
}

/// `q`'s corners reordered to match `hint`'s (any start, either direction), and the
/// largest distance between matched corners as a share of the hint's diagonal.
pub fn matched(q: &Quad, hint: &Quad) -> (Quad, f32) {
    let diag = dist(hint[0], hint[2]).max(dist(hint[1], hint[3])).max(1.0);
    let mut best = (*q, f32::MAX);
    for reverse in [false, true] {
        let mut base = *q;
        if reverse {
            base.reverse();
        }
        for start in 0..4 {
            let mut c = base;
            c.rotate_left(start);
            let d = (0..4).map(|i| dist(c[i], hint[i])).fold(0.0, f32::max) / diag;
            if d < best.1 {
                best = (c, d);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A light card on a darker, noisy desk, rotated by `deg` degrees about its centre.
    fn scene(w: u32, h: u32, quad: &Quad) -> GrayImage {
        let mut img = GrayImage::from_fn(w, h, |x, y| Luma([70 + ((x * 7 + y * 13) % 17) as u8]));
        for (x, y, p) in img.enumerate_pixels_mut() {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            // How far inside the card, pixels (the least distance to a side).
            let depth = (0..4)
                .map(|i| {
                    let (a, b) = (quad[i], quad[(i + 1) % 4]);
                    let len = dist(a, b);
                    ((b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0])) / len
                })
                .fold(f32::MAX, f32::min);
            if depth >= 0.0 {
                // Text-like stripes inside the card, short of its margins.
                let stripe = depth > 20.0 && (y / 6) % 3 == 0 && (x / 4) % 2 == 0;
                *p = Luma([if stripe { 40 } else { 220 }]);
            }
        }
        img
    }

    fn rotated_card(cx: f32, cy: f32, w: f32, h: f32, deg: f32) -> Quad {
        let (s, c) = deg.to_radians().sin_cos();
        [[-w, -h], [w, -h], [w, h], [-w, h]]
            .map(|[a, b]| [cx + 0.5 * (a * c - b * s), cy + 0.5 * (a * s + b * c)])
    }

    #[test]
    fn a_turned_card_on_a_desk_is_found_within_two_percent() {
        for deg in [0.0, 7.0, 33.0, -20.0, 90.0] {
            let truth = rotated_card(400.0, 300.0, 428.0, 270.0, deg);
            let img = scene(800, 600, &truth);
            let b = find_boundary(&img, None).unwrap_or_else(|| panic!("{deg}: none"));
            let (_, d) = matched(&b.quad, &truth);
            assert!(d < 0.02, "{deg}: {:?} vs {truth:?} ({d})", b.quad);
        }
    }

    #[test]
    fn a_pale_card_on_paper_of_its_grey_is_found_by_its_hue() {
        // Cream on lavender, the same luma to within a grey level.
        let truth = rotated_card(400.0, 300.0, 428.0, 270.0, 12.0);
        let grey = scene(800, 600, &truth);
        let rgb = RgbImage::from_fn(800, 600, |x, y| {
            image::Rgb(match grey.get_pixel(x, y)[0] {
                40 => [40, 40, 40], // the card's black print
                220.. => [250, 232, 200],
                _ => [228, 232, 250],
            })
        });
        let luma = crate::vision::geom::luma_of_rgb(&rgb);
        assert!(
            find_boundary(&luma, Some(&truth)).is_none(),
            "the luma shows no edge"
        );
        let b = find_boundary_in_colour(&rgb, &truth).expect("found in colour");
        let (_, d) = matched(&b.quad, &truth);
        assert!(d < 0.02, "{:?} vs {truth:?} ({d})", b.quad);
    }

    #[test]
    fn a_card_whose_side_the_background_hides_takes_that_side_from_the_hint() {
        // A card on a dark desk, its right end on a white sheet of its own grey.
        let truth = rotated_card(400.0, 300.0, 428.0, 270.0, 0.0);
        let mut img = scene(800, 600, &truth);
        for (x, _, p) in img.enumerate_pixels_mut() {
            if x >= 614 {
                *p = Luma([220]);
            }
        }
        // The MRZ's page estimate, a little off (1% of the diagonal).
        let hint = truth.map(|[x, y]| [x + 5.0, y - 3.0]);
        let b = find_boundary(&img, Some(&hint)).expect("three sides and the hint's");
        assert!(b.hidden_side);
        let (_, d) = matched(&b.quad, &truth);
        assert!(d < 0.02, "{:?} vs {truth:?} ({d})", b.quad);
        // Without the hint there is no fourth side.
        assert!(find_boundary(&img, None).is_none_or(|b| matched(&b.quad, &truth).1 > 0.05));
        // A card seen all round takes no side from the hint.
        let whole = find_boundary(&scene(800, 600, &truth), Some(&hint)).expect("found");
        assert!(!whole.hidden_side);
    }

    #[test]
    fn a_blank_image_and_a_frame_filling_page_have_no_boundary() {
        assert!(find_boundary(&GrayImage::from_pixel(640, 480, Luma([200])), None).is_none());
        let full = [[-5.0, -5.0], [805.0, -5.0], [805.0, 605.0], [-5.0, 605.0]];
        assert!(find_boundary(&scene(800, 600, &full), None).is_none());
    }

    #[test]
    fn the_hint_orders_the_corners_as_the_document_reads() {
        let truth = rotated_card(400.0, 300.0, 428.0, 270.0, 180.0);
        let img = scene(800, 600, &truth);
        let b = find_boundary(&img, Some(&truth)).expect("found");
        for i in 0..4 {
            assert!(dist(b.quad[i], truth[i]) < 8.0, "{:?} vs {truth:?}", b.quad);
        }
    }

    #[test]
    fn pages_that_run_past_the_frame_lie_along_it_or_cover_most_of_it_fill_it() {
        assert!(fills_frame(
            &[[-50.0, 0.0], [700.0, 0.0], [700.0, 500.0], [-50.0, 500.0]],
            640,
            480
        ));
        assert!(fills_frame(
            &[[10.0, 10.0], [630.0, 10.0], [630.0, 470.0], [10.0, 470.0]],
            640,
            480
        ));
        assert!(fills_frame(
            &[[2.0, 250.0], [637.0, 250.0], [637.0, 478.0], [2.0, 478.0]],
            640,
            480
        ));
        assert!(!fills_frame(
            &[
                [200.0, 150.0],
                [440.0, 150.0],
                [440.0, 320.0],
                [200.0, 320.0]
            ],
            640,
            480
        ));
    }
}
