//! `POST /api/v1/imports/deputies`: deputies from a district's spreadsheet.
//!
//! A row is matched to an existing deputy by `public_code` when it has one, otherwise by name
//! and constituency (选区) within the importing administrator's scope; a matched deputy takes
//! the row's values (only for the columns the file has), an unmatched row becomes a new deputy.
//! The optional `stations` column sets where the deputy is stationed, as
//! `PUT /deputies/{id}/stations` does. Each row is checked as `POST /deputies` checks a body.

use std::collections::HashSet;

use entity::deputy::{self, DeputyStatus};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::lookup::Lookup;
use super::stations::{duplicate_row, merge};
use crate::audit::{self, Actor, Entry};
use crate::auth::AuthUser;
use crate::domain::public_code;
use crate::error::{ApiError, Checks, FieldError};
use crate::http::client::ClientInfo;
use crate::i18n::Text;
use crate::routes::deputies::checks::to_new_deputy;
use crate::routes::deputies::dto::{CreateDeputyRequest, DeputyLevelDto, GenderDto};
use crate::routes::deputies::service::{self, DeputyChanges, NewDeputy};
use crate::routes::imports::cells;
use crate::routes::imports::dto::{RowOutcome, RowResultDto};
use crate::routes::imports::outcomes::Outcomes;
use crate::routes::imports::table::{Column, Row, Table};

/// The columns of a deputies file. The README lists them with their meaning.
pub const COLUMNS: &[Column] = &[
    Column::optional("public_code", &["编码", "代表编码"]),
    Column::required("region", &["区域", "所属区域"]),
    Column::required("name", &["姓名"]),
    Column::required("gender", &["性别"]),
    Column::required("level", &["层级", "代表层级"]),
    Column::required("constituency", &["选区"]),
    Column::optional("occupation", &["职业", "职务", "工作单位及职务"]),
    Column::optional("photo_url", &["照片"]),
    Column::optional("biography", &["简介"]),
    Column::required("term_start", &["任期开始"]),
    Column::optional("term_end", &["任期结束"]),
    Column::optional("status", &["状态"]),
    Column::optional("phone", &["电话", "手机"]),
    Column::optional("phone_public", &["公开电话"]),
    Column::optional("stations", &["联络站", "驻站"]),
];

const GENDERS: &[(&str, &[&str])] = &[("male", &["男"]), ("female", &["女"])];
const LEVELS: &[(&str, &[&str])] = &[
    ("national", &["全国", "全国人大代表"]),
    ("provincial", &["省", "省级", "省人大代表"]),
    ("city", &["市", "市级", "市人大代表"]),
    (
        "county",
        &[
            "县",
            "区",
            "县级",
            "区级",
            "区县",
            "县区",
            "区人大代表",
            "县人大代表",
        ],
    ),
    ("township", &["乡", "镇", "乡镇", "街道", "乡镇人大代表"]),
];
const STATUSES: &[(&str, &[&str])] = &[("active", &["在任"]), ("left_office", &["离任"])];

/// A choice as the wire enum it names.
fn enumerated<T: DeserializeOwned>(
    checks: &mut Checks,
    column: &str,
    cell: &str,
    choices: &[(&'static str, &[&str])],
) -> Option<T> {
    let value = checks.check(cells::choice(column, cell, choices))?;
    serde_json::from_value(serde_json::Value::String(value.to_owned())).ok()
}

/// A row read into the request `POST /deputies` takes, with the stations it names.
async fn request_of(
    txn: &DatabaseTransaction,
    lookup: &mut Lookup<'_>,
    row: &Row,
) -> Result<(CreateDeputyRequest, Vec<Uuid>, Vec<FieldError>), ApiError> {
    let mut checks = Checks::default();
    let region_id = match row.get("region") {
        Some(cell) => checks.check(lookup.region(txn, cell).await?),
        None => None,
    };
    let gender = row
        .get("gender")
        .and_then(|c| enumerated(&mut checks, "gender", c, GENDERS));
    let level = row
        .get("level")
        .and_then(|c| enumerated(&mut checks, "level", c, LEVELS));
    let status = row
        .get("status")
        .and_then(|c| enumerated(&mut checks, "status", c, STATUSES));
    let term_start = row
        .get("term_start")
        .and_then(|c| checks.check(cells::date("term_start", c)));
    let term_end = row
        .get("term_end")
        .and_then(|c| checks.check(cells::date("term_end", c)));
    let phone_public = row
        .get("phone_public")
        .and_then(|c| checks.check(cells::flag("phone_public", c)));
    let mut stations = Vec::new();
    if let Some(cell) = row.get("stations") {
        for token in cell
            .split([';', '；', '、'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            if let Some(id) = checks.check(lookup.station(txn, token).await?)
                && !stations.contains(&id)
            {
                stations.push(id);
            }
        }
    }
    for column in [
        "region",
        "name",
        "gender",
        "level",
        "constituency",
        "term_start",
    ] {
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
    // A cell that could not be read stands in with a placeholder so that the rest of the row is
    // still checked below: the clerk hears of every mistake in the row at once.
    Ok((
        CreateDeputyRequest {
            region_id: region_id.unwrap_or_default(),
            name: row.get("name").unwrap_or_default().to_owned(),
            gender: gender.unwrap_or(GenderDto::Female),
            level: level.unwrap_or(DeputyLevelDto::County),
            constituency: row.get("constituency").unwrap_or_default().to_owned(),
            occupation: row.get("occupation").map(str::to_owned),
            photo_url: row.get("photo_url").map(str::to_owned),
            biography: row.get("biography").map(str::to_owned),
            term_start: term_start.or(term_end).unwrap_or_default(),
            term_end,
            status,
            phone: row.get("phone").map(str::to_owned),
            phone_public,
            user_id: None,
        },
        stations,
        errors,
    ))
}

/// The existing deputy a row stands for, if any.
async fn matching(
    txn: &DatabaseTransaction,
    caller: &AuthUser,
    row: &Row,
    new: &NewDeputy,
) -> Result<Result<Option<deputy::Model>, FieldError>, ApiError> {
    if let Some(code) = row.get("public_code") {
        let found = deputy::Entity::find()
            .filter(deputy::Column::PublicCode.eq(public_code::normalise(code)))
            .one(txn)
            .await?;
        return Ok(match found {
            Some(d) if caller.scope().contains(txn, Some(d.region_id)).await? => Ok(Some(d)),
            _ => Err(FieldError::new(
                "public_code",
                "unknown_code",
                Text::new(
                    format!("您的管辖范围内没有编码为“{code}”的代表；新代表请留空编码。"),
                    format!(
                        "No deputy with code `{code}` in your scope; leave it empty for a new one."
                    ),
                ),
            )),
        });
    }
    let candidates = deputy::Entity::find()
        .filter(deputy::Column::Name.eq(new.name.as_str()))
        .filter(deputy::Column::Constituency.eq(new.constituency.as_str()))
        .filter(caller.scope().condition(deputy::Column::RegionId))
        .all(txn)
        .await?;
    Ok(match candidates.len() {
        0 | 1 => Ok(candidates.into_iter().next()),
        _ => Err(FieldError::new(
            "name",
            "ambiguous_deputy",
            Text::fixed(
                "同一选区有多位同名代表，请填写代表编码以区分。",
                "Several deputies of this constituency have this name; give the public code.",
            ),
        )),
    })
}

/// What a row changes, for the columns the file has (the linked account is never imported).
fn changes_of(table: &Table, new: &NewDeputy) -> DeputyChanges {
    let has = |c: &str| table.has(c);
    DeputyChanges {
        region_id: Some(new.region_id),
        name: Some(new.name.clone()),
        gender: Some(new.gender),
        level: Some(new.level),
        constituency: Some(new.constituency.clone()),
        occupation: has("occupation").then(|| new.occupation.clone()),
        photo_url: has("photo_url").then(|| new.photo_url.clone()),
        biography: has("biography").then(|| new.biography.clone()),
        term_start: Some(new.term_start),
        term_end: has("term_end").then_some(new.term_end),
        status: has("status").then_some(new.status),
        phone: has("phone").then(|| new.phone.clone()),
        phone_public: has("phone_public").then_some(new.phone_public),
        user_id: None,
    }
}

fn left_office() -> FieldError {
    FieldError::new(
        "stations",
        "deputy_left_office",
        Text::fixed(
            "已离任的代表不能驻站。",
            "A deputy who left office cannot be stationed.",
        ),
    )
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
    let set_stations = table.has("stations");
    for row in &table.rows {
        if outcomes.full() {
            break;
        }
        let (request, stations, mut errors) = request_of(txn, &mut lookup, row).await?;
        let new = match to_new_deputy(request) {
            Ok(new) if errors.is_empty() => new,
            Ok(_) => {
                outcomes.fail(row.line, errors);
                continue;
            }
            Err(more) => {
                merge(&mut errors, more);
                outcomes.fail(row.line, errors);
                continue;
            }
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
        let wanted: Vec<(Uuid, Option<chrono::NaiveDate>)> =
            stations.iter().map(|s| (*s, None)).collect();
        let result = async {
            let (deputy, mut outcome) = match current {
                Some(current) => {
                    let changes = changes_of(table, &new);
                    if changes.changes(&current) {
                        let updated =
                            service::apply_changes(txn, caller, current, &changes).await?;
                        (updated, RowOutcome::Updated)
                    } else {
                        (current, RowOutcome::Unchanged)
                    }
                }
                None => (
                    service::insert(txn, caller, new.clone()).await?,
                    RowOutcome::Created,
                ),
            };
            if set_stations {
                if deputy.status == DeputyStatus::LeftOffice && !wanted.is_empty() {
                    return Err(ApiError::Validation(vec![left_office()]));
                }
                let (_, moved) = service::restation(txn, caller, &deputy, &wanted).await?;
                if moved && outcome == RowOutcome::Unchanged {
                    outcome = RowOutcome::Updated;
                }
            }
            if outcome != RowOutcome::Unchanged {
                let action = if outcome == RowOutcome::Created {
                    "deputy.create"
                } else {
                    "deputy.update"
                };
                audit::record(
                    txn,
                    Actor::user(caller, client),
                    Entry::new(action, "deputy", deputy.id)
                        .region(Some(deputy.region_id))
                        .details(
                            serde_json::json!({"via": "import", "public_code": deputy.public_code}),
                        ),
                )
                .await?;
            }
            Ok(RowResultDto {
                line: row.line,
                outcome,
                id: Some(deputy.id),
                public_code: Some(deputy.public_code),
                name: deputy.name,
            })
        }
        .await;
        match result {
            Ok(result) => {
                if let Some(id) = result.id {
                    seen.insert(id);
                }
                outcomes.rows.push(result);
            }
            Err(error) => outcomes.absorb(row.line, error)?,
        }
    }
    Ok(outcomes)
}
