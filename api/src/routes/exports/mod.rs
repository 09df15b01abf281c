//! `GET /api/v1/exports/{kind}.csv` and `.xlsx`: the rows behind the figures, for the
//! spreadsheets stations keep and the year-end reports they write.
//!
//! Each export is a [`table::Table`]: named columns and pages of rows. Submissions and cases
//! are read in keyset pages and written out page by page, so a million rows never sit in
//! memory; the other kinds (attendance, performance, the overview) are one row per deputy or per
//! figure and come as one page. CSV goes out as it is written; a workbook is written to a
//! temporary file (in the writer's constant-memory mode) and then sent.

pub mod csv_body;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
pub mod xlsx_body;
