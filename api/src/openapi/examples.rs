//! Sets the request and response examples of every operation on the media types of the document
//! (`Content.example`). The examples themselves live beside the features they describe
//! (`routes::<feature>::examples`), on the shared world of `crate::http::examples`, which says
//! what they must be.
//!
//! Binary bodies (PNG and JPEG pictures, xlsx) carry no example, and neither does the multipart
//! upload of `POST /api/v1/attachments`: its only field is the file's bytes, which an example
//! cannot hold in a useful way.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

use crate::http::examples::Entry;
use crate::routes;

/// Whether a media type's body is bytes that an example cannot show: pictures (but SVG),
/// spreadsheets, and the multipart upload (its one field is the photo's bytes).
pub fn is_binary(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    (essence.starts_with("image/") && essence != "image/svg+xml")
        || essence == "application/octet-stream"
        || essence == "multipart/form-data"
        || essence.starts_with("application/vnd.openxmlformats")
}

/// Sets the examples of every feature on the operations of `api`.
pub(super) fn add_examples(api: &mut OpenApi) {
    for entry in entries() {
        if let Some(operation) = super::operation_mut(api, entry.method, entry.path) {
            set(operation, &entry);
        }
    }
}

fn set(operation: &mut Operation, entry: &Entry) {
    if let (Some(example), Some(RefOr::T(body))) = (&entry.request, &mut operation.request_body) {
        for (media_type, content) in &mut body.content {
            if let RefOr::T(content) = content
                && !is_binary(media_type)
            {
                content.example = Some(example.clone());
            }
        }
    }
    let Some(example) = &entry.response else {
        return;
    };
    for (status, response) in &mut operation.responses.responses {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('2') {
            continue;
        }
        for (media_type, content) in &mut response.content {
            if let RefOr::T(content) = content
                && !is_binary(media_type)
            {
                content.example = Some(example.clone());
            }
        }
    }
}

/// The `(method, path)` of every entry, for the test that keeps the examples in step with the
/// operations.
pub fn operations() -> Vec<(&'static str, &'static str)> {
    entries().iter().map(|e| (e.method, e.path)).collect()
}

/// The entries of every feature. Each names an operation no other entry names (the test
/// checks), so the order does not change the document; it follows the order the operations
/// appear in, which keeps `operations()` readable.
fn entries() -> Vec<Entry> {
    [
        routes::health::examples::entries,
        routes::auth::examples::entries,
        routes::voters::examples::entries,
        routes::clients::examples::entries,
        routes::changes::examples::entries,
        routes::webhooks::examples::entries,
        routes::submissions::examples::entries,
        routes::users::examples::entries,
        routes::regions::examples::entries,
        routes::stations::examples::entries,
        routes::performance::examples::entries,
        routes::codes::examples::entries,
        routes::receptions::examples::entries,
        routes::deputies::examples::entries,
        routes::holidays::examples::entries,
        routes::imports::examples::entries,
        routes::appointments::examples::entries,
        routes::notifications::examples::entries,
        routes::stats::examples::entries,
        routes::exports::examples::entries,
        routes::categories::examples::entries,
        routes::public::examples::entries,
        routes::suggestions::examples::entries,
        routes::units::examples::entries,
        routes::attachments::examples::entries,
    ]
    .into_iter()
    .flat_map(|feature| feature())
    .collect()
}
