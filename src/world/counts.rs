//! What the world tallies as it simulates: event counts and money sums, per day and arm.
//! Sums merge by addition, in a fixed order, so totals do not depend on the thread count.

use serde::Serialize;

macro_rules! counts {
    ($($(#[$doc:meta])* $field:ident : $ty:ty),* $(,)?) => {
        /// Event counts and money sums of an arm, for a day or a whole run.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
        pub struct Counts {
            $($(#[$doc])* pub $field: $ty,)*
        }

        impl Counts {
            /// Adds another accumulator into this one.
            pub fn merge(&mut self, other: &Counts) {
                $(self.$field += other.$field;)*
            }
        }
    };
}

counts! {
    /// Visits, from any source.
    visits: u64,
    /// Visits started by a message click.
    message_visits: u64,
    /// Slate impressions.
    impressions: u64,
    /// Products seen through search.
    organic_views: u64,
    /// Product clicks.
    clicks: u64,
    /// Checkouts reached with a non-empty cart.
    carts: u64,
    /// Orders.
    orders: u64,
    /// Units sold.
    units: u64,
    /// Revenue.
    revenue: f64,
    /// Gross margin after discounts and loyalty points earned, before message costs.
    gross_margin: f64,
    /// Discounts given (list price minus price paid).
    discounts: f64,
    /// Checkouts abandoned.
    abandoned: u64,
    /// Orders that bought a cart abandoned on an earlier day.
    recovered_carts: u64,
    /// Messages sent.
    messages: u64,
    /// Emails sent.
    emails: u64,
    /// SMS sent.
    sms: u64,
    /// Messages opened.
    opens: u64,
    /// Messages clicked.
    message_clicks: u64,
    /// Unsubscribes.
    unsubscribes: u64,
    /// Cost of messages sent.
    message_cost: f64,
    /// Offers delivered: retention offers in an opened message, promo codes shown on site.
    offers_delivered: u64,
    /// Offers redeemed in an order.
    offers_redeemed: u64,
    /// Shoppers who lapsed (ground truth; the shop does not see this).
    lapses: u64,
    /// Lapsed shoppers who came back.
    returns: u64,
}
