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

use crate::duration::Duration;
use crate::ir::{Severity, WindowSpec};
use crate::number::clean;

/// The reference period burn windows are written for.
pub const REFERENCE_PERIOD: Duration = Duration::from_minutes(30 * 24 * 60);

/// A burn window resolved for one SLO.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurnAlert {
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
pub fn burn_alert(window: &WindowSpec, period: Duration, error_budget: f64) -> BurnAlert {
    let burn_rate = burn_rate(window.budget_share, period, window.long);
    BurnAlert {
        severity: window.severity,
        long: window.long,
        short: window.short,
        budget_share: window.budget_share,
        burn_rate,
        threshold: clean(burn_rate * error_budget),
    }
}

/// `share × period / long`, without float noise.
pub fn burn_rate(budget_share: f64, period: Duration, long: Duration) -> f64 {
    clean(budget_share * period.seconds() / long.seconds())
}

/// The budget share a burn rate spends over `long` in a 30-day period.
pub fn share_of_reference(burn_rate: f64, long: Duration) -> f64 {
    clean(burn_rate * long.seconds() / REFERENCE_PERIOD.seconds())
}

impl BurnAlert {
    /// True when even a total outage stays under the threshold.
    pub fn can_never_fire(&self) -> bool {
        self.threshold >= 1.0
    }

    /// Seconds until the budget is gone at this burn rate.
    pub fn exhaustion_seconds(&self, period: Duration) -> f64 {
        period.seconds() / self.burn_rate
    }

    /// Seconds from the start of errors at ratio `error_ratio` until both
    /// windows exceed the threshold; infinite when they never do.
    pub fn detection_seconds(&self, error_ratio: f64) -> f64 {
        if error_ratio <= self.threshold {
            return f64::INFINITY;
        }
        self.threshold / error_ratio * self.long.seconds()
    }

    /// Seconds from the end of errors until the alert resolves, for errors at
    /// `error_ratio` that lasted longer than the long window.
    pub fn reset_seconds(&self, error_ratio: f64) -> f64 {
        if error_ratio <= self.threshold {
            return 0.0;
        }
        self.short.seconds() * (1.0 - self.threshold / error_ratio)
    }
}

/// The error budget of a period as time (seconds of total outage).
pub fn budget_seconds(period: Duration, error_budget: f64) -> f64 {
    period.seconds() * error_budget
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::workbook_windows;

    fn alerts(period_days: u64, objective: f64) -> Vec<BurnAlert> {
        let period = Duration::from_minutes(period_days * 24 * 60);
        workbook_windows()
            .iter()
            .map(|window| burn_alert(window, period, clean((100.0 - objective) / 100.0)))
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
    fn other_periods_keep_the_budget_share() {
        let rates: Vec<f64> = alerts(28, 99.9)
            .iter()
            .map(|alert| alert.burn_rate)
            .collect();
        assert_eq!(rates, vec![13.44, 5.6, 2.8, 0.933_333_333_333]);
        let rates: Vec<f64> = alerts(7, 99.9)
            .iter()
            .map(|alert| alert.burn_rate)
            .collect();
        assert_eq!(rates, vec![3.36, 1.4, 0.7, 0.233_333_333_333]);
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
    fn extreme_objectives() {
        // 90%: the 1h page needs 144% errors (the Workbook's "could never fire").
        assert!(alerts(30, 90.0)[0].can_never_fire());
        assert!(!alerts(30, 99.999)[0].can_never_fire());
        assert!(
            (budget_seconds(Duration::from_minutes(30 * 24 * 60), 0.000_01) - 25.92).abs() < 1e-9
        );
    }
}
