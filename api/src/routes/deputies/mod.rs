//! Deputies (`/api/v1/deputies`): the public directory of people's deputies, their
//! administration, and where they are stationed.

pub mod checks;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
