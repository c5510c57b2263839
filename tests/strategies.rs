//! Pricing, retention and email/SMS strategies: each must win (or hold its guardrails)
//! because of how the simulated shoppers respond, on several seeds, not on one lucky draw.

use std::sync::{Arc, Mutex};

use shoplab::experiment::ArmSnapshot;
use shoplab::report::{Format, Report};
use shoplab::rng::SimRng;
use shoplab::scenario::Scenario;
use shoplab::strategy::registry::{self, infos, BuildContext, Family, StrategySpec};
use shoplab::strategy::{Pricing, Strategies};
use shoplab::world::{
    Campaign, CartLine, CatalogParams, DayContext, DayLog, DayOutput, Due, History, Offer,
    ProductInfo, SegmentParams, Shop, ShopperState, ShopperView, World, WorldParams,
};
use shoplab::{Engine, Snapshot};

const SEEDS: [u64; 3] = [1, 2, 3];

fn parse(text: &str) -> Scenario {
    Scenario::parse(text, "test scenario", "test").unwrap_or_else(|e| panic!("{e}"))
}

fn run(scenario: Scenario) -> Snapshot {
    let mut engine = Engine::new(scenario);
    engine.run(|_| {});
    engine.snapshot()
}

/// A built-in scenario, resized and reseeded.
fn built_in(name: &str, seed: u64, shoppers: u32, days: u32) -> Scenario {
    let mut s = Scenario::load(name).unwrap();
    s.seed = seed;
    s.shoppers = shoppers;
    s.days = days;
    s
}

/// One arm on the whole population of the default world: two such runs with the same seed
/// meet the same shoppers with the same luck, so their difference is the strategy's effect.
fn whole_population(seed: u64, shoppers: u32, days: u32, arm: &str) -> ArmSnapshot {
    let text = format!(
        "seed = {seed}\nshoppers = {shoppers}\ndays = {days}\n[[arms]]\nname = \"only\"\n{arm}\n"
    );
    run(parse(&text)).arms.remove(0)
}

/// The scenario with the `classroom` world's constants (keeping its own newsletter rhythm,
/// catalog size and segments), where the mechanisms under test have effects large enough to
/// show at a test's size; the calibrated default world's are as small as field experiments
/// report (docs/CALIBRATION.md).
fn in_classroom(s: Scenario) -> Scenario {
    let classroom = Scenario::load("classroom").unwrap();
    let old = &classroom.segments[0];
    let segments = s
        .segments
        .iter()
        .map(|seg| SegmentParams {
            churn_hazard: old.churn_hazard,
            email_responsiveness: old.email_responsiveness,
            ..seg.clone()
        })
        .collect();
    Scenario {
        world: WorldParams {
            newsletter_every_days: s.world.newsletter_every_days,
            ..classroom.world
        },
        catalog: CatalogParams {
            price_median: classroom.catalog.price_median,
            price_spread: classroom.catalog.price_spread,
            ..s.catalog.clone()
        },
        segments,
        ..s
    }
}

fn arm<'a>(snapshot: &'a Snapshot, name: &str) -> &'a ArmSnapshot {
    snapshot.arms.iter().find(|a| a.name == name).unwrap()
}

#[test]
fn send_time_beats_fixed_hour_on_open_rate() {
    // In the calibrated world a good hour opens about 15% more than a bad one; a fifth of
    // 8,000 shoppers measures that to within several points.
    for seed in SEEDS {
        let snapshot = run(built_in("email-timing", seed, 8_000, 21));
        let (fixed, learned) = (arm(&snapshot, "fixed-10am"), arm(&snapshot, "send-time"));
        let (f, s) = (fixed.metrics.open_rate, learned.metrics.open_rate);
        assert!(
            s > 1.04 * f,
            "seed {seed}: send-time {s:.3} vs fixed-hour {f:.3}"
        );
    }
}

/// One arm on the whole population of the email-timing scenario (newsletters every 3 days)
/// in the classroom world.
fn email_world(seed: u64, email: &str) -> ArmSnapshot {
    let mut s = in_classroom(built_in("email-timing", seed, 8_000, 21));
    let text = format!("[[arms]]\nname = \"only\"\nemail = {email}\n");
    let arms = parse(&text).arms;
    s.arms = arms;
    run(s).arms.remove(0)
}

#[test]
fn send_time_beats_even_the_best_fixed_hour() {
    // Most shoppers are active around 19:00, so that is the best single hour; learning each
    // shopper's own hour still opens more, though sparse visits keep the gain small (in the
    // calibrated world, with its flatter hours, about 1%: too small for this size).
    for seed in SEEDS {
        let fixed = email_world(seed, "{ kind = \"fixed-hour\", hour = 19 }");
        let learned = email_world(seed, "\"send-time\"");
        let (f, s) = (fixed.metrics.open_rate, learned.metrics.open_rate);
        assert!(
            s > f,
            "seed {seed}: send-time {s:.4} vs fixed-hour at 19 {f:.4}"
        );
    }
}

/// One arm on the whole population of the classroom world. The calibrated world's reminders
/// recover about one cart per hundred sent beyond what shoppers recover on their own: too few
/// to tell from chance at this size.
fn classroom_population(seed: u64, shoppers: u32, days: u32, arm: &str) -> ArmSnapshot {
    let text = format!("[[arms]]\nname = \"only\"\n{arm}\n");
    let mut s = Scenario::load("classroom").unwrap();
    (s.seed, s.shoppers, s.days, s.arms) = (seed, shoppers, days, parse(&text).arms);
    run(s).arms.remove(0)
}

#[test]
fn cart_reminders_recover_abandoned_carts_and_report_their_cost() {
    for seed in SEEDS {
        let without = classroom_population(seed, 8_000, 21, "email = \"fixed-hour\"");
        let with = classroom_population(
            seed,
            8_000,
            21,
            "email = { kind = \"cart-reminder\", delay_days = 1 }",
        );
        let c = &with.counts;
        assert!(
            c.recovered_carts > 0 && c.abandoned > 0,
            "seed {seed}: {c:?}"
        );
        assert!(
            c.recovered_carts > without.counts.recovered_carts,
            "seed {seed}: {} carts recovered with reminders, {} without",
            c.recovered_carts,
            without.counts.recovered_carts
        );
        assert!(c.messages > without.counts.messages, "seed {seed}");
    }
    let scenario = built_in("email-timing", 1, 4_000, 14);
    let snapshot = run(scenario.clone());
    let json: serde_json::Value =
        serde_json::from_str(&Report::new(&scenario, &snapshot).render(Format::Json)).unwrap();
    for arm in json["arms"].as_array().unwrap() {
        let cost = arm["message_cost"].as_f64().unwrap();
        assert!(cost > 0.0, "{}: message_cost {cost}", arm["name"]);
        assert!(arm["recovered_carts"].as_u64().is_some());
    }
    let sms = json["arms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "cart-reminder-sms")
        .unwrap();
    assert!(
        sms["sms"].as_u64().unwrap() > 0,
        "the mixed channel sends SMS"
    );
}

#[test]
fn churn_model_ranks_the_shoppers_who_lapse() {
    for seed in SEEDS {
        let scenario = built_in("retention", seed, 8_000, 35);
        let snapshot = run(scenario.clone());
        let model = arm(&snapshot, "churn-model");
        let auc = model.churn_model_auc.expect("the churn model scores risk");
        assert!(auc > 0.6, "seed {seed}: AUC {auc:.3}");
        assert!(arm(&snapshot, "none").churn_model_auc.is_none());
        if seed == SEEDS[0] {
            let json: serde_json::Value =
                serde_json::from_str(&Report::new(&scenario, &snapshot).render(Format::Json))
                    .unwrap();
            let reported = json["arms"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == "churn-model")
                .unwrap()["churn_model_auc"]
                .as_f64();
            assert_eq!(reported, Some(auc));
        }
    }
}

/// Passes every call through to a pricing strategy and writes down each price it quotes.
struct Recorder {
    inner: Box<dyn Pricing>,
    quotes: Arc<Mutex<Vec<(u32, u32, f64)>>>,
}

impl Pricing for Recorder {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn price(&self, shop: &Shop, shopper: &ShopperView, product: &ProductInfo) -> f64 {
        let price = self.inner.price(shop, shopper, product);
        self.quotes
            .lock()
            .unwrap()
            .push((shop.day, product.id, price));
        price
    }

    fn promo(&self, shop: &Shop, shopper: &ShopperView) -> Option<Offer> {
        self.inner.promo(shop, shopper)
    }

    fn observes(&self) -> shoplab::world::EventMask {
        self.inner.observes()
    }

    fn learn(&mut self, shop: &Shop, log: &DayLog) {
        self.inner.learn(shop, log);
    }
}

fn shop<'a>(world: &'a World, scenario: &'a Scenario, day: u32) -> Shop<'a> {
    Shop {
        day,
        days: scenario.days,
        catalog: world.catalog(),
        slate_size: world.params().slate_size,
        cross_sell_size: world.params().cross_sell_size,
        segments: world.population().segment_names(),
        population: scenario.shoppers,
    }
}

fn build(world: &World, scenario: &Scenario, specs: [&StrategySpec; 4]) -> Strategies {
    let ctx = BuildContext {
        catalog: world.catalog(),
        population: scenario.shoppers,
        days: scenario.days,
        seed: scenario.seed,
    };
    registry::build(specs[0], specs[1], specs[2], specs[3], &ctx)
}

#[test]
fn demand_pricing_never_leaves_its_guardrails() {
    let (floor, ceiling, step) = (0.9, 1.12, 0.02);
    for seed in SEEDS {
        // An eager strategy (strong response, short memory) so the guardrails have to hold it.
        let scenario = parse(&format!(
            "seed = {seed}\nshoppers = 4000\ndays = 25\n[[arms]]\nname = \"demand\"\n\
             pricing = {{ kind = \"demand\", floor = {floor}, ceiling = {ceiling}, \
             max_daily_change = {step}, response = 4, half_life_days = 1, prior_views = 10 }}\n"
        ));
        let world = World::new(scenario.world_setup());
        let a = &scenario.arms[0];
        let mut strategies = build(
            &world,
            &scenario,
            [&a.recommender, &a.pricing, &a.retention, &a.email],
        );
        let quotes = Arc::new(Mutex::new(Vec::new()));
        let inner = std::mem::replace(
            &mut strategies.pricing,
            Box::new(shoplab::strategy::pricing::ListPrice),
        );
        strategies.pricing = Box::new(Recorder {
            inner,
            quotes: quotes.clone(),
        });
        let mut states = vec![ShopperState::default(); scenario.shoppers as usize];
        let nobody = History::default();
        let n_products = world.catalog().len();
        // Each day's price of every product, quoted before the shoppers come.
        let mut daily: Vec<Vec<f64>> = Vec::new();
        for day in 0..scenario.days {
            let today = shop(&world, &scenario, day);
            let view = ShopperView {
                id: 0,
                signup_day: 0,
                segment: None,
                history: &nobody,
            };
            daily.push(
                world
                    .catalog()
                    .products()
                    .iter()
                    .map(|p| strategies.pricing.price(&today, &view, p))
                    .collect(),
            );
            let ctx = DayContext::new(&world, today, &strategies);
            let mut out = DayOutput::default();
            for (id, state) in states.iter_mut().enumerate() {
                world.shopper_day(&ctx, id as u32, state, &mut out);
            }
            let log = DayLog::new(day, out.events);
            strategies.learn(&today, &log);
        }
        let quotes = quotes.lock().unwrap();
        assert!(quotes.len() > n_products * scenario.days as usize);
        for &(day, product, price) in quotes.iter() {
            let list = world.catalog().product(product).list_price;
            assert!(
                price >= floor * list - 1e-9 && price <= ceiling * list + 1e-9,
                "seed {seed} day {day}: product {product} at {price} (list {list})"
            );
            assert_eq!(
                price, daily[day as usize][product as usize],
                "one price a day"
            );
        }
        let mut moved_full_step = 0;
        for (day, pair) in daily.windows(2).enumerate() {
            for (p, (yesterday, today)) in pair[0].iter().zip(&pair[1]).enumerate() {
                let change = today / yesterday - 1.0;
                assert!(
                    change.abs() <= step + 1e-9,
                    "seed {seed} day {}: product {p} moved {change:+.4}",
                    day + 1
                );
                moved_full_step += usize::from(change.abs() >= step - 1e-9);
            }
        }
        assert!(
            moved_full_step > 0,
            "seed {seed}: the step limit never bound"
        );
    }
}

fn default_spec(family: Family, name: &'static str) -> StrategySpec {
    let info = infos(family).into_iter().find(|i| i.name == name).unwrap();
    StrategySpec {
        family,
        name,
        params: info.params.iter().map(|p| (p.name, p.default)).collect(),
    }
}

#[test]
fn no_strategy_panics_on_an_empty_history_or_category() {
    // One product per category: most categories see no event at all, and 60 shoppers over
    // more arms than that leave some arms nearly or entirely empty.
    let mut text = String::from(
        "seed = 4\nshoppers = 60\ndays = 4\n[catalog]\nproducts = 40\ncategories = 40\n",
    );
    let mut specs = Vec::new();
    for family in Family::ALL {
        for info in infos(family) {
            text.push_str(&format!(
                "[[arms]]\nname = \"{}-{}\"\n{} = \"{}\"\n",
                family, info.name, family, info.name
            ));
            specs.push(default_spec(family, info.name));
        }
    }
    let scenario = parse(&text);
    let snapshot = run(scenario.clone());
    Report::new(&scenario, &snapshot).render(Format::Json);

    let world = World::new(scenario.world_setup());
    let empty = History::default();
    let waiting = History {
        cart_abandoned_day: Some(0),
        abandoned_carts: 1,
        cart: vec![CartLine {
            product: 0,
            quantity: 1,
            price: 10.0,
        }],
        ..History::default()
    };
    let defaults = Family::ALL.map(StrategySpec::default_for);
    for spec in &specs {
        let mut chosen = defaults.clone();
        chosen[Family::ALL.iter().position(|f| *f == spec.family).unwrap()] = spec.clone();
        let mut s = build(
            &world,
            &scenario,
            [&chosen[0], &chosen[1], &chosen[2], &chosen[3]],
        );
        for day in [0, 1, 3] {
            let today = shop(&world, &scenario, day);
            for (id, history) in [(0, &empty), (59, &empty), (7, &waiting)] {
                let view = ShopperView {
                    id,
                    signup_day: 0,
                    segment: Some(0),
                    history,
                };
                let mut rng: SimRng =
                    shoplab::rng::stream(1, u64::from(id), day, shoplab::rng::Purpose::Strategy, 0);
                let product = world.catalog().product(0);
                assert!(s.pricing.price(&today, &view, product) > 0.0, "{spec:?}");
                s.pricing.promo(&today, &view);
                let offer = s.retention.offer(&today, &view, &mut rng);
                s.retention.risk(&today, &view);
                s.retention.loyalty();
                let due = [
                    Due {
                        campaign: Campaign::Newsletter,
                        offer: None,
                    },
                    Due {
                        campaign: Campaign::Offer,
                        offer,
                    },
                ];
                let mut out = Vec::new();
                s.email.schedule(&today, &view, &due, &mut rng, &mut out);
                assert!(out.iter().all(|m| m.hour < 24), "{spec:?}");
                let mut slate = Vec::new();
                s.recommender.recommend(&today, &view, &mut rng, &mut slate);
                let mut extra = Vec::new();
                s.recommender
                    .cross_sell(&today, &view, &[0], &mut rng, &mut extra);
            }
            s.learn(&today, &DayLog::new(day, Vec::new()));
            s.pricing.insights(&today);
            s.retention.insights(&today);
            s.email.insights(&today);
        }
    }
}

#[test]
fn new_scenarios_are_identical_for_any_thread_count() {
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    for name in ["pricing", "retention", "email-timing"] {
        let scenario = built_in(name, 6, 2_500, 18);
        let json = |threads| {
            pool(threads)
                .install(|| Report::new(&scenario, &run(scenario.clone())).render(Format::Json))
        };
        assert!(
            json(1) == json(3),
            "{name}: output depends on the thread count"
        );
    }
}

#[test]
fn promo_codes_and_loyalty_rewards_are_paid_from_margin() {
    for seed in SEEDS {
        let list = whole_population(seed, 6_000, 21, "pricing = \"list\"");
        let promo = whole_population(seed, 6_000, 21, "pricing = \"promo\"");
        let c = &promo.counts;
        assert!(
            c.offers_delivered > 0 && c.offers_redeemed > 0,
            "seed {seed}: {c:?}"
        );
        assert!(c.offers_redeemed <= c.offers_delivered);
        assert!(c.discounts > 0.0 && list.counts.discounts == 0.0);
        // A low threshold so three weeks are enough to reach it.
        let loyalty = whole_population(
            seed,
            6_000,
            21,
            "retention = { kind = \"loyalty\", reward_points = 40 }",
        );
        assert!(
            loyalty.counts.discounts > 0.0,
            "seed {seed}: no reward redeemed"
        );
    }
}
