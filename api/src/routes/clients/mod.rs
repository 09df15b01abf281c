//! Machine clients of the API (`/api/v1/clients`, administrators): district platforms and the
//! 12345 hotline, with their region, scopes and secrets.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
