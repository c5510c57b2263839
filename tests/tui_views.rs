//! What a person sees: every view of the dashboard rendered into ratatui's `TestBackend` at
//! 80×24 and 160×48 and compared with insta snapshots. The state comes from a fixed-seed run
//! (`default` with 2,000 shoppers × 7 days) fed day by day as the engine thread feeds it;
//! nothing time-dependent is shown (the redraw rate is left unset).

use std::sync::OnceLock;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use shoplab::tui::{Action, App, EngineEvent, Theme, View};
use shoplab::{Engine, Scenario, Snapshot};

fn small(name: &str) -> Scenario {
    let mut s = Scenario::load(name).unwrap();
    s.shoppers = 2_000;
    s.days = 7;
    s
}

/// Day 0 to 7 of the small run, computed once per test binary.
fn run_of(scenario: &Scenario) -> Vec<Snapshot> {
    let mut engine = Engine::new(scenario.clone());
    let mut out = vec![engine.snapshot()];
    while !engine.finished() {
        engine.step();
        out.push(engine.snapshot());
    }
    out
}

fn default_run() -> &'static [Snapshot] {
    static RUN: OnceLock<Vec<Snapshot>> = OnceLock::new();
    RUN.get_or_init(|| run_of(&small("default")))
}

/// The app after `days` days of the small default run.
fn app_at(days: usize) -> App {
    let mut app = App::new(small("default"), Theme::COLOR);
    for s in &default_run()[..=days] {
        app.apply(EngineEvent::Update {
            run: 0,
            snapshot: Box::new(s.clone()),
        });
    }
    app
}

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| f.render_widget(app, f.area())).unwrap();
    terminal.backend().to_string()
}

fn name(view: View) -> String {
    view.title().to_lowercase()
}

#[test]
fn every_view_at_80x24_and_160x48() {
    let mut app = app_at(7);
    for view in View::ALL {
        app.view = view;
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("{}_{w}x{h}", name(view)), draw(&app, w, h));
        }
    }
}

#[test]
fn mid_run_overview_and_charts_show_the_day_so_far() {
    let mut app = app_at(3);
    insta::assert_snapshot!("overview_day3_80x24", draw(&app, 80, 24));
    app.view = View::Charts;
    app.update(Action::Right);
    insta::assert_snapshot!("charts_aov_day3_80x24", draw(&app, 80, 24));
}

#[test]
fn help_lists_every_key() {
    let mut app = app_at(7);
    app.update(Action::ToggleHelp);
    let screen = draw(&app, 80, 24);
    for (keys, _) in shoplab::tui::action::KEYS {
        assert!(screen.contains(keys), "help lacks {keys}");
    }
    insta::assert_snapshot!("help_80x24", screen);
}

#[test]
fn picker_shows_a_broken_file_with_its_problems() {
    let mut app = app_at(7);
    app.scenario_dir = "tests/scenarios/tui".into();
    app.update(Action::OpenPicker);
    // Built-ins first, then the folder's files by name: broken.toml is the first file.
    let builtins = shoplab::scenario::BUILT_INS.len();
    for _ in 0..builtins {
        app.update(Action::Down);
    }
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("cannot be loaded"), "{screen}");
    assert!(screen.contains("shoppers"), "{screen}");
    insta::assert_snapshot!("picker_broken_80x24", screen);
}

#[test]
fn three_arms_fit_at_80x24() {
    let scenario = Scenario::load("tests/scenarios/tui/three-arms.toml").unwrap();
    let mut app = App::new(scenario.clone(), Theme::COLOR);
    for s in run_of(&scenario) {
        app.apply(EngineEvent::Update {
            run: 0,
            snapshot: Box::new(s),
        });
    }
    let screen = draw(&app, 80, 24);
    for arm in ["control", "random-a", "random-b"] {
        assert!(screen.contains(arm), "{arm} missing:\n{screen}");
    }
    insta::assert_snapshot!("overview_three_arms_80x24", screen);
}

#[test]
fn too_small_asks_for_room_instead_of_panicking() {
    let app = app_at(7);
    for (w, h) in [(79, 24), (80, 23), (40, 10)] {
        let screen = draw(&app, w, h);
        assert!(screen.contains("80×24"), "{w}×{h}:\n{screen}");
    }
    // Degenerate sizes only need not to panic (TestBackend cannot print a 0-wide buffer).
    for (w, h) in [(1, 1), (0, 0), (5, 0), (0, 5)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
    }
    insta::assert_snapshot!("too_small_60x20", draw(&app, 60, 20));
}

#[test]
fn every_view_renders_at_odd_sizes_and_before_the_first_snapshot() {
    let fresh = App::new(small("default"), Theme::COLOR);
    let mut app = app_at(7);
    for view in View::ALL {
        app.view = view;
        let mut empty = fresh.clone();
        empty.view = view;
        for (w, h) in [(80, 24), (81, 25), (123, 37), (200, 50), (300, 80)] {
            draw(&app, w, h);
            draw(&empty, w, h);
        }
    }
}

#[test]
fn no_color_draws_no_colours() {
    let mut app = app_at(7);
    app.theme = Theme::MONO;
    for view in View::ALL {
        app.view = view;
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
        let buffer = terminal.backend().buffer();
        let coloured = buffer
            .content()
            .iter()
            .find(|c| c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset);
        assert!(coloured.is_none(), "{view:?}: {coloured:?}");
    }
}

/// The small multivariate run, fed to the end, on the Experiment view.
fn factorial_app() -> App {
    let scenario = small("multivariate");
    let mut app = App::new(scenario.clone(), Theme::MONO);
    for s in run_of(&scenario) {
        app.apply(EngineEvent::Update {
            run: 0,
            snapshot: Box::new(s),
        });
    }
    app.view = View::Experiment;
    app
}

#[test]
fn factorial_view_draws_from_the_first_day_at_any_size() {
    // Day 0 has no orders, so no effects yet: the panel must say so, not fail.
    let scenario = small("multivariate");
    let run = run_of(&scenario);
    for day in [0, 1] {
        let mut app = App::new(scenario.clone(), Theme::MONO);
        for s in &run[..=day] {
            app.apply(EngineEvent::Update {
                run: 0,
                snapshot: Box::new(s.clone()),
            });
        }
        app.view = View::Experiment;
        for (w, h) in [(80, 24), (81, 25), (123, 37), (160, 48), (300, 80)] {
            let screen = draw(&app, w, h);
            assert!(screen.contains("factorial effects"), "{w}×{h}:\n{screen}");
        }
    }
}

#[test]
fn factorial_view_shows_every_effect_with_its_interval_and_mark() {
    let app = factorial_app();
    let snapshot = app.snapshot.clone().unwrap();
    let analysis =
        shoplab::experiment::analysis::factorial(&app.scenario, &snapshot, 0.05).unwrap();
    for (w, h) in [(80, 24), (120, 36), (160, 48)] {
        let screen = draw(&app, w, h);
        let lines: Vec<&str> = screen.lines().map(|l| l.trim_matches('"')).collect();
        assert!(
            lines[0].contains("2×2×2 factorial"),
            "{w}×{h} header:\n{screen}"
        );
        // Every term, main effects to the three-way interaction, in one row with both
        // metrics' estimates, intervals and marks, equal to the analysis' numbers.
        let terms = [
            ("A", "recommender"),
            ("B", "pricing"),
            ("C", "email"),
            ("A×B", "recommender × pricing"),
            ("A×C", "recommender × email"),
            ("B×C", "pricing × email"),
            ("A×B×C", "recommender × pricing × email"),
        ];
        for (short, long) in terms {
            let row = lines
                .iter()
                .find(|l| l.split_whitespace().next() == Some(short) && l.contains("pp ["))
                .unwrap_or_else(|| panic!("{w}×{h}: no row {short}:\n{screen}"));
            let marks = row.matches("n.s.").count() + row.matches(" sig").count();
            assert_eq!(marks, 2, "{w}×{h} {short}: {row}");
            for (metric, scale, unit) in [
                ("conversion_rate", 100.0, "pp"),
                ("revenue_per_shopper", 1.0, ""),
            ] {
                let e = analysis
                    .effects
                    .iter()
                    .find(|e| e.effect == long && e.metric == metric)
                    .unwrap();
                let shown = |x: f64| {
                    let x = scale * x;
                    format!("{:+.2}", if x.abs() < 0.005 { 0.0 } else { x })
                };
                let interval = format!("[{}, {}]", shown(e.ci_low), shown(e.ci_high));
                assert!(row.contains(&interval), "{w}×{h} {short} {metric}: {row}");
                if unit == "pp" {
                    assert!(row.contains(&format!("{}pp", shown(e.estimate))), "{row}");
                }
            }
        }
        // Every cell in the grid, or a hint that says how many are not.
        let cells = ["(1)", "c", "b", "bc", "a", "ac", "ab", "abc"];
        let shown = cells
            .iter()
            .filter(|c| {
                lines
                    .iter()
                    .any(|l| l.split_whitespace().next() == Some(**c))
            })
            .count();
        if shown < cells.len() {
            let hint = format!("shows {} more", cells.len() - shown);
            assert!(
                screen.contains(&hint),
                "{w}×{h}: {shown} cells, no hint:\n{screen}"
            );
        }
        if h >= 36 {
            assert_eq!(shown, cells.len(), "{w}×{h}:\n{screen}");
        }
        insta::assert_snapshot!(format!("factorial_{w}x{h}"), screen);
    }
}
