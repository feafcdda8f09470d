//! Burn-rate math: the one home of the SRE Workbook's formulas.
//!
//! In: an SLO's objective and period, and a burn window. Out: the numbers
//! every other part prints or tests: burn rate, error-ratio threshold,
//! budget spent, time to exhaustion, detection and reset times.
//! `plan` (alert thresholds), runbooks, `explain` and the generated promtool
//! tests all read these, so they cannot disagree.
//!
//! Formulas (SRE Workbook ch. 5, "Alerting on SLOs"):
//! - burn rate `BR = share × period / long` (share of budget kept across periods)
//! - threshold `t = BR × (1 − SLO)` (error ratio both windows must exceed)
//! - detection at error ratio `e`: `(t / e) × long` (the long window fills last)
//! - time to exhaustion at `BR`: `period / BR`
//! - reset after errors stop (errors lasted longer than the windows):
//!   the short window drains first: `short × (1 − t / e)`
//!
//! The Workbook's times are for windows measured continuously. Prometheus
//! measures them at evaluation steps, and how depends on how slogen records
//! the window ([`Measure`]): [`BurnAlert::firing_seconds`] and
//! [`BurnAlert::resolved_seconds`] give the times as Prometheus 2 sees them
//! for a total outage. The generated promtool tests assert these (within one
//! evaluation interval), and `explain` prints them.

use crate::duration::Duration;
use crate::ir::{Severity, WindowSpec};
use crate::number::clean;

/// The reference period burn windows are written for.
pub(crate) const REFERENCE_PERIOD: Duration = Duration::from_minutes(30 * 24 * 60);

/// A burn window resolved for one SLO.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BurnAlert {
    /// Page or ticket.
    pub severity: Severity,
    /// Long window.
    pub long: Duration,
    /// Short window.
    pub short: Duration,
    /// Share of the period's budget spent when it fires.
    pub budget_share: f64,
    /// Multiple of the sustainable error rate.
    pub burn_rate: f64,
    /// Error ratio both windows must exceed.
    pub threshold: f64,
}

/// Resolves a window for an SLO's period and error budget.
///
/// A default window ([`WindowSpec::at_least_one`]) keeps its budget share
/// unless that gives a burn rate below 1 (a ticket on an SLO that will be
/// met with budget to spare: the 3d ticket of a 28d period, 0.933x); then
/// the burn rate is 1 and the share is what 1x spends, `long / period`.
pub(crate) fn burn_alert(window: &WindowSpec, period: Duration, error_budget: f64) -> BurnAlert {
    let mut burn_rate = burn_rate(window.budget_share, period, window.long);
    let mut budget_share = window.budget_share;
    if window.at_least_one && burn_rate < 1.0 {
        burn_rate = 1.0;
        budget_share = clean(window.long.seconds() / period.seconds());
    }
    BurnAlert {
        severity: window.severity,
        long: window.long,
        short: window.short,
        budget_share,
        burn_rate,
        threshold: clean(burn_rate * error_budget),
    }
}

/// `share × period / long`, without float noise.
pub(crate) fn burn_rate(budget_share: f64, period: Duration, long: Duration) -> f64 {
    clean(budget_share * period.seconds() / long.seconds())
}

/// The budget share a burn rate spends over `long` in a 30-day period.
pub(crate) fn share_of_reference(burn_rate: f64, long: Duration) -> f64 {
    // Not rounded: the burn rate made of it for another period is, and a
    // share rounded first would leave residue there (1x of a 7d period,
    // imported as 30/7 for 30 days, read 0.999999999999x).
    burn_rate * long.seconds() / REFERENCE_PERIOD.seconds()
}

impl BurnAlert {
    /// True when even a total outage stays under the threshold.
    pub(crate) fn can_never_fire(&self) -> bool {
        self.threshold >= 1.0
    }

    /// Seconds until the budget is gone at this burn rate.
    pub(crate) fn exhaustion_seconds(&self, period: Duration) -> f64 {
        period.seconds() / self.burn_rate
    }

    /// Seconds from the start of errors at ratio `error_ratio` until both
    /// windows exceed the threshold; infinite when they never do.
    pub(crate) fn detection_seconds(&self, error_ratio: f64) -> f64 {
        if error_ratio <= self.threshold {
            return f64::INFINITY;
        }
        self.threshold / error_ratio * self.long.seconds()
    }

    /// Seconds from the end of errors until the alert resolves, for errors at
    /// `error_ratio` that filled the short window and kept the long window
    /// above the threshold (e.g. errors that lasted longer than the long window).
    pub(crate) fn reset_seconds(&self, error_ratio: f64) -> f64 {
        if error_ratio <= self.threshold {
            return 0.0;
        }
        self.short.seconds() * (1.0 - self.threshold / error_ratio)
    }
}

/// How Prometheus measures a window, as far as timing is concerned. `plan`
/// decides which window is measured how ([`crate::plan::window_measure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Measure {
    /// `rate()` over raw counters (or a user query doing so): exactly the
    /// events of the last `window`, the Workbook's model.
    Events,
    /// The average of a series recorded every evaluation interval, each
    /// sample the ratio of the last `base` (long windows of event and raw
    /// SLIs). The range holds one sample more than the window has
    /// intervals, and the base window lags by half of itself once full.
    Recorded {
        /// The window of each recorded sample.
        base: Duration,
    },
    /// The average of 0/1 samples recorded every evaluation interval, each
    /// the state from its evaluation on (threshold SLIs): one sample more
    /// than the window has intervals, and the first bad sample counts at once.
    States,
}

impl Measure {
    /// Seconds from the start of a total outage (error ratio 1) until this
    /// window's ratio exceeds `threshold`, at evaluation interval `interval`.
    /// Exact at evaluation steps for Prometheus 2 when the windows are whole
    /// intervals: the alert fires at the first step after this time.
    pub(crate) fn rise_seconds(self, window: Duration, threshold: f64, interval: Duration) -> f64 {
        let (window, step) = (window.seconds(), interval.seconds());
        match self {
            Self::Events => threshold * window,
            Self::Recorded { base } => {
                // After k steps the window sums min(j, b) / b over j = 1..=k of
                // its n + 1 samples: k(k + 1) / 2b while the base window fills,
                // k − (b − 1) / 2 after; it passes the threshold at
                // threshold × (n + 1).
                let (samples, fill) = (window / step + 1.0, base.seconds() / step);
                let target = threshold * samples;
                let steps = if target <= (fill + 1.0) / 2.0 {
                    ((1.0 + 8.0 * fill * target).sqrt() - 1.0) / 2.0
                } else {
                    target + (fill - 1.0) / 2.0
                };
                steps * step
            }
            Self::States => threshold * (window + step) - step,
        }
    }

    /// Seconds from the end of a total outage that filled this window until
    /// its ratio is back at or below `threshold`; as exact as
    /// [`Measure::rise_seconds`].
    pub(crate) fn fall_seconds(self, window: Duration, threshold: f64, interval: Duration) -> f64 {
        let (window, step) = (window.seconds(), interval.seconds());
        match self {
            Self::Events => window * (1.0 - threshold),
            Self::Recorded { base } => {
                (window + step) * (1.0 - threshold) + (base.seconds() - step) / 2.0
            }
            Self::States => (window + step) * (1.0 - threshold) - step,
        }
    }
}

/// How an alert's two windows are measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Measures {
    /// The long window.
    pub long: Measure,
    /// The short window.
    pub short: Measure,
}

impl BurnAlert {
    /// Seconds from the start of a total outage until Prometheus, evaluating
    /// every `interval`, sees both windows above the threshold: the later of
    /// the two rises. With [`Measure::Events`] and a vanishing interval this
    /// is [`BurnAlert::detection_seconds`] at error ratio 1.
    pub(crate) fn firing_seconds(&self, measures: Measures, interval: Duration) -> f64 {
        measures
            .long
            .rise_seconds(self.long, self.threshold, interval)
            .max(
                measures
                    .short
                    .rise_seconds(self.short, self.threshold, interval),
            )
    }

    /// Seconds from the end of a total outage until the alert resolves, when
    /// the outage lasted long enough to fill the short window and the long
    /// window is still above the threshold: the short window's fall. With
    /// [`Measure::Events`] this is [`BurnAlert::reset_seconds`] at error ratio 1.
    pub(crate) fn resolved_seconds(&self, measures: Measures, interval: Duration) -> f64 {
        measures
            .short
            .fall_seconds(self.short, self.threshold, interval)
    }
}

/// The error budget of a period as time (seconds of total outage).
pub(crate) fn budget_seconds(period: Duration, error_budget: f64) -> f64 {
    period.seconds() * error_budget
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{WindowSpec, workbook_windows};

    fn alerts(period_days: u64, objective: f64) -> Vec<BurnAlert> {
        let period = Duration::from_minutes(period_days * 24 * 60);
        workbook_windows()
            .iter()
            .map(|window| burn_alert(window, period, crate::number::budget_of_percent(objective)))
            .collect()
    }

    #[test]
    fn workbook_table_for_thirty_days() {
        let rates: Vec<f64> = alerts(30, 99.9)
            .iter()
            .map(|alert| alert.burn_rate)
            .collect();
        assert_eq!(rates, vec![14.4, 6.0, 3.0, 1.0]);
        let thresholds: Vec<f64> = alerts(30, 99.9)
            .iter()
            .map(|alert| alert.threshold)
            .collect();
        assert_eq!(thresholds, vec![0.0144, 0.006, 0.003, 0.001]);
    }

    #[test]
    fn other_periods_keep_the_budget_share_but_never_burn_below_one() {
        let table = |days| -> Vec<(f64, f64, f64)> {
            alerts(days, 99.9)
                .iter()
                .map(|alert| (alert.burn_rate, alert.budget_share, alert.threshold))
                .collect()
        };
        // 28d: the Workbook's shares; the 3d ticket (0.933x) is raised to 1x,
        // which spends 3/28 of the budget.
        assert_eq!(
            table(28),
            vec![
                (13.44, 0.02, 0.01344),
                (5.6, 0.05, 0.0056),
                (2.8, 0.1, 0.0028),
                (1.0, 0.107_142_857_143, 0.001),
            ]
        );
        // 7d: both tickets (0.7x, 0.233x) are raised to 1x.
        assert_eq!(
            table(7),
            vec![
                (3.36, 0.02, 0.00336),
                (1.4, 0.05, 0.0014),
                (1.0, 0.142_857_142_857, 0.001),
                (1.0, 0.428_571_428_571, 0.001),
            ]
        );
        // A user's own window is taken as written (`check` warns below 1x).
        let own = WindowSpec {
            at_least_one: false,
            ..workbook_windows()[3]
        };
        let period = Duration::from_minutes(7 * 24 * 60);
        assert_eq!(burn_alert(&own, period, 0.001).burn_rate, 0.233_333_333_333);
    }

    #[test]
    fn detection_and_reset_follow_the_workbook() {
        let fast = alerts(30, 99.9)[0];
        // A total outage: 1.44% of an hour, 51.84 s.
        assert!((fast.detection_seconds(1.0) - 51.84).abs() < 1e-9);
        // The Workbook's worked example: 10% errors, 8.64 minutes.
        assert!((fast.detection_seconds(0.1) - 518.4).abs() < 1e-9);
        assert!(fast.detection_seconds(0.01).is_infinite());
        // 30 days at 14.4x: 2 days and 2 hours.
        assert!(
            (fast.exhaustion_seconds(Duration::from_minutes(30 * 24 * 60)) - 180_000.0).abs()
                < 1e-6
        );
        // After a total outage the 5m window drains in just under 5 minutes.
        assert!((fast.reset_seconds(1.0) - 300.0 * (1.0 - 0.0144)).abs() < 1e-9);
    }

    #[test]
    fn measured_times_as_prometheus_samples_them() {
        let minute = Duration::from_minutes(1);
        let fast = alerts(30, 99.9)[0];
        let events = Measures {
            long: Measure::Events,
            short: Measure::Events,
        };
        // Raw counters: the Workbook's times, to the second.
        assert!((fast.firing_seconds(events, minute) - fast.detection_seconds(1.0)).abs() < 1e-9);
        assert!((fast.resolved_seconds(events, minute) - fast.reset_seconds(1.0)).abs() < 1e-9);
        // 0/1 samples: 61 samples in an hour, the first bad one counts at
        // once: (k + 1) / 61 > 0.0144 first at k = 0, so at the outage's start.
        let states = Measures {
            long: Measure::States,
            short: Measure::States,
        };
        assert!((fast.firing_seconds(states, minute) - (0.0144 * 3660.0 - 60.0)).abs() < 1e-9);
        // After it, (5 - k) / 6 bad samples: at or below 0.0144 from k = 5.
        assert!(
            (fast.resolved_seconds(states, minute) - (360.0 * (1.0 - 0.0144) - 60.0)).abs() < 1e-9
        );
        // Recorded 5m rates summed over a day lag by 2 minutes: (k - 2) / 1441.
        let ticket = alerts(30, 99.9)[2];
        let recorded = Measure::Recorded {
            base: Duration::from_minutes(5),
        };
        let rise = recorded.rise_seconds(ticket.long, ticket.threshold, minute);
        assert!((rise / 60.0 - (0.003 * 1441.0 + 2.0)).abs() < 1e-9);
        // With a 1h base, the day passes 0.003 while the base still fills:
        // k(k + 1) / 120 > 4.323 from k = 23.
        let hourly = Measure::Recorded {
            base: Duration::from_minutes(60),
        };
        let rise = hourly.rise_seconds(ticket.long, ticket.threshold, minute) / 60.0;
        assert!(rise > 22.0 && rise < 23.0, "{rise}");
    }

    #[test]
    fn extreme_objectives() {
        // 90%: the 1h page needs 144% errors (the Workbook's "could never fire").
        assert!(alerts(30, 90.0)[0].can_never_fire());
        assert!(!alerts(30, 99.999)[0].can_never_fire());
        assert!(
            (budget_seconds(Duration::from_minutes(30 * 24 * 60), 0.000_01) - 25.92).abs() < 1e-9
        );
    }
}
