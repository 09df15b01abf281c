//! `submission_events`: the history of a submission, one row per step. The public timeline shows
//! the kind, the time and `public_note`; the actor and `details` are for staff only.

use sea_orm::entity::prelude::*;

use crate::submission::SubmissionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submission_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub at: DateTimeUtc,
    /// `received`, `review`, `answer`, `refer`, `decline`, `close`, `feedback`, `erased`.
    pub kind: String,
    /// The submission's status after the step.
    pub status: SubmissionStatus,
    /// What the voter is told about this step, if anything beyond its kind.
    pub public_note: Option<String>,
    pub actor_id: Option<Uuid>,
    /// Internal detail (staff notes); never shown to the voter.
    pub details: Json,
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
