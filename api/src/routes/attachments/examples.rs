//! The contract's examples of photo uploads (the upload itself is bytes, without example).

use serde_json::json;

use crate::http::examples::world::ATTACHMENT;
use crate::http::examples::{Entry, op};

/// The examples of this feature's operations, by method and path.
pub fn entries() -> Vec<Entry> {
    vec![
        op("POST", "/api/v1/attachments").response(json!({
            "id": ATTACHMENT,
            "mime": "image/jpeg",
            "width": 1280,
            "height": 960,
            "size_bytes": 184320,
            "created_at": "2026-11-12T11:30:40Z",
            "expires_at": "2026-11-13T11:30:40Z"
        })),
        op("GET", "/api/v1/attachments/{id}"),
    ]
}
