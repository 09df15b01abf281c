//! A human-readable name (of a person or a place): trimmed, 1 to `max` characters, no control
//! characters.
//!
//! The limits count the characters as sent, surrounding blanks included, as the contract's
//! `maxLength` does: a value the contract refuses must not be taken because trimming happened
//! to bring it under the limit. Blankness is judged after trimming.

use crate::error::FieldError;
use crate::i18n::Text;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(field: &str, raw: &str, max: usize) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || raw.chars().count() > max {
            return Err(FieldError::new(
                field,
                "length",
                Text::new(
                    format!("长度必须在 1 到 {max} 个字符之间。"),
                    format!("Must be 1 to {max} characters long."),
                ),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "invalid_format",
                Text::fixed("不能包含控制字符。", "May not contain control characters."),
            ));
        }
        Ok(DisplayName(trimmed.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Free text that may be absent: trimmed, empty meaning none, at most `max` characters.
pub fn optional(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match value {
        Some(raw) if raw.chars().count() > max => Err(FieldError::new(
            field,
            "length",
            Text::new(
                format!("长度不能超过 {max} 个字符。"),
                format!("Must be at most {max} characters long."),
            ),
        )),
        _ => Ok(value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(
            DisplayName::parse("n", " 王芳 ", 10).unwrap().into_inner(),
            "王芳"
        );
        assert!(DisplayName::parse("n", "   ", 10).is_err());
        assert!(DisplayName::parse("n", "abcdefghijk", 10).is_err());
        assert!(DisplayName::parse("n", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn the_limit_counts_the_blanks_sent_around_the_text() {
        // What the contract's maxLength counts: ten characters fit, eleven do not, even when
        // trimming would bring them under.
        let padded = |spaces: usize| format!("   王芳{}", " ".repeat(spaces));
        assert!(DisplayName::parse("n", &padded(5), 10).is_ok());
        assert!(DisplayName::parse("n", &padded(6), 10).is_err());
        assert_eq!(
            optional("n", Some(" 王芳 "), 4).ok(),
            Some(Some("王芳".to_owned()))
        );
        assert!(optional("n", Some(" 王芳  "), 4).is_err());
        assert_eq!(optional("n", Some("    "), 4).ok(), Some(None));
    }
}
