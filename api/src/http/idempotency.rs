//! `Idempotency-Key` for POSTs that create: a retried request gets the first one's response.
//!
//! Same key and same request within 24 hours → the recorded response again, with
//! `Idempotent-Replayed: true`; same key, different request → 422; same key while the first is
//! still running → 409. Keys belong to the caller (the token's subject, or "anonymous").
//! Only successful responses are recorded: after a 4xx or 5xx the key is released, so that the
//! corrected request can be sent with it again.
//!
//! A crash between the request's commit and the recording of its response must not let a retry
//! run it twice. While the handler runs, the key's row id is in a task-local, and every write
//! transaction the request opens (`Db::begin_write`) marks the row `applied` as its first
//! statement: the mark commits exactly when the work does. A retry finding an applied key with no
//! recorded response is answered 409 `idempotency_applied` (look the result up) instead of being
//! run again; such a key is never released.
//!
//! Wrapped around the scopes of creating endpoints only (never around endpoints that return
//! secrets such as tokens, which must not be stored).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use chrono::Duration;
use entity::idempotency_key;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::JSON_BODY_LIMIT;
use super::json::read_body;
use crate::error::ApiError;
use crate::i18n::Text;
use crate::startup::AppState;

tokio::task_local! {
    /// The idempotency key row of the request whose handler is running in this task.
    static APPLYING: Uuid;
}

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";
/// How long a recorded response is replayed.
pub const RETENTION: Duration = Duration::hours(24);
/// After this long without an answer, a request in flight is taken to have died with its process.
const LOCK: Duration = Duration::seconds(60);
const MAX_KEY_LEN: usize = 255;
/// The response headers worth replaying.
const KEPT_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::ETAG,
    header::CONTENT_LANGUAGE,
];

pub async fn idempotent_posts(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = match parse_key(req.headers()) {
        Ok(key) => key,
        Err(err) => return Ok(req.error_response(err)),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(ApiError::internal(anyhow::anyhow!("no app state"))));
    };
    let principal = principal_of(&req, &state);
    let timeout = super::json::body_timeout(req.request());
    let body = match read_body(req.take_payload(), JSON_BODY_LIMIT, timeout).await {
        Ok(body) => body,
        Err(err) => return Ok(req.error_response(err)),
    };
    let hash = request_hash(req.method().as_str(), req.path(), req.query_string(), &body);

    let row_id = match begin(&state, &principal, &key, &hash).await {
        Ok(Begun::Fresh(id)) => id,
        Ok(Begun::Replay(row)) => {
            let response = replay(&row);
            return Ok(req.into_response(response));
        }
        Err(err) => return Ok(req.error_response(err)),
    };

    req.set_payload(Payload::from(body));
    let res = match APPLYING.scope(row_id, next.call(req)).await {
        Ok(res) => res,
        Err(err) => {
            release(&state, row_id).await;
            return Err(err);
        }
    };
    if !res.status().is_success() || res.response().error().is_some() {
        release(&state, row_id).await;
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            release(&state, row_id).await;
            let err = ApiError::internal(anyhow::anyhow!("response body could not be read"));
            return Ok(ServiceResponse::new(
                http_req,
                HttpResponse::from_error(err),
            ));
        }
    };
    if let Err(err) = complete(&state, row_id, head.status(), head.headers(), &bytes).await {
        // The work is done and committed; failing to record it only loses the replay.
        tracing::warn!(error = %err, "could not record an idempotent response");
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, response))
}

pub fn parse_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let invalid = || ApiError::InvalidHeader {
        header: "Idempotency-Key",
        message: Text::new(
            format!("Idempotency-Key 必须是 1 到 {MAX_KEY_LEN} 个可见 ASCII 字符。"),
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters."),
        ),
    };
    let value = headers.get(HEADER).ok_or_else(invalid)?;
    let key = value.to_str().map_err(|_| invalid())?.trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(key.to_owned())
}

/// Whose key this is: the verified token's subject, or "anonymous".
fn principal_of(req: &ServiceRequest, state: &AppState) -> String {
    crate::auth::extract::bearer_token(req.request())
        .ok()
        .flatten()
        .and_then(|token| state.jwt.verify_any(&token).ok())
        .map(|claims| format!("user:{}", claims.sub))
        .unwrap_or_else(|| "anonymous".to_owned())
}

/// What identifies a request under a key: method, path, query and body.
pub fn request_hash(method: &str, path: &str, query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [method, path, query] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(body);
    hex::encode(hasher.finalize())
}

enum Begun {
    Fresh(Uuid),
    Replay(idempotency_key::Model),
}

async fn begin(
    state: &AppState,
    principal: &str,
    key: &str,
    hash: &str,
) -> Result<Begun, ApiError> {
    let now = crate::clock::now();
    let txn = state.db.begin_write().await?;
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Principal.eq(principal))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&txn)
        .await?;
    let outcome = match existing {
        Some(row) if row.created_at > now - RETENTION => {
            if row.request_hash != hash {
                return Err(ApiError::IdempotencyKeyReused);
            }
            if row.completed {
                return Ok(Begun::Replay(row));
            }
            if row.locked_until > now {
                return Err(ApiError::IdempotencyInFlight);
            }
            if row.applied {
                // Its process died after committing and before recording the answer.
                return Err(ApiError::clash(
                    "idempotency_applied",
                    "该请求已经处理，但结果未能保存；请查看您的记录，不要再次提交。",
                    "This request was carried out but its response was not kept: look the result up instead of sending it again.",
                ));
            }
            // Abandoned by a process that died: this request takes over.
            let id = row.id;
            let mut active: idempotency_key::ActiveModel = row.into();
            active.locked_until = Set(now + LOCK);
            active.update(&txn).await?;
            Begun::Fresh(id)
        }
        stale => {
            if let Some(expired) = stale {
                idempotency_key::Entity::delete_by_id(expired.id)
                    .exec(&txn)
                    .await?;
            }
            let id = Uuid::now_v7();
            let inserted = idempotency_key::ActiveModel {
                id: Set(id),
                principal: Set(principal.to_owned()),
                key: Set(key.to_owned()),
                request_hash: Set(hash.to_owned()),
                completed: Set(false),
                locked_until: Set(now + LOCK),
                applied: Set(false),
                response_status: Set(None),
                response_headers: Set(None),
                response_body: Set(None),
                created_at: Set(now),
            }
            .insert(&txn)
            .await;
            match inserted {
                Ok(_) => Begun::Fresh(id),
                // Another request with this key got in first (PostgreSQL, concurrent transactions).
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    return Err(ApiError::IdempotencyInFlight);
                }
                Err(err) => return Err(err.into()),
            }
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

async fn complete(
    state: &AppState,
    id: Uuid,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let kept: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some((
                name.as_str().to_owned(),
                serde_json::Value::String(value.to_owned()),
            ))
        })
        .collect();
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Completed, Expr::value(true))
        .col_expr(
            idempotency_key::Column::ResponseStatus,
            Expr::value(i32::from(status.as_u16())),
        )
        .col_expr(
            idempotency_key::Column::ResponseHeaders,
            Expr::value(serde_json::Value::Object(kept)),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            Expr::value(body.to_vec()),
        )
        .filter(idempotency_key::Column::Id.eq(id))
        .exec(state.db.writer())
        .await?;
    Ok(())
}

/// Frees the key of a request that failed, unless its work was committed all the same.
async fn release(state: &AppState, id: Uuid) {
    if let Err(err) = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Id.eq(id))
        .filter(idempotency_key::Column::Applied.eq(false))
        .exec(state.db.writer())
        .await
    {
        tracing::warn!(error = %err, "could not release an idempotency key");
    }
}

/// Marks the key of the request running in this task (if it sent one) as applied, inside
/// `txn`: called by `Db::begin_write` first thing in every write transaction.
pub async fn mark_applied(txn: &impl sea_orm::ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let Ok(id) = APPLYING.try_with(|id| *id) else {
        return Ok(());
    };
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Applied, Expr::value(true))
        .filter(idempotency_key::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

fn replay(row: &idempotency_key::Model) -> HttpResponse {
    let status = row
        .response_status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(serde_json::Value::Object(headers)) = &row.response_headers {
        for (name, value) in headers {
            if let (Ok(name), Some(value)) = (
                HeaderName::try_from(name.as_str()),
                value.as_str().and_then(|v| HeaderValue::from_str(v).ok()),
            ) {
                response.insert_header((name, value));
            }
        }
    }
    response.insert_header((REPLAYED, "true"));
    response.body(row.response_body.clone().unwrap_or_default())
}

/// Deletes recorded responses older than the retention period; returns how many.
pub async fn purge_expired(db: &crate::db::Db) -> Result<u64, sea_orm::DbErr> {
    let cutoff = crate::clock::now() - RETENTION;
    let result = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db.writer())
        .await?;
    Ok(result.rows_affected)
}

/// The `Idempotency-Key` request header, for the spec of the endpoints that honour it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// A unique key per logical request (a UUID is a good choice). A retry with the same key and
    /// body within 24 hours returns the first response with `Idempotent-Replayed: true`.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = r"^[\x21-\x7E]+$"
    )]
    #[allow(dead_code)]
    idempotency_key: Option<String>,
}
