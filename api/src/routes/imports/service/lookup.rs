//! Finding what a spreadsheet cell names: a region by id, administrative code or name, and a
//! station by public code or name, always within the importing administrator's scope. Answers
//! are cached for the file: ten thousand rows name a handful of regions.

use std::collections::HashMap;

use entity::region;
use entity::station::{self, StationStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::public_code::{self, CodeKind};
use crate::error::{ApiError, FieldError};
use crate::i18n::Text;

/// What a cell named, or why it names nothing usable.
type Found = Result<Uuid, FieldError>;

pub struct Lookup<'a> {
    caller: &'a AuthUser,
    regions: HashMap<String, Found>,
    stations: HashMap<String, Found>,
}

fn not_found(column: &str, code: &'static str, zh: String, en: String) -> FieldError {
    FieldError::new(column, code, Text::new(zh, en))
}

impl<'a> Lookup<'a> {
    pub fn new(caller: &'a AuthUser) -> Self {
        Lookup {
            caller,
            regions: HashMap::new(),
            stations: HashMap::new(),
        }
    }

    /// The region `cell` names (its id, administrative code or exact name) in the caller's
    /// scope.
    pub async fn region(
        &mut self,
        db: &impl ConnectionTrait,
        cell: &str,
    ) -> Result<Found, ApiError> {
        if let Some(found) = self.regions.get(cell) {
            return Ok(found.clone());
        }
        let mut candidates = match cell.parse::<Uuid>() {
            Ok(id) => region::Entity::find_by_id(id).all(db).await?,
            Err(_) => {
                let by_code = region::Entity::find()
                    .filter(region::Column::Code.eq(cell))
                    .all(db)
                    .await?;
                if by_code.is_empty() {
                    region::Entity::find()
                        .filter(region::Column::Name.eq(cell))
                        .all(db)
                        .await?
                } else {
                    by_code
                }
            }
        };
        // Only regions the caller administers count: a same-named village elsewhere is not
        // a rival, and an existing region out of scope reads as unknown.
        let mut in_scope = Vec::new();
        for r in candidates.drain(..) {
            if self.caller.scope().contains(db, Some(r.id)).await? {
                in_scope.push(r.id);
            }
        }
        let found = match in_scope.as_slice() {
            [id] => Ok(*id),
            [] => Err(not_found(
                "region",
                "unknown_region",
                format!("您的管辖范围内没有区域“{cell}”（可填区域 ID、行政区划代码或名称）。"),
                format!("No region `{cell}` in your scope (give its id, code or name)."),
            )),
            _ => Err(not_found(
                "region",
                "ambiguous_region",
                format!("有多个名为“{cell}”的区域，请改填区域 ID 或行政区划代码。"),
                format!("Several regions are called `{cell}`; give its id or code instead."),
            )),
        };
        self.regions.insert(cell.to_owned(), found.clone());
        Ok(found)
    }

    /// The active station `token` names (its public code or exact name) in the caller's scope.
    pub async fn station(
        &mut self,
        db: &impl ConnectionTrait,
        token: &str,
    ) -> Result<Found, ApiError> {
        if let Some(found) = self.stations.get(token) {
            return Ok(found.clone());
        }
        let code = public_code::normalise(token);
        let candidates = if CodeKind::of(&code) == Some(CodeKind::Station) {
            station::Entity::find()
                .filter(station::Column::PublicCode.eq(code))
                .all(db)
                .await?
        } else {
            station::Entity::find()
                .filter(station::Column::Name.eq(token))
                .all(db)
                .await?
        };
        let mut usable = Vec::new();
        let mut archived = false;
        for s in candidates {
            if !self.caller.scope().contains(db, Some(s.region_id)).await? {
                continue;
            }
            if s.status == StationStatus::Archived {
                archived = true;
            } else {
                usable.push(s.id);
            }
        }
        let found = match usable.as_slice() {
            [id] => Ok(*id),
            [] if archived => Err(not_found(
                "stations",
                "station_archived",
                format!("联络站“{token}”已撤销，不能驻站。"),
                format!("The station `{token}` is archived; nobody can be stationed there."),
            )),
            [] => Err(not_found(
                "stations",
                "unknown_station",
                format!("您的管辖范围内没有联络站“{token}”（可填联络站编码或名称）。"),
                format!("No station `{token}` in your scope (give its public code or name)."),
            )),
            _ => Err(not_found(
                "stations",
                "ambiguous_station",
                format!("有多个名为“{token}”的联络站，请改填联络站编码。"),
                format!("Several stations are called `{token}`; give its public code instead."),
            )),
        };
        self.stations.insert(token.to_owned(), found.clone());
        Ok(found)
    }
}
