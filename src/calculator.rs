//! `shoplab stats` and `shoplab power`: the statistics for users who have numbers but no
//! simulation.

use serde::Serialize;
use shoplab::format::number;

use shoplab::stats::{
    beta_binomial_chance_to_beat, mde_proportions, normal_chance_to_beat_means, sample_size_means,
    sample_size_proportions, two_proportion_z_test, welch_t_test, BayesResult, Comparison,
    MeanSummary, StatsError,
};

/// Why a calculation could not be made: the numbers given cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CalcError {
    /// An argument could not be read.
    #[error("{flag}: {reason}")]
    Argument {
        /// The command-line flag, e.g. `--control`.
        flag: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// The statistics refused the numbers (too few, out of range).
    #[error(transparent)]
    Stats(#[from] StatsError),
}

/// The reason an argument was refused, tied to its flag.
fn argument(flag: &'static str) -> impl FnOnce(String) -> CalcError {
    move |reason| CalcError::Argument { flag, reason }
}

/// Parses `200/10000` into (successes, trials).
pub fn parse_rate(text: &str) -> Result<(u64, u64), String> {
    let (x, n) = text
        .split_once('/')
        .ok_or_else(|| format!("'{text}' must be SUCCESSES/TRIALS, e.g. 200/10000"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("'{text}': '{s}' is not a whole number"))
    };
    let (x, n) = (number(x)?, number(n)?);
    if x > n {
        return Err(format!("'{text}': successes ({x}) exceed trials ({n})"));
    }
    Ok((x, n))
}

/// Parses `MEAN,SD,N`.
pub fn parse_summary(text: &str) -> Result<MeanSummary, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [mean, sd, n] = parts.as_slice() else {
        return Err(format!("'{text}' must be MEAN,SD,N, e.g. 4.2,11.5,10000"));
    };
    let real = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{text}': '{s}' is not a number"))
    };
    let n = n
        .parse::<u64>()
        .map_err(|_| format!("'{text}': '{n}' is not a whole number"))?;
    let sd = real(sd)?;
    if sd < 0.0 {
        return Err(format!(
            "'{text}': the standard deviation ({sd}) must not be negative"
        ));
    }
    Ok(MeanSummary::new(real(mean)?, sd, n))
}

#[derive(Serialize)]
struct TestOutput {
    test: &'static str,
    alpha: f64,
    #[serde(flatten)]
    comparison: Comparison,
    significant: bool,
    chance_to_beat: Option<f64>,
    expected_loss: Option<f64>,
}

fn render(out: &TestOutput, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(out).expect("finite numbers") + "\n";
    }
    let c = &out.comparison;
    let level = 100.0 * (1.0 - out.alpha);
    let mut text = format!(
        "{}\n  control    {:.6}\n  treatment  {:.6}\n  difference {:+.6}  [{:+.6}, {:+.6}] ({level:.0}% interval)\n  lift       {:+.2}%  [{:+.2}%, {:+.2}%]\n  statistic  {:.4}{}\n  p-value    {:.6}  → {}\n",
        out.test,
        c.control,
        c.treatment,
        c.diff,
        c.diff_ci.0,
        c.diff_ci.1,
        100.0 * c.lift,
        100.0 * c.ci_low,
        100.0 * c.ci_high,
        c.statistic,
        c.df.map_or(String::new(), |df| format!(" (df {df:.1})")),
        c.p_value,
        if out.significant { format!("significant at α = {}", out.alpha) } else { format!("not significant at α = {}", out.alpha) },
    );
    if let (Some(p), Some(loss)) = (out.chance_to_beat, out.expected_loss) {
        text += &format!(
            "  chance to beat control {:.2}%, expected loss of switching {loss:.6}\n",
            100.0 * p
        );
    }
    text
}

fn with_bayes(
    test: &'static str,
    alpha: f64,
    comparison: Comparison,
    bayes: Option<BayesResult>,
) -> TestOutput {
    TestOutput {
        test,
        alpha,
        significant: comparison.p_value < alpha,
        comparison,
        chance_to_beat: bayes.map(|b| b.prob_treatment_better),
        expected_loss: bayes.map(|b| b.expected_loss_treatment),
    }
}

/// `shoplab stats proportions`.
pub fn proportions(
    control: &str,
    treatment: &str,
    alpha: f64,
    json: bool,
) -> Result<String, CalcError> {
    let (xc, nc) = parse_rate(control).map_err(argument("--control"))?;
    let (xt, nt) = parse_rate(treatment).map_err(argument("--treatment"))?;
    let c = two_proportion_z_test(xc, nc, xt, nt, alpha)?;
    let b = beta_binomial_chance_to_beat(xc, nc, xt, nt).ok();
    Ok(render(
        &with_bayes("two-proportion z-test", alpha, c, b),
        json,
    ))
}

/// `shoplab stats means`.
pub fn means(control: &str, treatment: &str, alpha: f64, json: bool) -> Result<String, CalcError> {
    let c = parse_summary(control).map_err(argument("--control"))?;
    let t = parse_summary(treatment).map_err(argument("--treatment"))?;
    let cmp = welch_t_test(&c, &t, alpha)?;
    let b = normal_chance_to_beat_means(&c, &t).ok();
    Ok(render(&with_bayes("Welch t-test", alpha, cmp, b), json))
}

/// What `shoplab power` computes.
#[derive(Debug, Clone, Copy)]
pub struct PowerQuestion {
    /// Baseline conversion rate (proportions) or mean (with `sd`).
    pub baseline: f64,
    /// Standard deviation, for a test of means.
    pub sd: Option<f64>,
    /// Relative minimum detectable effect.
    pub mde: f64,
    /// Significance level.
    pub alpha: f64,
    /// Power.
    pub power: f64,
    /// Arms including the control.
    pub arms: usize,
}

#[derive(Serialize)]
struct PowerOutput {
    metric: &'static str,
    baseline: f64,
    sd: Option<f64>,
    relative_mde: f64,
    alpha: f64,
    power: f64,
    arms: usize,
    per_arm: u64,
    total: u64,
    exact_per_arm: f64,
}

/// Most units per arm `power` answers with: 10^15.
const MAX_PER_ARM: f64 = 1e15;

/// `shoplab power`.
pub fn power(q: PowerQuestion, json: bool) -> Result<String, CalcError> {
    let exact = match q.sd {
        None => sample_size_proportions(q.baseline, q.mde, q.alpha, q.power, q.arms),
        Some(sd) => sample_size_means(sd, q.mde * q.baseline, q.alpha, q.power, q.arms),
    }?;
    // Counts are whole numbers: past a quadrillion per arm (where a double still counts units
    // exactly and the total fits) no experiment could run, so the question is refused.
    if exact > MAX_PER_ARM {
        return Err(CalcError::Argument {
            flag: "--mde",
            reason: format!(
                "({}) is too small against the baseline ({}): it needs {exact:.2e} units per arm, more than any experiment can have; raise --mde",
                number(q.mde),
                number(q.baseline)
            ),
        });
    }
    let per_arm = exact.ceil() as u64;
    let out = PowerOutput {
        metric: if q.sd.is_some() { "mean" } else { "proportion" },
        baseline: q.baseline,
        sd: q.sd,
        relative_mde: q.mde,
        alpha: q.alpha,
        power: q.power,
        arms: q.arms,
        per_arm,
        total: per_arm * q.arms as u64,
        exact_per_arm: exact,
    };
    if json {
        return Ok(serde_json::to_string_pretty(&out).expect("finite numbers") + "\n");
    }
    let mut text = format!(
        "To detect a {:+.1}% relative change from a baseline of {} with {:.0}% power at α = {}{}:\n  {} per arm, {} in all ({} arms)\n",
        100.0 * q.mde,
        number(q.baseline),
        100.0 * q.power,
        q.alpha,
        if q.arms > 2 { " (Bonferroni across the arms)" } else { "" },
        per_arm,
        out.total,
        q.arms
    );
    if q.sd.is_none() {
        if let Ok(half) = mde_proportions(q.baseline, exact / 2.0, q.alpha, q.power, q.arms) {
            text += &format!(
                "  with half as many, the smallest detectable change is {:+.1}%\n",
                100.0 * half
            );
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates_and_summaries() {
        assert_eq!(parse_rate("200/10000"), Ok((200, 10000)));
        assert!(parse_rate("300/200").is_err());
        assert!(parse_rate("2%").is_err());
        let s = parse_summary("4.5, 2, 30").unwrap();
        assert_eq!((s.mean, s.sd, s.n), (4.5, 2.0, 30));
        assert!(parse_summary("1,2").is_err());
    }
}
