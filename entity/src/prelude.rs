//! Re-exports of every entity under a short name, for `use entity::prelude::*`.

pub use crate::audit_event::Entity as AuditEvent;
pub use crate::auth_session::Entity as AuthSession;
pub use crate::idempotency_key::Entity as IdempotencyKey;
pub use crate::refresh_token::Entity as RefreshToken;
pub use crate::region::Entity as Region;
pub use crate::region_closure::Entity as RegionClosure;
pub use crate::user::Entity as User;
