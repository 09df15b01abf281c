//! Field errors: what a 422 (or a 400 for the query) lists, one entry per field that broke a
//! rule, and [`Checks`], which collects them so that the client hears of all at once.

use std::borrow::Cow;

use super::ApiError;
use crate::i18n::Text;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the request, e.g. `username` or `items[2].name`.
    pub field: String,
    /// A stable code, e.g. `required`, `length`, `range`, `unknown_field`, `invalid_type`.
    pub code: Cow<'static, str>,
    pub message: Text,
    /// For uploaded files: the line the error is on (the header is line 1).
    pub line: Option<u64>,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: Text,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message,
            line: None,
        }
    }

    /// The same error, placed on `line` of an uploaded file.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}

/// Collects the field errors of a request so that the client hears of all of them at once.
#[derive(Debug, Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    /// The value of `result`, or `None` after noting its error.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    /// Notes an error.
    pub fn fail(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// A 422 listing every noted error, if there was one.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}
