//! Pages turned by arbitrary angles, and mirrored, read the same, with the right tilt and
//! mirror flag: on the synthetic passport always, and on real images when ../shared exists.

mod common;

use image::{imageops, GrayImage};
use passport_vision::vision::{ReadOptions, Reading};

fn read(img: &GrayImage) -> Reading {
    common::reader()
        .read_gray(img, &ReadOptions::default())
        .expect("reads")
}

/// Reads `img` and returns what differs from the expectation, if anything.
fn check(
    img: &GrayImage,
    lines: &[String],
    tilt: f32,
    mirrored: bool,
    what: &str,
) -> Option<String> {
    let r = read(img);
    let Some(m) = r.mrz else {
        return Some(format!("{what}: no MRZ read"));
    };
    if m.lines != lines {
        return Some(format!("{what}: read {:?}", m.lines));
    }
    if r.document.mirrored != mirrored {
        return Some(format!("{what}: mirrored {}", r.document.mirrored));
    }
    if common::angle_diff(r.document.tilt, tilt) > 5.0 {
        return Some(format!("{what}: tilt {} expected {tilt}", r.document.tilt));
    }
    None
}

const ANGLES: [f32; 8] = [0.0, 17.0, 90.0, 133.0, 180.0, 222.0, 270.0, 341.0];

#[test]
fn synthetic_passport_reads_at_any_angle_and_mirrored() {
    let page = image::open(common::repo_path("fixtures/pages/td3_passport.png"))
        .unwrap()
        .to_luma8();
    let upright = read(&page).mrz.expect("upright page reads").lines;
    let mut failures = Vec::new();
    for deg in ANGLES {
        let turned = common::rotate_ccw(&page, deg, 255);
        failures.extend(check(
            &turned,
            &upright,
            deg,
            false,
            &format!("turned {deg}"),
        ));
        // Undoing the mirror (a horizontal flip) gives back the page turned by deg.
        let mirrored = imageops::flip_horizontal(&turned);
        failures.extend(check(
            &mirrored,
            &upright,
            deg,
            true,
            &format!("mirrored {deg}"),
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn real_pages_read_at_any_angle_and_mirrored() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    // Flat scans and a phone photo of different formats.
    let mut failures = Vec::new();
    for rel in [
        "data/real/passporteye/100_pass-cze.jpg",
        "data/real/fastmrz/td1.jpg",
        "data/real/doubango-ultimatemrz/Passport-Australia_1280x720.jpg",
    ] {
        let bytes = std::fs::read(shared.join(rel)).unwrap();
        let decoded = passport_vision::vision::image_io::decode(&bytes, u64::MAX).unwrap();
        let upright = read(&decoded.gray)
            .mrz
            .unwrap_or_else(|| panic!("{rel} reads upright"))
            .lines;
        for deg in [33.0, 90.0, 180.0, 251.0] {
            let turned = common::rotate_ccw(&decoded.gray, deg, 128);
            failures.extend(check(
                &turned,
                &upright,
                deg,
                false,
                &format!("{rel} turned {deg}"),
            ));
            let mirrored = imageops::flip_horizontal(&turned);
            failures.extend(check(
                &mirrored,
                &upright,
                deg,
                true,
                &format!("{rel} mirrored {deg}"),
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn locate_places_the_page_as_the_full_read_does_without_reading_it() {
    let opts = ReadOptions::default();
    for name in ["td3_passport", "td1_card", "td3_passport_portrait"] {
        let page = image::open(common::repo_path(&format!("fixtures/pages/{name}.png")))
            .unwrap()
            .to_luma8();
        for deg in [0.0, 33.0, 90.0, 180.0, 250.0] {
            let img = common::rotate_ccw(&page, deg, 255);
            let full = read(&img).document;
            let quick = common::reader()
                .locate(&img, &opts)
                .unwrap()
                .unwrap_or_else(|| panic!("{name} at {deg}: not located"));
            assert!(
                common::angle_diff(quick.tilt, full.tilt) < 1.0,
                "{name} at {deg}: tilt {} against {}",
                quick.tilt,
                full.tilt
            );
            // The same corners, within 2% of the page's width (TD2 and TD3 pages have
            // the same shape in MRZ units, so guessing TD3 for two lines costs little).
            let (q, f) = (quick.quad.unwrap(), full.quad.unwrap());
            let width = ((f[1][0] - f[0][0]).powi(2) + (f[1][1] - f[0][1]).powi(2)).sqrt();
            for (a, b) in q.iter().zip(&f) {
                let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
                assert!(
                    d < 0.02 * width,
                    "{name} at {deg}: corner {a:?} against {b:?}"
                );
            }
        }
    }
    let blank = image::open(common::repo_path("fixtures/pages/blank_page.png"))
        .unwrap()
        .to_luma8();
    assert_eq!(common::reader().locate(&blank, &opts).unwrap(), None);
}
