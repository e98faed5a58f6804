//! `POST /api/v2/snoops`: the tasks run on an identity. `faceExtraction` crops the holder's
//! portrait from `essentials.url` and stores it for `signzy.crop_ttl_secs`;
//! `autoRecognition` reads the MRZ on the identity's images.

use axum::extract::State;

use super::identities::{self, Identity};
use super::result::passport_result;
use super::wire::{Answer, Body, Cropped, Instance, SnoopRequest, SnoopResponse, TaskResponse};
use super::{pdf, Ctx, SignzyError, MAX_INPUT_BYTES};
use crate::fetch;
use crate::ids;
use crate::storage::files::{self, StoredFile};
use crate::vision::mrz::Mrz;
use crate::vision::{image_io, ReadOptions, Reader, Reading, VisionError};

/// A crop's size at most, for the quota check before a read: a 35:45 JPEG at quality 90
/// at most 720 px high (`MAX_CROP_HEIGHT` in `vision::face`) stays well under 200 kB.
const CROP_BYTES_AT_MOST: u64 = 200_000;

/// A required text field of the body: 422 when absent or empty.
fn required(value: Option<String>, name: &str) -> Result<String, SignzyError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| SignzyError::Validation(format!("`{name}` is required")))
}

pub async fn snoop(
    State(ctx): State<Ctx>,
    body: Result<Body<SnoopRequest>, SignzyError>,
) -> Result<Answer<SnoopResponse>, SignzyError> {
    let Body(req) = body?;
    let service = required(req.service, "service")?;
    if !service.eq_ignore_ascii_case("identity") {
        return Err(SignzyError::Validation(
            "`service` must be \"Identity\"".into(),
        ));
    }
    let item_id = required(req.item_id, "itemId")?;
    let access_token = required(req.access_token, "accessToken")?;
    let task = required(req.task, "task")?;
    let identity = identities::authorized(&ctx, &item_id, &access_token).await?;
    let essentials = req.essentials.unwrap_or_default();
    let response = match task.as_str() {
        "faceExtraction" => {
            let url = essentials
                .url
                .clone()
                .filter(|u| !u.is_empty())
                .ok_or_else(|| SignzyError::Validation("`essentials.url` is required".into()))?;
            let cropped = face_extraction(&ctx, &url).await?;
            TaskResponse::FaceExtraction {
                url,
                id: ids::random_u53(),
                result: Cropped { cropped },
            }
        }
        "autoRecognition" if identity.kind == "passport" => {
            auto_recognition(&ctx, &identity, &item_id).await?
        }
        other => {
            return Err(SignzyError::UnsupportedTask(format!(
                "the task `{other}` is not offered for identities of type `{}`{}",
                identity.kind,
                if identity.kind == "passport" {
                    ": passports offer `autoRecognition` and `faceExtraction`"
                } else {
                    ""
                }
            )))
        }
    };
    tracing::info!(task, "snoop answered");
    Ok(Answer(SnoopResponse {
        service,
        item_id,
        task,
        essentials,
        access_token,
        id: ids::object_id(),
        response,
    }))
}

/// The id and file name of a `directURL` of this service, if `url` is one.
fn own_file(public_url: &str, url: &str) -> Option<(u64, String)> {
    let rest = url.trim().strip_prefix(public_url)?;
    let rest = rest
        .strip_prefix("/api/files/")
        .or_else(|| rest.strip_prefix("/api/base64strings/"))?;
    let (id, rest) = rest.split_once('/')?;
    let name = rest.strip_prefix("download/")?;
    let name = name.split(['?', '#']).next()?;
    Some((id.parse().ok()?, name.to_string()))
}

/// The bytes at `url`: read from storage for this service's own files, else fetched.
async fn load_url(ctx: &Ctx, url: &str) -> Result<Vec<u8>, SignzyError> {
    let public = ctx.app.config.public_url();
    if let Some((id, name)) = own_file(&public, url) {
        let (bytes, _) = files::load(&ctx.app.storage, id, &name)
            .await?
            .ok_or_else(|| {
                SignzyError::BadRequest("the file at the URL does not exist or has expired".into())
            })?;
        if bytes.len() > MAX_INPUT_BYTES {
            return Err(SignzyError::BadRequest(
                "the file is larger than 2 MB".into(),
            ));
        }
        return Ok(Vec::from(bytes));
    }
    let mut policy = ctx.sz.fetch.clone();
    policy.max_bytes = MAX_INPUT_BYTES;
    fetch::fetch(url, &policy).await.map_err(|e| {
        tracing::info!(error = %e, "fetch refused or failed");
        SignzyError::BadRequest(e.to_string())
    })
}

/// The image bytes of the input: images as they are, a PDF's page image.
/// The page an upload shows: an image, or the scan on a PDF's first pages.
enum Page {
    Encoded(Vec<u8>),
    Pixels(image::DynamicImage),
}

impl Page {
    fn of(bytes: Vec<u8>, max_pixels: u64) -> Result<Page, SignzyError> {
        match files::sniff(&bytes) {
            Some("application/pdf") => match pdf::page_image(&bytes, max_pixels) {
                Ok(pdf::PageImage::Jpeg(jpeg)) => Ok(Page::Encoded(jpeg)),
                Ok(pdf::PageImage::Pixels(pixels)) => Ok(Page::Pixels(pixels)),
                Err(e) => Err(SignzyError::BadRequest(e.to_string())),
            },
            Some(_) => Ok(Page::Encoded(bytes)),
            None => Err(SignzyError::BadRequest(format!(
                "the file is not a {} image or a PDF",
                image_io::SUPPORTED
            ))),
        }
    }

    fn decode(self, max_pixels: u64) -> Result<image_io::Decoded, SignzyError> {
        match self {
            Page::Encoded(bytes) => image_io::decode(&bytes, max_pixels).map_err(vision_error),
            Page::Pixels(pixels) => Ok(image_io::from_pixels(pixels)),
        }
    }

    fn read(self, reader: &Reader, opts: &ReadOptions) -> Result<Reading, SignzyError> {
        match self {
            // The luma-first read: all most MRZ reads need.
            Page::Encoded(bytes) => reader.read_bytes(&bytes, opts),
            Page::Pixels(pixels) => reader.read_decoded(&image_io::from_pixels(pixels), opts),
        }
        .map_err(vision_error)
    }
}

fn vision_error(e: VisionError) -> SignzyError {
    match e {
        VisionError::Model(e) => {
            tracing::error!(error = %e, "a model failed");
            SignzyError::Internal
        }
        other => SignzyError::BadRequest(format!("the image cannot be used: {other}")),
    }
}

/// Finds the portrait on the image at `url`, stores the crop and answers its URL.
async fn face_extraction(ctx: &Ctx, url: &str) -> Result<String, SignzyError> {
    // A full store refuses before any fetch or read, not after.
    ctx.app.storage.make_room(CROP_BYTES_AT_MOST)?;
    let bytes = load_url(ctx, url).await?;
    let (reader, faces) = (ctx.app.reader.clone(), ctx.app.faces.clone());
    let opts = ctx.app.read_options(true, false, true);
    let jpeg = ctx
        .app
        .pool
        .run(move || -> Result<Vec<u8>, SignzyError> {
            let decoded = Page::of(bytes, opts.max_pixels)?.decode(opts.max_pixels)?;
            let search = reader
                .find_portrait(&faces, &decoded, &opts)
                .map_err(vision_error)?;
            // A portrait found without a page (no MRZ legible) is still the holder's face,
            // which is all the API promises.
            let portrait = match search.portrait {
                Some(p) => p,
                // No page placed by an MRZ (a page without edges still counts).
                None if search.document.reading_quad().is_none() => {
                    return Err(SignzyError::NoDocument)
                }
                None => return Err(SignzyError::NoFace),
            };
            Ok(portrait.jpeg(90))
        })
        .await??;
    let file: StoredFile =
        files::save(&ctx.app.storage, &jpeg, "image/jpeg", Some(ctx.sz.crop_ttl)).await?;
    tracing::info!("face extracted");
    Ok(format!("{}{}", ctx.app.config.public_url(), file.path()))
}

/// Reads the MRZ on the identity's images and fills Signzy's passport result.
async fn auto_recognition(
    ctx: &Ctx,
    identity: &Identity,
    item_id: &str,
) -> Result<TaskResponse, SignzyError> {
    if identity.images.is_empty() {
        return Err(SignzyError::Validation(
            "the identity has no `images` to read".into(),
        ));
    }
    let mut best: Option<Mrz> = None;
    for url in &identity.images {
        let bytes = load_url(ctx, url).await?;
        let reader = ctx.app.reader.clone();
        let opts = ctx.app.read_options(true, false, true);
        let reading = ctx
            .app
            .pool
            .run(move || -> Result<_, SignzyError> {
                Page::of(bytes, opts.max_pixels)?.read(&reader, &opts)
            })
            .await??;
        crate::server::metrics::read("signzy", &reading);
        if let Some(m) = reading.mrz {
            let better = best
                .as_ref()
                .is_none_or(|b| (m.valid, m.confidence) > (b.valid, b.confidence));
            if better {
                best = Some(m);
            }
        }
    }
    let m = best.ok_or_else(|| {
        SignzyError::NotReadable(
            "no machine-readable zone could be read on the identity's images".into(),
        )
    })?;
    Ok(TaskResponse::AutoRecognition {
        files: identity.images.clone(),
        id: ids::random_u53(),
        instance: Instance {
            id: item_id.to_string(),
            callback_url: identity.callback_url.clone(),
        },
        result: Box::new(passport_result(&m.fields, crate::clock::today())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_direct_urls_are_recognised() {
        let p = "http://127.0.0.1:8080";
        assert_eq!(
            own_file(p, "http://127.0.0.1:8080/api/files/12/download/ab.jpeg"),
            Some((12, "ab.jpeg".into()))
        );
        assert_eq!(
            own_file(p, "http://127.0.0.1:8081/api/files/12/download/ab.jpeg"),
            None
        );
        assert_eq!(
            own_file(p, "http://127.0.0.1:8080/other/12/download/ab.jpeg"),
            None
        );
    }
}
