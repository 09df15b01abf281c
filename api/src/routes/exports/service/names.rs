//! The names export rows show for ids (category, region, station, deputy, unit), each read once
//! per export: there are a few hundred stations and categories and a few thousand deputies and
//! units, however many rows.

use std::collections::HashMap;

use entity::{category, deputy, region, station, unit};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::table::Cell;
use crate::error::ApiError;

/// The names of one table's rows, by id.
pub struct NameMap<E: EntityTrait> {
    known: HashMap<Uuid, String>,
    id: E::Column,
    name: E::Column,
}

impl<E: EntityTrait> NameMap<E> {
    fn new(id: E::Column, name: E::Column) -> Self {
        NameMap {
            known: HashMap::new(),
            id,
            name,
        }
    }

    /// Reads the names of `ids` not read yet.
    pub async fn load(
        &mut self,
        db: &impl ConnectionTrait,
        ids: impl Iterator<Item = Uuid>,
    ) -> Result<(), ApiError> {
        let mut missing: Vec<Uuid> = ids.filter(|id| !self.known.contains_key(id)).collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let found: Vec<(Uuid, String)> = E::find()
            .select_only()
            .column(self.id)
            .column(self.name)
            .filter(self.id.is_in(missing))
            .into_tuple()
            .all(db)
            .await?;
        self.known.extend(found);
        Ok(())
    }

    pub fn get(&self, id: Uuid) -> Option<&str> {
        self.known.get(&id).map(String::as_str)
    }

    /// The name of `id` as a cell; empty for none.
    pub fn cell(&self, id: Option<Uuid>) -> Cell {
        Cell::opt_text(id.and_then(|id| self.get(id)))
    }
}

pub struct Names {
    pub categories: NameMap<category::Entity>,
    pub regions: NameMap<region::Entity>,
    pub stations: NameMap<station::Entity>,
    pub deputies: NameMap<deputy::Entity>,
    pub units: NameMap<unit::Entity>,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            categories: NameMap::new(category::Column::Id, category::Column::Name),
            regions: NameMap::new(region::Column::Id, region::Column::Name),
            stations: NameMap::new(station::Column::Id, station::Column::Name),
            deputies: NameMap::new(deputy::Column::Id, deputy::Column::Name),
            units: NameMap::new(unit::Column::Id, unit::Column::Name),
        }
    }
}
