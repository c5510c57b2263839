//! Messages: newsletters and offers, timed by the arm's strategy; opens depend on the hour,
//! fatigue and the shopper's responsiveness; a click starts a visit with raised intent.

use rand::Rng;

use super::day::DayContext;
use super::events::{Campaign, Channel, EventKind};
use super::output::DayOutput;
use super::policy::{Due, Policy};
use super::shopper::{ShopperId, ShopperState};
use super::visit::Visit;
use super::{sigmoid, World};
use crate::rng::{Purpose, SubjectKey};

/// SMS is read more readily than email (a fixed property of the channel, not a strategy's).
const SMS_OPEN_FACTOR: f64 = 1.8;
/// A lapsed shopper still receives messages but rarely reads them.
const LAPSED_OPEN_FACTOR: f64 = 0.3;

impl World {
    /// Sends today's messages to a subscribed shopper. Returns the number of visits started,
    /// so organic visits that day take the next visit indices.
    pub(in crate::world) fn send_messages<P: Policy + ?Sized>(
        &self,
        ctx: &DayContext<P>,
        id: ShopperId,
        key: SubjectKey,
        state: &mut ShopperState,
        out: &mut DayOutput,
    ) -> u32 {
        let day = ctx.shop.day;
        let p = &self.params;
        let mut rng = key.stream(day, Purpose::Email, 0);
        let mut srng = key.stream(day, Purpose::Strategy, u32::MAX);

        let mut due = std::mem::take(&mut out.due);
        let mut messages = std::mem::take(&mut out.messages);
        due.clear();
        messages.clear();
        if self.newsletter_day(day) {
            due.push(Due {
                campaign: Campaign::Newsletter,
                offer: None,
            });
        }
        let view = self.view(id, state);
        if let Some(offer) = ctx.policy.offer(&ctx.shop, &view, &mut srng) {
            due.push(Due {
                campaign: Campaign::Offer,
                offer: Some(offer),
            });
        }
        ctx.policy
            .schedule(&ctx.shop, &view, &due, &mut srng, &mut messages);
        messages.sort_by_key(|m| m.hour);

        let traits = self.population.traits(id);
        let mut visits = 0;
        for m in &messages {
            let hour = m.hour % 24;
            let cost = match m.channel {
                Channel::Email => {
                    out.counts.emails += 1;
                    self.per_email
                }
                Channel::Sms => {
                    out.counts.sms += 1;
                    self.per_sms
                }
            };
            let h = &mut state.history;
            out.counts.messages += 1;
            out.counts.message_cost += cost;
            h.messages += 1;
            h.margin -= cost;
            out.message(EventKind::MessageSent, hour, m, cost);

            let load = f64::from(state.hidden.message_load);
            state.hidden.message_load += 1.0;
            let distance = {
                let d = (f64::from(hour) - f64::from(traits.active_hour)).abs();
                d.min(24.0 - d)
            };
            let bump = (-0.5 * (distance / p.email_hour_width).powi(2)).exp();
            let mut p_open = f64::from(traits.email_responsiveness)
                * (p.email_off_hour_floor + (1.0 - p.email_off_hour_floor) * bump)
                / (1.0 + p.email_fatigue * load);
            if m.channel == Channel::Sms {
                p_open *= SMS_OPEN_FACTOR;
            }
            if !state.hidden.active {
                p_open *= LAPSED_OPEN_FACTOR;
            }
            let opened = rng.random::<f64>() < p_open.min(0.99);
            let clicked = opened && rng.random::<f64>() < p.email_click_rate;
            if rng.random::<f64>() < p.unsubscribe_rate * (1.0 + p.churn_spam_weight * load) {
                out.counts.unsubscribes += 1;
                state.history.subscribed = false;
                out.message(EventKind::Unsubscribe, hour, m, 0.0);
                break;
            }
            if !opened {
                continue;
            }
            out.counts.opens += 1;
            state.history.opens += 1;
            out.message(EventKind::MessageOpened, hour, m, 0.0);
            if let Some(offer) = m.offer {
                state.history.offer = Some((offer, day + offer.valid_days));
                out.counts.offers_delivered += 1;
            }
            if !clicked {
                continue;
            }
            out.counts.message_clicks += 1;
            state.history.message_clicks += 1;
            out.message(EventKind::MessageClicked, hour, m, 0.0);
            if !state.hidden.active {
                // A discount is worth more to a price-sensitive shopper: the same price term
                // as in the click utility decides whether the offer wins them back.
                let discount = m.offer.map_or(0.0, |o| o.discount.clamp(0.0, 0.95));
                let logit = (p.winback_rate / (1.0 - p.winback_rate)).ln()
                    + f64::from(traits.price_sensitivity) * (1.0 / (1.0 - discount)).ln();
                if rng.random::<f64>() >= sigmoid(logit) {
                    continue;
                }
                state.hidden.active = true;
                out.counts.returns += 1;
            }
            let to_cart = m.campaign == Campaign::CartReminder;
            let visit = Visit {
                hour,
                intent: p.email_intent,
                to_cart,
                index: visits,
            };
            self.visit(ctx, id, key, state, visit, out);
            visits += 1;
        }
        out.due = due;
        out.messages = messages;
        visits
    }
}
