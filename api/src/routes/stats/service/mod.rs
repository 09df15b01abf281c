//! The statistics' work: the period and reach of a report, the aggregate queries behind the
//! figures, the attendance report and the rows of the reports other features reuse (exports,
//! performance).

pub mod attendance;
pub mod figures;
pub mod period;
pub mod reach;
pub mod report;
