//! `GET /api/v1/changes`: the change feed for district platforms and other integrations.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
