//! `idempotency_keys.applied`: whether the request holding the key committed its work.
//!
//! A key's response is recorded after the request's own transaction commits. A process killed
//! between the two left the key "in flight" with no response; once its lock lapsed, a retry
//! ran the request again, and a create was made twice. The flag is set inside the request's
//! write transaction (see `http::idempotency`), so it is true exactly when the work is in the
//! database, and a retry of an applied request is never run again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Applied,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .add_column(
                        ColumnDef::new(IdempotencyKeys::Applied)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .drop_column(IdempotencyKeys::Applied)
                    .to_owned(),
            )
            .await
    }
}
