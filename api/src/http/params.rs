//! Path and query extractors whose failures are 400 problem documents naming the parameter.

use std::future::{Ready, ready};

use actix_web::error::PathError;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::ApiError;
use crate::error::validation::{field_errors, from_serde_data_error};

/// `web::Path` settings that fail with a 400 problem.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(path_error)
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let reason = match err {
        PathError::Deserialize(inner) => inner.to_string(),
        other => other.to_string(),
    };
    ApiError::InvalidPath(reason).into()
}

/// Query parameters decoded into `T` and validated. Unknown parameters are ignored (so that
/// `limit` and `cursor` can sit beside the filters); malformed ones are a 400 naming them.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Validate> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Query))
    }
}

/// Decodes and validates a query string.
pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // serde_urlencoded errors are always about data, never syntax: it decodes anything.
        let json_like: serde_json::Error = serde::de::Error::custom(inner.to_string());
        ApiError::InvalidQuery(vec![from_serde_data_error(&path, &json_like)])
    })?;
    value
        .validate()
        .map_err(|errors| ApiError::InvalidQuery(field_errors(&errors)))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    #[allow(dead_code)]
    struct Filters {
        role: Option<Kind>,
        #[validate(length(max = 5))]
        q: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Admin,
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let ApiError::InvalidQuery(errors) = parse_query::<Filters>("role=king").unwrap_err()
        else {
            panic!("not a query error")
        };
        assert_eq!(errors[0].field, "role");
        let ApiError::InvalidQuery(errors) = parse_query::<Filters>("q=toolong").unwrap_err()
        else {
            panic!("not a query error")
        };
        assert_eq!(errors[0].field, "q");
        assert!(parse_query::<Filters>("role=admin&limit=5&cursor=x").is_ok());
    }
}
