//! `/api/v1/webhooks` (machine clients with `manage:webhooks`): subscriptions to the change
//! feed, pushed as signed POSTs, with every delivery and attempt visible and redeliverable.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
