//! Guests: shoppers an arm's strategies serve without learning from them (the in-experiment
//! truth's shadow population, `Strategies::remember`). Remembering guests must change
//! nothing any learner meets, and must serve a guest as a learner with the same events is
//! served.
//!
//! Both tests drive the world by hand, one arm at a time, as the engine does: each day every
//! shopper of the arm is simulated under its strategies, and at night the strategies learn
//! from the learners' events and remember the guests'.

use shoplab::rng::{stream, Purpose, SimRng};
use shoplab::scenario::Scenario;
use shoplab::strategy::registry::{self, infos, BuildContext, Family, StrategySpec};
use shoplab::strategy::Strategies;
use shoplab::world::{
    Campaign, DayContext, DayLog, DayOutput, Due, Event, Offer, Shop, ShopperId, ShopperState,
    ShopperView, World,
};

const SHOPPERS: u32 = 1_200;
const DAYS: u32 = 10;

fn scenario(seed: u64) -> Scenario {
    let text =
        format!("seed = {seed}\nshoppers = {SHOPPERS}\ndays = {DAYS}\n[[arms]]\nname = \"only\"\n");
    Scenario::parse(&text, "test scenario", "test").unwrap_or_else(|e| panic!("{e}"))
}

fn shop<'a>(world: &'a World, day: u32) -> Shop<'a> {
    Shop {
        day,
        days: DAYS,
        catalog: world.catalog(),
        slate_size: world.params().slate_size,
        cross_sell_size: world.params().cross_sell_size,
        segments: world.population().segment_names(),
        population: SHOPPERS,
    }
}

/// A strategy with its registered defaults, some changed so that a short run exercises what
/// it keeps per shopper: the churn model fits after 3 days, and one fixed-hour variant caps
/// at one message a week, so the cap binds.
fn spec(family: Family, name: &'static str, changes: &[(&str, f64)]) -> StrategySpec {
    let info = infos(family).into_iter().find(|i| i.name == name).unwrap();
    let mut params: Vec<(&'static str, f64)> =
        info.params.iter().map(|p| (p.name, p.default)).collect();
    let mut changes = changes.to_vec();
    if name == "churn-model" {
        changes.push(("horizon_days", 3.0));
    }
    for (key, value) in changes {
        params.iter_mut().find(|p| p.0 == key).unwrap().1 = value;
    }
    StrategySpec {
        family,
        name,
        params,
    }
}

/// One arm per strategy of the registry (the other families at their baselines), a capped
/// fixed-hour arm, and two arms that mix learning strategies of every family.
fn arms() -> Vec<(String, [StrategySpec; 4])> {
    let baseline = Family::ALL.map(|f| spec(f, f.default_name(), &[]));
    let mut arms = Vec::new();
    for (k, family) in Family::ALL.into_iter().enumerate() {
        for info in infos(family) {
            let mut specs = baseline.clone();
            specs[k] = spec(family, info.name, &[]);
            arms.push((info.name.to_string(), specs));
        }
    }
    let mut capped = baseline.clone();
    capped[3] = spec(Family::Email, "fixed-hour", &[("cap", 1.0)]);
    arms.push(("fixed-hour-capped".into(), capped));
    let mix = |r, p, t, e| {
        [
            spec(Family::Recommender, r, &[]),
            spec(Family::Pricing, p, &[]),
            spec(Family::Retention, t, &[]),
            spec(Family::Email, e, &[]),
        ]
    };
    arms.push((
        "mix-hybrid".into(),
        mix("hybrid", "bandit-price", "churn-model", "send-time"),
    ));
    arms.push((
        "mix-user-cf".into(),
        mix("user-cf", "promo", "loyalty", "cart-reminder"),
    ));
    arms
}

fn build(world: &World, scenario: &Scenario, specs: &[StrategySpec; 4]) -> Strategies {
    let ctx = BuildContext {
        catalog: world.catalog(),
        population: SHOPPERS,
        days: DAYS,
        seed: scenario.seed,
    };
    registry::build(&specs[0], &specs[1], &specs[2], &specs[3], &ctx)
}

/// Simulates the day of `shoppers` under `strategies`; their observed events in order.
fn simulate(
    world: &World,
    strategies: &Strategies,
    day: u32,
    shoppers: impl Iterator<Item = ShopperId>,
    states: &mut [ShopperState],
) -> DayOutput {
    let ctx = DayContext::new(world, shop(world, day), strategies);
    let mut out = DayOutput::default();
    for id in shoppers {
        world.shopper_day(&ctx, id, &mut states[id as usize], &mut out);
    }
    out
}

/// Everything the arm's strategies decide for one shopper on one day, written out exactly
/// (`{:?}` prints every float to the bit), with a serving stream keyed by `key` so that two
/// shoppers can be served with the same luck.
fn served(strategies: &Strategies, shop: &Shop, view: &ShopperView, key: ShopperId) -> String {
    let mut rng: SimRng = stream(7, u64::from(key), shop.day, Purpose::Strategy, 0);
    let mut slate = Vec::new();
    strategies
        .recommender
        .recommend(shop, view, &mut rng, &mut slate);
    let cart: Vec<u32> = view.history.cart.iter().map(|l| l.product).collect();
    let cart = if cart.is_empty() {
        slate[..1].to_vec()
    } else {
        cart
    };
    let mut cross_sell = Vec::new();
    strategies
        .recommender
        .cross_sell(shop, view, &cart, &mut rng, &mut cross_sell);
    let prices: Vec<f64> = slate
        .iter()
        .map(|&p| {
            let info = shop.catalog.product(p);
            strategies.pricing.price(shop, view, info)
        })
        .collect();
    let promo = strategies.pricing.promo(shop, view);
    let offer = strategies.retention.offer(shop, view, &mut rng);
    let risk = strategies.retention.risk(shop, view);
    // Two messages due, so that a frequency cap of one binds.
    let due = [
        Due {
            campaign: Campaign::Newsletter,
            offer: None,
        },
        Due {
            campaign: Campaign::Offer,
            offer: Some(offer.unwrap_or(Offer {
                discount: 0.1,
                valid_days: 3,
            })),
        },
    ];
    let mut messages = Vec::new();
    strategies
        .email
        .schedule(shop, view, &due, &mut rng, &mut messages);
    format!("{slate:?} {cross_sell:?} {prices:?} {promo:?} {offer:?} {risk:?} {messages:?}")
}

fn insights(strategies: &Strategies, shop: &Shop) -> Vec<String> {
    [
        strategies.recommender.insights(shop),
        strategies.pricing.insights(shop),
        strategies.retention.insights(shop),
        strategies.email.insights(shop),
    ]
    .concat()
}

/// Whether an arm's twin guests can be served exactly as their learners. Not with `user-cf`,
/// which finds a learner's neighbours among lists the learner is on itself (see its module
/// docs and its unit test), nor with `bandit-price`, which gives each shopper the price slot
/// their id hashes to.
fn twin_is_exact(specs: &[StrategySpec; 4]) -> bool {
    !specs
        .iter()
        .any(|s| ["user-cf", "bandit-price"].contains(&s.name))
}

/// Whether an arm keeps per-shopper state that a guest's serving in this run depends on, so
/// that remembering a guest must change how it is served. (Every email strategy keeps a
/// frequency cap, but the default cap never binds in ten days.)
fn keeps_guests(specs: &[StrategySpec; 4]) -> bool {
    const STATEFUL: [&str; 9] = [
        "item-cf",
        "mf",
        "content",
        "user-cf",
        "hybrid",
        "bandit",
        "churn-model",
        "send-time",
        "cart-reminder",
    ];
    specs
        .iter()
        .any(|s| STATEFUL.contains(&s.name) || (s.name == "fixed-hour" && s.param("cap") == 1.0))
}

/// Each learner (even id) has a twin guest (the next id) whose observed events are the
/// learner's, day by day. One copy of the strategies learns from the learners; a second
/// copy learns from the same logs and also remembers the twins. Every day, (a) both copies
/// serve every learner alike and report the same insights, and (b) the second serves each
/// twin exactly as it serves its learner, where the strategy makes that exact; and
/// remembering does change how a guest is served where the strategy keeps guests' state.
#[test]
fn a_twin_guest_is_served_as_its_learner_and_learners_as_without_guests() {
    let scenario = scenario(3);
    let world = World::new(scenario.world_setup());
    let learners = || (0..SHOPPERS).step_by(2);
    for (name, specs) in arms() {
        let mut alone = build(&world, &scenario, &specs);
        let mut hosting = build(&world, &scenario, &specs);
        let mut states = vec![ShopperState::default(); SHOPPERS as usize];
        let (mut twins_compared, mut remembered_matters) = (0, 0);
        for day in 0..DAYS {
            let today = shop(&world, day);
            if day > 0 {
                assert_eq!(
                    insights(&alone, &today),
                    insights(&hosting, &today),
                    "{name} day {day}: insights"
                );
                for id in learners() {
                    let learner = world.view(id, &states[id as usize]);
                    let served_alone = served(&alone, &today, &learner, id);
                    let served_hosting = served(&hosting, &today, &learner, id);
                    assert_eq!(
                        served_alone, served_hosting,
                        "{name} day {day}: learner {id}"
                    );
                    // The twin has the learner's history and sign-up, under its own id.
                    let twin = ShopperView {
                        id: id + 1,
                        ..learner
                    };
                    let served_twin = served(&hosting, &today, &twin, id);
                    if twin_is_exact(&specs) {
                        assert_eq!(
                            served_twin, served_hosting,
                            "{name} day {day}: twin of {id}"
                        );
                        twins_compared += 1;
                    }
                    remembered_matters +=
                        usize::from(served(&alone, &today, &twin, id) != served_twin);
                }
            }
            let out = simulate(&world, &alone, day, learners(), &mut states);
            let log = DayLog::new(day, out.events.clone());
            let twins: Vec<Event> = out
                .events
                .iter()
                .map(|e| Event {
                    shopper: e.shopper + 1,
                    ..*e
                })
                .collect();
            alone.learn(&today, &log);
            hosting.learn(&today, &log);
            hosting.remember(&today, &DayLog::new(day, twins));
        }
        if twin_is_exact(&specs) {
            assert!(twins_compared > 0, "{name}");
        }
        if keeps_guests(&specs) {
            assert!(
                remembered_matters > 0,
                "{name}: remembering guests never changed how one is served"
            );
        }
    }
}

/// The end-to-end check: an arm's strategies serve the whole population, their learners
/// (even ids) teaching them and every other shopper a guest, as the in-experiment truth
/// runs an arm; beside it the same strategies serve the learners alone. The learners'
/// observed events, counts and histories are the same to the bit, every day, with and
/// without guests.
#[test]
fn guests_change_nothing_the_learners_meet() {
    let scenario = scenario(5);
    let world = World::new(scenario.world_setup());
    let learners = || (0..SHOPPERS).step_by(2);
    let guests = || (1..SHOPPERS).step_by(2);
    for (name, specs) in arms() {
        let mut alone = build(&world, &scenario, &specs);
        let mut hosting = build(&world, &scenario, &specs);
        let mut states_alone = vec![ShopperState::default(); SHOPPERS as usize];
        let mut states = vec![ShopperState::default(); SHOPPERS as usize];
        let mut guest_events = 0;
        for day in 0..DAYS {
            let today = shop(&world, day);
            let a = simulate(&world, &alone, day, learners(), &mut states_alone);
            let h = simulate(&world, &hosting, day, learners(), &mut states);
            let g = simulate(&world, &hosting, day, guests(), &mut states);
            assert!(
                a.events == h.events,
                "{name} day {day}: the learners' events differ"
            );
            assert_eq!(a.counts, h.counts, "{name} day {day}");
            guest_events += g.events.len();
            alone.learn(&today, &DayLog::new(day, a.events));
            hosting.learn(&today, &DayLog::new(day, h.events));
            hosting.remember(&today, &DayLog::new(day, g.events));
        }
        for id in learners() {
            assert_eq!(
                states_alone[id as usize].history, states[id as usize].history,
                "{name}: learner {id}"
            );
        }
        let observes = shoplab::world::Policy::observes(&hosting);
        if observes.0 != 0 {
            assert!(guest_events > 0, "{name}: the guests did nothing observed");
        }
    }
}
