//! The milestones the statistics count from, kept on the rows themselves so that every figure is
//! an aggregate over one table instead of a search through millions of event rows:
//!
//! - `suggestions.assigned_at`: the first assignment (a case's reply rate and time to reply count
//!   from it; a reassignment after a declined jurisdiction does not restart the clock);
//! - `suggestions.first_replied_at`: the first reply (on-time rate, time to reply); `replied_at`
//!   keeps the latest, which a reopened case moves;
//! - `suggestions.first_rating`: the first rating (the satisfaction rate "by first rating");
//!   `rating` keeps the final one;
//! - `submissions.responded_at`: when the submission first left `received` (time to first
//!   response).
//!
//! They are written by the flow in the same transaction as the step, and filled here from the
//! event history for the rows that exist already, so the figures of past years come out the
//! same as if the columns had always been there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Suggestions {
    Table,
    AssignedAt,
    FirstRepliedAt,
    FirstRating,
}

#[derive(DeriveIden)]
enum Submissions {
    Table,
    RespondedAt,
}

/// SQLite alters one column per statement.
async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.to_owned())
                .to_owned(),
        )
        .await
}

async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Suggestions::AssignedAt, Suggestions::FirstRepliedAt] {
            add_column(
                manager,
                Suggestions::Table,
                ColumnDef::new(column)
                    .timestamp_with_time_zone()
                    .null()
                    .to_owned(),
            )
            .await?;
        }
        add_column(
            manager,
            Suggestions::Table,
            ColumnDef::new(Suggestions::FirstRating)
                .string_len(24)
                .null()
                .to_owned(),
        )
        .await?;
        add_column(
            manager,
            Submissions::Table,
            ColumnDef::new(Submissions::RespondedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        )
        .await?;
        let rating = match manager.get_database_backend() {
            DatabaseBackend::Postgres => "e.details ->> 'rating'",
            _ => "json_extract(e.details, '$.rating')",
        };
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE suggestions SET \
               assigned_at = (SELECT MIN(e.at) FROM suggestion_events e \
                              WHERE e.suggestion_id = suggestions.id AND e.action = 'assign'), \
               first_replied_at = (SELECT MIN(e.at) FROM suggestion_events e \
                                   WHERE e.suggestion_id = suggestions.id AND e.action = 'reply')",
        )
        .await?;
        // The earliest rate event's rating; ties on the instant are broken by the event id,
        // which is time-ordered (UUID v7).
        db.execute_unprepared(&format!(
            "UPDATE suggestions SET first_rating = \
               (SELECT {rating} FROM suggestion_events e \
                WHERE e.suggestion_id = suggestions.id AND e.action = 'rate' \
                ORDER BY e.at, e.id LIMIT 1) \
             WHERE rating IS NOT NULL"
        ))
        .await?;
        db.execute_unprepared(
            "UPDATE submissions SET responded_at = \
               (SELECT MIN(e.at) FROM submission_events e \
                WHERE e.submission_id = submissions.id AND e.status <> 'received') \
             WHERE status <> 'received'",
        )
        .await?;
        for (name, columns) in [
            ("idx_suggestions_assigned", ["assigned_at", "region_id"]),
            ("idx_suggestions_closed", ["closed_at", "region_id"]),
        ] {
            let mut index = Index::create()
                .name(name)
                .table(Suggestions::Table)
                .to_owned();
            for column in columns {
                index.col(Alias::new(column));
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_suggestions_assigned", "idx_suggestions_closed"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Suggestions::Table)
                        .to_owned(),
                )
                .await?;
        }
        drop_column(manager, Submissions::Table, Submissions::RespondedAt).await?;
        for column in [
            Suggestions::FirstRating,
            Suggestions::FirstRepliedAt,
            Suggestions::AssignedAt,
        ] {
            drop_column(manager, Suggestions::Table, column).await?;
        }
        Ok(())
    }
}
