//! The `[experiment]` section: allocation, true effect, CUPED, sequential tuning and
//! factorial designs, whose factors expand into the arms.

use serde::{Deserialize, Serialize};

use super::rules::{count, in_range, plain_text, problem, MAX_NAME_CHARS};
use super::{check_strategy, ArmSpec, Problem, RawStrategy};
use crate::strategy::registry::{Family, StrategySpec};

/// Most copies of an arm's strategies: past a few dozen, each copy learns from too little.
pub const MAX_REPLICATES: i64 = 64;

/// How traffic is split between arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Allocation {
    /// Fixed traffic shares, the classic A/B/n test.
    Fixed,
    /// Thompson sampling: shoppers who arrive later are sent more often to the arm that
    /// is winning on revenue per shopper so far.
    Thompson,
}

/// One factor of a multivariate (factorial) experiment: a family and its levels.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The strategy family the factor varies.
    pub family: Family,
    /// Its levels; the first is the control level.
    pub levels: Vec<StrategySpec>,
}

/// A full-factorial design: the factors and, per arm, the level of each factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Factorial {
    /// Factors.
    pub factors: Vec<Factor>,
    /// Per arm (cell), the level index of each factor.
    pub cells: Vec<Vec<u8>>,
}

/// Experiment settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentParams {
    /// Salt of the assignment hash (default: the scenario's name and seed).
    pub salt: Option<String>,
    /// Significance level of intervals and tests.
    pub alpha: f64,
    /// Also compute both truths (the in-experiment truth and the rollout truth); `None`:
    /// only while that is cheap (see [`Scenario::true_effect`](super::Scenario::true_effect)).
    pub true_effect: Option<bool>,
    /// Days of pre-period under the control strategies, for CUPED (0: none).
    pub cuped_days: u32,
    /// Traffic allocation.
    pub allocation: Allocation,
    /// Relative effect the sequential test is tuned to detect (sets the mixture variance).
    pub sequential_mde: f64,
    /// The factorial design, when the arms come from factors.
    pub factorial: Option<Factorial>,
    /// Independent copies of each arm's strategies (1: one copy). With R > 1 each arm's
    /// shoppers are split by hash into R groups, each served by its own copy learning only
    /// from that group, and the analysis takes the copy as its unit, so intervals carry the
    /// variance of what was learned.
    pub replicates: u32,
    /// Check each arm's projected CLV against the world: after the horizon, the same
    /// shoppers live on under the same strategies for `business.clv_months` and what they
    /// really spend is reported beside the projection (`experiment::clv::check`).
    pub clv_check: bool,
}

impl Default for ExperimentParams {
    fn default() -> Self {
        Self {
            salt: None,
            alpha: 0.05,
            true_effect: None,
            cuped_days: 0,
            allocation: Allocation::Fixed,
            sequential_mde: 0.1,
            factorial: None,
            replicates: 1,
            clv_check: false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawExperiment {
    salt: Option<String>,
    alpha: f64,
    true_effect: Option<bool>,
    cuped_days: i64,
    allocation: String,
    sequential_mde: f64,
    factors: Vec<RawFactor>,
    replicates: i64,
    clv_check: bool,
}

impl Default for RawExperiment {
    fn default() -> Self {
        let d = ExperimentParams::default();
        RawExperiment {
            salt: d.salt,
            alpha: d.alpha,
            true_effect: d.true_effect,
            cuped_days: 0,
            allocation: "fixed".into(),
            sequential_mde: d.sequential_mde,
            factors: Vec::new(),
            replicates: 1,
            clv_check: d.clv_check,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    family: String,
    levels: Vec<RawStrategy>,
}

impl RawExperiment {
    /// Whether the file gives factors (so the arms are their cells).
    pub(super) fn has_factors(&self) -> bool {
        !self.factors.is_empty()
    }
}

/// Checks the experiment section; with factors, also builds the arms (the cells).
pub(super) fn check_experiment(
    p: &mut Vec<Problem>,
    e: RawExperiment,
) -> (ExperimentParams, Option<Vec<ArmSpec>>) {
    if let Some(salt) = &e.salt {
        plain_text(p, "experiment.salt", salt, MAX_NAME_CHARS);
    }
    in_range(p, "experiment.alpha", e.alpha, 1e-6, 0.5);
    in_range(p, "experiment.sequential_mde", e.sequential_mde, 1e-4, 10.0);
    let cuped_days = count(p, "experiment.cuped_days", e.cuped_days, 0, 3650);
    let replicates = count(p, "experiment.replicates", e.replicates, 1, MAX_REPLICATES);
    let allocation = match e.allocation.as_str() {
        "fixed" => Allocation::Fixed,
        "thompson" => Allocation::Thompson,
        other => {
            problem(
                p,
                "experiment.allocation",
                format!("('{other}') must be \"fixed\" or \"thompson\""),
            );
            Allocation::Fixed
        }
    };
    let (factorial, arms) = if e.factors.is_empty() {
        (None, None)
    } else {
        check_factors(p, e.factors)
    };
    let params = ExperimentParams {
        salt: e.salt,
        alpha: e.alpha,
        true_effect: e.true_effect,
        cuped_days,
        allocation,
        sequential_mde: e.sequential_mde,
        factorial,
        replicates,
        clv_check: e.clv_check,
    };
    (params, arms)
}

/// Checks factors and expands their full factorial into arms, the all-first-levels cell
/// first (the control).
fn check_factors(
    p: &mut Vec<Problem>,
    raw: Vec<RawFactor>,
) -> (Option<Factorial>, Option<Vec<ArmSpec>>) {
    let mut factors: Vec<Factor> = Vec::new();
    for (i, f) in raw.into_iter().enumerate() {
        let key = format!("experiment.factors[{i}]");
        let Some(family) = Family::ALL.into_iter().find(|fam| fam.key() == f.family) else {
            let known: Vec<_> = Family::ALL.iter().map(|f| f.key()).collect();
            problem(
                p,
                format!("{key}.family"),
                format!("('{}') must be one of: {}", f.family, known.join(", ")),
            );
            continue;
        };
        if factors.iter().any(|g| g.family == family) {
            problem(
                p,
                format!("{key}.family"),
                format!("('{}') is varied by another factor", f.family),
            );
        }
        if f.levels.len() < 2 {
            problem(
                p,
                format!("{key}.levels"),
                format!("has {} level(s); a factor needs at least 2", f.levels.len()),
            );
        }
        // Original index and spec of each level that checks.
        let mut levels: Vec<(usize, StrategySpec)> = Vec::with_capacity(f.levels.len());
        for (j, level) in f.levels.iter().enumerate() {
            let level_key = format!("{key}.levels[{j}]");
            match check_strategy(family, Some(level), &level_key) {
                // Two equal levels would make two cells of one name, whose costs and
                // results could not be told apart.
                Ok(spec) => match levels.iter().find(|(_, l)| *l == spec) {
                    Some((k, _)) => problem(
                        p,
                        level_key,
                        format!(
                            "({}) repeats levels[{k}]; the levels of a factor must differ",
                            spec.label()
                        ),
                    ),
                    None => levels.push((j, spec)),
                },
                Err(mut e) => p.append(&mut e),
            }
        }
        let levels = levels.into_iter().map(|(_, spec)| spec).collect();
        factors.push(Factor { family, levels });
    }
    let n_cells: usize = factors.iter().map(|f| f.levels.len().max(1)).product();
    if n_cells > 64 {
        problem(
            p,
            "experiment.factors",
            format!("make {n_cells} cells; at most 64 are supported"),
        );
    }
    if !p.is_empty() || factors.is_empty() || n_cells > 64 {
        return (None, None);
    }
    let mut cells = Vec::with_capacity(n_cells);
    let mut arms = Vec::with_capacity(n_cells);
    for index in 0..n_cells {
        // Mixed-radix digits with the last factor varying fastest.
        let mut rest = index;
        let mut levels = vec![0u8; factors.len()];
        for (k, f) in factors.iter().enumerate().rev() {
            levels[k] = (rest % f.levels.len()) as u8;
            rest /= f.levels.len();
        }
        let spec = |family: Family| {
            factors
                .iter()
                .zip(&levels)
                .find(|(f, _)| f.family == family)
                .map_or_else(
                    || StrategySpec::default_for(family),
                    |(f, &l)| f.levels[l as usize].clone(),
                )
        };
        let (recommender, pricing, retention, email) = (
            spec(Family::Recommender),
            spec(Family::Pricing),
            spec(Family::Retention),
            spec(Family::Email),
        );
        // Cells are named by their levels' strategy names, with parameters only where a
        // factor's levels share a name (fixed-hour at 10 and at 19).
        let name = factors
            .iter()
            .zip(&levels)
            .map(|(f, &l)| {
                let spec = &f.levels[l as usize];
                let shared = f.levels.iter().filter(|o| o.name == spec.name).count() > 1;
                if shared {
                    spec.label()
                } else {
                    spec.name.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" + ");
        arms.push(ArmSpec {
            name,
            traffic: 1.0 / n_cells as f64,
            baseline: 0,
            recommender,
            pricing,
            retention,
            email,
        });
        cells.push(levels);
    }
    (Some(Factorial { factors, cells }), Some(arms))
}
