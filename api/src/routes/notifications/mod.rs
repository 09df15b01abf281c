//! Reading notifications: a user's inbox (`/api/v1/me/notifications`), and the outbox as a
//! whole for global administrators (`/api/v1/notifications`), where queued SMS wait while no
//! gateway is configured.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
