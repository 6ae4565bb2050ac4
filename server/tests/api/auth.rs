//! Roles and case scope: every endpoint checks them.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_surveyor_cannot_read_or_touch_another_surveyors_case() {
    let s = Server::start().await;
    s.case("C-LI", "urban", Some("li"), &[]).await;
    s.case("C-ZHAO", "urban", Some("zhao"), &[]).await;
    let li = s.token("surveyor", Some("li")).await;
    let (status, body) = s.get("/v1/cases/C-LI", &li).await;
    assert_eq!(status, 200, "{body}");
    let (status, other) = s.get("/v1/cases/C-ZHAO", &li).await;
    let (_, missing) = s.get("/v1/cases/C-NOPE", &li).await;
    assert_eq!(status, 404);
    assert_eq!(other["code"], missing["code"], "another's case looks exactly like a missing one");
    let (status, _) = s.post("/v1/cases/C-ZHAO/arrival", &li, json!({"arrived_at": chrono::Utc::now()})).await;
    assert_eq!(status, 404);
    let (status, _) = s.get("/v1/cases?surveyor=zhao", &li).await;
    assert_eq!(status, 403);
    let (_, mine) = s.get("/v1/cases", &li).await;
    let ids: Vec<_> = mine.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["C-LI"]);
    // Uploads naming another's case are refused before anything is stored.
    let resp = s
        .req(Method::POST, "/v1/uploads", Some(&li))
        .header(TUS.0, TUS.1)
        .header("Upload-Length", "5")
        .header("Upload-Metadata", format!("case_id {}", b64("C-ZHAO")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(s.stored_uploads().await, (vec![], vec![]));
}

#[tokio::test]
async fn a_customer_link_reaches_its_case_and_nothing_else() {
    let s = Server::start().await;
    s.case("C-SELF", "urban", None, &["driver_licence"]).await;
    s.case("C-OTHER", "urban", Some("li"), &[]).await;
    let (status, link) = s.post("/v1/cases/C-SELF/customer-link", &s.admin.clone(), json!({})).await;
    assert_eq!(status, 201, "{link}");
    let token = link["token"].as_str().unwrap().to_owned();
    assert!(link["link"].as_str().unwrap().contains("/claim/C-SELF#token="));
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(link["expires_at"].clone()).unwrap();
    assert!(expires < chrono::Utc::now() + chrono::Duration::hours(25), "short-lived");

    assert_eq!(s.get("/v1/cases/C-SELF", &token).await.0, 200);
    assert_eq!(s.get("/v1/cases/C-OTHER", &token).await.0, 404);
    assert_eq!(s.get("/v1/cases", &token).await.0, 403);
    assert_eq!(s.post("/v1/cases/C-OTHER/arrival", &token, json!({"arrived_at": chrono::Utc::now()})).await.0, 403);
    assert_eq!(s.post("/v1/cases/C-OTHER/customer-link", &token, json!({})).await.0, 403);
    assert_eq!(s.post("/v1/cases/C-OTHER/bundles", &token, json!({})).await.0, 404);
    assert_eq!(s.get("/v1/reports/at-risk", &token).await.0, 403);
    assert_eq!(s.post("/v1/tokens", &token, json!({"role": "admin"})).await.0, 403);
    // Uploading: scoped to its own case whatever it claims.
    let other = s
        .req(Method::POST, "/v1/uploads", Some(&token))
        .header(TUS.0, TUS.1)
        .header("Upload-Length", "5")
        .header("Upload-Metadata", format!("case_id {}", b64("C-OTHER")))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    let path = s.create_upload(&token, 5, &format!("kind {}", b64("driver_licence"))).await;
    assert_eq!(s.patch(&path, &token, 0, vec![9; 5], &[]).await.status(), 204);
    let (_, case) = s.get("/v1/cases/C-SELF", &token).await;
    assert_eq!(case["evidence"][0]["kind"], "driver_licence");
    assert_eq!(case["missing_documents"], json!([]));
    let (_, other_case) = s.get("/v1/cases/C-OTHER", &s.admin.clone()).await;
    assert_eq!(other_case["evidence"], json!([]));
}

#[tokio::test]
async fn an_expired_customer_token_is_refused() {
    let s = Server::start_with(|c| c.customer_token_secs = 1).await;
    s.case("C-1", "urban", None, &[]).await;
    let (_, link) = s.post("/v1/cases/C-1/customer-link", &s.admin.clone(), json!({})).await;
    let token = link["token"].as_str().unwrap().to_owned();
    assert_eq!(s.get("/v1/cases/C-1", &token).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = s.get("/v1/cases/C-1", &token).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("token_expired")));
}

#[tokio::test]
async fn every_endpoint_refuses_missing_tokens_and_wrong_roles() {
    let s = Server::start().await;
    s.case("C-1", "urban", Some("li"), &[]).await;
    let li = s.token("surveyor", Some("li")).await;
    let endpoints: &[(Method, &str)] = &[
        (Method::POST, "/v1/tokens"),
        (Method::GET, "/v1/whoami"),
        (Method::POST, "/v1/cases"),
        (Method::GET, "/v1/cases"),
        (Method::GET, "/v1/cases/C-1"),
        (Method::POST, "/v1/cases/C-1/assign"),
        (Method::POST, "/v1/cases/C-1/arrival"),
        (Method::POST, "/v1/cases/C-1/customer-link"),
        (Method::POST, "/v1/cases/C-1/bundles"),
        (Method::GET, "/v1/reports/arrivals"),
        (Method::GET, "/v1/reports/at-risk"),
        (Method::GET, "/v1/reports/missing-documents"),
    ];
    for (method, path) in endpoints {
        let resp = s.req(method.clone(), path, None).json(&json!({})).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{method} {path} without a token");
    }
    // A surveyor may not do back-office work.
    let back_office: &[(Method, &str, serde_json::Value)] = &[
        (Method::POST, "/v1/tokens", json!({"role": "admin"})),
        (Method::POST, "/v1/cases", json!({"id": "C-2", "zone": "urban", "target_minutes": 30})),
        (Method::POST, "/v1/cases/C-1/assign", json!({"surveyor": "li"})),
        (Method::POST, "/v1/cases/C-1/customer-link", json!({})),
        (Method::GET, "/v1/reports/arrivals", json!(null)),
        (Method::GET, "/v1/reports/at-risk", json!(null)),
        (Method::GET, "/v1/reports/missing-documents", json!(null)),
    ];
    for (method, path, body) in back_office {
        let (status, err) = json_of(s.req(method.clone(), path, Some(&li)).json(body).send().await.unwrap()).await;
        assert_eq!(status, 403, "{method} {path} as surveyor: {err}");
        assert_eq!(err["code"], "forbidden");
    }
    let (_, whoami) = s.get("/v1/whoami", &li).await;
    assert_eq!((whoami["role"].as_str(), whoami["person"].as_str()), (Some("surveyor"), Some("li")));
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let s = Server::start().await;
    let secret = s.token("surveyor", Some("li")).await;
    let db = rusqlite_dump(&s.data_dir.join("kancha.sqlite3"));
    assert!(!db.contains(&secret), "the secret must not be stored");
    assert!(db.contains(&kancha_server::tokens::hash_secret(&secret)));
}

fn rusqlite_dump(path: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut st = conn.prepare("SELECT id || ' ' || hash FROM tokens").unwrap();
    st.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect::<Vec<_>>().join("\n")
}
