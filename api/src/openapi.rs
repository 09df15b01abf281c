//! The OpenAPI document: collected from the handlers' `#[utoipa::path]` attributes as the routes
//! are registered, then completed here with the security scheme, the problem responses that
//! every operation can give, and the document's metadata.

use actix_web::App;
use actix_web::http::Method;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{
    ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::{OpenApi, Ref, RefOr};
use utoipa::{Modify, OpenApi as _};
use utoipa_actix_web::AppExt;

use crate::http::docs::{
    BadRequest, Conflict, Forbidden, InternalError, NotFound, PROBLEM_RESPONSES, PayloadTooLarge,
    PreconditionFailed, ServiceUnavailable, TooManyRequests, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};

pub mod examples;

mod links;

/// Routes served outside the document (the document itself and Swagger UI).
pub const EXTRA_ROUTES: [(&str, Method); 3] = [
    ("/openapi.json", Method::GET),
    ("/docs", Method::GET),
    ("/docs/{_:.*}", Method::GET),
];

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "lianluo API",
        description = "人大代表联络站 (deputy liaison stations): the directory of stations and deputies, \
reception days, voters' submissions and the closed loop of their handling.\n\n\
Conventions: JSON bodies in `snake_case`; errors are RFC 9457 `application/problem+json` with a \
stable `code` and `title`/`detail` in the language of `Accept-Language` (zh-CN by default, `en`); \
lists are cursor-paginated (`limit` 1-100, opaque `cursor`, `next_cursor`); single resources carry \
a strong `ETag` (`If-None-Match` → 304, `If-Match` → 412); creating POSTs accept `Idempotency-Key`; \
every response carries `X-Request-Id`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "auth", description = "Staff sign-in, token refresh, sign-out"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "Staff accounts (administrators)"),
        (name = "regions", description = "The region tree: district > town/street > village/community"),
        (name = "stations", description = "Liaison stations (联络站) and the districts' checklists (九有)"),
        (name = "deputies", description = "People's deputies (人大代表) and where they are stationed"),
        (name = "codes", description = "QR codes and resolving a scanned public code (码上找代表)"),
        (name = "imports", description = "Bulk import of stations and deputies from CSV"),
        (name = "holidays", description = "The working-day calendar: public holidays and make-up working days (调休)"),
        (name = "receptions", description = "Reception days (接待日, 逢6进站): rules, sessions, rosters, publication, sign-in, records"),
        (name = "appointments", description = "Voters' bookings of reception sessions (预约登记)"),
        (name = "notifications", description = "The caller's inbox, and the outbox of SMS and inbox messages"),
        (name = "submissions", description = "Voters' submissions (选民意见建议) from every channel, photos, tracking, triage and feedback"),
        (name = "suggestions", description = "Station cases (意见交办) and deputy suggestions (代表建议) through the closed loop; the transition table follows."),
        (name = "units", description = "Handling units (承办单位) that cases are assigned to, and their handlers"),
        (name = "stats", description = "Statistics computed from the data: the attendance report (定期通报), the figures stations report (overview, per station, unit and category, trend)"),
        (name = "clients", description = "Machine clients (district platforms, the 12345 hotline): administration, and OAuth 2.0 client-credentials tokens. An operation that admits clients lists the scopes it needs under the `client` security scheme; every other operation refuses their tokens (403 `client_not_allowed`)."),
        (name = "changes", description = "The change feed: every change of submissions, suggestions, stations, deputies and reception days, in an order that never skips"),
        (name = "webhooks", description = "Push subscriptions of machine clients (`manage:webhooks`): the change feed's events POSTed to an HTTPS target, signed with `Lianluo-Signature: v1=<hex HMAC-SHA256 of \"<Lianluo-Timestamp>.<body>\">`, retried with backoff for 24 hours, in order per object; deliveries and attempts are listed and can be redelivered"),
        (name = "intake", description = "Tickets from the 12345 hotline and district platforms"),
    ),
    components(
        schemas(
            crate::error::Problem,
            crate::error::ProblemFieldError,
            // Enumerations used only in query parameters, which utoipa does not collect itself.
            crate::routes::stations::dto::StationSort,
            crate::routes::codes::dto::QrFormatDto,
            crate::routes::notifications::dto::ChannelDto,
            crate::routes::notifications::dto::DeliveryStateDto,
            crate::routes::receptions::dto::ReceptionStatusDto,
            crate::routes::submissions::dto::SubmissionStatusDto,
            crate::routes::submissions::dto::SubmissionChannelDto,
            crate::routes::units::dto::UnitKindDto,
            crate::routes::suggestions::dto::SuggestionStatusDto,
            crate::routes::suggestions::dto::SuggestionKindDto,
            crate::routes::changes::dto::ChangeTypeDto,
            crate::routes::exports::dto::ExportKind,
        ),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
            PayloadTooLarge, UnsupportedMediaType, UnprocessableEntity, TooManyRequests,
            InternalError, ServiceUnavailable
        )
    ),
    modifiers(&BearerSecurity)
)]
struct ApiDoc;

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.bearer_format = Some("JWT".to_owned());
            http.description = Some(
                "An access token from `POST /api/v1/auth/login` (staff), `/auth/wechat` (voters) or `/auth/refresh`.".to_owned(),
            );
            components.add_security_scheme("bearer", SecurityScheme::Http(http));
            let scopes = Scopes::from_iter(
                crate::auth::client::Scope::ALL
                    .into_iter()
                    .map(|s| (s.as_str(), s.description())),
            );
            let mut oauth = OAuth2::new([Flow::ClientCredentials(ClientCredentials::new(
                "/api/v1/auth/token",
                scopes,
            ))]);
            oauth.description = Some(
                "Machine clients: a token from `POST /api/v1/auth/token` (client credentials), sent as a bearer token. Each operation that admits clients lists the scopes that admit it.".to_owned(),
            );
            components.add_security_scheme("client", SecurityScheme::OAuth2(oauth));
        }
    }
}

/// The complete OpenAPI document of the service.
pub fn spec() -> OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    add_client_scopes(&mut api);
    add_standard_errors(&mut api);
    examples::add_examples(&mut api);
    links::add_links(&mut api);
    // The transition table is documented from the table the service runs on.
    if let Some(tag) = api
        .tags
        .as_mut()
        .and_then(|tags| tags.iter_mut().find(|t| t.name == "suggestions"))
    {
        let base = tag.description.clone().unwrap_or_default();
        tag.description = Some(format!(
            "{base}\n\n{}",
            crate::domain::suggestion_flow::markdown_table()
        ));
    }
    api
}

/// Declares on each operation that admits machine clients the scopes that admit it, from the
/// table the extractor enforces (`auth::client::REQUIRED_SCOPES`), so the two cannot differ.
fn add_client_scopes(api: &mut OpenApi) {
    for (method, path, scopes) in crate::auth::client::REQUIRED_SCOPES {
        if let Some(operation) = operation_mut(api, method, path) {
            // Any one of the scopes admits the client: one requirement per scope.
            let security = operation.security.get_or_insert_with(Vec::new);
            for scope in *scopes {
                security.push(SecurityRequirement::new("client", [scope.as_str()]));
            }
        }
    }
}

/// The operation of `method` (`"GET"`, ...) on `path`, if the document has it.
fn operation_mut<'a>(api: &'a mut OpenApi, method: &str, path: &str) -> Option<&'a mut Operation> {
    let item = api.paths.paths.get_mut(path)?;
    match method {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PUT" => item.put.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "DELETE" => item.delete.as_mut(),
        _ => None,
    }
}

/// The spec as pretty JSON with a final newline, as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut json = spec().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// Adds to each operation the problem responses it can give by its shape, so that no handler can
/// forget them: 400/413/415/422 with a body, 400 with parameters, 401 with a token, 500 always,
/// 503 for anything that touches the database.
fn add_standard_errors(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let touches_db = !matches!(path.as_str(), "/health/live" | "/metrics");
        for operation in [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            let has_body = operation.request_body.is_some();
            let has_params = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let idempotent = operation.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(p)
                    if p.name == "Idempotency-Key" && matches!(p.parameter_in, ParameterIn::Header))
            });
            let mut add = |status: u16| add_problem(operation, status);
            if has_body {
                for status in [400, 413, 415, 422] {
                    add(status);
                }
            }
            if has_params {
                add(400);
            }
            // A token that is sent must be good, even where none is needed: a public read with
            // an expired token is 401, so that the client learns to sign in again.
            if secured || path.starts_with("/api/") {
                add(401);
            }
            if idempotent {
                // A key still in flight or applied without an answer (409), or reused with
                // another body (422).
                add(409);
                add(422);
            }
            add(500);
            if touches_db {
                add(503);
            }
        }
    }
}

fn add_problem(operation: &mut Operation, status: u16) {
    let key = status.to_string();
    if operation.responses.responses.contains_key(&key) {
        return;
    }
    if let Some((name, _)) = PROBLEM_RESPONSES.iter().find(|(_, s)| *s == status) {
        operation
            .responses
            .responses
            .insert(key, RefOr::Ref(Ref::from_response_name(*name)));
    }
}
