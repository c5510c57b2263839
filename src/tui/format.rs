//! Numbers for people, kept short enough for an 80-column card.

/// `2.13%` for a fraction.
pub fn percent(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// `50%`, `33.3%`: a traffic share, without noise digits.
pub fn share(x: f64) -> String {
    let pct = 100.0 * x;
    if (pct - pct.round()).abs() < 0.05 {
        format!("{pct:.0}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// `+12.3%` for a relative change.
pub fn signed_percent(x: f64) -> String {
    format!("{:+.1}%", 100.0 * x)
}

/// `[-2.0, +10.2]`: an interval of a relative change, in percent.
pub fn interval(lo: f64, hi: f64) -> String {
    format!("[{:+.1}, {:+.1}]", 100.0 * lo, 100.0 * hi)
}

/// `p=0.031`, `p<0.001`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".into()
    } else {
        format!("p={p:.3}")
    }
}

/// `$74.20`, or `74.20 EUR` for currencies without a symbol here.
pub fn money(x: f64, currency: &str) -> String {
    let symbol = match currency {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        _ => None,
    };
    let digits = if x.abs() >= 10_000.0 {
        count(x.round() as i64)
    } else {
        format!("{:.2}", x.abs())
    };
    let sign = if x < 0.0 { "-" } else { "" };
    match symbol {
        Some(s) => format!("{sign}{s}{}", digits.trim_start_matches('-')),
        None => format!("{sign}{} {currency}", digits.trim_start_matches('-')),
    }
}

/// `12,345` with thousands separators.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// [`count`] for unsigned counters.
pub fn count_u(n: u64) -> String {
    count(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(percent(0.02134), "2.13%");
        assert_eq!(share(0.5), "50%");
        assert_eq!(share(1.0 / 3.0), "33.3%");
        assert_eq!(signed_percent(-0.1234), "-12.3%");
        assert_eq!(interval(-0.02, 0.102), "[-2.0, +10.2]");
        assert_eq!(p_value(0.0004), "p<0.001");
        assert_eq!(p_value(0.0312), "p=0.031");
        assert_eq!(money(74.2, "USD"), "$74.20");
        assert_eq!(money(-3.5, "USD"), "-$3.50");
        assert_eq!(money(12.0, "SEK"), "12.00 SEK");
        assert_eq!(money(1_234_567.0, "USD"), "$1,234,567");
        assert_eq!(count(-1234), "-1,234");
        assert_eq!(count_u(999), "999");
    }
}
