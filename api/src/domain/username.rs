//! A username: 2 to 64 letters (Chinese included), digits, `.`, `_`, `-` or `@`, compared
//! without regard to case.

use crate::error::FieldError;
use crate::i18n::Text;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username {
    display: String,
    key: String,
}

pub const MIN_LEN: usize = 2;
pub const MAX_LEN: usize = 64;

impl Username {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        // At least MIN_LEN once trimmed; at most MAX_LEN as sent, as the contract counts.
        if trimmed.chars().count() < MIN_LEN || raw.chars().count() > MAX_LEN {
            return Err(FieldError::new(
                field,
                "length",
                Text::new(
                    format!("用户名长度必须在 {MIN_LEN} 到 {MAX_LEN} 个字符之间。"),
                    format!("The username must be {MIN_LEN} to {MAX_LEN} characters long."),
                ),
            ));
        }
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if !trimmed.chars().all(allowed) {
            return Err(FieldError::new(
                field,
                "invalid_format",
                Text::fixed(
                    "用户名只能包含文字、数字和 . _ - @。",
                    "The username may only contain letters, digits and . _ - @.",
                ),
            ));
        }
        Ok(Username {
            display: trimmed.to_owned(),
            key: Self::key_of(trimmed),
        })
    }

    /// The case-insensitive key used for uniqueness and look-up.
    pub fn key_of(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_latin_and_chinese_names() {
        let u = Username::parse("u", "  Zhang.Wei ").unwrap();
        assert_eq!(u.as_str(), "Zhang.Wei");
        assert_eq!(u.key(), "zhang.wei");
        assert!(Username::parse("u", "联络员王芳").is_ok());
        assert!(Username::parse("u", "staff-01@town").is_ok());
    }

    #[test]
    fn refuses_bad_names() {
        for bad in [
            "",
            " ",
            "a",
            "has space",
            "semi;colon",
            "tab\tname",
            &"x".repeat(65),
            // 64 once trimmed, 66 as sent: the contract's maxLength refuses it, so must we.
            &format!(" {} ", "x".repeat(64)),
            &"x".repeat(10_000),
        ] {
            assert!(Username::parse("u", bad).is_err(), "{bad:?}");
        }
    }
}
