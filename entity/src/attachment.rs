//! `attachments`: photos uploaded for a submission. The bytes live in the blob store under their
//! content hash; a row not attached to a submission within 24 hours is cleaned up.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    /// Random (v4): for an anonymous upload the id is what proves it is yours.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Hex SHA-256 of the stored (metadata-stripped) bytes.
    pub blob_hash: String,
    pub mime: String,
    pub width: i32,
    pub height: i32,
    pub size_bytes: i32,
    pub uploader_id: Option<Uuid>,
    pub submission_id: Option<Uuid>,
    pub position: Option<i16>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::submission::Entity",
        from = "Column::SubmissionId",
        to = "super::submission::Column::Id",
        on_delete = "Cascade"
    )]
    Submission,
}

impl Related<super::submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Submission.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
