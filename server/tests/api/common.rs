//! Starts a real server on a free loopback port and speaks to it with reqwest.

use kancha_server::http::auth::issue_token;
use kancha_server::ids::PersonId;
use kancha_server::store::meta::Role;
use kancha_server::Config;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tokio::sync::oneshot;

pub const TUS: (&str, &str) = ("Tus-Resumable", "1.0.0");

/// A running server and what it runs on.
pub struct Server {
    pub base: String,
    pub data_dir: PathBuf,
    pub admin: String,
    pub client: Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

/// Default test settings: small maximum size, a data directory of its own.
pub fn config(data_dir: &Path) -> Config {
    Config { data_dir: data_dir.to_owned(), max_upload_bytes: 8 << 20, ..Config::default() }
}

impl Server {
    /// A fresh data directory, an admin token, and the server on it.
    pub async fn start() -> Server {
        Self::start_with(|_| {}).await
    }

    /// Like [`start`], with settings changed by `tweak`.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path());
        tweak(&mut cfg);
        let admin = bootstrap_token(&cfg.data_dir, Role::Admin, Some("root")).await;
        let mut s = Self::launch(cfg, admin).await;
        s._dir = Some(dir);
        s
    }

    /// Starts a server on `config` (e.g. again on the same data directory).
    pub async fn launch(config: Config, admin: String) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let data_dir = config.data_dir.clone();
        let task = tokio::spawn(kancha_server::launch_with_listener(config, listener, async {
            let _ = rx.await;
        }));
        Server { base, data_dir, admin, client: Client::new(), stop: Some(tx), task: Some(task), _dir: None }
    }

    /// Stops the server gracefully and waits for it; keeps the data directory.
    pub async fn stop(&mut self) -> Option<tempfile::TempDir> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .expect("server stops within 10 s")
                .unwrap()
                .unwrap();
        }
        self._dir.take()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.client.request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// POSTs JSON with a token and returns status and body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        json_of(self.req(Method::POST, path, Some(token)).json(&body).send().await.unwrap()).await
    }

    /// GETs with a token and returns status and JSON body.
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        json_of(self.req(Method::GET, path, Some(token)).send().await.unwrap()).await
    }

    /// Issues a token over the API as admin.
    pub async fn token(&self, role: &str, person: Option<&str>) -> String {
        let (status, body) = self.post("/v1/tokens", &self.admin.clone(), json!({"role": role, "person": person})).await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Creates a case assigned to `surveyor` as admin.
    pub async fn case(&self, id: &str, zone: &str, surveyor: Option<&str>, docs: &[&str]) -> Value {
        let (status, body) = self
            .post(
                "/v1/cases",
                &self.admin.clone(),
                json!({"id": id, "zone": zone, "target_minutes": 30, "surveyor": surveyor, "required_documents": docs}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Creates a tus upload and returns its URL path.
    pub async fn create_upload(&self, token: &str, length: u64, metadata: &str) -> String {
        let resp = self
            .req(Method::POST, "/v1/uploads", Some(token))
            .header(TUS.0, TUS.1)
            .header("Upload-Length", length.to_string())
            .header("Upload-Metadata", metadata)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        resp.headers()["location"].to_str().unwrap().to_owned()
    }

    /// A well-formed PATCH at `offset`, with extra headers, waiting for its body.
    pub fn patch_request(&self, path: &str, token: &str, offset: u64, extra: &[(&str, &str)]) -> RequestBuilder {
        let mut r = self
            .req(Method::PATCH, path, Some(token))
            .header(TUS.0, TUS.1)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", offset.to_string());
        for (k, v) in extra {
            r = r.header(*k, *v);
        }
        r
    }

    /// PATCHes bytes at `offset`, with extra headers.
    pub async fn patch(&self, path: &str, token: &str, offset: u64, bytes: Vec<u8>, extra: &[(&str, &str)]) -> Response {
        self.patch_request(path, token, offset, extra).body(bytes).send().await.unwrap()
    }

    /// HEAD of an upload: status and offset.
    pub async fn head(&self, path: &str, token: &str) -> (u16, Option<u64>) {
        let resp = self.req(Method::HEAD, path, Some(token)).header(TUS.0, TUS.1).send().await.unwrap();
        let offset = resp.headers().get("upload-offset").map(|v| v.to_str().unwrap().parse().unwrap());
        (resp.status().as_u16(), offset)
    }

    /// Upload records and blob files now in the data directory (for "nothing left behind").
    pub async fn stored_uploads(&self) -> (Vec<String>, Vec<String>) {
        let meta = kancha_server::store::open_embedded(&self.data_dir).unwrap();
        let records = meta.meta.upload_ids().await.unwrap().into_iter().map(String::from).collect();
        let blobs = meta.blobs.list().await.unwrap().into_iter().map(String::from).collect();
        (records, blobs)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Issues a token straight into the data directory, as `kancha token create` does.
pub async fn bootstrap_token(data_dir: &Path, role: Role, person: Option<&str>) -> String {
    let stores = kancha_server::store::open_embedded(data_dir).unwrap();
    let person = person.map(|p| PersonId::parse(p).unwrap());
    issue_token(stores.meta.as_ref(), role, person, None, None).await.unwrap().token
}

pub async fn json_of(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// base64 of a metadata value.
pub fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Deterministic test bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

/// A request body fed piece by piece through the returned sender (`capacity` pieces in flight);
/// dropping the sender ends the body.
pub fn streamed_body(capacity: usize) -> (tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>, reqwest::Body) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(capacity);
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    (tx, reqwest::Body::wrap_stream(stream))
}
