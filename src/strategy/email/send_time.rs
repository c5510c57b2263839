//! `send-time`: each shopper's messages at the hour they are most likely to read them.

use rand_distr::{Beta, Distribution};

use super::{ChannelRule, Due, EmailTiming, FrequencyCap, Message, CAP, CHANNEL};
use crate::rng::SimRng;
use crate::strategy::registry::{BuildContext, Entry, Family, Param, StrategyInfo, StrategySpec};
use crate::strategy::Shop;
use crate::world::{DayLog, EventKind, EventMask, ShopperId, ShopperView};

pub(super) const ENTRY: Entry<dyn EmailTiming> = Entry {
    info: StrategyInfo {
        family: Family::Email,
        name: "send-time",
        summary: "each shopper's messages at the hour their own visits and opens point to; where history is thin, Thompson sampling over the hours' open rates",
        params: &[
            Param::integer("min_observations", 3.0, 1.0, 100.0, "visits and opens a shopper needs before their own hour is used"),
            CAP,
            CHANNEL,
        ],
    },
    build: |spec, ctx| Box::new(SendTime::new(spec, ctx)),
};

/// Hours in a day.
const HOURS: usize = 24;

/// Where a shopper's activity falls on the 24-hour clock: a sum of unit vectors, one per
/// observed visit or open at its hour, whose direction is their typical hour.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Clock {
    x: f32,
    y: f32,
    n: u32,
}

impl Clock {
    fn add(&mut self, hour: u8) {
        let angle = std::f32::consts::TAU * (f32::from(hour) + 0.5) / HOURS as f32;
        self.x += angle.cos();
        self.y += angle.sin();
        self.n += 1;
    }

    /// The circular mean hour.
    fn hour(&self) -> u8 {
        let angle = self.y.atan2(self.x).rem_euclid(std::f32::consts::TAU);
        ((angle / std::f32::consts::TAU * HOURS as f32).floor() as usize % HOURS) as u8
    }
}

/// Learns each shopper's hour from the hours of their visits (those they started themselves,
/// not those a message started) and of the messages they opened: the circular mean of those
/// hours, once there are `min_observations` of them. Until then it explores: Thompson
/// sampling over the 24 hours' open rates across the arm, so new shoppers get the hours that
/// work for most and the rates stay honest.
#[derive(Debug, Clone, PartialEq)]
pub struct SendTime {
    min_obs: u32,
    channel: ChannelRule,
    cap: FrequencyCap,
    clocks: Vec<Clock>,
    sent: [f64; HOURS],
    opened: [f64; HOURS],
}

impl SendTime {
    /// Builds the strategy with no history.
    pub fn new(spec: &StrategySpec, ctx: &BuildContext) -> Self {
        SendTime {
            min_obs: spec.param("min_observations") as u32,
            channel: ChannelRule::from_spec(spec),
            cap: FrequencyCap::from_spec(spec, ctx.population),
            clocks: vec![Clock::default(); ctx.population as usize],
            sent: [0.0; HOURS],
            opened: [0.0; HOURS],
        }
    }

    /// The hour to message `shopper`, if their own history is rich enough.
    pub fn personal_hour(&self, shopper: ShopperId) -> Option<u8> {
        self.clocks
            .get(shopper as usize)
            .filter(|c| c.n >= self.min_obs)
            .map(Clock::hour)
    }

    /// An hour drawn by Thompson sampling from the arm's open rates per hour.
    fn explore(&self, rng: &mut SimRng) -> u8 {
        let mut best = (f64::NEG_INFINITY, 0);
        for h in 0..HOURS {
            let (a, b) = (1.0 + self.opened[h], 1.0 + self.sent[h] - self.opened[h]);
            let draw = Beta::new(a, b.max(1e-3)).map_or(a / (a + b), |d| d.sample(rng));
            if draw > best.0 {
                best = (draw, h);
            }
        }
        best.1 as u8
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
        // A click starts a visit at once, so the visit right after a click is the message's,
        // at the hour the shop chose: it says nothing about the shopper's own hour.
        let mut clicked: Option<(ShopperId, u8)> = None;
        for e in &log.events {
            let h = (e.hour as usize) % HOURS;
            match e.kind {
                EventKind::MessageSent => self.sent[h] += 1.0,
                EventKind::MessageOpened => {
                    self.opened[h] += 1.0;
                    if let Some(c) = self.clocks.get_mut(e.shopper as usize) {
                        c.add(e.hour);
                    }
                }
                EventKind::MessageClicked => clicked = Some((e.shopper, e.hour)),
                EventKind::Visit => {
                    let from_message = clicked.take() == Some((e.shopper, e.hour));
                    if let (false, Some(c)) =
                        (from_message, self.clocks.get_mut(e.shopper as usize))
                    {
                        c.add(e.hour);
                    }
                }
                _ => {}
            }
        }
    }

    fn insights(&self, _: &Shop) -> Vec<String> {
        let personal = self.clocks.iter().filter(|c| c.n >= self.min_obs).count();
        let mut by_hour = [0usize; HOURS];
        for c in self.clocks.iter().filter(|c| c.n >= self.min_obs) {
            by_hour[c.hour() as usize] += 1;
        }
        let peak = (0..HOURS)
            .max_by_key(|&h| (by_hour[h], HOURS - h))
            .unwrap_or(0);
        let (best, rate) = self.best_hour();
        let sent: f64 = self.sent.iter().sum();
        let mut lines = vec![format!(
            "{personal} shoppers have a learned hour (most common {peak}:00); the rest explore"
        )];
        if sent > 0.0 {
            lines.push(format!(
                "best hour across the arm so far: {best}:00, {:.1}% opened",
                100.0 * rate
            ));
        }
        lines
    }
}
