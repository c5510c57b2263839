//! The world's parameters: its behaviour constants, how its catalog is generated and the
//! segments its shoppers are drawn from, each with the calibrated defaults. They are the
//! tables of the same names in a scenario file; the scenario reads and checks them and fills
//! a [`WorldSetup`].

use serde::{Deserialize, Serialize};

/// Everything a [`World`](super::World) is built from.
#[derive(Debug, Clone, Copy)]
pub struct WorldSetup<'a> {
    /// Seed of every random stream.
    pub seed: u64,
    /// Shoppers in the population.
    pub shoppers: u32,
    /// Days in the horizon: products launch and shoppers sign up within it.
    pub days: u32,
    /// Shopper-behaviour constants.
    pub behaviour: &'a WorldParams,
    /// How the catalog is generated.
    pub catalog: &'a CatalogParams,
    /// The segments shoppers are drawn from; shares sum to 1.
    pub segments: &'a [SegmentParams],
    /// Cost of one email, paid out of the margin when it is sent.
    pub per_email: f64,
    /// Cost of one SMS.
    pub per_sms: f64,
}

/// Shopper-behaviour constants of the world. The defaults are the calibrated default world
/// (docs/ARCHITECTURE.md §3; targets, sources and measurements in docs/CALIBRATION.md):
/// change them to state other assumptions, never to favour a strategy.
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
            preference_strength: 0.6,
            click_intercept: -2.56,
            cart_intercept: -2.6,
            cart_appeal_weight: 0.5,
            slate_size: 8,
            examination_top: 0.5,
            examination_decay: 0.8,
            organic_rate: 0.8,
            organic_views: 5,
            cross_sell_size: 3,
            cross_sell_examination: 0.35,
            checkout_rate: 0.38,
            budget_elasticity: 2.0,
            cart_persist_days: 7,
            cart_return_rate: 0.3,
            weekday_rhythm: [0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0],
            newsletter_every_days: 7,
            email_hour_width: 1.5,
            email_off_hour_floor: 0.71,
            email_fatigue: 0.15,
            email_click_rate: 0.2,
            unsubscribe_rate: 0.002,
            email_intent: 0.6,
            churn_satisfaction_weight: 3.0,
            churn_spam_weight: 0.25,
            churn_neglect_weight: 0.5,
            return_rate: 0.0005,
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
            price_median: 65.0,
            price_spread: 0.2,
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
            email_responsiveness: 0.3,
            basket_size: 0.25,
            churn_hazard: 0.004,
            favourite_categories: 2,
            taste_noise: 0.5,
        }
    }
}
