//! Photos for submissions: uploaded first (`POST /api/v1/attachments`), then attached by id
//! when the submission is created.

pub mod examples;
pub mod handlers;
pub mod service;
