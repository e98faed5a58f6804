//! Reading a whole request body into one buffer, sized from the start.
//!
//! axum's `Bytes` extractor keeps every chunk hyper hands it until the last arrives, then
//! copies them into one buffer. For a 15 MB upload that is 15 MB of small allocations
//! beside the 15 MB copy, and the allocator keeps the chunks' memory after they are
//! freed, so it still counts when the image decodes (`tests/memory.rs`: +143.6 MB of a
//! 150 MB limit, +135 MB read this way). Here the buffer is allocated once, at the size
//! the request declares (never more than the route's body limit), and each chunk is
//! freed as soon as it is copied.

use axum::body::Bytes;
use axum::extract::Request;
use axum::RequestExt;
use http_body_util::BodyExt;

/// Why a body could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Over the route's body limit (`DefaultBodyLimit`).
    TooLarge,
    /// The connection failed or the body was malformed on the wire; the message says how.
    Unreadable(String),
}

/// The whole body of `req`, within the route's `DefaultBodyLimit` (2 MB where none is set).
pub async fn whole(req: Request) -> Result<Bytes, BodyError> {
    let mut body = req.with_limited_body().into_body();
    // The limited body's hint is the declared length, capped at the limit.
    let hint = axum::body::HttpBody::size_hint(&body);
    let capacity = hint.exact().unwrap_or(hint.lower());
    let mut buf = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if is_length_limit(&e) {
                BodyError::TooLarge
            } else {
                BodyError::Unreadable(e.to_string())
            }
        })?;
        if let Some(data) = frame.data_ref() {
            buf.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(buf))
}

/// Whether `e`, or an error it wraps, is the body limit's.
fn is_length_limit(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::http::StatusCode;
    use axum::routing::post;
    use axum::Router;
    use tower::ServiceExt;

    /// A route with a body limit of 1000 bytes that answers how many bytes it read, or 413.
    async fn send(body: Body) -> (StatusCode, String) {
        let app = Router::new()
            .route(
                "/",
                post(|req: Request| async move {
                    match whole(req).await {
                        Ok(b) => (StatusCode::OK, b.len().to_string()),
                        Err(BodyError::TooLarge) => (StatusCode::PAYLOAD_TOO_LARGE, String::new()),
                        Err(BodyError::Unreadable(m)) => (StatusCode::BAD_REQUEST, m),
                    }
                }),
            )
            .layer(DefaultBodyLimit::max(1000));
        let res = app
            .oneshot(Request::post("/").body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let text = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&text).into_owned())
    }

    fn chunked(chunks: usize, size: usize) -> Body {
        let stream = futures_util::stream::iter(
            (0..chunks).map(move |i| Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; size]))),
        );
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole_in_one_piece_or_in_chunks() {
        assert_eq!(
            send(Body::from(vec![7u8; 1000])).await,
            (StatusCode::OK, "1000".into())
        );
        assert_eq!(send(chunked(9, 100)).await, (StatusCode::OK, "900".into()));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_too_large_whether_declared_or_streamed() {
        assert_eq!(
            send(Body::from(vec![7u8; 1001])).await.0,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            send(chunked(11, 100)).await.0,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    #[tokio::test]
    async fn a_body_that_fails_midway_is_unreadable_with_its_reason() {
        let stream = futures_util::stream::iter([
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("connection reset")),
        ]);
        let (status, message) = send(Body::from_stream(stream)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(message.contains("connection reset"), "{message}");
    }
}
