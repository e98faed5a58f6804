//! The holder's portrait on the real specimen images in ../shared/data/real (skipped when
//! ../shared is absent): the face found must contain the centre of the ground-truth face
//! box (written in stored pixels, so mapped through the EXIF orientation) on at least 95%
//! of the images that have one, and images without a portrait must yield no face.

mod common;

use std::sync::OnceLock;

use passport_vision::vision::face::{self, FaceDetector};
use passport_vision::vision::image_io;
use serde_json::Value;

fn detector() -> &'static FaceDetector {
    static DET: OnceLock<FaceDetector> = OnceLock::new();
    DET.get_or_init(|| FaceDetector::load_embedded().expect("the embedded face model loads"))
}

struct Outcome {
    with_truth: usize,
    hits: usize,
    negatives: usize,
    negatives_with_face: usize,
    misses: Vec<String>,
    false_faces: Vec<String>,
}

fn evaluate() -> Option<Outcome> {
    let shared = common::shared_dir()?;
    let gt: Value = serde_json::from_slice(
        &std::fs::read(shared.join("data/mrz-vectors/image-ground-truth.json")).unwrap(),
    )
    .unwrap();
    let mut o = Outcome {
        with_truth: 0,
        hits: 0,
        negatives: 0,
        negatives_with_face: 0,
        misses: vec![],
        false_faces: vec![],
    };
    let verbose = std::env::var_os("PV_FACE_VERBOSE").is_some();
    for item in gt["images"].as_array().unwrap() {
        let file = item["file"].as_str().unwrap();
        let path = shared.join(file.trim_start_matches("shared/"));
        let bytes = std::fs::read(&path).unwrap();
        let decoded = image_io::decode(&bytes, u64::MAX).unwrap();
        // As faceExtraction runs it: the quick look first, the full read when it fails.
        let search = common::reader()
            .find_portrait(detector(), &decoded, &Default::default())
            .unwrap();
        let found = search.portrait;
        let (sw, sh) = image::image_dimensions(&path).unwrap();
        let truth = item["face_box_xywh_stored_pixels"].as_array().map(|b| {
            let v: Vec<f32> = b.iter().map(|x| x.as_f64().unwrap() as f32).collect();
            face::stored_to_displayed(
                v[0] + v[2] / 2.0,
                v[1] + v[3] / 2.0,
                sw as f32,
                sh as f32,
                decoded.exif_orientation,
            )
        });
        let name = file.rsplit('/').next().unwrap().to_string();
        if let (Some(dir), Some(p)) = (std::env::var_os("PV_FACE_DUMP"), &found) {
            std::fs::write(
                std::path::Path::new(&dir).join(format!("{name}.crop.jpg")),
                p.jpeg(90),
            )
            .unwrap();
        }
        if verbose {
            eprintln!(
                "{name}: truth centre {truth:?}, found {:?}, tilt {} mirrored {} read in full {}",
                found.as_ref().map(|p| p.face),
                search.document.tilt,
                search.document.mirrored,
                search.read_in_full
            );
        }
        match truth {
            Some((cx, cy)) => {
                o.with_truth += 1;
                if found.as_ref().is_some_and(|p| p.face.contains(cx, cy)) {
                    o.hits += 1;
                } else {
                    o.misses.push(name);
                }
            }
            None => {
                o.negatives += 1;
                if found.is_some() {
                    o.negatives_with_face += 1;
                    o.false_faces.push(name);
                }
            }
        }
    }
    Some(o)
}

#[test]
fn the_portrait_is_found_on_real_pages_and_never_on_pages_without_one() {
    let Some(o) = evaluate() else { return };
    eprintln!(
        "faces: {} of {} images with a portrait (missed: {:?}); {} of {} images without one yielded a face ({:?})",
        o.hits, o.with_truth, o.misses, o.negatives_with_face, o.negatives, o.false_faces
    );
    assert!(
        o.hits * 100 >= o.with_truth * 95,
        "only {} of {} portraits found",
        o.hits,
        o.with_truth
    );
    assert_eq!(
        o.negatives_with_face, 0,
        "faces on images without a portrait"
    );
}

#[test]
fn the_crop_is_upright_on_turned_and_mirrored_pages() {
    use image::imageops;
    let page = portrait_page();
    let variants = [
        ("upright", page.clone()),
        ("rot90", imageops::rotate270(&page)),
        ("rot180", imageops::rotate180(&page)),
        ("rot270", imageops::rotate90(&page)),
        ("mirrored", imageops::flip_horizontal(&page)),
        (
            "mirrored rot90",
            imageops::rotate270(&imageops::flip_horizontal(&page)),
        ),
    ];
    let mut sizes = vec![];
    let mut upright_crop = None;
    for (name, img) in variants {
        let search = portrait_search(img);
        assert!(search.document.detected, "{name}: no document");
        let p = search
            .portrait
            .unwrap_or_else(|| panic!("{name}: no portrait"));
        // Not mirrored: closer to the upright page's crop than to its mirror image.
        let reference: &image::RgbImage = upright_crop.get_or_insert_with(|| p.crop.clone());
        let same = mean_abs_diff(&p.crop, reference);
        let flipped = mean_abs_diff(&p.crop, &imageops::flip_horizontal(reference));
        assert!(
            same < flipped,
            "{name}: the crop is mirrored ({same:.1} from the upright crop, {flipped:.1} from its mirror)"
        );
        // An upright face in the crop, filling a passport photo's share of it.
        let faces = detector().detect(&p.crop).unwrap();
        assert!(!faces.is_empty(), "{name}: the crop holds no upright face");
        let aspect = p.crop.width() as f32 / p.crop.height() as f32;
        assert!(
            (aspect - 35.0 / 45.0).abs() < 0.03,
            "{name}: aspect {aspect}"
        );
        sizes.push(p.crop.height());
    }
    let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(*hi as f32 <= *lo as f32 * 1.1, "crop heights {sizes:?}");
}

/// Pages made to fail the MRZ path (#6): the portrait fixture cut above its MRZ, laid on a
/// dark desk beside a smaller copy of itself (a second document, whose portrait is not the
/// holder's), at each quarter turn. The portrait must be found on the whole image, on the
/// larger page, upright.
#[test]
fn the_portrait_is_found_on_pages_cut_above_the_mrz_beside_another_document() {
    use image::{imageops, Rgb, RgbImage};
    let cut = portrait_page_cut_above_mrz();
    let small = imageops::resize(&cut, 500, 280, imageops::Triangle);
    let mut scene = RgbImage::from_pixel(1700, 900, Rgb([60, 48, 40]));
    imageops::replace(&mut scene, &cut, 80, 120);
    imageops::replace(&mut scene, &small, 1140, 420);
    // The fixture's face: about (175, 270) on the page, so (255, 390) in the scene.
    let (fx, fy) = (255.0f32, 390.0f32);
    let (w, h) = (scene.width() as f32, scene.height() as f32);
    let turns: [(&str, RgbImage, [f32; 2]); 4] = [
        ("upright", scene.clone(), [fx, fy]),
        ("rot90", imageops::rotate90(&scene), [h - 1.0 - fy, fx]),
        (
            "rot180",
            imageops::rotate180(&scene),
            [w - 1.0 - fx, h - 1.0 - fy],
        ),
        ("rot270", imageops::rotate270(&scene), [fy, w - 1.0 - fx]),
    ];
    let mut upright_crop = None;
    for (name, img, [cx, cy]) in turns {
        let search = portrait_search(img);
        let p = search
            .portrait
            .unwrap_or_else(|| panic!("{name}: no portrait"));
        assert_eq!(p.found_on, face::FoundOn::Image, "{name}");
        assert!(
            p.face.contains(cx, cy),
            "{name}: {:?} misses the holder's face at ({cx}, {cy})",
            p.face
        );
        let reference: &RgbImage = upright_crop.get_or_insert_with(|| p.crop.clone());
        let same = mean_abs_diff(&p.crop, reference);
        let turned = mean_abs_diff(&p.crop, &imageops::rotate180(reference));
        assert!(same < turned, "{name}: the crop is not upright");
        assert!(
            !detector().detect(&p.crop).unwrap().is_empty(),
            "{name}: the crop holds no upright face"
        );
    }
}

/// A page turned by an angle between quarter turns: the crop found on the whole image is
/// levelled by the eyes' line (BlazeFace's key points), as close to the upright page's
/// crop as the upright page's own.
#[test]
fn the_crop_is_level_on_pages_turned_between_quarter_turns() {
    use image::{imageops, Rgb, RgbImage};
    let cut = portrait_page_cut_above_mrz();
    let mut scene = RgbImage::from_pixel(1400, 1000, Rgb([60, 48, 40]));
    imageops::replace(&mut scene, &cut, 200, 220);
    let crop_of = |img: RgbImage| portrait_search(img).portrait.expect("a portrait").crop;
    let upright = crop_of(scene.clone());
    for degrees in [-25.0f32, 20.0, 110.0] {
        // What is left after the quarter turn the search finds the face in.
        let residual = degrees % 90.0;
        let turned = passport_vision::transform::rotate_filled(&scene, degrees, Rgb([60, 48, 40]));
        let crop = crop_of(turned);
        // Against the upright crop, and against it tilted as the page is (what an
        // unlevelled crop would look like).
        let level = mean_abs_diff(&crop, &upright);
        let big = passport_vision::transform::rotate_filled(&upright, residual, Rgb([0, 0, 0]));
        let (w, h) = upright.dimensions();
        let tilted = imageops::crop_imm(&big, (big.width() - w) / 2, (big.height() - h) / 2, w, h)
            .to_image();
        let unlevelled = mean_abs_diff(&crop, &tilted);
        assert!(
            level < 0.9 * unlevelled,
            "{degrees} degrees: {level:.1} from the upright crop, {unlevelled:.1} from it tilted"
        );
    }
}

/// A person holding the page (a KYC selfie): their own face, larger than the printed
/// one, beside a page whose MRZ is cut off. The portrait comes from inside the document
/// its edges outline, upright at each quarter turn; with the largest face alone, the
/// person's face was taken.
#[test]
fn a_person_holding_the_page_does_not_take_the_portraits_place() {
    use image::imageops;
    let page = portrait_page_cut_above_mrz();
    let printed = detector().detect(&page).unwrap()[0];
    // The person: the portrait photo cut out around its face, their face 2.5 times the
    // printed one.
    let (cx, cy) = printed.centre();
    let person = imageops::crop_imm(
        &page,
        (cx - 0.8 * printed.h) as u32,
        (cy - 1.1 * printed.h) as u32,
        (1.6 * printed.h) as u32,
        (2.2 * printed.h) as u32,
    )
    .to_image();
    let height = (2.5 * person.height() as f32) as u32;
    let (scene, at) = passport_vision::transform::beside_person(&page, &person, height);
    let (fx, fy) = (cx + at[0] as f32, cy + at[1] as f32);
    let (w, h) = (scene.width() as f32, scene.height() as f32);
    for (name, img, [tx, ty]) in [
        ("upright", scene.clone(), [fx, fy]),
        ("rot90", imageops::rotate90(&scene), [h - 1.0 - fy, fx]),
        (
            "rot180",
            imageops::rotate180(&scene),
            [w - 1.0 - fx, h - 1.0 - fy],
        ),
    ] {
        let search = portrait_search(img);
        let p = search
            .portrait
            .unwrap_or_else(|| panic!("{name}: no portrait"));
        assert!(
            p.face.contains(tx, ty),
            "{name}: {:?} is not the printed portrait at ({tx}, {ty})",
            p.face
        );
    }
}

/// `eval --transform holding`: the real pages with their MRZ covered, each beside a
/// larger face (the next image's portrait). 59 of 62 when this floor was set (58 since a
/// US card's page, placed to the edge of its back beside it, moves the cover); 11 of 62
/// when the largest face won.
#[test]
fn portraits_are_found_on_real_pages_held_beside_a_larger_face() {
    let Some((s, hits, total)) = faces_found_on_real_pages("holding") else {
        return;
    };
    // Until dates had to name a month, garbage beside one covered page read as a valid visa.
    assert_eq!(s["mrz_still_read"], 0, "the cover leaves no MRZ: {s}");
    assert!(total >= 60 && hits >= 57, "{s}");
}

/// faceExtraction on the real pages cut straight across just above their MRZ (`eval
/// --transform cutmrz`), as a scan or photo that stops there: #6 asks 95%. 61 of 62 when
/// this floor was set (57 while a face over 0.4 of the image's shorter side was taken for a
/// photo of a person even where the image shows print: a close crop of an Australian page,
/// cut, holds a 0.53 face).
#[test]
fn portraits_are_found_on_real_pages_cut_above_their_mrz() {
    let Some((s, hits, total)) = faces_found_on_real_pages("cutmrz") else {
        return;
    };
    assert_eq!(s["mrz_still_read"], 0, "the cut leaves no MRZ");
    assert!(total >= 60 && hits >= 59, "{s}");
}

/// The real images turned, mirrored, in perspective on clutter and made small, blurred and
/// compressed (`eval --transform NAME`): #6 asks 95% of portraits found on each. When
/// this was set: 61, 62, 61 and 62 of 63; faces on images without a portrait 1, 1, 1 and 0
/// (a card's emblem turned, letters on a passport's cover mirrored, a monkey's face made
/// smaller by the perspective's canvas), held where they are (2 in low quality before the
/// page search's wider looks had to pass a close look).
#[test]
fn portraits_are_found_on_transformed_real_pages() {
    for transform in ["rotate", "mirror", "perspective", "lowq"] {
        let Some((s, hits, total)) = faces_found_on_real_pages(transform) else {
            return;
        };
        assert!(total >= 63 && hits * 100 >= total * 95, "{transform}: {s}");
        let wrong = s["faces_on_images_without_portrait"].as_u64().unwrap();
        assert!(
            wrong <= 1,
            "{transform}: {wrong} faces on images without a portrait"
        );
    }
}

/// `eval --transform NAME` with faces on ../shared/data/real: the summary and its
/// `faces_found` as two numbers. None when ../shared is absent.
fn faces_found_on_real_pages(transform: &str) -> Option<(Value, u32, u32)> {
    let shared = common::shared_dir()?;
    let s = passport_vision::cli::cmd_eval(
        common::reader(),
        Some(detector()),
        &shared.join("data/mrz-vectors/image-ground-truth.json"),
        false,
        Some(transform),
    )
    .unwrap();
    let (hits, total) = s["faces_found"]
        .as_str()
        .unwrap()
        .split_once('/')
        .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
        .unwrap();
    Some((s, hits, total))
}

/// The portrait fixture page (`fixtures/pages/td3_passport_portrait.png`).
fn portrait_page() -> image::RgbImage {
    image::open(common::repo_path(
        "fixtures/pages/td3_passport_portrait.png",
    ))
    .unwrap()
    .to_rgb8()
}

/// The portrait fixture with everything from just above its MRZ (which starts at y = 610)
/// cut off.
fn portrait_page_cut_above_mrz() -> image::RgbImage {
    image::imageops::crop_imm(&portrait_page(), 0, 0, 1000, 560).to_image()
}

/// faceExtraction's portrait search on an image.
fn portrait_search(img: image::RgbImage) -> passport_vision::vision::PortraitSearch {
    let decoded = image_io::from_pixels(image::DynamicImage::ImageRgb8(img));
    common::reader()
        .find_portrait(detector(), &decoded, &Default::default())
        .unwrap()
}

/// Mean absolute difference per channel between two crops, the first resized to the
/// second's size.
fn mean_abs_diff(a: &image::RgbImage, b: &image::RgbImage) -> f32 {
    let a = image::imageops::resize(a, b.width(), b.height(), image::imageops::Triangle);
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    total as f32 / b.as_raw().len() as f32
}

/// faceExtraction on the real pages with their MRZ painted over (`eval --transform
/// covermrz`): the portrait is found without the page an MRZ would place. 61 of 62 when
/// this floor was set to #6's 95% (0 of 62 with the MRZ-guided search alone, 52 before the
/// close second look of `FaceDetector::verify`, 56 before the frame was taken as the page
/// of a scan whose portrait the whole-image look missed).
#[test]
fn portraits_are_found_on_real_pages_whose_mrz_is_covered() {
    let Some((s, hits, total)) = faces_found_on_real_pages("covermrz") else {
        return;
    };
    assert_eq!(s["mrz_still_read"], 0, "the cover leaves no MRZ");
    assert!(total >= 60 && hits >= 59, "{s}");
}
