//! `send-time`: each shopper's messages at the hour they are most likely to read them.

use std::f64::consts::TAU;

use rand::Rng;
use rand_distr::{Beta, Distribution};

use super::{ChannelRule, EmailTiming, FrequencyCap, CAP, CHANNEL};
use crate::rng::{stream, Purpose, SimRng};
use crate::strategy::guests::Guests;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::world::{DayLog, Due, EventKind, EventMask, Message, Shop, ShopperId, ShopperView};

pub(super) const ENTRY: Entry<dyn EmailTiming> = Entry {
    info: StrategyInfo {
        family: Family::Email,
        name: "send-time",
        learns: true,
        summary: "each shopper's messages at the hour their own visits and opens point to, shrunk toward the arm's typical hour where they are few; Thompson sampling over the hours' open rates for shoppers with none",
        params: &[
            Param::integer("min_observations", 1.0, 1.0, 100.0, "visits and opens a shopper needs before their own hour is estimated"),
            Param::number("open_weight", 0.5, 0.0, 1.0, "weight of an opened message's hour against a visit's (the shop chose that hour, so it says less)"),
            CAP,
            CHANNEL,
        ],
    },
    build: |spec, ctx| Box::new(SendTime::new(spec, ctx)),
};

/// Hours in a day.
const HOURS: usize = 24;

/// Radians per hour on the 24-hour clock.
const RAD_PER_HOUR: f64 = TAU / HOURS as f64;

/// Where a shopper's activity falls on the 24-hour clock: a weighted sum of unit vectors,
/// one per observed visit or open at its hour, whose direction is their typical hour.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Clock {
    x: f32,
    y: f32,
    /// Sum of the weights, and of their squares.
    n: f32,
    n2: f32,
}

impl Clock {
    fn add(&mut self, hour: u8, weight: f32) {
        // Hours are recorded by their centre, so the mean is a time of day.
        let angle = (f64::from(hour) + 0.5) * RAD_PER_HOUR;
        self.x += weight * angle.cos() as f32;
        self.y += weight * angle.sin() as f32;
        self.n += weight;
        self.n2 += weight * weight;
    }

    /// Length of the resultant vector.
    fn length(&self) -> f64 {
        f64::from(self.x).hypot(f64::from(self.y))
    }

    /// The circular mean, in hours.
    fn mean(&self) -> f64 {
        f64::from(self.y).atan2(f64::from(self.x)).rem_euclid(TAU) / RAD_PER_HOUR
    }
}

/// What the arm's clocks say together: the typical hour, how far shoppers' own hours spread
/// around it, and how far one shopper's visits spread around their own hour.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pool {
    mean: f64,
    between: f64,
    within: f64,
}

impl Pool {
    /// Before there is enough data to pool: each shopper's own mean, unshrunk.
    const UNPOOLED: Pool = Pool {
        mean: 0.0,
        between: f64::INFINITY,
        within: 1.0,
    };

    /// Estimates from every clock, taking hours as wrapped normal: a mean resultant length
    /// ρ means a variance of −2 ln ρ (radians²). A shopper's resultant overstates their ρ by
    /// the weight of each observation on itself, which `n2` removes; variances of the spread
    /// between shoppers and within one add up to the spread of all observations.
    fn estimate<'a>(clocks: impl Iterator<Item = &'a Clock>) -> Pool {
        let (mut all, mut cross, mut pairs) = (Clock::default(), 0.0, 0.0);
        for c in clocks {
            all.x += c.x;
            all.y += c.y;
            all.n += c.n;
            let length = c.length();
            cross += length * length - f64::from(c.n2);
            pairs += f64::from(c.n) * f64::from(c.n) - f64::from(c.n2);
        }
        if pairs < 10.0 || cross <= 0.0 || all.n < 10.0 {
            return Pool::UNPOOLED;
        }
        let to_hours = 1.0 / (RAD_PER_HOUR * RAD_PER_HOUR);
        let total = -2.0 * (all.length() / f64::from(all.n)).ln() * to_hours;
        let within = (-(cross / pairs).min(1.0).ln() * to_hours).max(0.25);
        Pool {
            mean: all.mean(),
            between: (total - within).max(0.25),
            within,
        }
    }

    /// A shopper's hour: their own mean, pulled toward the arm's by how little data they
    /// have (the posterior mean of a normal model, on the circle).
    fn hour_of(&self, c: &Clock) -> u8 {
        let own = (c.mean() - self.mean + 12.0).rem_euclid(24.0) - 12.0;
        let weight = f64::from(c.n) / self.within;
        let shrunk = self.mean + own * weight / (weight + 1.0 / self.between);
        (shrunk.round().rem_euclid(24.0) as usize % HOURS) as u8
    }
}

/// Learns each shopper's hour from the hours of their visits (those they started themselves,
/// not those a message started) and, with less weight, of the messages they opened. With few
/// observations their own mean is shrunk toward the arm's typical hour, by the spreads the
/// arm's data show (partial pooling); a shopper with none explores: Thompson sampling over
/// the 24 hours' open rates across the arm.
///
/// A guest, a shopper served but never learned from, gets a clock and a frequency cap as a
/// learner does, and their hour is found from it the same way, so a guest is messaged
/// exactly as a learner with the same visits and opens would be; guests' clocks stay out of
/// the arm's typical hour and spreads, and their messages out of the hours' open rates.
#[derive(Debug, Clone, PartialEq)]
pub struct SendTime {
    min_obs: f32,
    open_weight: f32,
    channel: ChannelRule,
    cap: FrequencyCap,
    clocks: Vec<Clock>,
    /// Shoppers whose clocks are kept for serving only.
    guests: Guests,
    pool: Pool,
    sent: [f64; HOURS],
    opened: [f64; HOURS],
    seed: u64,
    /// Today's Thompson draws of the best hour, for shoppers with no history (drawn nightly,
    /// so a shopper's message costs one random pick, not 24 Beta draws).
    explore: [u8; EXPLORE_DRAWS],
}

/// Thompson draws of the best hour made each night.
const EXPLORE_DRAWS: usize = 4 * HOURS;

impl SendTime {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        SendTime {
            min_obs: spec.param("min_observations") as f32,
            open_weight: spec.param("open_weight") as f32,
            channel: ChannelRule::from_spec(spec),
            cap: FrequencyCap::from_spec(spec, ctx.population),
            clocks: vec![Clock::default(); ctx.population as usize],
            guests: Guests::new(ctx.population),
            pool: Pool::UNPOOLED,
            sent: [0.0; HOURS],
            opened: [0.0; HOURS],
            seed: ctx.seed,
            // Before any message, every hour in turn: Thompson sampling from flat priors
            // would leave some hours untried by chance and then chase them.
            explore: std::array::from_fn(|i| (i % HOURS) as u8),
        }
    }

    /// The hour to message `shopper`, once their own history says something.
    pub fn personal_hour(&self, shopper: ShopperId) -> Option<u8> {
        self.clocks
            .get(shopper as usize)
            .filter(|c| c.n >= self.min_obs && c.n > 0.0)
            .map(|c| self.pool.hour_of(c))
    }

    /// Draws tomorrow's exploration hours: each is the best hour of one Thompson sample of
    /// the arm's open rates per hour.
    fn draw_explore(&mut self, day: u32) {
        let mut rng = stream(self.seed, u64::MAX, day, Purpose::Nightly, 0);
        for slot in self.explore.iter_mut() {
            let mut best = (f64::NEG_INFINITY, 0);
            for h in 0..HOURS {
                let (a, b) = (1.0 + self.opened[h], 1.0 + self.sent[h] - self.opened[h]);
                let draw = Beta::new(a, b.max(1e-3)).map_or(a / (a + b), |d| d.sample(&mut rng));
                if draw > best.0 {
                    best = (draw, h);
                }
            }
            *slot = best.1 as u8;
        }
    }

    /// An exploration hour: one of the day's Thompson draws, picked at random.
    fn explore(&self, rng: &mut SimRng) -> u8 {
        self.explore[rng.random_range(0..self.explore.len())]
    }

    /// Adds the visits and opens of `log` to its shoppers' clocks, and, unless they are
    /// guests, its messages and opens to the hours' open rates.
    fn observe(&mut self, log: &DayLog, guests: bool) {
        // A click starts a visit at once, so the visit right after a click is the message's,
        // at the hour the shop chose: it says nothing about the shopper's own hour.
        let mut clicked: Option<(ShopperId, u8)> = None;
        for e in log.events() {
            let h = (e.hour as usize) % HOURS;
            if guests {
                self.guests.insert(e.shopper);
            }
            let clock = self.clocks.get_mut(e.shopper as usize);
            match e.kind {
                EventKind::MessageSent if !guests => self.sent[h] += 1.0,
                EventKind::MessageOpened => {
                    if !guests {
                        self.opened[h] += 1.0;
                    }
                    if let Some(c) = clock {
                        c.add(e.hour, self.open_weight);
                    }
                }
                EventKind::MessageClicked => clicked = Some((e.shopper, e.hour)),
                EventKind::Visit => {
                    let from_message = clicked.take() == Some((e.shopper, e.hour));
                    if let (false, Some(c)) = (from_message, clock) {
                        c.add(e.hour, 1.0);
                    }
                }
                _ => {}
            }
        }
    }

    /// The learners' clocks.
    fn learners(&self) -> impl Iterator<Item = &Clock> {
        self.clocks
            .iter()
            .enumerate()
            .filter(|(s, _)| !self.guests.contains(*s as ShopperId))
            .map(|(_, c)| c)
    }

    fn best_hour(&self) -> (u8, f64) {
        (0..HOURS)
            .map(|h| (h as u8, (1.0 + self.opened[h]) / (2.0 + self.sent[h])))
            .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a })
    }
}

impl EmailTiming for SendTime {
    fn name(&self) -> &'static str {
        "send-time"
    }

    fn schedule(
        &self,
        shop: &Shop,
        shopper: &ShopperView,
        due: &[Due],
        rng: &mut SimRng,
        out: &mut Vec<Message>,
    ) {
        if due.is_empty() {
            return;
        }
        let hour = self
            .personal_hour(shopper.id)
            .unwrap_or_else(|| self.explore(rng));
        let from = out.len();
        out.extend(due.iter().map(|d| Message {
            campaign: d.campaign,
            channel: self.channel.channel(d.campaign),
            hour,
            offer: d.offer,
        }));
        self.cap.apply(shopper.id, shop.day, out, from);
    }

    fn observes(&self) -> EventMask {
        EventKind::Visit
            .bit()
            .with(EventKind::MessageSent.bit())
            .with(EventKind::MessageOpened.bit())
            .with(EventKind::MessageClicked.bit())
            .with(self.cap.observes())
    }

    fn learn(&mut self, _: &Shop, log: &DayLog) {
        self.cap.learn(log);
        self.observe(log, false);
        self.pool = Pool::estimate(self.learners());
        self.draw_explore(log.day + 1);
    }

    fn remember(&mut self, _: &Shop, log: &DayLog) {
        self.cap.learn(log);
        self.observe(log, true);
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        let personal = self
            .learners()
            .filter(|c| c.n >= self.min_obs && c.n > 0.0)
            .count();
        let p = self.pool;
        let mut lines = vec![format!(
            "{personal} shoppers have an hour of their own; the arm's typical hour is {:.1}h, shoppers' hours spread ±{:.1}h around it and one shopper's visits ±{:.1}h",
            p.mean,
            p.between.sqrt(),
            p.within.sqrt()
        )];
        if self.sent.iter().sum::<f64>() > 0.0 {
            let (best, rate) = self.best_hour();
            lines.push(format!(
                "best hour across the arm so far: {best}:00, {:.1}% opened",
                100.0 * rate
            ));
        }
        lines
    }
}
