//! Black-box tests of the running service: one binary, one module per area.

mod attachments;
mod auth;
mod bookings;
mod codes;
mod deputies;
mod errors;
mod health;
mod idempotency;
mod imports;
mod integrations;
mod jwt;
mod pagination;
mod performance;
mod privacy;
mod receptions;
mod regions;
mod reminders;
mod sqlite;
mod stations;
mod stats;
mod submissions;
mod suggestions;
mod units;
mod users;
mod webhooks;
mod wechat;
