//! Evidence-bundle submission: the device uploads each item by tus, then submits the signed
//! manifest here. Verification is `kancha_core::bundle::verify` (the one implementation):
//! signature, capture-log chain, and every item's SHA-256 and size against the uploaded bytes.
//! Only a fully verified bundle is stored (atomically) and answered with a receipt; the same
//! bundle again gets the same receipt; a failing one gets each failing item and why.

use super::auth::Caller;
use super::{ApiJson, AppState};
use crate::error::{ApiError, ErrorBody};
use crate::ids::{CaseId, UploadId};
use crate::store::meta::{BundleRecord, Role};
use crate::store::BlobStore;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use chrono::{DateTime, Utc};
use kancha_core::bundle::{ItemSource, ManifestItem};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit_bundle))
}

/// A sealed bundle as the device submits it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleSubmission {
    /// The manifest bytes exactly as signed (`kancha_core::bundle` canonical form), base64.
    pub manifest: String,
    /// The ES256 signature over those bytes, base64.
    pub signature: String,
    /// Manifest item id → id of the completed tus upload of this case holding its bytes.
    pub items: BTreeMap<String, String>,
}

/// The server's receipt for a stored bundle.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug, PartialEq)]
pub struct Receipt {
    /// Receipt id.
    pub receipt_id: String,
    /// Bundle id from the manifest.
    pub bundle_id: String,
    /// The case.
    pub case_id: String,
    /// SHA-256 of the manifest bytes, hex.
    pub manifest_sha256: String,
    /// Number of items verified.
    pub items: usize,
    /// When the server accepted the bundle.
    pub received_at: DateTime<Utc>,
}

impl From<&BundleRecord> for Receipt {
    fn from(b: &BundleRecord) -> Self {
        Receipt {
            receipt_id: b.receipt_id.clone(),
            bundle_id: b.bundle_id.clone(),
            case_id: b.case_id.to_string(),
            manifest_sha256: b.manifest_sha256.clone(),
            items: b.items.len(),
            received_at: b.received_at,
        }
    }
}

/// Serves item bytes from the blob store to the (synchronous) verifier on a blocking thread.
struct UploadedItems {
    uploads: HashMap<String, UploadId>,
    blobs: Arc<dyn BlobStore>,
    rt: tokio::runtime::Handle,
}

impl ItemSource for UploadedItems {
    fn open(&self, item: &ManifestItem) -> Option<Box<dyn std::io::Read + '_>> {
        let id = self.uploads.get(&item.id)?;
        let reader = self.rt.block_on(self.blobs.read(id)).ok()?;
        Some(Box::new(tokio_util::io::SyncIoBridge::new_with_handle(reader, self.rt.clone())))
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad("invalid_bundle", message)
}

/// Verifies and stores a sealed evidence bundle for a case (its surveyor, its customer, admin).
#[utoipa::path(post, path = "/v1/cases/{id}/bundles", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")), request_body = BundleSubmission,
    responses(
        (status = 201, body = Receipt, description = "Verified and stored"),
        (status = 200, body = Receipt, description = "Already stored: the same receipt"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The bundle belongs to another case, or its id to other content"),
        (status = 422, body = ErrorBody, description = "Verification failed; `failures` lists each item and why"),
    ))]
async fn submit_bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(raw): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    caller.require(&[Role::Admin, Role::Surveyor, Role::Customer], "submit bundles")?;
    let case = caller.visible_case(state.meta.as_ref(), &id).await?;
    // The body's shape is checked only after the caller is known to be allowed here.
    let sub: BundleSubmission = serde_json::from_value(raw).map_err(|e| invalid(e.to_string()))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let manifest = b64.decode(sub.manifest.trim()).map_err(|_| invalid("manifest is not base64"))?;
    let signature = b64.decode(sub.signature.trim()).map_err(|_| invalid("signature is not base64"))?;

    // Only completed uploads of this very case can stand for an item; anything else is
    // reported by the verifier as a missing item.
    let mut uploads = HashMap::new();
    for (item, upload) in &sub.items {
        let upload = UploadId::parse(upload).map_err(|e| invalid(format!("upload id for item {item:?}: {e}")))?;
        if let Some(u) = state.meta.upload(&upload).await? {
            if u.completed_at.is_some() && u.case_id.as_ref() == Some(&case.id) {
                uploads.insert(item.clone(), upload);
            }
        }
    }
    let source = UploadedItems { uploads, blobs: state.blobs.clone(), rt: tokio::runtime::Handle::current() };
    let (manifest, signature, verdict) = tokio::task::spawn_blocking(move || {
        let verdict = kancha_core::bundle::verify(&manifest, &signature, &source);
        (manifest, signature, verdict.map(|v| (v, source.uploads)))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verification task: {e}")))?;
    let (verified, uploads) = verdict.map_err(|rejected| {
        tracing::info!(case = %case.id, failures = rejected.failures.len(), "bundle rejected");
        ApiError::BundleRejected(rejected)
    })?;
    if verified.manifest.case.id != case.id.as_str() {
        return Err(ApiError::Conflict {
            code: "bundle_for_another_case",
            message: format!("the bundle seals case {:?}, not {}", verified.manifest.case.id, case.id),
        });
    }
    let known: Vec<&str> = verified.manifest.items.iter().map(|i| i.id.as_str()).collect();
    if let Some(extra) = sub.items.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(format!("item {extra:?} is not in the manifest")));
    }
    let record = BundleRecord {
        bundle_id: verified.manifest.bundle_id.clone(),
        case_id: case.id.clone(),
        manifest_sha256: verified.manifest_sha256.clone(),
        manifest,
        signature,
        items: verified.manifest.items.iter().filter_map(|i| Some((i.id.clone(), uploads.get(&i.id)?.clone()))).collect(),
        receipt_id: crate::tokens::random_hex(16),
        received_at: DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_else(Utc::now),
    };
    let stored = state.meta.put_bundle(record.clone()).await?;
    if stored.receipt_id == record.receipt_id {
        tracing::info!(case = %case.id, bundle = %stored.bundle_id, items = stored.items.len(), "bundle stored");
        record_proven_arrival(&state, &case, verified.manifest.arrival.as_ref()).await?;
        return Ok((StatusCode::CREATED, Json(Receipt::from(&stored))));
    }
    if stored.manifest_sha256 == record.manifest_sha256 && stored.case_id == case.id {
        return Ok((StatusCode::OK, Json(Receipt::from(&stored))));
    }
    Err(ApiError::Conflict {
        code: "bundle_conflict",
        message: format!("bundle {} was already stored with other content or for another case", stored.bundle_id),
    })
}

/// A verified bundle whose arrival clock proved arrival (by a fix or photo at the scene) records
/// that arrival on the case, unless one was reported already: the signed record is the evidence.
async fn record_proven_arrival(
    state: &AppState,
    case: &crate::store::meta::CaseRecord,
    arrival: Option<&serde_json::Value>,
) -> Result<(), ApiError> {
    let Some(arrived) = arrival.and_then(|a| a.get("arrived")) else { return Ok(()) };
    if case.arrived_at.is_some() || arrived.get("proven").and_then(serde_json::Value::as_bool) != Some(true) {
        return Ok(());
    }
    let Some(at) = arrived.get("at").and_then(|t| serde_json::from_value::<DateTime<Utc>>(t.clone()).ok()) else {
        return Ok(());
    };
    let at = super::cases::millis(at);
    let plausible = case.dispatched_at.is_some_and(|d| at >= d) && at <= Utc::now() + super::cases::CLOCK_SKEW;
    if plausible {
        state.meta.record_arrival(&case.id, at).await?;
        tracing::info!(case = %case.id, %at, "arrival recorded from the bundle's arrival clock");
    }
    Ok(())
}

/// Receipts of the bundles stored for a case.
pub async fn receipts(state: &AppState, case_id: &CaseId) -> Result<Vec<Receipt>, ApiError> {
    Ok(state.meta.case_bundles(case_id).await?.iter().map(Receipt::from).collect())
}
