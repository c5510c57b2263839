//! The views (tabs) of the dashboard.

/// One tab of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// A card per arm with the four headline KPIs.
    Overview,
    /// Cumulative metrics, lift with its interval, p-value path.
    Charts,
    /// Visits → clicks → carts → orders per arm.
    Funnel,
    /// What each arm runs and what it has learned.
    Strategies,
    /// Assignment, traffic and the sample-ratio check.
    Experiment,
    /// Notable events.
    Log,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; 6] = [
        View::Overview,
        View::Charts,
        View::Funnel,
        View::Strategies,
        View::Experiment,
        View::Log,
    ];

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Charts => "Charts",
            View::Funnel => "Funnel",
            View::Strategies => "Strategies",
            View::Experiment => "Experiment",
            View::Log => "Log",
        }
    }

    /// Position in the tab bar.
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }

    /// The view of number key `c` (`'1'` is the first).
    pub fn from_digit(c: char) -> Option<View> {
        let n = c.to_digit(10)? as usize;
        Self::ALL.get(n.checked_sub(1)?).copied()
    }

    /// The next view, wrapping around.
    pub fn next(self) -> View {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    /// The previous view, wrapping around.
    pub fn prev(self) -> View {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_wrap_and_digits_map() {
        assert_eq!(View::Log.next(), View::Overview);
        assert_eq!(View::Overview.prev(), View::Log);
        assert_eq!(View::from_digit('2'), Some(View::Charts));
        assert_eq!(View::from_digit('0'), None);
        assert_eq!(View::from_digit('7'), None);
    }
}
