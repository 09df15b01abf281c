//! sea-orm entities of lianluo: one module per table, plus a prelude.
//!
//! Entities describe rows only. They never go on the wire (every response has its own DTO in
//! `api`) and hold no business logic; the rules live in `api::domain` and the services.

pub mod api_client;
pub mod appointment;
pub mod attachment;
pub mod audit_event;
pub mod auth_session;
pub mod category;
pub mod change;
pub mod checklist_item;
pub mod deputy;
pub mod deputy_station;
pub mod holiday_day;
pub mod holiday_year;
pub mod idempotency_key;
pub mod notification;
pub mod points_rule;
pub mod prelude;
pub mod reception;
pub mod reception_duty;
pub mod reception_record;
pub mod reception_record_item;
pub mod reception_rule;
pub mod reception_visitor;
pub mod refresh_token;
pub mod region;
pub mod region_closure;
pub mod station;
pub mod station_checklist;
pub mod station_staff;
pub mod submission;
pub mod submission_event;
pub mod suggestion;
pub mod suggestion_author;
pub mod suggestion_deadline_notice;
pub mod suggestion_event;
pub mod suggestion_source;
pub mod suggestion_unit;
pub mod unit;
pub mod unit_member;
pub mod user;
pub mod voter_account;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;
