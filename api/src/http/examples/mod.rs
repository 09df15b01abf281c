//! The request and response examples of the contract: what each feature's `examples.rs` builds
//! them with (`Entry`, `op`, and the helpers on JSON bodies), on one shared world of ids.
//!
//! Front-end teams read the contract before they read any code, and schemathesis' "examples"
//! phase sends the request examples to the running service: so each request example is a body
//! the service's own validation accepts (lengths, enumerations, formats, cross-field rules), and
//! each response example is what the handler really answers, field for field. The data is one
//! small, consistent world (a district, a street, two stations, three deputies, a case), so the
//! same station id recurs from the station to its reception days, submissions and statistics:
//! its ids, and the bodies that more than one feature shows, are in [`world`].
//!
//! Each feature lists the examples of the operations it serves in
//! `routes/<feature>/examples.rs` (`entries()`), beside the DTOs they describe; `openapi`
//! collects them and sets them on the document. An entry is keyed by method and path as they
//! appear in `openapi/openapi.json`; the test `openapi/tests/examples.rs` fails when an
//! operation has no example, when an entry names an operation that does not exist or one named
//! twice, or when an example does not validate against its schema.
//!
//! This sits below the routes, not in `openapi`, because `openapi` imports every route: a
//! feature that imported it would close a cycle.

pub mod world;

use serde_json::{Value, json};

use world::CURSOR;

/// The examples of one operation: the request body (JSON, form fields or CSV text) and the body
/// of its success responses (on every 2xx media type that is not binary).
pub struct Entry {
    /// `"GET"`, `"POST"`, ... as the document's operations are looked up.
    pub method: &'static str,
    /// The path as the document spells it, parameters in braces.
    pub path: &'static str,
    pub request: Option<Value>,
    pub response: Option<Value>,
}

/// The entry of `method` on `path`, without examples yet.
pub fn op(method: &'static str, path: &'static str) -> Entry {
    Entry {
        method,
        path,
        request: None,
        response: None,
    }
}

impl Entry {
    pub fn request(mut self, body: Value) -> Self {
        self.request = Some(body);
        self
    }

    pub fn response(mut self, body: Value) -> Self {
        self.response = Some(body);
        self
    }
}

/// `{"items": items, "next_cursor": cursor}`.
pub fn page(items: Vec<Value>, more: bool) -> Value {
    json!({"items": items, "next_cursor": if more { Value::from(CURSOR) } else { Value::Null }})
}

/// `base` with the fields of `extra` added (or replaced).
pub fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

/// `base` without `keys`.
pub fn without(mut base: Value, keys: &[&str]) -> Value {
    if let Some(base) = base.as_object_mut() {
        for key in keys {
            base.remove(*key);
        }
    }
    base
}
