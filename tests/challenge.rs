//! The reader on synthetic documents it was never tuned on: `training/challenge.py` renders
//! a fixed, seeded set of pages (fonts, letter pitch, sizes, blur and compression, stamps,
//! pen strokes, marker circles, SPECIMEN prints, two documents in one photo, any rotation,
//! mirror, perspective on clutter) and the reader must keep the floors below on it, and
//! read nothing on the pages without an MRZ.
//!
//! The set is generated into `target/challenge-ci/` (python3 with numpy and Pillow, and
//! the Debian font packages `.ci/run` installs). Without them the test says so and skips,
//! except under CI (`CI` set), where it fails: CI must measure the committed model.

mod common;

use std::path::PathBuf;
use std::process::Command;

use passport_vision::vision::ReadOptions;

/// Pages in the CI set, and its seed (the README's figures use the default 480 pages of
/// the same seed).
const PAGES: &str = "160";
const SEED: &str = "20261206";

/// The CI set's ground truth ([`generated`]).
fn challenge_set() -> Option<PathBuf> {
    generated("target/challenge-ci", &["--n", PAGES, "--seed", SEED])
}

/// The ground truth of pages `training/challenge.py` renders with `args` into `dir` (under
/// the repository), rendering them when they are missing or older than the generator;
/// None (after saying why) when they cannot be rendered here.
fn generated(dir: &str, args: &[&str]) -> Option<PathBuf> {
    let dir = common::repo_path(dir);
    let gt = dir.join("ground-truth.json");
    let script = common::repo_path("training/challenge.py");
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&gt), modified(&script)) {
        (Some(g), Some(s)) => g >= s,
        _ => false,
    };
    if fresh {
        return Some(gt);
    }
    let out = Command::new("python3")
        .arg(&script)
        .args(["--out", dir.to_str()?])
        .args(args)
        .output();
    match out {
        Ok(o) if o.status.success() => Some(gt),
        other => {
            let why = match other {
                Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must generate the challenge set: {why}"
            );
            eprintln!("skipping: the challenge set cannot be generated here ({why})");
            None
        }
    }
}

/// `"a/b"` as (a, b).
fn ratio(v: &serde_json::Value) -> (u32, u32) {
    let s = v.as_str().expect("a/b");
    let (a, b) = s.split_once('/').expect("a/b");
    (a.parse().unwrap(), b.parse().unwrap())
}

#[test]
fn the_reader_keeps_its_floors_on_the_synthetic_challenge_set() {
    let Some(gt) = challenge_set() else { return };
    let s = passport_vision::cli::cmd_eval(common::reader(), None, &gt, false, None)
        .expect("eval runs");
    eprintln!("{}", serde_json::to_string_pretty(&s["by_factor"]).unwrap());
    assert_eq!(
        s["negatives_with_mrz"], 0,
        "pages without an MRZ read as one"
    );
    let exact = s["exact_images"].as_u64().unwrap() as f64;
    let total = s["images_with_mrz"].as_u64().unwrap() as f64;
    // Floors: the committed model's measured figures less a margin of a few pages (see
    // README, "Accuracy and speed"); raise them with the model, never lower them quietly.
    assert!(exact / total >= FLOOR_ALL, "{exact}/{total} exact");
    let (ok, n) = ratio(&s["by_factor"]["font"]["ocrb"]);
    assert!(
        f64::from(ok) / f64::from(n) >= FLOOR_OCRB,
        "OCR-B pages: {ok}/{n} exact"
    );
    let (ok, n) = ratio(&s["by_factor"]["overprint"]["none"]);
    assert!(
        f64::from(ok) / f64::from(n) >= FLOOR_CLEAN_PRINT,
        "pages without overprint: {ok}/{n} exact"
    );
    // The document's own edges (#6): every corner within 3% of the diagonal.
    let (ok, n) = ratio(&s["document"]["corners_within_3_percent"]);
    assert!(
        f64::from(ok) / f64::from(n) >= FLOOR_CORNERS,
        "documents whose corners were found within 3%: {ok}/{n}"
    );
    // The quad as answered: the edges where found, else the page the MRZ places.
    let (ok, n) = ratio(&s["document"]["answered_quad_within_3_percent"]);
    assert!(
        f64::from(ok) / f64::from(n) >= FLOOR_ANSWERED_QUAD,
        "documents whose answered quad is within 3%: {ok}/{n}"
    );
    let (detected, n) = ratio(&s["document"]["detected_without_mrz"]);
    assert_eq!(
        detected, 0,
        "pages without an MRZ detected as documents, of {n}"
    );
}

/// Pages of another seed of the generator (9595 of 2400 pages, rendered one by one) whose
/// two 44-character lines the detector ends short, where a pen stroke merges glyphs or a
/// stamp or uneven light fades the fillers: five visas (MRV-A) and a passport. Their first
/// 36 characters parse as an MRV-B or a TD2, whose checks end before them; until session
/// 18 the five read as valid MRV-Bs and the passport as an invalid TD2
/// (`Reader::seen_as_44`).
const CUT_SHORT: [&str; 6] = ["236", "445", "509", "541", "897", "1243"];

#[test]
fn lines_cut_short_of_44_characters_read_as_the_document_they_are() {
    let mut exact = 0;
    for page in CUT_SHORT {
        let dir = format!("target/challenge-cut-short/{page}");
        let args = ["--n", "2400", "--seed", "9595", "--only", page];
        let Some(gt) = generated(&dir, &args) else {
            return;
        };
        let truth: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&gt).unwrap()).unwrap();
        let truth = &truth["images"][0];
        let want: Vec<&str> = truth["mrz_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let image = gt.parent().unwrap().parent().unwrap();
        let bytes = std::fs::read(image.join(truth["file"].as_str().unwrap())).unwrap();
        let reading = common::reader()
            .read_bytes(&bytes, &ReadOptions::default())
            .unwrap();
        let mrz = reading.mrz.unwrap_or_else(|| panic!("page {page}: no MRZ"));
        let lengths: Vec<usize> = mrz.lines.iter().map(String::len).collect();
        assert_eq!(lengths, [44, 44], "page {page} read as {:?}", mrz.format);
        assert!(mrz.valid, "page {page}: its check digits are printed right");
        exact += usize::from(mrz.lines == want);
    }
    // One name letter under the pen stroke of page 541 reads wrong (O as Q).
    assert!(exact >= 5, "{exact} of 6 exact");
}

// Measured on the 160-page CI set with the committed model (run 9) and reader: 137/150
// exact in session 15 (136 in session 14). When these floors were set: 133/150 (89%),
// OCR-B 54/60 (90%), no overprint 58/60 (97%); with run 5, 127/150, 54/60, 57/60; commit
// e783fbd 123/150, 52/60, 54/60.
const FLOOR_ALL: f64 = 0.85;
const FLOOR_OCRB: f64 = 0.83;
const FLOOR_CLEAN_PRINT: f64 = 0.90;

// Document corners within 3%, the same set (commit 4ff6dbb): 128/138 (93%); 122/138
// before the hidden-side and near-frame colour searches.
const FLOOR_CORNERS: f64 = 0.90;

// The quad as answered within 3%, the same set (session 14): 130/138 (94%).
const FLOOR_ANSWERED_QUAD: f64 = 0.92;
