//! The change feed: every create, update and delete of submissions, suggestions, stations,
//! deputies and receptions, in one order that a follower can page through without ever skipping
//! or repeating a change.
//!
//! Triggers write a `changes` row in the writing transaction (migration 000011). Such rows cannot
//! be numbered when written: on PostgreSQL, transactions commit in another order than they
//! write, so a reader paging by a number given at write time could pass a number whose row is
//! not committed yet and never see it. The [`sequencer`] therefore numbers rows afterwards, and
//! only rows whose transaction is known to have finished (its id is below the oldest running
//! transaction's); the numbers it commits are dense and final, and [`feed`] pages by them.

pub mod feed;
pub mod sequencer;
