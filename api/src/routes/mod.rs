//! The endpoints, one folder per feature: `handlers.rs` (thin: extract, convert, call, respond),
//! `dto.rs` (the wire types, with their schema), `service.rs` (the logic, no HTTP).

pub mod appointments;
pub mod attachments;
pub mod auth;
pub mod categories;
pub mod changes;
pub mod clients;
pub mod codes;
pub mod deputies;
pub mod exports;
pub mod health;
pub mod holidays;
pub mod imports;
pub mod notifications;
pub mod performance;
pub mod public;
pub mod receptions;
pub mod regions;
pub mod stations;
pub mod stats;
pub mod submissions;
pub mod suggestions;
pub mod units;
pub mod users;
pub mod voters;
pub mod webhooks;

use actix_web::middleware::from_fn;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::http::idempotency::idempotent_posts;

/// Registers every endpoint of the service.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(health::handlers::routes).service(
        scope::scope("/api/v1")
            .configure(auth::handlers::routes)
            .configure(clients::handlers::token_routes)
            .service(
                scope::scope("/clients")
                    .wrap(from_fn(idempotent_posts))
                    .configure(clients::handlers::routes),
            )
            .configure(changes::handlers::routes)
            .service(
                scope::scope("/webhooks")
                    .wrap(from_fn(idempotent_posts))
                    .configure(webhooks::handlers::routes),
            )
            // Tickets are idempotent on their own `external_id`.
            .configure(submissions::handlers::intake_routes)
            .configure(voters::handlers::routes)
            .service(
                scope::scope("/users")
                    .wrap(from_fn(idempotent_posts))
                    .configure(users::handlers::routes),
            )
            .service(
                scope::scope("/regions")
                    .wrap(from_fn(idempotent_posts))
                    .configure(regions::handlers::routes)
                    .configure(stations::handlers::district_routes)
                    .configure(performance::handlers::region_routes),
            )
            .service(
                scope::scope("/stations")
                    .wrap(from_fn(idempotent_posts))
                    .configure(stations::handlers::routes)
                    .configure(codes::handlers::station_routes)
                    .configure(receptions::handlers::station_routes),
            )
            .service(
                scope::scope("/deputies")
                    .wrap(from_fn(idempotent_posts))
                    .configure(deputies::handlers::routes)
                    .configure(codes::handlers::deputy_routes)
                    .configure(performance::handlers::deputy_routes),
            )
            .configure(codes::handlers::resolve_routes)
            .service(scope::scope("/holidays").configure(holidays::handlers::routes))
            // Before the `/receptions` scope, which would otherwise take `/receptions:publish`.
            .configure(receptions::handlers::range_routes)
            .service(
                scope::scope("/receptions")
                    .wrap(from_fn(idempotent_posts))
                    .configure(receptions::handlers::routes)
                    .configure(appointments::handlers::reception_routes),
            )
            .configure(appointments::handlers::routes)
            .configure(notifications::handlers::routes)
            .service(
                scope::scope("/stats")
                    .configure(stats::handlers::routes)
                    .configure(performance::handlers::stats_routes),
            )
            .configure(exports::handlers::routes)
            .configure(categories::handlers::routes)
            .service(scope::scope("/public").configure(public::handlers::routes))
            .service(
                scope::scope("/suggestions")
                    .wrap(from_fn(idempotent_posts))
                    .configure(suggestions::handlers::routes),
            )
            .service(
                scope::scope("/units")
                    .wrap(from_fn(idempotent_posts))
                    .configure(units::handlers::routes),
            )
            // Before the `/submissions` scope: a create keeps its own idempotency record.
            .configure(submissions::handlers::collection_routes)
            .service(
                scope::scope("/submissions")
                    .wrap(from_fn(idempotent_posts))
                    .configure(submissions::handlers::routes),
            )
            .service(scope::scope("/track").configure(submissions::handlers::track_routes))
            .service(
                scope::scope("/attachments")
                    .wrap(from_fn(idempotent_posts))
                    .configure(attachments::handlers::routes),
            )
            // No Idempotency-Key here: an import is idempotent by itself (a second run of the
            // same file changes nothing), and files are larger than the keys' recorded bodies.
            .service(scope::scope("/imports").configure(imports::handlers::routes)),
    );
}
