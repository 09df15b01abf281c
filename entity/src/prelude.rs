//! Re-exports of every entity under a short name, for `use entity::prelude::*`.

pub use crate::appointment::Entity as Appointment;
pub use crate::audit_event::Entity as AuditEvent;
pub use crate::auth_session::Entity as AuthSession;
pub use crate::checklist_item::Entity as ChecklistItem;
pub use crate::deputy::Entity as Deputy;
pub use crate::deputy_station::Entity as DeputyStation;
pub use crate::holiday_day::Entity as HolidayDay;
pub use crate::holiday_year::Entity as HolidayYear;
pub use crate::idempotency_key::Entity as IdempotencyKey;
pub use crate::notification::Entity as Notification;
pub use crate::reception::Entity as Reception;
pub use crate::reception_duty::Entity as ReceptionDuty;
pub use crate::reception_record::Entity as ReceptionRecord;
pub use crate::reception_record_item::Entity as ReceptionRecordItem;
pub use crate::reception_rule::Entity as ReceptionRule;
pub use crate::reception_visitor::Entity as ReceptionVisitor;
pub use crate::refresh_token::Entity as RefreshToken;
pub use crate::region::Entity as Region;
pub use crate::region_closure::Entity as RegionClosure;
pub use crate::station::Entity as Station;
pub use crate::station_checklist::Entity as StationChecklist;
pub use crate::station_staff::Entity as StationStaff;
pub use crate::user::Entity as User;
