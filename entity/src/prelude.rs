//! Re-exports of every entity under a short name, for `use entity::prelude::*`.

pub use crate::audit_event::Entity as AuditEvent;
pub use crate::auth_session::Entity as AuthSession;
pub use crate::checklist_item::Entity as ChecklistItem;
pub use crate::deputy::Entity as Deputy;
pub use crate::deputy_station::Entity as DeputyStation;
pub use crate::idempotency_key::Entity as IdempotencyKey;
pub use crate::refresh_token::Entity as RefreshToken;
pub use crate::region::Entity as Region;
pub use crate::region_closure::Entity as RegionClosure;
pub use crate::station::Entity as Station;
pub use crate::station_checklist::Entity as StationChecklist;
pub use crate::station_staff::Entity as StationStaff;
pub use crate::user::Entity as User;
