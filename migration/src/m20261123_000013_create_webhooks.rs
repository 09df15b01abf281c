//! Webhooks: machine clients' subscriptions to the change feed, the deliveries made from it and
//! every attempt at each.
//!
//! - `webhooks`: the target URL, the event types, the signing secret (kept as given: the service
//!   must sign with it, so it cannot be hashed), whether it is active or paused, and `cursor`,
//!   the feed position up to which its deliveries have been written.
//! - `webhook_deliveries`: one row per (webhook, feed position), unique, holding the exact body
//!   that is signed and sent, so that retries and redeliveries send the same bytes. `status` is
//!   `pending`, `delivered` or `failed`; `lease_until` marks a delivery being sent right now.
//! - `webhook_attempts`: one row per HTTP attempt, with its outcome.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    ClientId,
    Url,
    EventTypes,
    Description,
    Secret,
    Status,
    Cursor,
    FailingSince,
    PausedAt,
    PauseReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    Position,
    EventType,
    ObjectId,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    RetryUntil,
    LeaseUntil,
    LastStatusCode,
    LastError,
    CreatedAt,
    DeliveredAt,
    FailedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    Error,
    DurationMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(uuid(Webhooks::Id).primary_key())
                    .col(uuid(Webhooks::ClientId))
                    .col(string_len(Webhooks::Url, 2048))
                    .col(string_len(Webhooks::EventTypes, 1000))
                    .col(string_len_null(Webhooks::Description, 200))
                    .col(string_len(Webhooks::Secret, 100))
                    .col(string_len(Webhooks::Status, 16))
                    .col(big_integer(Webhooks::Cursor).default(0))
                    .col(timestamp_with_time_zone_null(Webhooks::FailingSince))
                    .col(timestamp_with_time_zone_null(Webhooks::PausedAt))
                    .col(string_len_null(Webhooks::PauseReason, 32))
                    .col(integer(Webhooks::Version).default(1))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhooks_client")
                            .from(Webhooks::Table, Webhooks::ClientId)
                            .to(ApiClients::Table, ApiClients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhooks_client")
                    .table(Webhooks::Table)
                    .col(Webhooks::ClientId)
                    .col(Webhooks::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(uuid(WebhookDeliveries::Id).primary_key())
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(big_integer(WebhookDeliveries::Position))
                    .col(string_len(WebhookDeliveries::EventType, 40))
                    .col(uuid(WebhookDeliveries::ObjectId))
                    .col(text(WebhookDeliveries::Body))
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::RetryUntil))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::LeaseUntil))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(string_len_null(WebhookDeliveries::LastError, 500))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::FailedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_webhook")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, unique, columns) in [
            (
                "idx_webhook_deliveries_position",
                true,
                &[WebhookDeliveries::WebhookId, WebhookDeliveries::Position][..],
            ),
            // The worker's look-up of due deliveries.
            (
                "idx_webhook_deliveries_due",
                false,
                &[WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt][..],
            ),
            // "Is an earlier delivery of this object still pending?" (order per object).
            (
                "idx_webhook_deliveries_object",
                false,
                &[
                    WebhookDeliveries::WebhookId,
                    WebhookDeliveries::ObjectId,
                    WebhookDeliveries::Position,
                ][..],
            ),
        ] {
            let mut index = Index::create()
                .name(name)
                .table(WebhookDeliveries::Table)
                .to_owned();
            for column in columns {
                index.col(*column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(
                        big_integer(WebhookAttempts::Id)
                            .primary_key()
                            .auto_increment(),
                    )
                    .col(uuid(WebhookAttempts::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(string_len_null(WebhookAttempts::Error, 500))
                    .col(integer(WebhookAttempts::DurationMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_delivery")
                            .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                            .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
