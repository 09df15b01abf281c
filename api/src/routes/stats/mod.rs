//! Statistics computed live from the data, never stored: the year-end attendance report of
//! reception days (定期通报), and the figures the stations report (received, handled, reply,
//! on-time, resolution and satisfaction rates, response times, receptions) for a period, overall,
//! per station, unit or category, and as a trend.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
