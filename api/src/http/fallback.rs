//! What a request that matches no endpoint gets: 405 with `Allow` when the path exists with
//! other methods, 404 otherwise.
//!
//! actix routes by path *and* method, so a wrong method would fall through to a 404. The table
//! of paths and their methods comes from the OpenAPI document, the one list of our endpoints.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
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

    /// The methods `path` takes; empty when no endpoint has this path.
    pub fn allowed(&self, path: &str) -> Vec<Method> {
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
