//! Cursor pagination: `?limit=` (1–100, default 20) and an opaque, signed `?cursor=`.
//!
//! A cursor names the list that issued it and the sort key of the last item, and carries an
//! HMAC so that a tampered cursor, or one from another list, is a 400 and never a surprising page.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldError};
use crate::i18n::Text;

pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 100;
/// Cursors longer than this are refused before any decoding.
const MAX_CURSOR_LEN: usize = 512;

/// The pagination parameters of a list request, as documented in the spec.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

/// A validated page request: `limit` in range, `cursor` still opaque (decode it with [`Cursors`]).
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u64,
    pub cursor: Option<String>,
}

impl FromRequest for PageRequest {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Self::parse(req.query_string()))
    }
}

impl PageRequest {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let mut limit = None;
        let mut cursor = None;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "limit" => limit = Some(value.into_owned()),
                "cursor" => cursor = Some(value.into_owned()),
                _ => {}
            }
        }
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                Ok(_) => return Err(limit_error("range")),
                Err(_) => return Err(limit_error("invalid_type")),
            },
        };
        let cursor = cursor.filter(|c| !c.is_empty());
        Ok(PageRequest { limit, cursor })
    }
}

fn limit_error(code: &'static str) -> ApiError {
    ApiError::InvalidQuery(vec![FieldError::new(
        "limit",
        code,
        Text::new(
            format!("limit 必须是 1 到 {MAX_LIMIT} 之间的整数。"),
            format!("limit must be a whole number from 1 to {MAX_LIMIT}."),
        ),
    )])
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Envelope<K> {
    /// The list that issued the cursor.
    l: String,
    /// The sort key of the last item on the page.
    k: K,
}

/// Issues and checks cursors with a key of the service's own.
#[derive(Clone)]
pub struct Cursors {
    key: Vec<u8>,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors(<key>)")
    }
}

impl Cursors {
    pub fn new(key: Vec<u8>) -> Self {
        Cursors { key }
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(payload);
                mac.finalize().into_bytes()[..16].to_vec()
            }
            // HMAC takes keys of any length; this arm is never taken.
            Err(_) => Vec::new(),
        }
    }

    /// The cursor for the page after the item whose sort key is `key`, in list `list`.
    pub fn encode<K: Serialize>(&self, list: &str, key: &K) -> String {
        let payload = serde_json::to_vec(&Envelope {
            l: list.to_owned(),
            k: key,
        })
        .unwrap_or_default();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(self.mac(&payload))
        )
    }

    /// The sort key in `cursor`, if this service issued it for `list`.
    pub fn decode<K: DeserializeOwned>(&self, list: &str, cursor: &str) -> Result<K, ApiError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(ApiError::InvalidCursor);
        }
        let (payload, mac) = cursor.split_once('.').ok_or(ApiError::InvalidCursor)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| ApiError::InvalidCursor)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| ApiError::InvalidCursor)?;
        let expected = self.mac(&payload);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_slice(),
            mac.as_slice(),
        )) {
            return Err(ApiError::InvalidCursor);
        }
        let envelope: Envelope<K> =
            serde_json::from_slice(&payload).map_err(|_| ApiError::InvalidCursor)?;
        if envelope.l != list {
            return Err(ApiError::InvalidCursor);
        }
        Ok(envelope.k)
    }

    /// The optional sort key of a page request.
    pub fn after<K: DeserializeOwned>(
        &self,
        list: &str,
        page: &PageRequest,
    ) -> Result<Option<K>, ApiError> {
        page.cursor
            .as_deref()
            .map(|c| self.decode(list, c))
            .transpose()
    }

    /// Cuts `rows` (fetched with `limit + 1`) to a page, with the cursor of its last item.
    pub fn page<R, T, K: Serialize>(
        &self,
        list: &str,
        mut rows: Vec<R>,
        limit: u64,
        key: impl Fn(&R) -> K,
        map: impl FnMut(R) -> T,
    ) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| self.encode(list, &key(last)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(err: ApiError) -> String {
        match err {
            ApiError::InvalidQuery(errors) => errors[0].code.to_string(),
            other => other.code().to_owned(),
        }
    }

    #[test]
    fn limit_is_checked() {
        assert_eq!(PageRequest::parse("").unwrap().limit, 20);
        assert_eq!(PageRequest::parse("limit=100").unwrap().limit, 100);
        assert_eq!(code(PageRequest::parse("limit=0").unwrap_err()), "range");
        assert_eq!(code(PageRequest::parse("limit=101").unwrap_err()), "range");
        assert_eq!(
            code(PageRequest::parse("limit=abc").unwrap_err()),
            "invalid_type"
        );
        assert_eq!(
            code(PageRequest::parse("limit=-1").unwrap_err()),
            "invalid_type"
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let cursors = Cursors::new(b"k".to_vec());
        let id = uuid::Uuid::now_v7();
        let cursor = cursors.encode("users", &id);
        assert_eq!(cursors.decode::<uuid::Uuid>("users", &cursor).unwrap(), id);
        // Another list's cursor.
        assert!(cursors.decode::<uuid::Uuid>("regions", &cursor).is_err());
        // Another key's cursor.
        assert!(
            Cursors::new(b"other".to_vec())
                .decode::<uuid::Uuid>("users", &cursor)
                .is_err()
        );
        // A flipped character anywhere.
        for i in 0..cursor.len() {
            let mut bytes = cursor.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            if tampered != cursor {
                assert!(
                    cursors.decode::<uuid::Uuid>("users", &tampered).is_err(),
                    "{i}"
                );
            }
        }
        assert!(cursors.decode::<uuid::Uuid>("users", "garbage").is_err());
        assert!(
            cursors
                .decode::<uuid::Uuid>("users", &"a".repeat(10_000))
                .is_err()
        );
    }

    #[test]
    fn pages_cut_at_the_limit() {
        let cursors = Cursors::new(b"k".to_vec());
        let page = cursors.page("n", vec![1, 2, 3], 2, |n| *n, |n| n * 10);
        assert_eq!(page.items, vec![10, 20]);
        assert_eq!(
            cursors
                .decode::<i32>("n", page.next_cursor.as_deref().unwrap())
                .unwrap(),
            2
        );
        let last = cursors.page("n", vec![1, 2], 2, |n| *n, |n| n);
        assert!(last.next_cursor.is_none());
    }
}
