//! Types that are valid by construction: once you hold one, it has been checked.

pub mod name;
pub mod username;

pub use name::DisplayName;
pub use username::Username;
