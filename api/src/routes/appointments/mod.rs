//! Bookings of reception sessions (预约登记): voters book a published future session, see and
//! cancel their bookings; staff list a session's bookings with phones masked.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
