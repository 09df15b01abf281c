//! An index on `suggestions.escalated_from`: every read of a case looks up the deputy suggestion
//! it was escalated into, and without the index that look-up scans the whole table (the cases
//! benchmark showed list latency growing with the table).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Suggestions {
    Table,
    EscalatedFrom,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_suggestions_escalated_from")
                    .table(Suggestions::Table)
                    .col(Suggestions::EscalatedFrom)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_suggestions_escalated_from")
                    .table(Suggestions::Table)
                    .to_owned(),
            )
            .await
    }
}
