//! Deputies' duty records (履职档案) and performance points (履职积分): what a deputy did in a
//! year, counted from receptions, submissions and suggestions; the per-district weights that
//! turn those counts into points; and the ranking of a region's deputies.

pub mod dto;
pub mod examples;
pub mod handlers;
pub mod ranking;
pub mod record;
pub mod rules;
pub mod service;
