//! The arrival clocks of the cases on a device: one monitor per watched case, saved in the store
//! after every change (so the clock survives the app being killed), and a timer thread that ticks
//! each monitor at its next change, so "at risk" and "late" are reported at the moment they
//! happen even when no fix arrives.

use super::{ArrivalMonitor, CaseClock, Disposition, SlaError, SlaEvent, SlaStatus, ZonePolicy};
use crate::geo::Fix;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Why a watch call failed.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The store failed, or the case does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The arrival clock refused the input.
    #[error(transparent)]
    Sla(#[from] SlaError),
    /// The case lacks a fact the arrival clock needs.
    #[error("case {case_id} has no {missing}; only a dispatched case with a scene has an arrival clock")]
    NotDispatched { case_id: String, missing: &'static str },
    /// The case's clock was never started.
    #[error("case {0} is not watched; start its arrival clock first")]
    NotWatched(String),
    /// A saved monitor could not be read back.
    #[error("the saved arrival clock of case {case_id} is unreadable: {detail}")]
    BadState { case_id: String, detail: String },
}

/// Receives arrival transitions (on the timer thread, or on the thread that fed the input).
pub trait WatchListener: Send + Sync {
    /// One transition of one case.
    fn on_change(&self, case_id: &str, event: &SlaEvent);
}

/// Where time comes from; the device clock unless a test says otherwise.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

struct Shared {
    store: Arc<Store>,
    policy: ZonePolicy,
    listener: Arc<dyn WatchListener>,
    clock: Clock,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    monitors: HashMap<String, ArrivalMonitor>,
    stopping: bool,
}

/// The arrival clocks of every watched case on this device.
pub struct ArrivalWatch {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl ArrivalWatch {
    /// Restores every saved clock and starts the timer, on the device clock.
    pub fn start(store: Arc<Store>, policy: ZonePolicy, listener: Arc<dyn WatchListener>) -> Result<Self, WatchError> {
        Self::start_with_clock(store, policy, listener, Arc::new(Utc::now))
    }

    /// Like [`ArrivalWatch::start`] with a given clock.
    pub fn start_with_clock(
        store: Arc<Store>,
        policy: ZonePolicy,
        listener: Arc<dyn WatchListener>,
        clock: Clock,
    ) -> Result<Self, WatchError> {
        let mut monitors = HashMap::new();
        for case_id in store.watched_cases()? {
            let text = store.arrival_monitor(&case_id)?.unwrap_or_default();
            let monitor: ArrivalMonitor = serde_json::from_str(&text)
                .map_err(|e| WatchError::BadState { case_id: case_id.clone(), detail: e.to_string() })?;
            monitors.insert(case_id, monitor);
        }
        let shared = Arc::new(Shared {
            store,
            policy,
            listener,
            clock,
            state: Mutex::new(State { monitors, stopping: false }),
            changed: Condvar::new(),
        });
        let timer = shared.clone();
        let thread = std::thread::Builder::new()
            .name("kancha-arrival".into())
            .spawn(move || timer.run_timer())
            .map_err(|e| WatchError::BadState { case_id: String::new(), detail: format!("cannot start the timer: {e}") })?;
        Ok(ArrivalWatch { shared, thread: Some(thread) })
    }

    /// Starts the arrival clock of a dispatched case (or returns its status if already started).
    /// `zone` is the dispatcher's zone, overriding the policy's polygons.
    pub fn watch(&self, case_id: &str, zone: Option<&str>) -> Result<SlaStatus, WatchError> {
        let mut state = self.shared.lock();
        if !state.monitors.contains_key(case_id) {
            let case = self.shared.store.case(case_id)?;
            let missing = |what| WatchError::NotDispatched { case_id: case_id.to_string(), missing: what };
            let clock = CaseClock {
                case_id: case.id.clone(),
                dispatched_at: case.dispatched_at.ok_or_else(|| missing("dispatch time"))?,
                scene: case.scene.ok_or_else(|| missing("scene position"))?,
                zone: zone.map(str::to_string),
            };
            let monitor = ArrivalMonitor::new(&self.shared.policy, &clock, None, (self.shared.clock)())?;
            self.shared.save(case_id, &monitor)?;
            state.monitors.insert(case_id.to_string(), monitor);
            self.shared.changed.notify_all();
        }
        drop(state);
        self.status(case_id)
    }

    /// Feeds a location fix to a watched case's clock; returns what was done with it.
    pub fn feed_fix(&self, case_id: &str, fix: &Fix) -> Result<(Disposition, SlaStatus), WatchError> {
        let state = self.shared.lock();
        let (disposition, status) = self.shared.update(state, case_id, |m, now| {
            let (d, events) = m.feed_fix(fix, now);
            Ok((events, (d, m.status())))
        })?;
        Ok((disposition, status))
    }

    /// Records that the surveyor says they arrived at `at`, without a position proving it.
    pub fn mark_arrived(&self, case_id: &str, at: DateTime<Utc>) -> Result<SlaStatus, WatchError> {
        let state = self.shared.lock();
        self.shared.update(state, case_id, |m, now| Ok((m.mark_arrived(at, now)?, m.status())))
    }

    /// The status of a watched case now.
    pub fn status(&self, case_id: &str) -> Result<SlaStatus, WatchError> {
        let state = self.shared.lock();
        self.shared.update(state, case_id, |m, now| Ok((m.tick(now), m.status())))
    }

    /// Ids of the watched cases.
    pub fn cases(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.shared.lock().monitors.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Stops the timer thread; saved clocks stay in the store.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.changed.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ArrivalWatch {
    fn drop(&mut self) {
        self.shut_down();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save(&self, case_id: &str, monitor: &ArrivalMonitor) -> Result<(), WatchError> {
        let text = serde_json::to_string(monitor)
            .map_err(|e| WatchError::BadState { case_id: case_id.to_string(), detail: e.to_string() })?;
        Ok(self.store.save_arrival_monitor(case_id, &text)?)
    }

    /// Applies `f` to a copy of the case's monitor; the copy replaces it only once saved, so a
    /// failed save leaves memory and store agreeing. Transitions go to the listener after the
    /// lock is released.
    fn update<T>(
        &self,
        mut state: MutexGuard<'_, State>,
        case_id: &str,
        f: impl FnOnce(&mut ArrivalMonitor, DateTime<Utc>) -> Result<(Vec<SlaEvent>, T), WatchError>,
    ) -> Result<T, WatchError> {
        let mut monitor = state.monitors.get(case_id).cloned().ok_or_else(|| WatchError::NotWatched(case_id.to_string()))?;
        let (events, out) = f(&mut monitor, (self.clock)())?;
        self.save(case_id, &monitor)?;
        state.monitors.insert(case_id.to_string(), monitor);
        self.changed.notify_all();
        drop(state);
        for event in &events {
            self.listener.on_change(case_id, event);
        }
        Ok(out)
    }

    /// Sleeps until the earliest next change of any clock, ticks the due ones, and repeats.
    fn run_timer(&self) {
        let mut state = self.lock();
        loop {
            if state.stopping {
                return;
            }
            let now = (self.clock)();
            let due: Vec<String> = state
                .monitors
                .iter()
                .filter(|(_, m)| m.next_change().is_some_and(|t| t <= now))
                .map(|(id, _)| id.clone())
                .collect();
            if !due.is_empty() {
                drop(state);
                for case_id in due {
                    // A failed save is retried at the next wake-up; the clock itself is not lost.
                    let _ = self.update(self.lock(), &case_id, |m, now| Ok((m.tick(now), ())));
                }
                state = self.lock();
                continue;
            }
            let next = state.monitors.values().filter_map(ArrivalMonitor::next_change).min();
            state = match next {
                Some(t) => {
                    let wait = (t - now).to_std().unwrap_or_default().min(std::time::Duration::from_secs(60));
                    // Never sleep less than a millisecond: a change due "now" was handled above.
                    let wait = wait.max(std::time::Duration::from_millis(1));
                    self.changed.wait_timeout(state, wait).unwrap_or_else(|p| p.into_inner()).0
                }
                None => self.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}
