//! Uploads that were never attached: deleted after [`UNATTACHED_TTL`], with their bytes when no
//! other upload shares them. Run by the maintenance job; the upload itself is the attachments
//! feature's.

use chrono::Duration;
use entity::attachment;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use super::BlobStore;
use crate::db::Db;

/// How long an upload may wait to be attached.
pub const UNATTACHED_TTL: Duration = Duration::hours(24);

/// Deletes uploads older than a day that were never attached, and their bytes when no other
/// upload shares them. Returns how many rows went.
pub async fn purge_unattached(db: &Db, blobs: &dyn BlobStore) -> anyhow::Result<u64> {
    let cutoff = crate::clock::now() - UNATTACHED_TTL;
    let stale = attachment::Entity::find()
        .filter(attachment::Column::SubmissionId.is_null())
        .filter(attachment::Column::CreatedAt.lt(cutoff))
        .limit(500)
        .all(db.reader())
        .await?;
    let mut purged = 0;
    for row in stale {
        let txn = db.begin_write().await?;
        let deleted = attachment::Entity::delete_many()
            .filter(attachment::Column::Id.eq(row.id))
            .filter(attachment::Column::SubmissionId.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        let still_used = attachment::Entity::find()
            .filter(attachment::Column::BlobHash.eq(row.blob_hash.as_str()))
            .count(&txn)
            .await?;
        txn.commit().await?;
        purged += deleted;
        if deleted == 1 && still_used == 0 {
            blobs.delete(&row.blob_hash).await?;
        }
    }
    Ok(purged)
}
