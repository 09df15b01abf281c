//! `audit_events`: who did what to whom, when and from where. Rows are only ever inserted.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    /// `None` for the command line and the system itself.
    pub actor_user_id: Option<Uuid>,
    pub actor_role: Option<String>,
    /// A stable verb such as `user.create` or `auth.refresh_token_reused`.
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    /// The region the target belongs to, so that scoped administrators read only their own.
    pub region_id: Option<Uuid>,
    /// What changed, without secrets or unmasked personal data.
    pub details: Json,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
