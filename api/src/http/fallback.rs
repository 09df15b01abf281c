//! What a request that matches no endpoint gets: 405 with `Allow` when the path exists with
//! other methods, 404 otherwise.
//!
//! actix routes by path *and* method, so a wrong method would fall through to a 404. The table
//! of paths and their methods comes from the OpenAPI document, the one list of our endpoints.
//!
//! A path that names an endpoint exactly can also match another's pattern: `PATCH
//! /regions/tree` would reach `PATCH /regions/{id}` and fail on "tree" as an id (or on the
//! missing token first). [`literal_paths_first`] answers such requests 405 before routing.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

/// Every path pattern of the service with the methods it takes.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

impl RouteTable {
    /// The table of every operation in `api`, plus `extra` routes served outside the spec.
    pub fn new(api: &OpenApi, extra: &[(&str, Method)]) -> Self {
        let mut table = RouteTable::default();
        for (path, item) in api.paths.paths.iter() {
            let methods = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, present) in methods {
                if present {
                    table.add(path, method);
                }
            }
        }
        for (path, method) in extra {
            table.add(path, method.clone());
        }
        table
    }

    fn add(&mut self, path: &str, method: Method) {
        match self
            .routes
            .iter_mut()
            .find(|(def, _)| def.pattern() == Some(path))
        {
            Some((_, methods)) => methods.push(method),
            None => self.routes.push((ResourceDef::new(path), vec![method])),
        }
    }

    /// The methods of the endpoint whose pattern is exactly `path`, without parameters (such as
    /// `/api/v1/regions/tree`); empty when there is none.
    pub fn literal_methods(&self, path: &str) -> Vec<Method> {
        self.routes
            .iter()
            .find(|(def, _)| def.pattern() == Some(path) && !path.contains('{'))
            .map(|(_, methods)| {
                let mut methods = methods.clone();
                methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                methods
            })
            .unwrap_or_default()
    }

    /// The methods `path` takes; empty when no endpoint has this path. A path that names an
    /// endpoint exactly takes only that endpoint's methods, even where a pattern matches it too.
    pub fn allowed(&self, path: &str) -> Vec<Method> {
        let literal = self.literal_methods(path);
        if !literal.is_empty() {
            return literal;
        }
        let mut methods: Vec<Method> = self
            .routes
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        methods.dedup();
        methods
    }
}

/// The default service of the app.
pub async fn not_found_or_not_allowed(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let allowed = table.allowed(req.path());
    if allowed.is_empty() {
        Err(ApiError::RouteNotFound)
    } else {
        Err(ApiError::MethodNotAllowed(allowed))
    }
}

/// Middleware: a request for a path that names an endpoint exactly, with a method that endpoint
/// does not take, is 405 with `Allow`, whatever parameterised route would otherwise take it.
pub async fn literal_paths_first(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(table) = req.app_data::<web::Data<RouteTable>>() {
        let literal = table.literal_methods(req.path());
        if !literal.is_empty() && !literal.contains(req.method()) {
            return Ok(req.error_response(ApiError::MethodNotAllowed(literal)));
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
