//! lianluo: the JSON REST API of the deputy liaison stations (人大代表联络站).
//!
//! The service is a library with a thin binary: `startup` builds it, `routes` holds one folder
//! per feature, `http` and `auth` the cross-cutting building blocks, `domain` the types that are
//! valid by construction, `jobs` the background work, `notify` the outbox of notifications and
//! its sender.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod media;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod qr;
pub mod routes;
pub mod startup;
pub mod state;
pub mod statement_count;
pub mod telemetry;
pub mod webhooks;
pub mod wechat;
