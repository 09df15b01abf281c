//! A unit's cases in the order its lists page them.
//!
//! Case lists are newest first by `(updated_at, id)` of the case, and every list filter is an
//! index ending in those columns (migration 000012), except a unit's: its cases are the rows of
//! `suggestion_units`, which did not know when a case last changed. So the `unit_id` filter read
//! every case the unit co-handles and sorted them, and a unit handler's own inbox read and sorted
//! every case of the unit (about 10,000 at 100,000 cases in the cases benchmark).
//!
//! `suggestion_units.case_updated_at` is a copy of the case's `updated_at`, and
//! `idx_suggestion_units_unit` becomes `(unit_id, case_updated_at, suggestion_id)`: a page of a
//! unit's cases is then an ordered walk of that index joined to the cases, which stops at the
//! limit. The copy is kept by triggers, so no code path that touches a case can forget it:
//!
//! - a row inserted into `suggestion_units` takes the case's current `updated_at`;
//! - a change of a case's `updated_at` is copied to all of its unit rows.
//!
//! The service never writes the column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SuggestionUnits {
    Table,
    UnitId,
    Lead,
    SuggestionId,
    CaseUpdatedAt,
}

const INDEX: &str = "idx_suggestion_units_unit";

const POSTGRES_UP: [&str; 4] = [
    r#"CREATE FUNCTION lianluo_unit_row_case_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.case_updated_at := (SELECT updated_at FROM suggestions WHERE id = NEW.suggestion_id);
  RETURN NEW;
END
$$"#,
    "CREATE TRIGGER suggestion_units_case_order BEFORE INSERT OR UPDATE OF suggestion_id \
     ON suggestion_units FOR EACH ROW EXECUTE FUNCTION lianluo_unit_row_case_order()",
    r#"CREATE FUNCTION lianluo_case_order_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
    UPDATE suggestion_units SET case_updated_at = NEW.updated_at WHERE suggestion_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$"#,
    "CREATE TRIGGER suggestions_case_order AFTER UPDATE OF updated_at ON suggestions \
     FOR EACH ROW EXECUTE FUNCTION lianluo_case_order_follow()",
];

const POSTGRES_DOWN: [&str; 4] = [
    "DROP TRIGGER IF EXISTS suggestions_case_order ON suggestions",
    "DROP FUNCTION IF EXISTS lianluo_case_order_follow()",
    "DROP TRIGGER IF EXISTS suggestion_units_case_order ON suggestion_units",
    "DROP FUNCTION IF EXISTS lianluo_unit_row_case_order()",
];

const SQLITE_UP: [&str; 2] = [
    "CREATE TRIGGER suggestion_units_case_order AFTER INSERT ON suggestion_units BEGIN \
       UPDATE suggestion_units \
       SET case_updated_at = (SELECT updated_at FROM suggestions WHERE id = NEW.suggestion_id) \
       WHERE suggestion_id = NEW.suggestion_id AND unit_id = NEW.unit_id; \
     END",
    "CREATE TRIGGER suggestions_case_order AFTER UPDATE OF updated_at ON suggestions \
     WHEN NEW.updated_at IS NOT OLD.updated_at BEGIN \
       UPDATE suggestion_units SET case_updated_at = NEW.updated_at \
       WHERE suggestion_id = NEW.id; \
     END",
];

const SQLITE_DOWN: [&str; 2] = [
    "DROP TRIGGER IF EXISTS suggestions_case_order",
    "DROP TRIGGER IF EXISTS suggestion_units_case_order",
];

async fn replace_index(
    manager: &SchemaManager<'_>,
    columns: &[SuggestionUnits],
) -> Result<(), DbErr> {
    manager
        .drop_index(
            Index::drop()
                .name(INDEX)
                .table(SuggestionUnits::Table)
                .to_owned(),
        )
        .await?;
    let mut index = Index::create()
        .name(INDEX)
        .table(SuggestionUnits::Table)
        .to_owned();
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SuggestionUnits::Table)
                    .add_column(
                        ColumnDef::new(SuggestionUnits::CaseUpdatedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE suggestion_units SET case_updated_at = \
               (SELECT updated_at FROM suggestions WHERE id = suggestion_units.suggestion_id)",
        )
        .await?;
        let triggers: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &POSTGRES_UP,
            _ => &SQLITE_UP,
        };
        for statement in triggers {
            db.execute_unprepared(statement).await?;
        }
        replace_index(
            manager,
            &[
                SuggestionUnits::UnitId,
                SuggestionUnits::CaseUpdatedAt,
                SuggestionUnits::SuggestionId,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let triggers: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &POSTGRES_DOWN,
            _ => &SQLITE_DOWN,
        };
        let db = manager.get_connection();
        for statement in triggers {
            db.execute_unprepared(statement).await?;
        }
        // The index of migration 000012 (SQLite drops no column an index uses).
        replace_index(
            manager,
            &[
                SuggestionUnits::UnitId,
                SuggestionUnits::Lead,
                SuggestionUnits::SuggestionId,
            ],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SuggestionUnits::Table)
                    .drop_column(SuggestionUnits::CaseUpdatedAt)
                    .to_owned(),
            )
            .await
    }
}
