//! tus 1.0 over real HTTP: the happy path, each extension, and every bad input named in the
//! issue, each checked to leave no partial record and no stray blob.

use crate::common::*;
use reqwest::Method;
use sha2::{Digest, Sha256};

async fn surveyor(s: &Server) -> String {
    s.token("surveyor", Some("li")).await
}

fn sha256_header(data: &[u8]) -> String {
    use base64::Engine;
    format!("sha256 {}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(data)))
}

/// Reads the stored blob of an upload straight from the data directory.
fn blob(s: &Server, path: &str) -> Vec<u8> {
    let id = path.rsplit('/').next().unwrap();
    std::fs::read(s.data_dir.join("blobs/uploads").join(id)).unwrap()
}

#[tokio::test]
async fn options_announces_version_extensions_checksums_and_max_size() {
    let s = Server::start().await;
    let resp = s.req(Method::OPTIONS, "/v1/uploads", None).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    let h = resp.headers();
    assert_eq!(h["tus-version"], "1.0.0");
    assert_eq!(h["tus-resumable"], "1.0.0");
    let ext = h["tus-extension"].to_str().unwrap();
    for e in ["creation", "creation-with-upload", "checksum", "termination", "expiration"] {
        assert!(ext.split(',').any(|x| x == e), "{e} missing from {ext}");
    }
    assert!(h["tus-checksum-algorithm"].to_str().unwrap().contains("sha256"));
    assert_eq!(h["tus-max-size"], (8u64 << 20).to_string().as_str());
}

#[tokio::test]
async fn upload_in_two_chunks_with_checksums_then_head_reports_completion() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let data = bytes(300_000);
    let path = s.create_upload(&t, data.len() as u64, &format!("filename {}", b64("scene.jpg"))).await;
    assert!(path.starts_with("/v1/uploads/"));
    let (a, b) = data.split_at(100_000);
    let r = s.patch(&path, &t, 0, a.to_vec(), &[("Upload-Checksum", &sha256_header(a))]).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-offset"], "100000");
    assert!(r.headers().contains_key("upload-expires"));
    let r = s.patch(&path, &t, 100_000, b.to_vec(), &[("Upload-Checksum", &sha256_header(b))]).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-offset"], "300000");
    let resp = s.req(Method::HEAD, &path, Some(&t)).header(TUS.0, TUS.1).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["upload-length"], "300000");
    assert_eq!(resp.headers()["upload-offset"], "300000");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["upload-metadata"].to_str().unwrap(), format!("filename {}", b64("scene.jpg")));
    assert_eq!(blob(&s, &path), data);
}

#[tokio::test]
async fn creation_with_upload_stores_the_first_bytes() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let data = bytes(5000);
    let resp = s
        .req(Method::POST, "/v1/uploads", Some(&t))
        .header(TUS.0, TUS.1)
        .header("Upload-Length", "5000")
        .header("Content-Type", "application/offset+octet-stream")
        .body(data[..2000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["upload-offset"], "2000");
    let path = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(s.patch(&path, &t, 2000, data[2000..].to_vec(), &[]).await.status(), 204);
    assert_eq!(blob(&s, &path), data);
}

#[tokio::test]
async fn termination_deletes_record_and_bytes() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let path = s.create_upload(&t, 10, "").await;
    assert_eq!(s.patch(&path, &t, 0, vec![1; 4], &[]).await.status(), 204);
    let resp = s.req(Method::DELETE, &path, Some(&t)).header(TUS.0, TUS.1).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(s.head(&path, &t).await.0, 404);
    assert_eq!(s.stored_uploads().await, (vec![], vec![]));
}

#[tokio::test]
async fn expired_upload_answers_410_and_is_removed() {
    let s = Server::start_with(|c| c.upload_expiry_secs = 1).await;
    let t = surveyor(&s).await;
    let path = s.create_upload(&t, 10, "").await;
    let expires = s.req(Method::HEAD, &path, Some(&t)).header(TUS.0, TUS.1).send().await.unwrap();
    assert!(expires.headers()["upload-expires"].to_str().unwrap().ends_with(" GMT"));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(s.patch(&path, &t, 0, vec![1; 4], &[]).await.status(), 410);
    assert_eq!(s.head(&path, &t).await.0, 404, "gone for good after the 410");
    assert_eq!(s.stored_uploads().await, (vec![], vec![]));
}

#[tokio::test]
async fn expiry_sweep_deletes_abandoned_uploads_without_a_request() {
    let s = Server::start_with(|c| {
        c.upload_expiry_secs = 1;
        c.reap_interval_secs = 1;
    })
    .await;
    let t = surveyor(&s).await;
    s.create_upload(&t, 10, "").await;
    assert_eq!(s.stored_uploads().await.0.len(), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while s.stored_uploads().await != (vec![], vec![]) {
        assert!(std::time::Instant::now() < deadline, "abandoned upload not reaped");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn offset_mismatch_is_409_and_stores_nothing() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let path = s.create_upload(&t, 100, "").await;
    assert_eq!(s.patch(&path, &t, 0, vec![7; 10], &[]).await.status(), 204);
    let r = s.patch(&path, &t, 5, vec![8; 10], &[]).await;
    assert_eq!(r.status(), 409);
    let (_, body) = json_of(r).await;
    assert_eq!(body["code"], "offset_mismatch");
    assert_eq!(s.head(&path, &t).await, (200, Some(10)));
    assert_eq!(blob(&s, &path), vec![7; 10]);
}

#[tokio::test]
async fn checksum_mismatch_is_460_and_the_chunk_is_discarded() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let path = s.create_upload(&t, 100, "").await;
    assert_eq!(s.patch(&path, &t, 0, vec![1; 10], &[]).await.status(), 204);
    let r = s.patch(&path, &t, 10, vec![2; 10], &[("Upload-Checksum", &sha256_header(&[3; 10]))]).await;
    assert_eq!(r.status(), 460);
    assert_eq!(s.head(&path, &t).await, (200, Some(10)));
    assert_eq!(blob(&s, &path), vec![1; 10], "no byte of the bad chunk kept");
    // Unknown algorithm and malformed values are 400, not 460.
    let r = s.patch(&path, &t, 10, vec![2; 10], &[("Upload-Checksum", "crc32 AAAA")]).await;
    assert_eq!(r.status(), 400);
    let r = s.patch(&path, &t, 10, vec![2; 10], &[("Upload-Checksum", "sha256")]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(s.head(&path, &t).await, (200, Some(10)));
}

#[tokio::test]
async fn oversize_is_413_at_creation_and_on_append() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let resp = s
        .req(Method::POST, "/v1/uploads", Some(&t))
        .header(TUS.0, TUS.1)
        .header("Upload-Length", (9u64 << 20).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(s.stored_uploads().await, (vec![], vec![]));
    let path = s.create_upload(&t, 10, "").await;
    assert_eq!(s.patch(&path, &t, 0, vec![1; 11], &[]).await.status(), 413);
    assert_eq!(s.head(&path, &t).await, (200, Some(0)));
    assert_eq!(blob(&s, &path), Vec::<u8>::new());
}

#[tokio::test]
async fn malformed_tus_headers_are_refused_and_store_nothing() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let post = |headers: Vec<(&'static str, &'static str)>| {
        let mut r = s.req(Method::POST, "/v1/uploads", Some(&t));
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };
    let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
        (vec![("Upload-Length", "10")], 412),                                        // no Tus-Resumable
        (vec![TUS_09, ("Upload-Length", "10")], 412),                                // wrong version
        (vec![TUS], 400),                                                            // no Upload-Length
        (vec![TUS, ("Upload-Length", "-1")], 400),
        (vec![TUS, ("Upload-Length", "ten")], 400),
        (vec![TUS, ("Upload-Length", "99999999999999999999999")], 400),
        (vec![TUS, ("Upload-Defer-Length", "1")], 400),
        (vec![TUS, ("Upload-Length", "10"), ("Upload-Metadata", "name not-base64!")], 400),
        (vec![TUS, ("Upload-Length", "10"), ("Upload-Metadata", "a YQ==,a YQ==")], 400),
    ];
    for (headers, want) in cases {
        let shown = format!("{headers:?}");
        let resp = post(headers).await.unwrap();
        assert_eq!(resp.status().as_u16(), want, "{shown}");
        if want == 412 {
            assert_eq!(resp.headers()["tus-version"], "1.0.0");
        }
    }
    assert_eq!(s.stored_uploads().await, (vec![], vec![]));
    // PATCH: wrong content type, missing or malformed offset.
    let path = s.create_upload(&t, 10, "").await;
    let bad_type = s
        .req(Method::PATCH, &path, Some(&t))
        .header(TUS.0, TUS.1)
        .header("Content-Type", "application/json")
        .header("Upload-Offset", "0")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_type.status(), 415);
    let no_offset = s
        .req(Method::PATCH, &path, Some(&t))
        .header(TUS.0, TUS.1)
        .header("Content-Type", "application/offset+octet-stream")
        .body(vec![1u8; 3])
        .send()
        .await
        .unwrap();
    assert_eq!(no_offset.status(), 400);
    let bad_offset = s
        .req(Method::PATCH, &path, Some(&t))
        .header(TUS.0, TUS.1)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "x")
        .body(vec![1u8; 3])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_offset.status(), 400);
    assert_eq!(s.head(&path, &t).await, (200, Some(0)));
}

const TUS_09: (&str, &str) = ("Tus-Resumable", "0.2.2");

#[tokio::test]
async fn unknown_upload_and_ids_with_separators_or_dot_dot_are_404() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    for path in [
        "/v1/uploads/0123456789abcdef0123456789abcdef",
        "/v1/uploads/..",
        "/v1/uploads/..%2F..%2Fkancha.sqlite3",
        "/v1/uploads/a%2Fb",
        "/v1/uploads/a/b",
        "/v1/uploads/%2E%2E",
    ] {
        assert_eq!(s.head(path, &t).await.0, 404, "HEAD {path}");
        let r = s.patch(path, &t, 0, vec![1; 3], &[]).await;
        assert!(matches!(r.status().as_u16(), 404 | 405), "PATCH {path}: {}", r.status());
        let r = s.req(Method::DELETE, path, Some(&t)).header(TUS.0, TUS.1).send().await.unwrap();
        assert!(matches!(r.status().as_u16(), 404 | 405), "DELETE {path}: {}", r.status());
    }
    assert!(s.data_dir.join("kancha.sqlite3").exists(), "the database survived");
    assert_eq!(s.stored_uploads().await, (vec![], vec![]));
}

#[tokio::test]
async fn uploads_need_a_token_and_an_uploading_role() {
    let s = Server::start().await;
    let no_token = s
        .req(Method::POST, "/v1/uploads", None)
        .header(TUS.0, TUS.1)
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.headers()["www-authenticate"], "Bearer");
    let bogus = s
        .req(Method::POST, "/v1/uploads", Some("kct_not-a-token"))
        .header(TUS.0, TUS.1)
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 401);
    let dispatcher = s.token("dispatcher", Some("wang")).await;
    let wrong_role = s
        .req(Method::POST, "/v1/uploads", Some(&dispatcher))
        .header(TUS.0, TUS.1)
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_role.status(), 403);
    assert_eq!(s.stored_uploads().await, (vec![], vec![]));
}

#[tokio::test]
async fn another_surveyors_upload_is_invisible() {
    let s = Server::start().await;
    let li = surveyor(&s).await;
    let zhao = s.token("surveyor", Some("zhao")).await;
    let path = s.create_upload(&li, 10, "").await;
    assert_eq!(s.head(&path, &zhao).await.0, 404);
    assert_eq!(s.patch(&path, &zhao, 0, vec![1; 10], &[]).await.status(), 404);
    assert_eq!(s.head(&path, &li).await, (200, Some(0)));
}

#[tokio::test]
async fn a_second_writer_is_locked_out_while_the_first_streams() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let path = s.create_upload(&t, 1000, "").await;
    let (tx, body) = streamed_body(4);
    let first = s.patch_request(&path, &t, 0, &[]).body(body).send();
    let first = tokio::spawn(first);
    tx.send(Ok(vec![1; 100])).await.unwrap();
    // Give the first writer time to take the lock: each probe below holds it for a moment,
    // and a first writer that arrives during a probe is itself refused with 423.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The lock is checked before the offset: a wrong offset answers 409 until the first
    // writer holds the lock, then 423; either way the second request writes nothing.
    let mut second = s.patch(&path, &t, 999, vec![2; 10], &[]).await;
    for _ in 0..100 {
        if second.status() != 409 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        second = s.patch(&path, &t, 999, vec![2; 10], &[]).await;
    }
    assert_eq!(second.status(), 423);
    let (_, err) = json_of(second).await;
    assert_eq!(err["retryable"], true);
    tx.send(Ok(vec![1; 900])).await.unwrap();
    drop(tx);
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 204);
    assert_eq!(blob(&s, &path), vec![1; 1000]);
}

/// Streams `data` as a PATCH body in chunks of 1, 2, … `max` bytes (cycling), fed one by one.
async fn streamed_patch(s: &Server, path: &str, t: &str, offset: u64, data: &[u8], max: usize, extra: &[(&str, &str)]) -> reqwest::Response {
    let (tx, body) = streamed_body(64);
    let sent = tokio::spawn(s.patch_request(path, t, offset, extra).body(body).send());
    let mut at = 0;
    for n in (1..=max).cycle() {
        if at == data.len() {
            break;
        }
        let end = (at + n).min(data.len());
        tx.send(Ok(data[at..end].to_vec())).await.unwrap();
        at = end;
    }
    drop(tx);
    sent.await.unwrap().unwrap()
}

#[tokio::test]
async fn a_body_in_thousands_of_small_frames_and_one_in_a_single_frame_store_the_exact_bytes() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    // Both parts cross the server's 1 MiB write batches at odd places.
    let data = bytes((5 << 20) + 7);
    let path = s.create_upload(&t, data.len() as u64, "").await;
    let (a, b) = data.split_at((3 << 19) + 3);
    let r = streamed_patch(&s, &path, &t, 0, a, 1500, &[("Upload-Checksum", &sha256_header(a))]).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-offset"], a.len().to_string().as_str());
    assert_eq!(blob(&s, &path), a, "after the streamed part");
    let r = s.patch(&path, &t, a.len() as u64, b.to_vec(), &[("Upload-Checksum", &sha256_header(b))]).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-offset"], data.len().to_string().as_str());
    assert_eq!(s.head(&path, &t).await, (200, Some(data.len() as u64)));
    assert!(blob(&s, &path) == data, "stored bytes differ from the uploaded ones");
}

#[tokio::test]
async fn a_streamed_chunk_that_fails_its_checksum_is_cut_away_whole() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let data = bytes(3 << 20);
    let path = s.create_upload(&t, data.len() as u64, "").await;
    let (a, b) = data.split_at(1 << 20);
    assert_eq!(s.patch(&path, &t, 0, a.to_vec(), &[]).await.status(), 204);
    // Several write batches land on disk before the checksum can be checked at the end.
    let r = streamed_patch(&s, &path, &t, a.len() as u64, b, 9000, &[("Upload-Checksum", &sha256_header(a))]).await;
    assert_eq!(r.status().as_u16(), 460);
    assert_eq!(s.head(&path, &t).await, (200, Some(a.len() as u64)));
    assert_eq!(blob(&s, &path), a);
}

#[tokio::test]
async fn an_interrupted_patch_keeps_a_durable_prefix_and_resumes_from_it() {
    let s = Server::start().await;
    let t = surveyor(&s).await;
    let data = bytes(4 << 20);
    let path = s.create_upload(&t, data.len() as u64, "").await;
    let sent = (5 << 19) + 11;
    let (tx, body) = streamed_body(4);
    let patch = s.patch_request(&path, &t, 0, &[]).body(body).send();
    let patch = tokio::spawn(patch);
    for piece in data[..sent].chunks(64 << 10) {
        tx.send(Ok(piece.to_vec())).await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The client breaks off mid-body: the connection is dropped.
    tx.send(Err(std::io::Error::other("client cut off"))).await.unwrap();
    assert!(patch.await.unwrap().is_err(), "the request cannot complete");
    // The server records what it holds once it notices; then HEAD reports a prefix of what was sent
    // whose bytes are exactly the sent ones.
    let mut offset = 0;
    for _ in 0..50 {
        offset = s.head(&path, &t).await.1.unwrap();
        if offset > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(offset as usize <= sent, "offset {offset} past the {sent} bytes sent");
    assert_eq!(&blob(&s, &path)[..offset as usize], &data[..offset as usize]);
    let r = s.patch(&path, &t, offset, data[offset as usize..].to_vec(), &[]).await;
    assert_eq!(r.status(), 204);
    assert!(blob(&s, &path) == data, "resumed upload differs");
}
