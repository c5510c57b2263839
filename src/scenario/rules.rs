//! One small check per rule; each problem quotes the key and the value.

use super::params::{BusinessParams, CostParams};
use super::{check_strategy, ArmSpec, Problem, RawArm, RawStrategy};
use crate::format::number;
use crate::strategy::registry::{Family, StrategySpec};
use crate::world::{CatalogParams, SegmentParams, WorldParams, MAX_LATENT_DIM};

/// A serde message in a user's words: one line, no Rust type names.
pub(super) fn plain_serde_message(message: &str) -> String {
    let mut text = message.split_whitespace().collect::<Vec<_>>().join(" ");
    for (rust, plain) in [
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a non-negative whole number"),
        ("expected usize", "expected a non-negative whole number"),
        ("expected u32", "expected a non-negative whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        (
            "data did not match any variant of untagged enum RawStrategy",
            "must be a strategy name, or a table with kind and parameters",
        ),
        (
            "number too large to fit in target type",
            "is larger than a TOML file's largest whole number, 9223372036854775807",
        ),
        (
            "number too small to fit in target type",
            "is smaller than a TOML file's smallest whole number, -9223372036854775808",
        ),
    ] {
        text = text.replace(rust, plain);
    }
    text
}

/// Largest median price and budget: a million in the scenario's currency keeps every price,
/// basket and annual figure far from where floating point loses whole units.
pub const MAX_PRICE: f64 = 1e6;
/// Largest cost of an arm: a trillion.
pub const MAX_COST: f64 = 1e12;

/// Largest number of arms of an experiment: each arm keeps its own strategies, buffers and
/// statistics (memory: `footprint`), and 64 is already far past what an A/B/n test can power.
pub const MAX_ARMS: usize = 64;
/// Largest catalog: products × latent dimensions (a hidden vector of floats per product).
/// 50 million keeps the vectors at 200 MB and the catalog's build within seconds.
pub const MAX_CATALOG_CELLS: u64 = 50_000_000;

/// Longest CLV projection, in months: ten years, as long as a scenario's horizon may be (a
/// CLV check simulates every month of it).
pub const MAX_CLV_MONTHS: i64 = 120;

/// Longest scenario, arm and segment name (and salt), in characters: names head table rows
/// and chart legends.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest scenario description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Longest currency label, in characters.
pub const MAX_CURRENCY_CHARS: usize = 16;

/// Characters that would act on a terminal or reorder text rather than show: the control
/// characters (C0, DEL, C1: escape sequences start with one) and the bidirectional
/// overrides and isolates, which can make text read other than it is.
fn acts_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character that would act on a terminal written as an escape (`\u{1b}`),
/// for messages that quote what a user wrote.
pub fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| {
            if acts_on_terminal(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The start of a long value, for a message.
fn excerpt(text: &str) -> String {
    const SHOWN: usize = 40;
    let escaped = escape_controls(text);
    if escaped.chars().count() <= SHOWN {
        escaped
    } else {
        escaped.chars().take(SHOWN).collect::<String>() + "…"
    }
}

/// Names and descriptions reach terminals, tables and files: plain text of a sane length.
pub(super) fn plain_text(p: &mut Vec<Problem>, key: &str, value: &str, max_chars: usize) {
    if let Some(c) = value.chars().find(|&c| acts_on_terminal(c)) {
        problem(
            p,
            key,
            format!(
                "(\"{}\") contains the control character U+{:04X}; names and descriptions must be plain text",
                excerpt(value),
                u32::from(c)
            ),
        );
    } else {
        let n = value.chars().count();
        if n > max_chars {
            problem(
                p,
                key,
                format!(
                    "(\"{}\") is {n} characters long; at most {max_chars} are allowed",
                    excerpt(value)
                ),
            );
        }
    }
}

pub(super) fn problem(p: &mut Vec<Problem>, key: impl Into<String>, message: impl Into<String>) {
    p.push(Problem {
        key: key.into(),
        message: message.into(),
    });
}

pub(super) fn in_range(p: &mut Vec<Problem>, key: &str, value: f64, min: f64, max: f64) {
    if !(value.is_finite() && value >= min && value <= max) {
        problem(
            p,
            key,
            format!(
                "({}) must be between {} and {}",
                number(value),
                number(min),
                number(max)
            ),
        );
    }
}

/// A positive amount no larger than `max`.
pub(super) fn positive(p: &mut Vec<Problem>, key: &str, value: f64, max: f64) {
    if !(value.is_finite() && value > 0.0 && value <= max) {
        problem(
            p,
            key,
            format!(
                "({}) must be greater than 0 and at most {}",
                number(value),
                number(max)
            ),
        );
    }
}

pub(super) fn count(p: &mut Vec<Problem>, key: &str, value: i64, min: i64, max: i64) -> u32 {
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

pub(super) fn sums_to_one(p: &mut Vec<Problem>, key: &str, shares: &[f64]) {
    let total: f64 = shares.iter().sum();
    if shares.iter().all(|s| s.is_finite()) && (total - 1.0).abs() > 1e-6 {
        problem(p, key, format!("shares sum to {total}, but must sum to 1"));
    }
}

pub(super) fn check_world(p: &mut Vec<Problem>, w: &WorldParams) {
    count(
        p,
        "world.latent_dim",
        w.latent_dim as i64,
        2,
        MAX_LATENT_DIM as i64,
    );
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

pub(super) fn check_catalog(p: &mut Vec<Problem>, c: &CatalogParams) {
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
    positive(p, "catalog.price_median", c.price_median, MAX_PRICE);
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

/// Products × latent dimensions: every product has a hidden vector of that many floats.
pub(super) fn check_catalog_size(p: &mut Vec<Problem>, c: &CatalogParams, w: &WorldParams) {
    let cells = c.products.max(0) as u64 * w.latent_dim as u64;
    if cells > MAX_CATALOG_CELLS {
        problem(
            p,
            "catalog.products",
            format!(
                "({}) × world.latent_dim ({}) is {cells}; at most {} are supported (fewer products or dimensions)",
                c.products,
                w.latent_dim,
                MAX_CATALOG_CELLS
            ),
        );
    }
}

pub(super) fn check_segments(p: &mut Vec<Problem>, segments: &[SegmentParams]) {
    if segments.is_empty() {
        problem(p, "segments", "must list at least one segment");
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for (i, s) in segments.iter().enumerate() {
        let k = |f: &str| format!("segments[{i}].{f}");
        plain_text(p, &k("name"), &s.name, MAX_NAME_CHARS);
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
        positive(p, &k("budget"), s.budget, MAX_PRICE);
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

pub(super) fn check_arms(p: &mut Vec<Problem>, raw: Vec<RawArm>) -> Vec<ArmSpec> {
    if raw.is_empty() {
        problem(
            p,
            "arms",
            "must list at least one arm (the first is the control)",
        );
        return Vec::new();
    }
    if raw.len() > MAX_ARMS {
        problem(
            p,
            "arms",
            format!(
                "lists {} arms; at most {} are supported",
                raw.len(),
                MAX_ARMS
            ),
        );
    }
    let even = 1.0 / raw.len() as f64;
    let mut seen = std::collections::HashSet::new();
    let mut arms = Vec::with_capacity(raw.len());
    for (i, a) in raw.into_iter().enumerate() {
        let key = format!("arms[{i}]");
        plain_text(p, &format!("{key}.name"), &a.name, MAX_NAME_CHARS);
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
        if traffic == 0.0 {
            // Such an arm meets nobody: every comparison with it would be empty.
            problem(
                p,
                format!("{key}.traffic"),
                "(0) must be greater than 0: an arm without traffic gets no shoppers (remove the arm instead)",
            );
        } else {
            in_range(p, &format!("{key}.traffic"), traffic, 0.0, 1.0);
        }
        let mut family = |f: Family, raw: Option<RawStrategy>, field: &str| {
            check_strategy(f, raw.as_ref(), &format!("{key}.{field}")).unwrap_or_else(|mut e| {
                p.append(&mut e);
                StrategySpec::default_for(f)
            })
        };
        let recommender = family(Family::Recommender, a.recommender, "recommender");
        let pricing = family(Family::Pricing, a.pricing, "pricing");
        let retention = family(Family::Retention, a.retention, "retention");
        let email = family(Family::Email, a.email, "email");
        let baseline = match &a.baseline {
            None => 0,
            Some(name) => match arms.iter().position(|b: &ArmSpec| &b.name == name) {
                Some(b) => b,
                None => {
                    problem(
                        p,
                        format!("{key}.baseline"),
                        format!("('{name}') must name an arm listed before this one"),
                    );
                    0
                }
            },
        };
        arms.push(ArmSpec {
            name: a.name,
            traffic,
            baseline,
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

pub(super) fn check_business(p: &mut Vec<Problem>, b: &BusinessParams) {
    in_range(p, "business.annual_visitors", b.annual_visitors, 0.0, 1e12);
    plain_text(p, "business.currency", &b.currency, MAX_CURRENCY_CHARS);
    if b.currency.trim().is_empty() {
        problem(p, "business.currency", "must not be empty");
    }
    count(p, "business.projection_months", b.projection_months, 1, 600);
    count(p, "business.clv_months", b.clv_months, 1, MAX_CLV_MONTHS);
    in_range(p, "business.discount_rate", b.discount_rate, 0.0, 1.0);
}

pub(super) fn check_costs(p: &mut Vec<Problem>, c: &CostParams, arms: &[ArmSpec]) {
    in_range(p, "costs.per_email", c.per_email, 0.0, 1000.0);
    in_range(p, "costs.per_sms", c.per_sms, 0.0, 1000.0);
    for (name, costs) in &c.arms {
        // Without arms (their problems are reported) no name can be matched.
        if !arms.is_empty() && !arms.iter().any(|a| &a.name == name) {
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
            if !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && hi <= MAX_COST) {
                let value = if lo == hi {
                    number(lo)
                } else {
                    format!("[{}, {}]", number(lo), number(hi))
                };
                problem(
                    p,
                    key,
                    format!(
                        "({value}) must be an amount between 0 and {}",
                        number(MAX_COST)
                    ),
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
