//! Suggestions (意见交办 / 代表建议): station cases assigned to handling units and deputies'
//! formal suggestions, with their authors, units, source submissions and the event log of
//! every transition.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Stations {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Deputies {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Submissions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Suggestions {
    Table,
    Id,
    Kind,
    Status,
    Title,
    Content,
    CategoryId,
    RegionId,
    StationId,
    Level,
    LeadUnitId,
    Deadline,
    Supervision,
    SupervisionNote,
    ReplyCategory,
    ReplyText,
    RepliedAt,
    Rating,
    RatedAt,
    ReopenCount,
    Flagged,
    CreatedBy,
    EscalatedFrom,
    Version,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SuggestionAuthors {
    Table,
    SuggestionId,
    DeputyId,
    Position,
}

#[derive(DeriveIden)]
enum SuggestionUnits {
    Table,
    SuggestionId,
    UnitId,
    Lead,
    Input,
    InputAt,
}

#[derive(DeriveIden)]
enum SuggestionSources {
    Table,
    SubmissionId,
    SuggestionId,
    LinkedAt,
}

#[derive(DeriveIden)]
enum SuggestionEvents {
    Table,
    Id,
    SuggestionId,
    At,
    Action,
    FromStatus,
    ToStatus,
    ActorId,
    ActorRole,
    Note,
    Details,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        manager
            .create_table(
                Table::create()
                    .table(Suggestions::Table)
                    .col(uuid(Suggestions::Id).primary_key())
                    .col(string_len(Suggestions::Kind, 24))
                    .col(string_len(Suggestions::Status, 16))
                    .col(string_len(Suggestions::Title, 100))
                    .col(text(Suggestions::Content))
                    .col(uuid(Suggestions::CategoryId))
                    .col(uuid(Suggestions::RegionId))
                    .col(uuid_null(Suggestions::StationId))
                    .col(string_len_null(Suggestions::Level, 16))
                    .col(uuid_null(Suggestions::LeadUnitId))
                    .col(date_null(Suggestions::Deadline))
                    .col(string_len(Suggestions::Supervision, 16).default("none"))
                    .col(string_len_null(Suggestions::SupervisionNote, 500))
                    .col(string_len_null(Suggestions::ReplyCategory, 1))
                    .col(text_null(Suggestions::ReplyText))
                    .col(timestamp_with_time_zone_null(Suggestions::RepliedAt))
                    .col(string_len_null(Suggestions::Rating, 24))
                    .col(timestamp_with_time_zone_null(Suggestions::RatedAt))
                    .col(integer(Suggestions::ReopenCount).default(0))
                    .col(boolean(Suggestions::Flagged).default(false))
                    .col(uuid_null(Suggestions::CreatedBy))
                    .col(uuid_null(Suggestions::EscalatedFrom))
                    .col(integer(Suggestions::Version).default(1))
                    .col(timestamp_with_time_zone(Suggestions::CreatedAt))
                    .col(timestamp_with_time_zone(Suggestions::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Suggestions::ClosedAt))
                    .foreign_key(&mut fk(
                        "fk_suggestions_category",
                        (Suggestions::Table, Suggestions::CategoryId),
                        (Categories::Table, Categories::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestions_region",
                        (Suggestions::Table, Suggestions::RegionId),
                        (Regions::Table, Regions::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestions_station",
                        (Suggestions::Table, Suggestions::StationId),
                        (Stations::Table, Stations::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestions_lead_unit",
                        (Suggestions::Table, Suggestions::LeadUnitId),
                        (Units::Table, Units::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestions_escalated_from",
                        (Suggestions::Table, Suggestions::EscalatedFrom),
                        (Suggestions::Table, Suggestions::Id),
                        SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestions_created_by",
                        (Suggestions::Table, Suggestions::CreatedBy),
                        (Users::Table, Users::Id),
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_suggestions_updated", &["updated_at", "id"][..]),
            ("idx_suggestions_region", &["region_id", "updated_at"][..]),
            ("idx_suggestions_station", &["station_id", "updated_at"][..]),
            (
                "idx_suggestions_lead_unit",
                &["lead_unit_id", "updated_at"][..],
            ),
            ("idx_suggestions_status", &["status", "deadline"][..]),
        ] {
            manager
                .create_index(index(name, Suggestions::Table, columns))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SuggestionAuthors::Table)
                    .col(uuid(SuggestionAuthors::SuggestionId))
                    .col(uuid(SuggestionAuthors::DeputyId))
                    .col(small_integer(SuggestionAuthors::Position))
                    .primary_key(
                        Index::create()
                            .col(SuggestionAuthors::SuggestionId)
                            .col(SuggestionAuthors::DeputyId),
                    )
                    .foreign_key(&mut fk(
                        "fk_suggestion_authors_suggestion",
                        (SuggestionAuthors::Table, SuggestionAuthors::SuggestionId),
                        (Suggestions::Table, Suggestions::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestion_authors_deputy",
                        (SuggestionAuthors::Table, SuggestionAuthors::DeputyId),
                        (Deputies::Table, Deputies::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_suggestion_authors_deputy",
                SuggestionAuthors::Table,
                &["deputy_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SuggestionUnits::Table)
                    .col(uuid(SuggestionUnits::SuggestionId))
                    .col(uuid(SuggestionUnits::UnitId))
                    .col(boolean(SuggestionUnits::Lead))
                    .col(text_null(SuggestionUnits::Input))
                    .col(timestamp_with_time_zone_null(SuggestionUnits::InputAt))
                    .primary_key(
                        Index::create()
                            .col(SuggestionUnits::SuggestionId)
                            .col(SuggestionUnits::UnitId),
                    )
                    .foreign_key(&mut fk(
                        "fk_suggestion_units_suggestion",
                        (SuggestionUnits::Table, SuggestionUnits::SuggestionId),
                        (Suggestions::Table, Suggestions::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestion_units_unit",
                        (SuggestionUnits::Table, SuggestionUnits::UnitId),
                        (Units::Table, Units::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_suggestion_units_unit",
                SuggestionUnits::Table,
                &["unit_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SuggestionSources::Table)
                    // A submission feeds one suggestion at most.
                    .col(uuid(SuggestionSources::SubmissionId).primary_key())
                    .col(uuid(SuggestionSources::SuggestionId))
                    .col(timestamp_with_time_zone(SuggestionSources::LinkedAt))
                    .foreign_key(&mut fk(
                        "fk_suggestion_sources_submission",
                        (SuggestionSources::Table, SuggestionSources::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestion_sources_suggestion",
                        (SuggestionSources::Table, SuggestionSources::SuggestionId),
                        (Suggestions::Table, Suggestions::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_suggestion_sources_suggestion",
                SuggestionSources::Table,
                &["suggestion_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SuggestionEvents::Table)
                    .col(uuid(SuggestionEvents::Id).primary_key())
                    .col(uuid(SuggestionEvents::SuggestionId))
                    .col(timestamp_with_time_zone(SuggestionEvents::At))
                    .col(string_len(SuggestionEvents::Action, 32))
                    .col(string_len_null(SuggestionEvents::FromStatus, 16))
                    .col(string_len(SuggestionEvents::ToStatus, 16))
                    .col(uuid_null(SuggestionEvents::ActorId))
                    .col(string_len_null(SuggestionEvents::ActorRole, 16))
                    .col(text_null(SuggestionEvents::Note))
                    .col(json(SuggestionEvents::Details))
                    .foreign_key(&mut fk(
                        "fk_suggestion_events_suggestion",
                        (SuggestionEvents::Table, SuggestionEvents::SuggestionId),
                        (Suggestions::Table, Suggestions::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_suggestion_events_suggestion",
                SuggestionEvents::Table,
                &["suggestion_id", "at"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SuggestionEvents::Table.into_iden(),
            SuggestionSources::Table.into_iden(),
            SuggestionUnits::Table.into_iden(),
            SuggestionAuthors::Table.into_iden(),
            Suggestions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
