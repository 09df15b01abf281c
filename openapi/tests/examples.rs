//! Every operation of the contract shows a request and a response example, and every example
//! is a body its schema accepts. Front ends read these examples, and schemathesis' examples
//! phase sends the request examples to the service: a wrong one misleads both.

use std::collections::BTreeSet;

use api::openapi::examples::is_binary;
use serde_json::{Map, Value, json};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// The document (`null` if it were not JSON, which the counts in the tests then catch).
fn spec() -> Value {
    serde_json::from_str(&api::openapi::spec_json()).unwrap_or_default()
}

/// `(method, path, operation)` of every operation.
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                out.push((method.to_uppercase(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

/// Each media type of the request body and of the success responses, as
/// `(place, media type, content)`, `place` being `request` or the status.
fn contents(operation: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    if let Some(content) = operation["requestBody"]["content"].as_object() {
        for (media_type, c) in content {
            out.push(("request".to_owned(), media_type.clone(), c.clone()));
        }
    }
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        if !status.starts_with('2') {
            continue;
        }
        if let Some(content) = response["content"].as_object() {
            for (media_type, c) in content {
                out.push((status.clone(), media_type.clone(), c.clone()));
            }
        }
    }
    out
}

#[test]
fn every_operation_has_request_and_response_examples() {
    let spec = spec();
    let mut missing = Vec::new();
    let mut shown = 0;
    for (method, path, operation) in operations(&spec) {
        for (place, media_type, content) in contents(&operation) {
            if is_binary(&media_type) {
                continue;
            }
            if content.get("example").is_some() {
                shown += 1;
            } else {
                missing.push(format!("{method} {path} {place} {media_type}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "without an example (add them to the feature's api/src/routes/<feature>/examples.rs):\n{}",
        missing.join("\n")
    );
    assert!(shown > 100, "only {shown} examples");
}

#[test]
fn the_examples_table_names_only_operations_of_the_contract() {
    let spec = spec();
    let served: BTreeSet<(String, String)> = operations(&spec)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let mut seen = BTreeSet::new();
    for (method, path) in api::openapi::examples::operations() {
        let key = (method.to_owned(), path.to_owned());
        assert!(
            served.contains(&key),
            "the examples table has {method} {path}, which the contract does not"
        );
        assert!(
            seen.insert(key),
            "the examples table has {method} {path} twice"
        );
    }
    assert_eq!(
        seen, served,
        "every operation has its entry in the examples table"
    );
}

#[test]
fn every_example_validates_against_its_schema() {
    let spec = spec();
    let schemas = strict_components(&spec["components"]["schemas"]);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (method, path, operation) in operations(&spec) {
        for (place, media_type, content) in contents(&operation) {
            let (Some(example), Some(schema)) = (content.get("example"), content.get("schema"))
            else {
                continue;
            };
            checked += 1;
            let errors = validate(&schemas, schema, example);
            if errors.is_empty() {
                continue;
            }
            wrong.push(format!(
                "{method} {path} {place} {media_type}:\n  {}",
                errors.join("\n  ")
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "examples that their schema refuses:\n{}",
        wrong.join("\n")
    );
    assert!(checked > 100, "only {checked} examples checked");
}

#[test]
fn a_wrong_example_is_caught() {
    // The check itself must be able to fail: a wrong enum value, a missing required field, a
    // malformed date and a field the schema does not name are each refused.
    let spec = spec();
    let schemas = strict_components(&spec["components"]["schemas"]);
    let schema = json!({"$ref": "#/components/schemas/StationDetailDto"});
    let example = spec["paths"]["/api/v1/stations/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["example"]
        .clone();
    assert_eq!(validate(&schemas, &schema, &example), Vec::<String>::new());
    let broken = |field: &str, value: Value| {
        let mut e = example.clone();
        e[field] = value;
        validate(&schemas, &schema, &e)
    };
    assert!(!broken("kind", json!("headquarters")).is_empty());
    assert!(!broken("created_at", json!("2026-13-45")).is_empty());
    assert!(!broken("id", json!("not-a-uuid")).is_empty());
    assert!(!broken("nickname", json!("东站")).is_empty());
    let mut no_name = example.clone();
    no_name.as_object_mut().expect("object").remove("name");
    assert!(!validate(&schemas, &schema, &no_name).is_empty());
    // Also inside the flattened part and in nested objects.
    let mut deputy = example.clone();
    deputy["deputies"][0]["phone_public"] = json!(true);
    assert!(!validate(&schemas, &schema, &deputy).is_empty());
}

/// The errors of `instance` against `schema`, whose references point into
/// `#/components/schemas` (given as `schemas`). JSON Schema 2020-12, as OpenAPI 3.1 uses,
/// with formats (`uuid`, `date`, `date-time`, `email`) checked.
fn validate(schemas: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut root = match strict(schema, false) {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("allOf".to_owned(), json!([other]));
            map
        }
    };
    root.insert("components".to_owned(), json!({"schemas": schemas}));
    let validator = match jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&Value::Object(root))
    {
        Ok(validator) => validator,
        Err(err) => return vec![format!("the schema does not compile: {err}")],
    };
    validator
        .iter_errors(instance)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

const OPEN: &str = "__open";

/// The components with every object schema closed (see [`strict`]), plus an open copy of each
/// (`X__open`) for the `allOf` branches that a flattened struct is made of.
fn strict_components(schemas: &Value) -> Value {
    let mut out = Map::new();
    for (name, schema) in schemas.as_object().into_iter().flatten() {
        out.insert(name.clone(), strict(schema, false));
        out.insert(format!("{name}{OPEN}"), strict(schema, true));
    }
    Value::Object(out)
}

/// `schema` with `unevaluatedProperties: false` on each object schema that lists its properties
/// and says nothing of others, so that an example with a field the schema does not name fails
/// (responses are not `additionalProperties: false` in the document). `open` leaves the top
/// level open: a branch of an `allOf`, whose whole is closed instead.
fn strict(schema: &Value, open: bool) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            // Data, not schemas.
            "example" | "examples" | "enum" | "const" | "default" | "required" => value.clone(),
            "properties" => match value.as_object() {
                Some(properties) => Value::Object(
                    properties
                        .iter()
                        .map(|(name, s)| (name.clone(), strict(s, false)))
                        .collect(),
                ),
                None => value.clone(),
            },
            "allOf" => match value.as_array() {
                Some(branches) => Value::Array(branches.iter().map(branch).collect()),
                None => value.clone(),
            },
            "oneOf" | "anyOf" | "prefixItems" => match value.as_array() {
                Some(schemas) => Value::Array(schemas.iter().map(|s| strict(s, false)).collect()),
                None => value.clone(),
            },
            _ => strict(value, false),
        };
        out.insert(key.clone(), value);
    }
    let names_properties = map.contains_key("properties") || map.contains_key("allOf");
    let says_others = map.contains_key("additionalProperties")
        || map.contains_key("unevaluatedProperties")
        || map.contains_key("patternProperties");
    if names_properties && !says_others && !open {
        out.insert("unevaluatedProperties".to_owned(), Value::Bool(false));
    }
    Value::Object(out)
}

/// A branch of an `allOf`: open, since its properties count for the whole; a plain reference
/// goes to the open copy of its component.
fn branch(schema: &Value) -> Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(target) if schema.as_object().is_some_and(|b| b.len() == 1) => {
            json!({"$ref": format!("{target}{OPEN}")})
        }
        _ => strict(schema, true),
    }
}
