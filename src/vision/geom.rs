//! Small image-processing primitives on 8-bit grayscale images: adaptive thresholding,
//! connected components and bilinear sampling. Coordinates are pixels, x to the right and
//! y downwards, with pixel centres at integer coordinates.

use image::GrayImage;

/// A quadrilateral's corners, pixels: top-left, top-right, bottom-right, bottom-left as
/// the document reads, unless said otherwise.
pub type Quad = [[f32; 2]; 4];

/// Whether `p` lies inside the convex quad `q` (either winding; a point on a side is
/// inside).
pub fn quad_contains(q: &Quad, p: [f32; 2]) -> bool {
    let side = |i: usize| {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
    };
    let s = [side(0), side(1), side(2), side(3)];
    s.iter().all(|&v| v >= 0.0) || s.iter().all(|&v| v <= 0.0)
}

/// A connected group of dark pixels, with its axis-aligned box in pixels (inclusive bounds).
#[derive(Clone, Copy, Debug)]
pub struct Component {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    /// Number of pixels.
    pub area: u32,
    /// Centroid of the pixels.
    pub cx: f32,
    pub cy: f32,
}

impl Component {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0 + 1
    }
    pub fn height(&self) -> u32 {
        self.y1 - self.y0 + 1
    }
}

/// Marks pixels darker than the mean of their (2r+1)x(2r+1) neighbourhood by more than
/// `offset` grey levels (Bradley-Roth thresholding on an integral image). Returns one byte
/// a pixel, 1 = dark ("ink"), row-major.
pub fn threshold_dark(gray: &GrayImage, r: u32, offset: u32) -> Vec<u8> {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let stride = w + 1;
    let mut integral = vec![0u32; stride * (h + 1)];
    let px = gray.as_raw();
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(px[y * w + x]);
            integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1] + row;
        }
    }
    let r = r as usize;
    let mut out = vec![0u8; w * h];
    let offset = offset as i64;
    for y in 0..h {
        let ya = y.saturating_sub(r);
        let yb = (y + r + 1).min(h);
        let (top, bottom) = (&integral[ya * stride..], &integral[yb * stride..]);
        let rows = (yb - ya) as i64;
        let src = &px[y * w..(y + 1) * w];
        let dst = &mut out[y * w..(y + 1) * w];
        let box_sum = |xa: usize, xb: usize| {
            i64::from(bottom[xb]) + i64::from(top[xa]) - i64::from(top[xb]) - i64::from(bottom[xa])
        };
        // Dark when v + offset < local mean, compared as v*n + offset*n < sum.
        let mut mark = |x: usize, xa: usize, xb: usize| {
            let n = rows * (xb - xa) as i64;
            dst[x] = u8::from((i64::from(src[x]) + offset) * n < box_sum(xa, xb));
        };
        if w <= 2 * r + 1 {
            for x in 0..w {
                mark(x, x.saturating_sub(r), (x + r + 1).min(w));
            }
            continue;
        }
        for x in 0..r {
            mark(x, 0, x + r + 1);
        }
        for x in r..w - r - 1 {
            mark(x, x - r, x + r + 1);
        }
        for x in w - r - 1..w {
            mark(x, x - r, w);
        }
    }
    out
}

/// 8-connected components of the pixels set to 1 in `mask` (w x h, row-major), by a
/// two-pass scan with union-find.
pub fn components(mask: &[u8], w: usize, h: usize) -> Vec<Component> {
    let mut labels = vec![0u32; w * h];
    let mut parent: Vec<u32> = vec![0];
    fn find(parent: &mut [u32], mut a: u32) -> u32 {
        while parent[a as usize] != a {
            parent[a as usize] = parent[parent[a as usize] as usize];
            a = parent[a as usize];
        }
        a
    }
    for y in 0..h {
        for x in 0..w {
            if mask[y * w + x] == 0 {
                continue;
            }
            // Neighbours already visited: W, NW, N, NE.
            let mut best = 0u32;
            let mut neigh = [0u32; 4];
            if x > 0 {
                neigh[0] = labels[y * w + x - 1];
            }
            if y > 0 {
                if x > 0 {
                    neigh[1] = labels[(y - 1) * w + x - 1];
                }
                neigh[2] = labels[(y - 1) * w + x];
                if x + 1 < w {
                    neigh[3] = labels[(y - 1) * w + x + 1];
                }
            }
            for &n in &neigh {
                if n != 0 {
                    let root = find(&mut parent, n);
                    if best == 0 {
                        best = root;
                    } else if root != best {
                        let (lo, hi) = (best.min(root), best.max(root));
                        parent[hi as usize] = lo;
                        best = lo;
                    }
                }
            }
            if best == 0 {
                best = parent.len() as u32;
                parent.push(best);
            }
            labels[y * w + x] = best;
        }
    }
    let n = parent.len();
    let mut root_index = vec![u32::MAX; n];
    // Sized to the number of components (the labels that are their own root): on a noisy
    // photo there are hundreds of thousands, and growing by doubling would hold up to
    // twice their size at the read's peak (tests/memory.rs).
    let roots = (1..n).filter(|&i| parent[i] == i as u32).count();
    let mut acc: Vec<(u32, u32, u32, u32, u32, u64, u64)> = Vec::with_capacity(roots);
    for y in 0..h {
        for x in 0..w {
            let l = labels[y * w + x];
            if l == 0 {
                continue;
            }
            let root = find(&mut parent, l) as usize;
            if root_index[root] == u32::MAX {
                root_index[root] = acc.len() as u32;
                acc.push((x as u32, y as u32, x as u32, y as u32, 0, 0, 0));
            }
            let a = &mut acc[root_index[root] as usize];
            a.0 = a.0.min(x as u32);
            a.1 = a.1.min(y as u32);
            a.2 = a.2.max(x as u32);
            a.3 = a.3.max(y as u32);
            a.4 += 1;
            a.5 += x as u64;
            a.6 += y as u64;
        }
    }
    // The label planes go before the components are written out, not after.
    drop((labels, parent, root_index));
    acc.into_iter()
        .map(|(x0, y0, x1, y1, area, sx, sy)| Component {
            x0,
            y0,
            x1,
            y1,
            area,
            cx: sx as f32 / area as f32,
            cy: sy as f32 / area as f32,
        })
        .collect()
}

/// For a sample at (x, y) (pixel centres at integer coordinates), clamped to the image's
/// centres: the pixel at or before it, (x0, y0), and how far past it, (fx, fy) in 0..1.
#[inline]
fn cell(gray: &GrayImage, x: f32, y: f32) -> (i32, i32, f32, f32) {
    let x = x.clamp(0.0, (gray.width() - 1) as f32);
    let y = y.clamp(0.0, (gray.height() - 1) as f32);
    let (x0, y0) = (x.floor() as i32, y.floor() as i32);
    (x0, y0, x - x0 as f32, y - y0 as f32)
}

/// Bilinear sample at (x, y); outside the image the nearest edge pixel is used.
#[inline]
pub fn sample(gray: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (gray.width() as i32, gray.height() as i32);
    let px = gray.as_raw();
    let (x0, y0, fx, fy) = cell(gray, x, y);
    let x1 = (x0 + 1).min(w - 1);
    let y1 = (y0 + 1).min(h - 1);
    let at = |xx: i32, yy: i32| f32::from(px[(yy * w + xx) as usize]);
    let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
    let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Catmull-Rom weights (Keys' cubic, a = -0.5) of the four pixels at offsets -1..=2 from a
/// sample `t` (0..1) pixels past a pixel centre; they sum to 1.
#[inline]
fn cubic_weights(t: f32) -> [f32; 4] {
    let (t2, t3) = (t * t, t * t * t);
    [
        0.5 * (-t3 + 2.0 * t2 - t),
        0.5 * (3.0 * t3 - 5.0 * t2 + 2.0),
        0.5 * (-3.0 * t3 + 4.0 * t2 + t),
        0.5 * (t3 - t2),
    ]
}

/// Bicubic (Catmull-Rom) sample at (x, y), pixel centres at integer coordinates as in
/// [`sample`]: 4 x 4 taps, the nearest edge pixel outside the image, the result clamped to
/// 0..255. Sharper than [`sample`] where a crop magnifies its source several times (the
/// kernel's negative lobes undo part of the blur that linear interpolation adds).
#[inline]
pub fn sample_cubic(gray: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (gray.width() as i32, gray.height() as i32);
    let px = gray.as_raw();
    let (x0, y0, fx, fy) = cell(gray, x, y);
    let (wx, wy) = (cubic_weights(fx), cubic_weights(fy));
    let cols: [usize; 4] = std::array::from_fn(|k| (x0 + k as i32 - 1).clamp(0, w - 1) as usize);
    let mut acc = 0.0;
    for (j, &wyj) in wy.iter().enumerate() {
        let row = (y0 + j as i32 - 1).clamp(0, h - 1) as usize * w as usize;
        let r: f32 = wx
            .iter()
            .zip(&cols)
            .map(|(&wk, &c)| wk * f32::from(px[row + c]))
            .sum();
        acc += wyj * r;
    }
    acc.clamp(0.0, 255.0)
}

/// Area-averaged sample of a `size` x `size` pixel square centred at (x, y) (size >= 1),
/// used when a crop shrinks the source so that thin strokes are not skipped.
#[inline]
pub fn sample_area(gray: &GrayImage, x: f32, y: f32, size: f32) -> f32 {
    if size <= 1.5 {
        return sample(gray, x, y);
    }
    let n = size.round().clamp(2.0, 4.0) as i32;
    let step = size / n as f32;
    let start = -size / 2.0 + step / 2.0;
    let mut acc = 0.0;
    for j in 0..n {
        for i in 0..n {
            acc += sample(
                gray,
                x + start + i as f32 * step,
                y + start + j as f32 * step,
            );
        }
    }
    acc / (n * n) as f32
}

/// Resizes to `nw` x `nh`. Shrinking by two or more first averages whole blocks of
/// pixels (so thin strokes survive), then interpolates bilinearly. About ten times
/// faster than `image`'s triangle filter, which dominated the detector's time.
pub fn resize(gray: &GrayImage, nw: u32, nh: u32) -> GrayImage {
    let (w, h) = gray.dimensions();
    let f = ((w / nw.max(1)).min(h / nh.max(1))).max(1);
    let boxed;
    let src = if f >= 2 {
        boxed = box_shrink(gray, f);
        &boxed
    } else {
        gray
    };
    let (sw, sh) = src.dimensions();
    let sx = sw as f32 / nw as f32;
    let sy = sh as f32 / nh as f32;
    let px = src.as_raw();
    let mut out = Vec::with_capacity((nw * nh) as usize);
    // Precompute horizontal taps once per column.
    let cols: Vec<(usize, usize, f32)> = (0..nw)
        .map(|x| {
            let fx = ((x as f32 + 0.5) * sx - 0.5).clamp(0.0, (sw - 1) as f32);
            let x0 = fx.floor() as usize;
            (x0, (x0 + 1).min(sw as usize - 1), fx - x0 as f32)
        })
        .collect();
    for y in 0..nh {
        let fy = ((y as f32 + 0.5) * sy - 0.5).clamp(0.0, (sh - 1) as f32);
        let y0 = fy.floor() as usize;
        let y1 = (y0 + 1).min(sh as usize - 1);
        let wy = fy - y0 as f32;
        let (r0, r1) = (y0 * sw as usize, y1 * sw as usize);
        for &(x0, x1, wx) in &cols {
            let top = f32::from(px[r0 + x0]) * (1.0 - wx) + f32::from(px[r0 + x1]) * wx;
            let bot = f32::from(px[r1 + x0]) * (1.0 - wx) + f32::from(px[r1 + x1]) * wx;
            out.push((top * (1.0 - wy) + bot * wy + 0.5) as u8);
        }
    }
    GrayImage::from_raw(nw, nh, out).expect("buffer matches size")
}

/// Averages f x f blocks (the last partial row/column of blocks is dropped).
fn box_shrink(gray: &GrayImage, f: u32) -> GrayImage {
    let (w, h) = gray.dimensions();
    let (nw, nh) = ((w / f).max(1), (h / f).max(1));
    let px = gray.as_raw();
    let mut acc = vec![0u32; nw as usize];
    let mut out = Vec::with_capacity((nw * nh) as usize);
    let n = f * f;
    for by in 0..nh {
        acc.iter_mut().for_each(|a| *a = 0);
        for y in by * f..((by + 1) * f).min(h) {
            let row = &px[(y * w) as usize..((y + 1) * w) as usize];
            for (bx, a) in acc.iter_mut().enumerate() {
                let start = bx * f as usize;
                *a += row[start..start + f as usize]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            }
        }
        out.extend(acc.iter().map(|&a| ((a + n / 2) / n) as u8));
    }
    GrayImage::from_raw(nw, nh, out).expect("buffer matches size")
}

/// Luma of an 8-bit RGB buffer with the BT.601 weights in fixed point.
pub fn luma_of_rgb(rgb: &image::RgbImage) -> GrayImage {
    let data: Vec<u8> = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128) >> 8) as u8
        })
        .collect();
    GrayImage::from_raw(rgb.width(), rgb.height(), data).expect("buffer matches size")
}

/// An MRZ as page geometry needs it, in displayed-image pixels.
#[derive(Clone, Copy, Debug)]
pub struct MrzPlacement {
    /// A point on the first line's axis.
    pub first_axis: [f32; 2],
    /// A point on the last line's axis.
    pub last_axis: [f32; 2],
    /// The centre of the last line's ink.
    pub last_centre: [f32; 2],
    /// The last line's ink length, first to last glyph edge.
    pub last_length: f32,
    /// Unit vector of the reading direction (left to right as the document reads).
    pub reading: (f32, f32),
}

/// A document's page size in millimetres and its MRZ line length in characters (ICAO
/// 9303: 85.6 x 54 for TD1, 105 x 74 for TD2 and MRV-B, 125 x 88 for TD3, 120 x 80 for
/// MRV-A).
#[derive(Clone, Copy, Debug)]
pub struct PageSize {
    pub w_mm: f32,
    pub h_mm: f32,
    pub chars: f32,
    /// Height of the MRZ's last line's centre above the page's bottom edge, millimetres.
    pub last_line_mm: f32,
}

/// The MRZ's character pitch, millimetres (ICAO 9303 Part 3: 10 characters to 25.4 mm).
pub const MRZ_PITCH_MM: f32 = 2.54;

/// Page corners (top-left, top-right, bottom-right, bottom-left as the document reads)
/// from ICAO 9303 dimensions: the MRZ is centred across the page with its last line's
/// centre [`PageSize::last_line_mm`] above the bottom edge, at [`MRZ_PITCH_MM`] a
/// character.
pub fn page_quad(mrz: &MrzPlacement, page: PageSize) -> [[f32; 2]; 4] {
    let (rx, ry) = mrz.reading;
    // Down the page: from the first line towards the last, or the reading direction
    // turned clockwise when the MRZ has a single line.
    let (mut nx, mut ny) = (
        mrz.last_axis[0] - mrz.first_axis[0],
        mrz.last_axis[1] - mrz.first_axis[1],
    );
    let along = nx * rx + ny * ry;
    nx -= along * rx;
    ny -= along * ry;
    let norm = (nx * nx + ny * ny).sqrt();
    let (nx, ny) = if norm > 1e-3 {
        (nx / norm, ny / norm)
    } else {
        (-ry, rx)
    };
    let px_per_mm = mrz.last_length / ((page.chars - 0.4) * MRZ_PITCH_MM);
    let [mx, my] = mrz.last_centre;
    let bottom = page.last_line_mm * px_per_mm;
    let top = bottom - page.h_mm * px_per_mm;
    let half = 0.5 * page.w_mm * px_per_mm;
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

    #[test]
    fn cubic_sampling_hits_pixel_centres_keeps_ramps_and_sharpens_an_edge() {
        for t in [0.0, 0.3, 0.5, 0.99] {
            assert!((cubic_weights(t).iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        let ramp = GrayImage::from_fn(9, 7, |x, y| image::Luma([(x * 25 + y * 3) as u8]));
        assert!((sample_cubic(&ramp, 4.0, 3.0) - 109.0).abs() < 1e-3);
        assert!((sample_cubic(&ramp, 4.5, 3.25) - 122.25).abs() < 1e-3);
        let flat = GrayImage::from_pixel(5, 5, image::Luma([77]));
        assert!((sample_cubic(&flat, 0.3, 4.9) - 77.0).abs() < 1e-3);
        // A dark stroke (x >= 4) on paper: a quarter pixel into the paper, the cubic
        // sample is lighter than the linear one, which smears the ink outwards.
        let edge = GrayImage::from_fn(8, 3, |x, _| image::Luma([if x >= 4 { 0 } else { 200 }]));
        assert!(sample_cubic(&edge, 3.25, 1.0) > sample(&edge, 3.25, 1.0));
    }

    #[test]
    fn two_separate_squares_are_two_components() {
        let (w, h) = (10, 5);
        let mut mask = vec![0u8; w * h];
        for y in 1..3 {
            for x in 1..3 {
                mask[y * w + x] = 1;
                mask[y * w + x + 5] = 1;
            }
        }
        let comps = components(&mask, w, h);
        assert_eq!(comps.len(), 2);
        assert!(comps.iter().all(|c| c.area == 4 && c.width() == 2));
    }

    #[test]
    fn u_shape_merges_into_one_component() {
        // Two arms joined only at the bottom must end with one label.
        let (w, h) = (5, 4);
        let mut mask = vec![0u8; w * h];
        for y in 0..4 {
            mask[y * w] = 1;
            mask[y * w + 4] = 1;
        }
        for x in 0..5 {
            mask[3 * w + x] = 1;
        }
        assert_eq!(components(&mask, w, h).len(), 1);
    }

    #[test]
    fn dark_text_on_light_paper_is_marked() {
        let mut img = GrayImage::from_pixel(20, 20, image::Luma([220]));
        img.put_pixel(10, 10, image::Luma([30]));
        let mask = threshold_dark(&img, 3, 10);
        assert_eq!(mask[10 * 20 + 10], 1);
        assert_eq!(mask.iter().map(|&v| v as u32).sum::<u32>(), 1);
    }

    #[test]
    fn a_placed_page_puts_the_last_mrz_line_its_height_above_the_bottom_edge() {
        // A TD3 MRZ read level at 10 px/mm: 43.6 characters of 2.54 mm, its lines 4.23 mm
        // apart, the last centred at (600, 800).
        let page = PageSize {
            w_mm: 125.0,
            h_mm: 88.0,
            chars: 44.0,
            last_line_mm: 9.8,
        };
        let length = (page.chars - 0.4) * MRZ_PITCH_MM * 10.0;
        let mrz = MrzPlacement {
            first_axis: [600.0, 757.7],
            last_axis: [600.0, 800.0],
            last_centre: [600.0, 800.0],
            last_length: length,
            reading: (1.0, 0.0),
        };
        let q = page_quad(&mrz, page);
        for (corner, want) in q.iter().zip([
            [-25.0, 800.0 + 98.0 - 880.0],
            [1225.0, 18.0],
            [1225.0, 898.0],
            [-25.0, 898.0],
        ]) {
            assert!(
                (corner[0] - want[0]).abs() < 0.5 && (corner[1] - want[1]).abs() < 0.5,
                "{q:?}"
            );
        }
    }
}
