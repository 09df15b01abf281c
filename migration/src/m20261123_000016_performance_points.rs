//! Deputies' performance points (履职积分): each district's weights, and excused absences.
//!
//! - `points_rules`: one row per (region, kind of event) with the points it is worth. A region
//!   without rows follows its nearest ancestor that has them, and the default set otherwise.
//!   Points are never stored: a deputy's are counted from the data at read time, so a change of
//!   the weights recomputes every deputy's points at once.
//! - `reception_duties.attendance_excused`: staff recording an absence say whether it was excused
//!   (请假), which the rules weigh apart from an unexcused one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PointsRules {
    Table,
    RegionId,
    Kind,
    Weight,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum ReceptionDuties {
    Table,
    AttendanceExcused,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PointsRules::Table)
                    .col(uuid(PointsRules::RegionId))
                    .col(string_len(PointsRules::Kind, 32))
                    .col(integer(PointsRules::Weight))
                    .col(timestamp_with_time_zone(PointsRules::UpdatedAt))
                    .col(uuid_null(PointsRules::UpdatedBy))
                    .primary_key(
                        Index::create()
                            .col(PointsRules::RegionId)
                            .col(PointsRules::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_points_rules_region")
                            .from(PointsRules::Table, PointsRules::RegionId)
                            .to(Regions::Table, Regions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ReceptionDuties::Table)
                    .add_column(boolean(ReceptionDuties::AttendanceExcused).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReceptionDuties::Table)
                    .drop_column(ReceptionDuties::AttendanceExcused)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PointsRules::Table).to_owned())
            .await
    }
}
