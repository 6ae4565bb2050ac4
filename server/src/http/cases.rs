//! Cases and dispatch: create and assign cases, list a surveyor's cases, read one case with its
//! evidence, arrival verdict and missing documents, record arrival, hand a customer a link.

use super::auth::{issue_token, Caller};
use super::{ApiJson, ApiQuery, AppState};
use crate::arrival::ArrivalVerdict;
use crate::error::{ApiError, ErrorBody};
use crate::ids::{CaseId, PersonId};
use crate::store::meta::{CaseFilter, CaseRecord, MetaStore, Role, UploadRecord};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Longest arrival target accepted, in minutes (a day).
const MAX_TARGET_MINUTES: u32 = 24 * 60;

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_case, list_cases))
        .routes(routes!(read_case))
        .routes(routes!(assign_case))
        .routes(routes!(record_arrival))
        .routes(routes!(customer_link))
}

/// A new case from dispatch.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// Case id (the claim or dispatch number): letters, digits, `_`, `-`.
    pub id: CaseId,
    /// Zone name used by reports (district, county, or `urban` / `suburban` / `out_of_town`).
    pub zone: String,
    /// Minutes from dispatch to arrival that count as on time (e.g. 30 in the city, 60 outside).
    pub target_minutes: u32,
    /// Document kinds the case needs (`driver_licence`, `vehicle_licence`, …).
    #[serde(default)]
    pub required_documents: Vec<String>,
    /// Free text from dispatch.
    #[serde(default)]
    pub note: String,
    /// Assign at once to this surveyor.
    pub surveyor: Option<PersonId>,
    /// When the surveyor received the dispatch; defaults to now when `surveyor` is given.
    pub dispatched_at: Option<DateTime<Utc>>,
}

/// One piece of evidence received for a case.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evidence {
    /// The tus upload id.
    pub upload_id: String,
    /// What it is (upload metadata `kind`).
    pub kind: Option<String>,
    /// Declared size in bytes.
    pub length: u64,
    /// Bytes received.
    pub received: u64,
    /// When the last byte arrived; `None` while uploading.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A case as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Case id.
    pub id: CaseId,
    /// Zone name.
    pub zone: String,
    /// Arrival target in minutes.
    pub target_minutes: u32,
    /// Assigned surveyor.
    pub surveyor: Option<PersonId>,
    /// When the surveyor received the dispatch.
    pub dispatched_at: Option<DateTime<Utc>>,
    /// When the device reported arrival.
    pub arrived_at: Option<DateTime<Utc>>,
    /// The arrival verdict now.
    pub arrival: ArrivalVerdict,
    /// Document kinds the case needs.
    pub required_documents: Vec<String>,
    /// Required kinds with no completed upload yet.
    pub missing_documents: Vec<String>,
    /// Uploads attached to the case (only in single-case answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<Evidence>>,
    /// Receipts of verified evidence bundles (only in single-case answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundles: Option<Vec<super::bundles::Receipt>>,
    /// Free text from dispatch.
    pub note: String,
    /// When the case was created.
    pub created_at: DateTime<Utc>,
}

/// Required document kinds with no completed upload of that kind.
pub fn missing_documents(case: &CaseRecord, uploads: &[UploadRecord]) -> Vec<String> {
    case.required_documents
        .iter()
        .filter(|kind| !uploads.iter().any(|u| u.completed_at.is_some() && u.kind.as_deref() == Some(kind.as_str())))
        .cloned()
        .collect()
}

/// Builds the view of a case; `with_evidence` lists the uploads too.
pub async fn view(state: &AppState, case: CaseRecord, with_evidence: bool) -> Result<CaseView, ApiError> {
    let uploads = state.meta.case_uploads(&case.id).await?;
    let missing = missing_documents(&case, &uploads);
    let evidence = with_evidence.then(|| {
        uploads
            .iter()
            .map(|u| Evidence {
                upload_id: u.id.to_string(),
                kind: u.kind.clone(),
                length: u.length,
                received: u.offset,
                completed_at: u.completed_at,
            })
            .collect()
    });
    let bundles = if with_evidence { Some(super::bundles::receipts(state, &case.id).await?) } else { None };
    Ok(CaseView {
        bundles,
        arrival: ArrivalVerdict::of(&case, Utc::now(), state.config.at_risk_percent),
        id: case.id,
        zone: case.zone,
        target_minutes: case.target_minutes,
        surveyor: case.surveyor,
        dispatched_at: case.dispatched_at,
        arrived_at: case.arrived_at,
        required_documents: case.required_documents,
        missing_documents: missing,
        evidence,
        note: case.note,
        created_at: case.created_at,
    })
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad("invalid_case", message)
}

/// Drops sub-millisecond precision, which the stores do not keep, so a repeated report compares equal.
pub(crate) fn millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Creates a case, optionally assigned at once (dispatcher, admin).
#[utoipa::path(post, path = "/v1/cases", tag = "cases", security(("bearer" = [])), request_body = NewCase,
    responses((status = 201, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(new): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher], "create cases")?;
    if new.zone.trim().is_empty() || new.zone.len() > 64 {
        return Err(invalid("zone must be 1 to 64 characters"));
    }
    if new.target_minutes == 0 || new.target_minutes > MAX_TARGET_MINUTES {
        return Err(invalid(format!("target_minutes must be between 1 and {MAX_TARGET_MINUTES}")));
    }
    if new.required_documents.iter().any(|d| d.trim().is_empty() || d.len() > 64) {
        return Err(invalid("each required document kind must be 1 to 64 characters"));
    }
    if new.dispatched_at.is_some() && new.surveyor.is_none() {
        return Err(invalid("dispatched_at needs a surveyor"));
    }
    let now = millis(Utc::now());
    let case = CaseRecord {
        id: new.id,
        zone: new.zone.trim().to_owned(),
        target_minutes: new.target_minutes,
        dispatched_at: new.surveyor.as_ref().map(|_| millis(new.dispatched_at.unwrap_or(now))),
        surveyor: new.surveyor,
        arrived_at: None,
        required_documents: new.required_documents,
        note: new.note,
        created_at: now,
    };
    state.meta.create_case(case.clone()).await.map_err(|e| match e {
        crate::store::MetaError::Conflict(_) => {
            ApiError::Conflict { code: "case_exists", message: format!("case {} already exists", case.id) }
        }
        other => other.into(),
    })?;
    tracing::info!(case = %case.id, by = %caller.token_id, surveyor = ?case.surveyor, "case created");
    Ok((StatusCode::CREATED, Json(view(&state, case, true).await?)))
}

/// Filter for listing cases.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Only this surveyor's cases (back office); surveyors always see only their own.
    pub surveyor: Option<PersonId>,
}

/// Lists cases: a surveyor's own, or any for the back office.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", security(("bearer" = [])), params(CaseQuery),
    responses((status = 200, body = Vec<CaseView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_cases(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Surveyor], "list cases")?;
    let surveyor = if caller.role == Role::Surveyor {
        if q.surveyor.is_some() && q.surveyor != caller.person {
            return Err(ApiError::Forbidden("surveyor", "list another surveyor's cases"));
        }
        Some(caller.person.clone().ok_or(ApiError::Forbidden("surveyor", "list cases without a person"))?)
    } else {
        q.surveyor
    };
    let cases = state.meta.cases(CaseFilter { surveyor }).await?;
    let mut out = Vec::with_capacity(cases.len());
    for case in cases {
        out.push(view(&state, case, false).await?);
    }
    Ok(Json(out))
}

/// Reads one case with its evidence, arrival verdict and missing documents.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such case, or not the caller's")))]
async fn read_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    let case = caller.visible_case(state.meta.as_ref(), &id).await?;
    Ok(Json(view(&state, case, true).await?))
}

/// Assignment of a case to a surveyor.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The surveyor.
    pub surveyor: PersonId,
    /// When they received the dispatch; defaults to now.
    pub dispatched_at: Option<DateTime<Utc>>,
}

/// Assigns (or reassigns) a case; the arrival clock restarts at `dispatched_at` (dispatcher, admin).
#[utoipa::path(post, path = "/v1/cases/{id}/assign", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")), request_body = Assignment,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn assign_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Assignment>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher], "assign cases")?;
    let case = caller.visible_case(state.meta.as_ref(), &id).await?;
    let case = state.meta.assign_case(&case.id, &a.surveyor, millis(a.dispatched_at.unwrap_or_else(Utc::now))).await?;
    tracing::info!(case = %case.id, surveyor = %a.surveyor, by = %caller.token_id, "case assigned");
    Ok(Json(view(&state, case, true).await?))
}

/// Arrival at the scene as the device reported it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalReport {
    /// When the surveyor arrived (from the device's arrival detection).
    pub arrived_at: DateTime<Utc>,
}

/// How far a device clock may run ahead of the server's before an arrival is refused.
pub(crate) const CLOCK_SKEW: Duration = Duration::minutes(5);

/// Records the arrival the device reported (the assigned surveyor, or admin).
#[utoipa::path(post, path = "/v1/cases/{id}/arrival", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")), request_body = ArrivalReport,
    responses((status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn record_arrival(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(report): ApiJson<ArrivalReport>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(&[Role::Admin, Role::Surveyor], "report arrival")?;
    let report = ArrivalReport { arrived_at: millis(report.arrived_at) };
    let case = caller.visible_case(state.meta.as_ref(), &id).await?;
    let Some(dispatched) = case.dispatched_at else {
        return Err(ApiError::Conflict { code: "not_dispatched", message: format!("case {} is not dispatched", case.id) });
    };
    match case.arrived_at {
        Some(at) if at == report.arrived_at => return Ok(Json(view(&state, case, true).await?)),
        Some(at) => {
            return Err(ApiError::Conflict {
                code: "arrival_already_recorded",
                message: format!("case {} already has an arrival at {at}", case.id),
            })
        }
        None => {}
    }
    if report.arrived_at < dispatched {
        return Err(ApiError::bad("arrival_before_dispatch", "arrived_at is before the dispatch time"));
    }
    if report.arrived_at > Utc::now() + CLOCK_SKEW {
        return Err(ApiError::bad("arrival_in_future", "arrived_at is in the future; check the device clock"));
    }
    let case = state.meta.record_arrival(&case.id, report.arrived_at).await?;
    tracing::info!(case = %case.id, by = %caller.token_id, "arrival recorded");
    Ok(Json(view(&state, case, true).await?))
}

/// A self-service link for a customer: a short-lived token scoped to one case.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerLink {
    /// The link to send the customer (opens the app on this case with this token).
    pub link: String,
    /// The bearer token inside the link.
    pub token: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// Issues a customer self-service link for this case (dispatcher, admin).
#[utoipa::path(post, path = "/v1/cases/{id}/customer-link", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = CustomerLink), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn customer_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<CustomerLink>), ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher], "issue customer links")?;
    let case = caller.visible_case(state.meta.as_ref(), &id).await?;
    let expires_at = Utc::now() + Duration::seconds(state.config.customer_token_secs.min(i64::MAX as u64 / 1000) as i64);
    let issued = issue_token(state.meta.as_ref() as &dyn MetaStore, Role::Customer, None, Some(case.id.clone()), Some(expires_at)).await?;
    let link = format!("{}/claim/{}#token={}", state.config.public_url(), case.id, issued.token);
    tracing::info!(case = %case.id, token = %issued.id, by = %caller.token_id, "customer link issued");
    Ok((StatusCode::CREATED, Json(CustomerLink { link, token: issued.token, expires_at })))
}
