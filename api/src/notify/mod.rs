//! Notifications: an outbox table and a sender that delivers it.
//!
//! Whatever wants to tell someone something writes [`outbox::Message`]s in its own transaction,
//! so a message exists exactly when the change that caused it committed. The [`sender`] runs
//! inside the service, delivers what is due (an SMS through the configured [`sms`] gateway, or
//! a line in the recipient's inbox), retries with backoff, and records the outcome. The
//! reminders of reception days are computed in [`reminders`].

pub mod outbox;
pub mod reminders;
pub mod sender;
pub mod sms;
