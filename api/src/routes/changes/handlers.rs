//! `GET /api/v1/changes`: pages of the change feed, for machine clients with `read:cases`
//! (submissions, suggestions) or `read:directory` (stations, deputies, receptions), and for
//! administrators, within their region.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::*;
use super::service;
use crate::auth::client::Scope;
use crate::auth::{AuthUser, Role};
use crate::changes::feed::ObjectType;
use crate::error::ApiError;
use crate::http::params::Query;
use crate::state::AppState;

const DEFAULT_LIMIT: u64 = 100;
const MAX_LIMIT: u64 = 1000;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
}

/// The types `caller` may read: by scope for a client, all for an administrator.
fn readable_types(caller: &AuthUser) -> Result<Vec<ObjectType>, ApiError> {
    if caller.client.is_some() {
        return Ok(ObjectType::ALL
            .into_iter()
            .filter(|t| {
                caller.has_scope(if t.is_case() {
                    Scope::ReadCases
                } else {
                    Scope::ReadDirectory
                })
            })
            .collect());
    }
    match caller.role {
        Role::Admin => Ok(ObjectType::ALL.to_vec()),
        _ => Err(ApiError::forbidden()),
    }
}

/// Every create, update and delete of submissions, suggestions, stations, deputies and
/// reception days in the caller's region, in one order. Following `next_cursor` from the start
/// sees every change exactly once: positions are given only to changes whose transaction has
/// finished, so a change that commits late is never passed over. Each change carries the
/// object's current summary, or is a tombstone. A cursor works only for the caller it was
/// issued to.
#[utoipa::path(
    tag = "changes",
    security(("bearer" = [])),
    params(ChangesParams),
    responses(
        (status = 200, description = "A page of changes", body = ChangesPage),
        (status = 403, response = crate::http::docs::Forbidden),
    )
)]
#[get("/changes")]
async fn list_changes(
    state: web::Data<AppState>,
    caller: AuthUser,
    params: Query<ChangesParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let allowed = readable_types(&caller)?;
    let types =
        match params.types.as_deref() {
            None => allowed,
            Some(list) => {
                let mut wanted = Vec::new();
                for name in list.split(',').map(str::trim) {
                    let t = ObjectType::parse(name).ok_or_else(|| {
                    ApiError::query("types", "invalid",
                        "未知的对象类型。",
                        "Unknown object type (submission, suggestion, station, deputy, reception).",
                    )
                })?;
                    if !allowed.contains(&t) {
                        return Err(ApiError::denied(
                            "insufficient_scope",
                            "没有读取该类对象的权限范围。",
                            "The token lacks the scope to read this type.",
                        ));
                    }
                    if !wanted.contains(&t) {
                        wanted.push(t);
                    }
                }
                wanted
            }
        };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::query(
            "limit",
            "invalid",
            "limit 须在 1 到 1000 之间。",
            "limit must be 1 to 1000.",
        ));
    }
    // A cursor names its caller, so that one client's cursor is refused for another.
    let list = format!("changes:{}", caller.id);
    let after: i64 = match params.since.as_deref() {
        None => 0,
        Some(cursor) => state.cursors.decode(&list, cursor)?,
    };
    let changes = service::page(&state.db, after, limit, &types, &caller.scope()).await?;
    let last = changes.last().map_or(after, |c| c.position);
    let items = changes.into_iter().map(ChangeDto::from).collect();
    Ok(HttpResponse::Ok().json(ChangesPage {
        items,
        next_cursor: state.cursors.encode(&list, &last),
    }))
}
