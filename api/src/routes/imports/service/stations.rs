//! `POST /api/v1/imports/stations`: stations from a district's spreadsheet.
//!
//! A row is matched to an existing station by `public_code` when it has one, otherwise by
//! region and name; a matched station takes the row's values (only for the columns the file
//! has), an unmatched row becomes a new station. Each row is checked as `POST /stations`
//! checks a body.

use std::collections::HashSet;

use entity::station;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::lookup::Lookup;
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::domain::public_code;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::http::wire::LocationDto;
use crate::i18n::Text;
use crate::routes::imports::cells;
use crate::routes::imports::dto::{RowOutcome, RowResultDto};
use crate::routes::imports::outcomes::Outcomes;
use crate::routes::imports::table::{Column, Row, Table};
use crate::routes::stations::checks::to_new_station;
use crate::routes::stations::dto::{CreateStationRequest, OpeningHoursDto, StationKindDto};
use crate::routes::stations::service::{self, NewStation, StaffChanges, StationChanges};

/// The columns of a stations file. The README lists them with their meaning.
pub const COLUMNS: &[Column] = &[
    Column::optional("public_code", &["编码", "联络站编码"]),
    Column::required("region", &["区域", "所属区域", "镇街"]),
    Column::required("kind", &["类型"]),
    Column::required("name", &["名称", "联络站名称"]),
    Column::required("address", &["地址"]),
    Column::optional("latitude", &["纬度"]),
    Column::optional("longitude", &["经度"]),
    Column::optional("opening_hours", &["开放时间"]),
    Column::optional("opening_note", &["开放说明"]),
    Column::optional("phone", &["电话", "联系电话"]),
    Column::optional("photo_url", &["照片"]),
    Column::optional("star_rating", &["星级"]),
];

const KINDS: &[(&str, &[&str])] = &[
    ("central", &["中心站", "中心联络站"]),
    ("community", &["联络点", "村社区联络点"]),
];

/// A row read into the request `POST /stations` takes.
async fn request_of(
    txn: &DatabaseTransaction,
    lookup: &mut Lookup<'_>,
    row: &Row,
) -> Result<(CreateStationRequest, Vec<FieldError>), ApiError> {
    let mut checks = Checks::default();
    let region_id = match row.get("region") {
        Some(cell) => checks.check(lookup.region(txn, cell).await?),
        None => None,
    };
    let kind = row
        .get("kind")
        .and_then(|c| checks.check(cells::choice("kind", c, KINDS)));
    let latitude = row
        .get("latitude")
        .and_then(|c| checks.check(cells::number("latitude", c)));
    let longitude = row
        .get("longitude")
        .and_then(|c| checks.check(cells::number("longitude", c)));
    if latitude.is_some() != longitude.is_some() {
        checks.fail(FieldError::new(
            if latitude.is_some() {
                "longitude"
            } else {
                "latitude"
            },
            "required",
            Text::fixed(
                "经度和纬度须同时填写。",
                "Give both latitude and longitude, or neither.",
            ),
        ));
    }
    let periods = row
        .get("opening_hours")
        .and_then(|c| checks.check(cells::opening_hours("opening_hours", c)));
    let star_rating = row
        .get("star_rating")
        .and_then(|c| checks.check(cells::integer("star_rating", c)));
    for column in ["region", "kind", "name", "address"] {
        if row.get(column).is_none() {
            checks.fail(FieldError::new(
                column,
                "required",
                Text::fixed("此项必填。", "This cell is required."),
            ));
        }
    }
    let errors = match checks.finish() {
        Err(ApiError::Validation(errors)) => errors,
        _ => Vec::new(),
    };
    // Unreadable cells stand in with placeholders so that the rest of the row is still checked.
    let request = CreateStationRequest {
        region_id: region_id.unwrap_or_default(),
        kind: if kind == Some("central") {
            StationKindDto::Central
        } else {
            StationKindDto::Community
        },
        name: row.get("name").unwrap_or_default().to_owned(),
        address: row.get("address").unwrap_or_default().to_owned(),
        location: latitude
            .zip(longitude)
            .map(|(latitude, longitude)| LocationDto {
                latitude,
                longitude,
            }),
        opening_hours: Some(OpeningHoursDto {
            periods: periods.unwrap_or_default(),
            note: row.get("opening_note").map(str::to_owned),
        }),
        phone: row.get("phone").map(str::to_owned),
        photo_url: row.get("photo_url").map(str::to_owned),
        star_rating,
        head_user_id: None,
        deputy_head_user_id: None,
        liaison_user_ids: None,
    };
    Ok((request, errors))
}

/// The existing station a row stands for, if any.
async fn matching(
    txn: &DatabaseTransaction,
    caller: &AuthUser,
    row: &Row,
    new: &NewStation,
) -> Result<Result<Option<station::Model>, FieldError>, ApiError> {
    if let Some(code) = row.get("public_code") {
        let found = station::Entity::find()
            .filter(station::Column::PublicCode.eq(public_code::normalise(code)))
            .one(txn)
            .await?;
        return Ok(match found {
            Some(s) if caller.scope().contains(txn, Some(s.region_id)).await? => Ok(Some(s)),
            _ => Err(FieldError::new(
                "public_code",
                "unknown_code",
                Text::new(
                    format!("您的管辖范围内没有编码为“{code}”的联络站；新联络站请留空编码。"),
                    format!(
                        "No station with code `{code}` in your scope; leave it empty for a new one."
                    ),
                ),
            )),
        });
    }
    Ok(Ok(station::Entity::find()
        .filter(station::Column::RegionId.eq(new.region_id))
        .filter(station::Column::Name.eq(new.name.as_str()))
        .one(txn)
        .await?))
}

/// What a row changes in `current`, for the columns the file has; `None` when nothing.
fn changes_of(table: &Table, new: &NewStation, current: &station::Model) -> Option<StationChanges> {
    let hours = serde_json::to_value(&new.periods).unwrap_or_default();
    let location = new.coordinates.map(|c| (c.latitude, c.longitude));
    let current_location = current.latitude.zip(current.longitude);
    let has = |c: &str| table.has(c);
    let changes = StationChanges {
        kind: Some(new.kind).filter(|k| *k != current.kind),
        name: Some(new.name.clone()).filter(|n| *n != current.name),
        address: Some(new.address.clone()).filter(|a| *a != current.address),
        coordinates: (has("latitude") && location != current_location).then_some(new.coordinates),
        hours: ((has("opening_hours") && hours != current.opening_hours)
            || (has("opening_note") && new.note != current.opening_note))
            .then(|| {
                let periods = if has("opening_hours") {
                    new.periods.clone()
                } else {
                    serde_json::from_value(current.opening_hours.clone()).unwrap_or_default()
                };
                let note = if has("opening_note") {
                    new.note.clone()
                } else {
                    current.opening_note.clone()
                };
                (periods, note)
            }),
        phone: (has("phone") && new.phone != current.phone).then(|| new.phone.clone()),
        photo_url: (has("photo_url") && new.photo_url != current.photo_url)
            .then(|| new.photo_url.clone()),
        star_rating: (has("star_rating") && new.star_rating != current.star_rating)
            .then_some(new.star_rating),
        staff: StaffChanges::default(),
    };
    let unchanged = changes.kind.is_none()
        && changes.name.is_none()
        && changes.address.is_none()
        && changes.coordinates.is_none()
        && changes.hours.is_none()
        && changes.phone.is_none()
        && changes.photo_url.is_none()
        && changes.star_rating.is_none();
    (!unchanged).then_some(changes)
}

/// Imports `table` inside `txn`; the caller commits or, for a dry run or on errors, rolls back.
pub async fn import(
    txn: &DatabaseTransaction,
    caller: &AuthUser,
    client: &ClientInfo,
    table: &Table,
) -> Result<Outcomes, ApiError> {
    let mut outcomes = Outcomes::default();
    let mut lookup = Lookup::new(caller);
    let mut seen: HashSet<Uuid> = HashSet::new();
    for row in &table.rows {
        if outcomes.full() {
            break;
        }
        let (request, mut errors) = request_of(txn, &mut lookup, row).await?;
        let new = match to_new_station(request) {
            Ok(new) if errors.is_empty() => new,
            Ok(_) => {
                outcomes.fail(row.line, errors);
                continue;
            }
            Err(ApiError::Validation(more)) => {
                merge(&mut errors, rename_fields(more));
                outcomes.fail(row.line, errors);
                continue;
            }
            Err(other) => return Err(other),
        };
        let current = match matching(txn, caller, row, &new).await? {
            Ok(current) => current,
            Err(error) => {
                outcomes.fail(row.line, vec![error]);
                continue;
            }
        };
        if let Some(current) = &current
            && !seen.insert(current.id)
        {
            outcomes.fail(row.line, vec![duplicate_row()]);
            continue;
        }
        let result = match current {
            Some(current) => match changes_of(table, &new, &current) {
                None => Ok(RowResultDto {
                    line: row.line,
                    outcome: RowOutcome::Unchanged,
                    id: Some(current.id),
                    public_code: Some(current.public_code.clone()),
                    name: current.name.clone(),
                }),
                Some(changes) => {
                    let region_id = current.region_id;
                    let updated = service::apply(txn, current, &changes).await?;
                    audit::record(
                        txn,
                        Actor::user(caller, client),
                        Entry::new("station.update", "station", updated.id)
                            .region(Some(region_id))
                            .details(serde_json::json!({"via": "import"})),
                    )
                    .await?;
                    Ok(RowResultDto {
                        line: row.line,
                        outcome: RowOutcome::Updated,
                        id: Some(updated.id),
                        public_code: Some(updated.public_code),
                        name: updated.name,
                    })
                }
            },
            None => match service::insert(txn, caller, &new).await {
                Ok(created) => {
                    seen.insert(created.id);
                    audit::record(
                        txn,
                        Actor::user(caller, client),
                        Entry::new("station.create", "station", created.id)
                            .region(Some(created.region_id))
                            .details(serde_json::json!({"via": "import", "public_code": created.public_code})),
                    )
                    .await?;
                    Ok(RowResultDto {
                        line: row.line,
                        outcome: RowOutcome::Created,
                        id: Some(created.id),
                        public_code: Some(created.public_code),
                        name: created.name,
                    })
                }
                Err(error) => Err(error),
            },
        };
        match result {
            Ok(result) => outcomes.rows.push(result),
            Err(error) => outcomes.absorb(row.line, error)?,
        }
    }
    Ok(outcomes)
}

/// The row's own words for its fields: `location.latitude` is the `latitude` column.
fn rename_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "location.latitude" => "latitude".into(),
                "location.longitude" => "longitude".into(),
                "opening_hours.note" => "opening_note".into(),
                f if f.starts_with("opening_hours") => "opening_hours".into(),
                "region_id" => "region".into(),
                _ => e.field,
            };
            e
        })
        .collect()
}

/// Adds to `errors` those of `more` about columns not already in error (a placeholder's own
/// complaints would only repeat them).
pub fn merge(errors: &mut Vec<FieldError>, more: Vec<FieldError>) {
    for error in more {
        if !errors.iter().any(|e| e.field == error.field) {
            errors.push(error);
        }
    }
}

pub fn duplicate_row() -> FieldError {
    FieldError::new(
        "row",
        "duplicate_row",
        Text::fixed(
            "此行与文件中前面的一行指向同一条记录。",
            "This row names the same record as an earlier row of the file.",
        ),
    )
}
