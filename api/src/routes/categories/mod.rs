//! The category taxonomy of submissions: defaults for everyone, plus each district's own.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
