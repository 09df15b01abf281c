//! Submissions (选民意见建议): what voters raise through any channel, with tracking numbers,
//! access codes for those without an account, photos, the inbox, triage and feedback.

pub mod access;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
