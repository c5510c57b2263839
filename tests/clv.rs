//! The CLV models against published figures, `lifetimes`, mpmath and their own process.
//!
//! Reference numbers come from `tests/data/clv_reference.py` (lifetimes 0.11.3, scipy,
//! mpmath); the CDNOW summary is `tests/data/cdnow_summary.csv` (see its README).

use approx::assert_relative_eq;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;
use shoplab::stats::clv::{
    fit_bg_nbd, fit_gamma_gamma, project_clv, simulate_customers, BgNbdParams, CustomerSummary,
    Discount, GammaGammaParams, IntervalMethod, ProjectionOptions, SimulatedCustomer, SpendModel,
};
use shoplab::stats::StatsError;

/// Every row of the CDNOW summary: ID, x, t_x, T (weeks), z̄.
fn cdnow() -> Vec<CustomerSummary> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_summary.csv"
    ))
    .unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("ID,x,t_x,T,zbar"));
    let customers: Vec<CustomerSummary> = lines
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 5, "line {}: {line}", i + 2);
            assert_eq!(f[0].parse::<usize>().unwrap(), i + 1);
            CustomerSummary::new(
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
            .unwrap()
        })
        .collect();
    assert_eq!(customers.len(), 2357);
    customers
}

fn summary(x: u32, tx: f64, t: f64) -> CustomerSummary {
    CustomerSummary::new(x, tx, t, 0.0).unwrap()
}

/// Rounds to `digits` significant digits.
fn significant(v: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[test]
fn bg_nbd_on_cdnow_reproduces_the_published_fit() {
    let fit = fit_bg_nbd(&cdnow()).unwrap();
    let p = fit.params;
    // Fader, Hardie & Lee (2005), p. 280: r = 0.243, α = 4.414, a = 0.793, b = 2.426,
    // LL = −9582.4.
    for (got, published) in [
        (p.r(), 0.243),
        (p.alpha(), 4.414),
        (p.a(), 0.793),
        (p.b(), 2.426),
    ] {
        assert_eq!(significant(got, 2), significant(published, 2), "{got}");
        assert_relative_eq!(got, published, max_relative = 2e-3);
    }
    assert_relative_eq!(fit.log_likelihood, -9582.4, max_relative = 1e-3);
    // lifetimes' Nelder–Mead fit: ours is the same maximum, reached at least as high.
    assert_relative_eq!(p.r(), 0.24259292827982148, max_relative = 1e-4);
    assert_relative_eq!(p.alpha(), 4.413532265271809, max_relative = 1e-4);
    assert_relative_eq!(p.a(), 0.7928859664406578, max_relative = 1e-4);
    assert_relative_eq!(p.b(), 2.4257523826257374, max_relative = 1e-4);
    assert!(fit.log_likelihood >= -9582.425560567368 - 1e-9);
    assert_relative_eq!(fit.log_likelihood, -9582.425560567368, max_relative = 1e-9);
    // Standard errors: lifetimes inverts autograd's exact Hessian; ours differentiates the
    // analytic gradient numerically.
    let lifetimes_se = [
        0.012557320698193175,
        0.3782214570439264,
        0.18571907191208892,
        0.7053453435331155,
    ];
    for (se, reference) in fit.standard_errors().iter().zip(lifetimes_se) {
        assert_relative_eq!(*se, reference, max_relative = 2e-3);
    }
    assert_eq!(fit.customers, 2357);
    // The calibration figure: mean dropout per purchase a/(a + b).
    assert_relative_eq!(p.dropout_per_purchase(), 0.2463, max_relative = 1e-3);
}

#[test]
fn gamma_gamma_on_cdnow_matches_lifetimes() {
    let fit = fit_gamma_gamma(&cdnow()).unwrap();
    assert_eq!(fit.customers, 946);
    let p = fit.params;
    for (got, lifetimes, rounded) in [
        (p.p(), 6.24880249607099, 6.25),
        (p.q(), 3.7445884609237634, 3.74),
        (p.v(), 15.447748064943575, 15.45),
    ] {
        // lifetimes' documentation quotes them to two decimals.
        assert_eq!((got * 100.0).round() / 100.0, rounded, "{got}");
        assert_relative_eq!(got, lifetimes, max_relative = 1e-6);
    }
    let lifetimes_se = [1.1896870480823893, 0.2901656174496003, 4.159993928428283];
    for (se, reference) in fit.standard_errors().iter().zip(lifetimes_se) {
        assert_relative_eq!(*se, reference, max_relative = 2e-3);
    }
}

/// (x, t_x, T) → (P(alive), E[Y(39)], E[Y(52)]) from lifetimes' BetaGeoFitter.
type Expectations = [((u32, f64, f64), [f64; 3]); 5];

#[test]
fn per_customer_quantities_match_lifetimes() {
    let published: Expectations = [
        (
            (2, 30.43, 38.86),
            [0.726578570080673, 1.226028174767135, 1.558720806432097],
        ),
        (
            (1, 1.71, 38.86),
            [0.2121009853773791, 0.2031869870797518, 0.2598234648686223],
        ),
        (
            (0, 0.0, 38.86),
            [1.0, 0.195098052011254, 0.2520730222824504],
        ),
        (
            (29, 38.43, 38.86),
            [0.9662746336193763, 19.67737718727825, 24.60966411996955],
        ),
        (
            (7, 25.0, 28.0),
            [0.8402133556896126, 5.50280213128321, 6.849722836977684],
        ),
    ];
    let a_above_one: Expectations = [
        (
            (2, 30.43, 38.86),
            [0.6003422293180822, 0.8992351678308759, 1.111067381084436],
        ),
        (
            (1, 1.71, 38.86),
            [0.1762447257797162, 0.1654571315691129, 0.2066212097830396],
        ),
        (
            (0, 0.0, 38.86),
            [1.0, 0.3336720738584762, 0.4235901593062602],
        ),
        (
            (29, 38.43, 38.86),
            [0.9337523394690271, 13.78461618850013, 16.39561066789454],
        ),
        (
            (7, 25.0, 28.0),
            [0.7428549394301956, 3.565355972008878, 4.240404296400085],
        ),
    ];
    let unconditional = [
        [0.05326789117165627, 1.196723193320798, 1.446050595396398],
        [0.04872106970733525, 1.072140705926443, 1.268682182576044],
    ];
    let params = [
        BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap(),
        BgNbdParams::new(0.5, 10.0, 1.7, 3.1).unwrap(),
    ];
    for ((p, cases), new) in params
        .iter()
        .zip([published, a_above_one])
        .zip(unconditional)
    {
        for ((x, tx, t), [alive, e39, e52]) in cases {
            let c = summary(x, tx, t);
            assert_relative_eq!(p.p_alive(&c), alive, max_relative = 1e-12);
            let got = p.expected_transactions(&c, 39.0).unwrap();
            assert_relative_eq!(got, e39, max_relative = 1e-10);
            let got = p.expected_transactions(&c, 52.0).unwrap();
            assert_relative_eq!(got, e52, max_relative = 1e-10);
        }
        for (t, e) in [1.0, 39.0, 52.0].into_iter().zip(new) {
            let got = p.expected_transactions_new(t).unwrap();
            assert_relative_eq!(got, e, max_relative = 1e-10);
        }
    }
}

#[test]
fn expectations_stay_accurate_where_the_hypergeometric_series_struggles() {
    // Eq. 10 in 40-digit arithmetic (mpmath.hyp2f1): horizons thousands of times α + T,
    // a negative third argument of ₂F₁, and a one part in 10⁹ from the 0/0 at a = 1.
    let cases = [
        (
            (0.243, 0.5, 0.793, 2.426),
            (0, 0.0, 0.0),
            365.0,
            10.284406175589994,
        ),
        (
            (0.243, 0.5, 0.793, 2.426),
            (3, 1.0, 2.0),
            1e5,
            91.59753700045938,
        ),
        (
            (2.0, 1.0, 3.5, 0.4),
            (12, 9.0, 10.0),
            5000.0,
            2.7517439462557416,
        ),
        (
            (0.8, 30.0, 1.0 + 1e-9, 5.0),
            (4, 100.0, 400.0),
            365.0,
            0.08313232679516638,
        ),
        (
            (0.8, 30.0, 0.2, 0.3),
            (0, 0.0, 1.0),
            365.0,
            4.363732740604763,
        ),
    ];
    for ((r, alpha, a, b), (x, tx, t), horizon, expected) in cases {
        let p = BgNbdParams::new(r, alpha, a, b).unwrap();
        let got = p
            .expected_transactions(&summary(x, tx, t), horizon)
            .unwrap();
        assert_relative_eq!(got, expected, max_relative = 1e-9);
    }
}

#[test]
fn conditional_spend_matches_lifetimes() {
    let p = GammaGammaParams::new(6.25, 3.74, 15.45).unwrap();
    for (x, m, expected) in [
        (2, 22.35, 24.66781496062992),
        (1, 11.77, 18.9238042269188),
        (0, 0.0, 35.24178832116788),
        (29, 40.0, 39.92914017066145),
        (5, 123.4, 116.2933951162106),
    ] {
        let c = CustomerSummary::new(x, if x > 0 { 1.0 } else { 0.0 }, 2.0, m).unwrap();
        let got = p.conditional_mean_value(&c).unwrap();
        assert_relative_eq!(got, expected, max_relative = 1e-12);
    }
    assert_relative_eq!(
        p.population_mean().unwrap(),
        35.24178832116788,
        max_relative = 1e-12
    );
}

#[test]
fn cdnow_projection_agrees_with_lifetimes_and_its_intervals_with_each_other() {
    let customers = cdnow();
    let delta = project_clv(&customers, &ProjectionOptions::new(52.0)).unwrap();
    let v = delta.projection;
    // lifetimes at its own (Nelder–Mead) estimates: mean of E[Y(52)]·E[Z] = 32.1213.
    assert_relative_eq!(v.estimate, 32.1213376517406, max_relative = 1e-6);
    assert!(v.low < v.estimate && v.estimate < v.high, "{v:?}");
    assert_eq!(
        (v.customers, v.method.label()),
        (2357, "delta method".into())
    );
    let options = ProjectionOptions {
        interval: IntervalMethod::Bootstrap {
            replicates: 100,
            seed: 7,
        },
        ..ProjectionOptions::new(52.0)
    };
    let boot = project_clv(&customers, &options).unwrap().projection;
    assert_eq!(boot.estimate, v.estimate);
    assert!(
        boot.low < boot.estimate && boot.estimate < boot.high,
        "{boot:?}"
    );
    // The two intervals estimate the same spread: widths within a third of each other, ends
    // within a quarter of the delta width.
    let (wd, wb) = (v.high - v.low, boot.high - boot.low);
    assert!(
        (wb / wd - 1.0).abs() < 1.0 / 3.0,
        "delta {v:?}\nbootstrap {boot:?}"
    );
    assert!((boot.low - v.low).abs() < wd / 4.0 && (boot.high - v.high).abs() < wd / 4.0);
    // Same seed, same interval.
    let again = project_clv(&customers, &options).unwrap().projection;
    assert_eq!((again.low, again.high), (boot.low, boot.high));
}

/// Without Gamma-Gamma each customer's value per transaction is their own mean z̄, and for a
/// customer without a repeat purchase the mean of the repeat buyers' z̄: the projection is
/// that, times BG/NBD's expected transactions, averaged. On CDNOW it lands within a tenth of
/// Gamma-Gamma's, its delta interval carries BG/NBD's uncertainty and the customers' spread,
/// and the bootstrap resamples it.
#[test]
fn observed_spend_projects_each_customers_own_mean() {
    let customers = cdnow();
    let options = ProjectionOptions {
        spend: SpendModel::Observed,
        ..ProjectionOptions::new(52.0)
    };
    let report = project_clv(&customers, &options).unwrap();
    assert!(report.spend.is_none());
    let v = report.projection;
    assert_eq!(
        (v.spend, v.spend.label()),
        (SpendModel::Observed, "observed means")
    );
    let bg = fit_bg_nbd(&customers).unwrap().params;
    let repeat: Vec<f64> = customers
        .iter()
        .filter(|c| c.frequency() > 0)
        .map(|c| c.mean_value())
        .collect();
    let pooled = repeat.iter().sum::<f64>() / repeat.len() as f64;
    let by_hand = customers
        .iter()
        .map(|c| {
            let spend = if c.frequency() > 0 {
                c.mean_value()
            } else {
                pooled
            };
            bg.expected_transactions(c, 52.0).unwrap() * spend
        })
        .sum::<f64>()
        / customers.len() as f64;
    assert_relative_eq!(v.estimate, by_hand, max_relative = 1e-9);
    let gamma_gamma = project_clv(&customers, &ProjectionOptions::new(52.0))
        .unwrap()
        .projection;
    assert!(
        (v.estimate / gamma_gamma.estimate - 1.0).abs() < 0.1,
        "{v:?} vs {gamma_gamma:?}"
    );
    assert!(v.low < v.estimate && v.estimate < v.high, "{v:?}");
    let boot = project_clv(
        &customers,
        &ProjectionOptions {
            interval: IntervalMethod::Bootstrap {
                replicates: 50,
                seed: 3,
            },
            ..options
        },
    )
    .unwrap()
    .projection;
    assert_eq!(boot.estimate, v.estimate);
    assert!(boot.low < v.estimate && v.estimate < boot.high, "{boot:?}");
    // Without a repeat buyer there is no value to project.
    let once: Vec<_> = (1..50).map(|t| summary(0, 0.0, f64::from(t))).collect();
    assert!(project_clv(&once, &options).is_err());
}

#[test]
fn discounting_lowers_the_projection() {
    let customers = cdnow();
    let plain = project_clv(&customers, &ProjectionOptions::new(52.0)).unwrap();
    let options = ProjectionOptions {
        discount: Some(Discount {
            rate: 0.01,
            step: 52.0 / 12.0,
        }),
        ..ProjectionOptions::new(52.0)
    };
    let discounted = project_clv(&customers, &options).unwrap().projection;
    let ratio = discounted.estimate / plain.projection.estimate;
    // 1% a month over a year: between 1.01⁻¹² and 1.01⁻¹.
    assert!(ratio < 1.0 / 1.01 && ratio > 1.01f64.powi(-12), "{ratio}");
    assert!(discounted.low <= discounted.estimate && discounted.estimate <= discounted.high);
}

#[test]
fn degenerate_groups_give_errors_not_panics() {
    let no_repeat: Vec<_> = (1..50).map(|t| summary(0, 0.0, f64::from(t))).collect();
    let all_zero = vec![summary(0, 0.0, 0.0); 20];
    let one = [CustomerSummary::new(3, 10.0, 20.0, 5.0).unwrap()];
    for customers in [&no_repeat[..], &all_zero[..], &one[..], &[]] {
        let e = project_clv(customers, &ProjectionOptions::new(52.0)).unwrap_err();
        assert!(matches!(e, StatsError::NotEnoughData(_)), "{e}");
        assert!(matches!(
            fit_bg_nbd(customers),
            Err(StatsError::NotEnoughData(_))
        ));
    }
    assert!(fit_gamma_gamma(&no_repeat).is_err());
    let bad = ProjectionOptions {
        alpha: 1.5,
        ..ProjectionOptions::new(52.0)
    };
    assert!(matches!(
        project_clv(&cdnow(), &bad),
        Err(StatsError::InvalidInput(_))
    ));
    let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
    assert!(p.expected_transactions(&one[0], f64::NAN).is_err());
    assert!(BgNbdParams::new(0.0, 1.0, 1.0, 1.0).is_err());
}

/// A customer drawn from a small alphabet so that ties, zeros and extremes are common.
fn arb_customer() -> impl Strategy<Value = CustomerSummary> {
    (
        0u32..4,
        prop_oneof![Just(0.0), Just(1.0), 0.0..50.0f64],
        0.0..1.0f64,
        prop_oneof![Just(1.0), Just(1e-6), 0.01..1e4f64],
    )
        .prop_map(|(x, age, share, value)| {
            let recency = if x == 0 { 0.0 } else { age * share };
            CustomerSummary::new(x, recency, age, value).unwrap()
        })
}

proptest! {
    // Integration tests have no lib.rs beside them for proptest's regression files.
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    })]

    #[test]
    fn fits_are_finite_or_errors(customers in prop::collection::vec(arb_customer(), 0..12)) {
        if let Ok(fit) = fit_bg_nbd(&customers) {
            prop_assert!(fit.log_likelihood.is_finite());
            prop_assert!(fit.covariance.iter().flatten().all(|v| v.is_finite()));
            for c in &customers {
                prop_assert!(fit.params.p_alive(c).is_finite());
                prop_assert!(fit.params.expected_transactions(c, 52.0).unwrap().is_finite());
            }
        }
        if let Ok(fit) = fit_gamma_gamma(&customers) {
            prop_assert!(fit.log_likelihood.is_finite());
            prop_assert!(fit.covariance.iter().flatten().all(|v| v.is_finite()));
        }
        if let Ok(r) = project_clv(&customers, &ProjectionOptions::new(30.0)) {
            let v = r.projection;
            prop_assert!(v.estimate.is_finite() && v.low.is_finite() && v.high.is_finite());
            prop_assert!(v.low <= v.estimate && v.estimate <= v.high);
        }
    }
}

/// The process the simulation checks draw from: CDNOW-like, in weeks, with ages spread over
/// the 12 weeks of first purchases of the CDNOW design.
fn truth() -> (BgNbdParams, GammaGammaParams) {
    (
        BgNbdParams::new(0.25, 4.0, 0.8, 2.5).unwrap(),
        GammaGammaParams::new(6.0, 4.0, 15.0).unwrap(),
    )
}

fn ages(n: usize) -> Vec<f64> {
    (0..n).map(|i| 27.0 + 12.0 * i as f64 / n as f64).collect()
}

/// The expected value per customer that the projection estimates, from the true parameters:
/// the mean over the customers' ages of (E[X(T + t)] − E[X(T)]) times the mean spend.
fn true_value(ages: &[f64], t: f64) -> f64 {
    let (bg, gg) = truth();
    let spend = gg.population_mean().unwrap();
    let total: f64 = ages
        .iter()
        .map(|&age| {
            bg.expected_transactions_new(age + t).unwrap()
                - bg.expected_transactions_new(age).unwrap()
        })
        .sum();
    total / ages.len() as f64 * spend
}

#[test]
fn simulated_customers_give_back_their_parameters() {
    let (bg, gg) = truth();
    let ages = ages(5000);
    let sim = simulate_customers(&bg, &gg, &ages, 1).unwrap();
    let customers: Vec<_> = sim.iter().map(|s| s.summary).collect();
    let report = project_clv(&customers, &ProjectionOptions::new(52.0)).unwrap();
    let (fit_bg, fit_gg) = (report.transactions, report.spend.unwrap());
    let got = [
        fit_bg.params.r(),
        fit_bg.params.alpha(),
        fit_bg.params.a(),
        fit_bg.params.b(),
    ];
    let want = [bg.r(), bg.alpha(), bg.a(), bg.b()];
    for ((g, w), se) in got.iter().zip(want).zip(fit_bg.standard_errors()) {
        assert!((g - w).abs() < 3.5 * se, "{g} vs {w} (se {se})");
    }
    let got = [fit_gg.params.p(), fit_gg.params.q(), fit_gg.params.v()];
    let want = [gg.p(), gg.q(), gg.v()];
    for ((g, w), se) in got.iter().zip(want).zip(fit_gg.standard_errors()) {
        assert!((g - w).abs() < 3.5 * se, "{g} vs {w} (se {se})");
    }
    let v = report.projection;
    let target = true_value(&ages, 52.0);
    assert!(v.low < target && target < v.high, "{v:?} vs {target}");
}

/// What the simulated customers really spend in the next `t` periods, continuing their own
/// processes: purchases at rate λ while alive, dropout with probability p after each, values
/// Gamma(p_spend, ν) with ν = p_spend / their mean spend.
fn realised_value(sim: &[SimulatedCustomer], t: f64, seed: u64) -> f64 {
    let p_spend = truth().1.p();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let total: f64 = sim
        .iter()
        .filter(|s| s.alive)
        .map(|s| {
            let (mut now, mut value) = (0.0, 0.0);
            let gaps = Exp::new(s.rate).unwrap();
            let values = Gamma::new(p_spend, s.mean_spend / p_spend).unwrap();
            loop {
                now += gaps.sample(&mut rng);
                if now > t {
                    return value;
                }
                value += values.sample(&mut rng);
                if rng.random::<f64>() < s.dropout {
                    return value;
                }
            }
        })
        .sum();
    total / sim.len() as f64
}

/// Coverage of the 95% delta-method interval over 50 seeds of 5,000 customers. Asserts the
/// coverage of its estimand, the population's expected value per customer; prints, for
/// information, how often it covers the mean of these customers' own latent expectations and
/// what they really spend next. About 5 s in the test profile; `--nocapture` shows it.
#[test]
fn delta_interval_covers_the_truth_in_most_seeds() {
    let (bg, gg) = truth();
    let ages = ages(5000);
    let target = true_value(&ages, 52.0);
    let seeds = 50;
    let (mut covered, mut latent_covered, mut realised_covered) = (0, 0, 0);
    for seed in 0..seeds {
        let sim = simulate_customers(&bg, &gg, &ages, 1000 + seed).unwrap();
        let customers: Vec<_> = sim.iter().map(|s| s.summary).collect();
        let v = project_clv(&customers, &ProjectionOptions::new(52.0))
            .unwrap()
            .projection;
        let latent = sim
            .iter()
            .map(|s| s.expected_transactions(52.0) * s.mean_spend)
            .sum::<f64>()
            / sim.len() as f64;
        let realised = realised_value(&sim, 52.0, 2000 + seed);
        let inside = |x: f64| usize::from(v.low <= x && x <= v.high);
        covered += inside(target);
        latent_covered += inside(latent);
        realised_covered += inside(realised);
        println!(
            "seed {seed}: {:.3} [{:.3}, {:.3}] target {target:.3} latent {latent:.3} \
             realised {realised:.3}",
            v.estimate, v.low, v.high
        );
    }
    println!(
        "coverage {covered}/{seeds}; of the latent mean {latent_covered}/{seeds}; \
         of the realised mean {realised_covered}/{seeds}"
    );
    assert!(covered >= 44, "coverage {covered}/{seeds}");
}
