//! The measurements: each derives scenarios from the measured world (its `[world]`,
//! `[catalog]` and `[[segments]]`), with arms of its own, and reads the experiment's control
//! arm or the arms' rollout truths (each arm run on the whole population, learning from all
//! of it, with common random numbers).

use std::path::Path;

use shoplab::experiment::{ArmSnapshot, ArmTruth};
use shoplab::metrics::Metrics;
use shoplab::scenario::BUILT_INS;
use shoplab::{Engine, Scenario, ScenarioError, Snapshot};

/// The world under measurement: a scenario file (or the built-in `default`) whose arms are
/// replaced by each measurement's own.
pub struct Base {
    table: toml::Table,
    origin: String,
}

impl Base {
    /// Reads the scenario file at `path`, or the built-in `default` without one. The error
    /// names the file and the problem.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let (text, origin) = match path {
            Some(path) => (
                std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?,
                path.display().to_string(),
            ),
            None => {
                let (_, text) = BUILT_INS
                    .iter()
                    .find(|(name, _)| *name == "default")
                    .ok_or("no built-in scenario 'default'")?;
                (text.to_string(), "built-in scenario 'default'".into())
            }
        };
        let table = toml::from_str(&text).map_err(|e| format!("{origin}: {e}"))?;
        let base = Base { table, origin };
        // Checked once with the measurements' arms (a file need not have its own), so a bad
        // file is reported against its own keys.
        base.build(0, DEFAULT_ARMS, None, false)
            .map_err(|e| e.to_string())?;
        Ok(base)
    }

    /// The measured world with `arms` (a TOML `[[arms]]` list), `seed`, optionally another
    /// horizon, and the rollout truths on or off.
    pub fn scenario(&self, seed: u64, arms: &str, days: Option<u32>, truth: bool) -> Scenario {
        self.build(seed, arms, days, truth)
            .expect("the measured world was checked on loading; the arms are valid")
    }

    fn build(
        &self,
        seed: u64,
        arms: &str,
        days: Option<u32>,
        truth: bool,
    ) -> Result<Scenario, ScenarioError> {
        let mut table = self.table.clone();
        let arms: toml::Table = toml::from_str(arms).expect("the measurements' arms are valid");
        table.insert("arms".into(), arms["arms"].clone());
        table.insert("seed".into(), toml::Value::Integer(seed as i64));
        if let Some(days) = days {
            table.insert("days".into(), toml::Value::Integer(i64::from(days)));
        }
        let experiment = table
            .entry("experiment")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(experiment) = experiment {
            experiment.insert("true_effect".into(), toml::Value::Boolean(truth));
        }
        let text = toml::to_string(&table).expect("a TOML table serialises");
        Scenario::parse(&text, &self.origin, "calibration")
    }
}

/// Runs a scenario to its horizon.
pub fn simulate(scenario: Scenario) -> Snapshot {
    let mut engine = Engine::new(scenario);
    engine.run(|_| {});
    engine.snapshot()
}

/// The arm's rollout truth: deployed to everyone and learning from all of them (the
/// snapshot's `rollout`; its `truth` is the in-experiment truth, "true now").
fn rollout(arm: &ArmSnapshot) -> &ArmTruth {
    arm.rollout.as_ref().expect("the truth runs are on")
}

fn truth(arm: &ArmSnapshot) -> &Metrics {
    &rollout(arm).metrics
}

fn lift(treatment: f64, control: f64) -> f64 {
    treatment / control - 1.0
}

/// The default experiment: best sellers against item-to-item recommendations.
pub const DEFAULT_ARMS: &str = r#"
[[arms]]
name = "popularity"
recommender = "popularity"
pricing = "list"
retention = "none"
email = { kind = "fixed-hour", hour = 10 }

[[arms]]
name = "item-cf"
recommender = "item-cf"
"#;

/// The control arm's founding figures and item-cf's lift over it.
pub struct Control {
    pub conversion: f64,
    pub aov: f64,
    pub abandonment: f64,
    pub open_rate: f64,
    /// Conversion lift measured in the experiment (each arm learning from its half).
    pub itemcf_experiment: f64,
    /// Conversion lift at rollout (each arm learning from the whole population).
    pub itemcf_rollout: f64,
}

pub fn control(base: &Base, seed: u64) -> Control {
    let s = simulate(base.scenario(seed, DEFAULT_ARMS, None, true));
    let (control, itemcf) = (&s.arms[0], &s.arms[1]);
    let m = &control.metrics;
    Control {
        conversion: m.conversion_rate,
        aov: m.aov,
        abandonment: m.cart_abandonment_rate,
        open_rate: m.open_rate,
        itemcf_experiment: lift(itemcf.metrics.conversion_rate, m.conversion_rate),
        itemcf_rollout: lift(
            truth(itemcf).conversion_rate,
            truth(control).conversion_rate,
        ),
    }
}

/// Every recommender, `random` (the nearest thing to no recommender) first.
const RECOMMENDER_ARMS: &str = r#"
[[arms]]
name = "random"
recommender = "random"
[[arms]]
name = "popularity"
recommender = "popularity"
[[arms]]
name = "item-cf"
recommender = "item-cf"
[[arms]]
name = "mf"
recommender = "mf"
[[arms]]
name = "hybrid"
recommender = "hybrid"
[[arms]]
name = "content"
recommender = "content"
[[arms]]
name = "user-cf"
recommender = "user-cf"
"#;

/// The recommenders that learn from feedback (all but `random` and `popularity`).
pub const LEARNED: [&str; 5] = ["item-cf", "mf", "hybrid", "content", "user-cf"];

/// Rollout conversion of every recommender. A rollout truth runs the arm on the whole
/// population, so it does not depend on how many arms share the experiment: one run
/// measures them all.
pub struct Recommenders {
    rollout: Vec<(String, f64)>,
}

impl Recommenders {
    /// Rollout conversion of the arm named `name`.
    pub fn conversion(&self, name: &str) -> f64 {
        self.rollout
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, c)| c)
            .expect("a measured recommender")
    }

    /// Rollout conversion lift of `name` over `over`.
    pub fn lift(&self, name: &str, over: &str) -> f64 {
        lift(self.conversion(name), self.conversion(over))
    }

    /// The learned recommender with the highest rollout conversion.
    pub fn best_learned(&self) -> &'static str {
        LEARNED
            .into_iter()
            .max_by(|a, b| self.conversion(a).total_cmp(&self.conversion(b)))
            .expect("five learned recommenders")
    }
}

pub fn recommenders(base: &Base, seed: u64) -> Recommenders {
    let s = simulate(base.scenario(seed, RECOMMENDER_ARMS, None, true));
    Recommenders {
        rollout: s
            .arms
            .iter()
            .map(|a| (a.name.clone(), truth(a).conversion_rate))
            .collect(),
    }
}

/// The email channel: the newsletter at a bad and at a good fixed hour, learned send times,
/// and abandoned-cart reminders (with everything else at 10:00), all with best sellers. The
/// two hours again with random slates, which learn nothing: between those the rollout truths
/// differ by the send hour alone, while between best-seller arms they also differ by what
/// each arm's best sellers happened to learn from its own traffic. Most of the experiment's
/// shoppers go to the reminders, whose attributed orders are counted in the experiment; the
/// other figures come from the rollout truths.
const EMAIL_ARMS: &str = r#"
[[arms]]
name = "fixed-10am"
traffic = 0.1
email = { kind = "fixed-hour", hour = 10 }
[[arms]]
name = "fixed-7pm"
traffic = 0.1
email = { kind = "fixed-hour", hour = 19 }
[[arms]]
name = "send-time"
traffic = 0.1
email = { kind = "send-time" }
[[arms]]
name = "cart-reminder"
traffic = 0.6
email = { kind = "cart-reminder", delay_days = 1, hour = 10 }
[[arms]]
name = "random-10am"
traffic = 0.05
recommender = "random"
email = { kind = "fixed-hour", hour = 10 }
[[arms]]
name = "random-7pm"
traffic = 0.05
recommender = "random"
email = { kind = "fixed-hour", hour = 19 }
"#;
/// Klaviyo's default attribution window: an order counts for an email opened this many days
/// before it, or on its day.
const ATTRIBUTION_DAYS: u32 = 5;

/// Rollout effects of message timing, and what reminders bring.
pub struct Email {
    /// Open rate at 19:00 over 10:00, relative.
    pub open_7pm: f64,
    /// Revenue per shopper at 19:00 over 10:00, relative.
    pub revenue_7pm: f64,
    /// The same with random slates: the send hour's effect without learning noise.
    pub revenue_7pm_unlearned: f64,
    /// Open rate of learned send times over the better fixed hour, relative.
    pub open_send_time: f64,
    /// Orders attributed to reminders as Klaviyo attributes them (placed within
    /// [`ATTRIBUTION_DAYS`] of opening one), per reminder sent.
    pub reminder_attributed: f64,
    /// Carts recovered because of the reminders, per reminder sent: recovered carts beyond
    /// the 10:00 arm's at rollout (same shoppers, same luck).
    pub reminder_incremental: f64,
}

pub fn email(base: &Base, seed: u64) -> Email {
    let mut engine = Engine::new(base.scenario(seed, EMAIL_ARMS, None, true));
    let attributed = Attribution::follow(&mut engine, 3);
    let s = engine.snapshot();
    let (ten, seven, send_time, reminder) = (&s.arms[0], &s.arms[1], &s.arms[2], &s.arms[3]);
    let (random_ten, random_seven) = (&s.arms[4], &s.arms[5]);
    let counts = |a: &ArmSnapshot| rollout(a).counts;
    let best_fixed = truth(ten).open_rate.max(truth(seven).open_rate);
    // At rollout the reminder arm sends what the 10:00 arm sends plus its reminders (the
    // weekly cap of three rarely binds), so the difference counts the reminders.
    let (r, c) = (counts(reminder), counts(ten));
    let reminders = r.messages.saturating_sub(c.messages).max(1) as f64;
    Email {
        open_7pm: lift(truth(seven).open_rate, truth(ten).open_rate),
        revenue_7pm: lift(
            truth(seven).revenue_per_shopper,
            truth(ten).revenue_per_shopper,
        ),
        revenue_7pm_unlearned: lift(
            truth(random_seven).revenue_per_shopper,
            truth(random_ten).revenue_per_shopper,
        ),
        open_send_time: lift(truth(send_time).open_rate, best_fixed),
        reminder_attributed: attributed.rate(),
        reminder_incremental: (r.recovered_carts as f64 - c.recovered_carts as f64) / reminders,
    }
}

/// Reminders and the orders attributed to them, read from an arm's shopper histories day by
/// day. Only days without a newsletter count, where every message sent is a reminder and
/// every open a reminder's.
#[derive(Default)]
struct Attribution {
    reminders: u64,
    orders: u64,
}

impl Attribution {
    /// Runs `engine` to its horizon, following experiment arm `arm`.
    fn follow(engine: &mut Engine, arm: usize) -> Self {
        // Messages, opens and orders by the end of the previous day, and the last day a
        // reminder was opened.
        let mut before: Vec<(u32, u32, u32, Option<u32>)> =
            engine.histories(arm).map(|_| (0, 0, 0, None)).collect();
        let mut a = Attribution::default();
        while !engine.finished() {
            let day = engine.day();
            engine.step();
            let newsletter = engine.world().newsletter_day(day);
            for ((_, h), (messages, opens, orders, opened)) in
                engine.histories(arm).zip(before.iter_mut())
            {
                if !newsletter {
                    a.reminders += u64::from(h.messages - *messages);
                    if h.opens > *opens {
                        *opened = Some(day);
                    }
                }
                if opened.is_some_and(|d| day - d <= ATTRIBUTION_DAYS) {
                    a.orders += u64::from(h.orders - *orders);
                }
                (*messages, *opens, *orders) = (h.messages, h.opens, h.orders);
            }
        }
        a
    }

    fn rate(&self) -> f64 {
        self.orders as f64 / self.reminders.max(1) as f64
    }
}
