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
fn three_arms_fit_at_80x24_in_compact_cards() {
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
