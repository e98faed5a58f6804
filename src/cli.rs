//! The command line: `read`, `eval` and `bench` (and `serve`, from the service module).

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::transform::Transform;
use serde_json::{json, Value};

use crate::report::{read_bytes, FileReport, Stages};
use crate::vision::{self, ReadOptions, Reader, SearchPath};

/// Reads one file from disk and times the whole read (file bytes to parsed fields, and
/// the portrait when `faces` is given).
pub fn read_file(
    reader: &Reader,
    faces: Option<&vision::face::FaceDetector>,
    path: &Path,
    opts: &ReadOptions,
) -> FileReport {
    let start = Instant::now();
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => read_bytes(reader, faces, name, &bytes, opts, start),
        Err(e) => FileReport::new(
            name,
            Err(vision::VisionError::UnsupportedImage(format!(
                "cannot read the file: {e}"
            ))),
            start.elapsed().as_secs_f64() * 1000.0,
        ),
    }
}

/// `read --json`: one JSON object per file, one per line; a file that cannot be read
/// gives an `error` line and the command goes on.
pub fn cmd_read(
    reader: &Reader,
    faces: &vision::face::FaceDetector,
    files: &[PathBuf],
    json: bool,
) -> anyhow::Result<()> {
    use std::io::Write;
    let opts = ReadOptions::default();
    let mut out = std::io::stdout().lock();
    for f in files {
        let report = read_file(reader, Some(faces), f, &opts);
        let written = if json {
            writeln!(out, "{}", serde_json::to_string(&report)?)
        } else {
            write_text(&mut out, &report)
        };
        match written.and_then(|_| out.flush()) {
            // A closed pipe (`| head`) ends the command quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    Ok(())
}

/// The human-readable form of one report.
fn write_text(out: &mut impl std::io::Write, report: &FileReport) -> std::io::Result<()> {
    match (&report.mrz, &report.error) {
        (Some(m), _) => {
            writeln!(out, "{}:", report.file)?;
            for l in m["lines"].as_array().into_iter().flatten() {
                writeln!(out, "  {}", l.as_str().unwrap_or_default())?;
            }
            writeln!(
                out,
                "  format {} valid {} tilt {:.1} mirrored {} ({:.1} ms)",
                m["format"],
                m["valid"],
                report.document.tilt,
                report.document.mirrored,
                report.elapsed_ms
            )
        }
        (None, Some(e)) => writeln!(out, "{}: {}: {}", report.file, e.kind, e.message),
        (None, None) => writeln!(out, "{}: nothing read", report.file),
    }
}

/// One ground-truth record of `image-ground-truth.json`.
#[derive(serde::Deserialize)]
pub struct Truth {
    /// Path relative to the folder that holds `shared/`.
    pub file: String,
    pub document_type: String,
    /// The MRZ as printed; empty for images without one.
    #[serde(default)]
    pub mrz_lines: Vec<String>,
    pub expected_outcome: String,
    /// The holder's face as x, y, width, height in stored pixels (before EXIF).
    #[serde(default)]
    pub face_box_xywh_stored_pixels: Option<[f32; 4]>,
    #[serde(default)]
    pub exif_orientation: Option<u8>,
    #[serde(default)]
    pub image_width: f32,
    #[serde(default)]
    pub image_height: f32,
    /// What makes the image hard, one bucket per axis (`font: ocrb`, `overprint: stamp`),
    /// as `training/challenge.py` records it; `eval` reports accuracy per axis and bucket.
    #[serde(default)]
    pub factors: std::collections::BTreeMap<String, String>,
    /// The document's corners in displayed pixels (the synthetic challenge set), any
    /// order around it; `eval` scores the boundary found against them.
    #[serde(default)]
    pub document_quad_xy: Option<[[f32; 2]; 4]>,
}

impl Truth {
    /// The centre of the true face box in displayed pixels (mapped through the EXIF
    /// orientation), None for images without a portrait.
    pub fn face_centre(&self) -> Option<(f32, f32)> {
        let [x, y, w, h] = self.face_box_xywh_stored_pixels?;
        Some(vision::face::stored_to_displayed(
            x + w / 2.0,
            y + h / 2.0,
            self.image_width,
            self.image_height,
            self.exif_orientation.unwrap_or(1),
        ))
    }
}

/// Loads a ground-truth file: its records, and the folder their `file` paths are
/// relative to.
pub fn load_ground_truth(gt_path: &Path) -> anyhow::Result<(PathBuf, Vec<Truth>)> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(gt_path)?)?;
    let records: Vec<Truth> = serde_json::from_value(doc["images"].clone())?;
    let root = find_root(gt_path, records.first().map(|r| r.file.as_str()))
        .ok_or_else(|| anyhow::anyhow!("cannot find the images named in {}", gt_path.display()))?;
    Ok((root, records))
}

/// `eval`: scores the reader against a ground-truth file and prints a summary (and,
/// with `--per-image`, one line per image).
///
/// With `transform` (`rotate`, `mirror`, `perspective`, `lowq`; see [`Transform`]) each
/// image is read as the transform leaves it (faces scored where the transform moves the
/// truth's face centre), and the summary adds whether the tilt came out within 5 degrees
/// of the original read's plus the turn added, and whether `mirrored` is right.
pub fn cmd_eval(
    reader: &Reader,
    faces: Option<&vision::face::FaceDetector>,
    gt_path: &Path,
    per_image: bool,
    transform: Option<&str>,
) -> anyhow::Result<Value> {
    if let Some(name @ ("covermrz" | "cutmrz" | "holding")) = transform {
        let faces = faces.ok_or_else(|| anyhow::anyhow!("{name} scores faces: drop --no-faces"))?;
        let damage = match name {
            "cutmrz" => MrzDamage::Cut,
            "holding" => MrzDamage::CoverBesidePerson,
            _ => MrzDamage::Cover,
        };
        return eval_covered_mrz(reader, faces, gt_path, damage);
    }
    if let Some(name) = transform {
        anyhow::ensure!(
            Transform::for_image(name, 0).is_some(),
            "unknown transform {name}: rotate, mirror, perspective or lowq"
        );
    }
    let (mut tilt_right, mut mirror_right, mut geometry_total) = (0, 0, 0);
    let (root, records) = load_ground_truth(gt_path)?;
    let opts = ReadOptions::default();
    let mut times = Vec::new();
    let mut stages: Vec<Stages> = Vec::new();
    let mut face_times = FaceTimes::default();
    let (mut with_mrz, mut exact, mut negatives, mut neg_false) = (0, 0, 0, 0);
    let (mut char_errors, mut char_total) = (0usize, 0usize);
    let (mut valid_right, mut valid_total) = (0, 0);
    // Reads that say `valid: true` but are not the printed text: what `valid` must not vouch for.
    let mut valid_not_exact = 0;
    let mut by_type: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    let mut by_doc: std::collections::BTreeMap<String, bool> = Default::default();
    let mut by_folder: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    let mut by_factor: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, (u32, u32)>,
    > = Default::default();
    let mut misses = Vec::new();
    let (mut face_hits, mut face_total, mut face_false, mut face_quick) = (0, 0, 0, 0);
    let mut boundaries = BoundaryScore::default();
    let mut placements = MrzPlacementScore::default();
    for (index, r) in records.iter().enumerate() {
        let path = root.join(&r.file);
        let mut transformed: Option<Transformed> = None;
        let report = match transform.and_then(|name| Transform::for_image(name, index)) {
            None => read_file(reader, None, &path, &opts),
            Some(t) => {
                let bytes = std::fs::read(&path)?;
                let original =
                    read_bytes(reader, None, r.file.clone(), &bytes, &opts, Instant::now());
                let decoded = vision::image_io::decode(&bytes, opts.max_pixels)?;
                let img = decoded.color.to_rgb8();
                let changed = t.apply(&img);
                let report = read_bytes(
                    reader,
                    None,
                    r.file.clone(),
                    &changed,
                    &opts,
                    Instant::now(),
                );
                if original.mrz.is_some() && report.mrz.is_some() {
                    geometry_total += 1;
                    let want_tilt =
                        expected_tilt(t, &original.document, img.dimensions(), decoded.scale);
                    let d = (report.document.tilt - want_tilt).rem_euclid(360.0);
                    tilt_right += u32::from(d.min(360.0 - d) <= 5.0);
                    let want_mirror = original.document.mirrored != (t == Transform::Mirror);
                    mirror_right += u32::from(report.document.mirrored == want_mirror);
                }
                transformed = Some(Transformed {
                    size: img.dimensions(),
                    bytes: changed,
                    transform: t,
                    scale: decoded.scale,
                });
                report
            }
        };
        times.push(report.elapsed_ms);
        stages.push(report.stages);
        if transform.is_none() {
            let corners_missed = boundaries.add(r, &report.document);
            if let (true, Some(why)) = (per_image, corners_missed) {
                eprintln!("CORNERS {}: {why}", r.file);
            }
            if report.document.quad_from == Some(vision::QuadFrom::Edges) {
                placements.add(reader, &std::fs::read(&path)?, &opts, &report.document);
            }
        }
        if let Some(det) = faces {
            // As faceExtraction runs it, timed from the (transformed) image's bytes.
            let (bytes, truth_centre) = match transformed {
                None => (std::fs::read(&path)?, r.face_centre()),
                Some(t) => {
                    let (w, h) = t.size;
                    let centre = r
                        .face_centre()
                        .map(|(x, y)| t.transform.map_point([x / t.scale, y / t.scale], w, h))
                        .map(|[x, y]| (x, y));
                    (t.bytes, centre)
                }
            };
            let t = Instant::now();
            let search = vision::image_io::decode(&bytes, opts.max_pixels)
                .and_then(|decoded| reader.find_portrait(det, &decoded, &opts))
                .ok();
            let got = search
                .as_ref()
                .and_then(|s| s.portrait.as_ref())
                .map(|p| [p.face.x, p.face.y, p.face.w, p.face.h]);
            let path = search.as_ref().map_or(SearchPath::NotFound, |s| s.path());
            face_quick += u32::from(path == SearchPath::Quick);
            face_times.add(path, t.elapsed());
            match (truth_centre, got) {
                (Some((cx, cy)), got) => {
                    face_total += 1;
                    let hit = got.is_some_and(|[gx, gy, gw, gh]| {
                        cx >= gx && cx <= gx + gw && cy >= gy && cy <= gy + gh
                    });
                    face_hits += u32::from(hit);
                    if !hit {
                        misses.push(format!(
                            "{}: face {:?} misses the truth centre",
                            r.file, got
                        ));
                    }
                }
                (None, Some(b)) => {
                    face_false += 1;
                    misses.push(format!(
                        "{}: face {b:?} on an image without a portrait",
                        r.file
                    ));
                }
                (None, None) => {}
            }
        }
        let got: Vec<String> = report
            .mrz
            .as_ref()
            .and_then(|m| m["lines"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l.as_str().map(str::to_owned))
            .collect();
        if r.mrz_lines.is_empty() {
            negatives += 1;
            if !got.is_empty() {
                neg_false += 1;
                misses.push(format!("{}: negative read as {:?}", r.file, got));
            }
            continue;
        }
        with_mrz += 1;
        let ok = got == r.mrz_lines;
        exact += u32::from(ok);
        let t = by_type
            .entry(r.document_type.split(' ').next().unwrap_or("").to_owned())
            .or_default();
        t.0 += u32::from(ok);
        t.1 += 1;
        let folder = Path::new(&r.file)
            .parent()
            .and_then(|p| p.strip_prefix("shared/data/real").ok().or(Some(p)))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let f = by_folder.entry(folder).or_default();
        f.0 += u32::from(ok);
        f.1 += 1;
        for (axis, bucket) in &r.factors {
            let f = by_factor
                .entry(axis.clone())
                .or_default()
                .entry(bucket.clone())
                .or_default();
            f.0 += u32::from(ok);
            f.1 += 1;
        }
        let key = r.mrz_lines.join("\n");
        let e = by_doc.entry(key).or_insert(true);
        *e &= ok;
        let truth = r.mrz_lines.join("\n");
        char_errors += edit_distance(&got.join("\n"), &truth);
        char_total += truth.len();
        if let Some(m) = &report.mrz {
            valid_total += 1;
            let expect_valid = r.expected_outcome.starts_with("valid");
            if m["valid"].as_bool() == Some(expect_valid) {
                valid_right += 1;
            }
            if m["valid"].as_bool() == Some(true) && !ok {
                valid_not_exact += 1;
            }
        }
        if !ok {
            misses.push(format!("{}: got {:?} want {:?}", r.file, got, r.mrz_lines));
        }
        if per_image {
            let st = &report.stages;
            eprintln!(
                "{} {} {:.1} ms (decode {:.1}, detect {:.1}, recognise {:.1} of which model {:.1} in {} runs)",
                if ok { "ok  " } else { "MISS" },
                r.file,
                report.elapsed_ms,
                st.decode_ms,
                st.detect_ms,
                st.recognise_ms,
                st.model_ms,
                st.model_runs
            );
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let docs_exact = by_doc.values().filter(|&&v| v).count();
    let mut document = boundaries.summary();
    document["placed_page_bottom_inside_edges_mm"] = placements.summary();
    let summary = json!({
        "images_with_mrz": with_mrz,
        "exact_images": exact,
        "distinct_documents": by_doc.len(),
        "exact_documents": docs_exact,
        "by_type": by_type.iter().map(|(k, (a, b))| (k.clone(), json!(format!("{a}/{b}")))).collect::<serde_json::Map<_, _>>(),
        "by_folder": by_folder.iter().map(|(k, (a, b))| (k.clone(), json!([a, b]))).collect::<serde_json::Map<_, _>>(),
        // Exact reads per axis and bucket of the images' `factors` (the synthetic challenge set).
        "by_factor": by_factor.iter().map(|(axis, buckets)| {
            (axis.clone(), buckets.iter().map(|(k, (a, b))| (k.clone(), json!(format!("{a}/{b}")))).collect::<serde_json::Map<_, _>>().into())
        }).collect::<serde_json::Map<_, Value>>(),
        "char_error_rate": if char_total > 0 { char_errors as f64 / char_total as f64 } else { 0.0 },
        "validity_flag_right": format!("{valid_right}/{valid_total}"),
        "valid_but_not_exact": valid_not_exact,
        "faces_found": if faces.is_some() { json!(format!("{face_hits}/{face_total}")) } else { Value::Null },
        "faces_on_images_without_portrait": if faces.is_some() { json!(face_false) } else { Value::Null },
        // Portraits found on the page `locate` placed, without reading the MRZ in full.
        "faces_found_without_full_read": if faces.is_some() { json!(face_quick) } else { Value::Null },
        "face_extraction_median_ms": if faces.is_some() { face_times.summary() } else { Value::Null },
        "negatives": negatives,
        "negatives_with_mrz": neg_false,
        "document": document,
        "transform": transform,
        // Of the images read both before and after the transform.
        "tilt_within_5_degrees": transform.map(|_| format!("{tilt_right}/{geometry_total}")),
        "mirrored_right": transform.map(|_| format!("{mirror_right}/{geometry_total}")),
        "median_ms": pct(0.5),
        "p90_ms": pct(0.9),
        "stage_median_ms": {
            "decode": median(stages.iter().map(|s| s.decode_ms)),
            "detect": median(stages.iter().map(|s| s.detect_ms)),
            "recognise_and_parse": median(stages.iter().map(|s| s.recognise_ms)),
            "of_which_line_model": median(stages.iter().map(|s| s.model_ms)),
            "model_runs": median(stages.iter().map(|s| f64::from(s.model_runs))),
        },
        "misses": misses,
    });
    Ok(summary)
}

/// An image as `eval --transform` changed it, for scoring faces on it.
struct Transformed {
    /// The changed image, encoded.
    bytes: Vec<u8>,
    transform: Transform,
    /// The size of the decoded image it was made from, and that image's displayed pixels
    /// per pixel.
    size: (u32, u32),
    scale: f32,
}

/// How well `eval` finds documents: `detected` on images with an MRZ and on those
/// without, and, where the truth gives the document's corners and all lie inside the
/// image, whether the quad found from its edges has every corner within 3% of the
/// document's diagonal (#6's measure).
#[derive(Default)]
struct BoundaryScore {
    detected_with_mrz: u32,
    with_mrz: u32,
    detected_without_mrz: u32,
    without_mrz: u32,
    scored: u32,
    from_edges: u32,
    within_3_percent: u32,
    /// Of the scored documents, those whose quad as answered (from the edges where found,
    /// else the page the MRZ places) has every corner within 3%.
    answered_within_3_percent: u32,
}

impl BoundaryScore {
    /// Scores one image; for a scored document whose corners were not found within 3%,
    /// says how they were missed.
    fn add(&mut self, truth: &Truth, doc: &vision::DocumentInfo) -> Option<String> {
        if truth.mrz_lines.is_empty() {
            self.without_mrz += 1;
            self.detected_without_mrz += u32::from(doc.detected);
            return None;
        }
        self.with_mrz += 1;
        self.detected_with_mrz += u32::from(doc.detected);
        let want = truth.document_quad_xy?;
        let (w, h) = (truth.image_width, truth.image_height);
        if !want
            .iter()
            .all(|&[x, y]| x >= 0.0 && y >= 0.0 && x <= w && y <= h)
        {
            return None;
        }
        self.scored += 1;
        let off_by = |got: &vision::geom::Quad| vision::boundary::matched(got, &want).1;
        self.answered_within_3_percent +=
            u32::from(doc.quad.as_ref().is_some_and(|q| off_by(q) <= 0.03));
        let Some(got) = doc
            .quad
            .filter(|_| doc.quad_from == Some(vision::QuadFrom::Edges))
        else {
            return Some("no edges found".into());
        };
        self.from_edges += 1;
        let off = off_by(&got);
        self.within_3_percent += u32::from(off <= 0.03);
        (off > 0.03).then(|| format!("a corner {:.1}% of the diagonal off", 100.0 * off))
    }

    fn summary(&self) -> Value {
        json!({
            "detected_with_mrz": format!("{}/{}", self.detected_with_mrz, self.with_mrz),
            "detected_without_mrz": format!("{}/{}", self.detected_without_mrz, self.without_mrz),
            "boundary_scored": self.scored,
            "boundary_found": self.from_edges,
            "corners_within_3_percent": format!("{}/{}", self.within_3_percent, self.scored),
            "answered_quad_within_3_percent": format!("{}/{}", self.answered_within_3_percent, self.scored),
        })
    }
}

/// Where the page an MRZ places ([`vision::geom::page_quad`]) lies against the document's
/// own edges, on images where both are found: per format, how far the placed page's
/// bottom side lies inside the edges' (millimetres, negative outside). Only edges of the
/// format's page shape count (width over height within 5% of it): other quads are a
/// booklet's spread, a cover or a side taken from the placed page itself. This checks the
/// heights at which [`vision::reader::page_size`] sets each format's MRZ.
#[derive(Default)]
struct MrzPlacementScore {
    by_format: std::collections::BTreeMap<String, Vec<f64>>,
}

impl MrzPlacementScore {
    /// Reads `bytes` again without the edge search for the placed page, and adds its
    /// offset from `edges` (the first read's document, its quad from the edges).
    fn add(
        &mut self,
        reader: &Reader,
        bytes: &[u8],
        opts: &ReadOptions,
        edges: &vision::DocumentInfo,
    ) {
        let placed_only = ReadOptions {
            find_document: false,
            ..opts.clone()
        };
        let Ok(reading) = reader.read_bytes(bytes, &placed_only) else {
            return;
        };
        let (Some(mrz), Some(placed), Some(found)) =
            (reading.mrz.as_ref(), reading.document.quad, edges.quad)
        else {
            return;
        };
        let page = vision::reader::page_size(mrz.format);
        let dist = |a: [f32; 2], b: [f32; 2]| f64::from((a[0] - b[0]).hypot(a[1] - b[1]));
        let height = 0.5 * (dist(found[0], found[3]) + dist(found[1], found[2]));
        let width = 0.5 * (dist(found[0], found[1]) + dist(found[3], found[2]));
        let aspect = width / height.max(1.0) / f64::from(page.w_mm / page.h_mm);
        if !(0.95..=1.05).contains(&aspect) {
            return;
        }
        // The bottom sides run from corner 2 to corner 3 (reading order); inward is
        // towards the top side.
        let (a, b) = (found[2], found[3]);
        let along = [f64::from(b[0] - a[0]), f64::from(b[1] - a[1])];
        let len = along[0].hypot(along[1]).max(1e-6);
        let mut normal = [-along[1] / len, along[0] / len];
        let top = [
            0.5 * (found[0][0] + found[1][0]),
            0.5 * (found[0][1] + found[1][1]),
        ];
        let from_a = |p: [f32; 2]| [f64::from(p[0] - a[0]), f64::from(p[1] - a[1])];
        if from_a(top)[0] * normal[0] + from_a(top)[1] * normal[1] < 0.0 {
            normal = [-normal[0], -normal[1]];
        }
        let mid = [
            0.5 * (placed[2][0] + placed[3][0]),
            0.5 * (placed[2][1] + placed[3][1]),
        ];
        let inside_px = from_a(mid)[0] * normal[0] + from_a(mid)[1] * normal[1];
        let px_per_mm = height / f64::from(page.h_mm);
        self.by_format
            .entry(format!("{:?}", mrz.format))
            .or_default()
            .push(inside_px / px_per_mm);
    }

    fn summary(&self) -> Value {
        self.by_format
            .iter()
            .map(|(format, offsets)| {
                let summary = json!({
                    "pages": offsets.len(),
                    "median_mm": median(offsets.iter().copied()),
                });
                (format.clone(), summary)
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// What `eval_covered_mrz` does to each page's MRZ.
#[derive(Clone, Copy, PartialEq)]
enum MrzDamage {
    /// `covermrz`: painted over with white.
    Cover,
    /// `cutmrz`: the image cut straight across the page there.
    Cut,
    /// `holding`: painted over, and the page shown beside a person.
    CoverBesidePerson,
}

/// `eval --transform covermrz`, `cutmrz` and `holding`: each image with a portrait in the
/// ground truth, its page placed by a read of the original, the MRZ covered with white
/// (the page's bottom 32%, TD3's MRZ zone and a margin) or cut off there, then searched for
/// the portrait as faceExtraction does. With `holding`, the covered page is shown beside a
/// person: the next image's portrait, cut out around its face and scaled so that its face
/// is [`PERSON_FACE_SCALE`] times this page's ([`crate::transform::beside_person`]).
/// Scores the face centres found and counts pages whose MRZ still reads.
fn eval_covered_mrz(
    reader: &Reader,
    faces: &vision::face::FaceDetector,
    gt_path: &Path,
    damage: MrzDamage,
) -> anyhow::Result<Value> {
    let (root, records) = load_ground_truth(gt_path)?;
    let opts = ReadOptions::default();
    let decode = |r: &Truth| -> anyhow::Result<vision::image_io::Decoded> {
        let bytes = std::fs::read(root.join(&r.file))?;
        Ok(vision::image_io::decode(&bytes, opts.max_pixels)?)
    };
    let with_face: Vec<&Truth> = records
        .iter()
        .filter(|r| r.face_centre().is_some())
        .collect();
    let (mut total, mut hits, mut still_read) = (0, 0, 0);
    let mut misses = Vec::new();
    let mut times = FaceTimes::default();
    for (i, r) in with_face.iter().enumerate() {
        let decoded = decode(r)?;
        let original = reader.read_decoded(&decoded, &opts)?;
        let Some(quad) = original.document.quad.filter(|_| original.mrz.is_some()) else {
            continue;
        };
        total += 1;
        let mut img = decoded.color.to_rgb8();
        // Ground truth and quad are in displayed pixels; the decoded image may be reduced.
        let quad = quad.map(|corner| corner.map(|v| v / decoded.scale));
        let (mut cx, mut cy) = r
            .face_centre()
            .map(|(x, y)| (x / decoded.scale, y / decoded.scale))
            .unwrap_or_default();
        if damage == MrzDamage::Cut {
            let (cut, at) = crate::transform::cut_page_bottom(&img, &quad, 0.68);
            (img, cx, cy) = (cut, cx - at[0] as f32, cy - at[1] as f32);
        } else {
            crate::transform::cover_page_bottom(&mut img, &quad, 0.68);
        }
        if damage == MrzDamage::CoverBesidePerson {
            let other = with_face[(i + 1) % with_face.len()];
            let person = decode(other)?;
            let (photo, photo_face) = cut_out_portrait(other, &person);
            let page_face = truth_face_height(r) / decoded.scale;
            let height = photo.height() as f32 * PERSON_FACE_SCALE * page_face / photo_face;
            let (scene, at) = crate::transform::beside_person(&img, &photo, height.round() as u32);
            (img, cx, cy) = (scene, cx + at[0] as f32, cy + at[1] as f32);
        }
        let covered = vision::image_io::decode(&encode_png(&img)?, opts.max_pixels)?;
        if let Some(m) = reader.read_decoded(&covered, &opts)?.mrz {
            still_read += 1;
            misses.push(format!(
                "{}: MRZ still read under the cover or past the cut: {:?} valid {}",
                r.file, m.lines, m.valid
            ));
        }
        let t = Instant::now();
        let search = reader.find_portrait(faces, &covered, &opts)?;
        times.add(search.path(), t.elapsed());
        let found = search.portrait.map(|p| p.face);
        let hit = found.is_some_and(|f| f.contains(cx, cy));
        hits += u32::from(hit);
        if !hit {
            misses.push(format!(
                "{}: {:?}",
                r.file,
                found.map(|f| [f.x, f.y, f.w, f.h])
            ));
        }
    }
    Ok(json!({
        "transform": match damage {
            MrzDamage::Cover => "covermrz",
            MrzDamage::Cut => "cutmrz",
            MrzDamage::CoverBesidePerson => "holding",
        },
        "faces_found": format!("{hits}/{total}"),
        "mrz_still_read": still_read,
        // The search on the covered page, from its decoded pixels.
        "face_extraction_median_ms": times.summary(),
        "misses": misses,
    }))
}

/// How much larger than the printed portrait's face the person's face is in `eval
/// --transform holding`: a document held up beside the face at arm's length shows a
/// portrait of a third to a half of the live face's height.
const PERSON_FACE_SCALE: f32 = 2.0;

/// The tilt (degrees counterclockwise, 0..360) a transformed document should read at: the
/// original's `doc.tilt` plus the transform's turn. A perspective warp turns the page too,
/// by up to about 12 degrees where it pulls one top corner in and not the other: there the
/// original reading direction is carried through the warp at the middle of the page's last
/// side as it reads (where the MRZ runs). `size` is the decoded image's, whose pixels are
/// `scale` displayed pixels (the document's coordinates are displayed pixels).
fn expected_tilt(t: Transform, doc: &vision::DocumentInfo, size: (u32, u32), scale: f32) -> f32 {
    let (Transform::Perspective { .. }, Some(q)) = (t, doc.reading_quad()) else {
        return (doc.tilt + t.added_tilt()).rem_euclid(360.0);
    };
    let at = [
        0.5 * (q[2][0] + q[3][0]) / scale,
        0.5 * (q[2][1] + q[3][1]) / scale,
    ];
    let step = 0.1 * size.0.max(size.1) as f32;
    // The reading direction in the image (y down); a mirrored page reads right to left.
    let (sin, cos) = doc.tilt.to_radians().sin_cos();
    let flip = if doc.mirrored { -1.0 } else { 1.0 };
    let ahead = [at[0] + flip * cos * step, at[1] - sin * step];
    let (a, b) = (
        t.map_point(at, size.0, size.1),
        t.map_point(ahead, size.0, size.1),
    );
    let (dx, dy) = (flip * (b[0] - a[0]), b[1] - a[1]);
    (-dy).atan2(dx).to_degrees().rem_euclid(360.0)
}

/// The height of an image's true face box in displayed pixels.
fn truth_face_height(r: &Truth) -> f32 {
    let [_, _, w, h] = r.face_box_xywh_stored_pixels.unwrap_or_default();
    // EXIF orientations 5 to 8 turn the stored box a quarter.
    if r.exif_orientation.unwrap_or(1) >= 5 {
        w
    } else {
        h
    }
}

/// A passport-photo cut of an image's true face (1.6 face widths by 2.2 heights, clipped
/// to the image), and the face's height in it, in decoded pixels.
fn cut_out_portrait(r: &Truth, decoded: &vision::image_io::Decoded) -> (image::RgbImage, f32) {
    let img = decoded.color.to_rgb8();
    let (cx, cy) = r.face_centre().unwrap_or_default();
    let (cx, cy) = (cx / decoded.scale, cy / decoded.scale);
    let fh = truth_face_height(r) / decoded.scale;
    let (w, h) = (img.width() as f32, img.height() as f32);
    let x0 = (cx - 0.8 * fh).clamp(0.0, w - 1.0);
    let y0 = (cy - 1.1 * fh).clamp(0.0, h - 1.0);
    let x1 = (cx + 0.8 * fh).clamp(x0 + 1.0, w);
    let y1 = (cy + 1.1 * fh).clamp(y0 + 1.0, h);
    let cut = image::imageops::crop_imm(
        &img,
        x0 as u32,
        y0 as u32,
        (x1 - x0) as u32,
        (y1 - y0) as u32,
    );
    (cut.to_image(), fh.max(1.0))
}

/// faceExtraction's times, apart by the path the portrait search took: the quick look
/// must stay fast, the whole-image search may take longer, and images without a
/// portrait run every look.
#[derive(Default)]
struct FaceTimes {
    by_path: std::collections::BTreeMap<SearchPath, Vec<f64>>,
}

impl FaceTimes {
    fn add(&mut self, path: SearchPath, took: std::time::Duration) {
        self.by_path
            .entry(path)
            .or_default()
            .push(took.as_secs_f64() * 1000.0);
    }

    /// Median milliseconds and count per path, and the median of all portraits found.
    fn summary(&self) -> Value {
        let found: Vec<f64> = self
            .by_path
            .iter()
            .filter(|(p, _)| **p != SearchPath::NotFound)
            .flat_map(|(_, t)| t.iter().copied())
            .collect();
        let mut out = serde_json::Map::new();
        out.insert("portrait_found".into(), json!(median(found)));
        for (path, times) in &self.by_path {
            out.insert(
                path.name().into(),
                json!({"median": median(times.clone()), "images": times.len()}),
            );
        }
        out.into()
    }
}

fn encode_png(img: &image::RgbImage) -> anyhow::Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// The folder that the ground truth's `file` paths are relative to: the first ancestor
/// of the ground-truth file under which `sample` exists.
fn find_root(gt_path: &Path, sample: Option<&str>) -> Option<PathBuf> {
    let sample = sample?;
    let abs = std::fs::canonicalize(gt_path).ok()?;
    abs.ancestors()
        .skip(1)
        .find(|a| a.join(sample).exists())
        .map(Path::to_path_buf)
}

/// The median of some milliseconds (0 when there are none).
fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `bench`: times each stage of a read on the synthetic pages in `dir` (each page as is,
/// turned by 90 and 33 degrees, and mirrored), `rounds` times, on the calling thread.
/// Prints the median milliseconds per page for each stage.
pub fn cmd_bench(
    reader: &Reader,
    faces: &vision::face::FaceDetector,
    dir: &Path,
    rounds: usize,
) -> anyhow::Result<Value> {
    use image::imageops;
    let mut pages: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("png") {
            continue;
        }
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let img = image::open(&path)?.to_rgb8();
        let variants = [
            ("", image::DynamicImage::ImageRgb8(img.clone())),
            (
                "_rot90",
                image::DynamicImage::ImageRgb8(imageops::rotate90(&img)),
            ),
            (
                "_mirror",
                image::DynamicImage::ImageRgb8(imageops::flip_horizontal(&img)),
            ),
        ];
        for (suffix, v) in variants {
            let mut buf = std::io::Cursor::new(Vec::new());
            v.write_to(&mut buf, image::ImageFormat::Jpeg)?;
            pages.push((format!("{name}{suffix}.jpg"), buf.into_inner()));
        }
    }
    anyhow::ensure!(!pages.is_empty(), "no PNG pages in {}", dir.display());
    let opts = ReadOptions::default();
    let (mut decode, mut detect, mut read, mut model, mut total, mut runs) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut face_times = FaceTimes::default();
    for _ in 0..rounds.max(1) {
        for (_, bytes) in &pages {
            let t0 = Instant::now();
            let reading = reader.read_bytes(bytes, &opts)?;
            let t2 = Instant::now();
            decode.push(reading.timings.decode_ms);
            detect.push(reading.timings.detect_ms);
            read.push(reading.timings.recognise_ms);
            model.push(reading.timings.model_ms);
            runs.push(f64::from(reading.timings.model_runs));
            total.push((t2 - t0).as_secs_f64() * 1e3);
            // Face extraction as faceExtraction runs it, from the page's bytes.
            let t3 = Instant::now();
            let decoded = vision::image_io::decode(bytes, opts.max_pixels)?;
            let search = reader.find_portrait(faces, &decoded, &opts)?;
            face_times.add(search.path(), t3.elapsed());
        }
    }
    Ok(json!({
        "pages": pages.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
        "rounds": rounds,
        "median_ms": {
            "decode": median(decode),
            "detect": median(detect),
            "recognise_and_parse": median(read),
            "of_which_line_model": median(model),
            "whole_read": median(total),
            "model_runs_per_page": median(runs),
        },
        "face_extraction_median_ms": face_times.summary(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(tilt: f32) -> vision::DocumentInfo {
        vision::DocumentInfo {
            detected: true,
            quad: Some([
                [100.0, 100.0],
                [500.0, 100.0],
                [500.0, 400.0],
                [100.0, 400.0],
            ]),
            quad_from: Some(vision::QuadFrom::Mrz),
            tilt,
            mirrored: false,
        }
    }

    #[test]
    fn a_perspective_warp_turns_the_tilt_expected_with_the_page() {
        let size = (600, 500);
        // Lines stay lines under a perspective warp: the page's last side, carried through
        // it, runs at the tilt expected for text along it.
        for seed in 0..8 {
            let t = Transform::Perspective { seed };
            let a = t.map_point([100.0, 400.0], size.0, size.1);
            let b = t.map_point([500.0, 400.0], size.0, size.1);
            let side = (a[1] - b[1])
                .atan2(b[0] - a[0])
                .to_degrees()
                .rem_euclid(360.0);
            let want = expected_tilt(t, &page(0.0), size, 1.0);
            let d = (want - side).rem_euclid(360.0);
            assert!(d.min(360.0 - d) < 0.5, "seed {seed}: {want} against {side}");
        }
        // Some warp of these turns the page by more than a degree, which the tilt follows.
        assert!((0..8).any(|seed| {
            let d = expected_tilt(Transform::Perspective { seed }, &page(0.0), size, 1.0);
            d.min(360.0 - d) > 1.0
        }));
        let turned = expected_tilt(Transform::Rotate { degrees: 30.0 }, &page(350.0), size, 1.0);
        assert!((turned - 20.0).abs() < 1e-3, "{turned}");
    }
}
