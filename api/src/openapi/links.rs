//! OpenAPI links: from the answer to a creating `POST`, the operations that act on what it made.
//! A client generator reads them as "what can I do next"; schemathesis' stateful phase follows
//! them to chain real workflows (create a submission → read it → triage it; create a case →
//! read it → move it through the closed loop), instead of calling each operation alone with ids
//! that do not exist.
//!
//! The links are derived from the paths, not listed by hand, so a new sub-resource is linked the
//! day it is added: a `POST .../things` answering 201 made a thing whose `id` fills the `{id}` of
//! every operation under `/api/v1/things/{id}`. The few creations whose things live elsewhere
//! are named in [`ELSEWHERE`].

use std::collections::BTreeMap;

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr};

/// Creating operations whose result is addressed under another collection than the last segment
/// of their own path: a hotline ticket becomes a submission.
const ELSEWHERE: &[(&str, &str)] = &[("/api/v1/intake/tickets", "submissions")];

/// The response field that fills a path parameter of a linked operation.
const FILLED_FROM: &[(&str, &str)] = &[("id", "$response.body#/id")];

struct Target {
    path: String,
    operation_id: String,
    path_parameters: Vec<String>,
}

pub(super) fn add_links(api: &mut OpenApi) {
    let targets = collect_targets(api);
    for (path, item) in api.paths.paths.iter_mut() {
        let Some(operation) = item.post.as_mut() else {
            continue;
        };
        let collection = ELSEWHERE
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, c)| (*c).to_owned())
            .or_else(|| path.rsplit('/').next().map(str::to_owned))
            .unwrap_or_default();
        let prefix = format!("/api/v1/{collection}/{{id}}");
        let links: BTreeMap<String, _> = targets
            .iter()
            .filter(|t| under(&t.path, &prefix))
            .filter_map(|t| link_to(t).map(|link| (t.operation_id.clone(), link)))
            .collect();
        if links.is_empty() {
            continue;
        }
        if let Some(RefOr::T(created)) = operation.responses.responses.get_mut("201") {
            created.links.extend(links);
        }
    }
}

/// Whether `path` is the resource `prefix` names or one of its sub-resources and actions
/// (`/x/{id}`, `/x/{id}/status`, `/x/{id}/contact:reveal`), not another collection's
/// `/x/{id_of_something_else}`.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with(':'))
}

/// A link filling every path parameter of `target` from the created resource, or none when the
/// target needs a parameter the creation does not answer with (a deputy's id, say).
fn link_to(target: &Target) -> Option<RefOr<utoipa::openapi::link::Link>> {
    let mut link = LinkBuilder::new().operation_id(&target.operation_id);
    for name in &target.path_parameters {
        let (_, expression) = FILLED_FROM.iter().find(|(n, _)| n == name)?;
        link = link.parameter(name, *expression);
    }
    Some(RefOr::T(link.build()))
}

fn collect_targets(api: &OpenApi) -> Vec<Target> {
    let mut targets = Vec::new();
    for (path, item) in &api.paths.paths {
        for operation in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
        {
            if let Some(operation_id) = operation.operation_id.clone() {
                targets.push(Target {
                    path: path.clone(),
                    operation_id,
                    path_parameters: path_parameters(operation),
                });
            }
        }
    }
    targets
}

fn path_parameters(operation: &Operation) -> Vec<String> {
    operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path) => Some(p.name.clone()),
            _ => None,
        })
        .collect()
}
