//! Turning `validator` errors and serde decoding errors into the problem document's `errors`.

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::error::FieldError;
use crate::i18n::Text;

/// Every failed field of `errors`, with nested paths (`a.b`, `items[2].name`).
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| FieldError {
                    field: path.clone(),
                    code: e.code.clone(),
                    message: message_for(e),
                    line: None,
                }));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn param(e: &ValidationError, name: &str) -> Option<String> {
    e.params.get(name).map(|v| match v.as_str() {
        Some(s) => s.to_owned(),
        None => v.to_string(),
    })
}

/// A message in both languages for the standard `validator` codes.
fn message_for(e: &ValidationError) -> Text {
    let min = param(e, "min");
    let max = param(e, "max");
    let equal = param(e, "equal");
    match e.code.as_ref() {
        "length" => match (min, max, equal) {
            (_, _, Some(n)) => Text::new(
                format!("长度必须为 {n} 个字符。"),
                format!("Must be exactly {n} characters long."),
            ),
            (Some(min), Some(max), _) => Text::new(
                format!("长度必须在 {min} 到 {max} 个字符之间。"),
                format!("Must be {min} to {max} characters long."),
            ),
            (Some(min), None, _) => Text::new(
                format!("长度至少为 {min} 个字符。"),
                format!("Must be at least {min} characters long."),
            ),
            (None, Some(max), _) => Text::new(
                format!("长度不能超过 {max} 个字符。"),
                format!("Must be at most {max} characters long."),
            ),
            _ => Text::fixed("长度不符合要求。", "Has an invalid length."),
        },
        "range" => match (min, max) {
            (Some(min), Some(max)) => Text::new(
                format!("必须在 {min} 到 {max} 之间。"),
                format!("Must be between {min} and {max}."),
            ),
            (Some(min), None) => Text::new(
                format!("不能小于 {min}。"),
                format!("Must be at least {min}."),
            ),
            (None, Some(max)) => Text::new(
                format!("不能大于 {max}。"),
                format!("Must be at most {max}."),
            ),
            _ => Text::fixed("超出允许范围。", "Is out of range."),
        },
        "required" => Text::fixed("必填。", "Is required."),
        "email" => Text::fixed("不是有效的电子邮件地址。", "Is not a valid email address."),
        "url" => Text::fixed("不是有效的网址。", "Is not a valid URL."),
        _ => match &e.message {
            Some(message) => Text::new(message.to_string(), message.to_string()),
            None => Text::fixed("不符合要求。", "Is invalid."),
        },
    }
}

/// The field error for a serde "data" error (well-formed JSON of the wrong shape).
///
/// `path` is where serde stopped; for a missing field it is the enclosing object, so the field's
/// own name is taken from serde's message.
pub fn from_serde_data_error(path: &str, error: &serde_json::Error) -> FieldError {
    let text = error.to_string();
    // serde's message ends with " at line L column C"; the position means nothing to the client.
    let message = match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text.clone(),
    };
    let quoted = backticked(&message);
    // For an unknown field the path already ends with its name; for a missing one it is the
    // enclosing object's.
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, code, zh): (String, &'static str, Cow<'static, str>) =
        if message.starts_with("unknown field") {
            (
                join(quoted.as_deref().unwrap_or("?")),
                "unknown_field",
                "不允许的字段。".into(),
            )
        } else if message.starts_with("missing field") {
            (
                join(quoted.as_deref().unwrap_or("?")),
                "required",
                "必填。".into(),
            )
        } else if message.starts_with("invalid type") {
            (path.to_owned(), "invalid_type", "类型不正确。".into())
        } else if message.starts_with("unknown variant") {
            (
                path.to_owned(),
                "invalid_value",
                "不是允许的取值之一。".into(),
            )
        } else if message.starts_with("duplicate field") {
            (
                join(quoted.as_deref().unwrap_or("?")),
                "duplicate_field",
                "字段重复。".into(),
            )
        } else {
            (path.to_owned(), "invalid_value", "取值无效。".into())
        };
    let field = if field.is_empty() || field == "." {
        "body".to_owned()
    } else {
        field
    };
    FieldError::new(field, code, Text::new(zh, message))
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use validator::Validate;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        #[validate(length(min = 2, max = 4))]
        name: String,
        #[validate(range(min = 1, max = 9))]
        count: u32,
    }

    fn data_error(json: &str) -> FieldError {
        let de = &mut serde_json::Deserializer::from_str(json);
        let err = serde_path_to_error::deserialize::<_, Sample>(de).unwrap_err();
        from_serde_data_error(&err.path().to_string(), err.inner())
    }

    #[test]
    fn serde_errors_name_the_field() {
        let e = data_error(r#"{"name":"ab","count":1,"role":"x"}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_ref()),
            ("role", "unknown_field")
        );
        let e = data_error(r#"{"name":"ab"}"#);
        assert_eq!((e.field.as_str(), e.code.as_ref()), ("count", "required"));
        let e = data_error(r#"{"name":"ab","count":"many"}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_ref()),
            ("count", "invalid_type")
        );
        assert!(!e.message.en.contains("line"));
    }

    #[test]
    fn validator_errors_are_listed_with_bounds() {
        let sample = Sample {
            name: "a".into(),
            count: 10,
        };
        let errors = field_errors(&sample.validate().unwrap_err());
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "count");
        assert_eq!(errors[0].message.en, "Must be between 1 and 9.");
        assert_eq!(errors[1].field, "name");
        assert_eq!(errors[1].message.zh, "长度必须在 2 到 4 个字符之间。");
    }
}
