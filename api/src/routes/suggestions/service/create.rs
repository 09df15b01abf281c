//! Creating a suggestion: a deputy's draft with its co-authors, or a station case opened by the
//! station's staff (also inside the transaction of a submission converted into it). Also the
//! row of a brand-new case, which escalation writes too.

use chrono::{DateTime, Utc};
use entity::suggestion::{CongressLevel, Supervision};
use entity::{category, deputy, deputy_station, station, suggestion, suggestion_author};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{event, invalid};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::suggestion_flow::{Kind, Role, State};
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::i18n::Text;

/// A checked new suggestion.
#[derive(Debug)]
pub struct NewSuggestion {
    pub kind: Kind,
    pub title: String,
    pub content: String,
    pub category: String,
    pub station_id: Option<Uuid>,
    pub level: Option<CongressLevel>,
    pub co_author_ids: Vec<Uuid>,
}

/// Creates a suggestion: a deputy's draft, or a station case opened by staff.
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewSuggestion,
) -> Result<suggestion::Model, ApiError> {
    let txn = db.begin_write().await?;
    let row = create_in(&txn, caller, client, new).await?;
    txn.commit().await?;
    Ok(row)
}

/// [`create`] inside the caller's transaction (converting a submission creates its case in the
/// transaction that converts it).
pub async fn create_in(
    txn: &impl ConnectionTrait,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewSuggestion,
) -> Result<suggestion::Model, ApiError> {
    let category = category::Entity::find()
        .filter(category::Column::Code.eq(new.category.trim()))
        .filter(category::Column::Active.eq(true))
        .one(txn)
        .await?
        .ok_or_else(|| invalid("category", "unknown", "没有这个分类。", "Unknown category."))?;
    let station = match new.station_id {
        Some(id) => Some(
            station::Entity::find_by_id(id)
                .filter(station::Column::Status.eq(station::StationStatus::Active))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    invalid(
                        "station_id",
                        "unknown",
                        "没有这个联络站。",
                        "There is no such station.",
                    )
                })?,
        ),
        None => None,
    };
    let (status, region_id, authors) = match new.kind {
        Kind::StationCase => {
            let station = station.as_ref().ok_or_else(|| {
                invalid(
                    "station_id",
                    "required",
                    "交办事项须指明联络站。",
                    "A station case needs its station.",
                )
            })?;
            let manages =
                crate::routes::receptions::access::manages(txn, Some(caller), station).await?;
            if !manages {
                return Err(ApiError::Forbidden(Text::fixed(
                    "只有本站工作人员或辖区管理员可以建立交办事项。",
                    "Only the station's staff or an administrator in scope may open a station case.",
                )));
            }
            (State::Accepted, station.region_id, Vec::new())
        }
        Kind::DeputySuggestion => {
            let me = crate::routes::receptions::access::deputy_of(txn, caller).await?;
            let mut authors = vec![me.id];
            for (i, id) in new.co_author_ids.iter().enumerate() {
                let found = deputy::Entity::find_by_id(*id).one(txn).await?;
                if found.is_none() || authors.contains(id) {
                    return Err(ApiError::validation(
                        &format!("co_author_ids[{i}]"),
                        "invalid",
                        Text::fixed(
                            "没有这位代表，或重复列出。",
                            "No such deputy, or listed twice.",
                        ),
                    ));
                }
                authors.push(*id);
            }
            // Pre-reviewed by the staff of the station named, else of the lead's station.
            let region = match &station {
                Some(s) => s.region_id,
                None => me.region_id,
            };
            (State::Draft, region, authors)
        }
    };
    let station_id = match (&station, new.kind) {
        (Some(s), _) => Some(s.id),
        (None, Kind::DeputySuggestion) => deputy_station::Entity::find()
            .filter(deputy_station::Column::DeputyId.is_in(authors.first().copied()))
            .filter(deputy_station::Column::EndedOn.is_null())
            .one(txn)
            .await?
            .map(|d| d.station_id),
        (None, Kind::StationCase) => None,
    };
    let now = crate::clock::now();
    let id = Uuid::now_v7();
    let row = NewRow {
        id,
        kind: new.kind,
        status,
        title: new.title,
        content: new.content,
        category_id: category.id,
        region_id,
        station_id,
        level: new.level,
        created_by: caller.id,
        escalated_from: None,
        now,
    }
    .into_active_model()
    .insert(txn)
    .await?;
    add_authors(txn, id, &authors).await?;
    let role = match new.kind {
        Kind::StationCase => Role::Staff,
        Kind::DeputySuggestion => Role::LeadAuthor,
    };
    event(
        txn,
        id,
        "create",
        None,
        status,
        caller,
        role,
        None,
        serde_json::json!({}),
        now,
    )
    .await?;
    audit::record(
        txn,
        Actor::user(caller, client),
        Entry::new("suggestion.create", "suggestion", id).region(Some(region_id)),
    )
    .await?;
    Ok(row)
}

/// A case as it is written when it begins: what it is about, and nothing done yet (no unit, no
/// deadline, no reply or rating, not supervised, version 1).
pub(super) struct NewRow {
    pub id: Uuid,
    pub kind: Kind,
    pub status: State,
    pub title: String,
    pub content: String,
    pub category_id: Uuid,
    pub region_id: Uuid,
    pub station_id: Option<Uuid>,
    pub level: Option<CongressLevel>,
    pub created_by: Uuid,
    pub escalated_from: Option<Uuid>,
    pub now: DateTime<Utc>,
}

impl NewRow {
    pub(super) fn into_active_model(self) -> suggestion::ActiveModel {
        suggestion::ActiveModel {
            id: Set(self.id),
            kind: Set(self.kind),
            status: Set(self.status),
            title: Set(self.title),
            content: Set(self.content),
            category_id: Set(self.category_id),
            region_id: Set(self.region_id),
            station_id: Set(self.station_id),
            level: Set(self.level),
            lead_unit_id: Set(None),
            deadline: Set(None),
            supervision: Set(Supervision::None),
            supervision_note: Set(None),
            reply_category: Set(None),
            reply_text: Set(None),
            replied_at: Set(None),
            rating: Set(None),
            rated_at: Set(None),
            reopen_count: Set(0),
            flagged: Set(false),
            created_by: Set(Some(self.created_by)),
            escalated_from: Set(self.escalated_from),
            version: Set(1),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            closed_at: Set(None),
            assigned_at: Set(None),
            first_replied_at: Set(None),
            first_rating: Set(None),
        }
    }
}

/// The authors of the new case `id`, in order (the first leads).
pub(super) async fn add_authors(
    txn: &impl ConnectionTrait,
    id: Uuid,
    authors: &[Uuid],
) -> Result<(), ApiError> {
    for (position, deputy_id) in authors.iter().enumerate() {
        suggestion_author::ActiveModel {
            suggestion_id: Set(id),
            deputy_id: Set(*deputy_id),
            position: Set(i16::try_from(position).unwrap_or(i16::MAX)),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
