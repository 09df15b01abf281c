//! Cross-cutting HTTP building blocks, implemented once and used by every endpoint:
//! the JSON extractor, pagination, ETags, idempotency, the problem renderer,
//! cache headers, the 404/405 fallback and the client's address.

pub mod cache;
pub mod client;
pub mod docs;
pub mod etag;
pub mod examples;
pub mod fallback;
pub mod idempotency;
pub mod json;
pub mod pagination;
pub mod params;
pub mod patch;
pub mod problem;
pub mod rate_limit;
pub mod wire;

/// The largest JSON body any endpoint accepts.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;
