//! Chinese phone numbers: mobiles (`13812341234`, with or without `+86`) and landlines with an
//! area code (`0571-87654321`, `010 1234 5678`, `(021)12345678`), normalised so that the same
//! number is always stored the same way, and masked for views that do not need it whole.

use crate::error::FieldError;
use crate::i18n::Text;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, raw: &str) -> Result<Phone, FieldError> {
        let invalid = || {
            FieldError::new(
                field,
                "invalid_phone",
                Text::fixed(
                    "不是有效的中国大陆手机号或带区号的固定电话。",
                    "Not a mainland China mobile number or a landline with its area code.",
                ),
            )
        };
        let trimmed = raw.trim();
        if trimmed.len() > 32 {
            return Err(invalid());
        }
        let without_country = trimmed
            .strip_prefix("+86")
            .or_else(|| trimmed.strip_prefix("0086"))
            .unwrap_or(trimmed);
        if !without_country
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))
        {
            return Err(invalid());
        }
        let digits: String = without_country
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let bytes = digits.as_bytes();
        if bytes.len() == 11 && bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1]) {
            return Ok(Phone(digits));
        }
        if bytes.first() == Some(&b'0') && bytes.get(1).is_some_and(|b| *b != b'0') {
            // Beijing, Tianjin, Shanghai, Chongqing and the 02x cities have 3-digit area codes
            // (with the 0); every other area code has 4.
            let area_len = if matches!(bytes.get(1), Some(b'1' | b'2')) {
                3
            } else {
                4
            };
            let local = bytes.len().saturating_sub(area_len);
            if bytes.len() > area_len && (7..=8).contains(&local) && bytes[area_len] != b'0' {
                return Ok(Phone(format!(
                    "{}-{}",
                    &digits[..area_len],
                    &digits[area_len..]
                )));
            }
        }
        Err(invalid())
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden: `138****1234`, `0571-****4321`.
    pub fn mask(stored: &str) -> String {
        let chars: Vec<char> = stored.chars().collect();
        match stored.split_once('-') {
            Some((area, local)) => {
                let visible: String = local
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("{area}-****{visible}")
            }
            None if chars.len() >= 8 => {
                let head: String = chars[..3].iter().collect();
                let tail: String = chars[chars.len() - 4..].iter().collect();
                format!("{head}****{tail}")
            }
            None => "****".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Phone::parse("p", raw).unwrap().as_str().to_owned()
    }

    #[test]
    fn mobiles_and_landlines_are_normalised() {
        assert_eq!(ok("13812341234"), "13812341234");
        assert_eq!(ok("+86 138 1234 1234"), "13812341234");
        assert_eq!(ok("138-1234-1234"), "13812341234");
        assert_eq!(ok("0571-87654321"), "0571-87654321");
        assert_eq!(ok("057187654321"), "0571-87654321");
        assert_eq!(ok("(010)12345678"), "010-12345678");
        assert_eq!(ok("021 1234 5678"), "021-12345678");
        assert_eq!(ok("0731-1234567"), "0731-1234567");
    }

    #[test]
    fn other_numbers_are_refused() {
        for bad in [
            "",
            "12345",
            "1381234123",
            "138123412345",
            "12812341234",
            "hello",
            "0571-0123456",
            "0571-123",
            "+1 415 555 0100",
            "13812341234x",
            &"1".repeat(50),
        ] {
            assert!(Phone::parse("p", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn masks_hide_the_middle() {
        assert_eq!(Phone::mask("13812341234"), "138****1234");
        assert_eq!(Phone::mask("0571-87654321"), "0571-****4321");
    }
}
