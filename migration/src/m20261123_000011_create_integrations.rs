//! Integrations: machine clients (district platforms, the 12345 hotline), the change feed they
//! follow, and the external reference of tickets they send in.
//!
//! The change feed is written by triggers, so that no code path (an ActiveModel save, a
//! versioned `update_many`, a delete) can change a tracked object without a change row in the
//! same transaction. Rows are born without a `position`; the sequencer (`api::changes::sequence`)
//! gives positions later, only to rows whose transaction has finished, so a reader following
//! positions never skips a row that commits late (see that module).

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    Name,
    RegionId,
    Scopes,
    SecretHash,
    PreviousSecretHash,
    PreviousValidUntil,
    Disabled,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Seq,
    Position,
    Tx,
    ObjectType,
    ObjectId,
    Version,
    Op,
    RegionId,
    At,
}

#[derive(DeriveIden)]
enum ChangeSequencer {
    Table,
    Id,
    Position,
}

#[derive(DeriveIden)]
enum Submissions {
    Table,
    ExternalClientId,
    ExternalId,
}

/// The tracked tables: (table, object type, version column or none, how the region is found).
const TRACKED: [(&str, &str, bool, Region); 5] = [
    ("submissions", "submission", true, Region::Own),
    ("suggestions", "suggestion", true, Region::Own),
    ("stations", "station", false, Region::Own),
    ("deputies", "deputy", false, Region::Own),
    ("receptions", "reception", false, Region::OfStation),
];

#[derive(Clone, Copy)]
enum Region {
    Own,
    OfStation,
}

fn sqlite_triggers() -> Vec<String> {
    let mut out = Vec::new();
    for (table, kind, versioned, region) in TRACKED {
        for (event, op, row) in [
            ("INSERT", "created", "NEW"),
            ("UPDATE", "updated", "NEW"),
            ("DELETE", "deleted", "OLD"),
        ] {
            let version = if versioned {
                format!("{row}.version")
            } else {
                "NULL".to_owned()
            };
            let region = match region {
                Region::Own => format!("{row}.region_id"),
                Region::OfStation => {
                    format!("(SELECT region_id FROM stations WHERE id = {row}.station_id)")
                }
            };
            out.push(format!(
                "CREATE TRIGGER changes_{table}_{op} AFTER {event} ON {table} BEGIN \
                 INSERT INTO changes (object_type, object_id, version, op, region_id, at) \
                 VALUES ('{kind}', {row}.id, {version}, '{op}', {region}, \
                 strftime('%Y-%m-%dT%H:%M:%fZ', 'now')); END"
            ));
        }
    }
    out
}

fn postgres_triggers() -> Vec<String> {
    let mut out = vec![
        r#"CREATE FUNCTION lianluo_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    region uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
    IF TG_ARGV[1] = 'of_station' THEN
        SELECT region_id INTO region FROM stations WHERE id = (r->>'station_id')::uuid;
    ELSE
        region := (r->>'region_id')::uuid;
    END IF;
    INSERT INTO changes (object_type, object_id, version, op, region_id, at, tx)
    VALUES (TG_ARGV[0], (r->>'id')::uuid, (r->>'version')::int,
            CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
            region, clock_timestamp(), pg_current_xact_id()::text::bigint);
    RETURN NULL;
END $$"#
            .to_owned(),
    ];
    for (table, kind, _, region) in TRACKED {
        let region = match region {
            Region::Own => "own",
            Region::OfStation => "of_station",
        };
        out.push(format!(
            "CREATE TRIGGER changes_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION lianluo_record_change('{kind}', '{region}')"
        ));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiClients::Table)
                    .col(uuid(ApiClients::Id).primary_key())
                    .col(string_len(ApiClients::Name, 100))
                    .col(uuid(ApiClients::RegionId))
                    // Space-separated, as OAuth 2.0 writes scopes.
                    .col(string_len(ApiClients::Scopes, 500))
                    .col(string_len(ApiClients::SecretHash, 64))
                    .col(string_len_null(ApiClients::PreviousSecretHash, 64))
                    .col(timestamp_with_time_zone_null(
                        ApiClients::PreviousValidUntil,
                    ))
                    .col(boolean(ApiClients::Disabled).default(false))
                    .col(uuid_null(ApiClients::CreatedBy))
                    .col(integer(ApiClients::Version).default(1))
                    .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                    .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_clients_region")
                            .from(ApiClients::Table, ApiClients::RegionId)
                            .to(Regions::Table, Regions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .col(big_integer(Changes::Seq).primary_key().auto_increment())
                    .col(big_integer_null(Changes::Position))
                    // PostgreSQL's transaction id of the writer; empty on SQLite, whose single
                    // writer commits in the order it writes.
                    .col(big_integer_null(Changes::Tx))
                    .col(string_len(Changes::ObjectType, 16))
                    .col(uuid(Changes::ObjectId))
                    .col(integer_null(Changes::Version))
                    .col(string_len(Changes::Op, 8))
                    .col(uuid_null(Changes::RegionId))
                    .col(timestamp_with_time_zone(Changes::At))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_changes_position", &["position"][..]),
            ("idx_changes_unsequenced", &["position", "tx"][..]),
            ("idx_changes_object", &["object_id", "position"][..]),
        ] {
            let mut index = Index::create().name(name).table(Changes::Table).to_owned();
            for c in columns {
                index.col(Alias::new(*c));
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ChangeSequencer::Table)
                    .col(integer(ChangeSequencer::Id).primary_key())
                    .col(big_integer(ChangeSequencer::Position).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ChangeSequencer::Table)
                    .columns([ChangeSequencer::Id, ChangeSequencer::Position])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Submissions::Table)
                    .add_column(uuid_null(Submissions::ExternalClientId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Submissions::Table)
                    .add_column(string_len_null(Submissions::ExternalId, 100))
                    .to_owned(),
            )
            .await?;
        // The same ticket twice is the same submission.
        manager
            .create_index(
                Index::create()
                    .name("idx_submissions_external")
                    .table(Submissions::Table)
                    .col(Submissions::ExternalClientId)
                    .col(Submissions::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for (table, ..) in TRACKED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS changes_{table} ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS lianluo_record_change()")
                    .await?;
            }
            _ => {
                for (table, ..) in TRACKED {
                    for op in ["created", "updated", "deleted"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS changes_{table}_{op}"
                        ))
                        .await?;
                    }
                }
            }
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_submissions_external")
                    .table(Submissions::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Submissions::ExternalId, Submissions::ExternalClientId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Submissions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            ChangeSequencer::Table.into_iden(),
            Changes::Table.into_iden(),
            ApiClients::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
