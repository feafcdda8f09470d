//! The model of Prometheus' evaluation the expectations are checked
//! against: which SLOs are alike for it ([`Model`]), how a scenario feeds
//! an SLO ([`Feed`], [`Share`], [`Scenario`]), the simulation itself
//! ([`Simulation`], shared by SLOs alike through [`Simulations`]) and the
//! input series it is fed.

use super::*;

/// All a [`Simulation`] reads of an SLO: SLOs alike in it are simulated once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Model {
    pub(super) base: Duration,
    pub(super) longest: Duration,
    /// Threshold SLIs: bad states, not events.
    pub(super) states: bool,
    /// Raw SLIs: every window from the user's query.
    pub(super) raw: bool,
}

impl Model {
    pub(super) fn measure(self, window: Duration) -> Measure {
        plan::measure(self.states, self.raw, self.base, window)
    }
}

/// How a scenario feeds an SLO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Feed {
    /// Raw series its queries read.
    Raw,
    /// slogen's recorded base series.
    Recorded,
}

/// An exact share of failed events (or of time out of bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Share {
    pub(super) failed: u64,
    pub(super) of: u64,
}

impl Share {
    pub(super) const NONE: Self = Self { failed: 0, of: 1 };
    pub(super) const ALL: Self = Self { failed: 1, of: 1 };

    #[allow(clippy::cast_precision_loss)]
    pub(super) fn value(self) -> f64 {
        self.failed as f64 / self.of as f64
    }

    /// The decimal with `digits` significant digits nearest `value` (or
    /// the largest not above it).
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap
    )]
    pub(super) fn decimal(value: f64, digits: i32, down: bool) -> Option<Self> {
        if !(value > 0.0 && value < 1.0) {
            return None;
        }
        let exponent = digits - 1 - value.log10().floor() as i32;
        let scale = 10_u64.checked_pow(u32::try_from(exponent).ok()?)?;
        let scaled = value * scale as f64;
        let failed = if down {
            (scaled * (1.0 + 1e-12)).floor()
        } else {
            scaled.round()
        } as u64;
        (failed > 0).then(|| Self { failed, of: scale }.reduced())
    }

    pub(super) fn reduced(self) -> Self {
        let divisor = gcd(self.failed, self.of);
        Self {
            failed: self.failed / divisor,
            of: self.of / divisor,
        }
    }

    pub(super) fn percent(self) -> String {
        format!("{}%", format(self.value() * 100.0))
    }
}

pub(super) fn gcd(mut left: u64, mut right: u64) -> u64 {
    while right != 0 {
        (left, right) = (right, left % right);
    }
    left.max(1)
}

pub(super) fn lcm(left: u64, right: u64) -> u64 {
    left / gcd(left, right) * right
}

/// A timeline: the share of failures of every input interval.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Scenario {
    /// Input sample interval.
    pub(super) step: Duration,
    /// Rule evaluation interval, a multiple of `step`.
    pub(super) eval: Duration,
    /// (first interval, share) from then on; interval `i` ends at sample `i`.
    pub(super) phases: Vec<(u64, Share)>,
    /// Index of the last sample.
    pub(super) last: u64,
}

impl Scenario {
    /// The share of interval `interval` (1-based); intervals before the
    /// first sample have the first phase's share.
    pub(super) fn share(&self, interval: i64) -> Share {
        let mut share = self.phases[0].1;
        for (start, phase) in &self.phases {
            if i64::try_from(*start).unwrap_or(i64::MAX) <= interval {
                share = *phase;
            }
        }
        share
    }

    pub(super) fn phase_start(&self, interval: i64) -> i64 {
        let mut found = 1;
        for (start, _) in &self.phases {
            let start = i64::try_from(*start).unwrap_or(i64::MAX);
            if start <= interval {
                found = start;
            }
        }
        found
    }

    /// Events per interval: integer counts of failures for every share, and
    /// whole-number rates per second.
    pub(super) fn traffic(&self) -> u64 {
        let denominators = self
            .phases
            .iter()
            .fold(1, |all, (_, share)| lcm(all, share.of));
        let millis = self.step.millis();
        let unit = if millis.is_multiple_of(1000) {
            millis / 1000
        } else {
            millis
        };
        denominators * unit
    }

    /// Failed events in interval `interval`, and all events, given the
    /// scenario's [`traffic`](Self::traffic) (callers compute it once).
    pub(super) fn counts(&self, interval: i64, traffic: u64) -> (u64, u64) {
        let share = self.share(interval);
        (traffic / share.of * share.failed, traffic)
    }

    /// Whether the state recorded at sample `sample` (the state from then
    /// on, for threshold SLIs) is out of bounds: the last of every
    /// `1/share` samples of a phase, so that no window, however short or
    /// truncated, holds more than the share (a total outage: every sample).
    pub(super) fn bad_state(&self, sample: i64) -> bool {
        let interval = sample + 1;
        let share = self.share(interval);
        if share.failed == 0 {
            return false;
        }
        let period = i64::try_from(share.of / share.failed)
            .unwrap_or(i64::MAX)
            .max(1);
        (interval - self.phase_start(interval)).rem_euclid(period) == period - 1
    }

    /// The last sample before any failure: no window ending there holds
    /// a failed interval or a bad state (`u64::MAX` when nothing fails).
    pub(super) fn first_failure(&self) -> u64 {
        self.phases
            .iter()
            .find(|(_, share)| share.failed > 0)
            .map_or(u64::MAX / 2, |(start, _)| start.saturating_sub(1))
    }

    pub(super) fn steps(&self, duration: Duration) -> i64 {
        i64::try_from(duration.millis() / self.step.millis()).unwrap_or(i64::MAX)
    }

    pub(super) fn sample_at(&self, time: Duration) -> i64 {
        self.steps(time)
    }

    /// Spacing (in samples) of the recorded series long windows average,
    /// and the first sample that exists: rules record at evaluation steps
    /// (a base rate first when it has two samples); fed series every sample.
    pub(super) fn sampling(&self, feed: Feed, states: bool) -> (i64, i64) {
        match feed {
            Feed::Recorded => (1, 0),
            Feed::Raw if states => (self.steps(self.eval), 0),
            Feed::Raw => {
                let spacing = self.steps(self.eval);
                (spacing, spacing)
            }
        }
    }
}

/// How Prometheus 2 evaluates the rules of one SLO on a scenario's inputs.
pub(super) struct Simulation {
    pub(super) model: Model,
    pub(super) scenario: Scenario,
    pub(super) feed: Feed,
    /// Events per interval ([`Scenario::traffic`]).
    pub(super) traffic: u64,
    /// Running sums of (failed, all) events and bad states, from `origin`.
    pub(super) sums: RefCell<Sums>,
}

/// The simulations of one batch of SLOs, planned on one thread: SLOs with
/// the same [`Model`] on the same scenario and feed share one, and their
/// input values; running sums and inputs over days of samples are most of
/// the cost of planning tests.
#[derive(Default)]
pub(super) struct Simulations {
    pub(super) simulations: RefCell<HashMap<Alike, Rc<Simulation>>>,
    /// Input values in promtool's notation; `None` for a series that
    /// never has a sample.
    pub(super) values: RefCell<HashMap<(Alike, Values), Option<String>>>,
}

/// SLOs alike for a simulation: the same model, feed and scenario.
pub(super) type Alike = (Model, Feed, Scenario);

/// Which input series' values, of an SLO in a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Values {
    Counter(Role),
    /// A gauge's good and bad values, as bits.
    Gauge {
        good: u64,
        bad: u64,
    },
    /// A recorded series, by name.
    Recorded(String),
}

impl Simulations {
    pub(super) fn values(
        &self,
        key: (Alike, Values),
        samples: &dyn Fn() -> Option<Vec<Sample>>,
    ) -> Option<String> {
        if let Some(known) = self.values.borrow().get(&key) {
            return known.clone();
        }
        let values = samples().map(|samples| notation::encode(&samples));
        self.values.borrow_mut().insert(key, values.clone());
        values
    }

    pub(super) fn get(&self, model: Model, scenario: &Scenario, feed: Feed) -> Rc<Simulation> {
        let mut known = self.simulations.borrow_mut();
        let shared = known
            .entry((model, feed, scenario.clone()))
            .or_insert_with(|| Rc::new(Simulation::new(model, scenario, feed)));
        Rc::clone(shared)
    }
}

/// SLOs planned together on one thread, sharing [`Simulations`].
pub(super) const BATCH: usize = 32;

#[derive(Default)]
pub(super) struct Sums {
    pub(super) origin: i64,
    pub(super) events: Vec<(u64, u64)>,
    pub(super) states: Vec<u64>,
    /// Over the sampling grid (every `spacing` samples from sample 0):
    /// entry `k` sums the points before the `k`th, as (failed, all) events
    /// of their base windows (points before `first` hold none) and bad
    /// states, so a long window's average costs two lookups.
    pub(super) grid: Vec<(u64, u64, u64)>,
}

/// A predicate the model cannot decide: a ratio within rounding of the threshold.
pub(super) const TIE: f64 = 1e-9;

impl Sums {
    pub(super) fn new(origin: i64, capacity: usize) -> Self {
        let mut events = Vec::with_capacity(capacity);
        events.push((0, 0));
        let mut states = Vec::with_capacity(capacity);
        states.push(0);
        let mut grid = Vec::with_capacity(capacity);
        grid.push((0, 0, 0));
        Self {
            origin,
            events,
            states,
            grid,
        }
    }
}

impl Simulation {
    pub(super) fn new(model: Model, scenario: &Scenario, feed: Feed) -> Self {
        // Fed series reach back one longest window before the first sample.
        let reach = model.longest.millis() + model.base.millis();
        let origin = -i64::try_from(reach / scenario.step.millis()).unwrap_or(0) - 1;
        Self {
            model,
            scenario: scenario.clone(),
            feed,
            traffic: scenario.traffic(),
            sums: RefCell::new(Sums::new(
                origin,
                // Scenarios run about two reaches long.
                2 * usize::try_from(-origin).unwrap_or(0),
            )),
        }
    }

    /// Running sums up to `index` inclusive: (failed, all) events of the
    /// intervals, and bad states of the samples.
    pub(super) fn running(&self, index: i64) -> ((u64, u64), u64) {
        let mut sums = self.sums.borrow_mut();
        let origin = sums.origin;
        let position = usize::try_from((index - origin + 1).max(0)).unwrap_or(0);
        while sums.events.len() <= position {
            let at = origin + i64::try_from(sums.events.len()).unwrap_or(0) - 1;
            let (bad, total) = if self.feed == Feed::Raw && at < 1 {
                (0, 0)
            } else {
                self.scenario.counts(at, self.traffic)
            };
            let (failed, all) = *sums.events.last().unwrap_or(&(0, 0));
            sums.events.push((failed + bad, all + total));
            // Only threshold SLIs read states.
            let state = u64::from(at >= 0 && self.model.states && self.scenario.bad_state(at));
            let states = *sums.states.last().unwrap_or(&0);
            sums.states.push(states + state);
        }
        (sums.events[position], sums.states[position])
    }

    /// Sum of failed and all events over intervals `(to - count, to]`. Raw
    /// counters start at the first sample (nothing before it); recorded
    /// series slogen feeds carry the first phase back in time.
    pub(super) fn events(&self, to: i64, count: i64) -> (u64, u64) {
        let ((failed_to, all_to), _) = self.running(to);
        let ((failed_from, all_from), _) = self.running(to - count);
        (failed_to - failed_from, all_to - all_from)
    }

    /// Bad states among samples `[from, to]`.
    pub(super) fn bad_states(&self, from: i64, to: i64) -> u64 {
        let (_, upto) = self.running(to);
        let (_, before) = self.running(from - 1);
        upto - before
    }

    /// The window's error ratio at evaluation time `time`, if any.
    #[allow(clippy::cast_precision_loss)]
    pub(super) fn ratio(&self, window: Duration, time: Duration) -> Option<f64> {
        let scenario = &self.scenario;
        let now = scenario.sample_at(time);
        let steps = scenario.steps(window);
        match self.model.measure(window) {
            Measure::Events => {
                let (failed, all) = self.events(now, steps);
                (all > 0 && now > 0).then(|| failed as f64 / all as f64)
            }
            Measure::Recorded { .. } => {
                let (spacing, first) = self.sampling();
                let (from, to) = grid_range(now - steps, now, spacing, first);
                let (failed, all, _) = self.grid_sums(from, to);
                (all > 0).then(|| failed as f64 / all as f64)
            }
            Measure::States => {
                let (spacing, _) = self.sampling();
                if spacing == 1 {
                    let from = (now - steps).max(0);
                    let count = now - from + 1;
                    let bad = self.bad_states(from, now);
                    return (count > 0).then(|| bad as f64 / count as f64);
                }
                let (from, to) = grid_range(now - steps, now, spacing, 0);
                let (_, _, bad) = self.grid_sums(from, to);
                (to > from).then(|| bad as f64 / (to - from) as f64)
            }
        }
    }

    /// Sums over the grid points `[from, to)` (see [`Sums::grid`]).
    pub(super) fn grid_sums(&self, from: i64, to: i64) -> (u64, u64, u64) {
        if to <= from {
            return (0, 0, 0);
        }
        let (spacing, first) = self.sampling();
        let base_steps = self.scenario.steps(self.model.base);
        let wanted = usize::try_from(to).unwrap_or(0);
        loop {
            let known = self.sums.borrow().grid.len();
            if known > wanted {
                break;
            }
            let sample = i64::try_from(known - 1).unwrap_or(i64::MAX) * spacing;
            let threshold = self.model.states;
            let (bad, total) = if sample >= first && !threshold {
                self.events(sample, base_steps)
            } else {
                (0, 0)
            };
            let state = u64::from(threshold && self.scenario.bad_state(sample));
            let mut sums = self.sums.borrow_mut();
            let (failed, all, states) = *sums.grid.last().unwrap_or(&(0, 0, 0));
            sums.grid.push((failed + bad, all + total, states + state));
        }
        let sums = self.sums.borrow();
        let at = |index: i64| sums.grid[usize::try_from(index).unwrap_or(0)];
        let (high, low) = (at(to), at(from));
        (high.0 - low.0, high.1 - low.1, high.2 - low.2)
    }

    /// See [`Scenario::sampling`].
    pub(super) fn sampling(&self) -> (i64, i64) {
        self.scenario.sampling(self.feed, self.model.states)
    }

    /// Whether the alert fires at `time`; `None` when a ratio ties.
    pub(super) fn firing(&self, alert: &BurnAlert, time: Duration) -> Option<bool> {
        let above = |window| match self.ratio(window, time) {
            None => Some(false),
            Some(ratio) if (ratio - alert.threshold).abs() <= TIE * alert.threshold => None,
            Some(ratio) => Some(ratio > alert.threshold),
        };
        // Most evaluations are quiet on the long window alone.
        let long = above(alert.long);
        if long == Some(false) {
            return Some(false);
        }
        match (long, above(alert.short)) {
            (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    }

    /// Whether the alert fires at `time` with its `for` (`wait`) and
    /// `keep_firing_for` (`keep`), as Prometheus' rule manager decides:
    /// active at the first evaluation its condition holds, firing once it
    /// has held for `wait`, and kept firing until `keep` has passed since
    /// the first evaluation its condition failed. `None` when a ratio ties.
    pub(super) fn alert_state(
        &self,
        alert: &BurnAlert,
        time: Duration,
        wait: Duration,
        keep: Duration,
    ) -> Option<bool> {
        let eval = self.scenario.eval;
        alert_state(
            |index| self.firing(alert, Duration::from_millis(index * eval.millis())),
            time.millis() / eval.millis(),
            wait.millis().div_ceil(eval.millis()),
            keep,
            eval,
        )
    }

    /// True when the alert is certainly quiet at every evaluation up to `end`.
    /// Evaluations before the first failure read no failures, so they are
    /// skipped.
    pub(super) fn never_fires(&self, alert: &BurnAlert, end: Duration) -> bool {
        let eval = self.scenario.eval.millis();
        let first = self.scenario.first_failure() * self.scenario.step.millis() / eval;
        (first..=end.millis() / eval)
            .all(|index| self.firing(alert, Duration::from_millis(index * eval)) == Some(false))
    }
}

/// Whether an alert fires at evaluation `now` (an index) with its `for`
/// (`wait`, in evaluations) and `keep_firing_for` (`keep`), as Prometheus'
/// rule manager decides, given whether its condition holds at each
/// evaluation (`None`: a tie): active at the first evaluation its condition
/// holds, firing once it has held for `wait`, and kept firing until `keep`
/// has passed since the first evaluation its condition failed.
pub(super) fn alert_state(
    holds: impl Fn(u64) -> Option<bool>,
    now: u64,
    wait: u64,
    keep: Duration,
    eval: Duration,
) -> Option<bool> {
    // Held at every evaluation from `wait` before `back` evaluations ago on.
    let held = |back: u64| -> Option<bool> {
        let mut state = Some(true);
        for ago in back..=back + wait {
            match now.checked_sub(ago).map(&holds) {
                None | Some(Some(false)) => return Some(false),
                Some(None) => state = None,
                Some(Some(true)) => {}
            }
        }
        state
    };
    let current = held(0);
    if current != Some(false) || keep.millis() == 0 {
        return current;
    }
    // The last evaluation it fired at, if `keep` has not passed since the
    // evaluation after it.
    for back in 1..=keep.millis().div_ceil(eval.millis()) {
        match held(back) {
            Some(true) => return Some((back - 1) * eval.millis() < keep.millis()),
            None => return None,
            Some(false) => {}
        }
    }
    Some(false)
}

/// The grid points (multiples of `spacing`, from `first` on) among samples
/// `[from, to]`, as a range `[start, end)` of grid indexes.
pub(super) fn grid_range(from: i64, to: i64, spacing: i64, first: i64) -> (i64, i64) {
    let start = from.max(first);
    let aligned = start + (spacing - start.rem_euclid(spacing)) % spacing;
    if to < aligned {
        return (0, 0);
    }
    (aligned / spacing, to.div_euclid(spacing) + 1)
}

/// Input series of one SLO in one scenario, with their values in
/// promtool's expanding notation (lossless: equal notations mean equal
/// samples). Values are computed once per batch for SLOs alike.
pub(super) fn inputs(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    simulations: &Simulations,
) -> Vec<(Series, String)> {
    let last = i64::try_from(scenario.last).unwrap_or(0);
    let traffic = scenario.traffic();
    let values = |kind: Values, samples: &dyn Fn() -> Option<Vec<Sample>>| {
        simulations.values(((subject.model(), feed, scenario.clone()), kind), samples)
    };
    let cumulative = |part: &dyn Fn(i64) -> u64| -> Vec<u64> {
        let mut total = 0;
        let mut values = Vec::with_capacity(usize::try_from(last + 1).unwrap_or(1));
        values.push(0);
        for interval in 1..=last {
            total += part(interval);
            values.push(total);
        }
        values
    };
    #[allow(clippy::cast_precision_loss)]
    let float = |value: u64| value as f64;
    match (&subject.synthesis.source, feed) {
        (Source::Counters { series, .. }, Feed::Raw) => series
            .iter()
            .filter_map(|(series, role)| {
                let samples = || {
                    let part = |interval: i64| {
                        let (failed, all) = scenario.counts(interval, traffic);
                        match role {
                            Role::Failed => failed,
                            Role::Succeeded => all - failed,
                            Role::All => all,
                        }
                    };
                    let values = cumulative(&part);
                    // A failure counter appears with the first failure, at 0.
                    let first = match role {
                        Role::Failed => (1..=last).find(|interval| part(*interval) > 0)? - 1,
                        _ => 0,
                    };
                    let samples = values
                        .iter()
                        .enumerate()
                        .map(|(index, value)| {
                            (i64::try_from(index).unwrap_or(0) >= first).then(|| float(*value))
                        })
                        .collect();
                    Some(samples)
                };
                Some((series.clone(), values(Values::Counter(*role), &samples)?))
            })
            .collect(),
        (
            Source::Gauge {
                series, good, bad, ..
            },
            Feed::Raw,
        ) => {
            let samples = || {
                let states = (0..=last).map(|sample| scenario.bad_state(sample));
                Some(
                    states
                        .map(|bad_state| Some(if bad_state { *bad } else { *good }))
                        .collect(),
                )
            };
            let kind = Values::Gauge {
                good: good.to_bits(),
                bad: bad.to_bits(),
            };
            values(kind, &samples)
                .map(|values| (series.clone(), values))
                .into_iter()
                .collect()
        }
        _ => recorded_inputs(subject, scenario, traffic, simulations),
    }
}

/// slogen's recorded base series, for SLOs fed that way.
#[allow(clippy::cast_precision_loss)]
pub(super) fn recorded_inputs(
    subject: &Subject<'_>,
    scenario: &Scenario,
    traffic: u64,
    simulations: &Simulations,
) -> Vec<(Series, String)> {
    let model = subject.model();
    let last = i64::try_from(scenario.last).unwrap_or(0);
    let labels = subject.recorded_labels(Feed::Recorded);
    let mut fed = Vec::new();
    let mut feed = |name: String, samples: &dyn Fn() -> Vec<Sample>| {
        let key = (
            (model, Feed::Recorded, scenario.clone()),
            Values::Recorded(name.clone()),
        );
        if let Some(values) = simulations.values(key, &|| Some(samples())) {
            let labels = labels.clone();
            fed.push((Series { name, labels }, values));
        }
    };
    let base = subject.base();
    if subject.is_threshold() {
        let states = || {
            (0..=last)
                .map(|sample| Some(if scenario.bad_state(sample) { 1.0 } else { 0.0 }))
                .collect()
        };
        feed("slo:sli_breach:bool".to_owned(), &states);
        return fed;
    }
    let simulation = simulations.get(model, scenario, Feed::Recorded);
    if subject.slo.sli.counts_events() {
        let base_steps = scenario.steps(base);
        let errors = || {
            (0..=last)
                .map(|sample| {
                    let (failed, _) = simulation.events(sample, base_steps);
                    Some(failed as f64 / covered_seconds(base, scenario.step))
                })
                .collect()
        };
        let total = || {
            (0..=last)
                .map(|_| Some(fed_rates(0, traffic, base, scenario.step).1))
                .collect()
        };
        feed(format!("slo:sli_errors:rate{base}"), &errors);
        feed(format!("slo:sli_total:rate{base}"), &total);
    }
    for window in recorded_windows(subject.slo) {
        if !queries_window(subject.slo, window) {
            continue;
        }
        let steps = scenario.steps(window);
        let ratios = || {
            (0..=last)
                .map(|sample| {
                    let (failed, all) = simulation.events(sample, steps);
                    Some(failed as f64 / all as f64)
                })
                .collect()
        };
        feed(ratio_metric(window), &ratios);
    }
    fed
}
