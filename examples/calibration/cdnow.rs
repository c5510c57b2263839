//! Repeat purchases in the CDNOW design (Fader, Hardie & Lee 2005): the default experiment
//! run for 546 days (78 weeks), and the cohort of shoppers whose first order falls in days
//! 0–89 (CDNOW's first quarter). The share of one-time buyers is counted here and BG/NBD is
//! fitted with the lab's own fitter; the transaction table written beside lets `bgnbd.py`
//! (Python `lifetimes`) check that fit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use shoplab::stats::clv::{fit_bg_nbd, BgNbdParams, CustomerSummary};
use shoplab::world::ShopperId;
use shoplab::Engine;

use crate::measure::{Base, DEFAULT_ARMS};

/// Days of the run: CDNOW's 78 weeks.
pub const DAYS: u32 = 546;
/// The cohort: shoppers whose first order falls before this day.
pub const COHORT_DAYS: u32 = 90;

/// One arm's cohort.
pub struct Repeat {
    pub arm: String,
    /// Shoppers in the cohort.
    pub cohort: usize,
    /// Share of the cohort that never orders again (on another day) within the run.
    pub one_time: f64,
    /// BG/NBD fitted to the cohort in weeks, or why it could not be.
    pub fit: Result<BgNbdParams, String>,
}

/// One shopper's order days: the first, the last, how many, and the revenue of all but the
/// first.
struct OrderDays {
    first: u32,
    last: u32,
    days: u32,
    repeat_revenue: f64,
}

impl OrderDays {
    /// The CDNOW summary in weeks: repeat order days, the last one's time since the first,
    /// and the time from the first to the end of the run.
    fn summary(&self) -> Result<CustomerSummary, String> {
        let weeks = |days: u32| f64::from(days) / 7.0;
        let repeats = self.days - 1;
        let mean_value = if repeats > 0 {
            self.repeat_revenue / f64::from(repeats)
        } else {
            0.0
        };
        CustomerSummary::new(
            repeats,
            weeks(self.last - self.first),
            weeks(DAYS - self.first),
            mean_value.max(0.0),
        )
        .map_err(|e| e.to_string())
    }
}

/// A shopper's orders on one day: a row of the transaction table.
#[derive(Serialize)]
struct Transaction<'a> {
    seed: u64,
    arm: &'a str,
    shopper: ShopperId,
    day: u32,
    orders: u32,
    revenue: f64,
}

/// Runs the design on `seed`, writes its transaction table into `out` and returns each arm's
/// cohort with the table's path.
pub fn run(base: &Base, seed: u64, out: &Path) -> Result<(Vec<Repeat>, PathBuf), String> {
    let scenario = base.scenario(seed, DEFAULT_ARMS, Some(DAYS), false);
    let names: Vec<String> = scenario.arms.iter().map(|a| a.name.clone()).collect();
    let mut engine = Engine::new(scenario);
    // What each shopper had ordered and spent by the end of the previous day.
    let mut before: Vec<Vec<(u32, f64)>> = (0..names.len())
        .map(|arm| engine.histories(arm).map(|_| (0, 0.0)).collect())
        .collect();
    let mut table: Vec<Vec<(ShopperId, u32, u32, f64)>> = vec![Vec::new(); names.len()];
    while !engine.finished() {
        let day = engine.day();
        engine.step();
        for (arm, before) in before.iter_mut().enumerate() {
            for ((id, h), last) in engine.histories(arm).zip(before.iter_mut()) {
                if h.orders > last.0 {
                    table[arm].push((id, day, h.orders - last.0, h.revenue - last.1));
                    *last = (h.orders, h.revenue);
                }
            }
        }
    }

    std::fs::create_dir_all(out)
        .map_err(|e| format!("{}: cannot create the folder: {e}", out.display()))?;
    let path = out.join(format!("transactions-seed{seed}.csv"));
    let cannot_write = |e: &dyn std::fmt::Display| format!("{}: cannot write: {e}", path.display());
    let mut csv = csv::Writer::from_path(&path).map_err(|e| cannot_write(&e))?;
    for (name, rows) in names.iter().zip(&table) {
        for &(shopper, day, orders, revenue) in rows {
            let row = Transaction {
                seed,
                arm: name,
                shopper,
                day,
                orders,
                revenue,
            };
            csv.serialize(row).map_err(|e| cannot_write(&e))?;
        }
    }
    csv.flush().map_err(|e| cannot_write(&e))?;

    let repeats = names
        .iter()
        .zip(&table)
        .map(|(name, rows)| {
            // Rows come in day order: a shopper's first row is their first order.
            let mut shoppers: BTreeMap<ShopperId, OrderDays> = BTreeMap::new();
            for &(id, day, _, revenue) in rows {
                shoppers
                    .entry(id)
                    .and_modify(|o| {
                        o.last = day;
                        o.days += 1;
                        o.repeat_revenue += revenue;
                    })
                    .or_insert(OrderDays {
                        first: day,
                        last: day,
                        days: 1,
                        repeat_revenue: 0.0,
                    });
            }
            let cohort: Vec<&OrderDays> = shoppers
                .values()
                .filter(|o| o.first < COHORT_DAYS)
                .collect();
            let once = cohort.iter().filter(|o| o.days == 1).count();
            let fit = cohort
                .iter()
                .map(|o| o.summary())
                .collect::<Result<Vec<_>, _>>()
                .and_then(|summaries| fit_bg_nbd(&summaries).map_err(|e| e.to_string()))
                .map(|fit| fit.params);
            Repeat {
                arm: name.clone(),
                cohort: cohort.len(),
                one_time: once as f64 / cohort.len().max(1) as f64,
                fit,
            }
        })
        .collect();
    Ok((repeats, path))
}
