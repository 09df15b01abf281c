//! Intake: a new submission from a signed-in voter, anyone without an account (who gets an
//! access code) or staff entering one that came in through another channel, with its tracking
//! number, photos and first history step; a retry with the same `Idempotency-Key` answers with
//! the first attempt's. Also the similar open submissions shown on create.

use chrono::Datelike;
use entity::attachment;
use entity::submission::{self, SubmissionChannel, SubmissionStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, Statement,
};
use uuid::Uuid;

use super::record_event;
use super::target::{category_of, may_enter, record_item_station, resolve_target};
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
