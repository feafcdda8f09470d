//! Packing SLOs into promtool test groups: each SLO's part is sketched
//! first ([`Sketch`]), then SLOs whose series would select each other's
//! inputs are kept apart ([`pack`]), and a file's header is written.

use super::*;

/// One SLO's part of a test group before its checks are planned: its
/// input series (all packing needs), and what its checks are planned from.
/// Series values are already in promtool's notation: the samples span days
/// at every step, and thousands of SLOs wait here for packing.
pub(super) struct Sketch {
    pub(super) subject_index: usize,
    pub(super) feed: Feed,
    /// Interval of the input samples.
    pub(super) step: Duration,
    pub(super) series: Vec<(Series, String)>,
    pub(super) plan: PartPlan,
    /// The part's comments, above its test group: known before its checks
    /// are planned.
    pub(super) comments: Vec<String>,
}

/// What the checks of an SLO's part are planned from.
pub(super) enum PartPlan {
    /// The outage file's scenario and when the outage starts and stops;
    /// each check is confirmed by the model when it is planned.
    Outage {
        scenario: Arc<Scenario>,
        times: (Duration, Duration),
    },
    /// A slow burn from `start` the model confirmed: the alerts (indices)
    /// that fire and when; the others never fire up to `end`.
    Slow {
        share: Share,
        start: Duration,
        firing: Vec<(usize, Duration)>,
        end: Duration,
    },
    /// A burn just under the lowest threshold the model confirmed: nothing
    /// fires up to `end`.
    Low {
        share: Share,
        scenario: Scenario,
        end: Duration,
    },
}

impl Sketch {
    /// The part's checks, planned.
    pub(super) fn checks(
        &self,
        project: &Project,
        subject: &Subject<'_>,
        simulations: &Simulations,
    ) -> Vec<ExprTestView> {
        match &self.plan {
            PartPlan::Outage { scenario, times } => {
                outage_checks(project, subject, self.feed, scenario, *times, simulations)
            }
            PartPlan::Slow {
                share,
                start,
                firing,
                end,
            } => slow_checks(project, subject, self.feed, *share, *start, firing, *end),
            PartPlan::Low {
                share,
                scenario,
                end,
            } => low_checks(subject, self.feed, *share, scenario, *end),
        }
    }
}

/// How many of the newest groups a part may join.
pub(super) const OPEN_GROUPS: usize = 4;

/// Packs SLOs into test groups so that no SLO's queries read another's
/// series (identical series with identical values are shared). There is
/// no bound on a group's size: each step of `promtool test rules`
/// evaluates every rule of the files, so its time grows with the number of
/// groups times the number of rules. A group indexes its series and its
/// members' selectors by metric name and label value ([`Packed`]), so
/// packing stays near linear in the number of SLOs.
pub(super) fn pack(subjects: &[Subject<'_>], sketches: Vec<Sketch>) -> Vec<Vec<Sketch>> {
    let mut groups: Vec<Packed> = Vec::new();
    for part in sketches {
        // Only the newest groups are tried: a part that fits none of them
        // starts a new one.
        let open = groups.len().saturating_sub(OPEN_GROUPS);
        match groups[open..]
            .iter_mut()
            .find(|group| group.fits(&part, subjects))
        {
            Some(group) => group.add(part, subjects),
            None => {
                let mut group = Packed::default();
                group.add(part, subjects);
                groups.push(group);
            }
        }
    }
    groups.into_iter().map(|group| group.members).collect()
}

/// A test group being packed: its members, the series they feed, and
/// indexes of both. Index keys are hashes of what a series has (its name,
/// a label's value) and what a selector requires; a collision only adds a
/// candidate, each candidate is checked exactly.
#[derive(Default)]
pub(super) struct Packed {
    pub(super) members: Vec<Sketch>,
    /// Each series fed, with its values: (member, index in its series).
    pub(super) fed: foldhash::HashMap<Series, (usize, usize)>,
    /// The fed series under each key they have.
    pub(super) series_by_key: foldhash::HashMap<u64, Vec<(usize, usize)>>,
    /// The members whose selectors require each key.
    pub(super) readers_by_key: foldhash::HashMap<u64, Vec<usize>>,
}

/// The index key of a metric name (or any) and a label's value (or any).
pub(super) fn pack_key(name: Option<&str>, label: Option<(&str, &str)>) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one((name, label))
}

/// The keys a series has: every selector that could select it requires
/// one of them.
pub(super) fn series_keys(series: &Series) -> impl Iterator<Item = u64> + '_ {
    let name = Some(series.name.as_str());
    [pack_key(name, None), pack_key(None, None)]
        .into_iter()
        .chain(series.labels.iter().flat_map(move |(label, value)| {
            let label = Some((label.as_str(), value.as_str()));
            [pack_key(name, label), pack_key(None, label)]
        }))
}

impl Packed {
    /// True when `part` can join: same input step; every series it shares
    /// with the group has the same values; no member reads a series only
    /// it feeds, and it reads no series only members feed.
    pub(super) fn fits(&self, part: &Sketch, subjects: &[Subject<'_>]) -> bool {
        if self
            .members
            .first()
            .is_some_and(|first| first.step != part.step)
        {
            return false;
        }
        let shared = |series: &Series| self.fed.contains_key(series);
        let values_agree = part.series.iter().all(|(series, values)| {
            self.fed
                .get(series)
                .is_none_or(|(member, at)| self.members[*member].series[*at].1 == *values)
        });
        values_agree
            && part
                .series
                .iter()
                .filter(|(series, _)| !shared(series))
                .all(|(series, _)| {
                    series_keys(series)
                        .filter_map(|key| self.readers_by_key.get(&key))
                        .flatten()
                        .all(|member| {
                            !subjects[self.members[*member].subject_index]
                                .synthesis
                                .reads(series)
                        })
                })
            && subjects[part.subject_index]
                .synthesis
                .selectors
                .iter()
                .all(|selector| {
                    let (name, label) = selector.narrowed_to();
                    self.series_by_key
                        .get(&pack_key(name, label))
                        .into_iter()
                        .flatten()
                        .all(|(member, at)| {
                            let series = &self.members[*member].series[*at].0;
                            part.series.iter().any(|(mine, _)| mine == series)
                                || !synthesize::selects(selector, series)
                        })
                })
    }

    /// Adds `part`, indexing its new series and its selectors.
    pub(super) fn add(&mut self, part: Sketch, subjects: &[Subject<'_>]) {
        let member = self.members.len();
        for (at, (series, _)) in part.series.iter().enumerate() {
            if self.fed.contains_key(series) {
                continue;
            }
            self.fed.insert(series.clone(), (member, at));
            for key in series_keys(series) {
                self.series_by_key
                    .entry(key)
                    .or_default()
                    .push((member, at));
            }
        }
        for selector in &subjects[part.subject_index].synthesis.selectors {
            let (name, label) = selector.narrowed_to();
            let readers = self
                .readers_by_key
                .entry(pack_key(name, label))
                .or_default();
            if readers.last() != Some(&member) {
                readers.push(member);
            }
        }
        self.members.push(part);
    }
}

pub(super) fn file(
    project: &Project,
    path: &str,
    description: Vec<String>,
    evaluation_interval: Duration,
    tests: Vec<TestGroupView>,
) -> TestFileView {
    TestFileView {
        path: path.to_owned(),
        sources: project.source_names(),
        description,
        rule_files: crate::rule_tests::rule_files(project),
        evaluation_interval: evaluation_interval.to_string(),
        // Filled in by `each_test_file`, once for every file.
        group_eval_order: Vec::new(),
        tests,
    }
}
