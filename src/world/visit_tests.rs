//! The visit's money path and click probability, on hand-built carts and shoppers, checked
//! against figures worked out by hand from docs/ARCHITECTURE.md §3: what a code, a loyalty
//! programme and messages do to revenue and margin, and the price and intent terms of the
//! click probability measured from the code's own draws.

use super::{Funnel, Visitor};
use crate::rng::{Purpose, SimRng};
use crate::world::CartLine;
use crate::world::{
    sigmoid, CatalogParams, Channel, DayContext, DayOutput, Due, EventMask, Loyalty, Message,
    Offer, Policy, ProductId, ProductInfo, SegmentParams, Shop, ShopperState, ShopperView, World,
    WorldParams, WorldSetup,
};

/// A shop that shows nothing, charges `price_factor` × list price, runs `loyalty`, and
/// sends each due message once by email and once by SMS.
struct Stub {
    price_factor: f64,
    loyalty: Option<Loyalty>,
}

impl Policy for Stub {
    fn slate(&self, _: &Shop, _: &ShopperView, _: &mut SimRng, _: &mut Vec<ProductId>) {}

    fn cross_sell(
        &self,
        _: &Shop,
        _: &ShopperView,
        _: &[ProductId],
        _: &mut SimRng,
        _: &mut Vec<ProductId>,
    ) {
    }

    fn price(&self, _: &Shop, _: &ShopperView, product: &ProductInfo) -> f64 {
        self.price_factor * product.list_price
    }

    fn promo(&self, _: &Shop, _: &ShopperView) -> Option<Offer> {
        None
    }

    fn offer(&self, _: &Shop, _: &ShopperView, _: &mut SimRng) -> Option<Offer> {
        None
    }

    fn loyalty(&self) -> Option<Loyalty> {
        self.loyalty
    }

    fn schedule(
        &self,
        _: &Shop,
        _: &ShopperView,
        due: &[Due],
        _: &mut SimRng,
        out: &mut Vec<Message>,
    ) {
        for d in due {
            for channel in [Channel::Email, Channel::Sms] {
                out.push(Message {
                    campaign: d.campaign,
                    channel,
                    hour: 10,
                    offer: d.offer,
                });
            }
        }
    }

    fn observes(&self) -> EventMask {
        EventMask::ALL
    }
}

/// A small world whose shoppers always buy what they cart (checkout rate 1, a budget no
/// cart approaches) and never follow a message into a visit.
fn world() -> World {
    let behaviour = WorldParams {
        checkout_rate: 1.0,
        email_click_rate: 0.0,
        unsubscribe_rate: 0.0,
        ..WorldParams::default()
    };
    let catalog = CatalogParams {
        products: 200,
        categories: 5,
        launch_share: 0.0,
        ..CatalogParams::default()
    };
    let segments = [SegmentParams {
        budget: 1e12,
        ..SegmentParams::default()
    }];
    World::new(WorldSetup {
        seed: 7,
        shoppers: 20,
        days: 10,
        behaviour: &behaviour,
        catalog: &catalog,
        segments: &segments,
        per_email: 0.002,
        per_sms: 0.01,
    })
}

fn shop(world: &World) -> Shop<'_> {
    Shop {
        day: 0,
        days: 10,
        catalog: world.catalog(),
        slate_size: 8,
        cross_sell_size: 0,
        segments: world.population().segment_names(),
        population: 20,
    }
}

fn visitor<'a>(world: &'a World, id: u32, code: Option<f64>, policy: &Stub) -> Visitor<'a> {
    Visitor {
        id,
        traits: world.population.traits(id),
        taste: world.population.taste(id),
        intent: 0.0,
        hour: 12,
        code: code.map(|d| 1.0 - d),
        cashback: policy.loyalty.map(|l| 1.0 - l.cashback()),
        index: 0,
        first_impression: 0,
    }
}

#[test]
fn a_cart_with_a_code_and_a_loyalty_reward_is_paid_out_of_margin() {
    let world = world();
    let loyalty = Loyalty {
        points_per_dollar: 1.0,
        point_value: 0.01,
        reward_points: 500.0,
    };
    let policy = Stub {
        price_factor: 1.0,
        loyalty: Some(loyalty),
    };
    let ctx = DayContext::new(&world, shop(&world), &policy);
    let (a, b) = (world.catalog.product(3), world.catalog.product(11));
    // Two units of `a` at list price, one of `b` offered 10% below list; a 20% code held;
    // 600 points in the balance, of which 500 are redeemed for 5.00 off.
    let mut state = ShopperState::default();
    let h = &mut state.history;
    h.cart = vec![
        CartLine {
            product: a.id,
            quantity: 2,
            price: a.list_price,
        },
        CartLine {
            product: b.id,
            quantity: 1,
            price: 0.9 * b.list_price,
        },
    ];
    h.offer = Some((
        Offer {
            discount: 0.2,
            valid_days: 7,
        },
        7,
    ));
    h.points = 600.0;
    let who = visitor(&world, 0, Some(0.2), &policy);
    let mut out = DayOutput::default();
    let mut rng = crate::rng::stream(1, 0, 0, Purpose::Visit, 0);
    world.checkout(&ctx, &who, &mut state, false, &mut rng, &mut out);

    // By hand: the code takes 20% off every line, the reward 5.00 off the order.
    let paid_a = 0.8 * a.list_price;
    let paid_b = 0.8 * 0.9 * b.list_price;
    let total = 2.0 * paid_a + paid_b - 5.0;
    // Points earned on what was paid are booked at their value at once (1% here); the
    // redeemed reward was booked when its points were earned, so it costs nothing more.
    let earned = total * 1.0;
    let margin = 2.0 * (paid_a - a.unit_cost) + (paid_b - b.unit_cost) - earned * 0.01;
    let discounts = 5.0 + 2.0 * (a.list_price - paid_a) + (b.list_price - paid_b);
    let c = &out.counts;
    assert_eq!((c.orders, c.units, c.carts, c.abandoned), (1, 3, 1, 0));
    let close = |x: f64, y: f64| (x - y).abs() < 1e-9 * y.abs().max(1.0);
    assert!(close(c.revenue, total), "revenue {} ≠ {total}", c.revenue);
    assert!(
        close(c.gross_margin, margin),
        "margin {} ≠ {margin}",
        c.gross_margin
    );
    assert!(
        close(c.discounts, discounts),
        "discounts {} ≠ {discounts}",
        c.discounts
    );
    let h = &state.history;
    assert!(close(h.revenue, total) && close(h.margin, margin));
    assert!(
        close(h.points, 600.0 - 500.0 + earned),
        "points {}",
        h.points
    );
    assert_eq!(
        (h.offer, h.offers_redeemed, c.offers_redeemed),
        (None, 1, 1)
    );
    assert!(h.cart.is_empty());

    // The newsletter of day 0 goes out by email and by SMS: both are paid from the margin.
    let before = state.history.margin;
    let mut out = DayOutput::default();
    let key = world.streams.subject(0);
    world.send_messages(&ctx, 0, key, &mut state, &mut out);
    let c = &out.counts;
    assert_eq!((c.messages, c.emails, c.sms, c.orders), (2, 1, 1, 0));
    assert!(close(c.message_cost, 0.002 + 0.01));
    assert!(close(state.history.margin, before - 0.012));
    assert_eq!(
        c.gross_margin, 0.0,
        "message costs are counted apart from the gross margin"
    );
}

#[test]
fn a_cart_without_code_or_programme_earns_price_less_cost() {
    let world = world();
    let policy = Stub {
        price_factor: 1.0,
        loyalty: None,
    };
    let ctx = DayContext::new(&world, shop(&world), &policy);
    let a = world.catalog.product(5);
    let mut state = ShopperState::default();
    state.history.cart = vec![CartLine {
        product: a.id,
        quantity: 3,
        price: 1.1 * a.list_price,
    }];
    let who = visitor(&world, 1, None, &policy);
    let mut out = DayOutput::default();
    let mut rng = crate::rng::stream(1, 1, 0, Purpose::Visit, 0);
    world.checkout(&ctx, &who, &mut state, false, &mut rng, &mut out);
    let c = &out.counts;
    assert_eq!(c.orders, 1);
    assert!((c.revenue - 3.3 * a.list_price).abs() < 1e-9);
    assert!((c.gross_margin - 3.0 * (1.1 * a.list_price - a.unit_cost)).abs() < 1e-9);
    // Above list price: no discount.
    assert_eq!(c.discounts, 0.0);
}

/// Clicks on `product` by shopper `id` over `n` independent examinations (each with its
/// own stream), with a code `code` held and `intent` raised.
fn clicks(
    world: &World,
    policy: &Stub,
    id: u32,
    product: ProductId,
    code: Option<f64>,
    intent: f64,
    n: u32,
) -> u64 {
    let ctx = DayContext::new(world, shop(world), policy);
    let who = Visitor {
        intent,
        ..visitor(world, id, code, policy)
    };
    let key = world.streams.subject(u64::from(id));
    let mut out = DayOutput::default();
    for i in 0..n {
        let mut state = ShopperState::default();
        let mut funnel = Funnel {
            rng: key.stream(0, Purpose::Visit, i),
            experience: Default::default(),
        };
        world.consider(&ctx, &who, &mut state, product, &mut funnel, &mut out);
    }
    out.counts.clicks
}

#[test]
fn clicks_follow_the_price_and_intent_terms() {
    // σ(a·u·v + q − β·ln(seen price / reference price) + intent + c), by hand from the
    // shopper's and product's hidden values, against the share of examinations clicked.
    let world = world();
    let (id, product) = (2, 17);
    let traits = world.population.traits(id);
    let info = world.catalog.product(product);
    let reference = world.catalog.categories()[info.category as usize].reference_price;
    let taste: f64 = world
        .population
        .taste(id)
        .iter()
        .zip(world.catalog.latent(product))
        .map(|(u, v)| f64::from(u * v))
        .sum();
    let p = &world.params;
    let beta = f64::from(traits.price_sensitivity);
    let expected = |seen: f64, intent: f64| {
        sigmoid(
            p.preference_strength * taste + world.catalog.quality(product)
                - beta * (seen / reference).ln()
                + intent
                + p.click_intercept,
        )
    };
    let loyalty = Loyalty {
        points_per_dollar: 2.0,
        point_value: 0.025,
        reward_points: 0.0,
    };
    let list = info.list_price;
    let cases = [
        ("list price", 1.0, None, None, 0.0, list),
        (
            "half again the list price",
            1.5,
            None,
            None,
            0.0,
            1.5 * list,
        ),
        ("a 30% code", 1.0, Some(0.3), None, 0.0, 0.7 * list),
        (
            "5% back in points",
            1.0,
            None,
            Some(loyalty),
            0.0,
            0.95 * list,
        ),
        ("raised intent", 1.0, None, None, 1.2, list),
    ];
    let n = 200_000;
    let mut shares = Vec::new();
    for (what, factor, code, loyalty, intent, seen) in cases {
        let policy = Stub {
            price_factor: factor,
            loyalty,
        };
        let share = clicks(&world, &policy, id, product, code, intent, n) as f64 / f64::from(n);
        let want = expected(seen, intent);
        let se = (want * (1.0 - want) / f64::from(n)).sqrt();
        assert!(
            (share - want).abs() < 4.5 * se,
            "{what}: clicked {share:.4}, expected {want:.4} ± {se:.4}"
        );
        shares.push(share);
    }
    // The terms move the probability by far more than the sampling error.
    assert!(shares[1] < shares[0] - 0.005 && shares[2] > shares[0] + 0.005);
    assert!(
        shares[3] > shares[0] && shares[4] > shares[0] + 0.05,
        "{shares:?}"
    );
    assert!(beta > 0.3, "a price-sensitive shopper: β = {beta}");
}
