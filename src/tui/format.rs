//! Numbers for people, kept short enough for an 80-column card: the shared formats and the
//! dashboard's compact traffic shares and p-values.

pub use crate::format::{count, count_u, interval, money, percent, signed_percent};

/// `50%`, `33.3%`: a traffic share, without noise digits.
pub fn share(x: f64) -> String {
    let pct = 100.0 * x;
    if (pct - pct.round()).abs() < 0.05 {
        format!("{pct:.0}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// `p=0.031`, `p<0.001`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".into()
    } else {
        format!("p={p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(share(0.5), "50%");
        assert_eq!(share(1.0 / 3.0), "33.3%");
        assert_eq!(p_value(0.0004), "p<0.001");
        assert_eq!(p_value(0.0312), "p=0.031");
    }
}
