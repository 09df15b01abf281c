//! Voters: WeChat sign-in, phone binding, and their rights over their personal data (erasure,
//! access).

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
