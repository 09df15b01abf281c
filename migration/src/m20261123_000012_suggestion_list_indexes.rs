//! Indexes that serve every list of cases in the order its keyset pages use, and the record of
//! deadline notices sent.
//!
//! - The lists are newest first, `(updated_at, id)`. An index on `(station_id, updated_at)` finds
//!   a station's rows but cannot hand them over in that order, so the database read every row of
//!   the station and sorted them before taking a page (the cases benchmark: 228 ms for a page at
//!   100,000 cases). Each filter column now leads an index that ends in `updated_at, id`, so a page
//!   is a short ordered scan that stops at the limit.
//! - `(status, deadline)` is dropped: with it the planner served `overdue=true` by reading every
//!   open case with a past deadline and sorting them, where scanning the newest cases in order
//!   finds a page at once. The deadline sweep reads the notices table instead.
//! - `suggestion_units (unit_id)` becomes `(unit_id, lead, suggestion_id)`: a unit's co-handled
//!   cases (the second half of the `unit_id` filter) are then read from the index alone.
//! - `suggestion_deadline_notices`: one row per case, kind (`reminder`, `overdue`) and deadline
//!   already told. The sweep used to load every open case every round and re-enqueue (deduplicated)
//!   messages for each overdue one; now it only reads the cases not told yet.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Suggestions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SuggestionUnits {
    Table,
    UnitId,
    Lead,
    SuggestionId,
}

#[derive(DeriveIden)]
enum SuggestionDeadlineNotices {
    Table,
    SuggestionId,
    Kind,
    Deadline,
    CreatedAt,
}

/// The list indexes after this migration: (name, columns).
const ORDERED: [(&str, &[&str]); 4] = [
    (
        "idx_suggestions_station",
        &["station_id", "updated_at", "id"],
    ),
    ("idx_suggestions_region", &["region_id", "updated_at", "id"]),
    (
        "idx_suggestions_lead_unit",
        &["lead_unit_id", "updated_at", "id"],
    ),
    (
        "idx_suggestions_status_updated",
        &["status", "updated_at", "id"],
    ),
];

/// The indexes of migration 000009 that this one replaces.
const REPLACED: [(&str, &[&str]); 4] = [
    ("idx_suggestions_station", &["station_id", "updated_at"]),
    ("idx_suggestions_region", &["region_id", "updated_at"]),
    ("idx_suggestions_lead_unit", &["lead_unit_id", "updated_at"]),
    ("idx_suggestions_status", &["status", "deadline"]),
];

fn index(name: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create()
        .name(name)
        .table(Suggestions::Table)
        .to_owned();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

async fn drop_all(manager: &SchemaManager<'_>, names: &[&str]) -> Result<(), DbErr> {
    for name in names {
        manager
            .drop_index(
                Index::drop()
                    .name(*name)
                    .table(Suggestions::Table)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, &REPLACED.map(|(name, _)| name)).await?;
        for (name, columns) in ORDERED {
            manager.create_index(index(name, columns)).await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_suggestion_units_unit")
                    .table(SuggestionUnits::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_suggestion_units_unit")
                    .table(SuggestionUnits::Table)
                    .col(SuggestionUnits::UnitId)
                    .col(SuggestionUnits::Lead)
                    .col(SuggestionUnits::SuggestionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SuggestionDeadlineNotices::Table)
                    .col(uuid(SuggestionDeadlineNotices::SuggestionId))
                    .col(string_len(SuggestionDeadlineNotices::Kind, 16))
                    .col(date(SuggestionDeadlineNotices::Deadline))
                    .col(timestamp_with_time_zone(
                        SuggestionDeadlineNotices::CreatedAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(SuggestionDeadlineNotices::SuggestionId)
                            .col(SuggestionDeadlineNotices::Kind)
                            .col(SuggestionDeadlineNotices::Deadline),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_suggestion_deadline_notices_suggestion")
                            .from(
                                SuggestionDeadlineNotices::Table,
                                SuggestionDeadlineNotices::SuggestionId,
                            )
                            .to(Suggestions::Table, Suggestions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(SuggestionDeadlineNotices::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_suggestion_units_unit")
                    .table(SuggestionUnits::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_suggestion_units_unit")
                    .table(SuggestionUnits::Table)
                    .col(SuggestionUnits::UnitId)
                    .to_owned(),
            )
            .await?;
        drop_all(manager, &ORDERED.map(|(name, _)| name)).await?;
        for (name, columns) in REPLACED {
            manager.create_index(index(name, columns)).await?;
        }
        Ok(())
    }
}
