//! Authentication and authorisation, used by every feature:
//! passwords ([`password`]), access tokens ([`jwt`]), refresh tokens ([`refresh`]), the
//! extractors that turn a bearer token into a caller ([`extract`]), region scopes ([`scope`]) and
//! login throttling ([`throttle`]), and machine clients' scopes and secrets ([`client`]).

pub mod client;
pub mod extract;
pub mod jwt;
pub mod password;
pub mod refresh;
pub mod scope;
pub mod secret;
pub mod session;
pub mod throttle;

pub use entity::user::Role;
pub use extract::{AdminUser, AuthUser};
pub use scope::RegionScope;
