//! Handling units (承办单位) and the `unit_handler` accounts that act for them.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
