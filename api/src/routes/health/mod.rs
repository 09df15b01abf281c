//! Liveness, readiness and metrics: for load balancers, orchestrators and Prometheus.

pub mod examples;
pub mod handlers;
