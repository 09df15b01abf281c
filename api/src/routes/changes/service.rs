//! Reading the change feed: what has finished since the sequencer last ran is numbered first, so
//! that a reader sees its own writes without waiting for the background run.

use crate::auth::scope::RegionScope;
use crate::changes::feed::{self, Change, ObjectType};
use crate::changes::sequencer;
use crate::db::Db;
use crate::error::ApiError;

/// The changes after position `after` (at most `limit`) of `types` within `scope`, oldest first.
pub async fn page(
    db: &Db,
    after: i64,
    limit: u64,
    types: &[ObjectType],
    scope: &RegionScope,
) -> Result<Vec<Change>, ApiError> {
    if sequencer::pending(db.reader()).await? {
        sequencer::sequence(db).await?;
    }
    Ok(feed::page(db.reader(), after, limit, types, scope).await?)
}
