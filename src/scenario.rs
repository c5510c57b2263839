//! Scenario files: TOML in, a checked [`Scenario`] out.
//!
//! The serde types mirror the file (`deny_unknown_fields`, defaults for everything a beginner
//! would not want to write). [`Scenario::parse`] reads them and then runs one small check per
//! rule, collecting every problem so a user fixes a file in one pass. The engine accepts only
//! the checked [`Scenario`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::strategy::registry::{self, Family, StrategySpec};

/// Built-in scenarios, embedded in the binary: (name, TOML text).
pub const BUILT_INS: &[(&str, &str)] = &[
    ("default", include_str!("../scenarios/default.toml")),
    ("fashion", include_str!("../scenarios/fashion.toml")),
    ("electronics", include_str!("../scenarios/electronics.toml")),
    ("roi-card", include_str!("../scenarios/roi-card.toml")),
    ("aa-test", include_str!("../scenarios/aa-test.toml")),
    ("peeking", include_str!("../scenarios/peeking.toml")),
    (
        "bandit-allocation",
        include_str!("../scenarios/bandit-allocation.toml"),
    ),
    (
        "multivariate",
        include_str!("../scenarios/multivariate.toml"),
    ),
    ("pricing", include_str!("../scenarios/pricing.toml")),
    ("retention", include_str!("../scenarios/retention.toml")),
    (
        "email-timing",
        include_str!("../scenarios/email-timing.toml"),
    ),
    (
        "recommenders",
        include_str!("../scenarios/recommenders.toml"),
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{origin}: cannot read the file: {reason}")]
    Read {
        /// The file.
        origin: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Neither a file nor a built-in of that name exists.
    #[error("{0}: no such file, and no built-in scenario of that name (try `shoplab scenarios`)")]
    NotFound(String),
    /// The file was read but breaks one or more rules.
    #[error("{origin}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file or built-in name.
        origin: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

/// Shopper-behaviour constants of the world. The defaults are the calibrated default world
/// (DESIGN §1): change them to state other assumptions, never to favour a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorldParams {
    /// Dimension of the hidden taste and product vectors.
    pub latent_dim: usize,
    /// Weight `a` of taste match `u·v` in the click utility.
    pub preference_strength: f64,
    /// Intercept of the click probability.
    pub click_intercept: f64,
    /// Intercept of the add-to-cart probability after a click.
    pub cart_intercept: f64,
    /// Weight of the product's appeal in the add-to-cart decision (the click already
    /// selected for appeal; the product page only partly revises it).
    pub cart_appeal_weight: f64,
    /// Products in a recommendation slate (`K`).
    pub slate_size: usize,
    /// Probability that the first slate position is examined.
    pub examination_top: f64,
    /// Each further position is examined with this factor less probability.
    pub examination_decay: f64,
    /// Probability that a visit includes a search in a category the shopper likes.
    pub organic_rate: f64,
    /// Products looked at in one such search.
    pub organic_views: usize,
    /// Complementary products offered on the cart page.
    pub cross_sell_size: usize,
    /// Probability that each cross-sell product is examined.
    pub cross_sell_examination: f64,
    /// Probability of buying a cart whose total is small against the budget.
    pub checkout_rate: f64,
    /// How steeply the buying probability falls as the cart total passes the budget.
    pub budget_elasticity: f64,
    /// Days an abandoned cart stays in the shop.
    pub cart_persist_days: u32,
    /// Probability that a visit goes back to a waiting cart.
    pub cart_return_rate: f64,
    /// Visit-rate multiplier per weekday, day 0 being a Monday.
    pub weekday_rhythm: [f64; 7],
    /// Days between newsletters (0: no newsletter).
    pub newsletter_every_days: u32,
    /// Width (hours) of the open-probability bump around a shopper's active hour.
    pub email_hour_width: f64,
    /// Share of the peak open probability left far from the active hour.
    pub email_off_hour_floor: f64,
    /// Open probability is divided by `1 + fatigue × recent messages`.
    pub email_fatigue: f64,
    /// Probability that an opened message is clicked.
    pub email_click_rate: f64,
    /// Base unsubscribe probability per message.
    pub unsubscribe_rate: f64,
    /// Extra utility of a visit started from a message click (raised intent).
    pub email_intent: f64,
    /// Weight of satisfaction in the churn hazard: hazard × exp(−w·(satisfaction − 0.5)).
    pub churn_satisfaction_weight: f64,
    /// Hazard multiplier per recent message above two (spam).
    pub churn_spam_weight: f64,
    /// Hazard multiplier per 30 days without a visit (neglect).
    pub churn_neglect_weight: f64,
    /// Daily probability that a lapsed shopper comes back unprompted.
    pub return_rate: f64,
    /// Probability that a lapsed shopper who clicks a message is won back (before offers).
    pub winback_rate: f64,
    /// Share of shoppers who sign up during the horizon (on a uniform day after day 0)
    /// rather than before it, for cold-start experiments.
    pub new_shopper_share: f64,
}

impl Default for WorldParams {
    fn default() -> Self {
        Self {
            latent_dim: 8,
            preference_strength: 2.5,
            click_intercept: -4.68,
            cart_intercept: -2.6,
            cart_appeal_weight: 0.5,
            slate_size: 8,
            examination_top: 0.9,
            examination_decay: 0.8,
            organic_rate: 0.5,
            organic_views: 3,
            cross_sell_size: 3,
            cross_sell_examination: 0.35,
            checkout_rate: 0.42,
            budget_elasticity: 2.0,
            cart_persist_days: 7,
            cart_return_rate: 0.3,
            weekday_rhythm: [0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0],
            newsletter_every_days: 7,
            email_hour_width: 2.5,
            email_off_hour_floor: 0.4,
            email_fatigue: 0.15,
            email_click_rate: 0.2,
            unsubscribe_rate: 0.002,
            email_intent: 0.6,
            churn_satisfaction_weight: 3.0,
            churn_spam_weight: 0.25,
            churn_neglect_weight: 0.5,
            return_rate: 0.002,
            winback_rate: 0.05,
            new_shopper_share: 0.0,
        }
    }
}

/// A seasonal peak shared by a share of the categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Seasonality {
    /// Share of categories that are seasonal (0 disables seasonality).
    pub seasonal_share: f64,
    /// Day of the peak.
    pub peak_day: u32,
    /// Extra click utility of a seasonal category's products at the peak.
    pub amplitude: f64,
    /// Width of the peak (standard deviation, days).
    pub width_days: f64,
    /// Extra store traffic at the peak (0.5 = +50% visits).
    pub traffic_lift: f64,
}

impl Default for Seasonality {
    fn default() -> Self {
        Self {
            seasonal_share: 0.0,
            peak_day: 0,
            amplitude: 0.0,
            width_days: 7.0,
            traffic_lift: 0.0,
        }
    }
}

/// How the catalog is generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogParams {
    /// Number of products.
    pub products: i64,
    /// Number of categories.
    pub categories: i64,
    /// Brands per category.
    pub brands_per_category: i64,
    /// Number of distinct observable tags.
    pub tags: i64,
    /// Median list price.
    pub price_median: f64,
    /// Log-normal spread of list prices within a category.
    pub price_spread: f64,
    /// Log-normal spread of price levels between categories.
    pub category_price_spread: f64,
    /// Gross margin range `[low, high]` as fractions of list price.
    pub margin: [f64; 2],
    /// Standard deviation of hidden product quality.
    pub quality_sd: f64,
    /// How far products' hidden vectors scatter around their category's centroid.
    pub category_spread: f64,
    /// Complementary categories per category (for cross-sell).
    pub complements: i64,
    /// Popularity skew of categories (Zipf exponent).
    pub category_skew: f64,
    /// Share of products launched during the horizon (on a uniform day after day 0),
    /// for cold-start experiments.
    pub launch_share: f64,
    /// Seasonal peak.
    pub seasonality: Seasonality,
}

impl Default for CatalogParams {
    fn default() -> Self {
        Self {
            products: 2000,
            categories: 20,
            brands_per_category: 6,
            tags: 16,
            price_median: 80.0,
            price_spread: 0.4,
            category_price_spread: 0.15,
            margin: [0.3, 0.55],
            quality_sd: 0.2,
            category_spread: 0.6,
            complements: 2,
            category_skew: 0.8,
            launch_share: 0.0,
            seasonality: Seasonality::default(),
        }
    }
}

/// A shopper segment: the distributions its shoppers' hidden traits are drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentParams {
    /// Name of the segment.
    pub name: String,
    /// Share of the population.
    pub share: f64,
    /// Whether the shop can see the segment label (e.g. a loyalty tier).
    pub observable: bool,
    /// Mean visits per day.
    pub visit_rate: f64,
    /// Gamma shape of visit rates across shoppers (smaller: more over-dispersed).
    pub visit_dispersion: f64,
    /// Mean price sensitivity β.
    pub price_sensitivity: f64,
    /// Median budget per visit.
    pub budget: f64,
    /// Mean active hour of day.
    pub active_hour: f64,
    /// Spread of active hours (hours).
    pub active_hour_spread: f64,
    /// Mean peak email open probability.
    pub email_responsiveness: f64,
    /// Mean extra units per cart line.
    pub basket_size: f64,
    /// Mean daily churn hazard.
    pub churn_hazard: f64,
    /// How many favourite categories make up a taste.
    pub favourite_categories: i64,
    /// Idiosyncratic noise of tastes around the favourite categories.
    pub taste_noise: f64,
}

impl Default for SegmentParams {
    fn default() -> Self {
        Self {
            name: "everyone".into(),
            share: 1.0,
            observable: false,
            visit_rate: 0.1,
            visit_dispersion: 0.8,
            price_sensitivity: 1.05,
            budget: 150.0,
            active_hour: 19.0,
            active_hour_spread: 3.5,
            email_responsiveness: 0.5,
            basket_size: 0.25,
            churn_hazard: 0.0025,
            favourite_categories: 2,
            taste_noise: 0.5,
        }
    }
}

/// A strategy as written in a file: a name, or a table with `kind` and parameters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawStrategy {
    /// `recommender = "popularity"`
    Name(String),
    /// `recommender = { kind = "popularity", half_life_days = 7 }`
    Table(toml::Table),
}

/// One arm as written in a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArm {
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
}

/// An arm: a bundle of one strategy per family and a traffic share.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSpec {
    /// Arm name, unique in the scenario.
    pub name: String,
    /// Share of shoppers assigned to this arm.
    pub traffic: f64,
    /// Recommender.
    pub recommender: StrategySpec,
    /// Pricing and promotions.
    pub pricing: StrategySpec,
    /// Retention.
    pub retention: StrategySpec,
    /// Email and SMS timing.
    pub email: StrategySpec,
}

/// How traffic is split between arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Allocation {
    /// Fixed traffic shares, the classic A/B/n test.
    Fixed,
    /// Thompson sampling: shoppers who arrive later are sent more often to the arm that
    /// is winning on revenue per visitor so far.
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
    /// Salt of the assignment hash (defaults to the scenario name).
    pub salt: Option<String>,
    /// Significance level of intervals and tests.
    pub alpha: f64,
    /// Also run every arm on the whole population to measure its true effect; `None`:
    /// only while that is cheap (see [`Scenario::true_effect`]).
    pub true_effect: Option<bool>,
    /// Days of pre-period under the control strategies, for CUPED (0: none).
    pub cuped_days: u32,
    /// Traffic allocation.
    pub allocation: Allocation,
    /// Relative effect the sequential test is tuned to detect (sets the mixture variance).
    pub sequential_mde: f64,
    /// The factorial design, when the arms come from factors.
    pub factorial: Option<Factorial>,
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
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawExperiment {
    salt: Option<String>,
    alpha: f64,
    true_effect: Option<bool>,
    cuped_days: i64,
    allocation: String,
    sequential_mde: f64,
    factors: Vec<RawFactor>,
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
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    family: String,
    levels: Vec<RawStrategy>,
}

/// The business the sample stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusinessParams {
    /// Visitors per year that the simulated population is scaled to.
    pub annual_visitors: f64,
    /// Currency code shown beside money.
    pub currency: String,
    /// Months to project costs and profit over.
    pub projection_months: i64,
    /// Yearly discount rate for net present value.
    pub discount_rate: f64,
}

impl Default for BusinessParams {
    fn default() -> Self {
        Self {
            annual_visitors: 1_000_000.0,
            currency: "USD".into(),
            projection_months: 36,
            discount_rate: 0.08,
        }
    }
}

/// A cost: one amount, or a `[low, high]` range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Money {
    /// A single amount.
    Fixed(f64),
    /// A range of plausible amounts.
    Range([f64; 2]),
}

impl Default for Money {
    fn default() -> Self {
        Money::Fixed(0.0)
    }
}

impl Money {
    /// (low, mid, high) of the amount.
    pub fn low_mid_high(self) -> (f64, f64, f64) {
        match self {
            Money::Fixed(x) => (x, x, x),
            Money::Range([a, b]) => (a, (a + b) / 2.0, b),
        }
    }
}

/// What one arm costs to run, beyond its messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArmCosts {
    /// One-off custom development.
    pub development: Money,
    /// One-off data infrastructure.
    pub data_infrastructure: Money,
    /// One-off integration and testing.
    pub integration: Money,
    /// Annual licence.
    pub licence_annual: Money,
    /// Monthly hosting.
    pub hosting_monthly: Money,
    /// Monthly API usage.
    pub api_monthly: Money,
    /// Monthly maintenance.
    pub maintenance_monthly: Money,
    /// Annual staff training.
    pub training_annual: Money,
}

/// Costs of the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostParams {
    /// Cost of one email.
    pub per_email: f64,
    /// Cost of one SMS.
    pub per_sms: f64,
    /// Running costs per arm, keyed by arm name.
    pub arms: BTreeMap<String, ArmCosts>,
}

impl Default for CostParams {
    fn default() -> Self {
        Self {
            per_email: 0.002,
            per_sms: 0.01,
            arms: BTreeMap::new(),
        }
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
            .map_err(|e| {
                let key = e.path().to_string();
                let message = plain_serde_message(e.inner().message());
                let line = e
                    .inner()
                    .span()
                    .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
                let message = match line {
                    Some(l) => format!("{message} (line {l})"),
                    None => message,
                };
                invalid(vec![Problem {
                    key: if key == "." { "(file)".into() } else { key },
                    message,
                }])
            })?;
        let mut p = Vec::new();
        let scenario = check(raw, fallback_name, &mut p);
        if p.is_empty() {
            Ok(scenario)
        } else {
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

    /// The salt of the assignment hash.
    pub fn salt(&self) -> &str {
        self.experiment.salt.as_deref().unwrap_or(&self.name)
    }
}

/// A serde message in a user's words: one line, no Rust type names.
fn plain_serde_message(message: &str) -> String {
    let mut text = message.split_whitespace().collect::<Vec<_>>().join(" ");
    for (rust, plain) in [
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a non-negative whole number"),
        ("expected usize", "expected a non-negative whole number"),
        ("expected u32", "expected a non-negative whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
    ] {
        text = text.replace(rust, plain);
    }
    text
}

fn problem(p: &mut Vec<Problem>, key: impl Into<String>, message: impl Into<String>) {
    p.push(Problem {
        key: key.into(),
        message: message.into(),
    });
}

fn in_range(p: &mut Vec<Problem>, key: &str, value: f64, min: f64, max: f64) {
    if !(value.is_finite() && value >= min && value <= max) {
        problem(p, key, format!("({value}) must be between {min} and {max}"));
    }
}

fn positive(p: &mut Vec<Problem>, key: &str, value: f64) {
    if !(value.is_finite() && value > 0.0) {
        problem(p, key, format!("({value}) must be greater than 0"));
    }
}

fn count(p: &mut Vec<Problem>, key: &str, value: i64, min: i64, max: i64) -> u32 {
    if value < min || value > max {
        problem(
            p,
            key,
            format!("({value}) must be a whole number between {min} and {max}"),
        );
        return min.max(0) as u32;
    }
    value as u32
}

fn sums_to_one(p: &mut Vec<Problem>, key: &str, shares: &[f64]) {
    let total: f64 = shares.iter().sum();
    if shares.iter().all(|s| s.is_finite()) && (total - 1.0).abs() > 1e-6 {
        problem(p, key, format!("shares sum to {total}, but must sum to 1"));
    }
}

fn check(raw: RawScenario, fallback_name: &str, p: &mut Vec<Problem>) -> Scenario {
    let shoppers = count(p, "shoppers", raw.shoppers, 1, 50_000_000);
    let days = count(p, "days", raw.days, 1, 3650);
    check_world(p, &raw.world);
    check_catalog(p, &raw.catalog);
    let segments = raw
        .segments
        .unwrap_or_else(|| vec![SegmentParams::default()]);
    check_segments(p, &segments);
    let (experiment, factorial_arms) = check_experiment(p, raw.experiment);
    let arms = match (factorial_arms, raw.arms) {
        (Some(_), Some(_)) => {
            problem(
                p,
                "arms",
                "give either [[arms]] or [[experiment.factors]], not both",
            );
            Vec::new()
        }
        (Some(arms), None) => arms,
        (None, arms) => check_arms(p, arms.unwrap_or_default()),
    };
    check_business(p, &raw.business);
    check_costs(p, &raw.costs, &arms);
    Scenario {
        name: raw.name.unwrap_or_else(|| fallback_name.to_string()),
        description: raw.description.unwrap_or_default(),
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

fn check_world(p: &mut Vec<Problem>, w: &WorldParams) {
    count(p, "world.latent_dim", w.latent_dim as i64, 2, 64);
    count(p, "world.slate_size", w.slate_size as i64, 1, 50);
    count(p, "world.organic_views", w.organic_views as i64, 0, 20);
    count(p, "world.cross_sell_size", w.cross_sell_size as i64, 0, 10);
    in_range(
        p,
        "world.preference_strength",
        w.preference_strength,
        0.0,
        20.0,
    );
    in_range(p, "world.click_intercept", w.click_intercept, -20.0, 20.0);
    in_range(p, "world.cart_intercept", w.cart_intercept, -20.0, 20.0);
    for (key, v) in [
        ("world.examination_top", w.examination_top),
        ("world.examination_decay", w.examination_decay),
        ("world.organic_rate", w.organic_rate),
        ("world.cross_sell_examination", w.cross_sell_examination),
        ("world.checkout_rate", w.checkout_rate),
        ("world.cart_return_rate", w.cart_return_rate),
        ("world.email_off_hour_floor", w.email_off_hour_floor),
        ("world.email_click_rate", w.email_click_rate),
        ("world.unsubscribe_rate", w.unsubscribe_rate),
        ("world.return_rate", w.return_rate),
        ("world.winback_rate", w.winback_rate),
        ("world.new_shopper_share", w.new_shopper_share),
    ] {
        in_range(p, key, v, 0.0, 1.0);
    }
    for (key, v) in [
        ("world.budget_elasticity", w.budget_elasticity),
        ("world.cart_appeal_weight", w.cart_appeal_weight),
        ("world.email_fatigue", w.email_fatigue),
        ("world.email_intent", w.email_intent),
        (
            "world.churn_satisfaction_weight",
            w.churn_satisfaction_weight,
        ),
        ("world.churn_spam_weight", w.churn_spam_weight),
        ("world.churn_neglect_weight", w.churn_neglect_weight),
    ] {
        in_range(p, key, v, 0.0, 20.0);
    }
    in_range(p, "world.email_hour_width", w.email_hour_width, 0.1, 24.0);
    count(
        p,
        "world.cart_persist_days",
        i64::from(w.cart_persist_days),
        0,
        365,
    );
    count(
        p,
        "world.newsletter_every_days",
        i64::from(w.newsletter_every_days),
        0,
        365,
    );
    for (i, v) in w.weekday_rhythm.iter().enumerate() {
        in_range(p, &format!("world.weekday_rhythm[{i}]"), *v, 0.0, 10.0);
    }
}

fn check_catalog(p: &mut Vec<Problem>, c: &CatalogParams) {
    count(p, "catalog.products", c.products, 1, 5_000_000);
    count(p, "catalog.categories", c.categories, 1, 10_000);
    if c.categories > c.products {
        problem(
            p,
            "catalog.categories",
            format!(
                "({}) cannot exceed catalog.products ({})",
                c.categories, c.products
            ),
        );
    }
    count(
        p,
        "catalog.brands_per_category",
        c.brands_per_category,
        1,
        1000,
    );
    count(p, "catalog.tags", c.tags, 0, 16);
    count(p, "catalog.complements", c.complements, 0, 10);
    if c.complements >= c.categories && c.complements > 0 {
        problem(
            p,
            "catalog.complements",
            format!(
                "({}) must be less than catalog.categories ({})",
                c.complements, c.categories
            ),
        );
    }
    positive(p, "catalog.price_median", c.price_median);
    in_range(p, "catalog.price_spread", c.price_spread, 0.0, 3.0);
    in_range(
        p,
        "catalog.category_price_spread",
        c.category_price_spread,
        0.0,
        3.0,
    );
    in_range(p, "catalog.margin[0]", c.margin[0], 0.0, 1.0);
    in_range(p, "catalog.margin[1]", c.margin[1], 0.0, 1.0);
    if c.margin[0] > c.margin[1] {
        problem(
            p,
            "catalog.margin",
            format!(
                "([{}, {}]) must be [low, high] with low ≤ high",
                c.margin[0], c.margin[1]
            ),
        );
    }
    in_range(p, "catalog.quality_sd", c.quality_sd, 0.0, 10.0);
    in_range(p, "catalog.category_spread", c.category_spread, 0.0, 10.0);
    in_range(p, "catalog.category_skew", c.category_skew, 0.0, 5.0);
    in_range(p, "catalog.launch_share", c.launch_share, 0.0, 0.9);
    let s = &c.seasonality;
    in_range(
        p,
        "catalog.seasonality.seasonal_share",
        s.seasonal_share,
        0.0,
        1.0,
    );
    in_range(p, "catalog.seasonality.amplitude", s.amplitude, 0.0, 10.0);
    in_range(
        p,
        "catalog.seasonality.width_days",
        s.width_days,
        0.1,
        1000.0,
    );
    in_range(
        p,
        "catalog.seasonality.traffic_lift",
        s.traffic_lift,
        0.0,
        20.0,
    );
}

fn check_segments(p: &mut Vec<Problem>, segments: &[SegmentParams]) {
    if segments.is_empty() {
        problem(p, "segments", "must list at least one segment");
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for (i, s) in segments.iter().enumerate() {
        let k = |f: &str| format!("segments[{i}].{f}");
        if s.name.trim().is_empty() {
            problem(p, k("name"), "must not be empty");
        } else if !seen.insert(s.name.as_str()) {
            problem(
                p,
                k("name"),
                format!("('{}') is used by another segment", s.name),
            );
        }
        in_range(p, &k("share"), s.share, 0.0, 1.0);
        in_range(p, &k("visit_rate"), s.visit_rate, 0.0, 24.0);
        in_range(p, &k("visit_dispersion"), s.visit_dispersion, 0.01, 1000.0);
        in_range(p, &k("price_sensitivity"), s.price_sensitivity, 0.0, 20.0);
        positive(p, &k("budget"), s.budget);
        in_range(p, &k("active_hour"), s.active_hour, 0.0, 24.0);
        in_range(p, &k("active_hour_spread"), s.active_hour_spread, 0.0, 24.0);
        in_range(
            p,
            &k("email_responsiveness"),
            s.email_responsiveness,
            0.0,
            1.0,
        );
        in_range(p, &k("basket_size"), s.basket_size, 0.0, 20.0);
        in_range(p, &k("churn_hazard"), s.churn_hazard, 0.0, 1.0);
        count(p, &k("favourite_categories"), s.favourite_categories, 1, 8);
        in_range(p, &k("taste_noise"), s.taste_noise, 0.0, 10.0);
    }
    sums_to_one(
        p,
        "segments[].share",
        &segments.iter().map(|s| s.share).collect::<Vec<_>>(),
    );
}

fn check_arms(p: &mut Vec<Problem>, raw: Vec<RawArm>) -> Vec<ArmSpec> {
    if raw.is_empty() {
        problem(
            p,
            "arms",
            "must list at least one arm (the first is the control)",
        );
        return Vec::new();
    }
    let even = 1.0 / raw.len() as f64;
    let mut seen = std::collections::HashSet::new();
    let mut arms = Vec::with_capacity(raw.len());
    for (i, a) in raw.into_iter().enumerate() {
        let key = format!("arms[{i}]");
        if a.name.trim().is_empty() {
            problem(p, format!("{key}.name"), "must not be empty");
        } else if !seen.insert(a.name.clone()) {
            problem(
                p,
                format!("{key}.name"),
                format!("('{}') is used by another arm", a.name),
            );
        }
        let traffic = a.traffic.unwrap_or(even);
        in_range(p, &format!("{key}.traffic"), traffic, 0.0, 1.0);
        let mut family = |f: Family, raw: Option<RawStrategy>, field: &str| {
            registry::check(f, raw.as_ref(), &format!("{key}.{field}")).unwrap_or_else(|mut e| {
                p.append(&mut e);
                StrategySpec::default_for(f)
            })
        };
        let recommender = family(Family::Recommender, a.recommender, "recommender");
        let pricing = family(Family::Pricing, a.pricing, "pricing");
        let retention = family(Family::Retention, a.retention, "retention");
        let email = family(Family::Email, a.email, "email");
        arms.push(ArmSpec {
            name: a.name,
            traffic,
            recommender,
            pricing,
            retention,
            email,
        });
    }
    sums_to_one(
        p,
        "arms[].traffic",
        &arms.iter().map(|a| a.traffic).collect::<Vec<_>>(),
    );
    arms
}

/// Checks the experiment section; with factors, also builds the arms (the cells).
fn check_experiment(
    p: &mut Vec<Problem>,
    e: RawExperiment,
) -> (ExperimentParams, Option<Vec<ArmSpec>>) {
    in_range(p, "experiment.alpha", e.alpha, 1e-6, 0.5);
    in_range(p, "experiment.sequential_mde", e.sequential_mde, 1e-4, 10.0);
    let cuped_days = count(p, "experiment.cuped_days", e.cuped_days, 0, 3650);
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
        let levels = f
            .levels
            .iter()
            .enumerate()
            .filter_map(|(j, level)| {
                registry::check(family, Some(level), &format!("{key}.levels[{j}]"))
                    .map_err(|mut e| p.append(&mut e))
                    .ok()
            })
            .collect();
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
            recommender,
            pricing,
            retention,
            email,
        });
        cells.push(levels);
    }
    (Some(Factorial { factors, cells }), Some(arms))
}

fn check_business(p: &mut Vec<Problem>, b: &BusinessParams) {
    in_range(p, "business.annual_visitors", b.annual_visitors, 0.0, 1e12);
    if b.currency.trim().is_empty() {
        problem(p, "business.currency", "must not be empty");
    }
    count(p, "business.projection_months", b.projection_months, 1, 600);
    in_range(p, "business.discount_rate", b.discount_rate, 0.0, 1.0);
}

fn check_costs(p: &mut Vec<Problem>, c: &CostParams, arms: &[ArmSpec]) {
    in_range(p, "costs.per_email", c.per_email, 0.0, 1000.0);
    in_range(p, "costs.per_sms", c.per_sms, 0.0, 1000.0);
    for (name, costs) in &c.arms {
        if !arms.iter().any(|a| &a.name == name) {
            problem(
                p,
                format!("costs.arms.{name}"),
                format!("('{name}') is not the name of an arm"),
            );
        }
        for (field, m) in [
            ("development", costs.development),
            ("data_infrastructure", costs.data_infrastructure),
            ("integration", costs.integration),
            ("licence_annual", costs.licence_annual),
            ("hosting_monthly", costs.hosting_monthly),
            ("api_monthly", costs.api_monthly),
            ("maintenance_monthly", costs.maintenance_monthly),
            ("training_annual", costs.training_annual),
        ] {
            let key = format!("costs.arms.{name}.{field}");
            let (lo, _, hi) = m.low_mid_high();
            if !(lo.is_finite() && hi.is_finite() && lo >= 0.0) {
                problem(
                    p,
                    key,
                    format!("({lo}..{hi}) must be a non-negative amount"),
                );
            } else if lo > hi {
                problem(
                    p,
                    key,
                    format!("([{lo}, {hi}]) must be [low, high] with low ≤ high"),
                );
            }
        }
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
        assert_eq!(traffic.message, "(1.4) must be between 0 and 1");
    }

    #[test]
    fn unknown_key_names_its_path() {
        let err = Scenario::parse("[world]\nslate = 3\n", "t.toml", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("world") && err.contains("slate"), "{err}");
    }
}
