//! Statistics computed from the data. For now the year-end attendance report of reception days
//! (定期通报): every deputy's duties, attendance and rate, beside the others', and each station's
//! totals.

pub mod dto;
pub mod handlers;
pub mod service;
