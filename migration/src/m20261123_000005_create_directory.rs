//! The public directory: stations, their staff and nine-haves checklist, deputies and where they
//! are stationed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    Level,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Stations {
    Table,
    Id,
    RegionId,
    DistrictId,
    Kind,
    Name,
    Address,
    Latitude,
    Longitude,
    OpeningHours,
    OpeningNote,
    Phone,
    PhotoUrl,
    StarRating,
    Status,
    PublicCode,
    ChecklistDone,
    ChecklistTotal,
    ChecklistPermille,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum StationStaff {
    Table,
    StationId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ChecklistItems {
    Table,
    Id,
    DistrictId,
    Key,
    Name,
    Position,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StationChecklist {
    Table,
    StationId,
    ItemId,
    Done,
    Note,
    Evidence,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Deputies {
    Table,
    Id,
    RegionId,
    UserId,
    Name,
    Gender,
    Level,
    Constituency,
    Occupation,
    PhotoUrl,
    Biography,
    TermStart,
    TermEnd,
    Status,
    PublicCode,
    Phone,
    PhonePublic,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeputyStations {
    Table,
    Id,
    DeputyId,
    StationId,
    StartedOn,
    EndedOn,
    CreatedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

/// The nine haves (九有), every district's checklist until its administrator changes it.
pub const DEFAULT_CHECKLIST: [(&str, &str); 9] = [
    ("venue", "有场所"),
    ("sign", "有牌子"),
    ("rules", "有制度"),
    ("staff", "有人员"),
    ("funds", "有经费"),
    ("activities", "有活动"),
    ("records", "有台账/档案"),
    ("equipment", "有设备"),
    ("results", "有成效"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Stations::Table)
                    .col(uuid(Stations::Id).primary_key())
                    .col(uuid(Stations::RegionId))
                    .col(uuid(Stations::DistrictId))
                    .col(string_len(Stations::Kind, 16))
                    .col(string_len(Stations::Name, 100))
                    .col(string_len(Stations::Address, 200))
                    .col(double_null(Stations::Latitude))
                    .col(double_null(Stations::Longitude))
                    .col(json(Stations::OpeningHours))
                    .col(string_len_null(Stations::OpeningNote, 500))
                    .col(string_len_null(Stations::Phone, 32))
                    .col(string_len_null(Stations::PhotoUrl, 500))
                    .col(small_integer(Stations::StarRating).default(0))
                    .col(string_len(Stations::Status, 16))
                    .col(string_len_uniq(Stations::PublicCode, 16))
                    .col(integer(Stations::ChecklistDone).default(0))
                    .col(integer(Stations::ChecklistTotal).default(0))
                    .col(integer(Stations::ChecklistPermille).default(0))
                    .col(timestamp_with_time_zone(Stations::CreatedAt))
                    .col(timestamp_with_time_zone(Stations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Stations::ArchivedAt))
                    .foreign_key(&mut fk(
                        "fk_stations_region",
                        (Stations::Table, Stations::RegionId),
                        (Regions::Table, Regions::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_stations_district",
                        (Stations::Table, Stations::DistrictId),
                        (Regions::Table, Regions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_stations_region",
                Stations::Table,
                &["region_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_stations_district",
                Stations::Table,
                &["district_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_stations_completion",
                Stations::Table,
                &["checklist_permille", "id"],
            ))
            .await?;
        // The `near` search narrows to a latitude band first, then a longitude band.
        manager
            .create_index(index(
                "idx_stations_location",
                Stations::Table,
                &["latitude", "longitude"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StationStaff::Table)
                    .col(uuid(StationStaff::StationId))
                    .col(uuid(StationStaff::UserId))
                    .col(string_len(StationStaff::Role, 16))
                    .col(timestamp_with_time_zone(StationStaff::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(StationStaff::StationId)
                            .col(StationStaff::UserId),
                    )
                    .foreign_key(
                        &mut fk(
                            "fk_station_staff_station",
                            (StationStaff::Table, StationStaff::StationId),
                            (Stations::Table, Stations::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .foreign_key(
                        &mut fk(
                            "fk_station_staff_user",
                            (StationStaff::Table, StationStaff::UserId),
                            (Users::Table, Users::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_station_staff_user",
                StationStaff::Table,
                &["user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChecklistItems::Table)
                    .col(uuid(ChecklistItems::Id).primary_key())
                    .col(uuid(ChecklistItems::DistrictId))
                    .col(string_len_null(ChecklistItems::Key, 32))
                    .col(string_len(ChecklistItems::Name, 50))
                    .col(integer(ChecklistItems::Position))
                    .col(boolean(ChecklistItems::Archived).default(false))
                    .col(timestamp_with_time_zone(ChecklistItems::CreatedAt))
                    .col(timestamp_with_time_zone(ChecklistItems::UpdatedAt))
                    .foreign_key(
                        &mut fk(
                            "fk_checklist_items_district",
                            (ChecklistItems::Table, ChecklistItems::DistrictId),
                            (Regions::Table, Regions::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_checklist_items_district",
                ChecklistItems::Table,
                &["district_id", "position"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StationChecklist::Table)
                    .col(uuid(StationChecklist::StationId))
                    .col(uuid(StationChecklist::ItemId))
                    .col(boolean(StationChecklist::Done))
                    .col(string_len_null(StationChecklist::Note, 500))
                    .col(json(StationChecklist::Evidence))
                    .col(timestamp_with_time_zone(StationChecklist::UpdatedAt))
                    .col(uuid_null(StationChecklist::UpdatedBy))
                    .primary_key(
                        Index::create()
                            .col(StationChecklist::StationId)
                            .col(StationChecklist::ItemId),
                    )
                    .foreign_key(
                        &mut fk(
                            "fk_station_checklist_station",
                            (StationChecklist::Table, StationChecklist::StationId),
                            (Stations::Table, Stations::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .foreign_key(
                        &mut fk(
                            "fk_station_checklist_item",
                            (StationChecklist::Table, StationChecklist::ItemId),
                            (ChecklistItems::Table, ChecklistItems::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deputies::Table)
                    .col(uuid(Deputies::Id).primary_key())
                    .col(uuid(Deputies::RegionId))
                    .col(uuid_null(Deputies::UserId).unique_key())
                    .col(string_len(Deputies::Name, 50))
                    .col(string_len(Deputies::Gender, 8))
                    .col(string_len(Deputies::Level, 16))
                    .col(string_len(Deputies::Constituency, 100))
                    .col(string_len_null(Deputies::Occupation, 100))
                    .col(string_len_null(Deputies::PhotoUrl, 500))
                    .col(text_null(Deputies::Biography))
                    .col(date(Deputies::TermStart))
                    .col(date_null(Deputies::TermEnd))
                    .col(string_len(Deputies::Status, 16))
                    .col(string_len_uniq(Deputies::PublicCode, 16))
                    .col(string_len_null(Deputies::Phone, 32))
                    .col(boolean(Deputies::PhonePublic).default(false))
                    .col(timestamp_with_time_zone(Deputies::CreatedAt))
                    .col(timestamp_with_time_zone(Deputies::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_deputies_region",
                        (Deputies::Table, Deputies::RegionId),
                        (Regions::Table, Regions::Id),
                    ))
                    .foreign_key(
                        &mut fk(
                            "fk_deputies_user",
                            (Deputies::Table, Deputies::UserId),
                            (Users::Table, Users::Id),
                        )
                        .on_delete(ForeignKeyAction::SetNull)
                        .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_deputies_region",
                Deputies::Table,
                &["region_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_deputies_name_constituency",
                Deputies::Table,
                &["name", "constituency"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeputyStations::Table)
                    .col(uuid(DeputyStations::Id).primary_key())
                    .col(uuid(DeputyStations::DeputyId))
                    .col(uuid(DeputyStations::StationId))
                    .col(date(DeputyStations::StartedOn))
                    .col(date_null(DeputyStations::EndedOn))
                    .col(timestamp_with_time_zone(DeputyStations::CreatedAt))
                    .foreign_key(
                        &mut fk(
                            "fk_deputy_stations_deputy",
                            (DeputyStations::Table, DeputyStations::DeputyId),
                            (Deputies::Table, Deputies::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .foreign_key(&mut fk(
                        "fk_deputy_stations_station",
                        (DeputyStations::Table, DeputyStations::StationId),
                        (Stations::Table, Stations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_deputy_stations_deputy",
                DeputyStations::Table,
                &["deputy_id", "ended_on"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_deputy_stations_station",
                DeputyStations::Table,
                &["station_id", "ended_on"],
            ))
            .await?;

        // Districts that exist already get the default checklist, as new ones do on creation.
        let db = manager.get_connection();
        let districts = db
            .query_all(
                Query::select()
                    .column(Regions::Id)
                    .from(Regions::Table)
                    .and_where(Expr::col(Regions::Level).eq("district")),
            )
            .await?;
        for row in districts {
            let district: uuid::Uuid = row.try_get("", "id")?;
            let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
            for (position, (key, name)) in DEFAULT_CHECKLIST.iter().enumerate() {
                let insert = Query::insert()
                    .into_table(ChecklistItems::Table)
                    .columns([
                        ChecklistItems::Id,
                        ChecklistItems::DistrictId,
                        ChecklistItems::Key,
                        ChecklistItems::Name,
                        ChecklistItems::Position,
                        ChecklistItems::Archived,
                        ChecklistItems::CreatedAt,
                        ChecklistItems::UpdatedAt,
                    ])
                    .values_panic([
                        uuid::Uuid::now_v7().into(),
                        district.into(),
                        (*key).into(),
                        (*name).into(),
                        <i32 as TryFrom<usize>>::try_from(position)
                            .unwrap_or(i32::MAX)
                            .into(),
                        false.into(),
                        now.into(),
                        now.into(),
                    ])
                    .to_owned();
                db.execute(&insert).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeputyStations::Table.into_iden(),
            Deputies::Table.into_iden(),
            StationChecklist::Table.into_iden(),
            ChecklistItems::Table.into_iden(),
            StationStaff::Table.into_iden(),
            Stations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
