//! `suggestions.escalated_from`'s index becomes partial: only the rows that were escalated from a
//! case are in it.
//!
//! Every read of a case asks which suggestion it was escalated into (`escalated_from IN (...)`).
//! Almost no case is ever escalated, so the column is NULL in nearly every row. Once SQLite's
//! planner statistics are current (`ANALYZE`, which the maintenance job's `PRAGMA optimize`
//! runs), they say the full index of migration 000010 has one value in every row, so the
//! planner judged it useless and scanned the whole table instead: a few milliseconds of every
//! case read and every transition at 30,000 cases (measured by the load benchmark). A partial
//! index holds only the non-NULL rows; an `IN` list implies `IS NOT NULL`, so both SQLite and
//! PostgreSQL use it, and it costs nothing to keep up as cases are created.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // The same SQL on both databases; sea-query's index builder has no WHERE clause.
        db.execute_unprepared("DROP INDEX IF EXISTS idx_suggestions_escalated_from")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_suggestions_escalated_from \
             ON suggestions (escalated_from) WHERE escalated_from IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS idx_suggestions_escalated_from")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_suggestions_escalated_from ON suggestions (escalated_from)",
        )
        .await?;
        Ok(())
    }
}
