//! Public disclosure (公示反馈): closed cases whose voters all agreed, anonymised.

pub mod examples;
pub mod handlers;
pub mod service;
