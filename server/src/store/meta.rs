//! Records the server keeps (tokens, cases, uploads) and the [`MetaStore`] trait that holds them.

use crate::ids::{CaseId, PersonId, UploadId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a token allows; checked by every endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including issuing tokens.
    Admin,
    /// Creates and assigns cases, reads every case and the reports.
    Dispatcher,
    /// Reads and uploads to the cases assigned to them.
    Surveyor,
    /// Self-service claimant: one case only, short-lived.
    Customer,
}

impl Role {
    /// The stored name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Surveyor => "surveyor",
            Role::Customer => "customer",
        }
    }
    /// Parses a stored role name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "dispatcher" => Role::Dispatcher,
            "surveyor" => Role::Surveyor,
            "customer" => Role::Customer,
            _ => return None,
        })
    }
}

/// A bearer token as stored: its hash, never the secret.
#[derive(Clone, Debug)]
pub struct TokenRecord {
    /// Short public id of the token (for logs and audit).
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    /// What the token allows.
    pub role: Role,
    /// The person the token belongs to (staff roles).
    pub person: Option<PersonId>,
    /// The one case a customer token is scoped to.
    pub case_id: Option<CaseId>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working; `None` for staff tokens that live until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A tus upload's record; its bytes live in the [`crate::store::BlobStore`].
#[derive(Clone, Debug, PartialEq)]
pub struct UploadRecord {
    /// Upload id (also the blob id).
    pub id: UploadId,
    /// Who may continue, read or delete it (see `http::auth::Caller::subject`).
    pub owner: String,
    /// The case it belongs to, when the client said so (metadata `case_id`).
    pub case_id: Option<CaseId>,
    /// What it is (metadata `kind`, e.g. a document kind such as `driver_licence`).
    pub kind: Option<String>,
    /// Declared total length in bytes.
    pub length: u64,
    /// Bytes received and stored so far.
    pub offset: u64,
    /// The `Upload-Metadata` header exactly as received.
    pub metadata: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When an unfinished upload is deleted.
    pub expires_at: DateTime<Utc>,
    /// When the last byte arrived.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A survey case as stored: dispatch, zone, target and what the device reported.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseRecord {
    /// Case id (claim or dispatch number).
    pub id: CaseId,
    /// Zone name used by reports (a district or county, or `urban` / `suburban` / `out_of_town`).
    pub zone: String,
    /// Minutes from dispatch to arrival that count as on time for this case.
    pub target_minutes: u32,
    /// The surveyor it is assigned to.
    pub surveyor: Option<PersonId>,
    /// When the surveyor received the dispatch.
    pub dispatched_at: Option<DateTime<Utc>>,
    /// When the device reported arrival at the scene.
    pub arrived_at: Option<DateTime<Utc>>,
    /// Document kinds this case needs (e.g. `driver_licence`, `vehicle_licence`).
    pub required_documents: Vec<String>,
    /// Free-text description from dispatch.
    pub note: String,
    /// When the case was created.
    pub created_at: DateTime<Utc>,
}

/// Which cases to list.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// Only cases assigned to this surveyor.
    pub surveyor: Option<PersonId>,
}

/// Why a record operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// A record with this id already exists.
    #[error("{0} already exists")]
    Conflict(String),
    /// No record with this id.
    #[error("{0} not found")]
    NotFound(String),
    /// The backend failed; a retry may help.
    #[error("record storage failed: {0}")]
    Backend(String),
}

/// Record storage. Implementations: SQLite (embedded); later PostgreSQL.
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// Stores a new token.
    async fn put_token(&self, token: TokenRecord) -> Result<(), MetaError>;
    /// Finds a token by the hash of its secret.
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, MetaError>;

    /// Stores a new upload; `Conflict` if the id exists.
    async fn create_upload(&self, upload: UploadRecord) -> Result<(), MetaError>;
    /// Reads one upload.
    async fn upload(&self, id: &UploadId) -> Result<Option<UploadRecord>, MetaError>;
    /// Records the bytes stored so far and, when complete, the completion time.
    async fn set_upload_offset(
        &self,
        id: &UploadId,
        offset: u64,
        completed_at: Option<DateTime<Utc>>,
    ) -> Result<(), MetaError>;
    /// Deletes an upload record; `false` if there was none.
    async fn delete_upload(&self, id: &UploadId) -> Result<bool, MetaError>;
    /// Unfinished uploads whose expiry is before `now`.
    async fn expired_uploads(&self, now: DateTime<Utc>) -> Result<Vec<UploadId>, MetaError>;
    /// Every upload attached to a case, oldest first.
    async fn case_uploads(&self, case_id: &CaseId) -> Result<Vec<UploadRecord>, MetaError>;
    /// Every upload id (consistency checks: no record without blob and the reverse).
    async fn upload_ids(&self) -> Result<Vec<UploadId>, MetaError>;

    /// Stores a new case; `Conflict` if the id exists.
    async fn create_case(&self, case: CaseRecord) -> Result<(), MetaError>;
    /// Reads one case.
    async fn case(&self, id: &CaseId) -> Result<Option<CaseRecord>, MetaError>;
    /// Assigns a case to a surveyor with the dispatch time; returns the updated case.
    async fn assign_case(
        &self,
        id: &CaseId,
        surveyor: &PersonId,
        dispatched_at: DateTime<Utc>,
    ) -> Result<CaseRecord, MetaError>;
    /// Records the arrival reported by the device; returns the updated case.
    async fn record_arrival(&self, id: &CaseId, arrived_at: DateTime<Utc>) -> Result<CaseRecord, MetaError>;
    /// Lists cases, newest first.
    async fn cases(&self, filter: CaseFilter) -> Result<Vec<CaseRecord>, MetaError>;

    /// Proves the backend is usable (readiness).
    async fn ping(&self) -> Result<(), MetaError>;
}
