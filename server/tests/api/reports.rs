//! Reports as JSON and CSV, computed from the stored dispatch, target and arrival times.

use crate::common::*;
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

/// Dispatches a case at `dispatched` and, if given, records arrival `after` minutes later.
async fn case_with_arrival(s: &Server, id: &str, zone: &str, who: &str, dispatched: chrono::DateTime<Utc>, after: Option<i64>) {
    let a = s.admin.clone();
    let (status, body) = s
        .post(
            "/v1/cases",
            &a,
            json!({"id": id, "zone": zone, "target_minutes": 30, "surveyor": who, "dispatched_at": dispatched,
                   "required_documents": ["driver_licence"]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    if let Some(m) = after {
        let (status, body) = s.post(&format!("/v1/cases/{id}/arrival"), &a, json!({"arrived_at": dispatched + Duration::minutes(m)})).await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn fleet(s: &Server) {
    // 2026-11-20 09:00 China Standard Time is 01:00 UTC; 2026-11-21 07:30 CST is 2026-11-20 23:30 UTC.
    let d1 = Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap();
    let d2 = Utc.with_ymd_and_hms(2026, 11, 20, 23, 30, 0).unwrap();
    case_with_arrival(s, "A1", "haidian", "li", d1, Some(20)).await; // on time
    case_with_arrival(s, "A2", "haidian", "li", d1, Some(45)).await; // late
    case_with_arrival(s, "A3", "changping", "zhao", d2, Some(30)).await; // on time (exactly)
    case_with_arrival(s, "A4", "changping", "zhao", d2, None).await; // overdue by now
    case_with_arrival(s, "A5", "haidian", "zhao", Utc::now() - Duration::minutes(27), None).await; // at risk
    case_with_arrival(s, "A6", "haidian", "li", Utc::now() - Duration::minutes(1), None).await; // en route
}

#[tokio::test]
async fn on_time_rate_per_zone_surveyor_and_local_day() {
    let s = Server::start().await;
    fleet(&s).await;
    let d = s.token("dispatcher", Some("wang")).await;
    let (status, zones) = s.get("/v1/reports/arrivals?by=zone", &d).await;
    assert_eq!(status, 200, "{zones}");
    assert_eq!(
        zones,
        json!([
            {"group": "changping", "dispatched": 2, "on_time": 1, "late": 0, "overdue": 1, "pending": 0, "on_time_rate": 0.5},
            {"group": "haidian", "dispatched": 4, "on_time": 1, "late": 1, "overdue": 0, "pending": 2, "on_time_rate": 0.5},
        ])
    );
    let (_, people) = s.get("/v1/reports/arrivals?by=surveyor", &d).await;
    let rates: Vec<_> = people.as_array().unwrap().iter().map(|r| (r["group"].clone(), r["on_time"].clone(), r["late"].clone(), r["overdue"].clone())).collect();
    assert_eq!(rates, vec![(json!("li"), json!(1), json!(1), json!(0)), (json!("zhao"), json!(1), json!(0), json!(1))]);
    let (_, days) = s.get("/v1/reports/arrivals?by=day&from=2026-11-20&to=2026-11-21", &d).await;
    let groups: Vec<_> = days.as_array().unwrap().iter().map(|r| (r["group"].clone(), r["dispatched"].clone())).collect();
    assert_eq!(groups, vec![(json!("2026-11-20"), json!(2)), (json!("2026-11-21"), json!(2))], "days in China Standard Time");
    let (status, _) = s.get("/v1/reports/arrivals?by=week", &d).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn reports_as_csv() {
    let s = Server::start().await;
    fleet(&s).await;
    let resp = s.req(reqwest::Method::GET, "/v1/reports/arrivals?by=zone&format=csv", Some(&s.admin)).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let text = resp.text().await.unwrap();
    assert_eq!(
        text,
        "group,dispatched,on_time,late,overdue,pending,on_time_rate\r\nchangping,2,1,0,1,0,0.5000\r\nhaidian,4,1,1,0,2,0.5000\r\n"
    );
    let missing = s.req(reqwest::Method::GET, "/v1/reports/missing-documents?format=csv", Some(&s.admin)).send().await.unwrap();
    let text = missing.text().await.unwrap();
    assert!(text.starts_with("case_id,zone,surveyor,missing\r\nA1,haidian,li,driver_licence\r\n"), "{text}");
}

#[tokio::test]
async fn cases_at_risk_and_cases_missing_documents() {
    let s = Server::start().await;
    fleet(&s).await;
    let (_, risky) = s.get("/v1/reports/at-risk", &s.admin.clone()).await;
    let ids: Vec<_> = risky.as_array().unwrap().iter().map(|r| (r["case_id"].clone(), r["status"].clone())).collect();
    assert_eq!(ids, vec![(json!("A4"), json!("overdue")), (json!("A5"), json!("at_risk"))]);
    // li sends the driver licence for A1: it leaves the missing-documents report.
    let li = s.token("surveyor", Some("li")).await;
    let path = s.create_upload(&li, 4, &format!("case_id {},kind {}", b64("A1"), b64("driver_licence"))).await;
    let (_, before) = s.get("/v1/reports/missing-documents", &s.admin.clone()).await;
    assert_eq!(before.as_array().unwrap().len(), 6, "an unfinished upload does not count");
    assert_eq!(s.patch(&path, &li, 0, vec![0; 4], &[]).await.status(), 204);
    let (_, after) = s.get("/v1/reports/missing-documents", &s.admin.clone()).await;
    let ids: Vec<_> = after.as_array().unwrap().iter().map(|r| r["case_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["A2", "A3", "A4", "A5", "A6"]);
    assert_eq!(after[0]["missing"], json!(["driver_licence"]));
}
