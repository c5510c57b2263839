//! Scenario files: TOML in, a checked [`Scenario`] out.
//!
//! The serde types mirror the file (`deny_unknown_fields`, defaults for everything a beginner
//! would not want to write). [`Scenario::parse`] reads them and then runs one small check per
//! rule, collecting every problem so a user fixes a file in one pass. The engine accepts only
//! the checked [`Scenario`].

mod experiment;
mod lines;
mod params;
mod rules;
mod strategies;
pub mod suggest;

use std::fmt;
use std::path::Path;

use serde::Deserialize;

pub use experiment::{Allocation, ExperimentParams, Factor, Factorial};
pub use params::{ArmCosts, BusinessParams, CostParams, Money};
pub use strategies::{check_strategy, RawStrategy};

use crate::strategy::registry::StrategySpec;
use crate::world::{CatalogParams, SegmentParams, WorldParams, WorldSetup};
use experiment::{check_experiment, RawExperiment};
use rules::{
    check_arms, check_business, check_catalog, check_catalog_size, check_costs, check_segments,
    check_world, count, plain_serde_message, plain_text, problem,
};
pub use rules::{
    escape_controls, MAX_ARMS, MAX_CATALOG_CELLS, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS,
};

/// Built-in scenarios, embedded in the binary: (name, TOML text).
pub const BUILT_INS: &[(&str, &str)] = &[
    ("default", include_str!("../../scenarios/default.toml")),
    ("classroom", include_str!("../../scenarios/classroom.toml")),
    ("fashion", include_str!("../../scenarios/fashion.toml")),
    (
        "electronics",
        include_str!("../../scenarios/electronics.toml"),
    ),
    ("roi-card", include_str!("../../scenarios/roi-card.toml")),
    ("aa-test", include_str!("../../scenarios/aa-test.toml")),
    ("peeking", include_str!("../../scenarios/peeking.toml")),
    (
        "bandit-allocation",
        include_str!("../../scenarios/bandit-allocation.toml"),
    ),
    (
        "multivariate",
        include_str!("../../scenarios/multivariate.toml"),
    ),
    ("pricing", include_str!("../../scenarios/pricing.toml")),
    ("retention", include_str!("../../scenarios/retention.toml")),
    (
        "email-timing",
        include_str!("../../scenarios/email-timing.toml"),
    ),
    (
        "recommenders",
        include_str!("../../scenarios/recommenders.toml"),
    ),
];

/// One problem found in a scenario: the key path and what is wrong with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path, e.g. `arms[1].traffic`.
    pub key: String,
    /// What is wrong, quoting the value.
    pub message: String,
}

impl fmt::Display for Problem {
    /// Key and message quote what the user wrote: control characters are shown escaped, so
    /// a message never acts on the terminal it is printed to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            escape_controls(&self.key),
            escape_controls(&self.message)
        )
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the file: {reason}", escape_controls(origin))]
    Read {
        /// The file.
        origin: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Neither a file nor a built-in of that name exists.
    #[error("{}: no such file, and no built-in scenario of that name (try `shoplab scenarios`)", escape_controls(.0))]
    NotFound(String),
    /// The file was read but breaks one or more rules.
    #[error("{}: {} problem{}:\n{}", escape_controls(origin), problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file or built-in name.
        origin: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

/// One arm as written in a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArm {
    name: String,
    #[serde(default)]
    traffic: Option<f64>,
    #[serde(default)]
    recommender: Option<RawStrategy>,
    #[serde(default)]
    pricing: Option<RawStrategy>,
    #[serde(default)]
    retention: Option<RawStrategy>,
    #[serde(default)]
    email: Option<RawStrategy>,
    #[serde(default)]
    baseline: Option<String>,
}

/// An arm: a bundle of one strategy per family and a traffic share.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSpec {
    /// Arm name, unique in the scenario.
    pub name: String,
    /// Share of shoppers assigned to this arm.
    pub traffic: f64,
    /// Index of the arm this one is compared with: the control (0) unless the file names
    /// an earlier arm as `baseline`. The control's own baseline is itself.
    pub baseline: usize,
    /// Recommender.
    pub recommender: StrategySpec,
    /// Pricing and promotions.
    pub pricing: StrategySpec,
    /// Retention.
    pub retention: StrategySpec,
    /// Email and SMS timing.
    pub email: StrategySpec,
}

impl ArmSpec {
    /// Whether any of the arm's strategies learns a shared model from its traffic.
    pub fn learns(&self) -> bool {
        [
            &self.recommender,
            &self.pricing,
            &self.retention,
            &self.email,
        ]
        .iter()
        .any(|s| s.learns())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_shoppers")]
    shoppers: i64,
    #[serde(default = "default_days")]
    days: i64,
    #[serde(default)]
    world: WorldParams,
    #[serde(default)]
    catalog: CatalogParams,
    #[serde(default)]
    segments: Option<Vec<SegmentParams>>,
    #[serde(default)]
    arms: Option<Vec<RawArm>>,
    #[serde(default)]
    experiment: RawExperiment,
    #[serde(default)]
    business: BusinessParams,
    #[serde(default)]
    costs: CostParams,
}

fn default_seed() -> u64 {
    42
}
fn default_shoppers() -> i64 {
    20_000
}
fn default_days() -> i64 {
    30
}

/// A checked scenario: every value within its rule. Only [`Scenario::parse`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name (the file stem or built-in name when the file does not say).
    pub name: String,
    /// One-line story.
    pub description: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Shoppers in the population.
    pub shoppers: u32,
    /// Days simulated.
    pub days: u32,
    /// Shopper-behaviour constants.
    pub world: WorldParams,
    /// Catalog generation.
    pub catalog: CatalogParams,
    /// Segments; shares sum to 1.
    pub segments: Vec<SegmentParams>,
    /// Arms; the first is the control; traffic sums to 1.
    pub arms: Vec<ArmSpec>,
    /// Experiment settings.
    pub experiment: ExperimentParams,
    /// The business the sample stands for.
    pub business: BusinessParams,
    /// Costs.
    pub costs: CostParams,
}

impl Scenario {
    /// Loads a scenario from a file path, or a built-in by name.
    pub fn load(name_or_path: &str) -> Result<Self, ScenarioError> {
        let path = Path::new(name_or_path);
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
                origin: name_or_path.into(),
                reason: e.to_string(),
            })?;
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("scenario");
            return Self::parse(&text, name_or_path, stem);
        }
        match BUILT_INS.iter().find(|(n, _)| *n == name_or_path) {
            Some((name, text)) => Self::parse(text, &format!("built-in scenario '{name}'"), name),
            None => Err(ScenarioError::NotFound(name_or_path.into())),
        }
    }

    /// Parses and checks TOML text. `origin` names the source in messages; `fallback_name`
    /// is used when the file has no `name`.
    pub fn parse(text: &str, origin: &str, fallback_name: &str) -> Result<Self, ScenarioError> {
        let invalid = |problems| ScenarioError::Invalid {
            origin: origin.into(),
            problems,
        };
        let raw: RawScenario = serde_path_to_error::deserialize(toml::Deserializer::new(text))
            .map_err(|e| invalid(vec![serde_problem(text, &e)]))?;
        let mut p = Vec::new();
        let scenario = check(raw, fallback_name, &mut p);
        if p.is_empty() {
            Ok(scenario)
        } else {
            // The file parsed, so its spans are there to put a line on every problem.
            if let Ok(doc) = toml_edit::ImDocument::parse(text) {
                for problem in &mut p {
                    if let Some(line) = lines::line_of(&doc, &problem.key) {
                        problem.message = format!("{} (line {line})", problem.message);
                    }
                }
            }
            Err(invalid(p))
        }
    }

    /// Whether the true effect is computed: as the scenario says, else while the extra
    /// full-population runs stay cheap (at most 400,000 shopper-arms).
    pub fn true_effect(&self) -> bool {
        self.experiment
            .true_effect
            .unwrap_or(u64::from(self.shoppers) * self.arms.len() as u64 <= 400_000)
    }

    /// The design, for people: `A/B test`, `A/B/n test (5 arms)`, `2×2×2 factorial`.
    pub fn design_label(&self) -> String {
        match (&self.experiment.factorial, self.arms.len()) {
            (Some(f), _) => {
                let sizes: Vec<String> = f
                    .factors
                    .iter()
                    .map(|f| f.levels.len().to_string())
                    .collect();
                format!("{} factorial", sizes.join("×"))
            }
            (None, 1) => "single arm".into(),
            (None, 2) => "A/B test".into(),
            (None, n) => format!("A/B/n test ({n} arms)"),
        }
    }

    /// The salt of the assignment hash: the scenario's `experiment.salt` when it sets one
    /// (a fixed split across seeds, as a real experiment keeps its split), otherwise the
    /// name and the seed, so that a new seed also re-randomises who is in which arm.
    pub fn salt(&self) -> String {
        match &self.experiment.salt {
            Some(salt) => salt.clone(),
            None => format!("{}/{}", self.name, self.seed),
        }
    }

    /// What the scenario's world is built from.
    pub fn world_setup(&self) -> WorldSetup<'_> {
        WorldSetup {
            seed: self.seed,
            shoppers: self.shoppers,
            days: self.days,
            behaviour: &self.world,
            catalog: &self.catalog,
            segments: &self.segments,
            per_email: self.costs.per_email,
            per_sms: self.costs.per_sms,
        }
    }
}

/// The problem of a file that TOML or serde refused: the key (for a syntax or value error,
/// the key written on the line the parser stopped at), a plain message, a suggestion for an
/// unknown key, and the line.
pub fn serde_problem(text: &str, e: &serde_path_to_error::Error<toml::de::Error>) -> Problem {
    let line = e.inner().span().map(|s| lines::line_at(text, s.start));
    let path = e.path().to_string();
    let mut message = plain_serde_message(e.inner().message());
    let key = if path == "." {
        match line.and_then(|l| lines::key_at_line(text, l)) {
            Some(key) => {
                if line.is_some_and(|l| lines::value_is_missing(text, l)) {
                    message = "has no value after `=`".into();
                }
                key
            }
            None => "(file)".into(),
        }
    } else {
        path
    };
    if let Some(suggestion) = unknown_key_suggestion(&message) {
        message = suggestion;
    }
    if let Some(l) = line {
        message = format!("{message} (line {l})");
    }
    Problem { key, message }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" with "did you mean" for the closest
/// known key, when one is close.
fn unknown_key_suggestion(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, known) = rest.split_once('`')?;
    let candidates: Vec<&str> = known.split('`').skip(1).step_by(2).collect();
    let best = suggest::closest(unknown, candidates.iter().copied())?;
    Some(format!(
        "unknown key `{unknown}`; did you mean `{best}`? (known keys: {})",
        candidates.join(", ")
    ))
}

fn check(raw: RawScenario, fallback_name: &str, p: &mut Vec<Problem>) -> Scenario {
    let name = raw.name.unwrap_or_else(|| fallback_name.to_string());
    plain_text(p, "name", &name, MAX_NAME_CHARS);
    let description = raw.description.unwrap_or_default();
    plain_text(p, "description", &description, MAX_DESCRIPTION_CHARS);
    let shoppers = count(p, "shoppers", raw.shoppers, 1, 50_000_000);
    let days = count(p, "days", raw.days, 1, 3650);
    check_world(p, &raw.world);
    check_catalog(p, &raw.catalog);
    check_catalog_size(p, &raw.catalog, &raw.world);
    let segments = raw
        .segments
        .unwrap_or_else(|| vec![SegmentParams::default()]);
    check_segments(p, &segments);
    let has_factors = raw.experiment.has_factors();
    let (experiment, factorial_arms) = check_experiment(p, raw.experiment);
    let arms = match (has_factors, factorial_arms, raw.arms) {
        (true, _, Some(_)) => {
            problem(
                p,
                "arms",
                "give either [[arms]] or [[experiment.factors]], not both",
            );
            Vec::new()
        }
        (true, Some(arms), None) => arms,
        // The factors' problems are reported already; there are no arms to check.
        (true, None, None) => Vec::new(),
        (false, _, arms) => check_arms(p, arms.unwrap_or_default()),
    };
    check_business(p, &raw.business);
    check_costs(p, &raw.costs, &arms);
    Scenario {
        name,
        description,
        seed: raw.seed,
        shoppers,
        days,
        world: raw.world,
        catalog: raw.catalog,
        segments,
        arms,
        experiment,
        business: raw.business,
        costs: raw.costs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_is_valid() {
        for (name, _) in BUILT_INS {
            let s = Scenario::load(name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&s.name, name);
        }
    }

    #[test]
    fn minimal_file_gets_defaults() {
        let s = Scenario::parse("[[arms]]\nname = \"a\"\n", "t.toml", "t").unwrap();
        assert_eq!(s.shoppers, 20_000);
        assert_eq!(s.arms[0].traffic, 1.0);
        assert_eq!(s.arms[0].recommender.name, "popularity");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = "shoppers = -5\ndays = 0\n[[arms]]\nname = \"a\"\ntraffic = 1.4\n";
        let Err(ScenarioError::Invalid { problems, .. }) = Scenario::parse(text, "t.toml", "t")
        else {
            panic!("expected problems");
        };
        let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
        assert!(
            keys.contains(&"shoppers")
                && keys.contains(&"days")
                && keys.contains(&"arms[0].traffic"),
            "{keys:?}"
        );
        let traffic = problems
            .iter()
            .find(|p| p.key == "arms[0].traffic")
            .unwrap();
        assert_eq!(traffic.message, "(1.4) must be between 0 and 1 (line 5)");
    }

    #[test]
    fn unknown_key_names_its_path() {
        let err = Scenario::parse("[world]\nslate = 3\n", "t.toml", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("world") && err.contains("slate"), "{err}");
        assert!(err.ends_with("(line 2)"), "{err}");
    }
}
