//! The contract's links chain real workflows: what a creation makes can be read and moved on,
//! and every link names an operation that exists, with every path parameter it needs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

fn spec() -> Value {
    // Not JSON would be `Null`, and every test below would then fail on its first look-up.
    serde_json::from_str(&api::openapi::spec_json()).unwrap_or_default()
}

/// operationId → the names of its path parameters.
fn operations(spec: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut operations = BTreeMap::new();
    let object = |v: &Value| v.as_object().cloned().unwrap_or_default();
    for item in object(&spec["paths"]).values() {
        for operation in object(item).values() {
            let params = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
                .collect();
            operations.insert(
                operation["operationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                params,
            );
        }
    }
    operations
}

fn links_of(spec: &Value, path: &str) -> BTreeSet<String> {
    spec["paths"][path]["post"]["responses"]["201"]["links"]
        .as_object()
        .map(|links| links.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn creations_link_to_reading_and_moving_on_what_they_made() {
    let spec = spec();
    let expect = [
        (
            "/api/v1/submissions",
            &[
                "get_submission",
                "submission_status",
                "submission_timeline",
                "triage_submission",
                "rate_submission",
                "reveal_contact",
            ][..],
        ),
        (
            "/api/v1/suggestions",
            &[
                "get_suggestion",
                "suggestion_status",
                "suggestion_events",
                "transition_suggestion",
                "supervise_suggestion",
                "co_unit_input",
            ],
        ),
        (
            "/api/v1/stations/{id}/receptions",
            &[
                "get_reception",
                "update_reception",
                "publish",
                "book",
                "check_in",
            ],
        ),
        (
            "/api/v1/stations",
            &[
                "get_station",
                "update_station",
                "archive_station",
                "put_rule",
            ],
        ),
        ("/api/v1/receptions/{id}/appointments", &["cancel"]),
        (
            "/api/v1/intake/tickets",
            &["get_submission", "triage_submission"],
        ),
        (
            "/api/v1/webhooks",
            &["get_webhook", "list_webhook_deliveries"],
        ),
    ];
    for (path, wanted) in expect {
        let links = links_of(&spec, path);
        for operation in wanted {
            assert!(
                links.contains(*operation),
                "POST {path} does not link to {operation}: {links:?}"
            );
        }
    }
    // A deputy's attendance needs a deputy's id, which creating a reception day does not give.
    assert!(!links_of(&spec, "/api/v1/stations/{id}/receptions").contains("set_attendance"));
}

#[test]
fn every_link_names_an_operation_and_fills_all_its_path_parameters() {
    let spec = spec();
    let operations = operations(&spec);
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let Some(links) = response["links"].as_object() else {
                    continue;
                };
                for (name, link) in links {
                    count += 1;
                    let target = link["operationId"].as_str().unwrap_or_default();
                    let needed = operations.get(target).unwrap_or_else(|| {
                        panic!("{method} {path} {status} links {name} to no operation")
                    });
                    let filled: BTreeSet<String> = link["parameters"]
                        .as_object()
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default();
                    assert_eq!(&filled, needed, "{method} {path} → {target}");
                    for expression in link["parameters"].as_object().into_iter().flatten() {
                        assert!(
                            expression
                                .1
                                .as_str()
                                .is_some_and(|e| e.starts_with("$response.body#/")),
                            "{method} {path} → {target}: {expression:?}"
                        );
                    }
                }
            }
        }
    }
    assert!(count > 40, "only {count} links");
}
