//! Evidence-bundle submission: the seam where `kancha_core::bundle` will be wired.
//!
//! Intended shape (issue 4, item 4), to be implemented with `kancha_core::bundle` once it
//! exists, never with a second manifest implementation here:
//!
//! `POST /v1/cases/{id}/bundles`, body: the signed manifest exactly as `kancha_core::bundle`
//! serialises it, whose items reference completed tus uploads of this case by upload id.
//! The server then verifies, through `kancha_core::bundle`, the signature, every item's
//! SHA-256 and size against the uploaded bytes (read from the `BlobStore`), and the
//! capture-log chain; it stores a fully verified bundle atomically in the `MetaStore` and
//! answers `201` with a receipt. The same bundle again answers `200` with the same receipt;
//! a bundle for another case answers `409`; a failing bundle answers `422` listing each
//! failing item and why, storing nothing.
//!
//! Until then the route authenticates and authorises like every other case route and
//! answers `501 not_implemented`, so clients can already discover it.

use super::auth::Caller;
use super::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::store::meta::Role;
use axum::extract::{Path, State};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit_bundle))
}

/// Submits a signed evidence bundle for a case (not yet available: waits on `kancha_core::bundle`).
#[utoipa::path(post, path = "/v1/cases/{id}/bundles", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body(content = serde_json::Value, description = "Signed manifest as defined by kancha_core::bundle"),
    responses((status = 501, body = ErrorBody, description = "Bundle verification is not available yet"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn submit_bundle(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<(), ApiError> {
    caller.require(&[Role::Admin, Role::Surveyor, Role::Customer], "submit bundles")?;
    caller.visible_case(state.meta.as_ref(), &id).await?;
    Err(ApiError::NotImplemented(
        "bundle verification waits on kancha_core::bundle; uploads are kept until it lands".into(),
    ))
}
