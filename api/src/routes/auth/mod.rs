//! Staff sign-in (`/api/v1/auth/*`) and the caller's own account (`/api/v1/me`).

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
