//! The device's arrival clocks: saved in the store, ticked by their own timer, restored after the
//! app is killed.

use chrono::{DateTime, Duration, Utc};
use kancha_core::case::NewCase;
use kancha_core::geo::{Coord, Datum, Fix};
use kancha_core::sla::watch::{ArrivalWatch, WatchError, WatchListener};
use kancha_core::sla::{ArrivalState, Change, SlaEvent, ZonePolicy};
use kancha_core::store::Store;
use std::sync::{Arc, Mutex};

/// Records every transition it is told about.
#[derive(Default)]
struct Recorder(Mutex<Vec<(String, SlaEvent)>>);

impl WatchListener for Recorder {
    fn on_change(&self, case_id: &str, event: &SlaEvent) {
        self.0.lock().unwrap().push((case_id.to_string(), event.clone()));
    }
}

impl Recorder {
    fn arrivals(&self) -> Vec<(ArrivalState, ArrivalState, DateTime<Utc>)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, e)| match &e.change {
                Change::Arrival { from, to, .. } => Some((*from, *to, e.at)),
                _ => None,
            })
            .collect()
    }

    /// Waits (up to 20 s, polling) for a transition into `to`.
    fn wait_for(&self, to: ArrivalState) -> DateTime<Utc> {
        for _ in 0..2000 {
            if let Some((_, _, at)) = self.arrivals().into_iter().find(|(_, t, _)| *t == to) {
                return at;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("no transition to {to:?} within 20 s; saw {:?}", self.arrivals());
    }
}

fn scene() -> Coord {
    Coord::new(30.2741, 120.1551, Datum::Wgs84).unwrap()
}

fn dispatched_case(store: &Store, id: &str, dispatched_at: DateTime<Utc>) {
    store
        .create_case(NewCase {
            id: Some(id.into()),
            report_no: format!("RPT-{id}"),
            scene: Some(scene()),
            dispatched_at: Some(dispatched_at),
            ..Default::default()
        })
        .unwrap();
}

fn policy() -> ZonePolicy {
    ZonePolicy::shipped_default().expect("the shipped policy loads")
}

#[test]
fn the_timer_reports_late_at_the_deadline_without_any_input() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    // 30-minute urban target; the deadline falls 1.5 s from now.
    dispatched_case(&store, "C-LATE", Utc::now() - Duration::minutes(30) + Duration::milliseconds(1500));
    let events = Arc::new(Recorder::default());
    let watch = ArrivalWatch::start(store.clone(), policy(), events.clone()).unwrap();
    let status = watch.watch("C-LATE", Some("urban")).unwrap();
    assert_eq!(status.zone.arrival_minutes, 30);
    assert_eq!(status.arrival.state(), ArrivalState::AtRisk, "1.5 s before the deadline is at risk");

    let late_at = events.wait_for(ArrivalState::Late);
    assert_eq!(late_at, status.deadline, "late is stamped with the deadline itself");
    assert_eq!(watch.status("C-LATE").unwrap().arrival.state(), ArrivalState::Late);
    assert!(events.0.lock().unwrap().iter().all(|(id, _)| id == "C-LATE"));
}

#[test]
fn a_fix_at_the_scene_proves_arrival_and_the_clock_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let dispatched = Utc::now() - Duration::minutes(12);
    let arrived_at;
    {
        let store = Arc::new(Store::open(dir.path()).unwrap());
        dispatched_case(&store, "C-ON-TIME", dispatched);
        let events = Arc::new(Recorder::default());
        let watch = ArrivalWatch::start(store.clone(), policy(), events.clone()).unwrap();
        watch.watch("C-ON-TIME", None).unwrap();
        let far = Fix { coord: Coord::new(30.30, 120.20, Datum::Wgs84).unwrap(), accuracy_m: Some(10.0), at: Utc::now(), mock: false };
        let (_, status) = watch.feed_fix("C-ON-TIME", &far).unwrap();
        assert!(status.arrived.is_none(), "a fix kilometres away proves nothing");
        let mock = Fix { coord: scene(), accuracy_m: Some(5.0), at: Utc::now(), mock: true };
        let (_, status) = watch.feed_fix("C-ON-TIME", &mock).unwrap();
        assert!(status.arrived.is_none(), "a mock location proves nothing");
        let here = Fix { coord: scene(), accuracy_m: Some(5.0), at: Utc::now(), mock: false };
        let (_, status) = watch.feed_fix("C-ON-TIME", &here).unwrap();
        assert_eq!(status.arrival.state(), ArrivalState::ArrivedOnTime);
        arrived_at = status.arrived.expect("arrival recorded").at;
        assert_eq!(events.arrivals().last().map(|a| a.1), Some(ArrivalState::ArrivedOnTime));
        // The app is killed here: no stop, no goodbye (the watch and store are just dropped).
    }
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let watch = ArrivalWatch::start(store, policy(), Arc::new(Recorder::default())).unwrap();
    assert_eq!(watch.cases(), vec!["C-ON-TIME".to_string()]);
    let status = watch.status("C-ON-TIME").unwrap();
    assert_eq!(status.arrival.state(), ArrivalState::ArrivedOnTime);
    assert_eq!(status.arrived.unwrap().at, arrived_at);
    assert_eq!((status.fixes.received, status.fixes.mock), (3, 1));
    // Watching again returns the same clock, not a new one.
    assert_eq!(watch.watch("C-ON-TIME", None).unwrap().arrived.unwrap().at, arrived_at);
}

#[test]
fn cases_without_a_dispatch_or_clock_get_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    store.create_case(NewCase { id: Some("SELF".into()), report_no: "RPT-SELF".into(), ..Default::default() }).unwrap();
    dispatched_case(&store, "C-1", Utc::now());
    let watch = ArrivalWatch::start(store.clone(), policy(), Arc::new(Recorder::default())).unwrap();
    assert!(matches!(watch.watch("SELF", None), Err(WatchError::NotDispatched { missing: "dispatch time", .. })));
    assert!(matches!(watch.watch("NO-SUCH", None), Err(WatchError::Store(_))));
    assert!(matches!(watch.status("C-1"), Err(WatchError::NotWatched(_))));
    assert!(matches!(watch.watch("C-1", Some("no_such_zone")), Err(WatchError::Sla(_))));
    assert!(watch.cases().is_empty(), "failed calls leave no clock behind");
    assert_eq!(store.watched_cases().unwrap(), Vec::<String>::new());
}
