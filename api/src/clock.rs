//! The current time, as the service stores it: UTC, to the microsecond (what PostgreSQL keeps),
//! so that a value read back from the database equals the one written and ETags stay stable.

use chrono::{DateTime, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
