//! The tables of who and what: `shoppers` (one row per shopper of the experiment, at the
//! end of the run) and `products` (the catalog's observable attributes, for joins).

use std::path::Path;
use std::sync::Arc;

use crate::columns::record;
use crate::experiment::Engine;

use super::parquet::Table;
use super::ExportError;

/// Shoppers gathered before a row group is written: the table never holds more.
const GROUP_ROWS: usize = 64 * 1024;

record! {
    /// A shopper at the end of the run: everything but `lapsed` is observable by the shop.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ShopperRow {
        /// Shopper id.
        pub shopper: u32,
        /// Arm name.
        pub arm: Arc<str>,
        /// Segment name, where the scenario makes the segment observable.
        pub segment: Option<Arc<str>>,
        /// Day of sign-up (0: a customer from the start).
        pub signup_day: u32,
        /// Visits.
        pub visits: u32,
        /// Orders.
        pub orders: u32,
        /// Revenue.
        pub revenue: f64,
        /// Margin after discounts, loyalty points and message costs.
        pub margin: f64,
        /// Day of the first order.
        pub first_order_day: Option<u32>,
        /// Day of the last order.
        pub last_order_day: Option<u32>,
        /// Day of the last visit.
        pub last_visit_day: Option<u32>,
        /// Carts abandoned at checkout.
        pub abandoned_carts: u32,
        /// Messages received.
        pub messages: u32,
        /// Still accepts messages.
        pub subscribed: bool,
        /// Ground truth: lapsed (churned) at the end, which the shop cannot see.
        pub lapsed: bool,
    }
}

record! {
    /// A product's observable attributes.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ProductRow {
        /// Product id.
        pub product: u32,
        /// Category name.
        pub category: Arc<str>,
        /// Brand id.
        pub brand: u16,
        /// List price.
        pub list_price: f64,
        /// Unit cost.
        pub unit_cost: f64,
        /// First day on sale.
        pub launch_day: u32,
    }
}

/// Writes the shoppers of `engine`'s experiment arms, arm by arm.
pub(super) fn write(
    dir: &Path,
    metadata: &[(&str, String)],
    engine: &Engine,
) -> Result<Table, ExportError> {
    let arms: Vec<Arc<str>> = engine
        .scenario()
        .arms
        .iter()
        .map(|a| a.name.as_str().into())
        .collect();
    let population = engine.world().population();
    let segments: Vec<Arc<str>> = population
        .segment_names()
        .iter()
        .map(|s| s.as_str().into())
        .collect();
    let mut table = Table::of::<ShopperRow>(dir, "shoppers", metadata)?;
    let mut result = Ok(());
    engine.for_each_shopper(|arm, id, state| {
        if result.is_err() {
            return;
        }
        let h = &state.history;
        let row = ShopperRow {
            shopper: id,
            arm: arms[arm].clone(),
            segment: population
                .observable_segment(id)
                .map(|s| segments[usize::from(s)].clone()),
            signup_day: population.profile(id).signup_day,
            visits: h.visits,
            orders: h.orders,
            revenue: h.revenue,
            margin: h.margin,
            first_order_day: h.first_order_day,
            last_order_day: h.last_order_day,
            last_visit_day: h.last_visit_day,
            abandoned_carts: h.abandoned_carts,
            messages: h.messages,
            subscribed: h.subscribed,
            lapsed: !state.is_active(),
        };
        result = table.push(&row).and_then(|()| {
            if table.pending() >= GROUP_ROWS {
                table.flush()
            } else {
                Ok(())
            }
        });
    });
    result.map(|()| table)
}

/// Writes the catalog's products.
pub(super) fn write_products(
    dir: &Path,
    metadata: &[(&str, String)],
    engine: &Engine,
) -> Result<Table, ExportError> {
    let catalog = engine.world().catalog();
    let categories: Vec<Arc<str>> = catalog
        .categories()
        .iter()
        .map(|c| c.name.as_str().into())
        .collect();
    let mut table = Table::of::<ProductRow>(dir, "products", metadata)?;
    for p in catalog.products() {
        table.push(&ProductRow {
            product: p.id,
            category: categories[usize::from(p.category)].clone(),
            brand: p.brand,
            list_price: p.list_price,
            unit_cost: p.unit_cost,
            launch_day: p.launch_day,
        })?;
    }
    Ok(table)
}
