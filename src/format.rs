//! Numbers for people, shared by the reports and the dashboard: percentages, intervals of a
//! relative change, whole numbers with thousands separators, and money.
//!
//! Reports name the currency once (in a header or a column title) and show whole amounts
//! ([`whole`]); the dashboard's cards show money with its symbol and cents ([`money`]).

/// `2.13%` for a fraction.
pub fn percent(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// `+12.3%` for a relative change.
pub fn signed_percent(x: f64) -> String {
    format!("{:+.1}%", 100.0 * x)
}

/// `[-2.0, +10.2]`: an interval of a relative change, in percent. An infinite end (a lift
/// whose control is not clearly away from 0, see `stats::Comparison`) reads "unbounded".
pub fn interval(lo: f64, hi: f64) -> String {
    let end = |x: f64| {
        if x.is_finite() {
            format!("{:+.1}", 100.0 * x)
        } else {
            "unbounded".to_string()
        }
    };
    format!("[{}, {}]", end(lo), end(hi))
}

/// A number as a person would write it: `0.02`, `75`, but `1e-300` and `1e308` rather than
/// hundreds of digits.
pub fn number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// `12,345` with thousands separators.
pub fn count(n: i64) -> String {
    let digits = grouped(n.unsigned_abs());
    if n < 0 {
        format!("-{digits}")
    } else {
        digits
    }
}

/// [`count`] for unsigned counters.
pub fn count_u(n: u64) -> String {
    grouped(n)
}

/// `1,234,567`: an amount rounded to whole units, with thousands separators (never `-0`).
pub fn whole(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    // Digits from the float itself: a cast to an integer saturates past 2^64.
    let units = format!("{:.0}", x.abs());
    if x < 0.0 && units != "0" {
        format!("-{}", group_digits(&units))
    } else {
        group_digits(&units)
    }
}

/// `$1,234,567`, `-€3,500`, `12,000 SEK`: a whole amount with its currency, for reports.
pub fn whole_money(x: f64, currency: &str) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let digits = whole(x.abs());
    let sign = if x < 0.0 && digits != "0" { "-" } else { "" };
    match symbol(currency) {
        Some(s) => format!("{sign}{s}{digits}"),
        None => format!("{sign}{digits} {currency}"),
    }
}

/// The symbol of a currency code the reports know, e.g. `$` for `USD`.
fn symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "USD" | "AUD" | "CAD" | "NZD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" | "CNY" => Some("¥"),
        "INR" => Some("₹"),
        "CHF" => Some("CHF "),
        _ => None,
    }
}

/// `$74.20`, `$12,345` (whole units from 10,000 on), or `74.20 SEK` for a currency without
/// a symbol here.
pub fn money(x: f64, currency: &str) -> String {
    let symbol = symbol(currency);
    if !x.is_finite() {
        return "n/a".into();
    }
    let digits = if x.abs() >= 10_000.0 {
        group_digits(&format!("{:.0}", x.abs()))
    } else {
        format!("{:.2}", x.abs())
    };
    let sign = if x < 0.0 { "-" } else { "" };
    match symbol {
        Some(s) => format!("{sign}{s}{digits}"),
        None => format!("{sign}{digits} {currency}"),
    }
}

/// The digits of `n` in groups of three.
fn grouped(n: u64) -> String {
    group_digits(&n.to_string())
}

/// A string of digits in groups of three.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(percent(0.02134), "2.13%");
        assert_eq!(signed_percent(-0.1234), "-12.3%");
        assert_eq!(interval(-0.02, 0.102), "[-2.0, +10.2]");
        assert_eq!(money(74.2, "USD"), "$74.20");
        assert_eq!(money(-3.5, "USD"), "-$3.50");
        assert_eq!(money(12.0, "SEK"), "12.00 SEK");
        assert_eq!(money(1_234_567.0, "USD"), "$1,234,567");
        assert_eq!(count(-1234), "-1,234");
        assert_eq!(count_u(999), "999");
        assert_eq!(number(0.02), "0.02");
        assert_eq!(number(75.0), "75");
        assert_eq!(number(1e-300), "1e-300");
        assert_eq!(number(-1e308), "-1e308");
    }

    #[test]
    fn whole_amounts() {
        assert_eq!(percent(0.0213), "2.13%");
        assert_eq!(whole(1234567.4), "1,234,567");
        assert_eq!(whole(-999.6), "-1,000");
        assert_eq!(whole(-0.4), "0");
        assert_eq!(whole(999.0), "999");
        // Past 2^64, where a cast to an integer would saturate.
        assert_eq!(whole(2e19), "20,000,000,000,000,000,000");
        assert_eq!(money(-3e19, "USD"), "-$30,000,000,000,000,000,000");
        assert_eq!(whole_money(1234567.4, "USD"), "$1,234,567");
        assert_eq!(whole_money(-3500.0, "EUR"), "-€3,500");
        assert_eq!(whole_money(-0.2, "GBP"), "£0");
        assert_eq!(whole_money(12000.0, "SEK"), "12,000 SEK");
        assert_eq!(whole(f64::NAN), "n/a");
    }
}
