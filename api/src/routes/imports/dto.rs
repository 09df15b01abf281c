//! Wire types of the CSV imports.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check the file and report what would happen, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What happened, or would happen, to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    /// The row matched a record that already says the same.
    Unchanged,
}

/// One row's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowResultDto {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub outcome: RowOutcome,
    /// The record's id; `null` for a row a dry run would create.
    pub id: Option<Uuid>,
    /// The record's public code; `null` for a row a dry run would create.
    pub public_code: Option<String>,
    pub name: String,
}

/// The result of an import that had no errors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReportDto {
    /// `true` when nothing was written.
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Every row, in file order.
    pub rows: Vec<RowResultDto>,
}

impl ImportReportDto {
    pub fn new(dry_run: bool, rows: Vec<RowResultDto>) -> Self {
        let count = |o: RowOutcome| rows.iter().filter(|r| r.outcome == o).count();
        ImportReportDto {
            dry_run,
            created: count(RowOutcome::Created),
            updated: count(RowOutcome::Updated),
            unchanged: count(RowOutcome::Unchanged),
            rows,
        }
    }
}
