//! Reports for the back office: on-time arrival rate per zone, surveyor or day; cases at risk
//! now; cases with missing documents. Each as JSON or, with `?format=csv`, as CSV.

use super::auth::Caller;
use super::cases::missing_documents;
use super::{ApiQuery, AppState};
use crate::arrival::{ArrivalStatus, ArrivalVerdict};
use crate::error::{ApiError, ErrorBody};
use crate::store::meta::{CaseFilter, CaseRecord, Role};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(arrivals))
        .routes(routes!(at_risk))
        .routes(routes!(missing))
}

/// Answer format.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// JSON array (default).
    #[default]
    Json,
    /// CSV with a header line.
    Csv,
}

/// How to group the arrival rate.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// Per zone.
    #[default]
    Zone,
    /// Per surveyor.
    Surveyor,
    /// Per local day of dispatch (see `report_utc_offset_minutes`).
    Day,
}

/// Parameters of the arrival report.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArrivalQuery {
    /// Grouping: `zone` (default), `surveyor` or `day`.
    #[serde(default)]
    pub by: GroupBy,
    /// First local day of dispatch to include (`YYYY-MM-DD`).
    pub from: Option<NaiveDate>,
    /// Last local day of dispatch to include (`YYYY-MM-DD`).
    pub to: Option<NaiveDate>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Format,
}

/// Parameters of the list reports.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Format,
}

/// On-time arrival counts for one group.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug, PartialEq)]
pub struct ArrivalRow {
    /// Zone, surveyor or day (`YYYY-MM-DD`); `unassigned` when a case has no surveyor.
    pub group: String,
    /// Cases dispatched in the group.
    pub dispatched: u64,
    /// Arrived within the target.
    pub on_time: u64,
    /// Arrived after the target.
    pub late: u64,
    /// Not arrived and past the target (already missed).
    pub overdue: u64,
    /// Not arrived, target not yet passed (not counted in the rate).
    pub pending: u64,
    /// `on_time / (on_time + late + overdue)`; `null` when nothing is decided yet.
    pub on_time_rate: Option<f64>,
}

/// A case whose arrival target is at risk or already missed.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug)]
pub struct AtRiskRow {
    /// Case id.
    pub case_id: String,
    /// Zone.
    pub zone: String,
    /// Assigned surveyor.
    pub surveyor: Option<String>,
    /// `at_risk` or `overdue`.
    pub status: ArrivalStatus,
    /// Dispatch time.
    pub dispatched_at: DateTime<Utc>,
    /// When arrival is due.
    pub due_at: DateTime<Utc>,
    /// Minutes until due (negative once overdue).
    pub minutes_left: i64,
}

/// A case with required documents not yet received.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug)]
pub struct MissingRow {
    /// Case id.
    pub case_id: String,
    /// Zone.
    pub zone: String,
    /// Assigned surveyor.
    pub surveyor: Option<String>,
    /// Missing document kinds (`;`-separated in CSV).
    pub missing: Vec<String>,
}

fn back_office(caller: &Caller) -> Result<(), ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher], "read reports")
}

async fn all_cases(state: &AppState) -> Result<Vec<CaseRecord>, ApiError> {
    Ok(state.meta.cases(CaseFilter::default()).await?)
}

/// Groups dispatched cases and counts on-time, late, overdue and pending arrivals.
pub fn arrival_rows(cases: &[CaseRecord], q: &ArrivalQuery, offset: FixedOffset, at_risk_percent: u32) -> Vec<ArrivalRow> {
    let now = Utc::now();
    let mut groups: BTreeMap<String, ArrivalRow> = BTreeMap::new();
    for case in cases {
        let Some(dispatched) = case.dispatched_at else { continue };
        let day = dispatched.with_timezone(&offset).date_naive();
        if q.from.is_some_and(|f| day < f) || q.to.is_some_and(|t| day > t) {
            continue;
        }
        let group = match q.by {
            GroupBy::Zone => case.zone.clone(),
            GroupBy::Surveyor => case.surveyor.as_ref().map_or("unassigned".into(), |p| p.to_string()),
            GroupBy::Day => day.format("%Y-%m-%d").to_string(),
        };
        let row = groups.entry(group.clone()).or_insert_with(|| ArrivalRow {
            group,
            dispatched: 0,
            on_time: 0,
            late: 0,
            overdue: 0,
            pending: 0,
            on_time_rate: None,
        });
        row.dispatched += 1;
        match ArrivalVerdict::of(case, now, at_risk_percent).status {
            ArrivalStatus::OnTime => row.on_time += 1,
            ArrivalStatus::Late => row.late += 1,
            ArrivalStatus::Overdue => row.overdue += 1,
            _ => row.pending += 1,
        }
    }
    groups
        .into_values()
        .map(|mut r| {
            let decided = r.on_time + r.late + r.overdue;
            r.on_time_rate = (decided > 0).then(|| r.on_time as f64 / decided as f64);
            r
        })
        .collect()
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Response {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    let mut resp = out.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    resp
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// On-time arrival rate per zone, surveyor or day (dispatcher, admin).
#[utoipa::path(get, path = "/v1/reports/arrivals", tag = "reports", security(("bearer" = [])), params(ArrivalQuery),
    responses((status = 200, body = Vec<ArrivalRow>, description = "JSON, or CSV with `format=csv`"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn arrivals(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ArrivalQuery>) -> Result<Response, ApiError> {
    back_office(&caller)?;
    let offset = FixedOffset::east_opt(state.config.report_utc_offset_minutes * 60)
        .ok_or_else(|| ApiError::Internal("report offset out of range".into()))?;
    let rows = arrival_rows(&all_cases(&state).await?, &q, offset, state.config.at_risk_percent);
    Ok(match q.format {
        Format::Json => Json(rows).into_response(),
        Format::Csv => csv(
            &["group", "dispatched", "on_time", "late", "overdue", "pending", "on_time_rate"],
            rows.into_iter().map(|r| {
                vec![
                    r.group,
                    r.dispatched.to_string(),
                    r.on_time.to_string(),
                    r.late.to_string(),
                    r.overdue.to_string(),
                    r.pending.to_string(),
                    r.on_time_rate.map(|x| format!("{x:.4}")).unwrap_or_default(),
                ]
            }),
        ),
    })
}

/// Cases not yet arrived whose target is at risk or already missed, most urgent first (dispatcher, admin).
#[utoipa::path(get, path = "/v1/reports/at-risk", tag = "reports", security(("bearer" = [])), params(FormatQuery),
    responses((status = 200, body = Vec<AtRiskRow>, description = "JSON, or CSV with `format=csv`"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn at_risk(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<FormatQuery>) -> Result<Response, ApiError> {
    back_office(&caller)?;
    let now = Utc::now();
    let mut rows: Vec<AtRiskRow> = all_cases(&state)
        .await?
        .into_iter()
        .filter_map(|case| {
            let v = ArrivalVerdict::of(&case, now, state.config.at_risk_percent);
            if !matches!(v.status, ArrivalStatus::AtRisk | ArrivalStatus::Overdue) {
                return None;
            }
            let due_at = v.due_at?;
            Some(AtRiskRow {
                case_id: case.id.to_string(),
                zone: case.zone,
                surveyor: case.surveyor.map(String::from),
                status: v.status,
                dispatched_at: case.dispatched_at?,
                due_at,
                minutes_left: (due_at - now).num_minutes(),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.case_id.cmp(&b.case_id)));
    Ok(match q.format {
        Format::Json => Json(rows).into_response(),
        Format::Csv => csv(
            &["case_id", "zone", "surveyor", "status", "dispatched_at", "due_at", "minutes_left"],
            rows.into_iter().map(|r| {
                vec![
                    r.case_id,
                    r.zone,
                    opt(&r.surveyor),
                    serde_json::to_value(r.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                    r.dispatched_at.to_rfc3339(),
                    r.due_at.to_rfc3339(),
                    r.minutes_left.to_string(),
                ]
            }),
        ),
    })
}

/// Cases with required documents not yet received (dispatcher, admin).
#[utoipa::path(get, path = "/v1/reports/missing-documents", tag = "reports", security(("bearer" = [])), params(FormatQuery),
    responses((status = 200, body = Vec<MissingRow>, description = "JSON, or CSV with `format=csv`"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn missing(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<FormatQuery>) -> Result<Response, ApiError> {
    back_office(&caller)?;
    let mut rows = Vec::new();
    for case in all_cases(&state).await? {
        let uploads = state.meta.case_uploads(&case.id).await?;
        let missing = missing_documents(&case, &uploads);
        if !missing.is_empty() {
            rows.push(MissingRow {
                case_id: case.id.to_string(),
                zone: case.zone,
                surveyor: case.surveyor.map(String::from),
                missing,
            });
        }
    }
    rows.sort_by(|a, b| a.case_id.cmp(&b.case_id));
    Ok(match q.format {
        Format::Json => Json(rows).into_response(),
        Format::Csv => csv(
            &["case_id", "zone", "surveyor", "missing"],
            rows.into_iter().map(|r| vec![r.case_id, r.zone, opt(&r.surveyor), r.missing.join(";")]),
        ),
    })
}
