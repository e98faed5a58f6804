//! Decoding with limits, and EXIF orientation.
//!
//! Formats are told by their content, never by a file name or a declared type: a passport
//! reader's BMP saved as `.jpg` decodes as the BMP it is.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageDecoder, ImageReader, Limits};

use super::types::VisionError;

/// A decoded image as it is displayed: EXIF orientation already applied.
pub struct Decoded {
    /// Luma of the displayed image, 0 = black, 255 = white.
    pub gray: GrayImage,
    /// The full-colour image as displayed (kept for face crops).
    pub color: DynamicImage,
    /// The EXIF orientation tag that was applied (1 to 8; 1 when absent).
    pub exif_orientation: u8,
}

/// The image formats the reader decodes: what document scanners, passport readers and
/// phones produce (HEIC stays out: no pure-Rust decoder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Bmp,
    Tiff,
    WebP,
}

impl ImageKind {
    /// The format of `bytes` by its signature; None for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        let kind = match bytes {
            [0xff, 0xd8, 0xff, ..] => ImageKind::Jpeg,
            [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', ..] => ImageKind::Png,
            // "BM" and a file size field; the DIB header size (12 to 124) tells it from
            // text that starts with "BM".
            [b'B', b'M', _, _, _, _, _, _, _, _, _, _, _, _, h, 0, 0, 0, ..]
                if (12..=124).contains(h) =>
            {
                ImageKind::Bmp
            }
            [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => ImageKind::Tiff,
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => ImageKind::WebP,
            _ => return None,
        };
        Some(kind)
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Bmp => "image/bmp",
            ImageKind::Tiff => "image/tiff",
            ImageKind::WebP => "image/webp",
        }
    }

    fn format(self) -> image::ImageFormat {
        match self {
            ImageKind::Jpeg => image::ImageFormat::Jpeg,
            ImageKind::Png => image::ImageFormat::Png,
            ImageKind::Bmp => image::ImageFormat::Bmp,
            ImageKind::Tiff => image::ImageFormat::Tiff,
            ImageKind::WebP => image::ImageFormat::WebP,
        }
    }
}

/// What the error messages name as supported.
pub const SUPPORTED: &str = "JPEG, PNG, BMP, TIFF or WebP";

/// Decodes an image (see [`ImageKind`]), refusing images whose header claims more than `max_pixels`
/// before any pixel is decoded (so a 100000x100000 header costs nothing).
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, VisionError> {
    let (decoder, orientation) = open(bytes, max_pixels)?;
    let mut color = DynamicImage::from_decoder(decoder)
        .map_err(|e| VisionError::CorruptImage(e.to_string()))?;
    color.apply_orientation(orientation);
    let gray = luma_of(&color);
    Ok(Decoded {
        gray,
        color,
        exif_orientation: orientation_tag(orientation),
    })
}

/// Decodes only the luma of an image, as displayed (EXIF orientation applied),
/// with the checks of [`decode`]: all an MRZ read needs. A colour JPEG gives its luma
/// channel straight from the decoder, which skips the chroma transforms, upsampling and
/// colour conversion (about a third of the decode).
pub fn decode_gray(bytes: &[u8], max_pixels: u64) -> Result<GrayImage, VisionError> {
    let (decoder, orientation) = open(bytes, max_pixels)?;
    let (w, h) = decoder.dimensions();
    let is_jpeg = bytes.starts_with(&[0xff, 0xd8]);
    let gray = match is_jpeg.then(|| jpeg_luma(bytes, w, h)).flatten() {
        Some(gray) => gray,
        // PNGs, and JPEGs the luma path does not take (CMYK, or damage that the full
        // decoder reports with its own message).
        None => luma_of(
            &DynamicImage::from_decoder(decoder)
                .map_err(|e| VisionError::CorruptImage(e.to_string()))?,
        ),
    };
    let mut gray = DynamicImage::ImageLuma8(gray);
    gray.apply_orientation(orientation);
    Ok(gray.into_luma8())
}

/// The luma of a decoded image (BT.601 weights, as a JPEG's luma channel has them).
/// 16-bit images are scaled to 8 bits; images with an alpha channel are shown over white
/// paper, as a viewer shows them (a scan's transparent margin is not black ink).
fn luma_of(image: &DynamicImage) -> GrayImage {
    match image {
        DynamicImage::ImageLuma8(g) => g.clone(),
        DynamicImage::ImageRgb8(rgb) => super::geom::luma_of_rgb(rgb),
        other if other.color().has_alpha() => {
            let rgba = other.to_rgba8();
            let over_white = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                let [r, g, b, a] = rgba.get_pixel(x, y).0;
                let a = u16::from(a);
                let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
                image::Rgb([mix(r), mix(g), mix(b)])
            });
            super::geom::luma_of_rgb(&over_white)
        }
        other => other.to_luma8(),
    }
}

/// The luma channel of a JPEG of `w` x `h` pixels (already checked against the pixel
/// limit); None when the decoder cannot give it.
fn jpeg_luma(bytes: &[u8], w: u32, h: u32) -> Option<GrayImage> {
    use zune_core::{colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(w as usize)
        .set_max_height(h as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
        zune_core::bytestream::ZCursor::new(bytes),
        options,
    );
    let pixels = decoder.decode().ok()?;
    if decoder.output_colorspace()? != ColorSpace::Luma {
        return None;
    }
    GrayImage::from_raw(w, h, pixels)
}

/// Checks the format (by content) and the pixel limit, and opens a decoder; returns it with the
/// EXIF orientation to apply.
fn open(
    bytes: &[u8],
    max_pixels: u64,
) -> Result<(impl ImageDecoder + '_, image::metadata::Orientation), VisionError> {
    if bytes.is_empty() {
        return Err(VisionError::UnsupportedImage("the input is empty".into()));
    }
    let kind = ImageKind::sniff(bytes)
        .ok_or_else(|| VisionError::UnsupportedImage(format!("not a {SUPPORTED} image")))?;
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(kind.format());
    // Checked from the header bytes first: decoders read further than the header before
    // they report dimensions, so a header-only bomb would otherwise look truncated.
    // The memory budget: what an 8-bit RGB image at the pixel limit takes (3 bytes a pixel
    // of max_pixels). 16-bit and alpha images spend it faster: a 6300 x 6300 16-bit RGBA
    // PNG passes the pixel limit but would take 317 MB decoded, so it is refused.
    let budget = max_pixels.saturating_mul(3);
    if let Some((w, h)) = header_dimensions(bytes) {
        let pixels = u64::from(w) * u64::from(h);
        let per_pixel = header_bytes_per_pixel(bytes);
        if pixels > max_pixels || pixels.saturating_mul(per_pixel) > budget {
            return Err(VisionError::TooLarge {
                width: w,
                height: h,
                max_pixels: max_pixels.min(budget / per_pixel),
            });
        }
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| VisionError::CorruptImage(e.to_string()))?;
    let (w, h) = decoder.dimensions();
    let pixels = u64::from(w) * u64::from(h);
    if pixels > max_pixels {
        return Err(VisionError::TooLarge {
            width: w,
            height: h,
            max_pixels,
        });
    }
    let decoded_bytes = decoder.total_bytes();
    if decoded_bytes > budget {
        return Err(VisionError::TooLarge {
            width: w,
            height: h,
            max_pixels: budget / u64::from(decoder.color_type().bytes_per_pixel()).max(1),
        });
    }
    // The allocation limit backs up both checks for decoders that allocate more than the
    // image they return.
    let mut limits = Limits::default();
    limits.max_alloc = Some(budget.saturating_add(1 << 20));
    decoder
        .set_limits(limits)
        .map_err(|e| VisionError::CorruptImage(e.to_string()))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    Ok((decoder, orientation))
}

/// A pixel whose channels differ by more than this is coloured ink or paper, not grey.
const COLOURED: u8 = 48;

/// The ink view of a colour image: per pixel its brightest channel plus twice its
/// saturation (brightest minus darkest channel), clipped to white, so that coloured ink (a
/// red stamp, a blue ballpoint stroke, a marker circle) turns as light as the paper it is
/// on while black print stays black. (The brightest channel alone leaves a blue pen at
/// about 160 on paper of 240: still ink to the detector.) None when the image has no
/// colour to remove (grey images, or colour images with fewer than 1 in 2000 coloured
/// pixels), where it would only repeat the luma.
pub fn ink_of(color: &DynamicImage) -> Option<GrayImage> {
    if !color.color().has_color() {
        return None;
    }
    let owned;
    let rgb = match color {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => {
            owned = other.to_rgb8();
            &owned
        }
    };
    let mut coloured = 0usize;
    let ink = GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        let (hi, lo) = (r.max(g).max(b), r.min(g).min(b));
        coloured += usize::from(hi - lo > COLOURED);
        image::Luma([hi.saturating_add(hi - lo).saturating_add(hi - lo)])
    });
    (coloured * 2000 >= ink.as_raw().len()).then_some(ink)
}

/// Width and height as a PNG's IHDR or a JPEG's start-of-frame marker states them, read
/// without decoding anything; None when the bytes are neither or the header is cut.
/// Bytes a decoded pixel takes, from a PNG header (bit depth and colour type); 8-bit
/// formats otherwise. The decoder's own figure backs this up once it opens.
fn header_bytes_per_pixel(bytes: &[u8]) -> u64 {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        let depth = u64::from(bytes.get(24).copied().unwrap_or(8).max(8)) / 8;
        let channels = match bytes.get(25) {
            Some(2) => 3,
            Some(4) => 2,
            Some(6) => 4,
            // Grey; palette images decode to RGB(A) 8-bit.
            Some(3) => 4,
            _ => 1,
        };
        return depth * channels;
    }
    1
}

fn header_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let be16 = |i: usize| {
        Some(u32::from(u16::from_be_bytes([
            *bytes.get(i)?,
            *bytes.get(i + 1)?,
        ])))
    };
    let be32 = |i: usize| Some(u32::from_be_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        return Some((be32(16)?, be32(20)?));
    }
    if !bytes.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xff {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xff {
            i += 1;
            continue;
        }
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
            return Some((be16(i + 7)?, be16(i + 5)?));
        }
        if marker == 0xd8 || (0xd0..=0xd7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        i += 2 + be16(i + 2)? as usize;
    }
    None
}

fn orientation_tag(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation::*;
    match o {
        NoTransforms => 1,
        FlipHorizontal => 2,
        Rotate180 => 3,
        FlipVertical => 4,
        Rotate90FlipH => 5,
        Rotate90 => 6,
        Rotate270FlipH => 7,
        Rotate270 => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_refused() {
        assert!(matches!(
            decode(&[], 1000),
            Err(VisionError::UnsupportedImage(_))
        ));
    }

    #[test]
    fn the_luma_decode_matches_the_full_decode() {
        // A colour JPEG with structure in every channel.
        let rgb = image::RgbImage::from_fn(96, 64, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 3) as u8, ((x * y) % 251) as u8])
        });
        let mut jpeg = Vec::new();
        DynamicImage::ImageRgb8(rgb)
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        let full = decode(&jpeg, 1 << 20).unwrap().gray;
        let luma = decode_gray(&jpeg, 1 << 20).unwrap();
        assert_eq!(full.dimensions(), luma.dimensions());
        // The decoder's Y channel and our luma of its RGB differ by rounding, and where
        // the RGB was clipped after chroma upsampling: a few levels at most.
        let diffs: Vec<u8> = full
            .as_raw()
            .iter()
            .zip(luma.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let worst = *diffs.iter().max().unwrap();
        let mean = diffs.iter().map(|&d| f32::from(d)).sum::<f32>() / diffs.len() as f32;
        assert!(
            worst <= 8 && mean < 1.0,
            "luma differs by up to {worst} (mean {mean})"
        );
    }

    #[test]
    fn text_is_not_an_image() {
        assert!(decode(b"hello, this is text", 1000).is_err());
    }
}
