//! Voter intake: voters' WeChat identities, the category taxonomy, submissions from every channel
//! with their tracking numbers, timelines and feedback, and uploaded photos.

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
enum ReceptionRecordItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VoterAccounts {
    Table,
    UserId,
    Openid,
    Unionid,
    Phone,
    PhoneVerifiedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TrackingCounters {
    Table,
    Year,
    LastValue,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Code,
    RegionId,
    Name,
    NameEn,
    Position,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Submissions {
    Table,
    Id,
    TrackingNo,
    Channel,
    Status,
    Title,
    Content,
    CategoryId,
    RegionId,
    StationId,
    DeputyId,
    VoterId,
    EnteredBy,
    QrCode,
    ReceptionRecordItemId,
    Address,
    Latitude,
    Longitude,
    ContactName,
    ContactPhone,
    Anonymous,
    ConsentPersonalInfo,
    ConsentPublic,
    AccessNonce,
    AccessCodeHash,
    ResultNote,
    ReferredTo,
    ResolvedAt,
    ClosedAt,
    FeedbackRating,
    FeedbackComment,
    FeedbackAt,
    ErasedAt,
    IdemKey,
    IdemHash,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SubmissionEvents {
    Table,
    Id,
    SubmissionId,
    At,
    Kind,
    Status,
    PublicNote,
    ActorId,
    Details,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    BlobHash,
    Mime,
    Width,
    Height,
    SizeBytes,
    UploaderId,
    SubmissionId,
    Position,
    CreatedAt,
}

/// The default categories (`code`, 中文, English), in display order. Districts add their own.
pub const DEFAULT_CATEGORIES: [(&str, &str, &str); 9] = [
    ("urban_management", "城市管理", "Urban management"),
    ("roads_transport", "道路交通", "Roads and transport"),
    ("education", "教育", "Education"),
    ("healthcare", "医疗卫生", "Healthcare"),
    ("environment", "生态环境", "Environment"),
    ("social_security", "社会保障", "Social security"),
    ("public_safety", "公共安全", "Public safety"),
    ("economy_enterprise", "经济与企业", "Economy and enterprise"),
    ("other", "其他", "Other"),
];

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
                    .table(VoterAccounts::Table)
                    .col(uuid(VoterAccounts::UserId).primary_key())
                    .col(string_len_uniq(VoterAccounts::Openid, 128))
                    .col(string_len_null(VoterAccounts::Unionid, 128))
                    .col(string_len_null(VoterAccounts::Phone, 32))
                    .col(timestamp_with_time_zone_null(
                        VoterAccounts::PhoneVerifiedAt,
                    ))
                    .col(timestamp_with_time_zone(VoterAccounts::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_voter_accounts_user",
                        (VoterAccounts::Table, VoterAccounts::UserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrackingCounters::Table)
                    .col(integer(TrackingCounters::Year).primary_key())
                    .col(big_integer(TrackingCounters::LastValue))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(uuid(Categories::Id).primary_key())
                    .col(string_len_uniq(Categories::Code, 40))
                    .col(uuid_null(Categories::RegionId))
                    .col(string_len(Categories::Name, 50))
                    .col(string_len_null(Categories::NameEn, 80))
                    .col(integer(Categories::Position))
                    .col(boolean(Categories::Active).default(true))
                    .col(timestamp_with_time_zone(Categories::CreatedAt))
                    .col(timestamp_with_time_zone(Categories::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_categories_region",
                        (Categories::Table, Categories::RegionId),
                        (Regions::Table, Regions::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        let now = chrono::Utc::now();
        for (position, (code, name, name_en)) in DEFAULT_CATEGORIES.iter().enumerate() {
            let insert = Query::insert()
                .into_table(Categories::Table)
                .columns([
                    Categories::Id,
                    Categories::Code,
                    Categories::RegionId,
                    Categories::Name,
                    Categories::NameEn,
                    Categories::Position,
                    Categories::Active,
                    Categories::CreatedAt,
                    Categories::UpdatedAt,
                ])
                .values_panic([
                    uuid::Uuid::now_v7().into(),
                    (*code).into(),
                    Option::<uuid::Uuid>::None.into(),
                    (*name).into(),
                    (*name_en).into(),
                    <i32 as TryFrom<usize>>::try_from(position)
                        .unwrap_or(i32::MAX)
                        .into(),
                    true.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            manager.get_connection().execute(&insert).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Submissions::Table)
                    .col(uuid(Submissions::Id).primary_key())
                    .col(string_len_uniq(Submissions::TrackingNo, 16))
                    .col(string_len(Submissions::Channel, 16))
                    .col(string_len(Submissions::Status, 16))
                    .col(string_len(Submissions::Title, 60))
                    .col(text(Submissions::Content))
                    .col(uuid(Submissions::CategoryId))
                    .col(uuid_null(Submissions::RegionId))
                    .col(uuid_null(Submissions::StationId))
                    .col(uuid_null(Submissions::DeputyId))
                    .col(uuid_null(Submissions::VoterId))
                    .col(uuid_null(Submissions::EnteredBy))
                    .col(string_len_null(Submissions::QrCode, 16))
                    .col(uuid_null(Submissions::ReceptionRecordItemId))
                    .col(string_len_null(Submissions::Address, 200))
                    .col(double_null(Submissions::Latitude))
                    .col(double_null(Submissions::Longitude))
                    .col(string_len_null(Submissions::ContactName, 50))
                    .col(string_len_null(Submissions::ContactPhone, 32))
                    .col(boolean(Submissions::Anonymous))
                    .col(boolean(Submissions::ConsentPersonalInfo))
                    .col(boolean(Submissions::ConsentPublic))
                    .col(string_len_null(Submissions::AccessNonce, 64))
                    .col(string_len_null(Submissions::AccessCodeHash, 64))
                    .col(text_null(Submissions::ResultNote))
                    .col(string_len_null(Submissions::ReferredTo, 200))
                    .col(timestamp_with_time_zone_null(Submissions::ResolvedAt))
                    .col(timestamp_with_time_zone_null(Submissions::ClosedAt))
                    .col(string_len_null(Submissions::FeedbackRating, 24))
                    .col(string_len_null(Submissions::FeedbackComment, 500))
                    .col(timestamp_with_time_zone_null(Submissions::FeedbackAt))
                    .col(timestamp_with_time_zone_null(Submissions::ErasedAt))
                    .col(string_len_null(Submissions::IdemKey, 400))
                    .col(string_len_null(Submissions::IdemHash, 64))
                    .col(integer(Submissions::Version).default(1))
                    .col(timestamp_with_time_zone(Submissions::CreatedAt))
                    .col(timestamp_with_time_zone(Submissions::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_submissions_category",
                        (Submissions::Table, Submissions::CategoryId),
                        (Categories::Table, Categories::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_submissions_region",
                        (Submissions::Table, Submissions::RegionId),
                        (Regions::Table, Regions::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_submissions_station",
                        (Submissions::Table, Submissions::StationId),
                        (Stations::Table, Stations::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_submissions_deputy",
                        (Submissions::Table, Submissions::DeputyId),
                        (Deputies::Table, Deputies::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_submissions_voter",
                        (Submissions::Table, Submissions::VoterId),
                        (Users::Table, Users::Id),
                        SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_submissions_record_item",
                        (Submissions::Table, Submissions::ReceptionRecordItemId),
                        (ReceptionRecordItems::Table, ReceptionRecordItems::Id),
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // A retried create finds its first attempt here (the key is prefixed by its caller).
        manager
            .create_index(
                index(
                    "idx_submissions_idem_key",
                    Submissions::Table,
                    &["idem_key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_submissions_created", &["created_at", "id"][..]),
            ("idx_submissions_region", &["region_id", "created_at"][..]),
            ("idx_submissions_station", &["station_id", "created_at"][..]),
            ("idx_submissions_voter", &["voter_id", "created_at"][..]),
            ("idx_submissions_status", &["status", "created_at"][..]),
        ] {
            manager
                .create_index(index(name, Submissions::Table, columns))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SubmissionEvents::Table)
                    .col(uuid(SubmissionEvents::Id).primary_key())
                    .col(uuid(SubmissionEvents::SubmissionId))
                    .col(timestamp_with_time_zone(SubmissionEvents::At))
                    .col(string_len(SubmissionEvents::Kind, 24))
                    .col(string_len(SubmissionEvents::Status, 16))
                    .col(text_null(SubmissionEvents::PublicNote))
                    .col(uuid_null(SubmissionEvents::ActorId))
                    .col(json(SubmissionEvents::Details))
                    .foreign_key(&mut fk(
                        "fk_submission_events_submission",
                        (SubmissionEvents::Table, SubmissionEvents::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_submission_events_submission",
                SubmissionEvents::Table,
                &["submission_id", "at"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(uuid(Attachments::Id).primary_key())
                    .col(string_len(Attachments::BlobHash, 64))
                    .col(string_len(Attachments::Mime, 32))
                    .col(integer(Attachments::Width))
                    .col(integer(Attachments::Height))
                    .col(integer(Attachments::SizeBytes))
                    .col(uuid_null(Attachments::UploaderId))
                    .col(uuid_null(Attachments::SubmissionId))
                    .col(small_integer_null(Attachments::Position))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_attachments_uploader",
                        (Attachments::Table, Attachments::UploaderId),
                        (Users::Table, Users::Id),
                        SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_attachments_submission",
                        (Attachments::Table, Attachments::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_attachments_submission",
                &["submission_id", "position"][..],
            ),
            ("idx_attachments_created", &["created_at"][..]),
            ("idx_attachments_blob", &["blob_hash"][..]),
        ] {
            manager
                .create_index(index(name, Attachments::Table, columns))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Attachments::Table.into_iden(),
            SubmissionEvents::Table.into_iden(),
            Submissions::Table.into_iden(),
            Categories::Table.into_iden(),
            TrackingCounters::Table.into_iden(),
            VoterAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
