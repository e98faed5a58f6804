//! The image transforms that `eval --transform` and the tests apply to real images, to
//! measure the reader on documents as it will meet them: turned by any angle, mirrored,
//! photographed in perspective on a cluttered table, or small, blurred and compressed.
//!
//! Each transform is deterministic given its `seed`, so figures compare across commits.
//! Images are RGB as displayed (EXIF orientation applied); the outputs are encoded bytes,
//! PNG (lossless) except for [`Transform::LowQuality`], whose JPEG is part of the damage.

use std::io::Cursor;

use image::{imageops, DynamicImage, ImageFormat, Rgb, RgbImage};

use crate::vision::geom::quad_contains;

/// One way to damage an image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Transform {
    /// Turned counterclockwise by `degrees` about its centre, onto a white canvas that holds
    /// all of it.
    Rotate { degrees: f32 },
    /// Mirrored left to right.
    Mirror,
    /// Its four corners moved inwards by up to 12% of the side each, on a canvas 30% larger
    /// filled with coloured boxes and lines (a table, other papers).
    Perspective { seed: u64 },
    /// Scaled to 0.6, Gaussian blur of 0.6 pixels, JPEG quality 40.
    LowQuality,
}

impl Transform {
    /// The transform named `name` (`rotate`, `mirror`, `perspective`, `lowq`) for the
    /// `index`-th image of a set: rotations spread over the circle by the golden angle
    /// (137.5 degrees a step, starting at 17), perspectives seeded by the index.
    pub fn for_image(name: &str, index: usize) -> Option<Transform> {
        Some(match name {
            "rotate" => Transform::Rotate {
                degrees: (17.0 + 137.507_77 * index as f32).rem_euclid(360.0),
            },
            "mirror" => Transform::Mirror,
            "perspective" => Transform::Perspective { seed: index as u64 },
            "lowq" => Transform::LowQuality,
            _ => return None,
        })
    }

    /// The counterclockwise turn, in degrees 0..360, the transform adds to the document.
    pub fn added_tilt(self) -> f32 {
        match self {
            Transform::Rotate { degrees } => degrees,
            _ => 0.0,
        }
    }

    /// Where the point `p` (pixels, as displayed) of a `w` x `h` image lands in the image
    /// [`Transform::apply`] makes of it: to score faces found there.
    pub fn map_point(self, p: [f32; 2], w: u32, h: u32) -> [f32; 2] {
        let (wf, hf) = (w as f32, h as f32);
        match self {
            Transform::Rotate { degrees } => {
                let (nw, nh) = rotated_size(w, h, degrees);
                let (s, c) = degrees.to_radians().sin_cos();
                let (x, y) = (p[0] - wf / 2.0, p[1] - hf / 2.0);
                // The inverse of `rotate_filled`'s map, a rotation.
                [
                    c * x + s * y + nw as f32 / 2.0,
                    -s * x + c * y + nh as f32 / 2.0,
                ]
            }
            Transform::Mirror => [wf - p[0], p[1]],
            Transform::Perspective { seed } => {
                let (_, dst) = perspective_layout(w, h, seed);
                let src = [[0.0, 0.0], [wf, 0.0], [wf, hf], [0.0, hf]];
                project(&homography(&src, &dst), p)
            }
            Transform::LowQuality => {
                let (sw, sh) = low_quality_size(w, h);
                [p[0] * sw as f32 / wf, p[1] * sh as f32 / hf]
            }
        }
    }

    /// Applies the transform and encodes the result.
    pub fn apply(self, img: &RgbImage) -> Vec<u8> {
        let out = match self {
            Transform::Rotate { degrees } => rotate_filled(img, degrees, Rgb([255, 255, 255])),
            Transform::Mirror => imageops::flip_horizontal(img),
            Transform::Perspective { seed } => perspective(img, seed),
            Transform::LowQuality => {
                let (w, h) = low_quality_size(img.width(), img.height());
                let small = imageops::resize(img, w, h, imageops::FilterType::Triangle);
                let blurred = imageops::blur(&small, 0.6);
                let mut buf = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 40)
                    .encode_image(&blurred)
                    .expect("encoding to memory");
                return buf;
            }
        };
        let mut buf = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(out)
            .write_to(&mut buf, ImageFormat::Png)
            .expect("encoding to memory");
        buf.into_inner()
    }
}

/// The size [`Transform::LowQuality`] scales a `w` x `h` image to.
fn low_quality_size(w: u32, h: u32) -> (u32, u32) {
    let scaled = |v: u32| ((v as f32 * 0.6).round() as u32).max(1);
    (scaled(w), scaled(h))
}

/// The canvas [`rotate_filled`] turns a `w` x `h` image onto.
fn rotated_size(w: u32, h: u32, degrees: f32) -> (u32, u32) {
    let (w, h) = (w as f32, h as f32);
    let (s, c) = degrees.to_radians().sin_cos();
    (
        (w * c.abs() + h * s.abs()).ceil() as u32,
        (w * s.abs() + h * c.abs()).ceil() as u32,
    )
}

/// Bilinear sample of `img` at (x, y), or `None` outside it.
fn sample(img: &RgbImage, x: f32, y: f32) -> Option<Rgb<u8>> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    if x < 0.0 || y < 0.0 || x > w - 1.0 || y > h - 1.0 {
        return None;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = (
        (x0 + 1).min(img.width() - 1),
        (y0 + 1).min(img.height() - 1),
    );
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let mut out = [0u8; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let at = |xx: u32, yy: u32| f32::from(img.get_pixel(xx, yy).0[c]);
        let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
        let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
        *o = (top * (1.0 - fy) + bottom * fy).round() as u8;
    }
    Some(Rgb(out))
}

/// `img` turned counterclockwise by `degrees` about its centre onto a canvas that holds
/// all of it, the corners filled with `fill`.
pub fn rotate_filled(img: &RgbImage, degrees: f32, fill: Rgb<u8>) -> RgbImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (s, c) = degrees.to_radians().sin_cos();
    let (nw, nh) = rotated_size(img.width(), img.height(), degrees);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ncx, ncy) = (nw as f32 / 2.0, nh as f32 / 2.0);
    RgbImage::from_fn(nw, nh, |x, y| {
        // Inverse map: a counterclockwise turn on screen (y down) is clockwise in maths.
        let (dx, dy) = (x as f32 + 0.5 - ncx, y as f32 + 0.5 - ncy);
        let sx = c * dx - s * dy + cx - 0.5;
        let sy = s * dx + c * dy + cy - 0.5;
        sample(img, sx, sy).unwrap_or(fill)
    })
}

/// A small deterministic generator (SplitMix64): the transforms need no `rand`.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn perspective(img: &RgbImage, seed: u64) -> RgbImage {
    let (mut canvas, dst) = perspective_layout(img.width(), img.height(), seed);
    let (w, h) = (img.width() as f32, img.height() as f32);
    let src = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
    // Canvas pixel -> image pixel.
    let hmat = homography(&dst, &src);
    for (x, y, p) in canvas.enumerate_pixels_mut() {
        let [sx, sy] = project(&hmat, [x as f32 + 0.5, y as f32 + 0.5]);
        if let Some(px) = sample(img, sx - 0.5, sy - 0.5) {
            *p = px;
        }
    }
    canvas
}

/// [`Transform::Perspective`]'s background canvas for a `w` x `h` image and where the
/// image's corners land on it (top-left, top-right, bottom-right, bottom-left).
fn perspective_layout(w: u32, h: u32, seed: u64) -> (RgbImage, [[f32; 2]; 4]) {
    let mut rng = SplitMix(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    let (w, h) = (w as f32, h as f32);
    let (cw, ch) = ((w * 1.3).round() as u32, (h * 1.3).round() as u32);
    // The background: a table tone, and coloured boxes and lines (other papers, pens).
    let base = [
        rng.range(90.0, 200.0) as u8,
        rng.range(70.0, 180.0) as u8,
        rng.range(50.0, 160.0) as u8,
    ];
    let mut canvas = RgbImage::from_pixel(cw, ch, Rgb(base));
    for _ in 0..12 {
        let colour = Rgb([
            rng.range(0.0, 255.0) as u8,
            rng.range(0.0, 255.0) as u8,
            rng.range(0.0, 255.0) as u8,
        ]);
        let (x0, y0) = (rng.range(0.0, cw as f32), rng.range(0.0, ch as f32));
        let thin = rng.range(0.0, 1.0) < 0.5;
        let (bw, bh) = if thin {
            (rng.range(20.0, cw as f32 * 0.5), rng.range(2.0, 6.0))
        } else {
            (
                rng.range(10.0, cw as f32 * 0.3),
                rng.range(10.0, ch as f32 * 0.3),
            )
        };
        for y in y0 as u32..((y0 + bh) as u32).min(ch) {
            for x in x0 as u32..((x0 + bw) as u32).min(cw) {
                canvas.put_pixel(x, y, colour);
            }
        }
    }
    // Where the image's corners land: inside the canvas, each pulled in by up to 12%.
    let (ox, oy) = (w * 0.15, h * 0.15);
    let mut jitter = |sx: f32, sy: f32| {
        [
            ox + sx * w + (0.5 - sx) * 2.0 * rng.range(0.0, 0.12) * w,
            oy + sy * h + (0.5 - sy) * 2.0 * rng.range(0.0, 0.12) * h,
        ]
    };
    let dst = [
        jitter(0.0, 0.0),
        jitter(1.0, 0.0),
        jitter(1.0, 1.0),
        jitter(0.0, 1.0),
    ];
    (canvas, dst)
}

/// Where the homography `m` ([`homography`]) takes the point `p`.
fn project(m: &[f32; 8], p: [f32; 2]) -> [f32; 2] {
    let d = m[6] * p[0] + m[7] * p[1] + 1.0;
    [
        (m[0] * p[0] + m[1] * p[1] + m[2]) / d,
        (m[3] * p[0] + m[4] * p[1] + m[5]) / d,
    ]
}

/// The homography (h33 = 1, row-major, 8 values) taking each `from[i]` to `to[i]`.
fn homography(from: &[[f32; 2]; 4], to: &[[f32; 2]; 4]) -> [f32; 8] {
    // Eight equations in eight unknowns, solved by Gaussian elimination in f64.
    let mut a = [[0f64; 9]; 8];
    for i in 0..4 {
        let ([x, y], [u, v]) = (from[i].map(f64::from), to[i].map(f64::from));
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (r, row) in a.iter_mut().enumerate() {
            if r != col && pivot_row[col] != 0.0 {
                let f = row[col] / pivot_row[col];
                for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut h = [0f32; 8];
    for (i, v) in h.iter_mut().enumerate() {
        *v = (a[i][8] / a[i][i]) as f32;
    }
    h
}

/// The point a share `t` of the way from `p` to `q` (past `q` when `t` > 1).
fn lerp(p: [f32; 2], q: [f32; 2], t: f32) -> [f32; 2] {
    [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t]
}

/// Paints white over the part of a page below `from` (0 = its top edge, 1 = its bottom
/// edge; `quad` is the page's corners: top-left, top-right, bottom-right, bottom-left),
/// running 5% past the page's sides and bottom: the MRZ of a passport page is gone,
/// the rest of the page left as it was.
pub fn cover_page_bottom(img: &mut RgbImage, quad: &[[f32; 2]; 4], from: f32) {
    let (tl, tr, br, bl) = (quad[0], quad[1], quad[2], quad[3]);
    // The band's corners, pushed out sideways by 5% of the page's width.
    let widen = |l: [f32; 2], r: [f32; 2]| (lerp(r, l, 1.05), lerp(l, r, 1.05));
    let (a, b) = widen(lerp(tl, bl, from), lerp(tr, br, from));
    let (d, c) = widen(lerp(tl, bl, 1.05), lerp(tr, br, 1.05));
    let poly = [a, b, c, d];
    for (x, y, px) in img.enumerate_pixels_mut() {
        if quad_contains(&poly, [x as f32 + 0.5, y as f32 + 0.5]) {
            *px = Rgb([255, 255, 255]);
        }
    }
}

/// Cuts the image straight across the page at `from` (as [`cover_page_bottom`]; `quad` is
/// the page's corners: top-left, top-right, bottom-right, bottom-left) and keeps the side
/// with the page's top: a page scanned or photographed with its MRZ cut off. The result
/// is the kept part's bounding box; where the cut runs at a slant, the corner beyond it is
/// painted white. Returns the image and where its top-left corner was in `img`, in pixels.
pub fn cut_page_bottom(img: &RgbImage, quad: &[[f32; 2]; 4], from: f32) -> (RgbImage, [u32; 2]) {
    let (a, b) = (lerp(quad[0], quad[3], from), lerp(quad[1], quad[2], from));
    let side = |p: [f32; 2]| (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    let top = side(quad[0]).signum();
    let kept = |x: u32, y: u32| side([x as f32 + 0.5, y as f32 + 0.5]) * top > 0.0;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..img.height() {
        for x in 0..img.width() {
            if kept(x, y) {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    if x0 > x1 {
        return (RgbImage::new(1, 1), [0, 0]);
    }
    let out = RgbImage::from_fn(x1 - x0 + 1, y1 - y0 + 1, |x, y| {
        if kept(x + x0, y + y0) {
            *img.get_pixel(x + x0, y + y0)
        } else {
            Rgb([255, 255, 255])
        }
    });
    (out, [x0, y0])
}

/// A person holding a document, as a KYC selfie shows one: `page` on the right of a desk-
/// coloured canvas, and on its left `person` (a face photo) scaled to `person_height`
/// pixels and blended in through a soft ellipse, so that it has no straight edges. The
/// live face is larger than the printed portrait and lies outside the document. Returns
/// the scene and where the page's top-left corner went.
pub fn beside_person(
    page: &RgbImage,
    person: &RgbImage,
    person_height: u32,
) -> (RgbImage, [u32; 2]) {
    let ph = person_height.max(8);
    let pw = (person.width() as f32 * ph as f32 / person.height().max(1) as f32).round() as u32;
    let person = imageops::resize(person, pw.max(8), ph, imageops::Triangle);
    let margin = page.height().max(ph) / 12;
    let (w, h) = (
        margin * 3 + person.width() + page.width(),
        margin * 2 + page.height().max(ph),
    );
    // A dark desk with a gentle light fall-off: the page's edges stand out, as on a table.
    let mut out = RgbImage::from_fn(w, h, |_, y| {
        let k = 1.0 - 0.15 * y as f32 / h as f32;
        Rgb([96, 84, 72].map(|c| (c as f32 * k) as u8))
    });
    let py = (h - person.height()) / 2;
    let (rx, ry) = (person.width() as f32 / 2.0, person.height() as f32 / 2.0);
    for (x, y, px) in person.enumerate_pixels() {
        let (dx, dy) = ((x as f32 + 0.5 - rx) / rx, (y as f32 + 0.5 - ry) / ry);
        // Opaque inside 80% of the ellipse, fading to nothing at its rim.
        let alpha = ((1.0 - (dx * dx + dy * dy).sqrt()) / 0.2).clamp(0.0, 1.0);
        let dst = out.get_pixel_mut(margin + x, py + y);
        for c in 0..3 {
            dst[c] = (alpha * px[c] as f32 + (1.0 - alpha) * dst[c] as f32).round() as u8;
        }
    }
    let at = [margin * 2 + person.width(), (h - page.height()) / 2];
    imageops::replace(&mut out, page, i64::from(at[0]), i64::from(at[1]));
    (out, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_cut_above_its_mrz_keeps_its_top_whichever_way_it_lies() {
        // A 200 x 100 image, a page filling it; cut at half its height.
        let img = RgbImage::from_fn(200, 100, |_, y| Rgb([y as u8, 0, 0]));
        let upright = [[0.0, 0.0], [200.0, 0.0], [200.0, 100.0], [0.0, 100.0]];
        let (cut, at) = cut_page_bottom(&img, &upright, 0.5);
        assert_eq!((cut.dimensions(), at), ((200, 50), [0, 0]));
        assert_eq!(cut.get_pixel(0, 49)[0], 49);
        // The same page upside down: its top is the image's bottom half.
        let turned = [[200.0, 100.0], [0.0, 100.0], [0.0, 0.0], [200.0, 0.0]];
        let (cut, at) = cut_page_bottom(&img, &turned, 0.5);
        assert_eq!((cut.dimensions(), at), ((200, 50), [0, 50]));
        assert_eq!(cut.get_pixel(0, 0)[0], 50);
    }

    #[test]
    fn a_point_lands_where_the_transform_moves_its_pixels() {
        // A red spot on grey; after each transform, the red ink's centroid near where the
        // spot is said to land (the perspective's background has coloured boxes too).
        let (w, h) = (300u32, 200u32);
        let spot = [70.0f32, 140.0];
        let img = RgbImage::from_fn(w, h, |x, y| {
            let (dx, dy) = (x as f32 + 0.5 - spot[0], y as f32 + 0.5 - spot[1]);
            Rgb(if dx * dx + dy * dy <= 36.0 {
                [230, 20, 20]
            } else {
                [128, 128, 128]
            })
        });
        for name in ["rotate", "mirror", "perspective", "lowq"] {
            let t = Transform::for_image(name, 5).unwrap();
            let out = image::load_from_memory(&t.apply(&img)).unwrap().to_rgb8();
            let [px, py] = t.map_point(spot, w, h);
            let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
            for (x, y, p) in out.enumerate_pixels() {
                let red = f32::from(p[0]) - f32::from(p[1].max(p[2]));
                let near = (x as f32 - px).abs() < 30.0 && (y as f32 - py).abs() < 30.0;
                if near && red > 60.0 {
                    sx += (x as f32 + 0.5) * red;
                    sy += (y as f32 + 0.5) * red;
                    n += red;
                }
            }
            let (cx, cy) = (sx / n, sy / n);
            assert!(
                (cx - px).abs() < 1.5 && (cy - py).abs() < 1.5,
                "{name}: red at ({cx}, {cy}), mapped to ({px}, {py})"
            );
        }
    }

    #[test]
    fn the_homography_maps_each_corner_to_its_target() {
        let from = [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0], [0.0, 50.0]];
        let to = [[10.0, 5.0], [95.0, 12.0], [90.0, 60.0], [4.0, 48.0]];
        let h = homography(&from, &to);
        for (f, t) in from.iter().zip(&to) {
            let d = h[6] * f[0] + h[7] * f[1] + 1.0;
            let u = (h[0] * f[0] + h[1] * f[1] + h[2]) / d;
            let v = (h[3] * f[0] + h[4] * f[1] + h[5]) / d;
            assert!(
                (u - t[0]).abs() < 1e-3 && (v - t[1]).abs() < 1e-3,
                "{u},{v}"
            );
        }
    }

    #[test]
    fn transforms_are_the_same_for_the_same_seed() {
        let img = RgbImage::from_fn(60, 40, |x, y| Rgb([(x * 4) as u8, (y * 6) as u8, 90]));
        for name in ["rotate", "mirror", "perspective", "lowq"] {
            let t = Transform::for_image(name, 3).unwrap();
            assert_eq!(t.apply(&img), t.apply(&img), "{name}");
        }
        assert!(Transform::for_image("swirl", 0).is_none());
    }
}
