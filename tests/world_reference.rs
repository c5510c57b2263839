//! The simulated world against the model it claims, not against a snapshot of one run:
//! visit counts over a horizon follow the Gamma–Poisson (negative binomial) law of
//! docs/ARCHITECTURE.md §3 in their mean, their variance and their share of zeros.

use shoplab::{Engine, Scenario};

/// One segment with Gamma(shape 0.5, mean 0.2) daily visit rates, nobody lapsing, no
/// messages, no weekday rhythm, no season, everyone signed up on day 0: every visit is an
/// organic one, Poisson with the shopper's rate on each of the 30 days.
const VISITS: &str = r#"
shoppers = 20000
days = 30
[world]
weekday_rhythm = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
newsletter_every_days = 0
new_shopper_share = 0.0
[[segments]]
name = "everyone"
visit_rate = 0.2
visit_dispersion = 0.5
churn_hazard = 0.0
[[arms]]
name = "a"
recommender = "random"
[[arms]]
name = "b"
recommender = "random"
[experiment]
true_effect = false
"#;

#[test]
fn visit_counts_follow_the_gamma_poisson_law() {
    let s = Scenario::parse(VISITS, "visits.toml", "visits").unwrap();
    let (days, rate, shape) = (30.0, 0.2, 0.5f64);
    let mut engine = Engine::new(s);
    engine.run(|_| {});
    let visits: Vec<f64> = (0..2)
        .flat_map(|arm| {
            engine
                .histories(arm)
                .map(|(_, h)| f64::from(h.visits))
                .collect::<Vec<_>>()
        })
        .collect();
    let n = visits.len() as f64;
    assert_eq!(n, 20_000.0);
    // A shopper's count over the horizon is Poisson(λ·30) with λ ~ Gamma(0.5, mean 0.2):
    // negative binomial with mean μ = 6, variance μ + μ²/0.5 = 78, and P(0) = (0.5/6.5)^0.5.
    let mu = rate * days;
    let var = mu + mu * mu / shape;
    let p0 = (shape / (shape + mu)).powf(shape);
    let mean = visits.iter().sum::<f64>() / n;
    let m2 = visits.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = visits.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let zeros = visits.iter().filter(|&&v| v == 0.0).count() as f64 / n;
    // Standard errors: of a mean, √(σ²/n); of a variance, √((μ₄ − σ⁴)/n), from the sample's
    // own fourth moment (a negative binomial's tail makes it large); of a share, binomial.
    let (se_mean, se_var, se_zero) = (
        (var / n).sqrt(),
        ((m4 - m2 * m2) / n).sqrt(),
        (p0 * (1.0 - p0) / n).sqrt(),
    );
    println!(
        "visits over 30 days: mean {mean:.3} (model {mu}), variance {m2:.2} (model {var}), \
         zeros {zeros:.4} (model {p0:.4})"
    );
    assert!(
        (mean - mu).abs() < 4.0 * se_mean,
        "mean {mean} vs {mu} ± {se_mean}"
    );
    assert!(
        (m2 - var).abs() < 4.0 * se_var,
        "variance {m2} vs {var} ± {se_var}"
    );
    assert!(
        (zeros - p0).abs() < 4.0 * se_zero,
        "zeros {zeros} vs {p0} ± {se_zero}"
    );
    // Over-dispersed far beyond a Poisson's variance = mean, which a visit process without
    // the Gamma mixing would give.
    assert!(m2 > 5.0 * mean);
}
