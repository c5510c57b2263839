//! `churn-model`: logistic regression on recency, frequency and money, retrained nightly;
//! offers go to the riskiest shoppers.

use super::Retention;
use crate::rng::SimRng;
use crate::stats::auc;
use crate::strategy::guests::Guests;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{Campaign, DayLog, EventKind, EventMask, Offer, Shop, ShopperId, ShopperView};

pub(super) const ENTRY: Entry<dyn Retention> = Entry {
    info: StrategyInfo {
        family: Family::Retention,
        name: "churn-model",
        learns: true,
        summary: "logistic regression on recency, frequency and spend, retrained nightly; offers to the riskiest share",
        params: &[
            Param::integer("horizon_days", 14.0, 1.0, 180.0, "the model predicts no visit within this many days (its stand-in for a lapse)"),
            Param::number("share", 0.1, 0.0, 1.0, "riskiest share of known shoppers that gets offers (0.1: the top decile)"),
            Param::number("discount", 0.15, 0.0, 0.9, "the offer's share off"),
            Param::integer("valid_days", 7.0, 0.0, 90.0, "days the offer stays valid once opened"),
            Param::integer("cooldown_days", 14.0, 1.0, 365.0, "days before the same shopper can be sent another offer"),
            Param::number("l2", 1.0, 0.0, 1e6, "ridge penalty on the weights (not the intercept)"),
        ],
    },
    build: |spec, ctx| Box::new(ChurnModel::new(spec, ctx)),
};

/// Most examples the nightly refit uses.
const MAX_EXAMPLES: usize = 50_000;

/// Marks a day that has not happened.
const NEVER: u32 = u32::MAX;

/// Features: intercept, ln(1 + days since the last visit), ln(1 + visits), ln(1 + orders),
/// ln(1 + revenue), ln(1 + days known), never visited.
const F: usize = 7;

const FEATURE_NAMES: [&str; F] = [
    "intercept",
    "recency",
    "visits",
    "orders",
    "revenue",
    "tenure",
    "never-visited",
];

/// What the shop has observed of a shopper, rebuilt from its own events.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    visits: u32,
    orders: u32,
    revenue: f64,
    last_visit: u32,
    /// The first day the shop had any contact with the shopper (a message, a visit).
    first_seen: u32,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            visits: 0,
            orders: 0,
            revenue: 0.0,
            last_visit: NEVER,
            first_seen: NEVER,
        }
    }
}

/// The recency–frequency–money features of a shopper as of the end of day `now`.
fn features(now: u32, s: &Seen) -> [f64; F] {
    let known = now.saturating_sub(s.first_seen.min(now));
    let recency = if s.last_visit == NEVER {
        known
    } else {
        now.saturating_sub(s.last_visit)
    };
    [
        1.0,
        ln1p_count(recency),
        ln1p_count(s.visits),
        ln1p_count(s.orders),
        s.revenue.max(0.0).ln_1p(),
        ln1p_count(known),
        f64::from(u8::from(s.last_visit == NEVER)),
    ]
}

/// `ln(1 + n)` for a count, from a table for the small counts that make up nearly all of
/// them: the nightly refit computes it for every shopper several times.
fn ln1p_count(n: u32) -> f64 {
    const TABLE: usize = 512;
    static LN1P: std::sync::OnceLock<[f64; TABLE]> = std::sync::OnceLock::new();
    let table = LN1P.get_or_init(|| std::array::from_fn(|k| (k as f64).ln_1p()));
    table
        .get(n as usize)
        .copied()
        .unwrap_or_else(|| f64::from(n).ln_1p())
}

fn score(w: &[f64; F], x: &[f64; F]) -> f64 {
    let z: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
    1.0 / (1.0 + (-z).exp())
}

/// How the last training went.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fit {
    examples: usize,
    positives: usize,
    auc: Option<f64>,
}

/// Predicts, from what the shop has seen of a shopper (days since the last visit, visits,
/// orders, spend, days known), the chance that they will not visit in the next
/// `horizon_days` — the shop's stand-in for a lapse, which it cannot observe. Each night it
/// labels the shoppers it knew `horizon_days` ago by whether they have visited since, refits
/// the logistic regression (Newton steps from yesterday's weights, ridge-penalised) and
/// sends a discount offer to the riskiest `share` of its known shoppers, at most once per
/// `cooldown_days` each. No offers before the first fit.
///
/// A guest, a shopper served but never learned from, is followed as a learner is (what was
/// seen of them, their last offer) and scored each night by the learners' model against the
/// learners' threshold, so a guest gets an offer exactly when a learner with the same record
/// would; guests are never training examples and do not count in the riskiest share.
#[derive(Debug, Clone, PartialEq)]
pub struct ChurnModel {
    horizon: u32,
    share: f64,
    offer: Offer,
    cooldown: u32,
    l2: f64,
    seen: Vec<Seen>,
    last_offer: Vec<u32>,
    /// (shopper, day, what was seen before that day) for every shopper-day with a visit in
    /// the last `horizon` days, in day order: the features of a shopper who came back.
    marks: Vec<(ShopperId, u32, Seen)>,
    weights: [f64; F],
    /// Risk at and above which a known shopper gets an offer.
    threshold: f64,
    /// Whether each shopper was at or above the threshold last night.
    risky: Vec<bool>,
    fit: Option<Fit>,
    /// Shoppers whose `seen`, `last_offer` and `risky` are kept for serving only.
    guests: Guests,
}

impl ChurnModel {
    /// Builds an untrained model.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        let n = ctx.population as usize;
        // Before the first fit: the longer away, the riskier.
        let mut weights = [0.0; F];
        weights[0] = -2.0;
        weights[1] = 1.0;
        ChurnModel {
            horizon: spec.param("horizon_days") as u32,
            share: spec.param("share"),
            offer: Offer {
                discount: spec.param("discount"),
                valid_days: spec.param("valid_days") as u32,
            },
            cooldown: spec.param("cooldown_days") as u32,
            l2: spec.param("l2"),
            seen: vec![Seen::default(); n],
            last_offer: vec![NEVER; n],
            marks: Vec::new(),
            weights,
            threshold: f64::INFINITY,
            risky: vec![false; n],
            fit: None,
            guests: Guests::new(ctx.population),
        }
    }

    /// The shop's view of a shopper, from their history (the same facts its events gave).
    fn seen_of(&self, shopper: &ShopperView) -> Seen {
        let h = shopper.history;
        let first_seen = self
            .seen
            .get(shopper.id as usize)
            .map_or(NEVER, |s| s.first_seen);
        Seen {
            visits: h.visits,
            orders: h.orders,
            revenue: h.revenue,
            last_visit: h.last_visit_day.unwrap_or(NEVER),
            first_seen: if first_seen == NEVER {
                shopper.signup_day
            } else {
                first_seen
            },
        }
    }

    /// Follows the shoppers of `log`: learners' visits also become marks, the labels of
    /// training examples; guests' do not, and the guests are marked as such.
    fn observe(&mut self, log: &DayLog, guests: bool) {
        let mut order = None;
        for e in log.events() {
            let Some(s) = self.seen.get_mut(e.shopper as usize) else {
                continue;
            };
            if guests {
                self.guests.insert(e.shopper);
            }
            s.first_seen = s.first_seen.min(e.day);
            match e.kind {
                EventKind::Visit => {
                    if s.last_visit != e.day && !guests {
                        self.marks.push((e.shopper, e.day, *s));
                    }
                    s.visits += 1;
                    s.last_visit = e.day;
                }
                EventKind::Purchase => {
                    s.revenue += f64::from(e.value) * f64::from(e.quantity);
                    // The lines of one order are consecutive and share the shopper and hour.
                    let key = (e.shopper, e.day, e.hour);
                    if order != Some(key) {
                        s.orders += 1;
                        order = Some(key);
                    }
                }
                EventKind::MessageSent if e.position == Campaign::Offer as u8 => {
                    self.last_offer[e.shopper as usize] = e.day;
                }
                _ => {}
            }
        }
    }

    /// Labelled examples for cutoff `cutoff`: every learner known by then, with what was seen
    /// of them at its end, labelled true when they have not visited since.
    fn examples(&self, cutoff: u32) -> Vec<([f64; F], bool)> {
        // The first visit after the cutoff, per shopper: what was seen before it is what was
        // seen at the cutoff.
        let mut came_back = vec![NEVER; self.seen.len()];
        for (i, (id, day, _)) in self.marks.iter().enumerate() {
            let slot = &mut came_back[*id as usize];
            if *day > cutoff && *slot == NEVER {
                *slot = i as u32;
            }
        }
        self.seen
            .iter()
            .zip(came_back)
            .enumerate()
            .filter(|(id, (s, _))| {
                s.first_seen <= cutoff && !self.guests.contains(*id as ShopperId)
            })
            .map(|(_, (now, back))| match self.marks.get(back as usize) {
                Some((_, _, before)) => (features(cutoff, before), false),
                None => (features(cutoff, now), true),
            })
            .collect()
    }

    /// Newton steps on the ridge-penalised log-likelihood, from the current weights: several
    /// on the first fit, then one a night (the labels shift by a day at a time, so
    /// yesterday's weights are already close).
    fn train(&mut self, data: &[([f64; F], bool)]) {
        let steps = if self.fit.is_none() { 6 } else { 1 };
        for _ in 0..steps {
            let mut grad = [0.0; F];
            let mut hess = [[0.0; F]; F];
            for (x, y) in data {
                let p = score(&self.weights, x);
                let r = f64::from(u8::from(*y)) - p;
                let w = (p * (1.0 - p)).max(1e-9);
                for i in 0..F {
                    grad[i] += r * x[i];
                    let wx = w * x[i];
                    for j in i..F {
                        hess[i][j] += wx * x[j];
                    }
                }
            }
            // Only the upper triangle was summed; the matrix is symmetric.
            for i in 1..F {
                let (upper, lower) = hess.split_at_mut(i);
                for (j, row) in upper.iter().enumerate() {
                    lower[0][j] = row[i];
                }
            }
            for i in 1..F {
                grad[i] -= self.l2 * self.weights[i];
                hess[i][i] += self.l2;
            }
            // A tiny ridge on every weight keeps the system solvable when a feature is
            // constant (everyone known since day 0).
            for (i, row) in hess.iter_mut().enumerate() {
                row[i] += 1e-6;
            }
            let Some(step) = solve(hess, grad) else {
                return;
            };
            for (w, s) in self.weights.iter_mut().zip(step) {
                *w += s.clamp(-5.0, 5.0);
            }
        }
    }

    /// Every learner's risk as of the end of day `now`; `None` for shoppers not known yet
    /// and for guests.
    fn risks_now(&self, now: u32) -> Vec<Option<f64>> {
        self.seen
            .iter()
            .enumerate()
            .map(|(id, s)| {
                let known = s.first_seen <= now && !self.guests.contains(id as ShopperId);
                known.then(|| score(&self.weights, &features(now, s)))
            })
            .collect()
    }
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; F]; F], mut b: [f64; F]) -> Option<[f64; F]> {
    for col in 0..F {
        let pivot = (col..F).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..F {
            let f = a[row][col] / a[col][col];
            let (upper, lower) = a.split_at_mut(row);
            for (x, p) in lower[0][col..].iter_mut().zip(&upper[col][col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; F];
    for row in (0..F).rev() {
        let s: f64 = (row + 1..F).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

impl Retention for ChurnModel {
    fn name(&self) -> &'static str {
        "churn-model"
    }

    fn offer(&self, shop: &Shop, shopper: &ShopperView, _: &mut SimRng) -> Option<Offer> {
        if self.fit.is_none() || shopper.history.offer.is_some() {
            return None;
        }
        let last = self.last_offer.get(shopper.id as usize).copied();
        if last.is_some_and(|d| d != NEVER && d + self.cooldown > shop.day) {
            return None;
        }
        let risky = self.risky.get(shopper.id as usize).copied();
        risky.unwrap_or(false).then_some(self.offer)
    }

    fn risk(&self, shop: &Shop, shopper: &ShopperView) -> Option<f64> {
        Some(score(
            &self.weights,
            &features(shop.day, &self.seen_of(shopper)),
        ))
    }

    fn observes(&self) -> EventMask {
        EventKind::Visit
            .bit()
            .with(EventKind::Purchase.bit())
            .with(EventKind::MessageSent.bit())
    }

    fn learn(&mut self, _: &Shop, log: &DayLog) {
        self.observe(log, false);
        let today = log.day;
        let horizon = self.horizon;
        self.marks.retain(|(_, day, _)| day + horizon > today);
        if today >= horizon {
            let mut data = self.examples(today - horizon);
            // A large population is subsampled evenly: a few tens of thousands of examples
            // pin down seven weights, and the nightly cost stays bounded.
            let stride = data.len().div_ceil(MAX_EXAMPLES).max(1);
            if stride > 1 {
                data = data.into_iter().step_by(stride).collect();
            }
            if data.iter().any(|(_, y)| *y) && data.iter().any(|(_, y)| !*y) {
                self.train(&data);
                // On every fourth example: it is only reported, and sorting is the dearest
                // part of the night.
                let mut scored: Vec<(f64, bool)> = data
                    .iter()
                    .step_by(4)
                    .map(|(x, y)| (score(&self.weights, x), *y))
                    .collect();
                self.fit = Some(Fit {
                    examples: data.len(),
                    positives: data.iter().filter(|(_, y)| *y).count(),
                    auc: auc(&mut scored),
                });
            }
        }
        if self.fit.is_some() {
            // Tomorrow's offers: the known shoppers scored as of tonight, at or above the
            // risk of the riskiest `share` (ties included).
            let risks = self.risks_now(today);
            let mut sorted: Vec<f64> = risks.iter().flatten().copied().collect();
            self.threshold = if sorted.is_empty() || self.share <= 0.0 {
                f64::INFINITY
            } else {
                let k = ((1.0 - self.share) * sorted.len() as f64).floor() as usize;
                let k = k.min(sorted.len() - 1);
                *sorted.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1
            };
            for (flag, risk) in self.risky.iter_mut().zip(risks) {
                *flag = risk.is_some_and(|r| r >= self.threshold);
            }
        }
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.observe(log, true);
        if self.fit.is_some() {
            // Scored as the learners were tonight: every guest, since risk grows with the
            // days away.
            let today = log.day;
            for g in self.guests.iter() {
                let risk = score(&self.weights, &features(today, &self.seen[g as usize]));
                self.risky[g as usize] = risk >= self.threshold;
            }
        }
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        let Some(fit) = self.fit else {
            return vec![format!(
                "untrained: the first labels come after {} days",
                self.horizon
            )];
        };
        let weights = FEATURE_NAMES
            .iter()
            .zip(self.weights)
            .skip(1)
            .map(|(n, w)| format!("{n} {w:+.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            format!(
                "trained on {} shoppers, {} without a visit in {} days; AUC on that label {} (a quarter of them)",
                fit.examples,
                fit.positives,
                self.horizon,
                fit.auc.map_or("n/a".into(), |a| format!("{a:.3}"))
            ),
            format!("weights (log features): {weights}"),
            format!(
                "offers to risk ≥ {:.3} (the riskiest {:.0}%)",
                self.threshold,
                100.0 * self.share
            ),
        ]
    }
}
