//! Start, health, readiness, OpenAPI, graceful shutdown with resumable uploads, and the CLI.

use crate::common::*;
use reqwest::Method;
use std::io::BufRead;

#[tokio::test]
async fn health_and_readiness() {
    let s = Server::start().await;
    let (status, body) = json_of(s.req(Method::GET, "/healthz", None).send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = json_of(s.req(Method::GET, "/readyz", None).send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    assert!(s.data_dir.join("kancha.sqlite3").exists() && s.data_dir.join("blobs/uploads").is_dir(), "created on first start");
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let s = Server::start().await;
    let (status, doc) = json_of(s.req(Method::GET, "/v1/openapi.json", None).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let want: &[(&str, &[&str])] = &[
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
        ("/v1/tokens", &["post"]),
        ("/v1/whoami", &["get"]),
        ("/v1/uploads", &["options", "post"]),
        ("/v1/uploads/{id}", &["head", "patch", "delete"]),
        ("/v1/cases", &["get", "post"]),
        ("/v1/cases/{id}", &["get"]),
        ("/v1/cases/{id}/assign", &["post"]),
        ("/v1/cases/{id}/arrival", &["post"]),
        ("/v1/cases/{id}/customer-link", &["post"]),
        ("/v1/cases/{id}/bundles", &["post"]),
        ("/v1/reports/arrivals", &["get"]),
        ("/v1/reports/at-risk", &["get"]),
        ("/v1/reports/missing-documents", &["get"]),
    ];
    for (path, methods) in want {
        let item = paths.get(*path).unwrap_or_else(|| panic!("{path} missing from the OpenAPI document"));
        for m in *methods {
            assert!(item.get(*m).is_some(), "{m} {path} missing");
        }
    }
    assert_eq!(paths.len(), want.len(), "no undocumented or stale paths: {:?}", paths.keys().collect::<Vec<_>>());
    assert!(doc["components"]["schemas"]["CaseView"].is_object());
    // The document is the handlers' own: what the router serves matches what it describes.
    assert_eq!(doc, serde_json::to_value(kancha_server::http::openapi()).unwrap());
}

#[tokio::test]
async fn shutdown_mid_upload_leaves_it_resumable_after_restart() {
    let mut s = Server::start().await;
    let t = s.token("surveyor", Some("li")).await;
    let data = bytes(400_000);
    let path = s.create_upload(&t, data.len() as u64, "").await;
    let (tx, body) = streamed_body(4);
    let patch = s.patch_request(&path, &t, 0, &[]).body(body).send();
    let patch = tokio::spawn(patch);
    tx.send(Ok(data[..150_000].to_vec())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let admin = s.admin.clone();
    let dir = s.stop().await.expect("temp dir handed back");
    // The client sees the interruption (an error answer or a dropped connection).
    let answered = patch.await.unwrap();
    if let Ok(resp) = answered {
        assert_ne!(resp.status(), 204);
    }
    drop(tx);

    let s2 = Server::launch(config(dir.path()), admin).await;
    let (status, offset) = s2.head(&path, &t).await;
    let offset = offset.unwrap();
    assert_eq!(status, 200);
    assert!(offset > 0 && offset <= 150_000, "kept what arrived before the shutdown: {offset}");
    let r = s2.patch(&path, &t, offset, data[offset as usize..].to_vec(), &[]).await;
    assert_eq!(r.status(), 204);
    assert_eq!(std::fs::read(dir.path().join("blobs/uploads").join(path.rsplit('/').next().unwrap())).unwrap(), data);
}

#[tokio::test]
async fn a_crash_between_blob_and_record_leaves_no_stray_blob_after_restart() {
    let mut s = Server::start().await;
    let admin = s.admin.clone();
    let dir = s.stop().await.unwrap();
    // What a crash after creating the bytes but before the record would leave.
    std::fs::write(dir.path().join("blobs/uploads/deadbeefdeadbeefdeadbeefdeadbeef"), b"partial").unwrap();
    let s2 = Server::launch(config(dir.path()), admin).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !s2.stored_uploads().await.1.is_empty() {
        assert!(std::time::Instant::now() < deadline, "stray blob not swept");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[test]
fn cli_token_create_then_serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_kancha");
    let out = std::process::Command::new(exe)
        .args(["token", "create", "--role", "admin", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("kct_"));
    let bad = std::process::Command::new(exe)
        .args(["token", "create", "--role", "customer", "--case", "NOPE", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success(), "a customer token for a missing case is refused");

    let mut child = std::process::Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("KANCHA_LOG_FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server logs its address").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).expect("logs are JSON lines");
        if v["fields"]["message"] == "kancha server listening" {
            break v["fields"]["addr"].as_str().unwrap().to_owned();
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let who = rt.block_on(async {
        let c = reqwest::Client::new();
        c.get(format!("http://{addr}/v1/whoami")).bearer_auth(&token).send().await.unwrap().json::<serde_json::Value>().await.unwrap()
    });
    assert_eq!(who["role"], "admin");
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status}");
}
