//! Tickets from the 12345 hotline and district platforms (machine clients with
//! `write:tickets`): each becomes a submission once, deduplicated by the client's own id for it.

use entity::submission::{self, SubmissionChannel};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{Intake, NewSubmission, Submitter, create};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::client::ClientInfo;

/// What a ticket came to.
#[derive(Debug)]
pub enum Ticket {
    /// It was sent before: the submission made of it then.
    Known(submission::Model),
    /// A new submission (or, when the same ticket was sent twice at once, the one the other
    /// request made).
    New(submission::Model),
}

/// Makes ticket `external_id` of client `caller` a submission of `channel`, unless it was sent
/// before.
pub async fn create_ticket(
    db: &Db,
    intake: Intake<'_>,
    caller: &AuthUser,
    client: &ClientInfo,
    external_id: &str,
    channel: SubmissionChannel,
    new: NewSubmission,
) -> Result<Ticket, ApiError> {
    if let Some(existing) = ticket(db.reader(), caller.id, external_id).await? {
        return Ok(Ticket::Known(existing));
    }
    let submitter = Submitter::Client {
        caller,
        external_id,
        channel,
    };
    match create(db, intake, submitter, client, new, None).await {
        Ok(created) => Ok(Ticket::New(created.submission)),
        // The same ticket sent twice at once: the other request created it. Any other clash
        // (no such ticket after all) is answered as it came.
        Err(clash @ ApiError::Conflict(_)) => {
            match ticket(db.writer(), caller.id, external_id).await? {
                Some(existing) => Ok(Ticket::New(existing)),
                None => Err(clash),
            }
        }
        Err(other) => Err(other),
    }
}

/// The submission client `client` created for its ticket `external_id`, if any.
async fn ticket(
    db: &impl ConnectionTrait,
    client: Uuid,
    external_id: &str,
) -> Result<Option<submission::Model>, ApiError> {
    Ok(submission::Entity::find()
        .filter(submission::Column::ExternalClientId.eq(client))
        .filter(submission::Column::ExternalId.eq(external_id))
        .one(db)
        .await?)
}
