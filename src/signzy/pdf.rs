//! A passport scan inside a PDF: the page image is taken out of the file (a JPEG stored
//! as `DCTDecode`, or 8-bit grey/RGB pixels stored as `FlateDecode`), from the first
//! pages, by lopdf (pure Rust). Encrypted, broken and bomb-like files are refused.

use std::io::Read;

use lopdf::{Document, LoadOptions, Object};

/// Most pages looked at.
const MAX_PAGES: usize = 10;
/// The largest any stream may inflate to while the file is loaded.
const MAX_INFLATED: usize = 16 * 1024 * 1024;
/// Images smaller than this on both sides are logos or icons, not a page scan.
const MIN_SIDE: i64 = 200;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PdfError {
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("the PDF cannot be read: {0}")]
    Broken(String),
    #[error("the PDF holds no page image (only scanned pages, stored as JPEG or 8-bit images, are read)")]
    NoImage,
    #[error("the PDF's page image is too large: {0}")]
    TooLarge(String),
}

/// A page's scan as the PDF stores it.
pub enum PageImage {
    /// A JPEG file (`DCTDecode`), to decode as any upload.
    Jpeg(Vec<u8>),
    /// Pixels inflated from a `FlateDecode` stream (8-bit grey or RGB).
    Pixels(image::DynamicImage),
}

/// The image of the first page that holds a scan.
pub fn page_image(bytes: &[u8], max_pixels: u64) -> Result<PageImage, PdfError> {
    let opts = LoadOptions {
        max_decompressed_size: Some(MAX_INFLATED),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, opts).map_err(|e| {
        let text = e.to_string();
        if text.to_ascii_lowercase().contains("encrypt")
            || text.to_ascii_lowercase().contains("password")
        {
            PdfError::Encrypted
        } else {
            PdfError::Broken(text)
        }
    })?;
    if doc.is_encrypted() || doc.was_encrypted() {
        return Err(PdfError::Encrypted);
    }
    for (_, page) in doc.get_pages().into_iter().take(MAX_PAGES) {
        let Ok(images) = doc.get_page_images(page) else {
            continue;
        };
        let Some(img) = images
            .into_iter()
            .filter(|i| i.width >= MIN_SIDE || i.height >= MIN_SIDE)
            .max_by_key(|i| i.width.saturating_mul(i.height))
        else {
            continue;
        };
        let (w, h) = (img.width, img.height);
        if w <= 0 || h <= 0 {
            continue;
        }
        if (w as u64).saturating_mul(h as u64) > max_pixels {
            return Err(PdfError::TooLarge(format!("{w}x{h} pixels")));
        }
        let filters = img.filters.clone().unwrap_or_default();
        match filters
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["DCTDecode"] => return Ok(PageImage::Jpeg(img.content.to_vec())),
            ["FlateDecode"] | [] => {
                if matches!(
                    img.origin_dict.get(b"DecodeParms"),
                    Ok(Object::Dictionary(d)) if d.get(b"Predictor").and_then(Object::as_i64).unwrap_or(1) > 1
                ) {
                    return Err(PdfError::Broken(
                        "image predictors are not supported".into(),
                    ));
                }
                let channels = match img.color_space.as_deref() {
                    Some("DeviceRGB") => 3usize,
                    Some("DeviceGray") => 1,
                    _ => return Err(PdfError::NoImage),
                };
                if img.bits_per_component != Some(8) {
                    return Err(PdfError::NoImage);
                }
                let need = w as usize * h as usize * channels;
                let raw = if filters.is_empty() {
                    img.content.to_vec()
                } else {
                    let mut out = Vec::with_capacity(need.min(MAX_INFLATED));
                    flate2::read::ZlibDecoder::new(img.content)
                        .take(need as u64 + 1)
                        .read_to_end(&mut out)
                        .map_err(|e| PdfError::Broken(e.to_string()))?;
                    out
                };
                if raw.len() < need {
                    return Err(PdfError::Broken("the page image is truncated".into()));
                }
                let mut raw = raw;
                raw.truncate(need);
                let (w, h) = (w as u32, h as u32);
                // Handed over as pixels: encoding them again for the decoder would hold
                // the page twice.
                return Ok(PageImage::Pixels(if channels == 3 {
                    image::DynamicImage::ImageRgb8(
                        image::RgbImage::from_raw(w, h, raw).ok_or(PdfError::NoImage)?,
                    )
                } else {
                    image::DynamicImage::ImageLuma8(
                        image::GrayImage::from_raw(w, h, raw).ok_or(PdfError::NoImage)?,
                    )
                }));
            }
            _ => return Err(PdfError::NoImage),
        }
    }
    Err(PdfError::NoImage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_not_a_pdf_is_broken() {
        assert!(matches!(
            page_image(b"%PDF-1.4\nnonsense", 1000),
            Err(PdfError::Broken(_))
        ));
    }
}
