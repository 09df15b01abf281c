//! Reception days (接待日, 逢6进站): a station's reception rule and the sessions it generates,
//! rosters of deputies on duty (by hand or rotated fairly), publication at least three days
//! ahead (提前三天公示), sign-in (签到) and attendance, and the record of each reception.
//!
//! `access` decides who manages a session; `planning` holds the rule, generation and the
//! automatic roster; `service` everything else about sessions; `records` the reception records.

pub mod access;
pub mod checks;
pub mod dto;
pub mod examples;
pub mod handlers;
pub mod planning;
pub mod records;
pub mod service;
