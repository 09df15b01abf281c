//! Deputies: the public directory, administration within scope, and stationing (驻站) with its
//! history.
//!
//! A deputy's private phone never leaves this service whole: the public sees it only when the
//! deputy chose to publish it, staff see it masked.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::deputy::{self, DeputyLevel, DeputyStatus, Gender};
use entity::station::{self, StationStatus};
use entity::{deputy_station, region, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry};
use crate::auth::{AuthUser, RegionScope, Role};
use crate::db::{Db, contains};
use crate::domain::public_code::CodeKind;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::routes::codes::service::with_fresh_code;

/// A checked new deputy.
#[derive(Debug, Clone)]
pub struct NewDeputy {
    pub region_id: Uuid,
    pub name: String,
    pub gender: Gender,
    pub level: DeputyLevel,
    pub constituency: String,
    pub occupation: Option<String>,
    pub photo_url: Option<String>,
    pub biography: Option<String>,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub status: DeputyStatus,
    pub phone: Option<String>,
    pub phone_public: bool,
    pub user_id: Option<Uuid>,
}

/// Checked changes to a deputy.
#[derive(Debug, Default, Clone)]
pub struct DeputyChanges {
    pub region_id: Option<Uuid>,
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub level: Option<DeputyLevel>,
    pub constituency: Option<String>,
    pub occupation: Option<Option<String>>,
    pub photo_url: Option<Option<String>>,
    pub biography: Option<Option<String>>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<Option<NaiveDate>>,
    pub status: Option<DeputyStatus>,
    pub phone: Option<Option<String>>,
    pub phone_public: Option<bool>,
    pub user_id: Option<Option<Uuid>>,
}

impl DeputyChanges {
    /// Whether anything would change in `current`.
    pub fn changes(&self, current: &deputy::Model) -> bool {
        fn differs<T: PartialEq>(new: &Option<T>, old: &T) -> bool {
            new.as_ref().is_some_and(|n| n != old)
        }
        differs(&self.region_id, &current.region_id)
            || differs(&self.name, &current.name)
            || differs(&self.gender, &current.gender)
            || differs(&self.level, &current.level)
            || differs(&self.constituency, &current.constituency)
            || differs(&self.occupation, &current.occupation)
            || differs(&self.photo_url, &current.photo_url)
            || differs(&self.biography, &current.biography)
            || differs(&self.term_start, &current.term_start)
            || differs(&self.term_end, &current.term_end)
            || differs(&self.status, &current.status)
            || differs(&self.phone, &current.phone)
            || differs(&self.phone_public, &current.phone_public)
            || differs(&self.user_id, &current.user_id)
    }
}

/// A stationing with the station it names.
#[derive(Debug, Clone)]
pub struct Stationing {
    pub link: deputy_station::Model,
    pub station: station::Model,
}

/// A deputy as `caller` may see it.
#[derive(Debug, Clone)]
pub struct DeputyView {
    pub deputy: deputy::Model,
    /// Whether the caller sees the staff view (masked phone, account, history).
    pub staff_view: bool,
    /// Current stationings, and for the staff view the past ones too; `None` in lists.
    pub stations: Option<Vec<Stationing>>,
}

/// Filters of the deputy list.
#[derive(Debug)]
pub struct DeputyQuery {
    pub station_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub level: Option<DeputyLevel>,
    pub q: Option<String>,
    pub status: DeputyStatus,
}

/// Whether `caller` sees `deputy` as staff: an administrator in scope, or the deputy themself.
pub async fn is_staff_view(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    deputy: &deputy::Model,
) -> Result<bool, DbErr> {
    let Some(caller) = caller else {
        return Ok(false);
    };
    if deputy.user_id == Some(caller.id) {
        return Ok(true);
    }
    Ok(caller.role == Role::Admin && caller.scope().contains(db, Some(deputy.region_id)).await?)
}

/// Checks a deputy's term and account, adding to `checks`.
async fn check_fields(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    deputy_id: Option<Uuid>,
    term: (NaiveDate, Option<NaiveDate>),
    user_id: Option<Uuid>,
    checks: &mut Checks,
) -> Result<(), DbErr> {
    if let (start, Some(end)) = term
        && end < start
    {
        checks.fail(FieldError::new(
            "term_end",
            "before_start",
            Text::fixed(
                "任期结束日期不能早于开始日期。",
                "The term cannot end before it begins.",
            ),
        ));
    }
    if let Some(user_id) = user_id {
        let account = user::Entity::find_by_id(user_id).one(db).await?;
        let in_scope = match &account {
            Some(u) if u.role == Role::Deputy => caller.scope().contains(db, u.region_id).await?,
            _ => false,
        };
        let taken = deputy::Entity::find()
            .filter(deputy::Column::UserId.eq(user_id))
            .one(db)
            .await?
            .is_some_and(|d| Some(d.id) != deputy_id);
        if !in_scope || taken {
            checks.fail(FieldError::new(
                "user_id",
                "unknown_user",
                Text::fixed(
                    "必须是您管辖范围内、尚未关联其他代表的代表账号。",
                    "Must be a deputy account in your scope not linked to another deputy.",
                ),
            ));
        }
    }
    Ok(())
}

async fn check_region(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    region_id: Uuid,
) -> Result<(), ApiError> {
    crate::routes::regions::service::existing(db, region_id).await?;
    if !caller.scope().contains(db, Some(region_id)).await? {
        return Err(ApiError::out_of_scope());
    }
    Ok(())
}

/// Creates a deputy.
pub async fn create(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    new: NewDeputy,
) -> Result<deputy::Model, ApiError> {
    let txn = db.begin_write().await?;
    let created = insert(&txn, caller, new).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("deputy.create", "deputy", created.id)
            .region(Some(created.region_id))
            .details(serde_json::json!({"name": created.name, "public_code": created.public_code})),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Inserts a deputy inside an open transaction (creation and bulk import share it).
pub async fn insert(
    txn: &sea_orm::DatabaseTransaction,
    caller: &AuthUser,
    new: NewDeputy,
) -> Result<deputy::Model, ApiError> {
    check_region(txn, caller, new.region_id).await?;
    let mut checks = Checks::default();
    check_fields(
        txn,
        caller,
        None,
        (new.term_start, new.term_end),
        new.user_id,
        &mut checks,
    )
    .await?;
    checks.finish()?;
    let now = crate::clock::now();
    with_fresh_code(txn, CodeKind::Deputy, |savepoint, code| {
        let row = deputy::ActiveModel {
            id: Set(Uuid::now_v7()),
            region_id: Set(new.region_id),
            user_id: Set(new.user_id),
            name: Set(new.name.clone()),
            gender: Set(new.gender),
            level: Set(new.level),
            constituency: Set(new.constituency.clone()),
            occupation: Set(new.occupation.clone()),
            photo_url: Set(new.photo_url.clone()),
            biography: Set(new.biography.clone()),
            term_start: Set(new.term_start),
            term_end: Set(new.term_end),
            status: Set(new.status),
            public_code: Set(code),
            phone: Set(new.phone.clone()),
            phone_public: Set(new.phone_public),
            created_at: Set(now),
            updated_at: Set(now),
        };
        async move {
            let deputy = row.insert(&savepoint).await?;
            savepoint.commit().await?;
            Ok(deputy)
        }
    })
    .await
}

/// The stationings of `deputy_id`, current first; past ones only when `with_history`.
pub async fn stationings(
    db: &impl ConnectionTrait,
    deputy_id: Uuid,
    with_history: bool,
) -> Result<Vec<Stationing>, DbErr> {
    let mut select =
        deputy_station::Entity::find().filter(deputy_station::Column::DeputyId.eq(deputy_id));
    if !with_history {
        select = select.filter(deputy_station::Column::EndedOn.is_null());
    }
    let mut rows: Vec<Stationing> = select
        .find_also_related(station::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(link, station)| station.map(|station| Stationing { link, station }))
        // The public does not see archived stations, even in a deputy's profile.
        .filter(|s| with_history || s.station.status == StationStatus::Active)
        .collect();
    rows.sort_by(|a, b| {
        a.link
            .ended_on
            .is_some()
            .cmp(&b.link.ended_on.is_some())
            .then(b.link.started_on.cmp(&a.link.started_on))
    });
    Ok(rows)
}

/// The deputy with `id` as `caller` may see them.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    id: Uuid,
) -> Result<DeputyView, ApiError> {
    let deputy = deputy::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let staff_view = is_staff_view(db, caller, &deputy).await?;
    let stations = stationings(db, deputy.id, staff_view).await?;
    Ok(DeputyView {
        deputy,
        staff_view,
        stations: Some(stations),
    })
}

/// A page of deputies by name, after `(name, id)`.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&AuthUser>,
    query: DeputyQuery,
    after: Option<(String, Uuid)>,
    limit: u64,
) -> Result<Vec<DeputyView>, ApiError> {
    let mut select = deputy::Entity::find().filter(deputy::Column::Status.eq(query.status));
    if let Some(station_id) = query.station_id {
        let stationed: Vec<Uuid> = deputy_station::Entity::find()
            .filter(deputy_station::Column::StationId.eq(station_id))
            .filter(deputy_station::Column::EndedOn.is_null())
            .select_only()
            .column(deputy_station::Column::DeputyId)
            .into_tuple()
            .all(db)
            .await?;
        select = select.filter(deputy::Column::Id.is_in(stationed));
    }
    if let Some(region_id) = query.region_id {
        region::Entity::find_by_id(region_id)
            .one(db)
            .await?
            .ok_or(ApiError::NotFound)?;
        select = select.filter(RegionScope::Subtree(region_id).condition(deputy::Column::RegionId));
    }
    if let Some(level) = query.level {
        select = select.filter(deputy::Column::Level.eq(level));
    }
    if let Some(q) = query.q.as_deref() {
        select = select.filter(
            Condition::any()
                .add(contains(deputy::Column::Name, q))
                .add(contains(deputy::Column::Constituency, q)),
        );
    }
    if let Some((name, id)) = after {
        select = select.filter(
            Condition::any()
                .add(deputy::Column::Name.gt(name.clone()))
                .add(deputy::Column::Name.eq(name).and(deputy::Column::Id.gt(id))),
        );
    }
    let rows = select
        .order_by_asc(deputy::Column::Name)
        .order_by_asc(deputy::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let mut views = Vec::with_capacity(rows.len());
    for deputy in rows {
        let staff_view = is_staff_view(db, caller, &deputy).await?;
        views.push(DeputyView {
            deputy,
            staff_view,
            stations: None,
        });
    }
    Ok(views)
}

/// The deputy with `id` if `caller` administers it (404 otherwise, as for any object outside
/// the scope).
async fn administered(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: Uuid,
) -> Result<deputy::Model, ApiError> {
    let deputy = deputy::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    caller
        .scope()
        .ensure_contains(db, Some(deputy.region_id))
        .await?;
    Ok(deputy)
}

/// Applies `changes` inside an open transaction, after `precondition` accepted the current
/// state; returns the deputy as it is now.
pub async fn apply_changes(
    txn: &sea_orm::DatabaseTransaction,
    caller: &AuthUser,
    current: deputy::Model,
    changes: &DeputyChanges,
) -> Result<deputy::Model, ApiError> {
    if let Some(region_id) = changes.region_id {
        check_region(txn, caller, region_id).await?;
    }
    let term_start = changes.term_start.unwrap_or(current.term_start);
    let term_end = changes.term_end.unwrap_or(current.term_end);
    let user_id = changes.user_id.unwrap_or(current.user_id);
    let mut checks = Checks::default();
    let new_user = changes
        .user_id
        .flatten()
        .filter(|u| Some(*u) != current.user_id);
    check_fields(
        txn,
        caller,
        Some(current.id),
        (term_start, term_end),
        new_user,
        &mut checks,
    )
    .await?;
    checks.finish()?;
    let mut active: deputy::ActiveModel = current.into();
    macro_rules! set {
        ($field:ident) => {
            if let Some(value) = changes.$field.clone() {
                active.$field = Set(value);
            }
        };
    }
    set!(region_id);
    set!(name);
    set!(gender);
    set!(level);
    set!(constituency);
    set!(occupation);
    set!(photo_url);
    set!(biography);
    set!(term_start);
    set!(term_end);
    set!(status);
    set!(phone);
    set!(phone_public);
    active.user_id = Set(user_id);
    active.updated_at = Set(crate::clock::now());
    Ok(active.update(txn).await?)
}

/// Changes a deputy, after `precondition` accepted its current state.
pub async fn update(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    changes: DeputyChanges,
    precondition: impl FnOnce(&DeputyView) -> Result<(), ApiError>,
) -> Result<DeputyView, ApiError> {
    let txn = db.begin_write().await?;
    let current = administered(&txn, caller, id).await?;
    precondition(&DeputyView {
        stations: Some(stationings(&txn, id, true).await?),
        deputy: current.clone(),
        staff_view: true,
    })?;
    let updated = apply_changes(&txn, caller, current, &changes).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("deputy.update", "deputy", id)
            .region(Some(updated.region_id))
            .details(serde_json::json!({
                "name": changes.name,
                "status": changes.status.map(|s| sea_orm::ActiveEnum::to_value(&s)),
                "phone_changed": changes.phone.is_some(),
                "phone_public": changes.phone_public,
            })),
    )
    .await?;
    let view = DeputyView {
        stations: Some(stationings(&txn, id, true).await?),
        deputy: updated,
        staff_view: true,
    };
    txn.commit().await?;
    Ok(view)
}

/// Sets where `deputy` is stationed inside an open transaction: stationings not in `wanted` end
/// today, new ones begin on their date (default today), continuing ones stay. Returns the
/// stations wanted, and whether anything changed.
pub async fn restation(
    txn: &sea_orm::DatabaseTransaction,
    caller: &AuthUser,
    deputy: &deputy::Model,
    wanted: &[(Uuid, Option<NaiveDate>)],
) -> Result<(HashSet<Uuid>, bool), ApiError> {
    let mut checks = Checks::default();
    let mut seen = HashSet::new();
    for (i, (station_id, _)) in wanted.iter().enumerate() {
        let field = format!("stations[{i}].station_id");
        if !seen.insert(*station_id) {
            checks.fail(FieldError::new(
                field,
                "duplicate",
                Text::fixed(
                    "同一联络站出现了两次。",
                    "The same station is listed twice.",
                ),
            ));
            continue;
        }
        match station::Entity::find_by_id(*station_id).one(txn).await? {
            None => checks.fail(FieldError::new(
                field,
                "unknown_station",
                Text::fixed("联络站不存在。", "There is no such station."),
            )),
            Some(s) if s.status == StationStatus::Archived => checks.fail(FieldError::new(
                field,
                "station_archived",
                Text::fixed(
                    "该联络站已撤销，不能驻站。",
                    "The station is archived; nobody can be stationed there.",
                ),
            )),
            Some(s) => {
                if !caller.scope().contains(txn, Some(s.region_id)).await? {
                    return Err(ApiError::out_of_scope());
                }
            }
        }
    }
    checks.finish()?;

    let today = crate::clock::now().date_naive();
    let current: HashMap<Uuid, deputy_station::Model> = deputy_station::Entity::find()
        .filter(deputy_station::Column::DeputyId.eq(deputy.id))
        .filter(deputy_station::Column::EndedOn.is_null())
        .all(txn)
        .await?
        .into_iter()
        .map(|link| (link.station_id, link))
        .collect();
    let wanted_ids: HashSet<Uuid> = wanted.iter().map(|(s, _)| *s).collect();
    for link in current
        .values()
        .filter(|l| !wanted_ids.contains(&l.station_id))
    {
        deputy_station::Entity::update_many()
            .col_expr(
                deputy_station::Column::EndedOn,
                Expr::value(Ord::max(today, link.started_on)),
            )
            .filter(deputy_station::Column::Id.eq(link.id))
            .exec(txn)
            .await?;
    }
    let now = crate::clock::now();
    for (station_id, since) in wanted.iter().filter(|(s, _)| !current.contains_key(s)) {
        deputy_station::ActiveModel {
            id: Set(Uuid::now_v7()),
            deputy_id: Set(deputy.id),
            station_id: Set(*station_id),
            started_on: Set(since.unwrap_or(today)),
            ended_on: Set(None),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    let changed = current.keys().any(|s| !wanted_ids.contains(s))
        || wanted_ids.iter().any(|s| !current.contains_key(s));
    Ok((wanted_ids, changed))
}

/// Sets where a deputy is stationed from now on: stationings not listed end `today`, new ones
/// begin on their `since` (default `today`), continuing ones are left as they are.
pub async fn set_stations(
    db: &Db,
    caller: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    wanted: Vec<(Uuid, Option<NaiveDate>)>,
) -> Result<DeputyView, ApiError> {
    let txn = db.begin_write().await?;
    let deputy = administered(&txn, caller, id).await?;
    if deputy.status == DeputyStatus::LeftOffice && !wanted.is_empty() {
        return Err(ApiError::Rule {
            code: "deputy_left_office",
            message: Text::fixed(
                "已离任的代表不能驻站。",
                "A deputy who left office cannot be stationed.",
            ),
        });
    }
    let (wanted_ids, _) = restation(&txn, caller, &deputy, &wanted).await?;
    audit::record(
        &txn,
        Actor::user(caller, client),
        Entry::new("deputy.stations", "deputy", id)
            .region(Some(deputy.region_id))
            .details(serde_json::json!({"stations": wanted_ids})),
    )
    .await?;
    let view = DeputyView {
        stations: Some(stationings(&txn, id, true).await?),
        deputy,
        staff_view: true,
    };
    txn.commit().await?;
    Ok(view)
}
