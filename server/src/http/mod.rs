//! The HTTP API. Handlers see only [`AppState`] and the storage traits, never SQLite or files.

pub mod auth;
pub mod bundles;
pub mod cases;
pub mod health;
pub mod locks;
pub mod reports;
pub mod tus;

use crate::config::Config;
use crate::store::{BlobStore, MetaStore, Stores};
use axum::Router;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Records.
    pub meta: Arc<dyn MetaStore>,
    /// Bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// One writer per upload.
    pub locks: locks::UploadLocks,
    /// Cancelled when the server begins shutting down.
    pub stopping: CancellationToken,
}

impl AppState {
    /// State over the given stores.
    pub fn new(config: Arc<Config>, stores: Stores) -> Self {
        AppState {
            config,
            meta: stores.meta,
            blobs: stores.blobs,
            locks: locks::UploadLocks::default(),
            stopping: CancellationToken::new(),
        }
    }
}

/// The OpenAPI document's fixed parts; paths and schemas are added from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kancha companion server", description = "Evidence uploads (tus 1.0), cases, people and arrival reports."),
    modifiers(&BearerAuth),
    tags(
        (name = "tus", description = "Resumable uploads, tus 1.0.0"),
        (name = "cases", description = "Cases, dispatch and arrival"),
        (name = "auth", description = "Tokens"),
        (name = "reports", description = "Arrival and document reports"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route with its OpenAPI description, generated from the handlers' annotations.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::routes())
        .merge(auth::routes())
        .merge(tus::routes())
        .merge(cases::routes())
        .merge(reports::routes())
        .merge(bundles::routes())
}

/// The OpenAPI document of [`api`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The complete application: the API plus `/v1/openapi.json`.
pub fn router(state: AppState) -> Router {
    let (router, doc) = api().split_for_parts();
    let doc = Arc::new(doc);
    router
        .route(
            "/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .layer(axum::middleware::from_fn(trace_request))
        .with_state(state)
}

/// One structured log line per request.
async fn trace_request(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    tracing::info!(%method, %path, status = resp.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    resp
}

/// `Json` whose refusals are [`crate::error::ApiError`]s (code `invalid_json`), like every other error.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = crate::error::ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(|e| crate::error::ApiError::bad("invalid_json", e.body_text()))
    }
}

/// `Query` whose refusals are [`crate::error::ApiError`]s (code `invalid_query`).
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| crate::error::ApiError::bad("invalid_query", e.body_text()))
    }
}
