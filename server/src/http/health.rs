//! Liveness (`/healthz`) and readiness (`/readyz`).

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Health answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, `stopping` or `unavailable`.
    pub status: String,
    /// Server version.
    pub version: String,
}

fn health(status: &str) -> Json<Health> {
    Json(Health { status: status.into(), version: env!("CARGO_PKG_VERSION").into() })
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    health("ok")
}

/// Both stores answer and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    if state.stopping.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, health("stopping"));
    }
    match (state.meta.ping().await, state.blobs.ping().await) {
        (Ok(()), Ok(())) => (StatusCode::OK, health("ok")),
        (meta, blobs) => {
            tracing::warn!(?meta, ?blobs, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, health("unavailable"))
        }
    }
}

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz))
}
