//! The `read --json` contract: one JSON object per file, in input order, and a clear
//! `error` line (never a panic) for input that is not a usable image.

mod common;

use std::process::Command;

use serde_json::Value;

fn read_json(files: &[std::path::PathBuf]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_passport-vision"))
        .arg("read")
        .arg("--json")
        .args(files)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn read_reports_bad_files_and_goes_on_in_order() {
    let dir = std::env::temp_dir().join(format!("pv-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let passport = common::repo_path("fixtures/pages/td3_passport.png");
    let jpeg = {
        let img = image::open(&passport).unwrap().to_rgb8();
        let mut buf = std::io::Cursor::new(Vec::new());
        img.write_to(&mut buf, image::ImageFormat::Jpeg).unwrap();
        buf.into_inner()
    };
    let truncated = dir.join("truncated.jpg");
    std::fs::write(&truncated, &jpeg[..jpeg.len() / 3]).unwrap();
    let empty = dir.join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "P<UTOERIKSSON<<ANNA<MARIA\n").unwrap();
    let huge = dir.join("huge.png");
    std::fs::write(&huge, common::png_header(100_000, 100_000)).unwrap();
    let missing = dir.join("missing.png");

    let files = vec![
        truncated.clone(),
        empty,
        text,
        huge,
        missing,
        passport.clone(),
    ];
    let out = read_json(&files);
    assert_eq!(out.len(), files.len());
    for (v, f) in out.iter().zip(&files) {
        assert_eq!(v["file"], f.display().to_string());
    }
    // A truncated JPEG decodes partly or not at all; either way no MRZ and no panic.
    assert!(out[0]["mrz"].is_null() || out[0]["error"].is_null());
    assert_eq!(out[1]["error"]["type"], "unsupported_image");
    assert_eq!(out[2]["error"]["type"], "unsupported_image");
    assert_eq!(out[3]["error"]["type"], "image_too_large");
    assert!(out[3]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("100000x100000"));
    assert_eq!(out[4]["error"]["type"], "unsupported_image");
    assert_eq!(out[5]["mrz"]["format"], "TD3");
    assert!(out[5]["error"].is_null());
    assert!(out[5]["elapsed_ms"].as_f64().unwrap() > 0.0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn decode_refuses_a_huge_png_header_before_decoding() {
    use passport_vision::vision::{image_io, VisionError};
    match image_io::decode(&common::png_header(100_000, 100_000), 40_000_000) {
        Err(VisionError::TooLarge { width, height, .. }) => {
            assert_eq!((width, height), (100_000, 100_000))
        }
        Err(other) => panic!("expected TooLarge, got {other}"),
        Ok(_) => panic!("expected TooLarge, got an image"),
    }
}
