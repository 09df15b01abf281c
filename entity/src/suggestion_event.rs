//! `suggestion_events`: one row per transition (and creation) of a suggestion, written in the
//! transaction of the change: who, in which role, from which status to which, with what note.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestion_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub suggestion_id: Uuid,
    pub at: DateTimeUtc,
    /// `create` or an action of the flow.
    pub action: String,
    pub from_status: Option<super::suggestion::State>,
    pub to_status: super::suggestion::State,
    pub actor_id: Option<Uuid>,
    /// The role the actor acted in (`staff`, `lead_unit`, `lead_author`, ...).
    pub actor_role: Option<String>,
    pub note: Option<String>,
    pub details: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
