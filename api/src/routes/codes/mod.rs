//! Public codes: QR codes of stations and deputies, and resolving a scanned code (码上找代表).

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
