//! The other clocks of a claim, as deadlines of the same kind: report to the insurer within
//! 48 hours of the accident, a theft to the police within 24 hours, and the loss-assessment
//! clocks chosen by the estimated amount. All hours come from the policy.

use super::policy::{Anchor, DeadlineRules, LossStep, LossTier};
use super::SlaError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The facts of a claim the deadlines are measured on; absent facts leave clocks unstarted/open.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimFacts {
    /// When the accident happened.
    pub accident_at: Option<DateTime<Utc>>,
    /// When it was reported to the insurer.
    pub reported_at: Option<DateTime<Utc>>,
    /// True for a vehicle theft.
    pub theft: bool,
    /// When a theft was reported to the police.
    pub police_reported_at: Option<DateTime<Utc>>,
    /// Estimated loss in yuan.
    pub estimated_loss_yuan: Option<f64>,
    /// Whether liability is clear.
    pub clear_liability: Option<bool>,
    /// When the survey at the scene ended.
    pub survey_ended_at: Option<DateTime<Utc>>,
    /// When the vehicle was disassembled.
    pub disassembled_at: Option<DateTime<Utc>>,
    /// When parts and labour were fixed.
    pub parts_fixed_at: Option<DateTime<Utc>>,
    /// When the loss estimate was issued.
    pub estimated_at: Option<DateTime<Utc>>,
}

/// Which clock a deadline belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockName {
    /// Report the accident to the insurer.
    ReportToInsurer,
    /// Report a theft to the police.
    TheftToPolice,
    /// Fix parts and labour.
    PartsAndLabour,
    /// Issue the loss estimate.
    LossEstimate,
}

/// Where a deadline stands at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeadlineState {
    /// The clock's starting event has not happened (or is not known) yet.
    NotStarted,
    /// Running; not done yet.
    Open {
        /// Whole minutes left (rounded down).
        minutes_left: i64,
    },
    /// Not done and past due.
    Overdue {
        /// Minutes past due (rounded up).
        minutes_over: i64,
    },
    /// Done in time.
    Met {
        /// Whole minutes to spare (rounded down).
        margin_minutes: i64,
    },
    /// Done after the due time.
    MetLate {
        /// Minutes late (rounded up).
        late_minutes: i64,
    },
}

/// One deadline with its clock, start, due time and state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deadline {
    /// Which clock.
    pub clock: ClockName,
    /// Where it starts.
    pub from: Anchor,
    /// Hours allowed (0 = on the spot, due when the survey ends).
    pub hours: u32,
    /// When it started, if known.
    pub started_at: Option<DateTime<Utc>>,
    /// When it is due, if started.
    pub due: Option<DateTime<Utc>>,
    /// When it was done, if done.
    pub done_at: Option<DateTime<Utc>>,
    /// The state at the evaluation instant.
    pub state: DeadlineState,
}

/// All deadlines that apply to a claim, evaluated at `now`.
pub fn evaluate(rules: &DeadlineRules, facts: &ClaimFacts, now: DateTime<Utc>) -> Result<Vec<Deadline>, SlaError> {
    let mut out = vec![clock(ClockName::ReportToInsurer, Anchor::Accident, rules.report_hours, facts, now)];
    if facts.theft {
        out.push(clock(ClockName::TheftToPolice, Anchor::Accident, rules.theft_police_hours, facts, now));
    }
    if let Some(amount) = facts.estimated_loss_yuan {
        if !(amount.is_finite() && amount >= 0.0) {
            return Err(SlaError::BadAmount(amount));
        }
        let tier = loss_tier(&rules.loss_assessment, amount, facts.clear_liability.unwrap_or(false));
        for c in &tier.clocks {
            let name = match c.step {
                LossStep::Estimate => ClockName::LossEstimate,
                LossStep::PartsAndLabour => ClockName::PartsAndLabour,
            };
            out.push(clock(name, c.from, c.hours, facts, now));
        }
    }
    Ok(out)
}

/// The first tier whose bound holds the amount and whose liability condition is met.
/// Validated policies end with an open, unconditional tier, so one always matches.
pub fn loss_tier(tiers: &[LossTier], amount_yuan: f64, clear_liability: bool) -> &LossTier {
    tiers
        .iter()
        .find(|t| t.up_to_yuan.is_none_or(|max| amount_yuan <= max) && (!t.requires_clear_liability || clear_liability))
        .unwrap_or_else(|| tiers.last().expect("validated policies have tiers"))
}

fn clock(name: ClockName, from: Anchor, hours: u32, f: &ClaimFacts, now: DateTime<Utc>) -> Deadline {
    let started_at = match from {
        Anchor::Accident => f.accident_at,
        Anchor::SurveyEnd => f.survey_ended_at,
        Anchor::Disassembly => f.disassembled_at,
    };
    let done_at = match name {
        ClockName::ReportToInsurer => f.reported_at,
        ClockName::TheftToPolice => f.police_reported_at,
        ClockName::PartsAndLabour => f.parts_fixed_at,
        ClockName::LossEstimate => f.estimated_at,
    };
    let due = started_at.map(|s| s + Duration::hours(hours as i64));
    let state = match (due, done_at) {
        (None, _) => DeadlineState::NotStarted,
        (Some(due), Some(done)) if done <= due => DeadlineState::Met { margin_minutes: (due - done).num_seconds().div_euclid(60) },
        (Some(due), Some(done)) => DeadlineState::MetLate { late_minutes: ceil_minutes(done - due) },
        (Some(due), None) if now >= due => DeadlineState::Overdue { minutes_over: ceil_minutes(now - due) },
        (Some(due), None) => DeadlineState::Open { minutes_left: (due - now).num_seconds().div_euclid(60) },
    };
    Deadline { clock: name, from, hours, started_at, due, done_at, state }
}

fn ceil_minutes(d: Duration) -> i64 {
    (d.num_milliseconds() + 59_999).div_euclid(60_000)
}
