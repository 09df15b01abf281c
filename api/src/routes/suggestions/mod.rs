//! Suggestions: station cases and deputy suggestions through the closed loop (creation, the
//! transitions of `domain::suggestion_flow`, the event log and a cheap status for pollers).

pub mod access;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
