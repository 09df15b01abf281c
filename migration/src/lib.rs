//! Schema migrations of lianluo, applied in order at start-up and by `lianluo migrate up`.
//!
//! Files are named `mYYYYMMDD_HHMMSS_verb_noun.rs`. A merged migration is never edited: change the
//! schema with a new one, so that every deployed database can follow.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_regions;
mod m20261123_000002_create_users_and_sessions;
mod m20261123_000003_create_idempotency_keys;
mod m20261123_000004_create_audit_events;
mod m20261123_000005_create_directory;
mod m20261123_000006_create_scheduling;
mod m20261123_000007_create_intake;
mod m20261123_000008_create_units;
mod m20261123_000009_create_suggestions;
mod m20261123_000010_index_escalations;
mod m20261123_000011_create_integrations;
mod m20261123_000012_suggestion_list_indexes;
mod m20261123_000013_create_webhooks;
mod m20261123_000014_stats_milestones;
mod m20261123_000015_unit_case_order;
mod m20261123_000016_performance_points;
mod m20261123_000017_export_order;
mod m20261124_000018_idempotency_applied;
mod m20261124_000019_partial_escalation_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_regions::Migration),
            Box::new(m20261123_000002_create_users_and_sessions::Migration),
            Box::new(m20261123_000003_create_idempotency_keys::Migration),
            Box::new(m20261123_000004_create_audit_events::Migration),
            Box::new(m20261123_000005_create_directory::Migration),
            Box::new(m20261123_000006_create_scheduling::Migration),
            Box::new(m20261123_000007_create_intake::Migration),
            Box::new(m20261123_000008_create_units::Migration),
            Box::new(m20261123_000009_create_suggestions::Migration),
            Box::new(m20261123_000010_index_escalations::Migration),
            Box::new(m20261123_000011_create_integrations::Migration),
            Box::new(m20261123_000012_suggestion_list_indexes::Migration),
            Box::new(m20261123_000013_create_webhooks::Migration),
            Box::new(m20261123_000014_stats_milestones::Migration),
            Box::new(m20261123_000015_unit_case_order::Migration),
            Box::new(m20261123_000016_performance_points::Migration),
            Box::new(m20261123_000017_export_order::Migration),
            Box::new(m20261124_000018_idempotency_applied::Migration),
            Box::new(m20261124_000019_partial_escalation_index::Migration),
        ]
    }
}

pub use m20261123_000005_create_directory::DEFAULT_CHECKLIST;
pub use m20261123_000007_create_intake::DEFAULT_CATEGORIES;
pub use sea_orm_migration::migrator::MigrationStatus;
