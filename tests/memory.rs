//! One request cannot take the service's memory: the real binary in a child process with
//! one reader, its peak resident memory (`VmHWM` in `/proc/PID/status`) read before and
//! after one request at the limits, on every route that decodes, with the inputs that
//! cost the most: a colour JPEG at the pixel limit in an upload as large as `/v1/read`
//! takes, a 16-bit PNG at the pixel limit, a progressive JPEG at its own (lower) limit, a
//! PDF whose page inflates to the pixel limit. Each may add at most 150 MB (#11); the
//! README gives the figures. Linux only (it reads `/proc`); elsewhere it skips with a
//! message.

mod common;

use std::io::Write;
use std::net::SocketAddr;

use base64::Engine;
use common::service::{http, post_json, start_replica, Replica, Reply};
use image::{ImageEncoder, RgbImage};
use serde_json::json;

/// The most one request may add to the service's peak resident memory, MB.
const LIMIT_MB: f64 = 150.0;
/// The default pixel limit (config/default.toml), as a side of a square image.
const SIDE: u32 = 6000;
const KEY: &str = "pv-dev-kredibel-key";

fn peak_mb(service: &Replica) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", service.child.id())).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Starts a one-reader service, warms it with a small page (models, threads and buffers
/// in place), sends one request with `send`, and answers what it added to the peak, MB,
/// with the reply; None (after a message) where `/proc` cannot tell.
fn added_peak(send: impl FnOnce(SocketAddr) -> Reply) -> Option<(f64, Reply)> {
    let service = start_replica(
        &common::temp_storage_url("memory"),
        &[("PV_POOL_SIZE".into(), "1".into())],
    );
    if peak_mb(&service).is_none() {
        eprintln!("SKIP: no /proc/PID/status VmHWM on this system; memory is not measured");
        return None;
    }
    let page = std::fs::read(common::repo_path(
        "fixtures/pages/td3_passport_portrait.png",
    ))
    .unwrap();
    for _ in 0..2 {
        assert_eq!(read_native(service.addr, &page).status, 200);
    }
    let before = peak_mb(&service)?;
    let reply = send(service.addr);
    let after = peak_mb(&service)?;
    Some((after - before, reply))
}

fn read_native(addr: SocketAddr, bytes: &[u8]) -> Reply {
    http(
        addr,
        "POST",
        &format!("/v1/read?key={KEY}"),
        &[("Content-Type", "application/octet-stream")],
        bytes,
    )
}

/// Checks that the request was answered `status` (so the image was decoded and read, not
/// refused before: a refusal measures nothing) and added at most [`LIMIT_MB`].
fn assert_within_limit(what: &str, added: f64, reply: &Reply, status: u16) {
    eprintln!(
        "{what}: status {}, peak memory +{added:.1} MB",
        reply.status
    );
    assert_eq!(
        reply.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(
        added <= LIMIT_MB,
        "{what} raised peak memory by {added:.1} MB (limit {LIMIT_MB})"
    );
}

/// Sends `bytes` to `/v1/read` on a fresh service and checks that the image was read (an
/// MRZ or not, rather than refused) within [`LIMIT_MB`].
fn assert_native_read_within_limit(what: &str, bytes: &[u8]) {
    if let Some((added, reply)) = added_peak(|addr| read_native(addr, bytes)) {
        assert_within_limit(what, added, &reply, 200);
        let error = &reply.json()["error"];
        assert!(
            error.is_null() || error["type"] == "text_not_found",
            "{}",
            reply.json()
        );
    }
}

/// Flat colour blocks: compresses to little (the size limits of Kredibel and Signzy
/// uploads are 2 MB), while decoding to the full size.
fn scene(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| match ((x / 700) + (y / 500)) % 3 {
        0 => image::Rgb([190, 40, 40]),
        1 => image::Rgb([40, 60, 170]),
        _ => image::Rgb([230, 225, 210]),
    })
}

fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .unwrap();
    out
}

#[test]
fn a_colour_jpeg_at_the_pixel_limit_in_a_full_upload_adds_at_most_150_mb() {
    // Noise does not compress: 36 MP at this quality is an upload of about 15 MB, most of
    // what `/v1/read` takes (20 MB), and the body is held while the image decodes.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let noise = RgbImage::from_fn(SIDE, SIDE, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let v = 64 + (state % 128) as u8;
        image::Rgb([v, v.wrapping_add(7), v / 2 + 40])
    });
    let bytes = jpeg(&noise, 75);
    assert!(
        (8 << 20..20 << 20).contains(&bytes.len()),
        "{} bytes",
        bytes.len()
    );
    assert_native_read_within_limit("/v1/read, 36 MP noise JPEG", &bytes);
}

#[test]
fn a_16_bit_png_at_the_pixel_limit_adds_at_most_150_mb() {
    let rgb16 = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(SIDE, SIDE, |x, y| {
        image::Rgb([
            if (x / 500 + y / 500) % 2 == 0 {
                60_000
            } else {
                9_000
            },
            30_000,
            20_000,
        ])
    });
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    )
    .write_image(
        rgb16
            .as_raw()
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>()
            .as_slice(),
        SIDE,
        SIDE,
        image::ExtendedColorType::Rgb16,
    )
    .unwrap();
    assert_native_read_within_limit("/v1/read, 36 MP 16-bit RGB PNG", &png);
}

#[test]
fn a_progressive_jpeg_at_its_limit_adds_at_most_150_mb() {
    // 5100 x 3500 (17.9 MP): under the 18 MP that the decode budget leaves a progressive
    // colour JPEG, whose decoder holds every coefficient beside its output.
    let bytes = std::fs::read(common::repo_path(
        "fixtures/large/progressive-5100x3500.jpg",
    ))
    .unwrap();
    assert_native_read_within_limit("/v1/read, 17.9 MP progressive JPEG", &bytes);
}

#[test]
fn a_kredibel_read_of_a_jpeg_at_the_pixel_limit_adds_at_most_150_mb() {
    // Under Kredibel's 2 MB image limit; no MRZ, so the luma read and then the colour
    // decode of the ink view both run.
    let bytes = jpeg(&scene(SIDE, SIDE), 80);
    assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
    let body = json!({"image": base64::engine::general_purpose::STANDARD.encode(&bytes)});
    if let Some((added, reply)) = added_peak(|addr| {
        http(
            addr,
            "POST",
            "/v1/ocr/id/passport",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &format!("Bearer {KEY}")),
            ],
            body.to_string().as_bytes(),
        )
    }) {
        assert_within_limit("Kredibel, 36 MP JPEG", added, &reply, 422);
        assert_eq!(reply.json()["errors"]["errorType"], "text_not_found");
    }
}

/// A one-page PDF whose page is a `FlateDecode` RGB image of `w` x `h`.
fn flate_pdf(img: &RgbImage) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(img.as_raw()).unwrap();
    let data = z.finish().unwrap();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
    ];
    let mut image = format!(
        "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceRGB \
         /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>\nstream\n",
        img.width(),
        img.height(),
        data.len()
    )
    .into_bytes();
    image.extend(&data);
    image.extend(b"\nendstream");
    objects.push(image);
    objects.push(b"<< /Length 33 >>\nstream\nq 612 0 0 792 0 0 cm /Im0 Do Q\nendstream".to_vec());
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n", i + 1).bytes());
        pdf.extend(o);
        pdf.extend(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        pdf.extend(format!("{o:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    pdf
}

#[test]
fn a_pdf_whose_page_inflates_to_the_pixel_limit_adds_at_most_150_mb() {
    let pdf = flate_pdf(&scene(SIDE, SIDE));
    assert!(pdf.len() < 2 << 20, "{} bytes", pdf.len());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pdf);
    if let Some((added, reply)) = added_peak(|addr| {
        let login = json!({"username": "alice", "password": "alice-pw"});
        let l = post_json(addr, "/api/v2/patrons/login", &login, None).json();
        let (token, user) = (l["id"].as_str().unwrap(), l["userId"].as_str().unwrap());
        let identity = post_json(
            addr,
            &format!("/api/v2/patrons/{user}/identities"),
            &json!({"type": "passport", "images": []}),
            Some(token),
        )
        .json();
        let up = post_json(
            addr,
            "/api/base64",
            &json!({"base64String": b64, "mimetype": "application/pdf"}),
            None,
        )
        .json();
        let snoop = json!({"service": "Identity", "itemId": identity["id"],
            "accessToken": identity["accessToken"], "task": "faceExtraction",
            "essentials": {"url": up["file"]["directURL"]}});
        post_json(addr, "/api/v2/snoops", &snoop, None)
    }) {
        assert_within_limit("faceExtraction, PDF inflating to 36 MP", added, &reply, 422);
        assert_eq!(reply.json()["error"]["code"], "NO_FACE_FOUND");
    }
}
