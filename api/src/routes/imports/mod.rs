//! Bulk import of stations and deputies from the spreadsheets districts keep (CSV, UTF-8).
//! All or nothing: the whole file is checked and written in one transaction, and one bad row
//! writes nothing.

pub mod cells;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod outcomes;
pub mod service;
pub mod table;
