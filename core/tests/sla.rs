//! Arrival targets: status, early warning, arrival proof, clocks, policies, with exact minutes.
//!
//! The scene is on the West Lake in Hangzhou (西湖区, urban: 30 minutes in the default policy).
//! Dispatch is at 02:00 UTC (10:00 in Hangzhou), so the deadline is 02:30 and first contact is
//! due at 02:05. Fixes approach from due south along the meridian at chosen distances.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kancha_core::geo::{Coord, Datum, Fix};
use kancha_core::sla::*;
use serde_json::json;
use std::sync::OnceLock;

/// The scene in WGS-84 (where the phone's GNSS puts it).
const SCENE_WGS: (f64, f64) = (30.25, 120.15);
/// The same place as a dispatch system (Amap, GCJ-02) gives it; from PyPI prcoords.
const SCENE_GCJ: (f64, f64) = (30.247677961254222, 120.15470694564496);

fn policy_file(name: &str) -> String {
    format!("{}/data/policies/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn default_policy() -> &'static ZonePolicy {
    static P: OnceLock<ZonePolicy> = OnceLock::new();
    P.get_or_init(|| ZonePolicy::load(policy_file("default-30-60.json").as_ref()).unwrap())
}

fn t(hms: &str) -> DateTime<Utc> {
    format!("2026-11-20T{hms}Z").parse().unwrap()
}

fn scene_gcj() -> Coord {
    Coord::new(SCENE_GCJ.0, SCENE_GCJ.1, Datum::Gcj02).unwrap()
}

/// A WGS-84 point `metres` due south of the scene.
fn south(metres: f64) -> Coord {
    let per_degree = Coord::new(SCENE_WGS.0, SCENE_WGS.1, Datum::Wgs84)
        .unwrap()
        .distance_m(&Coord::new(SCENE_WGS.0 - 0.1, SCENE_WGS.1, Datum::Wgs84).unwrap())
        / 0.1;
    Coord::new(SCENE_WGS.0 - metres / per_degree, SCENE_WGS.1, Datum::Wgs84).unwrap()
}

fn fix(hms: &str, metres: f64, accuracy: f64) -> Fix {
    Fix { coord: south(metres), accuracy_m: Some(accuracy), at: t(hms), mock: false }
}

fn case() -> CaseClock {
    CaseClock { case_id: "C-1".into(), dispatched_at: t("02:00:00"), scene: scene_gcj(), zone: None }
}

fn monitor() -> ArrivalMonitor {
    ArrivalMonitor::new(default_policy(), &case(), None, t("02:00:00")).unwrap()
}

fn arrival_changes(events: &[SlaEvent]) -> Vec<(DateTime<Utc>, ArrivalState, ArrivalState)> {
    events
        .iter()
        .filter_map(|e| match &e.change {
            Change::Arrival { from, to, .. } => Some((e.at, *from, *to)),
            _ => None,
        })
        .collect()
}

fn contact_changes(events: &[SlaEvent]) -> Vec<(DateTime<Utc>, ContactState, ContactState)> {
    events
        .iter()
        .filter_map(|e| match &e.change {
            Change::FirstContact { from, to } => Some((e.at, *from, *to)),
            _ => None,
        })
        .collect()
}

fn near(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_milliseconds().abs() <= 1000
}

#[test]
fn datum_trap_scene_in_gcj02_and_fixes_in_wgs84_are_the_same_place() {
    let on_paper = Coord::new(SCENE_GCJ.0, SCENE_GCJ.1, Datum::Wgs84).unwrap().distance_m(&south(0.0));
    assert!(on_paper > 400.0, "the numbers differ by {on_paper} m");

    let mut m = monitor();
    let (d, events) = m.feed_fix(&fix("02:15:00", 0.0, 10.0), t("02:15:00"));
    match d {
        Disposition::Accepted { distance_m, inside_geofence, .. } => {
            assert!(distance_m < 1.0, "same place, {distance_m} m");
            assert!(inside_geofence);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(arrival_changes(&events), vec![(t("02:15:00"), ArrivalState::Pending, ArrivalState::ArrivedOnTime)]);
    assert_eq!(m.status().arrival, ArrivalStatus::ArrivedOnTime { margin_minutes: 15 });

    // The same numbers with the datum mislabelled as WGS-84 miss the 300 m geofence.
    let wrong = CaseClock { scene: Coord::new(SCENE_GCJ.0, SCENE_GCJ.1, Datum::Wgs84).unwrap(), ..case() };
    let mut m = ArrivalMonitor::new(default_policy(), &wrong, None, t("02:00:00")).unwrap();
    let (d, _) = m.feed_fix(&fix("02:15:00", 0.0, 10.0), t("02:15:00"));
    assert!(matches!(d, Disposition::Accepted { inside_geofence: false, .. }));
    assert!(m.status().arrived.is_none());
}

#[test]
fn on_time_approach_with_eta_from_recent_speed() {
    let mut m = monitor();
    assert_eq!(m.status().zone.zone, "urban");
    assert_eq!(m.status().zone.area.as_deref(), Some("西湖区"));
    assert_eq!(m.deadline(), t("02:30:00"));
    assert_eq!(m.status().arrival, ArrivalStatus::Pending { minutes_left: 30 });

    let ev = m.record_contact(t("02:03:00"), t("02:03:00")).unwrap();
    assert_eq!(contact_changes(&ev), vec![(t("02:03:00"), ContactState::Due, ContactState::ContactedOnTime)]);
    assert_eq!(m.status().first_contact, ContactStatus::ContactedOnTime { margin_minutes: 2 });

    // One fix: fallback 30 km/h over 6000 m × 1.3 = 7800 m → 936 s → 02:20:36.
    let (_, ev) = m.feed_fix(&fix("02:05:00", 6000.0, 10.0), t("02:05:00"));
    assert_eq!(arrival_changes(&ev), vec![(t("02:05:00"), ArrivalState::Pending, ArrivalState::OnTime)]);
    let eta = m.status().eta.unwrap();
    assert_eq!(eta.speed_source, SpeedSource::Fallback);
    assert!(near(eta.at, t("02:20:36")), "{}", eta.at);
    assert_eq!(m.status().arrival, ArrivalStatus::OnTime { minutes_left: 25 });

    // Two more fixes 600 m a minute apart: 36 km/h; 4800 m × 1.3 = 6240 m → 624 s → 02:17:24.
    m.feed_fix(&fix("02:06:00", 5400.0, 10.0), t("02:06:00"));
    let (_, ev) = m.feed_fix(&fix("02:07:00", 4800.0, 10.0), t("02:07:00"));
    assert!(ev.is_empty());
    let eta = m.status().eta.unwrap();
    assert_eq!(eta.speed_source, SpeedSource::Recent);
    assert!((eta.speed_kmh - 36.0).abs() < 0.01, "{}", eta.speed_kmh);
    assert!(near(eta.at, t("02:17:24")), "{}", eta.at);
    assert_eq!(m.status().arrival, ArrivalStatus::OnTime { minutes_left: 23 });

    let (_, ev) = m.feed_fix(&fix("02:15:00", 30.0, 10.0), t("02:15:00"));
    assert_eq!(arrival_changes(&ev), vec![(t("02:15:00"), ArrivalState::OnTime, ArrivalState::ArrivedOnTime)]);
    let s = m.status();
    assert_eq!(s.arrival, ArrivalStatus::ArrivedOnTime { margin_minutes: 15 });
    assert!(s.arrived.as_ref().unwrap().proven);
    assert!(s.eta.is_none());
    assert_eq!(m.next_change(), None, "nothing left to watch");
}

#[test]
fn at_risk_at_once_then_late_at_the_deadline_then_arrived_late() {
    let mut m = monitor();
    // Fallback 30 km/h: 12 000 m × 1.3 = 15 600 m → 1872 s → ETA 02:41:12, 12 minutes late.
    let (_, ev) = m.feed_fix(&fix("02:10:00", 12_000.0, 20.0), t("02:10:00"));
    assert_eq!(contact_changes(&ev), vec![(t("02:05:00"), ContactState::Due, ContactState::Overdue)]);
    assert_eq!(arrival_changes(&ev), vec![(t("02:10:00"), ArrivalState::Pending, ArrivalState::AtRisk)]);
    assert_eq!(m.status().arrival, ArrivalStatus::AtRisk { minutes_left: 20, predicted_late_minutes: Some(12) });

    // 300 m in a minute (18 km/h): 11 700 m × 1.3 = 15 210 m → 3042 s → 03:01:42, 32 minutes late.
    let (_, ev) = m.feed_fix(&fix("02:11:00", 11_700.0, 20.0), t("02:11:00"));
    assert!(ev.is_empty(), "still at risk: no new event");
    assert_eq!(m.status().arrival, ArrivalStatus::AtRisk { minutes_left: 19, predicted_late_minutes: Some(32) });

    // The next moment anything changes is the deadline: a timer set there fires "late" on time.
    assert_eq!(m.next_change(), Some(t("02:30:00")));
    let ev = m.tick(t("02:40:00"));
    assert_eq!(arrival_changes(&ev), vec![(t("02:30:00"), ArrivalState::AtRisk, ArrivalState::Late)]);
    assert_eq!(m.status().arrival, ArrivalStatus::Late { minutes_over: 10 });

    let (_, ev) = m.feed_fix(&fix("02:47:30", 100.0, 15.0), t("02:47:30"));
    assert_eq!(arrival_changes(&ev), vec![(t("02:47:30"), ArrivalState::Late, ArrivalState::ArrivedLate)]);
    assert_eq!(m.status().arrival, ArrivalStatus::ArrivedLate { late_minutes: 18 });
    assert_eq!(m.status().first_contact, ContactStatus::Overdue { minutes_over: 43 });
}

#[test]
fn time_alone_makes_a_silent_case_at_risk_then_late() {
    let mut m = monitor();
    assert_eq!(m.next_change(), Some(t("02:05:00")));
    let ev = m.tick(t("02:26:00"));
    assert_eq!(contact_changes(&ev), vec![(t("02:05:00"), ContactState::Due, ContactState::Overdue)]);
    assert_eq!(arrival_changes(&ev), vec![(t("02:25:00"), ArrivalState::Pending, ArrivalState::AtRisk)]);
    assert_eq!(ev.iter().map(|e| e.at).collect::<Vec<_>>(), vec![t("02:05:00"), t("02:25:00")], "in time order");
    assert_eq!(m.status().arrival, ArrivalStatus::AtRisk { minutes_left: 4, predicted_late_minutes: None });
    assert_eq!(m.next_change(), Some(t("02:30:00")));

    // A clock that goes backwards changes nothing.
    assert!(m.tick(t("02:20:00")).is_empty());
    let ev = m.tick(t("02:31:30"));
    assert_eq!(arrival_changes(&ev), vec![(t("02:30:00"), ArrivalState::AtRisk, ArrivalState::Late)]);
    assert_eq!(m.status().arrival, ArrivalStatus::Late { minutes_over: 2 });
    assert_eq!(m.next_change(), None);
    assert!(m.tick(t("02:45:00")).is_empty(), "late is reported once");
}

#[test]
fn ticking_every_second_and_ticking_once_give_the_same_events() {
    let mut once = monitor();
    let mut often = monitor();
    let all_once = once.tick(t("02:35:00"));
    let mut all_often = Vec::new();
    let mut now = t("02:00:00");
    while now <= t("02:35:00") {
        all_often.extend(often.tick(now));
        now += Duration::seconds(1);
    }
    let strip = |v: &[SlaEvent]| v.iter().map(|e| (e.at, format!("{:?}", e.change).split(", status").next().unwrap().to_string())).collect::<Vec<_>>();
    assert_eq!(strip(&all_once), strip(&all_often));
    assert_eq!(all_once.len(), 3);
}

#[test]
fn manual_arrival_is_unproven_until_a_photo_proves_it() {
    let mut m = monitor();
    let ev = m.mark_arrived(t("02:20:00"), t("02:20:00")).unwrap();
    assert_eq!(arrival_changes(&ev), vec![(t("02:20:00"), ArrivalState::Pending, ArrivalState::ArrivedUnproven)]);
    assert_eq!(m.status().arrival, ArrivalStatus::ArrivedUnproven { within_target: true });
    assert_eq!(m.status().arrived.unwrap().proof, Proof::Manual);

    let far = PhotoProof { id: "p-far".into(), taken_at: t("02:21:00"), device_clock: false, coord: south(1000.0), accuracy_m: None };
    assert!(!m.feed_photo(&far, t("02:21:00")).0);
    let at_scene = PhotoProof { id: "p-1".into(), taken_at: t("02:22:00"), device_clock: false, coord: south(0.0), accuracy_m: None };
    let (proved, ev) = m.feed_photo(&at_scene, t("02:23:00"));
    assert!(proved);
    assert_eq!(arrival_changes(&ev), vec![(t("02:23:00"), ArrivalState::ArrivedUnproven, ArrivalState::ArrivedOnTime)]);
    let s = m.status();
    assert_eq!(s.arrival, ArrivalStatus::ArrivedOnTime { margin_minutes: 8 });
    assert_eq!(s.manual_arrival_at, Some(t("02:20:00")));
    assert_eq!(s.photos_not_proving, 1);
    match s.arrived.unwrap().proof {
        Proof::Photo { id, accuracy_m, .. } => {
            assert_eq!(id, "p-1");
            assert_eq!(accuracy_m, 30.0, "policy's photo accuracy");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_arrival_before_the_dispatch_or_in_the_future_is_refused() {
    let mut m = monitor();
    assert!(matches!(
        m.mark_arrived(t("01:59:00"), t("02:10:00")),
        Err(SlaError::BeforeDispatch { what: "manual arrival", .. })
    ));
    assert!(matches!(m.mark_arrived(t("03:00:00"), t("02:10:00")), Err(SlaError::InFuture { .. })));
    assert!(matches!(m.record_contact(t("01:00:00"), t("02:10:00")), Err(SlaError::BeforeDispatch { .. })));
    assert!(m.status().arrived.is_none(), "a refused input changes nothing");
    assert!(matches!(
        ArrivalMonitor::new(default_policy(), &case(), None, t("01:00:00")),
        Err(SlaError::DispatchInFuture { .. })
    ));
}

#[test]
fn fixes_that_prove_nothing_are_ignored_and_counted() {
    let mut m = monitor();
    let now = t("02:20:00");
    let reason = |d: Disposition| match d {
        Disposition::Rejected { reason } => Some(reason),
        Disposition::Accepted { .. } => None,
    };
    let mock = Fix { mock: true, ..fix("02:19:00", 0.0, 5.0) };
    assert_eq!(reason(m.feed_fix(&mock, now).0), Some(Rejection::Mock));
    assert_eq!(reason(m.feed_fix(&fix("02:19:00", 0.0, 150.0), now).0), Some(Rejection::TooInaccurate));
    let no_acc = Fix { accuracy_m: None, ..fix("02:19:00", 0.0, 0.0) };
    assert_eq!(reason(m.feed_fix(&no_acc, now).0), Some(Rejection::NoAccuracy));
    let nan_acc = Fix { accuracy_m: Some(f64::NAN), ..fix("02:19:00", 0.0, 0.0) };
    assert_eq!(reason(m.feed_fix(&nan_acc, now).0), Some(Rejection::TooInaccurate));
    let epoch = Fix { at: Utc.timestamp_opt(0, 0).unwrap(), ..fix("02:19:00", 0.0, 5.0) };
    assert_eq!(reason(m.feed_fix(&epoch, now).0), Some(Rejection::BeforeDispatch));
    let next_year = Fix { at: "2027-11-20T02:19:00Z".parse().unwrap(), ..fix("02:19:00", 0.0, 5.0) };
    assert_eq!(reason(m.feed_fix(&next_year, now).0), Some(Rejection::FromTheFuture));
    // Within the 120 s tolerance a slightly fast clock is fine; beyond it, not.
    let (d, _) = m.feed_fix(&fix("02:21:59", 5000.0, 10.0), now);
    assert_eq!(reason(d), None);
    assert_eq!(reason(m.feed_fix(&fix("02:22:01", 5000.0, 10.0), now).0), Some(Rejection::FromTheFuture));
    assert_eq!(reason(m.feed_fix(&fix("02:21:59", 5000.0, 10.0), now).0), Some(Rejection::Duplicate));
    match m.feed_fix(&fix("02:18:00", 5600.0, 10.0), now).0 {
        Disposition::Accepted { out_of_order, .. } => assert!(out_of_order),
        other => panic!("{other:?}"),
    }
    let s = m.status();
    assert!(s.arrived.is_none(), "neither the mock nor the vague fixes at the scene prove arrival");
    assert_eq!(
        s.fixes,
        FixTally {
            received: 10,
            accepted: 2,
            out_of_order: 1,
            mock: 1,
            from_the_future: 2,
            before_dispatch: 1,
            no_accuracy: 1,
            too_inaccurate: 2,
            duplicate: 1,
        }
    );
}

#[test]
fn accuracy_counts_against_the_geofence() {
    let mut m = monitor();
    // 250 m away ± 60 m could be 310 m away: not proof with a 300 m geofence.
    let (d, _) = m.feed_fix(&fix("02:10:00", 250.0, 60.0), t("02:10:00"));
    assert!(matches!(d, Disposition::Accepted { inside_geofence: false, .. }));
    // ± 40 m: at most 290 m away, proof.
    let (d, _) = m.feed_fix(&fix("02:11:00", 250.0, 40.0), t("02:11:00"));
    assert!(matches!(d, Disposition::Accepted { inside_geofence: true, .. }));
    assert_eq!(m.status().arrival, ArrivalStatus::ArrivedOnTime { margin_minutes: 19 });
}

#[test]
fn an_older_fix_received_late_moves_the_arrival_earlier() {
    let mut m = monitor();
    m.feed_fix(&fix("02:33:00", 20.0, 10.0), t("02:33:00"));
    assert_eq!(m.status().arrival, ArrivalStatus::ArrivedLate { late_minutes: 3 });
    // The phone was offline: a fix from 02:28 at the scene arrives at 02:36.
    let (d, ev) = m.feed_fix(&fix("02:28:00", 40.0, 10.0), t("02:36:00"));
    assert!(matches!(d, Disposition::Accepted { out_of_order: true, inside_geofence: true, .. }));
    assert_eq!(arrival_changes(&ev), vec![(t("02:36:00"), ArrivalState::ArrivedLate, ArrivalState::ArrivedOnTime)]);
    assert_eq!(m.status().arrival, ArrivalStatus::ArrivedOnTime { margin_minutes: 2 });
    assert_eq!(m.status().arrived.unwrap().at, t("02:28:00"));
}

#[test]
fn device_clock_offset_corrects_device_times_and_is_recorded() {
    // At the last sync the device showed 01:55:00 while the server said 02:00:00.
    let offset = ClockOffset::learn(t("01:55:00"), t("02:00:00"));
    assert_eq!(offset.server_minus_device_ms, 300_000);
    let mut m = ArrivalMonitor::new(default_policy(), &case(), Some(offset), t("01:55:00")).unwrap();
    // The contact deadline is 02:05 server time, i.e. 02:00 on the device's clock.
    assert_eq!(m.next_change(), Some(t("02:00:00")));
    // The device says 02:27; really 02:32: late by 2 minutes, not on time.
    m.feed_fix(&fix("02:27:00", 0.0, 10.0), t("02:27:00"));
    let s = m.status();
    assert_eq!(s.arrival, ArrivalStatus::ArrivedLate { late_minutes: 2 });
    assert_eq!(s.arrived.unwrap().at, t("02:32:00"));
    assert_eq!(s.clock_correction, Some(offset));
}

#[test]
fn exif_local_time_uses_its_offset_or_the_policy_zone() {
    let cst = default_policy().local_offset();
    let with = time::exif_local_to_utc("2026:11:20 10:15:00", Some("+08:00"), cst).unwrap();
    assert_eq!((with.utc, with.source), (t("02:15:00"), OffsetSource::Exif));
    let tokyo = time::exif_local_to_utc("2026:11:20 10:15:00", Some("+09:00"), cst).unwrap();
    assert_eq!(tokyo.utc, t("01:15:00"));
    let assumed = time::exif_local_to_utc("2026:11:20 10:15:00\0", None, cst).unwrap();
    assert_eq!((assumed.utc, assumed.source, assumed.offset_s), (t("02:15:00"), OffsetSource::PolicyAssumed, 28_800));
    assert!(matches!(time::exif_local_to_utc("2026-11-20 10:15", None, cst), Err(TimeError::BadExifTime(_))));
    assert!(matches!(time::exif_local_to_utc("2026:02:30 10:15:00", None, cst), Err(TimeError::BadExifTime(_))));
    assert!(matches!(time::exif_local_to_utc("2026:11:20 10:15:00", Some("8h"), cst), Err(TimeError::BadOffset(_))));
}

#[test]
fn targets_follow_the_zone_and_the_policy() {
    let strict = ZonePolicy::load(policy_file("strict-20-40.json").as_ref()).unwrap();
    let at = |p: &ZonePolicy, lat: f64, lon: f64, d: Datum, zone: Option<&str>| {
        let c = CaseClock { scene: Coord::new(lat, lon, d).unwrap(), zone: zone.map(str::to_string), ..case() };
        ArrivalMonitor::new(p, &c, None, t("02:00:00")).map(|m| (m.status().zone.zone, m.deadline()))
    };
    let d = default_policy();
    assert_eq!(at(d, 29.80, 119.69, Datum::Wgs84, None).unwrap(), ("suburban".into(), t("03:00:00")), "桐庐县");
    assert_eq!(at(d, 31.23, 121.47, Datum::Wgs84, None).unwrap(), ("out_of_town".into(), t("03:00:00")), "Shanghai");
    assert_eq!(at(d, SCENE_GCJ.0, SCENE_GCJ.1, Datum::Gcj02, Some("suburban")).unwrap(), ("suburban".into(), t("03:00:00")));
    assert!(matches!(at(d, SCENE_GCJ.0, SCENE_GCJ.1, Datum::Gcj02, Some("downtown")), Err(SlaError::UnknownZone(_))));
    assert_eq!(at(&strict, 39.9101035, 116.4037436, Datum::Gcj02, None).unwrap(), ("urban".into(), t("02:20:00")));
    assert_eq!(at(&strict, 40.30, 116.50, Datum::Gcj02, None).unwrap(), ("suburban".into(), t("02:40:00")));
    // Baidu coordinates of Tiananmen land in the same zone.
    assert_eq!(at(&strict, 39.9164427, 116.4101166, Datum::Bd09, None).unwrap().0, "urban");
}

#[test]
fn report_theft_and_loss_assessment_deadlines() {
    let rules = &default_policy().deadlines;
    let day = |d: u32, hms: &str| -> DateTime<Utc> { format!("2026-11-{d:02}T{hms}Z").parse().unwrap() };
    let facts = ClaimFacts {
        accident_at: Some(day(18, "00:00:00")),
        reported_at: Some(day(19, "23:00:00")),
        theft: true,
        police_reported_at: Some(day(19, "01:00:00")),
        estimated_loss_yuan: Some(1500.0),
        clear_liability: Some(true),
        survey_ended_at: Some(day(20, "03:00:00")),
        estimated_at: Some(day(20, "03:00:00")),
        ..Default::default()
    };
    let now = day(20, "12:00:00");
    let got = deadlines::evaluate(rules, &facts, now).unwrap();
    let states: Vec<(ClockName, DeadlineState)> = got.iter().map(|d| (d.clock, d.state.clone())).collect();
    assert_eq!(
        states,
        vec![
            (ClockName::ReportToInsurer, DeadlineState::Met { margin_minutes: 60 }),
            (ClockName::TheftToPolice, DeadlineState::MetLate { late_minutes: 60 }),
            (ClockName::LossEstimate, DeadlineState::Met { margin_minutes: 0 }),
        ]
    );
    assert_eq!(got[2].hours, 0, "on the spot");

    // Same amount, liability unclear: the 24-hour tier. Not yet estimated at noon: 15 h left.
    let unclear = ClaimFacts { clear_liability: Some(false), estimated_at: None, theft: false, ..facts.clone() };
    let got = deadlines::evaluate(rules, &unclear, now).unwrap();
    assert_eq!((got[1].clock, got[1].hours, got[1].state.clone()), (ClockName::LossEstimate, 24, DeadlineState::Open { minutes_left: 900 }));

    // 10 000 yuan is still the 24-hour tier; 10 000.01 is the disassembly tier.
    let tier = |amount: f64| deadlines::loss_tier(&rules.loss_assessment, amount, true).clocks.len();
    assert_eq!((tier(2000.0), tier(2000.01), tier(10_000.0), tier(10_000.01)), (1, 1, 1, 2));

    let big = ClaimFacts {
        estimated_loss_yuan: Some(15_000.0),
        disassembled_at: Some(day(17, "12:00:00")),
        parts_fixed_at: None,
        estimated_at: None,
        theft: false,
        ..facts.clone()
    };
    let got = deadlines::evaluate(rules, &big, now).unwrap();
    assert_eq!(got[1].clock, ClockName::PartsAndLabour);
    assert_eq!(got[1].state, DeadlineState::Overdue { minutes_over: 24 * 60 });
    assert_eq!(got[2].clock, ClockName::LossEstimate);
    assert_eq!(got[2].state, DeadlineState::Open { minutes_left: 48 * 60 });

    let nothing = deadlines::evaluate(rules, &ClaimFacts::default(), now).unwrap();
    assert_eq!(nothing.len(), 1);
    assert_eq!(nothing[0].state, DeadlineState::NotStarted);
    let bad = ClaimFacts { estimated_loss_yuan: Some(-5.0), ..Default::default() };
    assert!(matches!(deadlines::evaluate(rules, &bad, now), Err(SlaError::BadAmount(_))));
}

fn edited(change: impl FnOnce(&mut serde_json::Value)) -> Result<ZonePolicy, PolicyError> {
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(policy_file("strict-20-40.json")).unwrap()).unwrap();
    change(&mut v);
    ZonePolicy::from_json(&v.to_string())
}

#[test]
fn bad_policies_are_refused_with_their_reason() {
    assert!(edited(|_| {}).is_ok());
    assert!(matches!(edited(|v| v["format_version"] = json!(2)), Err(PolicyError::UnsupportedFormat { version: 2, .. })));
    assert!(matches!(edited(|v| v["format"] = json!("geojson")), Err(PolicyError::UnsupportedFormat { .. })));
    assert!(matches!(edited(|v| v["zones"] = json!([])), Err(PolicyError::NoZones)));
    assert!(matches!(
        edited(|v| v["areas"]["features"] = json!([])),
        Err(PolicyError::Zones(kancha_core::geo::ZoneError::NoAreas))
    ));
    assert!(matches!(
        edited(|v| v["areas"]["features"][0]["properties"]["zone"] = json!("downtown")),
        Err(PolicyError::Zones(kancha_core::geo::ZoneError::UnknownZone { .. }))
    ));
    assert!(matches!(edited(|v| v["outside_zone"] = json!("moon")), Err(PolicyError::UnknownOutsideZone(_))));
    assert!(matches!(edited(|v| v["zones"][1]["zone"] = json!("urban")), Err(PolicyError::DuplicateZone(_))));
    assert!(matches!(edited(|v| v["geofence"]["radius_m"] = json!(-1)), Err(PolicyError::BadNumber { .. })));
    assert!(matches!(edited(|v| v["eta"]["route_factor"] = json!(0.5)), Err(PolicyError::BadNumber { .. })));
    assert!(matches!(edited(|v| v["time_zone"]["utc_offset"] = json!("CST")), Err(PolicyError::BadTimeZone(_))));
    assert!(matches!(
        edited(|v| v["deadlines"]["loss_assessment"][2]["up_to_yuan"] = json!(50000)),
        Err(PolicyError::BadTiers(_))
    ));
    assert!(matches!(edited(|v| v["geofence"]["radius"] = json!(300)), Err(PolicyError::Json(_))), "typos are caught");
    assert!(matches!(ZonePolicy::from_json("{"), Err(PolicyError::Json(_))));
    assert!(matches!(ZonePolicy::load("/nonexistent/policy.json".as_ref()), Err(PolicyError::Io { .. })));
}

#[test]
fn a_case_file_replays_into_a_verdict() {
    let case = CaseFile::from_json(
        &json!({
            "case_id": "C-7",
            "dispatched_at": "2026-11-20T02:00:00Z",
            "scene": {"lat": SCENE_GCJ.0, "lon": SCENE_GCJ.1, "datum": "gcj02"},
            "contacted_at": "2026-11-20T02:04:00Z",
            "claim": {"accident_at": "2026-11-20T01:30:00Z", "reported_at": "2026-11-20T01:45:00Z"}
        })
        .to_string(),
    )
    .unwrap();
    let s0 = south(0.0);
    let inputs = InputsFile::from_json(
        &json!([
            {"coord": {"lat": south(12_000.0).lat(), "lon": s0.lon(), "datum": "wgs84"}, "accuracy_m": 20.0, "at": "2026-11-20T02:10:00Z"},
            {"coord": {"lat": s0.lat(), "lon": s0.lon(), "datum": "wgs84"}, "accuracy_m": 8.0, "at": "2026-11-20T02:41:00Z"},
            {"coord": {"lat": s0.lat(), "lon": s0.lon(), "datum": "wgs84"}, "accuracy_m": 8.0, "at": "1970-01-01T00:00:00Z"},
            {"coord": {"lat": s0.lat(), "lon": s0.lon(), "datum": "wgs84"}, "accuracy_m": 8.0, "at": "2027-11-20T02:20:00Z"}
        ])
        .to_string(),
    )
    .unwrap();
    let report = replay(default_policy(), &case, &inputs, t("03:00:00")).unwrap();
    assert_eq!(report.policy, "default-30-60@1");
    assert_eq!(report.status.arrival, ArrivalStatus::ArrivedLate { late_minutes: 11 });
    assert_eq!(report.status.first_contact, ContactStatus::ContactedOnTime { margin_minutes: 1 });
    assert_eq!(report.status.fixes.before_dispatch, 1);
    assert_eq!(report.status.fixes.from_the_future, 1, "a fix dated next year is received now and refused");
    let states: Vec<(DateTime<Utc>, ArrivalState)> = arrival_changes(&report.events).into_iter().map(|(at, _, to)| (at, to)).collect();
    assert_eq!(
        states,
        vec![(t("02:10:00"), ArrivalState::AtRisk), (t("02:30:00"), ArrivalState::Late), (t("02:41:00"), ArrivalState::ArrivedLate)]
    );
    assert_eq!(report.deadlines[0].state, DeadlineState::Met { margin_minutes: 47 * 60 + 45 });
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["status"]["arrival"]["state"], "arrived_late");
    assert_eq!(v["events"][1]["clock"], "arrival");
}

#[test]
fn a_case_file_with_a_bad_scene_or_times_is_refused() {
    let base = json!({"case_id": "C-8", "dispatched_at": "2026-11-20T02:00:00Z", "scene": {"lat": 30.2, "lon": 120.1}});
    let case = CaseFile::from_json(&base.to_string()).unwrap();
    assert!(matches!(case.clock(), Err(SlaError::SceneWithoutDatum)));
    let mut swapped = base.clone();
    swapped["scene"] = json!({"lat": 120.1, "lon": 30.2, "datum": "gcj02"});
    let case = CaseFile::from_json(&swapped.to_string()).unwrap();
    assert!(matches!(case.clock(), Err(SlaError::Geo(kancha_core::geo::GeoError::LatLonSwapped { .. }))));
    let mut early = base.clone();
    early["scene"]["datum"] = json!("gcj02");
    early["manual_arrival_at"] = json!("2026-11-20T01:50:00Z");
    let case = CaseFile::from_json(&early.to_string()).unwrap();
    let none = InputsFile::from_json("[]").unwrap();
    assert!(matches!(replay(default_policy(), &case, &none, t("03:00:00")), Err(SlaError::BeforeDispatch { .. })));
    assert!(matches!(CaseFile::from_json("{\"case_id\": 1}"), Err(SlaError::BadInput { .. })));
    assert!(matches!(InputsFile::from_json("{\"fixes\": [{\"at\": 5}]}"), Err(SlaError::BadInput { .. })));
}

#[test]
fn a_captured_photo_offers_its_exif_position_and_time_as_proof() {
    use kancha_core::capture::{ExifSummary, GpsSummary};
    let gps = GpsSummary {
        position: south(20.0),
        altitude_m: None,
        h_positioning_error_m: Some(15.0),
        img_direction_deg: None,
        img_direction_ref: None,
    };
    // DateTimeOriginal 10:18 read as +08:00, no GPS time: a device-clock time.
    let local = time::exif_local_to_utc("2026:11:20 10:18:00", None, default_policy().local_offset()).unwrap();
    let exif = ExifSummary {
        gps: Some(gps.clone()),
        captured_at: Some(local.utc.fixed_offset()),
        ..Default::default()
    };
    let proof = PhotoProof::from_exif("IMG_7", &exif).unwrap();
    assert_eq!((proof.taken_at, proof.device_clock, proof.accuracy_m), (t("02:18:00"), true, Some(15.0)));
    // GPS time wins over the device clock.
    let with_gps_time = ExifSummary { gps_time: Some(t("02:17:58")), ..exif.clone() };
    let proof2 = PhotoProof::from_exif("IMG_7", &with_gps_time).unwrap();
    assert_eq!((proof2.taken_at, proof2.device_clock), (t("02:17:58"), false));
    assert!(PhotoProof::from_exif("IMG_8", &ExifSummary { gps: None, ..exif.clone() }).is_none());

    // The device clock ran 2 minutes fast: the photo really was taken at 02:16.
    let offset = ClockOffset::learn(t("02:02:00"), t("02:00:00"));
    let mut m = ArrivalMonitor::new(default_policy(), &case(), Some(offset), t("02:02:00")).unwrap();
    assert!(m.feed_photo(&proof, t("02:20:00")).0);
    assert_eq!(m.status().arrival, ArrivalStatus::ArrivedOnTime { margin_minutes: 14 });
    assert_eq!(m.status().arrived.unwrap().at, t("02:16:00"));
}

#[test]
fn a_persisted_monitor_carries_on_exactly_where_it_left_off() {
    let mut original = monitor();
    original.feed_fix(&fix("02:10:00", 12_000.0, 20.0), t("02:10:00"));
    let saved = serde_json::to_string(&original).unwrap();
    let mut restored: ArrivalMonitor = serde_json::from_str(&saved).unwrap();
    let a = original.tick(t("02:40:00"));
    let b = restored.tick(t("02:40:00"));
    assert_eq!(a, b);
    assert_eq!(arrival_changes(&b), vec![(t("02:30:00"), ArrivalState::AtRisk, ArrivalState::Late)]);
    // The duplicate filter survives too.
    let (d, _) = restored.feed_fix(&fix("02:10:00", 12_000.0, 20.0), t("02:41:00"));
    assert_eq!(d, Disposition::Rejected { reason: Rejection::Duplicate });
}

#[test]
fn the_embedded_shipped_policy_is_exactly_the_file_in_the_repository() {
    // The library embeds the policy compressed (core/build.rs); nothing may be lost on the way.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/policies/default-30-60.json");
    let from_file = ZonePolicy::load(&path).expect("the policy file loads");
    let embedded = ZonePolicy::shipped_default().expect("the embedded policy inflates and loads");
    assert_eq!(format!("{embedded:?}"), format!("{from_file:?}"));
}
