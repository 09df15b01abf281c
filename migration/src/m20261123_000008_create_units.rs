//! Handling units (承办单位): the street offices, bureaus and companies cases are assigned to, and
//! the `unit_handler` accounts that act for them.

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
enum Units {
    Table,
    Id,
    RegionId,
    Name,
    NameKey,
    Kind,
    Phone,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UnitMembers {
    Table,
    UnitId,
    UserId,
    AddedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(uuid(Units::Id).primary_key())
                    .col(uuid(Units::RegionId))
                    .col(string_len(Units::Name, 100))
                    .col(string_len(Units::NameKey, 100))
                    .col(string_len(Units::Kind, 24))
                    .col(string_len_null(Units::Phone, 32))
                    .col(boolean(Units::Archived).default(false))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .col(timestamp_with_time_zone(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_region")
                            .from(Units::Table, Units::RegionId)
                            .to(Regions::Table, Regions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // One unit of a name per region (names compared without case and surrounding space).
        manager
            .create_index(
                Index::create()
                    .name("idx_units_region_name")
                    .table(Units::Table)
                    .col(Units::RegionId)
                    .col(Units::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnitMembers::Table)
                    .col(uuid(UnitMembers::UnitId))
                    .col(uuid(UnitMembers::UserId))
                    .col(timestamp_with_time_zone(UnitMembers::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(UnitMembers::UnitId)
                            .col(UnitMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_members_unit")
                            .from(UnitMembers::Table, UnitMembers::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_members_user")
                            .from(UnitMembers::Table, UnitMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_unit_members_user")
                    .table(UnitMembers::Table)
                    .col(UnitMembers::UserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UnitMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Units::Table).to_owned())
            .await
    }
}
