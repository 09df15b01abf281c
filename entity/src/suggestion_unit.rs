//! `suggestion_units`: the lead unit and the co-handling units of a case, with each co-unit's
//! input to the reply.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestion_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub suggestion_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: Uuid,
    pub lead: bool,
    pub input: Option<String>,
    pub input_at: Option<DateTimeUtc>,
    /// A copy of the case's `updated_at`, kept by database triggers (migration 000015) so that a
    /// unit's cases page in list order from an index. The service never writes it.
    pub case_updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::suggestion::Entity",
        from = "Column::SuggestionId",
        to = "super::suggestion::Column::Id"
    )]
    Suggestion,
}

impl ActiveModelBehavior for ActiveModel {}
