//! Submissions: creating them from every channel (with their tracking number, access code,
//! photos and idempotent retries), the inbox, triage, feedback and tracking.

use chrono::{DateTime, Datelike, Utc};
use entity::submission::{self, Rating, SubmissionChannel, SubmissionStatus};
use entity::user::Role;
use entity::{
    attachment, category, deputy, reception, reception_record, reception_record_item, station,
    submission_event,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, Statement,
};
use uuid::Uuid;

use super::access::{self, Viewer};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::access_code;
use crate::domain::similarity::{bigrams, jaccard};
use crate::error::ApiError;
use crate::http::client::ClientInfo;
use crate::http::rate_limit::{RateLimits, ip_key};
use crate::i18n::Text;

/// At most this many photos per submission.
pub const MAX_ATTACHMENTS: usize = 9;
/// Similar submissions shown on create.
const SIMILAR_SHOWN: usize = 5;
/// How many recent open submissions are compared with a new one.
const SIMILAR_CANDIDATES: u64 = 200;
/// Below this bigram similarity two texts are not taken for the same matter.
const SIMILAR_THRESHOLD: f64 = 0.2;

/// Who is submitting.
#[derive(Debug, Clone, Copy)]
pub enum Submitter<'a> {
    /// A signed-in voter.
    Voter(&'a AuthUser),
    /// Anyone without a token: gets an access code.
    Anonymous,
    /// Staff or a deputy entering a submission that came in through another channel.
    Staff(&'a AuthUser),
    /// A machine client sending a ticket in (`write:tickets`), with its id for the ticket.
    Client {
        caller: &'a AuthUser,
        external_id: &'a str,
        channel: SubmissionChannel,
    },
}

/// A checked new submission.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub title: String,
    pub content: String,
    pub category: String,
    pub station_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    pub qr_code: Option<String>,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub attachment_ids: Vec<Uuid>,
    pub anonymous: bool,
    pub consent_personal_info: bool,
    pub consent_public: bool,
    /// Set for staff entries only (checked by the handler).
    pub channel: Option<SubmissionChannel>,
    pub reception_record_item_id: Option<Uuid>,
}

/// The caller's `Idempotency-Key` and the hash of their request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub request_hash: String,
}

/// A created (or, for a retry, the first) submission.
#[derive(Debug)]
pub struct Created {
    pub submission: submission::Model,
    pub access_code: Option<String>,
    pub replayed: bool,
}

fn principal(submitter: Submitter<'_>) -> String {
    match submitter {
        Submitter::Voter(user) | Submitter::Staff(user) => format!("user:{}", user.id),
        Submitter::Anonymous => "anonymous".to_owned(),
        Submitter::Client { caller, .. } => format!("client:{}", caller.id),
    }
}

/// What intake and tracking need beside the database: the key that derives and checks the
/// access codes (never stored), and the budgets of submitters and of tracking look-ups.
#[derive(Debug, Clone, Copy)]
pub struct Intake<'a> {
    pub access_key: &'a [u8],
    pub limits: &'a RateLimits,
}

/// The first attempt of a retried create, if any: the same request again is a replay, another
/// request under the same key a 422.
async fn replay_of(
    intake: Intake<'_>,
    db: &impl ConnectionTrait,
    stored_key: &str,
    request_hash: &str,
) -> Result<Option<Created>, ApiError> {
    let Some(found) = submission::Entity::find()
        .filter(submission::Column::IdemKey.eq(stored_key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if found.idem_hash.as_deref() != Some(request_hash) {
        return Err(ApiError::IdempotencyKeyReused);
    }
    let access_code = found
        .access_nonce
        .as_deref()
        .map(|nonce| access_code::derive(intake.access_key, found.id, nonce));
    Ok(Some(Created {
        submission: found,
        access_code,
        replayed: true,
    }))
}

/// Checks the budgets of `submitter` (after a replay was ruled out: retries cost nothing).
fn check_rate(
    limits: &RateLimits,
    submitter: Submitter<'_>,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let ip = ip_key(client.ip.as_deref());
    match submitter {
        Submitter::Voter(user) => {
            limits.submit_per_ip.check(ip)?;
            limits.submit_per_voter.check(&user.id.to_string())
        }
        Submitter::Anonymous => {
            limits.submit_per_ip.check(ip)?;
            limits.anonymous_submit_per_ip.check(ip)
        }
        // Staff type in letters and calls; their own accounts are the control. Clients are
        // configured by administrators, and their tickets are deduplicated by external id.
        Submitter::Staff(_) | Submitter::Client { .. } => Ok(()),
    }
}

/// The next tracking number of `year`: `LL2026-000123`. The counter row is written in the
/// creating transaction, so numbers are unique and, but for rolled-back creates, gapless.
async fn next_tracking_no(db: &impl ConnectionTrait, year: i32) -> Result<String, ApiError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO tracking_counters (year, last_value) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last_value = tracking_counters.last_value + 1 \
             RETURNING last_value"
        }
        _ => {
            "INSERT INTO tracking_counters (year, last_value) VALUES (?, 1) \
             ON CONFLICT (year) DO UPDATE SET last_value = tracking_counters.last_value + 1 \
             RETURNING last_value"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [year.into()]))
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("the tracking counter returned nothing"))
        })?;
    let value: i64 = row.try_get("", "last_value")?;
    Ok(format!("LL{year}-{value:06}"))
}

/// Where a submission goes: its station, deputy and the region whose staff handle it.
struct Target {
    station_id: Option<Uuid>,
    deputy_id: Option<Uuid>,
    region_id: Option<Uuid>,
    qr_code: Option<String>,
}

fn unknown(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::validation(field, "unknown", Text::fixed(zh, en))
}

async fn resolve_target(
    db: &impl ConnectionTrait,
    new: &NewSubmission,
) -> Result<Target, ApiError> {
    let mut station_id = new.station_id;
    let mut deputy_id = new.deputy_id;
    let mut qr_code = None;
    if let Some(raw) = &new.qr_code {
        let target = crate::routes::codes::service::resolve(db, raw)
            .await
            .map_err(|_| {
                unknown(
                    "qr_code",
                    "二维码无效或已停用。",
                    "The QR code is unknown or no longer in use.",
                )
            })?;
        match target.kind {
            crate::domain::public_code::CodeKind::Station => {
                station_id = station_id.or(Some(target.id))
            }
            crate::domain::public_code::CodeKind::Deputy => {
                deputy_id = deputy_id.or(Some(target.id))
            }
        }
        qr_code = Some(target.code);
    }
    let mut region_id = None;
    if let Some(id) = deputy_id {
        let found = deputy::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| unknown("deputy_id", "没有这位代表。", "There is no such deputy."))?;
        region_id = Some(found.region_id);
    }
    if let Some(id) = station_id {
        let found = station::Entity::find_by_id(id)
            .filter(station::Column::Status.eq(station::StationStatus::Active))
            .one(db)
            .await?
            .ok_or_else(|| {
                unknown(
                    "station_id",
                    "没有这个联络站或已撤销。",
                    "There is no such station, or it is archived.",
                )
            })?;
        region_id = Some(found.region_id);
    }
    if station_id.is_none() && deputy_id.is_none() {
        return Err(ApiError::validation(
            "station_id",
            "target_required",
            Text::fixed(
                "请选择联络站或代表（或扫描二维码）。",
                "Choose a station or a deputy (or scan a QR code).",
            ),
        ));
    }
    Ok(Target {
        station_id,
        deputy_id,
        region_id,
        qr_code,
    })
}

/// The category with `code`, which must be active and offered in `region`.
async fn category_of(db: &impl ConnectionTrait, code: &str) -> Result<category::Model, ApiError> {
    category::Entity::find()
        .filter(category::Column::Code.eq(code.trim()))
        .filter(category::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(|| {
            unknown(
                "category",
                "没有这个分类，请从 GET /api/v1/categories 中选择。",
                "Unknown category: pick a code from GET /api/v1/categories.",
            )
        })
}

/// The reception record item a `reception` entry comes from, and the station of its session.
async fn record_item_station(db: &impl ConnectionTrait, item_id: Uuid) -> Result<Uuid, ApiError> {
    let missing = || {
        unknown(
            "reception_record_item_id",
            "没有这条接待记录。",
            "There is no such reception record item.",
        )
    };
    let item = reception_record_item::Entity::find_by_id(item_id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let record = reception_record::Entity::find_by_id(item.record_id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let session = reception::Entity::find_by_id(record.reception_id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    Ok(session.station_id)
}

/// Whether `caller` (staff or a deputy) may enter a submission for `target`.
async fn may_enter(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    target: &Target,
) -> Result<bool, ApiError> {
    Ok(match caller.role {
        Role::Admin => caller.scope().contains(db, target.region_id).await?,
        Role::StationStaff => match target.station_id {
            Some(station) => entity::station_staff::Entity::find_by_id((station, caller.id))
                .one(db)
                .await?
                .is_some(),
            None => false,
        },
        Role::Deputy => {
            target.deputy_id.is_some()
                && crate::routes::receptions::access::linked_deputy(db, caller)
                    .await?
                    .map(|d| d.id)
                    == target.deputy_id
        }
        Role::Voter | Role::UnitHandler => false,
    })
}

/// Creates a submission, or answers a retry with the first attempt's.
pub async fn create(
    db: &Db,
    intake: Intake<'_>,
    submitter: Submitter<'_>,
    client: &ClientInfo,
    new: NewSubmission,
    idempotency: Option<Idempotency>,
) -> Result<Created, ApiError> {
    let stored_key = idempotency
        .as_ref()
        .map(|i| format!("{}:{}", principal(submitter), i.key));
    if let (Some(key), Some(i)) = (&stored_key, &idempotency)
        && let Some(first) = replay_of(intake, db.reader(), key, &i.request_hash).await?
    {
        return Ok(first);
    }
    check_rate(intake.limits, submitter, client)?;

    let reader = db.reader();
    let mut new = new;
    let category = category_of(reader, &new.category).await?;
    // A reception entry belongs to the station of its session.
    if let Submitter::Staff(_) = submitter
        && new.channel == Some(SubmissionChannel::Reception)
    {
        let item = new.reception_record_item_id.ok_or_else(|| {
            ApiError::validation(
                "reception_record_item_id",
                "required",
                Text::fixed(
                    "接待日渠道须关联接待记录条目。",
                    "The reception channel needs the reception record item it came from.",
                ),
            )
        })?;
        let station = record_item_station(reader, item).await?;
        match new.station_id {
            Some(s) if s != station => {
                return Err(ApiError::rule(
                    "record_item_elsewhere",
                    "该接待记录属于另一个联络站。",
                    "The reception record item belongs to another station.",
                ));
            }
            _ => new.station_id = Some(station),
        }
    }
    let target = resolve_target(reader, &new).await?;
    let channel = match submitter {
        Submitter::Staff(caller) => {
            if !may_enter(reader, caller, &target).await? {
                return Err(ApiError::Forbidden(Text::fixed(
                    "只能为本站（或本人、辖区内）录入意见。",
                    "You may enter submissions only for your own stations, yourself or your scope.",
                )));
            }
            new.channel.unwrap_or(SubmissionChannel::Mailbox)
        }
        Submitter::Client {
            caller, channel, ..
        } => {
            // A client sends tickets for its own region only.
            caller
                .scope()
                .ensure_contains(reader, target.region_id)
                .await
                .map_err(|_| {
                    ApiError::validation(
                        "station_id",
                        "outside_scope",
                        Text::fixed(
                            "该联络站或代表不在接入系统的辖区内。",
                            "The station or deputy is outside the client's region.",
                        ),
                    )
                })?;
            channel
        }
        _ if target.qr_code.is_some() => SubmissionChannel::Qr,
        _ => SubmissionChannel::Miniapp,
    };

    let now = crate::clock::now();
    let id = Uuid::now_v7();
    let nonce = matches!(submitter, Submitter::Anonymous).then(access_code::new_nonce);
    let code = nonce
        .as_deref()
        .map(|n| access_code::derive(intake.access_key, id, n));
    let txn = db.begin_write().await?;
    let year = (now + chrono::Duration::hours(8)).year();
    let tracking_no = next_tracking_no(&txn, year).await?;
    let (voter_id, entered_by) = match submitter {
        Submitter::Voter(user) => (Some(user.id), None),
        Submitter::Staff(user) => (None, Some(user.id)),
        Submitter::Anonymous | Submitter::Client { .. } => (None, None),
    };
    let (external_client_id, external_id) = match submitter {
        Submitter::Client {
            caller,
            external_id,
            ..
        } => (Some(caller.id), Some(external_id.to_owned())),
        _ => (None, None),
    };
    let row = submission::ActiveModel {
        id: Set(id),
        tracking_no: Set(tracking_no),
        channel: Set(channel),
        status: Set(SubmissionStatus::Received),
        title: Set(new.title),
        content: Set(new.content),
        category_id: Set(category.id),
        region_id: Set(target.region_id),
        station_id: Set(target.station_id),
        deputy_id: Set(target.deputy_id),
        voter_id: Set(voter_id),
        entered_by: Set(entered_by),
        qr_code: Set(target.qr_code),
        reception_record_item_id: Set(new
            .reception_record_item_id
            .filter(|_| channel == SubmissionChannel::Reception)),
        address: Set(new.address),
        latitude: Set(new.location.map(|l| l.0)),
        longitude: Set(new.location.map(|l| l.1)),
        contact_name: Set(new.contact_name),
        contact_phone: Set(new.contact_phone),
        anonymous: Set(new.anonymous),
        consent_personal_info: Set(new.consent_personal_info),
        consent_public: Set(new.consent_public),
        access_nonce: Set(nonce),
        access_code_hash: Set(code
            .as_deref()
            .map(|c| access_code::hash(intake.access_key, c))),
        result_note: Set(None),
        referred_to: Set(None),
        resolved_at: Set(None),
        responded_at: Set(None),
        closed_at: Set(None),
        feedback_rating: Set(None),
        feedback_comment: Set(None),
        feedback_at: Set(None),
        erased_at: Set(None),
        idem_key: Set(stored_key.clone()),
        idem_hash: Set(idempotency.as_ref().map(|i| i.request_hash.clone())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        external_client_id: Set(external_client_id),
        external_id: Set(external_id),
    };
    let inserted = match row.insert(&txn).await {
        Ok(inserted) => inserted,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            // A concurrent retry with the same key won the race: answer with its submission.
            drop(txn);
            if let (Some(key), Some(i)) = (&stored_key, &idempotency)
                && let Some(first) = replay_of(intake, db.writer(), key, &i.request_hash).await?
            {
                return Ok(first);
            }
            return Err(err.into());
        }
        Err(err) => return Err(err.into()),
    };
    let uploader = match submitter {
        Submitter::Voter(user) | Submitter::Staff(user) => Some(user.id),
        Submitter::Anonymous | Submitter::Client { .. } => None,
    };
    attach(&txn, id, &new.attachment_ids, uploader).await?;
    record_event(
        &txn,
        id,
        "received",
        SubmissionStatus::Received,
        None,
        entered_by,
        serde_json::json!({"channel": channel_name(channel)}),
        now,
    )
    .await?;
    if let Submitter::Staff(caller) = submitter {
        audit::record(
            &txn,
            Actor::user(caller, client),
            Entry::new("submission.enter", "submission", id)
                .region(target.region_id)
                .details(serde_json::json!({"channel": channel_name(channel)})),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Created {
        submission: inserted,
        access_code: code,
        replayed: false,
    })
}

fn channel_name(channel: SubmissionChannel) -> String {
    use sea_orm::ActiveEnum;
    channel.to_value()
}

/// Attaches `ids` (in order) to `submission_id`: each must be an upload not yet attached, made
/// by `uploader` or without an account (an anonymous upload's random id is its proof).
async fn attach(
    db: &impl ConnectionTrait,
    submission_id: Uuid,
    ids: &[Uuid],
    uploader: Option<Uuid>,
) -> Result<(), ApiError> {
    for (position, id) in ids.iter().enumerate() {
        let mut update = attachment::Entity::update_many()
            .col_expr(attachment::Column::SubmissionId, Expr::value(submission_id))
            .col_expr(
                attachment::Column::Position,
                Expr::value(i16::try_from(position).unwrap_or(i16::MAX)),
            )
            .filter(attachment::Column::Id.eq(*id))
            .filter(attachment::Column::SubmissionId.is_null());
        update = match uploader {
            Some(user) => update.filter(
                Condition::any()
                    .add(attachment::Column::UploaderId.eq(user))
                    .add(attachment::Column::UploaderId.is_null()),
            ),
            None => update.filter(attachment::Column::UploaderId.is_null()),
        };
        if update.exec(db).await?.rows_affected != 1 {
            return Err(ApiError::validation(
                &format!("attachment_ids[{position}]"),
                "attachment_unavailable",
                Text::fixed(
                    "找不到这张图片，或它已被使用、不是您上传的。",
                    "No such upload of yours, or it is already attached.",
                ),
            ));
        }
    }
    Ok(())
}

/// Appends a step to a submission's history.
#[allow(clippy::too_many_arguments)]
pub async fn record_event(
    db: &impl ConnectionTrait,
    submission_id: Uuid,
    kind: &str,
    status: SubmissionStatus,
    public_note: Option<String>,
    actor_id: Option<Uuid>,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    submission_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(submission_id),
        at: Set(at),
        kind: Set(kind.to_owned()),
        status: Set(status),
        public_note: Set(public_note),
        actor_id: Set(actor_id),
        details: Set(details),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Up to five open submissions like `new` (same station or, without one, same deputy; same
/// category; similar title and content), most similar first.
pub async fn similar(
    db: &impl ConnectionTrait,
    new: &submission::Model,
) -> Result<Vec<(submission::Model, f64)>, ApiError> {
    let mut query = submission::Entity::find()
        .filter(submission::Column::Id.ne(new.id))
        .filter(submission::Column::CategoryId.eq(new.category_id))
        .filter(
            submission::Column::Status
                .is_in([SubmissionStatus::Received, SubmissionStatus::InReview]),
        );
    query = match (new.station_id, new.deputy_id) {
        (Some(station), _) => query.filter(submission::Column::StationId.eq(station)),
        (None, Some(deputy)) => query.filter(submission::Column::DeputyId.eq(deputy)),
        (None, None) => return Ok(Vec::new()),
    };
    let candidates = query
        .order_by(submission::Column::CreatedAt, Order::Desc)
        .limit(SIMILAR_CANDIDATES)
        .all(db)
        .await?;
    let mine = bigrams(&format!("{} {}", new.title, new.content));
    let mut scored: Vec<_> = candidates
        .into_iter()
        .map(|c| {
            let score = jaccard(&mine, &bigrams(&format!("{} {}", c.title, c.content)));
            (c, score)
        })
        .filter(|(_, score)| *score >= SIMILAR_THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(SIMILAR_SHOWN);
    Ok(scored)
}

/// Inbox filters.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<SubmissionStatus>,
    pub station_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub channel: Option<SubmissionChannel>,
    pub category: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub q: Option<String>,
}

/// A page of the submissions `caller` may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<submission::Model>, ApiError> {
    let mut query = submission::Entity::find().filter(access::visible(db, caller).await?);
    if let Some(status) = filter.status {
        query = query.filter(submission::Column::Status.eq(status));
    }
    if let Some(station) = filter.station_id {
        query = query.filter(submission::Column::StationId.eq(station));
    }
    if let Some(region) = filter.region_id {
        // The region and everything under it.
        query = query.filter(
            crate::auth::scope::RegionScope::Subtree(region)
                .condition(submission::Column::RegionId),
        );
    }
    if let Some(channel) = filter.channel {
        query = query.filter(submission::Column::Channel.eq(channel));
    }
    if let Some(code) = &filter.category {
        match category::Entity::find()
            .filter(category::Column::Code.eq(code.as_str()))
            .one(db)
            .await?
        {
            Some(c) => query = query.filter(submission::Column::CategoryId.eq(c.id)),
            None => return Ok(Vec::new()),
        }
    }
    if let Some(from) = filter.from {
        query = query.filter(submission::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(submission::Column::CreatedAt.lt(to));
    }
    if let Some(q) = &filter.q {
        let q = q.trim();
        query = query.filter(
            Condition::any()
                .add(crate::db::contains(submission::Column::Title, q))
                .add(crate::db::contains(submission::Column::Content, q))
                .add(submission::Column::TrackingNo.eq(q.to_uppercase())),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(crate::http::pagination::before_desc(
            submission::Column::CreatedAt,
            submission::Column::Id,
            at,
            id,
        ));
    }
    Ok(query
        .order_by(submission::Column::CreatedAt, Order::Desc)
        .order_by(submission::Column::Id, Order::Desc)
        .limit(limit + 1)
        .all(db)
        .await?)
}

/// A triage step, checked by the handler.
#[derive(Debug, Clone)]
pub enum Triage {
    Review,
    Answer {
        note: String,
    },
    Refer {
        to: String,
        note: Option<String>,
    },
    Decline {
        reason: String,
    },
    Close,
    /// Into a new case of `kind` (`level` for a deputy suggestion).
    Convert {
        kind: crate::domain::suggestion_flow::Kind,
        level: Option<entity::suggestion::CongressLevel>,
    },
    /// Into the open case `suggestion_id`.
    Merge {
        suggestion_id: Uuid,
    },
}

impl Triage {
    fn kind(&self) -> &'static str {
        match self {
            Triage::Review => "review",
            Triage::Answer { .. } => "answer",
            Triage::Refer { .. } => "refer",
            Triage::Decline { .. } => "decline",
            Triage::Close => "close",
            Triage::Convert { .. } => "convert",
            Triage::Merge { .. } => "merge",
        }
    }

    /// The status this step leads to from `from`, if it is allowed there.
    pub fn next(&self, from: SubmissionStatus) -> Option<SubmissionStatus> {
        use SubmissionStatus::*;
        match (self, from) {
            (Triage::Review, Received) => Some(InReview),
            (Triage::Answer { .. }, Received | InReview) => Some(Answered),
            (Triage::Refer { .. }, Received | InReview) => Some(Referred),
            (Triage::Decline { .. }, Received | InReview) => Some(Declined),
            (Triage::Close, Answered | Referred | Declined) => Some(Closed),
            (Triage::Convert { .. } | Triage::Merge { .. }, Received | InReview) => Some(Converted),
            _ => None,
        }
    }
}

/// Applies a triage step as `caller` (staff in scope or the addressed deputy).
pub async fn triage(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    step: Triage,
    internal_note: Option<String>,
    expected_version: Option<i32>,
) -> Result<submission::Model, ApiError> {
    let txn = db.begin_write().await?;
    let (current, viewer) = access::find(&txn, caller, id).await?;
    if !viewer.handles() {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有联络站工作人员或被反映的代表可以处理意见。",
            "Only station staff or the deputy it is addressed to may triage a submission.",
        )));
    }
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let next = step.next(current.status).ok_or_else(|| ApiError::Rule {
        code: "invalid_transition",
        message: Text::new(
            format!("当前状态下不能执行“{}”。", step.kind()),
            format!("`{}` is not allowed in the current status.", step.kind()),
        ),
    })?;
    let now = crate::clock::now();
    let mut row: submission::ActiveModel = current.clone().into();
    row.status = Set(next);
    row.version = Set(current.version + 1);
    row.updated_at = Set(now);
    if current.responded_at.is_none() {
        row.responded_at = Set(Some(now));
    }
    let public_note = match &step {
        Triage::Answer { note } => {
            row.result_note = Set(Some(note.clone()));
            row.resolved_at = Set(Some(now));
            Some(note.clone())
        }
        Triage::Refer { to, note } => {
            row.referred_to = Set(Some(to.clone()));
            row.result_note = Set(note.clone());
            row.resolved_at = Set(Some(now));
            Some(to.clone())
        }
        Triage::Decline { reason } => {
            row.result_note = Set(Some(reason.clone()));
            row.resolved_at = Set(Some(now));
            Some(reason.clone())
        }
        Triage::Close => {
            row.closed_at = Set(Some(now));
            None
        }
        Triage::Review | Triage::Convert { .. } | Triage::Merge { .. } => None,
    };
    // Only if nobody changed it meanwhile (PostgreSQL runs writers concurrently).
    let updated = submission::Entity::update_many()
        .set(row)
        .filter(submission::Column::Id.eq(id))
        .filter(submission::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict(Text::fixed(
            "该意见刚被他人修改，请刷新后重试。",
            "The submission was changed meanwhile; reload it and retry.",
        )));
    }
    let mut details = serde_json::json!({"internal_note": internal_note});
    match &step {
        Triage::Convert { kind, level } => {
            let category = entity::category::Entity::find_by_id(current.category_id)
                .one(&txn)
                .await?
                .ok_or(ApiError::NotFound)?;
            let case = crate::routes::suggestions::service::create_in(
                &txn,
                caller,
                client,
                crate::routes::suggestions::service::NewSuggestion {
                    kind: *kind,
                    title: current.title.chars().take(100).collect(),
                    content: current.content.clone(),
                    category: category.code,
                    station_id: current.station_id,
                    level: *level,
                    co_author_ids: Vec::new(),
                },
            )
            .await?;
            crate::routes::suggestions::service::link_source(
                &txn,
                caller,
                &case,
                id,
                &current.tracking_no,
                "convert",
            )
            .await?;
            details["suggestion_id"] = serde_json::json!(case.id);
        }
        Triage::Merge { suggestion_id } => {
            let case =
                crate::routes::suggestions::service::merge_target(&txn, caller, *suggestion_id)
                    .await?;
            crate::routes::suggestions::service::link_source(
                &txn,
                caller,
                &case,
                id,
                &current.tracking_no,
                "merge",
            )
            .await?;
            details["suggestion_id"] = serde_json::json!(case.id);
        }
        _ => {}
    }
    record_event(
        &txn,
        id,
        step.kind(),
        next,
        public_note,
        Some(caller.id),
        details,
        now,
    )
    .await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("submission.triage", "submission", id)
            .region(current.region_id)
            .details(serde_json::json!({"action": step.kind()})),
    )
    .await?;
    let updated = submission::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

/// Records the voter's feedback on `current`: once, after a result.
pub async fn feedback(
    db: &Db,
    current: &submission::Model,
    rating: Rating,
    comment: Option<String>,
) -> Result<submission::Model, ApiError> {
    use SubmissionStatus::*;
    // A converted submission rates its case's reply: once per reply, so that after a reopen
    // the voters rate the new one.
    let case = if current.status == Converted {
        let link = entity::suggestion_source::Entity::find_by_id(current.id)
            .one(db.reader())
            .await?
            .ok_or(ApiError::NotFound)?;
        let case = entity::suggestion::Entity::find_by_id(link.suggestion_id)
            .one(db.reader())
            .await?
            .ok_or(ApiError::NotFound)?;
        if case.status != entity::suggestion::State::Replied {
            return Err(ApiError::rule(
                "no_result_yet",
                "还没有新的答复，暂不能评价。",
                "There is no new reply to rate yet.",
            ));
        }
        Some(case)
    } else {
        None
    };
    let rated_before = match &case {
        Some(case) => case.replied_at,
        None => None,
    };
    let already = match (current.feedback_at, rated_before) {
        (Some(_), None) => true,
        (Some(at), Some(replied)) => at >= replied,
        (None, _) => false,
    };
    if already {
        return Err(ApiError::clash(
            "feedback_given",
            "已经评价过了。",
            "Feedback was already given.",
        ));
    }
    if matches!(current.status, Received | InReview) {
        return Err(ApiError::rule(
            "no_result_yet",
            "还没有处理结果，暂不能评价。",
            "There is no result to rate yet.",
        ));
    }
    let now = crate::clock::now();
    let txn = db.begin_write().await?;
    let updated = submission::Entity::update_many()
        .col_expr(submission::Column::FeedbackRating, Expr::value(rating))
        .col_expr(
            submission::Column::FeedbackComment,
            Expr::value(comment.clone()),
        )
        .col_expr(submission::Column::FeedbackAt, Expr::value(now))
        .col_expr(
            submission::Column::Version,
            Expr::col(submission::Column::Version).add(1),
        )
        .col_expr(submission::Column::UpdatedAt, Expr::value(now))
        .filter(submission::Column::Id.eq(current.id))
        .filter(match rated_before {
            Some(replied) => Condition::any()
                .add(submission::Column::FeedbackAt.is_null())
                .add(submission::Column::FeedbackAt.lt(replied)),
            None => Condition::all().add(submission::Column::FeedbackAt.is_null()),
        })
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::clash(
            "feedback_given",
            "已经评价过了。",
            "Feedback was already given.",
        ));
    }
    record_event(
        &txn,
        current.id,
        "feedback",
        current.status,
        None,
        None,
        serde_json::json!({"rating": rating_name(rating)}),
        now,
    )
    .await?;
    if let Some(case) = &case {
        let flow_rating = match rating {
            Rating::Satisfied => crate::domain::suggestion_flow::Rating::Satisfied,
            Rating::BasicallySatisfied => {
                crate::domain::suggestion_flow::Rating::BasicallySatisfied
            }
            Rating::Dissatisfied => crate::domain::suggestion_flow::Rating::Dissatisfied,
        };
        crate::routes::suggestions::service::voter_feedback(&txn, case.id, flow_rating).await?;
    }
    let updated = submission::Entity::find_by_id(current.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

fn rating_name(rating: Rating) -> String {
    use sea_orm::ActiveEnum;
    rating.to_value()
}

/// The submission `tracking_no` if `code` is its access code; 404 for a wrong number or code
/// alike. Look-ups are rate-limited per address, whether they succeed or not.
pub async fn track(
    db: &Db,
    intake: Intake<'_>,
    client: &ClientInfo,
    tracking_no: &str,
    code: &str,
) -> Result<submission::Model, ApiError> {
    intake
        .limits
        .track_per_ip
        .check(ip_key(client.ip.as_deref()))?;
    let found = submission::Entity::find()
        .filter(submission::Column::TrackingNo.eq(tracking_no.trim().to_uppercase()))
        .one(db.reader())
        .await?;
    // Hash even when the number is unknown, so timing says nothing about which part was wrong.
    let stored = found
        .as_ref()
        .and_then(|s| s.access_code_hash.clone())
        .unwrap_or_else(|| "0".repeat(64));
    let matches = access_code::matches(intake.access_key, code, &stored);
    match found {
        Some(found) if matches && found.access_code_hash.is_some() => Ok(found),
        _ => Err(ApiError::NotFound),
    }
}

/// The history of a submission, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<submission_event::Model>, ApiError> {
    Ok(submission_event::Entity::find()
        .filter(submission_event::Column::SubmissionId.eq(id))
        .order_by(submission_event::Column::At, Order::Asc)
        .order_by(submission_event::Column::Id, Order::Asc)
        .all(db)
        .await?)
}

/// The photos of a submission, in order.
pub async fn attachments_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<attachment::Model>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachment::Entity::find()
        .filter(attachment::Column::SubmissionId.is_in(ids.iter().copied()))
        .order_by(attachment::Column::Position, Order::Asc)
        .all(db)
        .await?)
}

/// The categories of `ids`.
pub async fn categories_of(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<category::Model>, ApiError> {
    Ok(category::Entity::find()
        .filter(category::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// Shows the whole contact details of a submission to staff, and records that they did.
pub async fn reveal(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
) -> Result<submission::Model, ApiError> {
    let (found, viewer) = access::find(db.reader(), caller, id).await?;
    if viewer != Viewer::Staff {
        return Err(ApiError::Forbidden(Text::fixed(
            "只有联络站工作人员和管理员可以查看完整联系方式。",
            "Only station staff and administrators may reveal contact details.",
        )));
    }
    let txn = db.begin_write().await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("submission.contact_reveal", "submission", id).region(found.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(found)
}

/// Records that staff opened a submission's details (who viewed a case is part of its trail).
pub async fn record_view(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    found: &submission::Model,
) -> Result<(), ApiError> {
    let txn = db.begin_write().await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("submission.view", "submission", found.id).region(found.region_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What a status poll reads: the submission's status and, when it became part of a case, the
/// case's, in one statement (the case's columns are correlated subqueries on primary keys).
#[derive(Debug, sea_orm::FromQueryResult)]
pub struct StatusRow {
    pub status: SubmissionStatus,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub case_status: Option<String>,
    pub case_updated_at: Option<DateTime<Utc>>,
}

/// The status of submission `id` as `caller` may see it (404 otherwise).
pub async fn status_of(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<StatusRow, ApiError> {
    use entity::{suggestion, suggestion_source};
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let condition = access::visible(db, caller).await.map_err(|e| match e {
        ApiError::Forbidden(_) => ApiError::NotFound,
        other => other,
    })?;
    let of_case = |column: suggestion::Column| {
        Expr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column((suggestion::Entity, column))
                    .from(suggestion::Entity)
                    .inner_join(
                        suggestion_source::Entity,
                        Expr::col((
                            suggestion_source::Entity,
                            suggestion_source::Column::SuggestionId,
                        ))
                        .equals((suggestion::Entity, suggestion::Column::Id)),
                    )
                    .and_where(
                        Expr::col((
                            suggestion_source::Entity,
                            suggestion_source::Column::SubmissionId,
                        ))
                        .equals((submission::Entity, submission::Column::Id)),
                    )
                    .to_owned()
                    .into(),
            ),
        )
    };
    submission::Entity::find_by_id(id)
        .filter(condition)
        .select_only()
        .column(submission::Column::Status)
        .column(submission::Column::Version)
        .column(submission::Column::UpdatedAt)
        .column_as(of_case(suggestion::Column::Status), "case_status")
        .column_as(of_case(suggestion::Column::UpdatedAt), "case_updated_at")
        .into_model::<StatusRow>()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The submission client `client` created for its ticket `external_id`, if any.
pub async fn ticket(
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
