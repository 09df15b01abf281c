//! Storing an uploaded photo: checked by content (JPEG, PNG or WebP, at most 10 MiB and
//! 8,000 × 8,000 pixels, read from the header before any pixel is decoded), stripped of its
//! metadata (EXIF with GPS, XMP, comments), stored by content hash; and cleaning up uploads
//! nobody attached within a day.

use entity::attachment;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::i18n::Text;
use crate::media::{self, BlobStore, Rejection};
use crate::routes::submissions::access;

fn rejected(rejection: Rejection) -> ApiError {
    match rejection {
        Rejection::TooLarge { .. } => ApiError::PayloadTooLarge {
            limit: media::MAX_BYTES,
        },
        Rejection::NotAnImage | Rejection::Corrupt => ApiError::UnsupportedMediaType {
            expected: "image/jpeg, image/png or image/webp",
        },
        // API.md: anything but the accepted image formats is a 415, whatever it is called.
        Rejection::UnsupportedFormat { .. } => ApiError::UnsupportedMediaType {
            expected: "image/jpeg, image/png or image/webp",
        },
        Rejection::TooManyPixels { width, height } => ApiError::Rule {
            code: "image_too_large",
            message: Text::new(
                format!(
                    "图片尺寸 {width}×{height} 超过上限 {0}×{0} 像素。",
                    media::MAX_SIDE
                ),
                format!(
                    "The image is {width}×{height}; at most {0}×{0} pixels are accepted.",
                    media::MAX_SIDE
                ),
            ),
        },
    }
}

/// Checks, strips and stores `bytes` uploaded by `uploader` (`None`: without an account).
pub async fn upload(
    db: &Db,
    blobs: &dyn BlobStore,
    uploader: Option<&AuthUser>,
    bytes: Vec<u8>,
) -> Result<attachment::Model, ApiError> {
    let (info, stripped) = tokio::task::spawn_blocking(move || {
        let info = media::inspect(&bytes)?;
        let stripped = media::strip_metadata(&bytes, info.format)?;
        // The stripped file must still be the image that was checked.
        let again = media::inspect(&stripped)?;
        if (again.width, again.height) != (info.width, info.height) {
            return Err(Rejection::Corrupt);
        }
        Ok((info, stripped))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(rejected)?;
    let size = i32::try_from(stripped.len()).unwrap_or(i32::MAX);
    let hash = blobs.put(stripped).await.map_err(ApiError::internal)?;
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let row = attachment::ActiveModel {
        // Random, not time-ordered: for an anonymous upload the id is the proof of ownership.
        id: Set(Uuid::new_v4()),
        blob_hash: Set(hash),
        mime: Set(info.format.mime().to_owned()),
        width: Set(i32::try_from(info.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(info.height).unwrap_or(i32::MAX)),
        size_bytes: Set(size),
        uploader_id: Set(uploader.map(|u| u.id)),
        submission_id: Set(None),
        position: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The photo `id` and its bytes, for its uploader, the voter of its submission and staff who
/// may see that submission; 404 for everyone else.
pub async fn fetch(
    db: &Db,
    blobs: &dyn BlobStore,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(attachment::Model, Vec<u8>), ApiError> {
    let reader = db.reader();
    let found = attachment::Entity::find_by_id(id)
        .one(reader)
        .await?
        .ok_or(ApiError::NotFound)?;
    let allowed = found.uploader_id == Some(caller.id)
        || match found.submission_id {
            Some(submission) => access::find(reader, caller, submission).await.is_ok(),
            None => false,
        };
    if !allowed {
        return Err(ApiError::NotFound);
    }
    let bytes = blobs
        .get(&found.blob_hash)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("blob {} missing", found.blob_hash)))?;
    Ok((found, bytes))
}
