//! Supervision (督办): station staff and administrators put an unfinished case under normal or
//! key supervision with a note, or lift it. The case does not move; its version does.

use entity::suggestion;
use entity::suggestion::Supervision;
use sea_orm::{ActiveEnum, Set};
use uuid::Uuid;

use super::super::access;
use super::{event, reread, save_if_unchanged};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::suggestion_flow::{Role, is_terminal};
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// Puts case `id` under supervision at `level` (staff and administrators of the case).
pub async fn supervise(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    level: Supervision,
    note: Option<String>,
) -> Result<suggestion::Model, ApiError> {
    let txn = db.begin_write().await?;
    let (current, roles) = access::find(&txn, caller, id).await?;
    if !roles.contains(&Role::Staff) {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有联络站工作人员和管理员可以督办。",
            "Only station staff and administrators supervise cases.",
        )));
    }
    let status = current.status;
    if is_terminal(status) {
        return Err(ApiError::rule(
            "case_closed",
            "已办结的案件不能督办。",
            "A finished case cannot be supervised.",
        ));
    }
    let now = crate::clock::now();
    let mut row: suggestion::ActiveModel = current.clone().into();
    row.supervision = Set(level);
    row.supervision_note = Set(note.clone());
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    save_if_unchanged(&txn, id, current.version, row).await?;
    event(
        &txn,
        id,
        "supervise",
        Some(status),
        status,
        caller,
        Role::Staff,
        note,
        serde_json::json!({"level": level.to_value()}),
        now,
    )
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("suggestion.supervise", "suggestion", id)
            .region(Some(current.region_id))
            .details(serde_json::json!({"level": level.to_value()})),
    )
    .await?;
    let after = reread(&txn, id).await?;
    txn.commit().await?;
    Ok(after)
}
