//! Reception days (接待日): the working-day calendar, stations' reception rules, the sessions
//! with their deputies on duty, voters' bookings, reception records, and the outbox of
//! notifications that reminds everyone.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
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
enum HolidayYears {
    Table,
    Year,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum HolidayDays {
    Table,
    Day,
    Year,
    Kind,
    Name,
}

#[derive(DeriveIden)]
enum ReceptionRules {
    Table,
    StationId,
    DaysOfMonth,
    Weekday,
    StartsMinute,
    EndsMinute,
    Place,
    Capacity,
    MinDeputies,
    MaxDeputies,
    HolidayPolicy,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Receptions {
    Table,
    Id,
    StationId,
    Day,
    StartsAt,
    EndsAt,
    Place,
    Capacity,
    SeatsTaken,
    MinDeputies,
    MaxDeputies,
    Status,
    Origin,
    RuleDay,
    Edited,
    PublishedAt,
    LateReason,
    CancelledAt,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReceptionDuties {
    Table,
    ReceptionId,
    DeputyId,
    AssignedAt,
    CheckedInAt,
    Attendance,
    AttendanceReason,
    AttendanceBy,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    ReceptionId,
    VoterId,
    Topic,
    Phone,
    Status,
    Active,
    CreatedAt,
    CancelledAt,
    CancelReason,
}

#[derive(DeriveIden)]
enum ReceptionRecords {
    Table,
    Id,
    ReceptionId,
    VisitorCount,
    Feedback,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReceptionRecordItems {
    Table,
    Id,
    RecordId,
    Position,
    Raised,
    ActionTaken,
}

#[derive(DeriveIden)]
enum ReceptionVisitors {
    Table,
    Id,
    RecordId,
    Position,
    Name,
    Phone,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    RecipientUserId,
    Address,
    Channel,
    Template,
    Payload,
    DedupeKey,
    SubjectType,
    SubjectId,
    DueAt,
    NextAttemptAt,
    State,
    Attempts,
    LastError,
    LeaseUntil,
    SentAt,
    ReadAt,
    CreatedAt,
    UpdatedAt,
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
        use ForeignKeyAction::{Cascade, Restrict};

        manager
            .create_table(
                Table::create()
                    .table(HolidayYears::Table)
                    .col(integer(HolidayYears::Year).primary_key())
                    .col(timestamp_with_time_zone(HolidayYears::UpdatedAt))
                    .col(uuid_null(HolidayYears::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HolidayDays::Table)
                    .col(date(HolidayDays::Day).primary_key())
                    .col(integer(HolidayDays::Year))
                    .col(string_len(HolidayDays::Kind, 16))
                    .col(string_len(HolidayDays::Name, 50))
                    .foreign_key(&mut fk(
                        "fk_holiday_days_year",
                        (HolidayDays::Table, HolidayDays::Year),
                        (HolidayYears::Table, HolidayYears::Year),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_holiday_days_year",
                HolidayDays::Table,
                &["year"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReceptionRules::Table)
                    .col(uuid(ReceptionRules::StationId).primary_key())
                    .col(json_null(ReceptionRules::DaysOfMonth))
                    .col(small_integer_null(ReceptionRules::Weekday))
                    .col(integer(ReceptionRules::StartsMinute))
                    .col(integer(ReceptionRules::EndsMinute))
                    .col(string_len_null(ReceptionRules::Place, 200))
                    .col(integer(ReceptionRules::Capacity))
                    .col(small_integer(ReceptionRules::MinDeputies))
                    .col(small_integer(ReceptionRules::MaxDeputies))
                    .col(string_len(ReceptionRules::HolidayPolicy, 16))
                    .col(timestamp_with_time_zone(ReceptionRules::UpdatedAt))
                    .col(uuid_null(ReceptionRules::UpdatedBy))
                    .foreign_key(&mut fk(
                        "fk_reception_rules_station",
                        (ReceptionRules::Table, ReceptionRules::StationId),
                        (Stations::Table, Stations::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Receptions::Table)
                    .col(uuid(Receptions::Id).primary_key())
                    .col(uuid(Receptions::StationId))
                    .col(date(Receptions::Day))
                    .col(timestamp_with_time_zone(Receptions::StartsAt))
                    .col(timestamp_with_time_zone(Receptions::EndsAt))
                    .col(string_len(Receptions::Place, 200))
                    .col(integer(Receptions::Capacity))
                    .col(integer(Receptions::SeatsTaken).default(0))
                    .col(small_integer(Receptions::MinDeputies))
                    .col(small_integer(Receptions::MaxDeputies))
                    .col(string_len(Receptions::Status, 16))
                    .col(string_len(Receptions::Origin, 16))
                    .col(date_null(Receptions::RuleDay))
                    .col(boolean(Receptions::Edited).default(false))
                    .col(timestamp_with_time_zone_null(Receptions::PublishedAt))
                    .col(string_len_null(Receptions::LateReason, 500))
                    .col(timestamp_with_time_zone_null(Receptions::CancelledAt))
                    .col(string_len_null(Receptions::CancelReason, 500))
                    .col(timestamp_with_time_zone(Receptions::CreatedAt))
                    .col(timestamp_with_time_zone(Receptions::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_receptions_station",
                        (Receptions::Table, Receptions::StationId),
                        (Stations::Table, Stations::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        // One session per rule day and station: what makes generating twice create nothing new.
        // Hand-made sessions have no rule day (NULLs never collide).
        manager
            .create_index(
                index(
                    "idx_receptions_rule_day",
                    Receptions::Table,
                    &["station_id", "rule_day"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_receptions_station_day",
                Receptions::Table,
                &["station_id", "day"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_receptions_starts",
                Receptions::Table,
                &["starts_at", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReceptionDuties::Table)
                    .col(uuid(ReceptionDuties::ReceptionId))
                    .col(uuid(ReceptionDuties::DeputyId))
                    .col(timestamp_with_time_zone(ReceptionDuties::AssignedAt))
                    .col(timestamp_with_time_zone_null(ReceptionDuties::CheckedInAt))
                    .col(string_len_null(ReceptionDuties::Attendance, 16))
                    .col(string_len_null(ReceptionDuties::AttendanceReason, 500))
                    .col(uuid_null(ReceptionDuties::AttendanceBy))
                    .primary_key(
                        Index::create()
                            .col(ReceptionDuties::ReceptionId)
                            .col(ReceptionDuties::DeputyId),
                    )
                    .foreign_key(&mut fk(
                        "fk_reception_duties_reception",
                        (ReceptionDuties::Table, ReceptionDuties::ReceptionId),
                        (Receptions::Table, Receptions::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_reception_duties_deputy",
                        (ReceptionDuties::Table, ReceptionDuties::DeputyId),
                        (Deputies::Table, Deputies::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_reception_duties_deputy",
                ReceptionDuties::Table,
                &["deputy_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Appointments::Table)
                    .col(uuid(Appointments::Id).primary_key())
                    .col(uuid(Appointments::ReceptionId))
                    .col(uuid(Appointments::VoterId))
                    .col(string_len(Appointments::Topic, 200))
                    .col(string_len_null(Appointments::Phone, 32))
                    .col(string_len(Appointments::Status, 16))
                    // 1 while booked, NULL once cancelled: the unique index below then allows one
                    // active booking per voter and session, and any number of cancelled ones.
                    .col(small_integer_null(Appointments::Active))
                    .col(timestamp_with_time_zone(Appointments::CreatedAt))
                    .col(timestamp_with_time_zone_null(Appointments::CancelledAt))
                    .col(string_len_null(Appointments::CancelReason, 200))
                    .foreign_key(&mut fk(
                        "fk_appointments_reception",
                        (Appointments::Table, Appointments::ReceptionId),
                        (Receptions::Table, Receptions::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_appointments_voter",
                        (Appointments::Table, Appointments::VoterId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_appointments_one_active",
                    Appointments::Table,
                    &["reception_id", "voter_id", "active"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_appointments_voter",
                Appointments::Table,
                &["voter_id", "created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReceptionRecords::Table)
                    .col(uuid(ReceptionRecords::Id).primary_key())
                    .col(uuid(ReceptionRecords::ReceptionId))
                    .col(integer(ReceptionRecords::VisitorCount))
                    .col(string_len_null(ReceptionRecords::Feedback, 2000))
                    .col(uuid(ReceptionRecords::CreatedBy))
                    .col(timestamp_with_time_zone(ReceptionRecords::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_reception_records_reception",
                        (ReceptionRecords::Table, ReceptionRecords::ReceptionId),
                        (Receptions::Table, Receptions::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_reception_records_reception",
                ReceptionRecords::Table,
                &["reception_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReceptionRecordItems::Table)
                    .col(uuid(ReceptionRecordItems::Id).primary_key())
                    .col(uuid(ReceptionRecordItems::RecordId))
                    .col(integer(ReceptionRecordItems::Position))
                    .col(string_len(ReceptionRecordItems::Raised, 2000))
                    .col(string_len_null(ReceptionRecordItems::ActionTaken, 2000))
                    .foreign_key(&mut fk(
                        "fk_reception_record_items_record",
                        (ReceptionRecordItems::Table, ReceptionRecordItems::RecordId),
                        (ReceptionRecords::Table, ReceptionRecords::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_reception_record_items_record",
                ReceptionRecordItems::Table,
                &["record_id", "position"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReceptionVisitors::Table)
                    .col(uuid(ReceptionVisitors::Id).primary_key())
                    .col(uuid(ReceptionVisitors::RecordId))
                    .col(integer(ReceptionVisitors::Position))
                    .col(string_len(ReceptionVisitors::Name, 50))
                    .col(string_len_null(ReceptionVisitors::Phone, 32))
                    .foreign_key(&mut fk(
                        "fk_reception_visitors_record",
                        (ReceptionVisitors::Table, ReceptionVisitors::RecordId),
                        (ReceptionRecords::Table, ReceptionRecords::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_reception_visitors_record",
                ReceptionVisitors::Table,
                &["record_id", "position"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(uuid(Notifications::Id).primary_key())
                    .col(uuid_null(Notifications::RecipientUserId))
                    .col(string_len_null(Notifications::Address, 64))
                    .col(string_len(Notifications::Channel, 16))
                    .col(string_len(Notifications::Template, 64))
                    .col(json(Notifications::Payload))
                    .col(string_len_uniq(Notifications::DedupeKey, 200))
                    .col(string_len(Notifications::SubjectType, 32))
                    .col(uuid_null(Notifications::SubjectId))
                    .col(timestamp_with_time_zone(Notifications::DueAt))
                    .col(timestamp_with_time_zone(Notifications::NextAttemptAt))
                    .col(string_len(Notifications::State, 16))
                    .col(integer(Notifications::Attempts).default(0))
                    .col(string_len_null(Notifications::LastError, 500))
                    .col(timestamp_with_time_zone_null(Notifications::LeaseUntil))
                    .col(timestamp_with_time_zone_null(Notifications::SentAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone(Notifications::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_notifications_recipient",
                        (Notifications::Table, Notifications::RecipientUserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // The sender's scan: what is queued and due, oldest first.
        manager
            .create_index(index(
                "idx_notifications_due",
                Notifications::Table,
                &["state", "next_attempt_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_notifications_inbox",
                Notifications::Table,
                &["recipient_user_id", "channel", "sent_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_notifications_subject",
                Notifications::Table,
                &["subject_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notifications::Table.into_iden(),
            ReceptionVisitors::Table.into_iden(),
            ReceptionRecordItems::Table.into_iden(),
            ReceptionRecords::Table.into_iden(),
            Appointments::Table.into_iden(),
            ReceptionDuties::Table.into_iden(),
            Receptions::Table.into_iden(),
            ReceptionRules::Table.into_iden(),
            HolidayDays::Table.into_iden(),
            HolidayYears::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
