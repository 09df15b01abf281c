//! Bulk import of stations and deputies from the spreadsheets districts keep (CSV, UTF-8).
//! All or nothing: the whole file is checked and written in one transaction, and one bad row
//! writes nothing.

pub mod cells;
pub mod deputies;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod lookup;
pub mod outcomes;
pub mod stations;
pub mod table;
