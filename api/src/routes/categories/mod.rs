//! The category taxonomy of submissions: defaults for everyone, plus each district's own.

pub mod examples;
pub mod handlers;
