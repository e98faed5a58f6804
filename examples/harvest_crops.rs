//! Training aid: runs the reader over synthetic pages with known MRZ text and keeps every
//! line crop it hands the line model that can be matched to a printed line, labelled with
//! that line. The crops are exactly what the model sees in use (the detector's geometry,
//! the second look's framings, the ink view, mirrored and turned pages), which the line
//! generator (`training/mrzgen.py`) only imitates. `training/train.py --harvest FILE`
//! mixes them into training.
//!
//! `cargo run --release --example harvest_crops -- GROUND_TRUTH.json BASE_DIR OUT.bin [MODEL.onnx] [--tiny]`
//!
//! With `--tiny`, each page with characters of 9 px or more is instead read once, scaled so
//! that its characters are 5.5 to 8.5 px and then put through the low-quality transform
//! (0.6x, blur, JPEG 40): characters of 3.3 to 5.1 px, the size of a passport in a web
//! thumbnail, which the other passes never reach.
//!
//! Pages whose `factors.font` starts with `heldout` are skipped, so faces held out of
//! training stay held out. Never run it on `../shared/data/real` (those images must stay
//! out of training: the README's leave-one-source-out argument rests on it).
//!
//! Output: records of `u16` width (little-endian), `u8` label length, the label (ASCII),
//! then `32 * width` bytes of the crop (row-major, 0 = ink, 255 = paper).

use std::io::Write;
use std::sync::{Arc, Mutex};

use passport_vision::cli::edit_distance;
use passport_vision::transform::Transform;
use passport_vision::vision::recognize::{Frames, CROP_H};
use passport_vision::vision::runtime::{LineModel, ModelError, Prediction, RtenLineModel};
use passport_vision::vision::{ReadOptions, Reader};

/// Crops kept per printed line and page at most (the second look alone makes six).
const PER_LINE: usize = 8;

/// The `--tiny` pass's character heights before the low-quality transform, in pixels.
const TINY_CHAR_PX: (f64, f64) = (5.5, 8.5);

/// One crop the reader asked the model about, with the model's greedy reading.
struct Seen {
    width: usize,
    pixels: Vec<u8>,
    greedy: String,
}

/// Wraps the real model and records every crop of every batch.
struct Recorder {
    inner: RtenLineModel,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl LineModel for Recorder {
    fn predict(
        &self,
        input: Vec<f32>,
        batch: usize,
        width: usize,
    ) -> Result<Prediction, ModelError> {
        let pred = self.inner.predict(input.clone(), batch, width)?;
        let mut seen = self.seen.lock().unwrap();
        for b in 0..batch {
            let crop = &input[b * CROP_H * width..(b + 1) * CROP_H * width];
            // The batch pads narrower crops with paper on the right; trim it back.
            let mut own = width;
            while own > 8 && (0..CROP_H).all(|j| crop[j * width + own - 1] >= 1.0) {
                own -= 1;
            }
            let own = own.div_ceil(4) * 4;
            let mut pixels = Vec::with_capacity(CROP_H * own);
            for j in 0..CROP_H {
                pixels.extend(
                    crop[j * width..j * width + own]
                        .iter()
                        .map(|v| (v * 255.0).round() as u8),
                );
            }
            let frames = (own / 4).min(pred.frames);
            let start = b * pred.frames * pred.classes;
            let greedy = Frames {
                probs: pred.probs[start..start + frames * pred.classes].to_vec(),
                frames,
                classes: pred.classes,
            }
            .greedy_text();
            seen.push(Seen {
                width: own,
                pixels,
                greedy,
            });
        }
        Ok(pred)
    }
}

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().collect();
    let tiny = args.iter().any(|a| a == "--tiny");
    args.retain(|a| a != "--tiny");
    let (gt, base, out, model) = match args.as_slice() {
        [_, g, b, o] => (g, b, o, "models/mrz_line_crnn.onnx"),
        [_, g, b, o, m] => (g, b, o, m.as_str()),
        _ => anyhow::bail!(
            "usage: harvest_crops GROUND_TRUTH.json BASE_DIR OUT.bin [MODEL] [--tiny]"
        ),
    };
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(gt)?)?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reader = Reader::new(Box::new(Recorder {
        inner: RtenLineModel::load(std::path::Path::new(model))?,
        seen: seen.clone(),
    }));
    let mut out = std::io::BufWriter::new(std::fs::File::create(out)?);
    let (mut pages, mut kept, mut wrong) = (0, 0, 0);
    let images = truth["images"].as_array().cloned().unwrap_or_default();
    for page in &images {
        let font = page["factors"]["font"].as_str().unwrap_or("");
        let lines: Vec<&str> = page["mrz_lines"]
            .as_array()
            .map(|a| a.iter().filter_map(|l| l.as_str()).collect())
            .unwrap_or_default();
        if font.starts_with("heldout") || lines.is_empty() {
            continue;
        }
        let file = std::path::Path::new(base).join(page["file"].as_str().unwrap_or(""));
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let char_px = page["char_px"].as_f64().unwrap_or(0.0);
        let passes = if tiny {
            if char_px < 9.0 {
                continue;
            }
            let Ok(img) = image::load_from_memory(&bytes) else {
                continue;
            };
            // A fixed spread over the range (golden-ratio steps), so reruns match.
            let t = (pages as f64 * 0.618_034).fract();
            let scale = (TINY_CHAR_PX.0 + t * (TINY_CHAR_PX.1 - TINY_CHAR_PX.0)) / char_px;
            let (w, h) = (img.width() as f64 * scale, img.height() as f64 * scale);
            let small = img.to_rgb8();
            let small = image::imageops::resize(
                &small,
                w.round().max(16.0) as u32,
                h.round().max(16.0) as u32,
                image::imageops::FilterType::Triangle,
            );
            vec![Transform::LowQuality.apply(&small)]
        } else {
            let mut passes = vec![bytes];
            // Pages with characters of 9 px or more are also read after the low-quality
            // transform (0.6x, blur, JPEG 40), which takes them to 5.4 px and up: the small,
            // soft print of web images, which the synthetic set has little of.
            if char_px >= 9.0 {
                if let Ok(img) = image::load_from_memory(&passes[0]) {
                    passes.push(Transform::LowQuality.apply(&img.to_rgb8()));
                }
            }
            passes
        };
        pages += 1;
        for bytes in &passes {
            seen.lock().unwrap().clear();
            let _ = reader.read_bytes(bytes, &ReadOptions::default());
            let (k, w) = harvest(&seen.lock().unwrap(), &lines, tiny, &mut out)?;
            kept += k;
            wrong += w;
        }
        if pages % 200 == 0 {
            eprintln!("{pages} pages, {kept} crops ({wrong} misread)");
        }
    }
    out.flush()?;
    eprintln!("{pages} pages, {kept} crops ({wrong} misread by the model)");
    Ok(())
}

/// Writes the crops of one read that match a printed line; returns how many it kept and
/// how many of those the model misread. `tiny` crops may be read up to a third wrong (a
/// quarter otherwise): at 3 to 5 px the model being taught misreads more, and the printed
/// lines of one page differ in far more than a third of their characters, so the match
/// stays unambiguous.
fn harvest(
    seen: &[Seen],
    lines: &[&str],
    tiny: bool,
    out: &mut impl Write,
) -> std::io::Result<(usize, usize)> {
    let max_wrong = if tiny { 3 } else { 4 };
    let (mut kept, mut wrong) = (0, 0);
    let mut per_line = vec![0usize; lines.len()];
    for s in seen {
        let g = s.greedy.as_bytes();
        let best = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (edit_distance(&s.greedy, l), i))
            .min();
        let Some((dist, i)) = best else { continue };
        let label = lines[i].as_bytes();
        // A crop of the whole line (not the probe's middle, not a neighbour's, not one
        // cut short), read at most a quarter (a third) wrong.
        if g.len().abs_diff(label.len()) > 1
            || dist * max_wrong > label.len()
            || per_line[i] >= PER_LINE
        {
            continue;
        }
        per_line[i] += 1;
        kept += 1;
        wrong += usize::from(dist > 0);
        out.write_all(&(s.width as u16).to_le_bytes())?;
        out.write_all(&[label.len() as u8])?;
        out.write_all(label)?;
        out.write_all(&s.pixels)?;
    }
    Ok((kept, wrong))
}
