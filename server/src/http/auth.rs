//! Who is calling and what they may do: bearer tokens, roles, and case scope.
//!
//! Every handler takes a [`Caller`] and asks it before acting; a case the caller may not see
//! is answered exactly like a case that does not exist.

use super::{ApiJson, AppState};
use crate::error::ApiError;
use crate::ids::{CaseId, PersonId};
use crate::store::meta::{CaseRecord, MetaStore, Role, TokenRecord};
use crate::tokens;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Public id of the token used.
    pub token_id: String,
    /// The token's role.
    pub role: Role,
    /// The person (staff roles).
    pub person: Option<PersonId>,
    /// The one case a customer may touch.
    pub case_id: Option<CaseId>,
}

impl Caller {
    /// Refuses unless the caller has one of `roles`; `action` says what was attempted.
    pub fn require(&self, roles: &[Role], action: &'static str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(self.role.as_str(), action))
        }
    }

    /// Whether the caller may see this case: staff of the back office see all, a surveyor
    /// the cases assigned to them, a customer their one case.
    pub fn can_see(&self, case: &CaseRecord) -> bool {
        match self.role {
            Role::Admin | Role::Dispatcher => true,
            Role::Surveyor => self.person.is_some() && case.surveyor == self.person,
            Role::Customer => self.case_id.as_ref() == Some(&case.id),
        }
    }

    /// Who owns what this caller uploads: the person, or for a customer the case.
    pub fn subject(&self) -> String {
        match (&self.role, &self.person, &self.case_id) {
            (Role::Customer, _, Some(case)) => format!("customer:{case}"),
            (_, Some(person), _) => format!("person:{person}"),
            _ => format!("token:{}", self.token_id),
        }
    }

    /// Loads a case the caller may see; an invisible case is "not found", like a missing one.
    pub async fn visible_case(&self, meta: &dyn MetaStore, id: &str) -> Result<CaseRecord, ApiError> {
        let not_found = || ApiError::NotFound(format!("case {id}"));
        let id = CaseId::parse(id).map_err(|_| not_found())?;
        match meta.case(&id).await? {
            Some(case) if self.can_see(&case) => Ok(case),
            _ => Err(not_found()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or(ApiError::Unauthenticated)?;
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        let token = state.meta.token_by_hash(&tokens::hash_secret(secret)).await?.ok_or(ApiError::Unauthenticated)?;
        if token.expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(ApiError::TokenExpired);
        }
        Ok(Caller { token_id: token.id, role: token.role, person: token.person, case_id: token.case_id })
    }
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// Staff tokens other than admin name the person they belong to.
    #[error("a {0} token needs a person (--person / \"person\")")]
    PersonRequired(&'static str),
    /// A customer token is scoped to exactly one existing case.
    #[error("a customer token needs the case it is for (--case / \"case_id\")")]
    CaseRequired,
    /// Only customer tokens carry a case.
    #[error("only customer tokens are scoped to a case")]
    CaseNotAllowed,
    /// The case named does not exist.
    #[error("case {0} does not exist")]
    NoSuchCase(CaseId),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::MetaError),
}

impl From<IssueError> for ApiError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Store(e) => e.into(),
            IssueError::NoSuchCase(id) => ApiError::NotFound(format!("case {id}")),
            other => ApiError::bad("invalid_token_request", other.to_string()),
        }
    }
}

/// A token just issued; the secret is shown once and never stored.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// The bearer secret (send as `Authorization: Bearer <token>`).
    pub token: String,
    /// Public id of the token.
    pub id: String,
    /// Its role.
    pub role: Role,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a token and stores its hash; the one place tokens are made (CLI and API).
pub async fn issue_token(
    meta: &dyn MetaStore,
    role: Role,
    person: Option<PersonId>,
    case_id: Option<CaseId>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<IssuedToken, IssueError> {
    match role {
        Role::Customer => {
            let case = case_id.as_ref().ok_or(IssueError::CaseRequired)?;
            if meta.case(case).await?.is_none() {
                return Err(IssueError::NoSuchCase(case.clone()));
            }
        }
        _ if case_id.is_some() => return Err(IssueError::CaseNotAllowed),
        Role::Surveyor | Role::Dispatcher if person.is_none() => {
            return Err(IssueError::PersonRequired(role.as_str()));
        }
        _ => {}
    }
    let secret = tokens::new_secret();
    let record = TokenRecord {
        id: tokens::random_hex(8),
        hash: tokens::hash_secret(&secret),
        role,
        person,
        case_id,
        created_at: Utc::now(),
        expires_at,
    };
    let issued = IssuedToken { token: secret, id: record.id.clone(), role, expires_at };
    meta.put_token(record).await?;
    Ok(issued)
}

/// Request to issue a staff token.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Role of the new token.
    pub role: Role,
    /// The person it belongs to (required for surveyor and dispatcher).
    pub person: Option<PersonId>,
    /// For customer tokens: the case (prefer `POST /v1/cases/{id}/customer-link`).
    pub case_id: Option<CaseId>,
    /// Lifetime in seconds; staff tokens without it live until revoked.
    pub ttl_secs: Option<u64>,
}

/// Issues a token (admin only).
#[utoipa::path(post, path = "/v1/tokens", tag = "auth", request_body = TokenRequest,
    security(("bearer" = [])),
    responses((status = 201, body = IssuedToken), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    caller.require(&[Role::Admin], "issue tokens")?;
    let mut ttl = req.ttl_secs;
    if req.role == Role::Customer {
        // Customer tokens are always short-lived.
        ttl = Some(ttl.unwrap_or(u64::MAX).min(state.config.customer_token_secs));
    }
    let expires_at = ttl.map(|s| Utc::now() + chrono::Duration::seconds(s.min(i64::MAX as u64 / 1000) as i64));
    let issued = issue_token(state.meta.as_ref(), req.role, req.person, req.case_id, expires_at).await?;
    tracing::info!(token = %issued.id, role = req.role.as_str(), by = %caller.token_id, "token issued");
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Who the caller is (lets an app check its token).
#[derive(Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    /// Public id of the token.
    pub token_id: String,
    /// Role.
    pub role: Role,
    /// Person, for staff.
    pub person: Option<PersonId>,
    /// Case, for customers.
    pub case_id: Option<CaseId>,
}

/// Describes the caller's token.
#[utoipa::path(get, path = "/v1/whoami", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = WhoAmI), (status = 401, body = crate::error::ErrorBody)))]
async fn whoami(caller: Caller) -> Json<WhoAmI> {
    Json(WhoAmI { token_id: caller.token_id, role: caller.role, person: caller.person, case_id: caller.case_id })
}

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token)).routes(routes!(whoami))
}
