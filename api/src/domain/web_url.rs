//! A link to something on the web (a photo): `http` or `https`, at most 500 characters.

use crate::error::FieldError;
use crate::i18n::Text;

pub const MAX_LEN: usize = 500;

pub fn parse(field: &str, raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    // At most MAX_LEN characters as sent (the contract's count) and in bytes once trimmed.
    let ok = raw.chars().count() <= MAX_LEN
        && trimmed.len() <= MAX_LEN
        && url::Url::parse(trimmed)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "invalid_url",
            Text::new(
                format!("必须是不超过 {MAX_LEN} 个字符的 http(s) 网址。"),
                format!("Must be an http(s) URL of at most {MAX_LEN} characters."),
            ),
        ))
    }
}
