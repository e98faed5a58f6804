//! The request: body extraction, payload validation (marshmallow's rules and messages, as
//! Kredibel's Flask service applies them) and image decoding.

use axum::extract::{FromRequest, Request};
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde_json::{Map, Value};

use super::error::{FieldErrors, KredibelError};
use crate::server::body::{self, BodyError};
use crate::vision::image_io::{self, ImageKind};

/// The JSON body, parsed but not yet validated (the key may be inside it).
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = KredibelError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body::whole(req).await.map_err(|e| match e {
            BodyError::TooLarge => {
                KredibelError::ImageTooLarge("the request body is over the size limit".into())
            }
            BodyError::Unreadable(_) => {
                KredibelError::field("json", "Could not read the request body.")
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| KredibelError::field("json", "Invalid JSON body."))
    }
}

/// A validated request.
#[derive(Clone, Debug, PartialEq)]
pub struct PassportRequest {
    /// Base64 as sent (not yet decoded).
    pub image: String,
    /// `cardDetect`, default true.
    pub card_detect: bool,
    /// `passCardDetect`, default true.
    pub pass_card_detect: bool,
    /// `flipImage`, default false.
    pub flip_image: bool,
    /// `checkFlipImage`, default false.
    pub check_flip_image: bool,
}

/// Every field the body may hold.
pub const FIELDS: [&str; 6] = [
    "image",
    "cardDetect",
    "passCardDetect",
    "flipImage",
    "checkFlipImage",
    "key",
];

const REQUIRED: &str = "Missing data for required field.";
const NOT_NULL: &str = "Field may not be null.";
const NOT_STRING: &str = "Not a valid string.";
const NOT_BOOLEAN: &str = "Not a valid boolean.";
const UNKNOWN: &str = "Unknown field.";

impl PassportRequest {
    /// Validates a body the way marshmallow does, reporting every field's errors at once.
    pub fn from_value(value: Value) -> Result<PassportRequest, KredibelError> {
        let Value::Object(map) = value else {
            return Err(KredibelError::field("_schema", "Invalid input type."));
        };
        let mut errors = FieldErrors::new();
        for name in map.keys() {
            if !FIELDS.contains(&name.as_str()) {
                errors.insert(name.clone(), vec![UNKNOWN.into()]);
            }
        }
        let mut note = |name: &str, message: &str| {
            errors.insert(name.into(), vec![message.into()]);
        };
        let image = match map.get("image") {
            None => {
                note("image", REQUIRED);
                String::new()
            }
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) => {
                note("image", NOT_NULL);
                String::new()
            }
            Some(_) => {
                note("image", NOT_STRING);
                String::new()
            }
        };
        match map.get("key") {
            None | Some(Value::String(_)) => {}
            Some(Value::Null) => note("key", NOT_NULL),
            Some(_) => note("key", NOT_STRING),
        }
        let mut flag = |name: &str, default: bool| match boolean(&map, name) {
            Ok(b) => b.unwrap_or(default),
            Err(message) => {
                note(name, message);
                default
            }
        };
        let request = PassportRequest {
            card_detect: flag("cardDetect", true),
            pass_card_detect: flag("passCardDetect", true),
            flip_image: flag("flipImage", false),
            check_flip_image: flag("checkFlipImage", false),
            image,
        };
        if errors.is_empty() {
            Ok(request)
        } else {
            Err(KredibelError::Validation(errors))
        }
    }
}

/// A boolean field: marshmallow's `Boolean` accepts these spellings besides JSON booleans.
fn boolean(map: &Map<String, Value>, name: &str) -> Result<Option<bool>, &'static str> {
    const TRUTHY: [&str; 14] = [
        "t", "T", "true", "True", "TRUE", "on", "On", "ON", "y", "Y", "yes", "Yes", "YES", "1",
    ];
    const FALSY: [&str; 14] = [
        "f", "F", "false", "False", "FALSE", "off", "Off", "OFF", "n", "N", "no", "No", "NO", "0",
    ];
    match map.get(name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Null) => Err(NOT_NULL),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(1.0) => Ok(Some(true)),
            Some(0.0) => Ok(Some(false)),
            _ => Err(NOT_BOOLEAN),
        },
        Some(Value::String(s)) if TRUTHY.contains(&s.as_str()) => Ok(Some(true)),
        Some(Value::String(s)) if FALSY.contains(&s.as_str()) => Ok(Some(false)),
        Some(_) => Err(NOT_BOOLEAN),
    }
}

const PERMISSIVE: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, PERMISSIVE);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, PERMISSIVE);

/// Decodes the `image` field: base64 in the standard or URL-safe alphabet, padding optional,
/// whitespace anywhere ignored, a `data:...;base64,` prefix allowed. Then checks the size
/// (at most `max_bytes` decoded) and that it is an image the reader decodes, by its
/// signature.
pub fn decode_image(image: &str, max_bytes: usize) -> Result<Vec<u8>, KredibelError> {
    let mut text = image.trim_start();
    if text
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
    {
        let comma = text.find(',').ok_or(KredibelError::InvalidBase64)?;
        text = &text[comma + 1..];
    }
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(KredibelError::InvalidImage("the image is empty".into()));
    }
    // Refuse before decoding what cannot fit: 4 characters carry 3 bytes.
    if compact.len() / 4 * 3 > max_bytes + 3 {
        return Err(too_large(max_bytes));
    }
    let url_safe = compact.iter().any(|&b| b == b'-' || b == b'_');
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    let bytes = engine
        .decode(&compact)
        .map_err(|_| KredibelError::InvalidBase64)?;
    if bytes.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    if ImageKind::sniff(&bytes).is_none() {
        return Err(KredibelError::InvalidImage(format!(
            "only {} images are supported",
            image_io::SUPPORTED
        )));
    }
    Ok(bytes)
}

fn too_large(max_bytes: usize) -> KredibelError {
    KredibelError::ImageTooLarge(format!("the decoded image is over {max_bytes} bytes"))
}

/// The body limit for a `max_image_bytes` image: its base64 length, plus 5% for line
/// breaks and 64 KiB for the rest of the JSON.
pub fn body_limit(max_image_bytes: usize) -> usize {
    let b64 = max_image_bytes.div_ceil(3) * 4;
    b64 + b64 / 20 + 64 * 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(v: Value) -> FieldErrors {
        match PassportRequest::from_value(v) {
            Err(KredibelError::Validation(e)) => e,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_apply_when_only_the_image_is_sent() {
        let r = PassportRequest::from_value(json!({"image": "abc"})).unwrap();
        assert!(r.card_detect && r.pass_card_detect);
        assert!(!r.flip_image && !r.check_flip_image);
    }

    #[test]
    fn booleans_accept_marshmallow_spellings() {
        let r = PassportRequest::from_value(json!({
            "image": "a", "cardDetect": "false", "passCardDetect": 0,
            "flipImage": "yes", "checkFlipImage": 1, "key": "k"
        }))
        .unwrap();
        assert!(!r.card_detect && !r.pass_card_detect && r.flip_image && r.check_flip_image);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let e = errors(json!({"foo": 1, "cardDetect": "maybe", "flipImage": null, "key": 5}));
        assert_eq!(e["foo"], vec![UNKNOWN]);
        assert_eq!(e["image"], vec![REQUIRED]);
        assert_eq!(e["cardDetect"], vec![NOT_BOOLEAN]);
        assert_eq!(e["flipImage"], vec![NOT_NULL]);
        assert_eq!(e["key"], vec![NOT_STRING]);
        assert_eq!(errors(json!({"image": 7}))["image"], vec![NOT_STRING]);
        assert_eq!(errors(json!([1]))["_schema"], vec!["Invalid input type."]);
    }

    const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn images_decode_with_prefixes_whitespace_and_either_alphabet() {
        let standard = STANDARD.encode(PNG_HEAD);
        let spaced: String = standard
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                if i % 4 == 3 {
                    vec![c, '\n', ' ']
                } else {
                    vec![c]
                }
            })
            .collect();
        for text in [
            standard.clone(),
            spaced,
            format!("data:image/png;base64,{standard}"),
            standard.trim_end_matches('=').to_string(),
            URL_SAFE.encode(b"\x89PNG\r\n\x1a\n\xfb\xff\xfe"),
        ] {
            let bytes = decode_image(&text, 1000).unwrap();
            assert!(bytes.starts_with(b"\x89PNG"), "{text}");
        }
    }

    #[test]
    fn bad_base64_wrong_formats_and_big_images_are_refused() {
        assert!(matches!(
            decode_image("not base64!!", 1000),
            Err(KredibelError::InvalidBase64)
        ));
        assert!(matches!(
            decode_image("data:image/png;base64", 1000),
            Err(KredibelError::InvalidBase64)
        ));
        assert!(matches!(
            decode_image(&STANDARD.encode(b"GIF89a......"), 1000),
            Err(KredibelError::InvalidImage(_))
        ));
        assert!(matches!(
            decode_image("  ", 1000),
            Err(KredibelError::InvalidImage(_))
        ));
        assert!(matches!(
            decode_image("éé", 1000),
            Err(KredibelError::InvalidBase64)
        ));
        let big = [PNG_HEAD, &[0u8; 100]].concat();
        assert!(matches!(
            decode_image(&STANDARD.encode(&big), 50),
            Err(KredibelError::ImageTooLarge(_))
        ));
        assert!(decode_image(&STANDARD.encode(&big), big.len()).is_ok());
    }

    #[test]
    fn the_body_limit_fits_a_full_size_image_in_wrapped_base64() {
        let max: usize = 2 * 1024 * 1024;
        let wrapped = max.div_ceil(3) * 4 * 78 / 76;
        assert!(body_limit(max) > wrapped + 1000);
    }
}
