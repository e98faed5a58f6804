//! Every image a document reader or a phone produces reads the same: JPEG, PNG, BMP, TIFF
//! and WebP, told apart by their content (never by a file name), 16-bit and grey-alpha
//! images, and coloured overprints that the ink view removes.

mod common;

use std::io::Cursor;

use image::{DynamicImage, ImageFormat};
use passport_vision::vision::{ReadOptions, VisionError};

/// The fixture encoded as `format` (JPEG at the encoder's default quality, the others
/// lossless).
fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    img.write_to(&mut buf, format).unwrap();
    buf.into_inner()
}

fn fixture(name: &str) -> DynamicImage {
    image::open(common::repo_path(&format!("fixtures/pages/{name}"))).unwrap()
}

/// The MRZ lines and validity of a read of `bytes`.
fn read(bytes: &[u8]) -> (Vec<String>, bool) {
    let reading = common::reader()
        .read_bytes(bytes, &ReadOptions::default())
        .unwrap();
    let m = reading.mrz.expect("an MRZ");
    (m.lines, m.valid)
}

#[test]
fn fixtures_in_each_of_the_five_formats_read_the_same_as_their_png() {
    for name in ["td3_passport.png", "td1_card.png"] {
        let img = fixture(name);
        let png = read(&encoded(&img, ImageFormat::Png));
        assert!(png.1, "{name} as PNG reads valid");
        for format in [
            ImageFormat::Jpeg,
            ImageFormat::Bmp,
            ImageFormat::Tiff,
            ImageFormat::WebP,
        ] {
            // JPEG has no alpha channel.
            let img = DynamicImage::ImageRgb8(img.to_rgb8());
            assert_eq!(read(&encoded(&img, format)), png, "{name} as {format:?}");
        }
    }
}

#[test]
fn a_bmp_named_jpg_is_read_as_the_bmp_it_is() {
    let dir = common::repo_path("target/tmp/image-formats");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("reader-capture.jpg");
    let img = DynamicImage::ImageRgb8(fixture("td3_passport.png").to_rgb8());
    std::fs::write(&path, encoded(&img, ImageFormat::Bmp)).unwrap();
    let report =
        passport_vision::cli::read_file(common::reader(), None, &path, &ReadOptions::default());
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["error"].is_null(), "{json}");
    assert_eq!(json["mrz"]["valid"], true);
}

#[test]
fn sixteen_bit_and_grey_alpha_images_read_the_same_as_eight_bit() {
    let img = fixture("td3_passport.png");
    let want = read(&encoded(&img, ImageFormat::Png));
    let rgb16 = DynamicImage::ImageRgb16(img.to_rgb16());
    assert_eq!(read(&encoded(&rgb16, ImageFormat::Png)), want, "16-bit RGB");
    let grey16 = DynamicImage::ImageLuma16(img.to_luma16());
    assert_eq!(
        read(&encoded(&grey16, ImageFormat::Png)),
        want,
        "16-bit grey"
    );
    // Grey with alpha, the paper made transparent where it is white: shown over white,
    // as a viewer shows it, it is the same page.
    let luma = img.to_luma8();
    let la = image::GrayAlphaImage::from_fn(img.width(), img.height(), |x, y| {
        let v = luma.get_pixel(x, y).0[0];
        if v > 240 {
            image::LumaA([0, 0])
        } else {
            image::LumaA([v, 255])
        }
    });
    let la = DynamicImage::ImageLumaA8(la);
    assert_eq!(read(&encoded(&la, ImageFormat::Png)), want, "grey-alpha");
}

#[test]
fn formats_the_reader_does_not_take_are_refused_by_content() {
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!";
    let err = common::reader()
        .read_bytes(gif, &ReadOptions::default())
        .unwrap_err();
    assert!(matches!(err, VisionError::UnsupportedImage(_)), "{err}");
    // A text file that starts like a BMP is not one.
    let err = common::reader()
        .read_bytes(b"BM this is a note, not a bitmap", &ReadOptions::default())
        .unwrap_err();
    assert!(matches!(err, VisionError::UnsupportedImage(_)), "{err}");
    // A truncated TIFF is corrupt, not a panic.
    let img = DynamicImage::ImageRgb8(fixture("td1_card.png").to_rgb8());
    let tiff = encoded(&img, ImageFormat::Tiff);
    assert!(common::reader()
        .read_bytes(&tiff[..tiff.len() / 3], &ReadOptions::default())
        .is_err());
}

#[test]
fn a_red_stamp_across_the_mrz_fades_in_the_ink_view() {
    // A translucent red disc over the start of both MRZ lines: dark in luma (red ink is
    // about as dark as print there), paper-light in the brightest channel.
    let img = fixture("td3_passport.png").to_rgb8();
    let want = read(&encoded(
        &DynamicImage::ImageRgb8(img.clone()),
        ImageFormat::Png,
    ));
    let (w, h) = img.dimensions();
    let (cx, cy, r) = (w as f32 * 0.22, h as f32 * 0.86, h as f32 * 0.13);
    let mut stamped = img.clone();
    let in_stamp = |x: u32, y: u32| {
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        // A ring and a solid band through the centre, as a rubber stamp prints.
        (d - r).abs() < r * 0.12 || (d < r && (y as f32 - cy).abs() < r * 0.25)
    };
    for (x, y, p) in stamped.enumerate_pixels_mut() {
        if in_stamp(x, y) {
            // Ink multiplies: red over paper is red, red over print stays black.
            let [pr, pg, pb] = p.0;
            p.0 = [pr, (u16::from(pg) / 5) as u8, (u16::from(pb) / 5) as u8];
        }
    }
    let ink = passport_vision::vision::image_io::ink_of(&DynamicImage::ImageRgb8(stamped.clone()))
        .expect("a stamped page has colour");
    // The stamp is gone from the ink view: paper under it is as light as before.
    let luma = DynamicImage::ImageRgb8(img).to_luma8();
    let darkened = luma
        .enumerate_pixels()
        .filter(|(x, y, p)| in_stamp(*x, *y) && p.0[0] > 200)
        .filter(|(x, y, _)| ink.get_pixel(*x, *y).0[0] < 180)
        .count();
    assert_eq!(darkened, 0, "paper pixels darkened in the ink view");
    let got = read(&encoded(
        &DynamicImage::ImageRgb8(stamped),
        ImageFormat::Png,
    ));
    assert_eq!(got, want);
}

#[test]
fn a_grey_page_has_no_ink_view() {
    let grey = DynamicImage::ImageLuma8(fixture("td1_card.png").to_luma8());
    let img = DynamicImage::ImageRgb8(grey.to_rgb8());
    assert!(passport_vision::vision::image_io::ink_of(&img).is_none());
}

#[test]
fn a_16_bit_rgba_png_under_the_pixel_limit_but_over_the_memory_budget_is_refused() {
    use passport_vision::vision::{image_io, VisionError};
    // 36 MP passes the 40 MP limit, but at 8 bytes a pixel it would take 288 MB decoded.
    let png = common::png_header_with(6000, 6000, 16, 6);
    let e = image_io::decode(&png, 40_000_000).err().unwrap();
    assert!(matches!(e, VisionError::TooLarge { .. }), "{e:?}");
    // The same size in 8-bit grey fits the budget: it is refused only as truncated.
    let grey = common::png_header_with(6000, 6000, 8, 0);
    let e = image_io::decode(&grey, 40_000_000).err().unwrap();
    assert!(matches!(e, VisionError::CorruptImage(_)), "{e:?}");
}

#[test]
fn a_photo_over_the_work_size_is_read_reduced_and_answered_in_its_own_pixels() {
    use passport_vision::vision::image_io;
    // 6000 x 4224 (25 MP) is over WORK_MAX_PIXELS (16 MP): the reader works on it reduced
    // by about 1.25 and must still answer where things are in the photo's own pixels.
    let page = fixture("td3_passport_portrait.png");
    let k = 6.0;
    let big = page.resize_exact(6000, 4224, image::imageops::FilterType::Triangle);
    let big_bytes = encoded(&big, ImageFormat::Jpeg);
    let small_bytes = encoded(&page, ImageFormat::Png);
    let models = common::models();
    let opts = ReadOptions::default();
    let (small_decoded, big_decoded) = (
        image_io::decode(&small_bytes, opts.max_pixels).unwrap(),
        image_io::decode(&big_bytes, opts.max_pixels).unwrap(),
    );
    assert_eq!(small_decoded.scale, 1.0);
    assert!(
        big_decoded.gray.width() as u64 * big_decoded.gray.height() as u64
            <= image_io::WORK_MAX_PIXELS
    );
    assert!(
        (big_decoded.scale - 1.25).abs() < 0.01,
        "{}",
        big_decoded.scale
    );

    let diagonal = (6000f32.powi(2) + 4224f32.powi(2)).sqrt();
    let near = |a: [f32; 2], b: [f32; 2]| (a[0] - b[0]).hypot(a[1] - b[1]) < 0.01 * diagonal;
    // The luma-first read and the full read with the portrait both answer in photo pixels.
    let small = models.reader.read_bytes(&small_bytes, &opts).unwrap();
    let big_read = models.reader.read_bytes(&big_bytes, &opts).unwrap();
    let (full, portrait) = models
        .reader
        .read_with_portrait(&models.faces, &big_decoded, &opts)
        .unwrap();
    let (_, small_portrait) = models
        .reader
        .read_with_portrait(&models.faces, &small_decoded, &opts)
        .unwrap();
    let want_lines = small.mrz.as_ref().expect("the page reads").lines.clone();
    let small_quad = small.document.quad.unwrap();
    for reading in [&big_read, &full] {
        assert_eq!(reading.mrz.as_ref().expect("an MRZ").lines, want_lines);
        let quad = reading.document.quad.unwrap();
        for (got, want) in quad.iter().zip(small_quad) {
            assert!(
                near(*got, want.map(|v| v * k)),
                "{quad:?} vs {small_quad:?} x {k}"
            );
        }
    }
    let (got, want) = (portrait.unwrap().face, small_portrait.unwrap().face);
    let (gx, gy) = got.centre();
    let (wx, wy) = want.centre();
    assert!(
        near([gx, gy], [wx * k, wy * k]),
        "{got:?} vs {want:?} x {k}"
    );
    assert!(
        (got.w / (want.w * k) - 1.0).abs() < 0.1,
        "{got:?} vs {want:?} x {k}"
    );
}
