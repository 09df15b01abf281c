//! `idempotency_keys`: the recorded outcome of a POST sent with an `Idempotency-Key` header.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who sent it: `user:<uuid>` or `anonymous`. Keys are only unique per principal.
    pub principal: String,
    pub key: String,
    /// Hex SHA-256 of method, path, query and body: the same key with another request is refused.
    pub request_hash: String,
    /// Until the first response is recorded, a second request with the key is "in flight".
    pub completed: bool,
    /// A request still in flight past this instant is considered abandoned (its process died).
    pub locked_until: DateTimeUtc,
    /// Set inside the request's own write transaction: its work is in the database, even if
    /// its response never got recorded (the process died in between). Such a request is never
    /// run again.
    pub applied: bool,
    pub response_status: Option<i32>,
    /// JSON object of the response headers worth replaying (content type, location, etag).
    pub response_headers: Option<Json>,
    pub response_body: Option<Vec<u8>>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
