//! The headline KPIs the dashboard shows per arm, in one place, so a panel asks "value of
//! this KPI" and a new field (true lift, ROI) is added here once.

use crate::experiment::daily::day_value;
use crate::metrics::Metrics;
use crate::world::Counts;

use super::format;

/// A headline KPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kpi {
    /// Orders ÷ visits.
    Conversion,
    /// Revenue ÷ orders.
    Aov,
    /// Net margin per assigned shopper over the horizon.
    Margin,
    /// Return on the arm's costs; not computed by the engine yet.
    Roi,
}

impl Kpi {
    /// The KPIs of an Overview card, in order.
    pub const CARDS: [Kpi; 4] = [Kpi::Conversion, Kpi::Aov, Kpi::Margin, Kpi::Roi];
    /// The KPIs with a per-day path (ROI has none yet).
    pub const CHARTED: [Kpi; 3] = [Kpi::Conversion, Kpi::Aov, Kpi::Margin];

    /// Short name.
    pub fn label(self) -> &'static str {
        match self {
            Kpi::Conversion => "Conversion",
            Kpi::Aov => "AOV",
            Kpi::Margin => "Margin",
            Kpi::Roi => "ROI",
        }
    }

    /// Its key in `experiment::analysis::compare`, where it is compared with the control.
    pub fn metric(self) -> Option<&'static str> {
        match self {
            Kpi::Conversion => Some("conversion_rate"),
            Kpi::Aov => Some("aov"),
            Kpi::Margin => Some("margin_per_shopper"),
            Kpi::Roi => None,
        }
    }

    /// Its value from an arm's metrics so far; `None` where the engine does not compute it.
    pub fn value(self, m: &Metrics) -> Option<f64> {
        match self {
            Kpi::Conversion => Some(m.conversion_rate),
            Kpi::Aov => Some(m.aov),
            Kpi::Margin => Some(m.margin_per_shopper),
            Kpi::Roi => None,
        }
    }

    /// Its value on one day alone (for sparklines), as the `days` export has it: that day's
    /// conversion, that day's AOV, that day's net margin per assigned shopper.
    pub fn daily(self, c: &Counts, assigned: u64) -> Option<f64> {
        day_value(self.metric()?, c, assigned)
    }

    /// A value of this KPI, for a person: `2.13%`, `$74.20`.
    pub fn show(self, v: f64, currency: &str) -> String {
        match self {
            Kpi::Conversion => format::percent(v),
            Kpi::Aov | Kpi::Margin => format::money(v, currency),
            Kpi::Roi => format::signed_percent(v),
        }
    }
}
