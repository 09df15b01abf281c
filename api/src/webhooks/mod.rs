//! Webhooks: pushing the change feed to machine clients.
//!
//! A subscription (`webhooks` row, managed through `/api/v1/webhooks`) names a target URL and
//! event types. The worker ([`worker`]) runs two steps on a timer:
//! - [`fanout`] reads the sequenced change feed after each active subscription's cursor (within
//!   its client's region and scopes) and writes one delivery per matching event, with the body
//!   it will send, advancing the cursor in the same transaction. Deliveries therefore come from
//!   the same outbox as `GET /changes`, and nothing is lost across restarts.
//! - [`delivery`] POSTs due deliveries, signed ([`signature`]), to targets checked against SSRF
//!   ([`target`]) at every attempt, one delivery at a time per object so that a receiver sees
//!   each object's events in order; failures are retried with backoff and jitter until the
//!   retry window closes, and a subscription failing for the whole window is paused.

pub mod delivery;
pub mod events;
pub mod fanout;
pub mod signature;
pub mod target;
pub mod worker;
