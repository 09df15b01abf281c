//! The one error type of the API and its RFC 9457 `application/problem+json` rendering.
//!
//! Every variant documents its HTTP status and its stable machine `code`; clients branch on the
//! code, people read `title` and `detail`, which follow `Accept-Language` (zh-CN by default).
//! Database errors are mapped here and only here. A 5xx body never says what went wrong inside:
//! the cause goes to the log with the request id, and the body carries the request id only.

mod fields;
mod problem;
pub mod validation;

use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

pub use self::fields::{Checks, FieldError};
pub use self::problem::{PROBLEM_JSON, Problem, ProblemFieldError};
use crate::i18n::{Lang, Text};

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// No `Authorization: Bearer` header.
    Missing,
    /// The token was sent in the query string, where proxies and logs keep it.
    InQuery,
    /// Bad signature, algorithm, audience, issuer, key id or claims.
    Invalid,
    /// Past its `exp`.
    Expired,
    /// Signed-out, superseded or belonging to a disabled account.
    Revoked,
}

/// Everything that can go wrong in a request, with its status and code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `malformed_body`: the body is not JSON, or not the JSON its media type promised.
    #[error("malformed body: {0}")]
    MalformedBody(String),
    /// 400 `invalid_query`: a query parameter is malformed or out of range.
    #[error("invalid query parameters")]
    InvalidQuery(Vec<FieldError>),
    /// 400 `invalid_path`: a path parameter is malformed (e.g. not a UUID).
    #[error("invalid path parameter: {0}")]
    InvalidPath(String),
    /// 400 `invalid_cursor`: a pagination cursor that this list did not issue.
    #[error("invalid cursor")]
    InvalidCursor,
    /// 400 `invalid_header`: a request header is malformed.
    #[error("invalid header {header}")]
    InvalidHeader { header: &'static str, message: Text },
    /// 401 `unauthenticated`: no usable bearer token. Carries `WWW-Authenticate: Bearer`.
    #[error("unauthenticated: {0:?}")]
    Unauthenticated(TokenProblem),
    /// 401 `invalid_credentials`: wrong username or password (the same for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 401 `invalid_refresh_token`: unknown, expired, revoked or already used refresh token.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// 401 `invalid_wechat_code`: WeChat says the `wx.login` code is invalid or already used.
    #[error("invalid WeChat code")]
    InvalidWeChatCode,
    /// 422 `import_failed`: an uploaded file has errors (each with its line and column in
    /// `errors`); nothing of it was written.
    #[error("import failed")]
    ImportFailed(Vec<FieldError>),
    /// 403 `forbidden`: authenticated, but this caller may not do this.
    #[error("forbidden")]
    Forbidden(Text),
    /// 403 with a specific code (`client_not_allowed`, `insufficient_scope`): authenticated, but
    /// refused for a reason clients branch on.
    #[error("denied: {code}")]
    Denied { code: &'static str, message: Text },
    /// 403 `account_disabled`: the right password for a disabled account.
    #[error("account disabled")]
    AccountDisabled,
    /// 404 `not_found`: no such resource, or not one the caller may see.
    #[error("not found")]
    NotFound,
    /// 404 `route_not_found`: no endpoint at this path.
    #[error("no route")]
    RouteNotFound,
    /// 405 `method_not_allowed`: the path exists with other methods. Carries `Allow`.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    /// 408 `request_timeout`: the client took too long to send its request.
    #[error("request timeout")]
    RequestTimeout,
    /// 409 `conflict`: a duplicate, or a change that clashes with the current state.
    #[error("conflict")]
    Conflict(Text),
    /// 409 with a state-specific code (e.g. `reception_full`): the request clashes with the
    /// current state in a way clients branch on.
    #[error("clash: {code}")]
    Clash { code: &'static str, message: Text },
    /// 409 `idempotency_in_flight`: a request with this `Idempotency-Key` is still running.
    #[error("idempotent request in flight")]
    IdempotencyInFlight,
    /// 412 `precondition_failed`: `If-Match` does not match the current version.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413 `payload_too_large`: the body is larger than the endpoint accepts.
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 415 `unsupported_media_type`: the body is not in the media type the endpoint takes.
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    /// 422 `validation_failed`: well-formed, but fields break their rules. Lists them in `errors`.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 422 `idempotency_key_reused`: the `Idempotency-Key` was used for a different request.
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// 422 with a rule-specific code: well-formed, but the request breaks a business rule.
    #[error("rule violated: {code}")]
    Rule { code: &'static str, message: Text },
    /// 429 `rate_limited`: too many requests. Carries `Retry-After`.
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    /// 503 with a specific code (e.g. `wechat_unavailable`): a service we depend on cannot
    /// answer now. Carries `Retry-After`.
    #[error("dependency unavailable: {code}")]
    DependencyUnavailable {
        code: &'static str,
        message: Text,
        retry_after: Duration,
    },
    /// 503 `service_unavailable`: the database cannot be reached. Carries `Retry-After`.
    #[error("service unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
    /// 500 `internal_error`: a bug or an unexpected failure. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
}

/// How long a client should wait before retrying a 503.
const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);

impl ApiError {
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }

    pub fn validation(field: &str, code: &'static str, message: Text) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    /// 400 `invalid_query` naming one query parameter.
    pub fn query(field: &str, code: &'static str, zh: &'static str, en: &'static str) -> Self {
        ApiError::InvalidQuery(vec![FieldError::new(field, code, Text::fixed(zh, en))])
    }

    /// 403 for a region (or what lies in it) outside the caller's scope.
    pub fn out_of_scope() -> Self {
        ApiError::Forbidden(Text::fixed(
            "该区域不在您的管辖范围内。",
            "This region is outside your scope.",
        ))
    }

    /// 422 breaking a business rule, with its code.
    pub fn rule(code: &'static str, zh: &'static str, en: &'static str) -> Self {
        ApiError::Rule {
            code,
            message: Text::fixed(zh, en),
        }
    }

    /// 403 refused for a reason with its own code.
    pub fn denied(code: &'static str, zh: &'static str, en: &'static str) -> Self {
        ApiError::Denied {
            code,
            message: Text::fixed(zh, en),
        }
    }

    /// 409 clashing with the current state, with its code.
    pub fn clash(code: &'static str, zh: &'static str, en: &'static str) -> Self {
        ApiError::Clash {
            code,
            message: Text::fixed(zh, en),
        }
    }

    pub fn forbidden() -> Self {
        ApiError::Forbidden(Text::fixed(
            "您无权执行此操作。",
            "You are not allowed to do this.",
        ))
    }

    /// A copy of this error, for re-rendering it where only a reference is at hand. Causes of
    /// server errors are kept as text (they only go to the log).
    pub fn duplicate(&self) -> ApiError {
        match self {
            ApiError::MalformedBody(s) => ApiError::MalformedBody(s.clone()),
            ApiError::InvalidQuery(e) => ApiError::InvalidQuery(e.clone()),
            ApiError::InvalidPath(s) => ApiError::InvalidPath(s.clone()),
            ApiError::InvalidCursor => ApiError::InvalidCursor,
            ApiError::InvalidHeader { header, message } => ApiError::InvalidHeader {
                header,
                message: message.clone(),
            },
            ApiError::Unauthenticated(p) => ApiError::Unauthenticated(*p),
            ApiError::InvalidCredentials => ApiError::InvalidCredentials,
            ApiError::InvalidRefreshToken => ApiError::InvalidRefreshToken,
            ApiError::InvalidWeChatCode => ApiError::InvalidWeChatCode,
            ApiError::DependencyUnavailable {
                code,
                message,
                retry_after,
            } => ApiError::DependencyUnavailable {
                code,
                message: message.clone(),
                retry_after: *retry_after,
            },
            ApiError::Forbidden(t) => ApiError::Forbidden(t.clone()),
            ApiError::AccountDisabled => ApiError::AccountDisabled,
            ApiError::NotFound => ApiError::NotFound,
            ApiError::RouteNotFound => ApiError::RouteNotFound,
            ApiError::MethodNotAllowed(m) => ApiError::MethodNotAllowed(m.clone()),
            ApiError::RequestTimeout => ApiError::RequestTimeout,
            ApiError::Conflict(t) => ApiError::Conflict(t.clone()),
            ApiError::Clash { code, message } => ApiError::Clash {
                code,
                message: message.clone(),
            },
            ApiError::Denied { code, message } => ApiError::Denied {
                code,
                message: message.clone(),
            },
            ApiError::IdempotencyInFlight => ApiError::IdempotencyInFlight,
            ApiError::PreconditionFailed => ApiError::PreconditionFailed,
            ApiError::PayloadTooLarge { limit } => ApiError::PayloadTooLarge { limit: *limit },
            ApiError::UnsupportedMediaType { expected } => {
                ApiError::UnsupportedMediaType { expected }
            }
            ApiError::Validation(e) => ApiError::Validation(e.clone()),
            ApiError::ImportFailed(e) => ApiError::ImportFailed(e.clone()),
            ApiError::IdempotencyKeyReused => ApiError::IdempotencyKeyReused,
            ApiError::Rule { code, message } => ApiError::Rule {
                code,
                message: message.clone(),
            },
            ApiError::RateLimited { retry_after } => ApiError::RateLimited {
                retry_after: *retry_after,
            },
            ApiError::Unavailable(e) => ApiError::Unavailable(anyhow::anyhow!("{e:#}")),
            ApiError::Internal(e) => ApiError::Internal(anyhow::anyhow!("{e:#}")),
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedBody(_) => "malformed_body",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::InvalidPath(_) => "invalid_path",
            ApiError::InvalidCursor => "invalid_cursor",
            ApiError::InvalidHeader { .. } => "invalid_header",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::InvalidRefreshToken => "invalid_refresh_token",
            ApiError::InvalidWeChatCode => "invalid_wechat_code",
            ApiError::DependencyUnavailable { code, .. } => code,
            ApiError::Forbidden(_) => "forbidden",
            ApiError::AccountDisabled => "account_disabled",
            ApiError::NotFound => "not_found",
            ApiError::RouteNotFound => "route_not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::Conflict(_) => "conflict",
            ApiError::Clash { code, .. } => code,
            ApiError::Denied { code, .. } => code,
            ApiError::IdempotencyInFlight => "idempotency_in_flight",
            ApiError::PreconditionFailed => "precondition_failed",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::ImportFailed(_) => "import_failed",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::Rule { code, .. } => code,
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> Text {
        match self.status_code() {
            StatusCode::BAD_REQUEST => Text::fixed("请求有误", "Bad request"),
            StatusCode::UNAUTHORIZED => Text::fixed("未通过身份验证", "Unauthorized"),
            StatusCode::FORBIDDEN => Text::fixed("禁止访问", "Forbidden"),
            StatusCode::NOT_FOUND => Text::fixed("未找到", "Not found"),
            StatusCode::METHOD_NOT_ALLOWED => Text::fixed("不支持该请求方法", "Method not allowed"),
            StatusCode::REQUEST_TIMEOUT => Text::fixed("请求超时", "Request timeout"),
            StatusCode::CONFLICT => Text::fixed("冲突", "Conflict"),
            StatusCode::PRECONDITION_FAILED => Text::fixed("前提条件不满足", "Precondition failed"),
            StatusCode::PAYLOAD_TOO_LARGE => Text::fixed("请求体过大", "Payload too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Text::fixed("不支持的媒体类型", "Unsupported media type")
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                Text::fixed("请求无法处理", "Unprocessable request")
            }
            StatusCode::TOO_MANY_REQUESTS => Text::fixed("请求过于频繁", "Too many requests"),
            StatusCode::SERVICE_UNAVAILABLE => Text::fixed("服务暂不可用", "Service unavailable"),
            _ => Text::fixed("服务器内部错误", "Internal server error"),
        }
    }

    fn detail(&self) -> Text {
        match self {
            ApiError::MalformedBody(reason) => Text::new(
                format!("请求体不是有效的 JSON：{reason}"),
                format!("The body is not valid JSON: {reason}"),
            ),
            ApiError::InvalidQuery(_) => Text::fixed(
                "查询参数有误，详见 errors。",
                "Some query parameters are invalid; see `errors`.",
            ),
            ApiError::InvalidPath(reason) => Text::new(
                format!("路径参数有误：{reason}"),
                format!("A path parameter is invalid: {reason}"),
            ),
            ApiError::InvalidCursor => Text::fixed(
                "分页游标无效：请使用本列表上一页返回的 next_cursor。",
                "The cursor is not valid: pass the next_cursor this list returned.",
            ),
            ApiError::InvalidHeader { message, .. } => message.clone(),
            ApiError::Unauthenticated(problem) => match problem {
                TokenProblem::Missing => Text::fixed(
                    "需要登录：请在 Authorization 请求头中携带 Bearer 令牌。",
                    "Sign-in required: send a Bearer token in the Authorization header.",
                ),
                TokenProblem::InQuery => Text::fixed(
                    "令牌不得放在查询字符串中，请使用 Authorization 请求头。",
                    "Tokens are not accepted in the query string; use the Authorization header.",
                ),
                TokenProblem::Invalid => {
                    Text::fixed("访问令牌无效。", "The access token is invalid.")
                }
                TokenProblem::Expired => Text::fixed(
                    "访问令牌已过期，请刷新。",
                    "The access token has expired; refresh it.",
                ),
                TokenProblem::Revoked => Text::fixed(
                    "访问令牌已失效，请重新登录。",
                    "The access token is no longer valid; sign in again.",
                ),
            },
            ApiError::InvalidCredentials => Text::fixed(
                "用户名或密码错误。",
                "The username or password is incorrect.",
            ),
            ApiError::InvalidRefreshToken => Text::fixed(
                "刷新令牌无效、已过期或已被使用，请重新登录。",
                "The refresh token is invalid, expired or already used; sign in again.",
            ),
            ApiError::InvalidWeChatCode => Text::fixed(
                "微信登录凭证无效或已使用，请重新调用 wx.login 获取。",
                "The WeChat login code is invalid or already used; call wx.login again.",
            ),
            ApiError::DependencyUnavailable { message, .. } => message.clone(),
            ApiError::Forbidden(message) => message.clone(),
            ApiError::AccountDisabled => Text::fixed(
                "该账号已停用，请联系管理员。",
                "This account is disabled; contact an administrator.",
            ),
            ApiError::NotFound => Text::fixed(
                "资源不存在或您无权查看。",
                "The resource does not exist or is not yours to see.",
            ),
            ApiError::RouteNotFound => {
                Text::fixed("没有这个接口。", "There is no endpoint at this path.")
            }
            ApiError::MethodNotAllowed(methods) => {
                let allowed = join_methods(methods);
                Text::new(
                    format!("该接口不支持此方法，可用：{allowed}。"),
                    format!("This endpoint does not take this method; allowed: {allowed}."),
                )
            }
            ApiError::RequestTimeout => {
                Text::fixed("请求发送超时。", "The request took too long to arrive.")
            }
            ApiError::Conflict(message) => message.clone(),
            ApiError::Clash { message, .. } => message.clone(),
            ApiError::Denied { message, .. } => message.clone(),
            ApiError::IdempotencyInFlight => Text::fixed(
                "使用相同 Idempotency-Key 的请求仍在处理中，请稍后重试。",
                "A request with this Idempotency-Key is still in progress; retry later.",
            ),
            ApiError::PreconditionFailed => Text::fixed(
                "资源已被修改（If-Match 不匹配），请重新获取后再试。",
                "The resource has changed (If-Match does not match); fetch it again.",
            ),
            ApiError::PayloadTooLarge { limit } => Text::new(
                format!("请求体超过 {} KiB 的上限。", limit / 1024),
                format!("The body exceeds the limit of {} KiB.", limit / 1024),
            ),
            ApiError::UnsupportedMediaType { expected } => Text::new(
                format!("请求体的 Content-Type 必须是 {expected}。"),
                format!("The body's Content-Type must be {expected}."),
            ),
            ApiError::Validation(_) => Text::fixed(
                "部分字段不符合要求，详见 errors。",
                "Some fields are invalid; see `errors`.",
            ),
            ApiError::ImportFailed(_) => Text::fixed(
                "文件未导入，任何数据都未写入：请按 errors 中的行号和列修改后重新上传。",
                "Nothing was imported: fix the lines and columns listed in `errors` and upload again.",
            ),
            ApiError::IdempotencyKeyReused => Text::fixed(
                "该 Idempotency-Key 已用于另一个不同的请求。",
                "This Idempotency-Key was already used for a different request.",
            ),
            ApiError::Rule { message, .. } => message.clone(),
            ApiError::RateLimited { retry_after } => {
                let secs = retry_after_secs(*retry_after);
                Text::new(
                    format!("请求过于频繁，请在 {secs} 秒后重试。"),
                    format!("Too many requests; retry in {secs} seconds."),
                )
            }
            ApiError::Unavailable(_) => Text::fixed(
                "服务暂时不可用，请稍后重试。",
                "The service is temporarily unavailable; retry shortly.",
            ),
            ApiError::Internal(_) => Text::fixed(
                "服务器内部错误，请稍后重试；如持续出现，请提供 request_id 联系管理员。",
                "Something went wrong on our side; if it persists, quote the request_id.",
            ),
        }
    }

    fn field_errors(&self) -> Option<&[FieldError]> {
        match self {
            ApiError::InvalidQuery(errors)
            | ApiError::Validation(errors)
            | ApiError::ImportFailed(errors) => Some(errors),
            _ => None,
        }
    }

    /// The problem document for this error, in `lang`.
    pub fn problem(&self, lang: Lang, instance: Option<&str>, request_id: Option<&str>) -> Problem {
        let code = self.code();
        Problem {
            problem_type: format!("urn:lianluo:problem:{code}"),
            title: self.title().get(lang).to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail().get(lang).to_owned(),
            instance: instance.map(str::to_owned),
            code: code.to_owned(),
            request_id: request_id.map(str::to_owned),
            errors: self.field_errors().map(|errors| {
                errors
                    .iter()
                    .map(|e| ProblemFieldError {
                        field: e.field.clone(),
                        code: e.code.to_string(),
                        message: e.message.get(lang).to_owned(),
                        line: e.line,
                    })
                    .collect()
            }),
        }
    }

    /// The full response for this error, in `lang`.
    pub fn render(
        &self,
        lang: Lang,
        instance: Option<&str>,
        request_id: Option<&str>,
    ) -> HttpResponse {
        let problem = self.problem(lang, instance, request_id);
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type(PROBLEM_JSON)
            .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::Unauthenticated(problem) => {
                let value = match problem {
                    TokenProblem::Missing | TokenProblem::InQuery => "Bearer realm=\"lianluo\"",
                    TokenProblem::Expired => {
                        "Bearer realm=\"lianluo\", error=\"invalid_token\", error_description=\"expired\""
                    }
                    TokenProblem::Invalid | TokenProblem::Revoked => {
                        "Bearer realm=\"lianluo\", error=\"invalid_token\""
                    }
                };
                response.insert_header((header::WWW_AUTHENTICATE, value));
            }
            ApiError::MethodNotAllowed(methods) => {
                if let Ok(value) = HeaderValue::from_str(&join_methods(methods)) {
                    response.insert_header((header::ALLOW, value));
                }
            }
            ApiError::RateLimited { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs(*retry_after)));
            }
            ApiError::DependencyUnavailable { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs(*retry_after)));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((
                    header::RETRY_AFTER,
                    retry_after_secs(UNAVAILABLE_RETRY_AFTER),
                ));
            }
            _ => {}
        }
        response.json(problem)
    }
}

fn join_methods(methods: &[Method]) -> String {
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whole seconds to wait, rounded up and at least one.
fn retry_after_secs(duration: Duration) -> u64 {
    let secs = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    secs.max(1)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MalformedBody(_)
            | ApiError::InvalidQuery(_)
            | ApiError::InvalidPath(_)
            | ApiError::InvalidCursor
            | ApiError::InvalidHeader { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_)
            | ApiError::InvalidCredentials
            | ApiError::InvalidRefreshToken
            | ApiError::InvalidWeChatCode => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::AccountDisabled | ApiError::Denied { .. } => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict(_) | ApiError::Clash { .. } | ApiError::IdempotencyInFlight => {
                StatusCode::CONFLICT
            }
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_)
            | ApiError::ImportFailed(_)
            | ApiError::IdempotencyKeyReused
            | ApiError::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::DependencyUnavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Chinese rendering. The `problem` middleware re-renders it in the client's language
    /// and with the request id; this is what is sent if an error ever escapes it.
    fn error_response(&self) -> HttpResponse {
        self.render(Lang::ZhCn, None, None)
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return ApiError::Conflict(Text::fixed(
                    "已存在相同的记录。",
                    "A record with the same unique value already exists.",
                ));
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return ApiError::Conflict(Text::fixed(
                    "该记录仍被其他数据引用，或引用了不存在的数据。",
                    "The record is still referenced by others, or refers to missing data.",
                ));
            }
            _ => {}
        }
        if is_unavailable(&err) {
            return ApiError::Unavailable(err.into());
        }
        match err {
            DbErr::RecordNotFound(_) => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
        }
    }
}

/// Whether a database error means "the database cannot be reached or is overloaded right now"
/// (worth a 503 and a retry) rather than a bug.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as SqlxError;
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            SqlxError::Io(_)
            | SqlxError::Tls(_)
            | SqlxError::PoolTimedOut
            | SqlxError::PoolClosed
            | SqlxError::WorkerCrashed
            | SqlxError::Protocol(_) => true,
            SqlxError::Database(db) => {
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), should the busy timeout ever run
                // out; PostgreSQL: class 08 (connection) and 57P01..57P03 (shutting down).
                let code = db.code().unwrap_or_default();
                matches!(
                    code.as_ref(),
                    "5" | "6" | "517" | "57P01" | "57P02" | "57P03"
                ) || code.starts_with("08")
            }
            _ => false,
        },
        DbErr::Conn(_) => true,
        _ => false,
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        ApiError::Validation(validation::field_errors(&errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_say_nothing_about_their_cause() {
        let err = ApiError::internal(anyhow::anyhow!("SELECT * FROM users; /srv/secret.rs:12"));
        let problem = err.problem(Lang::En, None, Some("rid"));
        let body = serde_json::to_string(&problem).unwrap();
        assert!(!body.contains("SELECT"));
        assert!(!body.contains("secret"));
        assert_eq!(problem.status, 500);
        assert_eq!(problem.request_id.as_deref(), Some("rid"));
    }

    #[test]
    fn every_status_has_both_languages() {
        let errors = [
            ApiError::MalformedBody("x".into()),
            ApiError::Unauthenticated(TokenProblem::Expired),
            ApiError::forbidden(),
            ApiError::NotFound,
            ApiError::MethodNotAllowed(vec![Method::GET]),
            ApiError::IdempotencyInFlight,
            ApiError::PreconditionFailed,
            ApiError::PayloadTooLarge { limit: 65536 },
            ApiError::UnsupportedMediaType {
                expected: "application/json",
            },
            ApiError::IdempotencyKeyReused,
            ApiError::RateLimited {
                retry_after: Duration::from_millis(1500),
            },
            ApiError::Unavailable(anyhow::anyhow!("down")),
        ];
        for err in errors {
            let zh = err.problem(Lang::ZhCn, None, None);
            let en = err.problem(Lang::En, None, None);
            assert_ne!(zh.title, en.title, "{}", err.code());
            assert_ne!(zh.detail, en.detail, "{}", err.code());
            assert_eq!(zh.code, en.code);
        }
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(0)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(7)), 7);
    }

    #[test]
    fn database_errors_map_to_statuses() {
        let not_found: ApiError = DbErr::RecordNotFound("x".into()).into();
        assert_eq!(not_found.status_code(), StatusCode::NOT_FOUND);
        let closed: ApiError =
            DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed).into();
        assert_eq!(closed.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let other: ApiError = DbErr::Custom("boom".into()).into();
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
