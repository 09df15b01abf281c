//! A co-handling unit's input to the reply: written on the unit's own `suggestion_units` row
//! while the case is being handled. The case does not move, but its version does, so pollers
//! and the lead unit see the change.

use entity::{suggestion, suggestion_unit, unit_member};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::super::access;
use super::{event, reread, save_if_unchanged};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::suggestion_flow::{HANDLING, Role};
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// A co-handling unit's input to the reply (its handlers, while the case is being handled).
pub async fn co_unit_input(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    text: String,
) -> Result<suggestion::Model, ApiError> {
    let txn = db.begin_write().await?;
    let (current, roles) = access::find(&txn, caller, id).await?;
    if !roles.contains(&Role::CoUnit) {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有协办单位可以提交协办意见。",
            "Only a co-handling unit gives input.",
        )));
    }
    let status = current.status;
    if !HANDLING.contains(&status) {
        return Err(ApiError::rule(
            "input_closed",
            "案件不在办理中，不能提交协办意见。",
            "The case is not being handled: no more input.",
        ));
    }
    let now = crate::clock::now();
    let mine = sea_orm::sea_query::Query::select()
        .column(unit_member::Column::UnitId)
        .from(unit_member::Entity)
        .and_where(unit_member::Column::UserId.eq(caller.id))
        .to_owned();
    suggestion_unit::Entity::update_many()
        .col_expr(
            suggestion_unit::Column::Input,
            sea_orm::sea_query::Expr::value(text.clone()),
        )
        .col_expr(
            suggestion_unit::Column::InputAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(suggestion_unit::Column::SuggestionId.eq(id))
        .filter(suggestion_unit::Column::Lead.eq(false))
        .filter(suggestion_unit::Column::UnitId.in_subquery(mine))
        .exec(&txn)
        .await?;
    let mut row: suggestion::ActiveModel = current.clone().into();
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    save_if_unchanged(&txn, id, current.version, row).await?;
    event(
        &txn,
        id,
        "co_unit_input",
        Some(status),
        status,
        caller,
        Role::CoUnit,
        Some(text),
        serde_json::json!({}),
        now,
    )
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("suggestion.co_unit_input", "suggestion", id).region(Some(current.region_id)),
    )
    .await?;
    let after = reread(&txn, id).await?;
    txn.commit().await?;
    Ok(after)
}
