//! Collecting an import's row results and row errors, and telling a row's error (reported with
//! its line, the import goes on checking) from a failure of the service (the request fails).

use crate::error::{ApiError, FieldError};
use crate::i18n::Text;

use super::dto::RowResultDto;
use super::table::MAX_ERRORS;

#[derive(Debug, Default)]
pub struct Outcomes {
    pub rows: Vec<RowResultDto>,
    pub errors: Vec<FieldError>,
}

impl Outcomes {
    /// Notes `errors` of the row on `line`.
    pub fn fail(&mut self, line: u64, errors: Vec<FieldError>) {
        self.errors
            .extend(errors.into_iter().map(|e| e.at_line(line)));
    }

    /// Notes what a service refused for the row on `line` as that row's error; anything that
    /// is not about the row is returned for the request to fail with.
    pub fn absorb(&mut self, line: u64, error: ApiError) -> Result<(), ApiError> {
        let errors = match error {
            ApiError::Validation(errors) => errors,
            ApiError::Forbidden(message) => {
                vec![FieldError::new("region", "out_of_scope", message)]
            }
            ApiError::Rule { code, message } => vec![FieldError::new("row", code, message)],
            ApiError::NotFound => vec![FieldError::new(
                "row",
                "not_found",
                Text::fixed(
                    "此行指向的记录不存在。",
                    "What this row names does not exist.",
                ),
            )],
            other => return Err(other),
        };
        self.fail(line, errors);
        Ok(())
    }

    /// Whether enough errors are known to stop checking.
    pub fn full(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }

    /// The rows, or the errors as a 422 `import_failed`.
    pub fn finish(mut self) -> Result<Vec<RowResultDto>, ApiError> {
        if self.errors.is_empty() {
            Ok(self.rows)
        } else {
            self.errors.truncate(MAX_ERRORS);
            Err(ApiError::ImportFailed(self.errors))
        }
    }
}
