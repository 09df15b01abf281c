//! `api_clients`: machine clients of the API (a district platform, the 12345 hotline), with
//! their region, their scopes and a hashed secret. A rotated secret stays valid until
//! `previous_valid_until`, so that a client can roll its configuration without downtime.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The region subtree the client may see.
    pub region_id: Uuid,
    /// Granted scopes, space-separated (`read:cases write:tickets`).
    pub scopes: String,
    /// SHA-256 (hex) of the secret; the secret is shown once and never stored.
    pub secret_hash: String,
    pub previous_secret_hash: Option<String>,
    pub previous_valid_until: Option<DateTimeUtc>,
    pub disabled: bool,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
