//! Types that are valid by construction: once you hold one, it has been checked.

pub mod access_code;
pub mod calendar;
pub mod geo;
pub mod local_time;
pub mod name;
pub mod opening_hours;
pub mod phone;
pub mod public_code;
pub mod reception_plan;
pub mod redact;
pub mod roster;
pub mod similarity;
pub mod suggestion_flow;
pub mod username;
pub mod web_url;

pub use geo::Coordinates;
pub use name::DisplayName;
pub use phone::Phone;
pub use username::Username;
