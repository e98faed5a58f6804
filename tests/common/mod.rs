//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod service;

use std::path::PathBuf;
use std::sync::OnceLock;

use image::GrayImage;
use passport_vision::models::Models;
use passport_vision::vision::Reader;

/// Both embedded models, loaded once per test binary.
pub fn models() -> Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS
        .get_or_init(|| Models::load(None).expect("embedded models load"))
        .clone()
}

/// The reader with the embedded model, loaded once per test binary.
pub fn reader() -> &'static Reader {
    static READER: OnceLock<Models> = OnceLock::new();
    &READER.get_or_init(models).reader
}

/// A fresh local storage URL under cargo's scratch folder for integration tests
/// (target/tmp), not /tmp: routers may live as long as the test process.
pub fn temp_storage_url(tag: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{tag}-{}", uuid::Uuid::new_v4()));
    format!("file://{}", dir.display())
}

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `../shared` beside the checkout, or None (with a message) when it is absent, as on a
/// user's fresh clone.
pub fn shared_dir() -> Option<PathBuf> {
    let p = repo_path("../shared");
    if p.join("data").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "skipping: ../shared not found beside the checkout ({})",
            p.display()
        );
        None
    }
}

/// Rotates an image counterclockwise by `deg` degrees about its centre onto a canvas
/// large enough to hold all of it, filling the corners with `fill`.
pub fn rotate_ccw(img: &GrayImage, deg: f32, fill: u8) -> GrayImage {
    let rgb = image::DynamicImage::ImageLuma8(img.clone()).to_rgb8();
    let turned = passport_vision::transform::rotate_filled(&rgb, deg, image::Rgb([fill; 3]));
    image::DynamicImage::ImageRgb8(turned).to_luma8()
}

/// Smallest difference between two angles in degrees.
pub fn angle_diff(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

/// A PNG signature and an IHDR chunk claiming `w` x `h` pixels, and nothing else: a
/// decompression bomb's header.
pub fn png_header(w: u32, h: u32) -> Vec<u8> {
    png_header_with(w, h, 8, 0)
}

/// [`png_header`] with a bit depth and PNG colour type (0 grey, 2 RGB, 6 RGBA).
pub fn png_header_with(w: u32, h: u32, depth: u8, color_type: u8) -> Vec<u8> {
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&w.to_be_bytes());
    chunk.extend_from_slice(&h.to_be_bytes());
    chunk.extend_from_slice(&[depth, color_type, 0, 0, 0]);
    let mut crc = 0xffff_ffffu32;
    for &b in &chunk {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&(!crc).to_be_bytes());
    png
}
