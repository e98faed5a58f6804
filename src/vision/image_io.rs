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
    /// The image as displayed, 8-bit RGB, or 8-bit grey for grey images (kept for face
    /// crops and the ink view).
    pub color: DynamicImage,
    /// The EXIF orientation tag that was applied (1 to 8; 1 when absent).
    pub exif_orientation: u8,
    /// Displayed-image pixels per pixel of `gray` and `color`: 1, or more when the image
    /// was over [`WORK_MAX_PIXELS`] and was reduced. Readings and portraits the reader
    /// answers are already in displayed pixels.
    pub scale: f32,
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

/// Images with more pixels than this are reduced to it (an area average, done in place)
/// right after decoding, and everything the reader reports is scaled back to the
/// displayed image's pixels ([`Decoded::scale`]). 16 MP keeps every phone's default
/// photo (12 to 12.5 MP) and a 600 dpi A4 scan whole; a 36 MP photo is read at 16 MP,
/// where a passport that fills a fifth of its width still has MRZ characters about
/// 20 px tall (the recogniser reads down to about 8 px). It bounds what a read holds after
/// decoding to about 7 bytes a pixel of this (colour, its turn for the EXIF orientation,
/// luma, ink view): 110 MB.
pub const WORK_MAX_PIXELS: u64 = 16_000_000;

/// Decodes an image (see [`ImageKind`]), refusing images whose header claims more than
/// `max_pixels`, or whose decoding would take more than [`decode_budget`] bytes, before any
/// pixel is decoded (so a 100000x100000 header costs nothing). 16-bit PNGs decode straight
/// to 8 bits; images over [`WORK_MAX_PIXELS`] are reduced to it.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, VisionError> {
    let kind = check_header(bytes, max_pixels)?;
    let (image, orientation) = decode_8bit(bytes, kind, max_pixels)?;
    let (mut color, scale) = reduce(image);
    color.apply_orientation(orientation);
    let gray = luma_of(&color);
    Ok(Decoded {
        gray,
        color,
        exif_orientation: orientation_tag(orientation),
        scale,
    })
}

/// An image already in pixels (a PDF's inflated page), as [`decode`] leaves an encoded
/// one: 8-bit grey or RGB, reduced to [`WORK_MAX_PIXELS`].
pub fn from_pixels(image: DynamicImage) -> Decoded {
    let (color, scale) = reduce(opaque_8bit(image));
    let gray = luma_of(&color);
    Decoded {
        gray,
        color,
        exif_orientation: 1,
        scale,
    }
}

/// Decodes only the luma of an image, as displayed (EXIF orientation applied),
/// with the checks and the reduction of [`decode`]: all an MRZ read needs. Returns it with
/// its [`Decoded::scale`]. A colour JPEG gives its luma channel straight from the decoder,
/// which skips the chroma transforms, upsampling and colour conversion (about a third of
/// the decode).
pub fn decode_gray(bytes: &[u8], max_pixels: u64) -> Result<(GrayImage, f32), VisionError> {
    let kind = check_header(bytes, max_pixels)?;
    let (image, orientation) = match kind {
        ImageKind::Jpeg => decode_jpeg(bytes, max_pixels, JpegOutput::Luma)?,
        _ => decode_8bit(bytes, kind, max_pixels)?,
    };
    let (image, scale) = reduce(image);
    let mut gray = DynamicImage::ImageLuma8(match image {
        DynamicImage::ImageLuma8(g) => g,
        other => luma_of(&other),
    });
    gray.apply_orientation(orientation);
    Ok((gray.into_luma8(), scale))
}

/// The luma of an 8-bit image (BT.601 weights, as a JPEG's luma channel has them).
fn luma_of(image: &DynamicImage) -> GrayImage {
    match image {
        DynamicImage::ImageLuma8(g) => g.clone(),
        DynamicImage::ImageRgb8(rgb) => super::geom::luma_of_rgb(rgb),
        other => other.to_luma8(),
    }
}

/// The image of `kind` (as [`check_header`] found it) as 8-bit grey or RGB, with its
/// EXIF orientation still to apply.
fn decode_8bit(
    bytes: &[u8],
    kind: ImageKind,
    max_pixels: u64,
) -> Result<(DynamicImage, image::metadata::Orientation), VisionError> {
    match kind {
        ImageKind::Png => return decode_png(bytes, max_pixels),
        ImageKind::Jpeg => return decode_jpeg(bytes, max_pixels, JpegOutput::AsStored),
        _ => {}
    }
    let (decoder, orientation) = open(bytes, kind, max_pixels)?;
    Ok((opaque_8bit(from_decoder(decoder)?), orientation))
}

fn from_decoder(decoder: impl ImageDecoder) -> Result<DynamicImage, VisionError> {
    DynamicImage::from_decoder(decoder).map_err(|e| VisionError::CorruptImage(e.to_string()))
}

/// The bytes decoding may take: what an 8-bit RGB image at the pixel limit takes (3 bytes
/// a pixel of `max_pixels`, 108 MB at the default 36 MP). Progressive JPEGs (whose
/// decoder holds every DCT coefficient, 2 bytes a sample, beside its output), 16-bit
/// TIFFs and alpha images spend it faster, so their pixel limit is lower: a progressive
/// colour JPEG's is 18 MP at the default.
pub fn decode_budget(max_pixels: u64) -> u64 {
    max_pixels.saturating_mul(3)
}

/// Checks the format (by content), the pixel limit and the decode budget as far as the
/// header bytes tell them. Checked before a decoder opens: decoders read further than the
/// header before they report dimensions, so a header-only bomb would otherwise look
/// truncated.
fn check_header(bytes: &[u8], max_pixels: u64) -> Result<ImageKind, VisionError> {
    if bytes.is_empty() {
        return Err(VisionError::UnsupportedImage("the input is empty".into()));
    }
    let kind = ImageKind::sniff(bytes)
        .ok_or_else(|| VisionError::UnsupportedImage(format!("not a {SUPPORTED} image")))?;
    if let Some((w, h)) = header_dimensions(bytes) {
        check_cost(w, h, max_pixels, header_cost_per_pixel(bytes))?;
    }
    Ok(kind)
}

/// Refuses a `w` x `h` image over the pixel limit, or whose decoding takes more than the
/// budget at `cost` bytes a pixel.
fn check_cost(w: u32, h: u32, max_pixels: u64, cost: f64) -> Result<(), VisionError> {
    let pixels = u64::from(w) * u64::from(h);
    let budget = decode_budget(max_pixels);
    let limit = max_pixels.min((budget as f64 / cost.max(1.0)) as u64);
    if pixels > limit {
        return Err(VisionError::TooLarge {
            width: w,
            height: h,
            max_pixels: limit,
        });
    }
    Ok(())
}

/// A PNG through the `png` crate, which `image` uses too, asked to strip 16-bit samples
/// to 8 bits as it decodes (so a 16-bit image costs no more than an 8-bit one) and to
/// expand palettes and low bit depths.
fn decode_png(
    bytes: &[u8],
    max_pixels: u64,
) -> Result<(DynamicImage, image::metadata::Orientation), VisionError> {
    let corrupt = |e: png::DecodingError| VisionError::CorruptImage(e.to_string());
    let budget = decode_budget(max_pixels);
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: usize::try_from(budget.saturating_add(1 << 20)).unwrap_or(usize::MAX),
        },
    );
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let (w, h) = reader.info().size();
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| VisionError::CorruptImage("the PNG's size overflows".into()))?;
    let pixels = (u64::from(w) * u64::from(h)).max(1);
    check_cost(w, h, max_pixels, size as f64 / pixels as f64)?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(corrupt)?;
    buf.truncate(frame.buffer_size());
    let orientation = reader
        .info()
        .exif_metadata
        .as_deref()
        .and_then(image::metadata::Orientation::from_exif_chunk)
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let bad = || VisionError::CorruptImage("the PNG's pixels do not fill its size".into());
    let image = match frame.color_type {
        png::ColorType::Grayscale => {
            DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, buf).ok_or_else(bad)?)
        }
        png::ColorType::GrayscaleAlpha => {
            DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, over_white(buf, 2)).ok_or_else(bad)?)
        }
        png::ColorType::Rgb => {
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, buf).ok_or_else(bad)?)
        }
        png::ColorType::Rgba => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(w, h, over_white(buf, 4)).ok_or_else(bad)?,
        ),
        png::ColorType::Indexed => {
            return Err(VisionError::CorruptImage(
                "the PNG's palette could not be expanded".into(),
            ))
        }
    };
    Ok((image, orientation))
}

/// The image as 8-bit grey or RGB. Images with an alpha channel are shown over white
/// paper, as a viewer shows them (a scan's transparent margin is not black ink); 16-bit
/// images are scaled to 8 bits.
fn opaque_8bit(image: DynamicImage) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image,
        DynamicImage::ImageLumaA8(la) => DynamicImage::ImageLuma8(
            GrayImage::from_raw(w, h, over_white(la.into_raw(), 2)).expect("buffer matches size"),
        ),
        DynamicImage::ImageRgba8(rgba) => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(w, h, over_white(rgba.into_raw(), 4))
                .expect("buffer matches size"),
        ),
        other if other.color().has_alpha() => {
            opaque_8bit(DynamicImage::ImageRgba8(other.to_rgba8()))
        }
        other if other.color().has_color() => DynamicImage::ImageRgb8(other.to_rgb8()),
        other => DynamicImage::ImageLuma8(other.to_luma8()),
    }
}

/// 8-bit pixels of `channels` samples, the last of them alpha, shown over white, in place:
/// the buffer comes back without its alpha samples (and its spare memory given back).
fn over_white(mut buf: Vec<u8>, channels: usize) -> Vec<u8> {
    let colour = channels - 1;
    let pixels = buf.len() / channels;
    for i in 0..pixels {
        let a = u16::from(buf[i * channels + colour]);
        for k in 0..colour {
            // Written at or before where it is read: each pixel's samples are read before
            // any later pixel's are written.
            let c = u16::from(buf[i * channels + k]);
            buf[i * colour + k] = ((c * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    buf.truncate(pixels * colour);
    buf.shrink_to_fit();
    buf
}

/// The image reduced to at most [`WORK_MAX_PIXELS`] (its aspect kept) by an area average
/// computed in place, with the displayed pixels per reduced pixel (1 when it was small
/// enough).
fn reduce(image: DynamicImage) -> (DynamicImage, f32) {
    let (w, h) = (image.width(), image.height());
    let pixels = u64::from(w) * u64::from(h);
    if pixels <= WORK_MAX_PIXELS {
        return (image, 1.0);
    }
    let k = (pixels as f64 / WORK_MAX_PIXELS as f64).sqrt();
    let (rw, rh) = (
        ((f64::from(w) / k).floor() as u32).max(1),
        ((f64::from(h) / k).floor() as u32).max(1),
    );
    let scale = ((f64::from(w) / f64::from(rw) + f64::from(h) / f64::from(rh)) / 2.0) as f32;
    let image = match image {
        DynamicImage::ImageLuma8(g) => DynamicImage::ImageLuma8(
            GrayImage::from_raw(rw, rh, area_reduce(g.into_raw(), (w, h), (rw, rh), 1))
                .expect("buffer matches size"),
        ),
        DynamicImage::ImageRgb8(rgb) => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(rw, rh, area_reduce(rgb.into_raw(), (w, h), (rw, rh), 3))
                .expect("buffer matches size"),
        ),
        other => return reduce(opaque_8bit(other)),
    };
    (image, scale)
}

/// Reduces `w` x `h` pixels of `c` samples to `rw` x `rh` (no larger) in the same buffer:
/// each reduced pixel is the mean of the source pixels its area covers. In place, because
/// a reduced pixel is written at an index no later than the first source pixel of its own
/// area or of any area after it, so nothing is overwritten before it is read.
fn area_reduce(mut buf: Vec<u8>, (w, h): (u32, u32), (rw, rh): (u32, u32), c: usize) -> Vec<u8> {
    let (w, h, rw, rh) = (w as usize, h as usize, rw as usize, rh as usize);
    let col_start: Vec<usize> = (0..=rw).map(|x| x * w / rw).collect();
    let mut sums = vec![0u32; w * c];
    for y in 0..rh {
        let (y0, y1) = (y * h / rh, (y + 1) * h / rh);
        sums.iter_mut().for_each(|s| *s = 0);
        for row in y0..y1 {
            let src = &buf[row * w * c..(row + 1) * w * c];
            sums.iter_mut()
                .zip(src)
                .for_each(|(s, &v)| *s += u32::from(v));
        }
        for x in 0..rw {
            let (x0, x1) = (col_start[x], col_start[x + 1]);
            let area = ((x1 - x0) * (y1 - y0)) as u32;
            for k in 0..c {
                let total: u32 = (x0..x1).map(|sx| sums[sx * c + k]).sum();
                buf[(y * rw + x) * c + k] = ((total + area / 2) / area) as u8;
            }
        }
    }
    buf.truncate(rw * rh * c);
    buf.shrink_to_fit();
    buf
}

/// What [`decode_jpeg`] asks of the JPEG decoder.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JpegOutput {
    /// Grey for grey JPEGs, RGB for the rest (CMYK and YCCK converted).
    AsStored,
    /// The luma channel alone: for a colour JPEG this skips the chroma transforms,
    /// upsampling and colour conversion (about a third of the decode).
    Luma,
}

/// A JPEG (whose header [`check_header`] has passed) as 8-bit grey or RGB, with its EXIF
/// orientation still to apply. Decoded by `zune-jpeg` straight from `bytes`: the `image`
/// crate's JPEG decoder first copies its whole input, which for a 15 MB upload at the
/// pixel limit is 15 MB more at the read's peak (#11's memory limit).
fn decode_jpeg(
    bytes: &[u8],
    max_pixels: u64,
    output: JpegOutput,
) -> Result<(DynamicImage, image::metadata::Orientation), VisionError> {
    use zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let corrupt = |e: zune_jpeg::errors::DecodeErrors| VisionError::CorruptImage(e.to_string());
    // Not strict: a JPEG that viewers show (a missing end marker, a short last scan)
    // decodes as far as it goes, as the `image` crate's decoder lets it.
    let options = DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(corrupt)?;
    let (w, h) = decoder
        .dimensions()
        .ok_or_else(|| VisionError::CorruptImage("the JPEG has no frame header".into()))?;
    let (w, h) = (w as u32, h as u32);
    // Again with the decoder's own dimensions: the header walk may have stopped short.
    check_cost(w, h, max_pixels, header_cost_per_pixel(bytes))?;
    let stored = decoder.input_colorspace();
    let grey = matches!(stored, Some(ColorSpace::Luma | ColorSpace::LumaA));
    let out = if grey || output == JpegOutput::Luma {
        ColorSpace::Luma
    } else {
        ColorSpace::RGB
    };
    let orientation = decoder
        .exif()
        .and_then(|exif| image::metadata::Orientation::from_exif_chunk(exif))
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    decoder.set_options(decoder.options().jpeg_set_out_colorspace(out));
    let pixels = decoder.decode().map_err(corrupt)?;
    let short = || VisionError::CorruptImage("the JPEG's pixels do not fill its size".into());
    let image = match decoder.output_colorspace() {
        Some(ColorSpace::Luma) => {
            DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, pixels).ok_or_else(short)?)
        }
        Some(ColorSpace::RGB) => {
            DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, pixels).ok_or_else(short)?)
        }
        // A colour space the decoder would not turn into the one asked (luma from CMYK):
        // in RGB, then luma.
        _ if out == ColorSpace::Luma && !grey => {
            drop(pixels);
            return decode_jpeg(bytes, max_pixels, JpegOutput::AsStored);
        }
        other => {
            return Err(VisionError::CorruptImage(format!(
                "the JPEG decoded to an unexpected colour space ({other:?})"
            )))
        }
    };
    Ok((image, orientation))
}

/// Opens a decoder for a format other than PNG and JPEG (whose header [`check_header`] has
/// passed) and checks what it reports against the limits; returns it with the EXIF
/// orientation to apply.
fn open(
    bytes: &[u8],
    kind: ImageKind,
    max_pixels: u64,
) -> Result<(impl ImageDecoder + '_, image::metadata::Orientation), VisionError> {
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(kind.format());
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| VisionError::CorruptImage(e.to_string()))?;
    let (w, h) = decoder.dimensions();
    let pixels = (u64::from(w) * u64::from(h)).max(1);
    // What the decoder returns, plus the 8-bit copy a 16-bit image is turned into; the
    // TIFF decoder fills a buffer of its own and copies it into the one it returns.
    let returned = decoder.total_bytes();
    let eight_bit = u64::from(decoder.color_type().channel_count()) * pixels;
    let mut cost = returned + if returned > eight_bit { eight_bit } else { 0 };
    match kind {
        ImageKind::Tiff => cost += returned,
        // The WebP decoder works on 4 bytes a pixel (ARGB) before it writes the output.
        ImageKind::WebP => cost += 4 * pixels,
        _ => {}
    }
    check_cost(w, h, max_pixels, cost as f64 / pixels as f64)?;
    // The allocation limit backs up both checks for decoders that allocate more than the
    // image they return.
    let mut limits = Limits::default();
    limits.max_alloc = Some(decode_budget(max_pixels).saturating_add(1 << 20));
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

/// Bytes a pixel takes to decode, as far as the header tells: a PNG's samples (8 bits
/// each, as [`decode_png`] strips 16-bit ones); a JPEG's output samples, and for a
/// progressive JPEG also its DCT coefficients (2 bytes each, every component at its own
/// sampling: 3 bytes a pixel for 4:2:0 colour); 1 otherwise (the decoder's own figure
/// backs this up once it opens).
fn header_cost_per_pixel(bytes: &[u8]) -> f64 {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        return match bytes.get(25) {
            Some(2) => 3.0,
            Some(4) => 2.0,
            Some(6) => 4.0,
            // Palette images expand to RGB or RGBA.
            Some(3) => 4.0,
            _ => 1.0,
        };
    }
    let Some((marker, at)) = jpeg_frame(bytes) else {
        return 1.0;
    };
    let components = usize::from(bytes.get(at + 9).copied().unwrap_or(1)).clamp(1, 4);
    let sampling: Vec<(f64, f64)> = (0..components)
        .map(|i| {
            let f = bytes.get(at + 11 + 3 * i).copied().unwrap_or(0x11);
            (f64::from((f >> 4).max(1)), f64::from((f & 15).max(1)))
        })
        .collect();
    let output = if components == 1 { 1.0 } else { 3.0 };
    // SOF2, SOF6, SOF10 and SOF14 are the progressive frames.
    if ![0xc2, 0xc6, 0xca, 0xce].contains(&marker) {
        return output;
    }
    let h_max = sampling.iter().map(|s| s.0).fold(1.0, f64::max);
    let v_max = sampling.iter().map(|s| s.1).fold(1.0, f64::max);
    let samples: f64 = sampling.iter().map(|(h, v)| h * v / (h_max * v_max)).sum();
    output + 2.0 * samples
}

/// A JPEG's start-of-frame marker (0xc0 to 0xcf, less DHT, JPG and DAC) and the index of
/// its 0xff byte; None when the bytes are not a JPEG or end before it.
fn jpeg_frame(bytes: &[u8]) -> Option<(u8, usize)> {
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
        if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
            return Some((marker, i));
        }
        if marker == 0xd8 || (0xd0..=0xd7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        i += 2 + usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
    }
    None
}

/// Width and height as a PNG's IHDR or a JPEG's start-of-frame marker states them, read
/// without decoding anything; None when the bytes are neither or the header is cut.
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
    let (_, i) = jpeg_frame(bytes)?;
    Some((be16(i + 7)?, be16(i + 5)?))
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
        let (luma, scale) = decode_gray(&jpeg, 1 << 20).unwrap();
        assert_eq!(scale, 1.0);
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
    fn the_in_place_area_reduction_matches_a_plain_area_average() {
        let (w, h, rw, rh, c) = (37usize, 23usize, 15usize, 9usize, 3usize);
        let src: Vec<u8> = (0..w * h * c).map(|i| ((i * 7919) % 256) as u8).collect();
        let got = area_reduce(src.clone(), (w as u32, h as u32), (rw as u32, rh as u32), c);
        assert_eq!(got.len(), rw * rh * c);
        for y in 0..rh {
            for x in 0..rw {
                let (x0, x1, y0, y1) = (x * w / rw, (x + 1) * w / rw, y * h / rh, (y + 1) * h / rh);
                for k in 0..c {
                    let mut total = 0u32;
                    for sy in y0..y1 {
                        for sx in x0..x1 {
                            total += u32::from(src[(sy * w + sx) * c + k]);
                        }
                    }
                    let area = ((x1 - x0) * (y1 - y0)) as u32;
                    assert_eq!(got[(y * rw + x) * c + k], ((total + area / 2) / area) as u8);
                }
            }
        }
    }

    #[test]
    fn alpha_is_shown_over_white_in_place() {
        // Opaque red, transparent black, half-transparent black.
        let rgba = vec![255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128];
        assert_eq!(
            over_white(rgba, 4),
            vec![255, 0, 0, 255, 255, 255, 127, 127, 127]
        );
        assert_eq!(over_white(vec![10, 255, 10, 0], 2), vec![10, 255]);
    }

    #[test]
    fn a_progressive_jpeg_is_charged_for_its_coefficients() {
        // A baseline and a progressive 4:2:0 colour frame header (SOF0 / SOF2), 3
        // components: Y sampled 2x2, Cb and Cr 1x1.
        let frame = |marker: u8| {
            let mut b = vec![0xff, 0xd8, 0xff, marker, 0, 17, 8, 0x10, 0, 0x10, 0, 3];
            b.extend([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
            b
        };
        assert_eq!(header_cost_per_pixel(&frame(0xc0)), 3.0);
        assert_eq!(header_cost_per_pixel(&frame(0xc2)), 6.0);
        assert_eq!(header_dimensions(&frame(0xc2)), Some((4096, 4096)));
    }

    #[test]
    fn text_is_not_an_image() {
        assert!(decode(b"hello, this is text", 1000).is_err());
    }
}
