//! tus 1.0.0 at `/v1/uploads`: core protocol plus creation, creation-with-upload, checksum
//! (sha256, sha1), termination and expiration. Bytes go to the [`crate::store::BlobStore`],
//! offsets and metadata to the [`crate::store::MetaStore`]; the record's offset is the truth,
//! so bytes past it (an unacknowledged write) are discarded on the next append.

use super::auth::Caller;
use super::AppState;
use crate::error::ApiError;
use crate::ids::UploadId;
use crate::store::meta::{Role, UploadRecord};
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sha2::Digest;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The protocol version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Extensions offered, as announced in `Tus-Extension`.
pub const TUS_EXTENSIONS: &str = "creation,creation-with-upload,checksum,termination,expiration";
/// Checksum algorithms accepted in `Upload-Checksum`.
pub const TUS_CHECKSUMS: &str = "sha256,sha1";
const OCTETS: &str = "application/offset+octet-stream";

/// Routes of this module; every answer carries `Tus-Resumable`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(discover, create))
        .routes(routes!(status, append, terminate))
        .layer(axum::middleware::map_response(|mut resp: Response| async move {
            resp.headers_mut().insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
            resp
        }))
}

/// Parsed `Upload-Metadata`: keys with optional decoded values, in order.
#[derive(Debug, Default, PartialEq)]
pub struct Metadata(pub Vec<(String, Option<Vec<u8>>)>);

impl Metadata {
    /// Parses the header: `key base64,key2 base64,key3`; keys unique, no spaces or commas.
    pub fn parse(raw: &str) -> Result<Metadata, ApiError> {
        let bad = |m: String| ApiError::bad("malformed_upload_metadata", m);
        let mut out: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        if raw.trim().is_empty() {
            return Ok(Metadata(out));
        }
        for pair in raw.split(',') {
            let mut parts = pair.trim().split(' ');
            let key = parts.next().unwrap_or_default();
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(bad(format!("Upload-Metadata has an empty or invalid key in {pair:?}")));
            }
            let value = match parts.next() {
                None => None,
                Some(v) => Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(v)
                        .map_err(|_| bad(format!("Upload-Metadata value of {key:?} is not base64")))?,
                ),
            };
            if parts.next().is_some() {
                return Err(bad(format!("Upload-Metadata pair {pair:?} has more than a key and a value")));
            }
            if out.iter().any(|(k, _)| k == key) {
                return Err(bad(format!("Upload-Metadata repeats the key {key:?}")));
            }
            out.push((key.to_owned(), value));
        }
        Ok(Metadata(out))
    }

    /// A value as UTF-8 text.
    pub fn text(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.0.iter().find(|(k, _)| k == key) {
            Some((_, Some(v))) => String::from_utf8(v.clone())
                .map(Some)
                .map_err(|_| ApiError::bad("malformed_upload_metadata", format!("metadata {key:?} is not UTF-8"))),
            _ => Ok(None),
        }
    }
}

fn require_tus(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get("tus-resumable").map(|v| v.as_bytes()) {
        Some(b"1.0.0") => Ok(()),
        _ => Err(ApiError::TusVersion),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|v| v.to_str().map_err(|_| ApiError::bad("malformed_header", format!("{name} is not ASCII text"))))
        .transpose()
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ApiError> {
    header_str(headers, name)?
        .map(|v| {
            // Only plain digits: no sign, no spaces, no hex.
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::bad("malformed_header", format!("{name} must be a non-negative integer")));
            }
            v.parse::<u64>().map_err(|_| ApiError::bad("malformed_header", format!("{name} is too large")))
        })
        .transpose()
}

fn is_octets(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(OCTETS))
        .unwrap_or(false)
}

/// A chunk checksum as sent in `Upload-Checksum`.
enum Checksum {
    Sha256(sha2::Sha256, Vec<u8>),
    Sha1(sha1::Sha1, Vec<u8>),
}

impl Checksum {
    fn parse(headers: &HeaderMap) -> Result<Option<Checksum>, ApiError> {
        let Some(v) = header_str(headers, "upload-checksum")? else { return Ok(None) };
        let bad = |m: &str| ApiError::bad("malformed_upload_checksum", m.to_owned());
        let (algo, b64) = v.trim().split_once(' ').ok_or_else(|| bad("Upload-Checksum must be `<algorithm> <base64>`"))?;
        let want = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| bad("Upload-Checksum value is not base64"))?;
        match algo {
            "sha256" if want.len() == 32 => Ok(Some(Checksum::Sha256(sha2::Sha256::new(), want))),
            "sha1" if want.len() == 20 => Ok(Some(Checksum::Sha1(sha1::Sha1::new(), want))),
            "sha256" | "sha1" => Err(bad("Upload-Checksum digest has the wrong length")),
            _ => Err(ApiError::bad(
                "unsupported_checksum_algorithm",
                format!("checksum algorithm {algo:?} is not supported (use one of {TUS_CHECKSUMS})"),
            )),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Checksum::Sha256(h, _) => h.update(bytes),
            Checksum::Sha1(h, _) => h.update(bytes),
        }
    }

    fn matches(self) -> bool {
        match self {
            Checksum::Sha256(h, want) => h.finalize().as_slice() == want.as_slice(),
            Checksum::Sha1(h, want) => h.finalize().as_slice() == want.as_slice(),
        }
    }
}

/// RFC 9110 date for `Upload-Expires`.
fn http_date(t: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()).expect("a date is a valid header")
}

fn parse_id(id: &str) -> Result<UploadId, ApiError> {
    UploadId::parse(id).map_err(|_| ApiError::NotFound(format!("upload {id}")))
}

/// Loads the upload named by a path segment (an invalid id is simply not found).
async fn load_path(state: &AppState, caller: &Caller, raw_id: &str) -> Result<(UploadId, UploadRecord), ApiError> {
    let id = parse_id(raw_id)?;
    let upload = load(state, caller, &id).await?;
    Ok((id, upload))
}

/// Loads an upload the caller may touch; deletes it and answers 410 if it expired unfinished.
async fn load(state: &AppState, caller: &Caller, id: &UploadId) -> Result<UploadRecord, ApiError> {
    let upload = state.meta.upload(id).await?.ok_or_else(|| ApiError::NotFound(format!("upload {id}")))?;
    if caller.role != Role::Admin && upload.owner != caller.subject() {
        return Err(ApiError::NotFound(format!("upload {id}")));
    }
    if upload.completed_at.is_none() && upload.expires_at <= Utc::now() {
        if let Some(_guard) = state.locks.try_lock(id) {
            remove(state, id).await?;
        }
        return Err(ApiError::Gone(id.to_string()));
    }
    Ok(upload)
}

/// Deletes record first, then bytes: a crash in between leaves a stray blob that the
/// start-up sweep removes, never a record pointing at missing bytes.
async fn remove(state: &AppState, id: &UploadId) -> Result<(), ApiError> {
    state.meta.delete_upload(id).await?;
    state.blobs.delete(id).await?;
    Ok(())
}

/// How a body ended.
enum Outcome {
    /// All of it arrived.
    Complete,
    /// The client went away or the stream broke.
    Interrupted,
    /// The server is shutting down.
    Stopping,
}

/// Writes the body at the upload's offset and records the new offset.
///
/// Returns the new offset. A chunk that fails its checksum, or would overflow the declared
/// length, is cut away again and nothing is recorded; an interrupted chunk without checksum
/// keeps what arrived, so the client can resume from there.
async fn write_body(state: &AppState, upload: &UploadRecord, headers: &HeaderMap, body: Body) -> Result<u64, ApiError> {
    let mut checksum = Checksum::parse(headers)?;
    let room = upload.length - upload.offset;
    if let Some(len) = header_u64(headers, "content-length")? {
        if len > room {
            return Err(ApiError::TooLarge(format!(
                "chunk of {len} bytes does not fit: {room} bytes remain of Upload-Length {}",
                upload.length
            )));
        }
    }
    let mut writer = state.blobs.append(&upload.id, upload.offset).await?;
    let mut stream = body.into_data_stream();
    let mut written: u64 = 0;
    let mut overflow = false;
    // One wait for shutdown for the whole body, not one registration per chunk.
    let stopping = state.stopping.cancelled();
    tokio::pin!(stopping);
    let outcome = loop {
        let next = tokio::select! {
            biased;
            _ = &mut stopping => break Outcome::Stopping,
            next = stream.next() => next,
        };
        let chunk = match next {
            None => break Outcome::Complete,
            Some(Err(_)) => break Outcome::Interrupted,
            Some(Ok(chunk)) => chunk,
        };
        if written + chunk.len() as u64 > room {
            overflow = true;
            break Outcome::Complete;
        }
        if let Some(c) = checksum.as_mut() {
            c.update(&chunk);
        }
        let len = chunk.len() as u64;
        if let Err(e) = writer.write(chunk).await {
            drop(writer);
            let _ = state.blobs.truncate(&upload.id, upload.offset).await;
            return Err(ApiError::Internal(format!("writing upload {}: {e}", upload.id)));
        }
        written += len;
    };
    // Durable before the offset is recorded: an acknowledged offset is always on disk.
    let flushed = writer.finish().await;
    let discard = |e: ApiError| async {
        state.blobs.truncate(&upload.id, upload.offset).await?;
        Err::<u64, ApiError>(e)
    };
    if let Err(e) = flushed {
        return discard(ApiError::Internal(format!("flushing upload {}: {e}", upload.id))).await;
    }
    if overflow {
        return discard(ApiError::TooLarge(format!("body exceeds Upload-Length {}", upload.length))).await;
    }
    if let Some(c) = checksum {
        // A partial chunk cannot be verified: drop it whole, the client resends it.
        if !matches!(outcome, Outcome::Complete) {
            return discard(interruption(outcome)).await;
        }
        if !c.matches() {
            return discard(ApiError::ChecksumMismatch).await;
        }
    }
    let offset = upload.offset + written;
    let completed = (offset == upload.length).then(Utc::now);
    state.meta.set_upload_offset(&upload.id, offset, completed).await?;
    if completed.is_some() {
        tracing::info!(upload = %upload.id, bytes = offset, case = ?upload.case_id, "upload complete");
    }
    match outcome {
        Outcome::Complete => Ok(offset),
        other => {
            tracing::info!(upload = %upload.id, offset, "upload interrupted; resumable from offset");
            Err(interruption(other))
        }
    }
}

fn interruption(outcome: Outcome) -> ApiError {
    match outcome {
        Outcome::Stopping => ApiError::ShuttingDown,
        _ => ApiError::bad("body_interrupted", "the request body ended early; resume from Upload-Offset"),
    }
}

/// Announces the protocol version, extensions, checksum algorithms and maximum size.
#[utoipa::path(options, path = "/v1/uploads", tag = "tus",
    responses((status = 204, description = "tus discovery",
        headers(("Tus-Version" = String), ("Tus-Extension" = String), ("Tus-Max-Size" = u64), ("Tus-Checksum-Algorithm" = String)))))]
async fn discover(State(state): State<AppState>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert("tus-extension", HeaderValue::from_static(TUS_EXTENSIONS));
    h.insert("tus-checksum-algorithm", HeaderValue::from_static(TUS_CHECKSUMS));
    h.insert("tus-max-size", HeaderValue::from(state.config.max_upload_bytes));
    resp
}

/// Creates an upload (tus creation), optionally with its first bytes (creation-with-upload).
///
/// Metadata keys the server reads: `case_id` (the case it belongs to; a customer's uploads
/// always belong to their case) and `kind` (what it is, e.g. `driver_licence`).
#[utoipa::path(post, path = "/v1/uploads", tag = "tus", security(("bearer" = [])),
    params(
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Length" = u64, Header, description = "Total size in bytes"),
        ("Upload-Metadata" = Option<String>, Header, description = "Comma-separated `key base64value` pairs"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha256 <base64>` of the bytes sent with the request"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream", description = "Optional first bytes"),
    responses(
        (status = 201, description = "Created", headers(("Location" = String), ("Upload-Offset" = u64), ("Upload-Expires" = String))),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody), (status = 460, body = crate::error::ErrorBody),
    ))]
async fn create(State(state): State<AppState>, caller: Caller, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    require_tus(headers)?;
    caller.require(&[Role::Admin, Role::Surveyor, Role::Customer], "upload evidence")?;
    if headers.contains_key("upload-defer-length") {
        return Err(ApiError::bad("defer_length_unsupported", "Upload-Defer-Length is not supported; send Upload-Length"));
    }
    let length = header_u64(headers, "upload-length")?
        .ok_or_else(|| ApiError::bad("missing_upload_length", "Upload-Length is required"))?;
    if length > state.config.max_upload_bytes {
        return Err(ApiError::TooLarge(format!(
            "Upload-Length {length} exceeds the maximum of {} bytes",
            state.config.max_upload_bytes
        )));
    }
    let raw_metadata = header_str(headers, "upload-metadata")?.unwrap_or("").to_owned();
    let metadata = Metadata::parse(&raw_metadata)?;
    let kind = metadata.text("kind")?;
    let case_id = match (metadata.text("case_id")?, &caller.case_id) {
        (Some(id), _) => Some(caller.visible_case(state.meta.as_ref(), &id).await?.id),
        (None, Some(own)) if caller.role == Role::Customer => Some(own.clone()),
        (None, _) => None,
    };
    let content_length = header_u64(headers, "content-length")?.unwrap_or(0);
    let with_data = is_octets(headers);
    if !with_data && content_length > 0 {
        return Err(ApiError::UnsupportedMediaType(format!("a body sent at creation must be {OCTETS}")));
    }
    if with_data {
        // Refuse what cannot succeed before anything is stored.
        if content_length > length {
            return Err(ApiError::TooLarge(format!("first chunk of {content_length} bytes exceeds Upload-Length {length}")));
        }
        Checksum::parse(headers)?;
    }
    if state.stopping.is_cancelled() {
        return Err(ApiError::ShuttingDown);
    }

    let now = Utc::now();
    let upload = UploadRecord {
        id: UploadId::random(),
        owner: caller.subject(),
        case_id,
        kind,
        length,
        offset: 0,
        metadata: raw_metadata,
        created_at: now,
        expires_at: now + chrono::Duration::seconds(state.config.upload_expiry_secs.min(i64::MAX as u64 / 1000) as i64),
        completed_at: (length == 0).then_some(now),
    };
    let id = upload.id.clone();
    // Bytes first, record second: if the record fails, the blob is removed here or by the sweep.
    state.blobs.create(&id).await?;
    if let Err(e) = state.meta.create_upload(upload.clone()).await {
        let _ = state.blobs.delete(&id).await;
        return Err(e.into());
    }
    tracing::info!(upload = %id, length, owner = %upload.owner, case = ?upload.case_id, "upload created");
    let _guard = state.locks.try_lock(&id).expect("a fresh upload id is not locked");
    let mut offset = 0;
    if with_data && length > 0 {
        match write_body(&state, &upload, headers, body).await {
            Ok(o) => offset = o,
            Err(e @ (ApiError::ChecksumMismatch | ApiError::TooLarge(_) | ApiError::BadRequest { .. })) => {
                // A refused first chunk refuses the whole creation: leave nothing behind.
                remove(&state, &id).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        }
    }
    let mut resp = StatusCode::CREATED.into_response();
    let h = resp.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_str(&format!("/v1/uploads/{id}")).expect("ids are header-safe"));
    h.insert("upload-offset", HeaderValue::from(offset));
    if offset < length {
        h.insert("upload-expires", http_date(upload.expires_at));
    }
    Ok(resp)
}

/// Reports how many bytes the server has (resume from there).
#[utoipa::path(head, path = "/v1/uploads/{id}", tag = "tus", security(("bearer" = [])),
    params(("id" = String, Path, description = "Upload id"), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses(
        (status = 200, description = "Upload state", headers(("Upload-Offset" = u64), ("Upload-Length" = u64), ("Upload-Metadata" = String), ("Upload-Expires" = String))),
        (status = 404, description = "Unknown upload (or not the caller's)"), (status = 410, description = "Expired"),
    ))]
async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    let (_, upload) = load_path(&state, &caller, &id).await?;
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    h.insert("upload-offset", HeaderValue::from(upload.offset));
    h.insert("upload-length", HeaderValue::from(upload.length));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !upload.metadata.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&upload.metadata) {
            h.insert("upload-metadata", v);
        }
    }
    if upload.completed_at.is_none() {
        h.insert("upload-expires", http_date(upload.expires_at));
    }
    Ok(resp)
}

/// Appends bytes at `Upload-Offset`; one writer per upload at a time.
#[utoipa::path(patch, path = "/v1/uploads/{id}", tag = "tus", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Upload id"),
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Offset" = u64, Header, description = "Where these bytes start; must equal the server's offset"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha256 <base64>` (or sha1) of this chunk"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Stored", headers(("Upload-Offset" = u64), ("Upload-Expires" = String))),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "Offset mismatch"),
        (status = 410, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody), (status = 423, body = crate::error::ErrorBody),
        (status = 460, body = crate::error::ErrorBody, description = "Checksum mismatch"),
    ))]
async fn append(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    require_tus(headers)?;
    if !is_octets(headers) {
        return Err(ApiError::UnsupportedMediaType(format!("PATCH bodies must be {OCTETS}")));
    }
    let offset = header_u64(headers, "upload-offset")?
        .ok_or_else(|| ApiError::bad("missing_upload_offset", "Upload-Offset is required"))?;
    Checksum::parse(headers)?;
    let (id, _) = load_path(&state, &caller, &id).await?;
    let _guard = state.locks.try_lock(&id).ok_or_else(|| ApiError::Locked(id.to_string()))?;
    // Read again under the lock: the previous writer may have moved the offset.
    let upload = load(&state, &caller, &id).await?;
    if offset != upload.offset {
        return Err(ApiError::Conflict {
            code: "offset_mismatch",
            message: format!("Upload-Offset {offset} does not match the server's offset {}", upload.offset),
        });
    }
    let new_offset = write_body(&state, &upload, headers, body).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert("upload-offset", HeaderValue::from(new_offset));
    if new_offset < upload.length {
        resp.headers_mut().insert("upload-expires", http_date(upload.expires_at));
    }
    Ok(resp)
}

/// Deletes an upload and its bytes (tus termination).
#[utoipa::path(delete, path = "/v1/uploads/{id}", tag = "tus", security(("bearer" = [])),
    params(("id" = String, Path, description = "Upload id"), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::ErrorBody), (status = 423, body = crate::error::ErrorBody)))]
async fn terminate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    let (id, _) = load_path(&state, &caller, &id).await?;
    let _guard = state.locks.try_lock(&id).ok_or_else(|| ApiError::Locked(id.to_string()))?;
    remove(&state, &id).await?;
    tracing::info!(upload = %id, by = %caller.token_id, "upload terminated");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Removes blobs that have no record (left by a crash between the two writes).
pub async fn sweep_stray_blobs(state: &AppState) -> Result<usize, ApiError> {
    let records: std::collections::HashSet<UploadId> = state.meta.upload_ids().await?.into_iter().collect();
    let mut removed = 0;
    for id in state.blobs.list().await? {
        if !records.contains(&id) {
            if let Some(_guard) = state.locks.try_lock(&id) {
                // Re-check: the upload may have been created since the listing.
                if state.meta.upload(&id).await?.is_none() {
                    state.blobs.delete(&id).await?;
                    removed += 1;
                }
            }
        }
    }
    Ok(removed)
}

/// Deletes unfinished uploads past their expiry (tus expiration); skips ones being written.
pub async fn reap_expired(state: &AppState) -> Result<usize, ApiError> {
    let mut removed = 0;
    for id in state.meta.expired_uploads(Utc::now()).await? {
        if let Some(_guard) = state.locks.try_lock(&id) {
            remove(state, &id).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Runs the start-up sweep, then expiry every `reap_interval_secs`, until aborted.
pub async fn reap_expired_forever(state: AppState) {
    match sweep_stray_blobs(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "removed blobs without a record"),
        Err(e) => tracing::warn!(error = %e, "sweeping stray blobs failed"),
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(state.config.reap_interval_secs));
    loop {
        tick.tick().await;
        match reap_expired(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "expired uploads deleted"),
            Err(e) => tracing::warn!(error = %e, "expiring uploads failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_parses_pairs_and_bare_keys() {
        let m = Metadata::parse("filename d29ybGQ=,is_confidential").unwrap();
        assert_eq!(m.0, vec![("filename".into(), Some(b"world".to_vec())), ("is_confidential".into(), None)]);
        assert_eq!(m.text("filename").unwrap().as_deref(), Some("world"));
    }

    #[test]
    fn metadata_refuses_bad_base64_repeated_keys_and_extra_parts() {
        for raw in ["a !!!", "a YQ==,a YQ==", "a YQ== b", ",", "a YQ==,"] {
            assert!(Metadata::parse(raw).is_err(), "{raw:?} should be refused");
        }
    }
}
