//! Reading the inbox and the outbox.

use chrono::{DateTime, Utc};
use entity::notification::{self, Channel, State};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;

/// Inbox messages of `caller` that have been delivered, newest first.
pub async fn inbox(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<notification::Model>, DbErr> {
    let select = notification::Entity::find()
        .filter(notification::Column::RecipientUserId.eq(caller.id))
        .filter(notification::Column::Channel.eq(Channel::Inbox))
        .filter(notification::Column::State.eq(State::Sent));
    crate::db::keyset::newest_first(
        select,
        notification::Column::SentAt,
        notification::Column::Id,
        after,
        limit,
    )
    .all(db)
    .await
}

/// Marks an inbox message of `caller` read (once; later calls keep the first time).
pub async fn mark_read(db: &Db, caller: &AuthUser, id: Uuid) -> Result<(), ApiError> {
    let found = notification::Entity::find_by_id(id)
        .filter(notification::Column::RecipientUserId.eq(caller.id))
        .filter(notification::Column::Channel.eq(Channel::Inbox))
        .filter(notification::Column::State.eq(State::Sent))
        .one(db.reader())
        .await?
        .ok_or(ApiError::NotFound)?;
    if found.read_at.is_none() {
        notification::Entity::update_many()
            .col_expr(
                notification::Column::ReadAt,
                sea_orm::sea_query::Expr::value(crate::clock::now()),
            )
            .filter(notification::Column::Id.eq(id))
            .filter(notification::Column::ReadAt.is_null())
            .exec(db.writer())
            .await?;
    }
    Ok(())
}

/// Filters of the outbox.
#[derive(Debug, Default)]
pub struct OutboxQuery {
    pub state: Option<State>,
    pub channel: Option<Channel>,
    pub subject_id: Option<Uuid>,
}

/// The outbox, newest first.
pub async fn outbox(
    db: &impl ConnectionTrait,
    query: OutboxQuery,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<notification::Model>, DbErr> {
    let mut select = notification::Entity::find();
    if let Some(state) = query.state {
        select = select.filter(notification::Column::State.eq(state));
    }
    if let Some(channel) = query.channel {
        select = select.filter(notification::Column::Channel.eq(channel));
    }
    if let Some(subject) = query.subject_id {
        select = select.filter(notification::Column::SubjectId.eq(subject));
    }
    if let Some(id) = after {
        select = select.filter(notification::Column::Id.lt(id));
    }
    select
        .order_by_desc(notification::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
}
