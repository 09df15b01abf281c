//! Where a new submission goes: its station, deputy and region (from the ids sent or a scanned
//! QR code), its category, the reception record item a `reception` entry comes from, and
//! whether staff may enter a submission there.

use entity::user::Role;
use entity::{category, deputy, reception, reception_record, reception_record_item, station};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::NewSubmission;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::i18n::Text;

/// Where a submission goes: its station, deputy and the region whose staff handle it.
pub(super) struct Target {
    pub(super) station_id: Option<Uuid>,
    pub(super) deputy_id: Option<Uuid>,
    pub(super) region_id: Option<Uuid>,
    pub(super) qr_code: Option<String>,
}

fn unknown(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::validation(field, "unknown", Text::fixed(zh, en))
}

pub(super) async fn resolve_target(
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
pub(super) async fn category_of(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<category::Model, ApiError> {
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
pub(super) async fn record_item_station(
    db: &impl ConnectionTrait,
    item_id: Uuid,
) -> Result<Uuid, ApiError> {
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
pub(super) async fn may_enter(
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
