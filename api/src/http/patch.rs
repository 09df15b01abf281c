//! PATCH bodies need three states per nullable field: absent (leave it), `null` (clear it) and a
//! value (set it). `#[serde(default, deserialize_with = "patch::nullable")]` on an
//! `Option<Option<T>>` gives exactly that.

use serde::{Deserialize, Deserializer};

pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "nullable")]
        phone: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let absent: Body = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.phone, None);
        let null: Body = serde_json::from_str(r#"{"phone": null}"#).unwrap();
        assert_eq!(null.phone, Some(None));
        let value: Body = serde_json::from_str(r#"{"phone": "x"}"#).unwrap();
        assert_eq!(value.phone, Some(Some("x".into())));
    }
}
