//! Regions (the administrative tree) and their closure table.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    ParentId,
    Name,
    Level,
    Code,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RegionClosure {
    Table,
    AncestorId,
    DescendantId,
    Depth,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(uuid(Regions::Id).primary_key())
                    .col(uuid_null(Regions::ParentId))
                    .col(string_len(Regions::Name, 100))
                    .col(string_len(Regions::Level, 16))
                    .col(string_len_null(Regions::Code, 32).unique_key())
                    .col(timestamp_with_time_zone(Regions::CreatedAt))
                    .col(timestamp_with_time_zone(Regions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_regions_parent")
                            .from(Regions::Table, Regions::ParentId)
                            .to(Regions::Table, Regions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_regions_parent")
                    .table(Regions::Table)
                    .col(Regions::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RegionClosure::Table)
                    .col(uuid(RegionClosure::AncestorId))
                    .col(uuid(RegionClosure::DescendantId))
                    .col(integer(RegionClosure::Depth))
                    .primary_key(
                        Index::create()
                            .col(RegionClosure::AncestorId)
                            .col(RegionClosure::DescendantId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_region_closure_ancestor")
                            .from(RegionClosure::Table, RegionClosure::AncestorId)
                            .to(Regions::Table, Regions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_region_closure_descendant")
                            .from(RegionClosure::Table, RegionClosure::DescendantId)
                            .to(Regions::Table, Regions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_region_closure_descendant")
                    .table(RegionClosure::Table)
                    .col(RegionClosure::DescendantId)
                    .col(RegionClosure::Depth)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegionClosure::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Regions::Table).to_owned())
            .await
    }
}
