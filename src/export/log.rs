//! The logs that stream while a run goes: `transactions` (every order) and `events` (every
//! impression). The engine hands each arm's day to [`Log`] as the world recorded it; rows
//! go to disk a row group at a time, so a run's orders and impressions are never all in
//! memory.

use std::path::Path;
use std::sync::Arc;

use crate::columns::record;
use crate::world::{DayOutput, Recorder, Recording};

use super::parquet::Table;
use super::{ExportError, Options};

/// Rows gathered before a row group is written at the end of a day: whole days together
/// in groups of a useful size.
const GROUP_ROWS: usize = 128 * 1024;
/// Rows after which a group is written even in the middle of a day, bounding the memory a
/// huge day takes.
const MAX_GROUP_ROWS: usize = 1024 * 1024;

record! {
    /// An order.
    #[derive(Debug, Clone, PartialEq)]
    pub struct TransactionRow {
        /// Shopper id.
        pub shopper: u32,
        /// Arm name.
        pub arm: Arc<str>,
        /// Day of the order (0 is the first day).
        pub day: u32,
        /// Hour of day (0–23).
        pub hour: u8,
        /// What the shopper paid, after codes and loyalty rewards.
        pub revenue: f64,
        /// Revenue less unit costs and the loyalty points earned.
        pub margin: f64,
        /// Units bought.
        pub units: u32,
        /// Distinct products bought.
        pub lines: u16,
    }
}

record! {
    /// An impression: a product shown in a slate or on the cart page, what the shopper did
    /// with it, and the probabilities behind it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct EventRow {
        /// Day (0 is the first day).
        pub day: u32,
        /// Hour of day (0–23).
        pub hour: u8,
        /// Shopper id.
        pub shopper: u32,
        /// Arm name.
        pub arm: Arc<str>,
        /// The visit's number that day; (day, shopper, visit) is one slate.
        pub visit: u32,
        /// Rank in the slate (or in the cross-sell list), 0 for the first.
        pub position: u8,
        /// Shown on the cart page rather than in the slate.
        pub cross_sell: bool,
        /// Product id (see the `products` table).
        pub product: u32,
        /// The unit price offered.
        pub price: f64,
        /// The shopper looked at it.
        pub examined: bool,
        /// The shopper clicked it.
        pub clicked: bool,
        /// The shopper put it in the cart from here.
        pub carted: bool,
        /// Carted from here and bought at this visit's checkout.
        pub bought: bool,
        /// The logging policy's probability of this product at this position, where it is
        /// stochastic and can say.
        pub propensity: Option<f64>,
        /// Ground truth: the probability that the shopper looks at this position.
        pub examine_probability: f64,
        /// Ground truth: the probability of a click once the shopper looks.
        pub click_probability: f64,
    }
}

/// The streaming logs, and the first error met while the engine was handing them a day.
pub(super) struct Log {
    arms: Vec<Arc<str>>,
    recording: Recording,
    transactions: Table,
    events: Option<Table>,
    failed: Option<ExportError>,
}

impl Log {
    pub fn create(
        dir: &Path,
        arms: Vec<Arc<str>>,
        options: Options,
        metadata: &[(&str, String)],
    ) -> Result<Self, ExportError> {
        let transactions = Table::of::<TransactionRow>(dir, "transactions", metadata)?;
        let events = options
            .events
            .then(|| Table::of::<EventRow>(dir, "events", metadata))
            .transpose()?;
        Ok(Log {
            arms,
            recording: Recording {
                orders: true,
                impressions: options.events,
            },
            transactions,
            events,
            failed: None,
        })
    }

    fn write(&mut self, arm: usize, parts: &[DayOutput]) -> Result<(), ExportError> {
        let name = &self.arms[arm];
        for part in parts {
            for o in &part.records.orders {
                self.transactions.push(&TransactionRow {
                    shopper: o.shopper,
                    arm: name.clone(),
                    day: o.day,
                    hour: o.hour,
                    revenue: o.revenue,
                    margin: o.margin,
                    units: o.units,
                    lines: o.lines,
                })?;
            }
            let Some(events) = &mut self.events else {
                continue;
            };
            for i in &part.records.impressions {
                events.push(&EventRow {
                    day: i.day,
                    hour: i.hour,
                    shopper: i.shopper,
                    arm: name.clone(),
                    visit: i.visit,
                    position: i.position,
                    cross_sell: i.cross_sell,
                    product: i.product,
                    price: i.price,
                    examined: i.examined,
                    clicked: i.clicked,
                    carted: i.carted,
                    bought: i.bought,
                    propensity: i.propensity,
                    examine_probability: i.examine_probability,
                    click_probability: i.click_probability,
                })?;
            }
            if events.pending() >= MAX_GROUP_ROWS {
                events.flush()?;
            }
        }
        if self.transactions.pending() >= MAX_GROUP_ROWS {
            self.transactions.flush()?;
        }
        Ok(())
    }

    /// After a day: reports a failure met during it, and writes a row group of each log
    /// that has gathered enough rows.
    pub fn end_of_day(&mut self) -> Result<(), ExportError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        for table in std::iter::once(&mut self.transactions).chain(&mut self.events) {
            if table.pending() >= GROUP_ROWS {
                table.flush()?;
            }
        }
        Ok(())
    }

    /// The logs, to be finished with the other tables.
    pub fn into_tables(self) -> impl Iterator<Item = Table> {
        std::iter::once(self.transactions).chain(self.events)
    }
}

impl Recorder for Log {
    fn recording(&self) -> Recording {
        self.recording
    }

    fn record(&mut self, arm: usize, parts: &[DayOutput]) {
        if self.failed.is_none() {
            self.failed = self.write(arm, parts).err();
        }
    }
}
