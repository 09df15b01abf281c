//! The committed contract must be exactly what the code describes: a change to the API shows in
//! review as a diff of `openapi/openapi.json`.

use std::path::PathBuf;

#[test]
fn the_committed_openapi_json_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = api::openapi::spec_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -p openapi` and commit the result"
    );
}

#[test]
fn every_operation_documents_its_errors_with_the_problem_schema() {
    let spec: serde_json::Value = serde_json::from_str(&api::openapi::spec_json()).unwrap();
    let responses = &spec["components"]["responses"];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let codes = operation["responses"].as_object().unwrap();
            assert!(codes.contains_key("500"), "{method} {path} has no 500");
            for (status, response) in codes {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                let name = response["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/components/responses/"))
                    .unwrap_or_else(|| {
                        panic!("{method} {path} {status} is not a problem response")
                    });
                let schema =
                    &responses[name]["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/Problem", "{name}");
            }
            let secured = operation.get("security").is_some();
            if secured {
                assert!(
                    codes.contains_key("401"),
                    "{method} {path} is secured but has no 401"
                );
            }
            let idempotent = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header");
            if idempotent {
                for status in ["409", "422"] {
                    assert!(
                        codes.contains_key(status),
                        "{method} {path} takes an Idempotency-Key but has no {status}"
                    );
                }
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        codes.contains_key(status),
                        "{method} {path} has a body but no {status}"
                    );
                }
            }
        }
    }
}
