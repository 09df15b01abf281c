//! The shared pieces of the contract that every feature's `#[utoipa::path]` cites: the problem
//! responses, one per status (`crate::http::docs::Forbidden`, ...), and the raw-bytes body.
//! The document itself is assembled on top, in `openapi`, from every route.

use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

use crate::error::PROBLEM_JSON;

macro_rules! problem_responses {
    ($($name:ident => $status:literal, $description:literal;)*) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem_response($description))
                }
            }
        )*

        /// Every problem response component, by name and status.
        pub const PROBLEM_RESPONSES: &[(&str, u16)] = &[$((stringify!($name), $status)),*];
    };
}

problem_responses! {
    BadRequest => 400, "Malformed body, query or path parameter, or a foreign cursor (`malformed_body`, `invalid_query`, `invalid_path`, `invalid_cursor`, `invalid_header`).";
    Unauthorized => 401, "Missing, invalid, expired or revoked token (`unauthenticated`), with `WWW-Authenticate: Bearer`; or wrong credentials (`invalid_credentials`, `invalid_refresh_token`).";
    Forbidden => 403, "Authenticated, but not allowed to do this (`forbidden`, `account_disabled`); for machine clients, an endpoint that does not admit them (`client_not_allowed`), a token without the scope it needs (`insufficient_scope`), a scope not granted (`invalid_scope`) or a disabled client (`client_disabled`).";
    NotFound => 404, "No such resource, or not one the caller may see (`not_found`).";
    Conflict => 409, "A duplicate or a clash with the current state (`conflict`, or a specific code such as `reception_full` and `already_booked`), or a request with the same Idempotency-Key still in flight (`idempotency_in_flight`) or already applied by a request that died before answering (`idempotency_applied`).";
    PreconditionFailed => 412, "`If-Match` does not match the current version (`precondition_failed`).";
    PayloadTooLarge => 413, "The body is larger than the endpoint takes: 64 KiB of JSON, 5 MiB of CSV for imports (`payload_too_large`).";
    UnsupportedMediaType => 415, "The body is not of the media type the endpoint takes: `application/json`, or `text/csv` for imports (`unsupported_media_type`).";
    UnprocessableEntity => 422, "Well-formed but invalid: fields listed in `errors` (`validation_failed`), an uploaded file with errors, each with its `line` (`import_failed`), a broken rule, or an Idempotency-Key reused with another body (`idempotency_key_reused`).";
    TooManyRequests => 429, "Too many requests (`rate_limited`), with `Retry-After`.";
    InternalError => 500, "An unexpected error (`internal_error`); the body carries only the request id.";
    ServiceUnavailable => 503, "The database cannot be reached (`service_unavailable`), or WeChat cannot answer now or is not configured (`wechat_unavailable`, `wechat_not_configured`), with `Retry-After`.";
}

/// A body of raw bytes (an image, a workbook), described as such rather than as a JSON array.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BinaryBody(#[allow(dead_code)] Vec<u8>);

fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}
