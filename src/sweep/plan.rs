//! Sweep plans: TOML in, a checked [`Plan`] out.
//!
//! A plan names a base scenario, a replication count and a seed, with optional fixed
//! overrides (`[set]`) and lists of values to cross (`[grid]`), both written as scenario
//! keys. Every override is applied to the scenario's own TOML and the result is checked by
//! [`Scenario::parse`], so a value in a plan obeys exactly the rules it would obey in a
//! scenario file; every problem is collected and reported at once, naming the plan's key
//! and the scenario's.

use std::path::Path;

use serde::Deserialize;
use toml::{Table, Value};

use super::keys::Key;
use super::overrides::{base_scenario, check_each_override, expand, overrides_of, problem, Read};
use crate::footprint::{self, Footprint};
use crate::rng::{fnv1a, mix64};
use crate::scenario::{serde_problem, Problem, Scenario};

/// Built-in plans, embedded in the binary: (name, TOML text).
pub const PLANS: &[(&str, &str)] = &[
    ("aa-audit", include_str!("../../plans/aa-audit.toml")),
    (
        "power-default",
        include_str!("../../plans/power-default.toml"),
    ),
];

/// Most runs one plan may hold.
pub const MAX_RUNS: u64 = 10_000_000;

/// Most grid points one plan may hold (each is a scenario, checked up front).
pub const MAX_POINTS: u64 = 10_000;

/// Mixed into the plan's seed before the run seeds are derived from it, so they are not the
/// streams of a scenario run at the plan's seed.
const SEED_SALT: u64 = 0x5357_4545_5053_4545;

/// The seed of run `index` of a plan with seed `plan_seed`: start from
/// `x = (mix64(plan_seed ⊕ 0x5357_4545_5053_4545) >> 1) ⊕ index` and apply `mix64` (SplitMix64's
/// finaliser, [`crate::rng::mix64`]) until the value is below 2⁶³ (a scenario file's seed is
/// a TOML integer, at most 2⁶³ − 1); on average twice.
///
/// No two runs of a plan share a seed: the starting values are distinct and below 2⁶³, and
/// walking a permutation of the 64-bit integers until it returns to a subset is a
/// permutation of that subset ("cycle walking"). The seed depends on neither the shard nor
/// the thread that runs it.
pub fn run_seed(plan_seed: u64, index: u64) -> u64 {
    let mut x = (mix64(plan_seed ^ SEED_SALT) >> 1) ^ index;
    loop {
        x = mix64(x);
        if x >> 63 == 0 {
            return x;
        }
    }
}

/// Changes to a plan from the command line; each changes the plan's fingerprint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Runs per grid point.
    pub replications: Option<u32>,
    /// The plan's seed.
    pub seed: Option<u64>,
    /// Shoppers in every run (replaces a grid over `shoppers`).
    pub shoppers: Option<u32>,
    /// Days of every run (replaces a grid over `days`).
    pub days: Option<u32>,
}

/// Why a plan could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("{origin}: cannot read the file: {reason}")]
    Read {
        /// The file.
        origin: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Neither a file nor a built-in of that name exists.
    #[error("{0}: no such file, and no built-in plan of that name (try `shoplab plans`)")]
    NotFound(String),
    /// The plan breaks one or more rules.
    #[error("{origin}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file or built-in name.
        origin: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    name: Option<String>,
    description: Option<String>,
    scenario: Option<String>,
    replications: Option<i64>,
    seed: Option<u64>,
    #[serde(default)]
    set: Table,
    #[serde(default)]
    grid: Table,
}

/// One combination of the grid's values.
#[derive(Debug, Clone)]
pub struct Point {
    /// The grid's value of each key, in the grid's order.
    pub grid: Vec<(Key, Value)>,
    /// The scenario's TOML with every override applied and its name written out.
    pub(super) doc: Value,
    /// The checked scenario (its seed is replaced per run).
    pub(super) scenario: Scenario,
}

/// One run of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Index: point × replications + replication.
    pub index: u64,
    /// Grid point.
    pub point: u32,
    /// Replication within the point.
    pub replication: u32,
    /// The scenario seed, from [`run_seed`].
    pub seed: u64,
}

/// A checked plan: its points expanded and each point's scenario checked.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Name (the file stem or built-in name when the file does not say).
    pub name: String,
    /// One-line story.
    pub description: String,
    /// The base scenario as the plan names it.
    pub scenario: String,
    /// Runs per grid point.
    pub replications: u32,
    /// Seed the runs' seeds are derived from.
    pub seed: u64,
    /// Fixed overrides, the plan's then the command line's.
    pub set: Vec<(Key, Value)>,
    /// The grid: each key with its values.
    pub grid: Vec<(Key, Vec<Value>)>,
    /// Grid points, the first key varying slowest.
    pub points: Vec<Point>,
    /// A hash of everything that decides the runs' results: the shoplab version, the plan's
    /// name, replications and seed, and every point's scenario.
    pub fingerprint: String,
    /// What the command line changed in the plan, for the person running it.
    pub notes: Vec<String>,
}

impl Plan {
    /// Loads a plan from a file path, or a built-in by name.
    pub fn load(name_or_path: &str, overrides: &Overrides) -> Result<Self, PlanError> {
        let path = Path::new(name_or_path);
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|e| PlanError::Read {
                origin: name_or_path.into(),
                reason: e.to_string(),
            })?;
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("plan");
            let dir = path.parent().unwrap_or(Path::new(""));
            return Self::parse(&text, name_or_path, stem, Some(dir), overrides);
        }
        match PLANS.iter().find(|(n, _)| *n == name_or_path) {
            Some((name, text)) => Self::parse(
                text,
                &format!("built-in plan '{name}'"),
                name,
                None,
                overrides,
            ),
            None => Err(PlanError::NotFound(name_or_path.into())),
        }
    }

    /// Parses and checks a plan. `origin` names it in messages, `fallback_name` is its name
    /// when the text has none, and `dir` is where a scenario file it names is looked for
    /// (`None`: built-in scenarios only).
    pub fn parse(
        text: &str,
        origin: &str,
        fallback_name: &str,
        dir: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Self, PlanError> {
        let invalid = |problems| PlanError::Invalid {
            origin: origin.into(),
            problems,
        };
        let raw: RawPlan = serde_path_to_error::deserialize(toml::Deserializer::new(text))
            .map_err(|e| invalid(vec![serde_problem(text, &e)]))?;
        let mut p = Vec::new();
        let replications = match (overrides.replications, raw.replications) {
            (Some(r), _) => r,
            (None, Some(r)) if (1..=1_000_000).contains(&r) => r as u32,
            (None, Some(r)) => {
                problem(
                    &mut p,
                    "replications",
                    format!("({r}) must be a whole number between 1 and 1000000"),
                );
                1
            }
            (None, None) => {
                problem(
                    &mut p,
                    "replications",
                    "is missing: the runs of each grid point, e.g. replications = 200",
                );
                1
            }
        };
        let base = match raw.scenario.as_deref() {
            None => {
                problem(&mut p, "scenario", "is missing: a built-in scenario's name or a scenario file, e.g. scenario = \"aa-test\"");
                None
            }
            Some(name) => base_scenario(&mut p, name, dir),
        };
        let Read { set, grid, notes } = overrides_of(&mut p, &raw.set, &raw.grid, overrides);
        let Some((mut doc, base_name)) = base else {
            return Err(invalid(p));
        };
        if !p.is_empty() {
            return Err(invalid(p));
        }
        if let Value::Table(t) = &mut doc {
            let mut named = Table::new();
            named.insert("name".into(), Value::String(base_name));
            t.remove("name");
            named.extend(std::mem::take(t));
            *t = named;
        }
        check_each_override(&mut p, &doc, &set, &grid);
        let count = grid
            .iter()
            .fold(1u64, |n, (_, v)| n.saturating_mul(v.len() as u64));
        let runs = count.saturating_mul(u64::from(replications));
        if count > MAX_POINTS {
            problem(
                &mut p,
                "grid",
                format!("crosses into {count} grid points; at most {MAX_POINTS}"),
            );
        } else if runs > MAX_RUNS {
            problem(&mut p, "grid", format!("the plan has {count} grid points × {replications} replications = {runs} runs; at most {MAX_RUNS}"));
        }
        if !p.is_empty() {
            return Err(invalid(p));
        }
        let points = expand(&mut p, &doc, &set, &grid);
        if !p.is_empty() {
            return Err(invalid(p));
        }
        let name = raw.name.unwrap_or_else(|| fallback_name.to_string());
        let seed = overrides.seed.or(raw.seed).unwrap_or(1);
        let fingerprint = fingerprint(&name, replications, seed, &points);
        Ok(Plan {
            name,
            description: raw.description.unwrap_or_default(),
            scenario: raw.scenario.unwrap_or_default(),
            replications,
            seed,
            set,
            grid,
            points,
            fingerprint,
            notes,
        })
    }

    /// Runs in the plan: points × replications.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.replications)
    }

    /// Run `index`, if the plan has it.
    pub fn run(&self, index: u64) -> Option<Run> {
        (index < self.runs()).then(|| Run {
            index,
            point: (index / u64::from(self.replications)) as u32,
            replication: (index % u64::from(self.replications)) as u32,
            seed: run_seed(self.seed, index),
        })
    }

    /// The scenario of a run: its point's scenario at the run's seed.
    pub fn scenario(&self, run: &Run) -> Scenario {
        let mut scenario = self.points[run.point as usize].scenario.clone();
        scenario.seed = run.seed;
        scenario
    }

    /// A scenario file that `shoplab run FILE` runs exactly as the sweep ran `run`.
    pub fn scenario_toml(&self, run: &Run) -> String {
        let mut doc = Table::new();
        if let Value::Table(point) = &self.points[run.point as usize].doc {
            // The name first, then the seed, as a person would write them.
            doc.extend(point.iter().take(1).map(|(k, v)| (k.clone(), v.clone())));
            doc.insert("seed".into(), Value::Integer(run.seed as i64));
            doc.extend(
                point
                    .iter()
                    .filter(|(k, _)| *k != "seed")
                    .skip(1)
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        let overrides: String = self
            .set
            .iter()
            .chain(&self.points[run.point as usize].grid)
            .map(|(k, v)| format!("#   {k} = {v}\n"))
            .collect();
        format!(
            "# Run {} of plan '{}': grid point {}, replication {} (fingerprint {}).\n\
             # Scenario '{}' with{}\n{overrides}\
             # at seed {} (shoplab::sweep::run_seed of the plan's seed {} and index {}).\n\
             # `shoplab run THIS_FILE` reproduces the run.\n{}",
            run.index,
            self.name,
            run.point,
            run.replication,
            self.fingerprint,
            self.scenario,
            if overrides.is_empty() {
                " no overrides,"
            } else {
                ":"
            },
            run.seed,
            self.seed,
            run.index,
            toml::to_string(&doc).expect("a TOML document serialises"),
        )
    }

    /// The grid point whose runs need the most memory, with their estimate.
    pub fn largest_run(&self) -> (u32, Footprint) {
        self.points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u32, footprint::estimate(&p.scenario)))
            .max_by_key(|(_, f)| f.total())
            .expect("a plan has a point")
    }

    /// `shoppers = 5000, world.preference_strength = 2.5`, or `(no grid)`.
    pub fn label(&self, point: u32) -> String {
        label(&self.points[point as usize].grid)
    }
}

/// `key = value, …` of a point's grid values.
pub fn label(grid: &[(Key, Value)]) -> String {
    if grid.is_empty() {
        return "(no grid)".into();
    }
    let parts: Vec<String> = grid.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    parts.join(", ")
}

/// A hash of everything that decides the runs' results.
fn fingerprint(name: &str, replications: u32, seed: u64, points: &[Point]) -> String {
    let mut text = format!(
        "shoplab {}\nplan {name}\nreplications {replications}\nseed {seed}\n",
        env!("CARGO_PKG_VERSION")
    );
    for (i, point) in points.iter().enumerate() {
        text += &format!("point {i}\n");
        text += &toml::to_string(&point.doc).expect("a TOML document serialises");
    }
    format!("{:016x}", mix64(fnv1a(text.as_bytes())))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    const TINY: &str = "scenario = \"aa-test\"\nreplications = 3\nseed = 9\n\
        [set]\nshoppers = 400\ndays = 3\nexperiment.cuped_days = 0\n\
        [grid]\nworld.preference_strength = [1.5, 2.5]\narms.popularity-copy.recommender = [\"popularity\", \"random\"]\n";

    fn parse(text: &str) -> Result<Plan, PlanError> {
        Plan::parse(text, "t.toml", "t", None, &Overrides::default())
    }

    fn problems(text: &str) -> Vec<String> {
        match parse(text) {
            Err(PlanError::Invalid { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn run_seeds_never_collide_and_ignore_the_split() {
        let seeds: Vec<u64> = (0..1_000_000).map(|i| run_seed(42, i)).collect();
        assert_eq!(seeds.iter().collect::<HashSet<_>>().len(), seeds.len());
        assert!(
            seeds.iter().all(|s| *s < 1 << 63),
            "every seed fits a TOML integer"
        );
        // Not seed + i: neighbouring indices and neighbouring plan seeds give unrelated seeds.
        assert!(seeds.windows(2).all(|w| w[0].abs_diff(w[1]) > 1 << 20));
        assert_ne!(run_seed(43, 0), run_seed(42, 1));
        // A run's seed is its index's, whichever shard runs it.
        let plan = parse(TINY).unwrap();
        for i in 0..plan.runs() {
            let run = plan.run(i).unwrap();
            assert_eq!(run.seed, run_seed(9, i));
            assert_eq!(
                run.index,
                u64::from(run.point) * 3 + u64::from(run.replication)
            );
        }
    }

    #[test]
    fn the_grid_crosses_its_keys_first_key_slowest() {
        let plan = parse(TINY).unwrap();
        assert_eq!(plan.points.len(), 4);
        assert_eq!(plan.runs(), 12);
        let labels: Vec<String> = (0..4).map(|p| plan.label(p)).collect();
        assert_eq!(
            labels,
            [
                "world.preference_strength = 1.5, arms.popularity-copy.recommender = \"popularity\"",
                "world.preference_strength = 1.5, arms.popularity-copy.recommender = \"random\"",
                "world.preference_strength = 2.5, arms.popularity-copy.recommender = \"popularity\"",
                "world.preference_strength = 2.5, arms.popularity-copy.recommender = \"random\"",
            ]
        );
        let run = plan.run(7).unwrap();
        let s = plan.scenario(&run);
        assert_eq!((s.shoppers, s.days, s.seed), (400, 3, run.seed));
        assert_eq!(s.world.preference_strength, 2.5);
        assert_eq!(s.arms[3].recommender.name, "popularity");
        assert_eq!(
            plan.scenario(&plan.run(3).unwrap()).arms[3]
                .recommender
                .name,
            "random"
        );
        assert_eq!(s.name, "aa-test", "the salt keeps the scenario's name");
    }

    #[test]
    fn a_runs_scenario_file_parses_to_the_runs_scenario() {
        let plan = parse(TINY).unwrap();
        for i in [0, 5, 11] {
            let run = plan.run(i).unwrap();
            let text = plan.scenario_toml(&run);
            let again = Scenario::parse(&text, "run.toml", "run").unwrap();
            assert_eq!(again, plan.scenario(&run), "{text}");
        }
    }

    #[test]
    fn a_strategy_parameter_turns_a_name_into_a_table() {
        let text = "scenario = \"default\"\nreplications = 1\n\
            [grid]\narms.popularity.recommender.half_life_days = [3.0, 14.0]\n";
        let plan = parse(text).unwrap();
        let spec = &plan.scenario(&plan.run(1).unwrap()).arms[0].recommender;
        assert_eq!(spec.name, "popularity");
        assert!(spec.label().contains("14"), "{}", spec.label());
    }

    #[test]
    fn every_problem_is_reported_at_once_with_both_keys() {
        let text = "scenario = \"aa-test\"\nreplications = 0\n\
            [set]\nseed = 3\nworld.slate = 4\n\
            [grid]\nshoppers = 5\ndays = []\n";
        let got = problems(text);
        for want in [
            "replications: (0) must be a whole number between 1 and 1000000",
            "set.seed: the runs' seeds come from the plan",
            "grid.shoppers: (5) must be a list",
            "grid.days: is an empty list",
        ] {
            assert!(
                got.iter().any(|p| p.starts_with(want)),
                "{want} not in {got:#?}"
            );
        }
        // Each grid value is checked by the scenario's own rules, naming both keys.
        let text = "scenario = \"aa-test\"\nreplications = 2\n\
            [set]\nworld.slate = 4\n\
            [grid]\nworld.preference_strength = [1.0, -3.0, 99.0]\ndays = [7, 0]\n\
            arms.nobody.recommender = [\"random\"]\n";
        let got = problems(text);
        assert!(
            got.iter().any(|p| p.starts_with(
                "set.world.slate → world.slate: unknown key `slate`; did you mean `slate_size`?"
            ) && !p.contains("(line")),
            "{got:#?}"
        );
        let text = text.replace("world.slate = 4", "");
        let got = problems(&text);
        let want = [
            "grid.world.preference_strength[1] → world.preference_strength: (-3) must be between",
            "grid.world.preference_strength[2] → world.preference_strength: (99) must be between",
            "grid.days[1] → days: (0) must be a whole number between 1 and 3650",
            "grid.arms.nobody.recommender[0] → arms.nobody.recommender: arms has no element named 'nobody' (names: 'random', 'random-copy', 'popularity', 'popularity-copy')",
        ];
        assert_eq!(got.len(), want.len(), "{got:#?}");
        for (g, w) in got.iter().zip(want) {
            assert!(g.starts_with(w), "{g}\n  does not start with\n{w}");
        }
    }

    #[test]
    fn the_plan_itself_is_checked() {
        let got = problems("replications = 2\nscenarios = \"x\"\n");
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with("scenarios: unknown key `scenarios`; did you mean `scenario`?")
                && got[0].ends_with("(line 2)"),
            "{got:?}"
        );
        let got = problems("seed = 1\n");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].starts_with("replications: is missing")
                && got[1].starts_with("scenario: is missing")
        );
        let got = problems("scenario = \"no-such\"\nreplications = 1\n");
        assert!(
            got[0].starts_with("scenario: ('no-such') is not a built-in scenario"),
            "{got:?}"
        );
        let got = problems("scenario = \"aa-test\"\nreplications = 1000000\n[grid]\nseed = [1]\ndays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n");
        assert!(got.iter().any(|p| p.starts_with("grid.seed:")), "{got:?}");
        let got = problems("scenario = \"aa-test\"\nreplications = 1000000\n[grid]\ndays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n");
        assert!(
            got[0].starts_with("grid: the plan has 11 grid points × 1000000 replications"),
            "{got:?}"
        );
    }

    #[test]
    fn the_command_line_changes_the_plan_and_its_fingerprint() {
        let base = parse(TINY).unwrap();
        let cli = Overrides {
            replications: Some(5),
            seed: Some(2),
            shoppers: Some(300),
            days: None,
        };
        let plan = Plan::parse(TINY, "t.toml", "t", None, &cli).unwrap();
        assert_eq!((plan.replications, plan.seed, plan.runs()), (5, 2, 20));
        assert_eq!(plan.scenario(&plan.run(0).unwrap()).shoppers, 300);
        assert_ne!(plan.fingerprint, base.fingerprint);
        assert_eq!(parse(TINY).unwrap().fingerprint, base.fingerprint);
        // Replacing a grid axis is said, not silent.
        let text = TINY
            .replace("days = 3\n", "")
            .replace("[grid]\n", "[grid]\ndays = [3, 4]\n");
        let cli = Overrides {
            days: Some(2),
            ..Overrides::default()
        };
        let plan = Plan::parse(&text, "t.toml", "t", None, &cli).unwrap();
        assert_eq!(plan.points.len(), 4);
        assert_eq!(plan.notes, ["--days 2 replaces the plan's grid over days"]);
    }

    #[test]
    fn built_in_plans_are_valid() {
        for (name, _) in PLANS {
            let plan = Plan::load(name, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&plan.name, name);
            assert!(plan.runs() >= 100 && !plan.description.is_empty());
        }
    }
}
