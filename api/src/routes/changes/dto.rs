//! The bodies of the change feed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::changes::feed::{Change, ObjectType};

/// The kinds of objects in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeTypeDto {
    Submission,
    Suggestion,
    Station,
    Deputy,
    Reception,
}

/// What happened to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOpDto {
    Created,
    Updated,
    Deleted,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    /// The change's place in the feed: increasing, never reused.
    pub position: i64,
    #[serde(rename = "type")]
    pub object_type: ChangeTypeDto,
    pub id: Uuid,
    /// The object's version after this change (for objects without versions of their own, the
    /// count of their changes): apply a change only if it is newer than what you hold.
    pub version: i32,
    pub op: ChangeOpDto,
    pub at: DateTime<Utc>,
    /// `true` when the object is gone or its personal data was erased; `summary` is then null.
    pub tombstone: bool,
    /// The object as it is now (not as it was at this change): no voters' personal data.
    pub summary: Option<serde_json::Value>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesPage {
    pub items: Vec<ChangeDto>,
    /// Pass as `since` for the next page; always present, also when `items` is empty (poll it
    /// again later).
    pub next_cursor: String,
}

#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// The `next_cursor` of the previous page; leave out to start from the beginning.
    pub since: Option<String>,
    /// 1 to 1000; default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Comma-separated object types (`submission,suggestion,...`); default every type the
    /// caller may read.
    #[param(
        pattern = r"^\s*(submission|suggestion|station|deputy|reception)\s*(,\s*(submission|suggestion|station|deputy|reception)\s*)*$"
    )]
    pub types: Option<String>,
}

impl From<ObjectType> for ChangeTypeDto {
    fn from(t: ObjectType) -> Self {
        match t {
            ObjectType::Submission => ChangeTypeDto::Submission,
            ObjectType::Suggestion => ChangeTypeDto::Suggestion,
            ObjectType::Station => ChangeTypeDto::Station,
            ObjectType::Deputy => ChangeTypeDto::Deputy,
            ObjectType::Reception => ChangeTypeDto::Reception,
        }
    }
}

impl ChangeOpDto {
    /// The feed's stored operation name (`created`, `updated` or `deleted`).
    fn of(op: &str) -> Self {
        match op {
            "created" => ChangeOpDto::Created,
            "deleted" => ChangeOpDto::Deleted,
            _ => ChangeOpDto::Updated,
        }
    }
}

impl From<Change> for ChangeDto {
    fn from(c: Change) -> Self {
        ChangeDto {
            position: c.position,
            object_type: c.object_type.into(),
            id: c.object_id,
            version: c.version,
            op: ChangeOpDto::of(&c.op),
            at: c.at,
            tombstone: c.summary.is_none(),
            summary: c.summary,
        }
    }
}
