//! The working-day calendar (`/api/v1/holidays/{year}`): each year's public holidays and make-up
//! working days (调休), loaded by a global administrator; read by anyone.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod service;
