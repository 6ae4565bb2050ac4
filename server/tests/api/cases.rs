//! Dispatch, assignment, arrival and the case view.

use crate::common::*;
use chrono::{Duration, Utc};
use serde_json::json;

#[tokio::test]
async fn dispatch_assign_arrive_and_read_the_case() {
    let s = Server::start().await;
    let dispatcher = s.token("dispatcher", Some("wang")).await;
    let li = s.token("surveyor", Some("li")).await;
    let (status, case) = s
        .post(
            "/v1/cases",
            &dispatcher,
            json!({"id": "BJ-2026-0001", "zone": "haidian", "target_minutes": 30,
                   "required_documents": ["driver_licence", "vehicle_licence"], "note": "rear-end, 2 cars"}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["arrival"]["status"], "not_dispatched");
    assert_eq!(s.get("/v1/cases", &li).await.1, json!([]), "not yet assigned to li");

    let dispatched = Utc::now() - Duration::minutes(20);
    let (status, case) =
        s.post("/v1/cases/BJ-2026-0001/assign", &dispatcher, json!({"surveyor": "li", "dispatched_at": dispatched})).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["arrival"]["status"], "en_route");
    let (_, mine) = s.get("/v1/cases", &li).await;
    assert_eq!(mine[0]["id"], "BJ-2026-0001");

    let arrived = dispatched + Duration::minutes(18);
    let (status, case) = s.post("/v1/cases/BJ-2026-0001/arrival", &li, json!({"arrived_at": arrived})).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["arrival"]["status"], "on_time");
    assert_eq!(case["arrival"]["minutes_taken"], 18.0);
    // The same report again is accepted; a different one is a conflict.
    assert_eq!(s.post("/v1/cases/BJ-2026-0001/arrival", &li, json!({"arrived_at": arrived})).await.0, 200);
    let (status, err) =
        s.post("/v1/cases/BJ-2026-0001/arrival", &li, json!({"arrived_at": arrived + Duration::minutes(1)})).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("arrival_already_recorded")));

    let path = s.create_upload(&li, 3, &format!("case_id {},kind {}", b64("BJ-2026-0001"), b64("driver_licence"))).await;
    assert_eq!(s.patch(&path, &li, 0, vec![1, 2, 3], &[]).await.status(), 204);
    let (_, case) = s.get("/v1/cases/BJ-2026-0001", &li).await;
    assert_eq!(case["missing_documents"], json!(["vehicle_licence"]));
    assert_eq!(case["evidence"][0]["upload_id"], path.rsplit('/').next().unwrap());
    assert_eq!(case["evidence"][0]["received"], 3);
}

#[tokio::test]
async fn bad_case_input_is_refused_with_a_code() {
    let s = Server::start().await;
    let a = s.admin.clone();
    let bad = [
        json!({"id": "../etc", "zone": "urban", "target_minutes": 30}),
        json!({"id": "C/1", "zone": "urban", "target_minutes": 30}),
        json!({"id": "C-1", "zone": "", "target_minutes": 30}),
        json!({"id": "C-1", "zone": "urban", "target_minutes": 0}),
        json!({"id": "C-1", "zone": "urban", "target_minutes": 30, "unknown": 1}),
        json!({"id": "C-1", "zone": "urban", "target_minutes": 30, "dispatched_at": Utc::now()}),
    ];
    for body in bad {
        let (status, err) = s.post("/v1/cases", &a, body.clone()).await;
        assert_eq!(status, 400, "{body} gave {status} {err}");
        assert!(matches!(err["code"].as_str(), Some("invalid_json" | "invalid_case")), "{err}");
    }
    assert_eq!(s.get("/v1/cases", &a).await.1, json!([]), "nothing stored");
    s.case("C-1", "urban", Some("li"), &[]).await;
    let (status, err) = s.post("/v1/cases", &a, json!({"id": "C-1", "zone": "urban", "target_minutes": 30})).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("case_exists")));
    let li = s.token("surveyor", Some("li")).await;
    let early = Utc::now() - Duration::hours(2);
    let (status, err) = s.post("/v1/cases/C-1/arrival", &li, json!({"arrived_at": early})).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("arrival_before_dispatch")));
    let (status, _) = s.post("/v1/cases/C-1/arrival", &li, json!({"arrived_at": Utc::now() + Duration::hours(1)})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn bundle_submission_is_a_documented_seam_until_the_core_lands() {
    let s = Server::start().await;
    s.case("C-1", "urban", Some("li"), &[]).await;
    let li = s.token("surveyor", Some("li")).await;
    let (status, err) = s.post("/v1/cases/C-1/bundles", &li, json!({})).await;
    assert_eq!((status, err["code"].as_str()), (501, Some("not_implemented")));
}
