//! The one error type every handler returns: a status, a stable code, a message, and whether a
//! retry can help. Internal failures are logged and answered without their details.

use crate::store::{BlobError, MetaError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why a request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No bearer token, or one the server does not know.
    #[error("missing or unknown bearer token")]
    Unauthenticated,
    /// The token has expired (customer links are short-lived).
    #[error("the token has expired")]
    TokenExpired,
    /// The caller's role may not do this.
    #[error("role {0} may not {1}")]
    Forbidden(&'static str, &'static str),
    /// Nothing here, or nothing the caller may see (the two are not distinguished).
    #[error("{0} not found")]
    NotFound(String),
    /// The upload expired and was deleted.
    #[error("upload {0} has expired")]
    Gone(String),
    /// The request is malformed; `code` names what.
    #[error("{message}")]
    BadRequest {
        /// Stable machine-readable code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The request conflicts with the current state; `code` names how.
    #[error("{message}")]
    Conflict {
        /// Stable machine-readable code.
        code: &'static str,
        /// What conflicts.
        message: String,
    },
    /// More bytes than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// Wrong `Content-Type` for this request.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The `Tus-Resumable` version is missing or unsupported.
    #[error("this server speaks tus 1.0.0 (send `Tus-Resumable: 1.0.0`)")]
    TusVersion,
    /// Another request is writing to this upload.
    #[error("upload {0} is being written by another request")]
    Locked(String),
    /// The chunk's bytes do not match its `Upload-Checksum`; the chunk was discarded.
    #[error("checksum mismatch: the chunk was discarded")]
    ChecksumMismatch,
    /// This part of the API waits on work not yet done.
    #[error("{0}")]
    NotImplemented(String),
    /// The server is shutting down; retry against the restarted server.
    #[error("the server is shutting down; retry shortly")]
    ShuttingDown,
    /// A storage or internal failure; details are logged, not answered.
    #[error("internal error")]
    Internal(String),
}

/// The JSON body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `offset_mismatch`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Whether repeating the same request later may succeed.
    pub retryable: bool,
}

impl ApiError {
    /// The HTTP status for this error (460 is tus's "checksum mismatch").
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::TokenExpired => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(..) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TusVersion => StatusCode::PRECONDITION_FAILED,
            ApiError::Locked(_) => StatusCode::LOCKED,
            ApiError::ChecksumMismatch => StatusCode::from_u16(460).expect("460 is a valid status"),
            ApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::TokenExpired => "token_expired",
            ApiError::Forbidden(..) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Gone(_) => "upload_expired",
            ApiError::BadRequest { code, .. } | ApiError::Conflict { code, .. } => code,
            ApiError::TooLarge(_) => "too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::TusVersion => "tus_version",
            ApiError::Locked(_) => "upload_locked",
            ApiError::ChecksumMismatch => "checksum_mismatch",
            ApiError::NotImplemented(_) => "not_implemented",
            ApiError::ShuttingDown => "shutting_down",
            ApiError::Internal(_) => "internal",
        }
    }

    /// Whether repeating the request later may succeed.
    pub fn retryable(&self) -> bool {
        matches!(self, ApiError::Locked(_) | ApiError::ShuttingDown | ApiError::Internal(_) | ApiError::ChecksumMismatch)
    }

    /// Shorthand for a 400 with a code.
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest { code, message: message.into() }
    }
}

impl From<MetaError> for ApiError {
    fn from(e: MetaError) -> Self {
        match e {
            MetaError::NotFound(what) => ApiError::NotFound(what),
            MetaError::Conflict(what) => ApiError::Conflict { code: "already_exists", message: format!("{what} already exists") },
            MetaError::Backend(msg) => ApiError::Internal(msg),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let status = self.status();
        let body = ErrorBody { code: self.code().into(), message: self.to_string(), retryable: self.retryable() };
        let mut resp = (status, axum::Json(body)).into_response();
        match self {
            ApiError::Unauthenticated | ApiError::TokenExpired => {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TusVersion => {
                resp.headers_mut().insert("tus-version", HeaderValue::from_static("1.0.0"));
            }
            _ => {}
        }
        resp
    }
}
