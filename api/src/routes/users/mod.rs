//! Staff accounts (`/api/v1/users`): administrators create, list, read and update them, and reset
//! passwords, within their region scope.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
