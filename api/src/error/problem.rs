//! The RFC 9457 problem document every error is sent as, with its schema for the contract.

use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document, as every error is sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:lianluo:problem:validation_failed",
    "title": "请求无法处理",
    "status": 422,
    "detail": "部分字段不符合要求，详见 errors。",
    "instance": "/api/v1/users",
    "code": "validation_failed",
    "request_id": "0190f5b2-8c1e-7a4b-9d2e-3f6a1b2c3d4e",
    "errors": [{"field": "username", "code": "length", "message": "长度必须在 2 到 64 个字符之间。"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:lianluo:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem, in the negotiated language.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in the negotiated language.
    pub detail: String,
    /// The path of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// A stable machine-readable code, e.g. `validation_failed`, `not_found`, `conflict`.
    pub code: String,
    /// The request id (also in `X-Request-Id`); quote it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `validation_failed`, `invalid_query` and `import_failed`: every field that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemFieldError>>,
}

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemFieldError {
    /// Path of the field, e.g. `username` or `items[2].name`.
    pub field: String,
    /// Stable code: `required`, `length`, `range`, `invalid_format`, `invalid_type`, `unknown_field`, ...
    pub code: String,
    /// What is wrong, in the negotiated language.
    pub message: String,
    /// For an uploaded file (`import_failed`): the line of the error; the header is line 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}
