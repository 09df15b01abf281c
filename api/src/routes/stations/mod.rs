//! Liaison stations (`/api/v1/stations`) and the districts' checklists (九有): the first screen
//! of every front end, and what districts compare stations on.

pub mod checks;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
