//! The dashboard's state and how it changes: on an [`Action`] from a key and on an
//! [`EngineEvent`] from the engine thread. No terminal here; the loop in `mod.rs` feeds it
//! and sends the [`Control`] messages it returns.

use std::path::PathBuf;

use crate::experiment::analysis::{self, Srm};
use crate::experiment::Snapshot;
use crate::scenario::Scenario;

use super::action::{Action, Mode};
use super::engine_thread::{Control, EngineEvent, Speed};
use super::export;
use super::format;
use super::history::History;
use super::kpi::Kpi;
use super::log::{EventLog, LogKind};
use super::picker::Picker;
use super::theme::Theme;
use super::view::View;

/// A popup over the dashboard.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The key list.
    Help,
    /// The scenario picker.
    Picker(Picker),
}

/// Everything the dashboard shows and remembers.
#[derive(Debug, Clone)]
pub struct App {
    /// The scenario of the current run (with its current seed).
    pub scenario: Scenario,
    /// Tag of the current run; snapshots of earlier runs are ignored.
    pub run: u64,
    /// The latest snapshot of the current run.
    pub snapshot: Option<Snapshot>,
    /// Metrics and comparisons of every day of the current run.
    pub history: History,
    /// Notable events of the session.
    pub log: EventLog,
    /// The view shown.
    pub view: View,
    /// The selected arm (card, row, lift chart).
    pub selected_arm: usize,
    /// The KPI shown in Charts, an index into [`Kpi::CHARTED`].
    pub chart_kpi: usize,
    /// Log lines scrolled back from the newest.
    pub log_scroll: usize,
    /// Whether the simulation is paused.
    pub paused: bool,
    /// Simulation pace.
    pub speed: Speed,
    /// The popup shown, if any.
    pub overlay: Option<Overlay>,
    /// A one-line message in the status bar (the last thing done).
    pub status: Option<String>,
    /// Frames drawn per second, measured by the loop; `None` in tests so renders are stable.
    pub fps: Option<f64>,
    /// Set once the person asked to leave.
    pub quit: bool,
    /// Colours or none.
    pub theme: Theme,
    /// Where `e` writes.
    pub export_dir: PathBuf,
    /// Where `o` looks for `*.toml`.
    pub scenario_dir: PathBuf,
}

impl App {
    /// A dashboard for `scenario`, whose engine (run 0) is started by the caller.
    pub fn new(scenario: Scenario, theme: Theme) -> Self {
        let mut app = App {
            scenario,
            run: 0,
            snapshot: None,
            history: History::default(),
            log: EventLog::default(),
            view: View::Overview,
            selected_arm: 0,
            chart_kpi: 0,
            log_scroll: 0,
            paused: false,
            speed: Speed::DEFAULT,
            overlay: None,
            status: None,
            fps: None,
            quit: false,
            theme,
            export_dir: PathBuf::from("."),
            scenario_dir: PathBuf::from("scenarios"),
        };
        app.log_start("started");
        // The first treatment, so the Charts lift and the first card have something to show.
        app.selected_arm = usize::from(app.scenario.arms.len() > 1);
        app
    }

    /// Which keys apply now.
    pub fn mode(&self) -> Mode {
        match self.overlay {
            None => Mode::Normal,
            Some(Overlay::Help) => Mode::Help,
            Some(Overlay::Picker(_)) => Mode::Picker,
        }
    }

    /// Whether the horizon is reached.
    pub fn finished(&self) -> bool {
        self.snapshot.as_ref().is_some_and(Snapshot::finished)
    }

    /// Days simulated in the current run.
    pub fn day(&self) -> u32 {
        self.snapshot.as_ref().map_or(0, |s| s.day)
    }

    /// The sample-ratio check of the current snapshot, as the reports make it: `None` with
    /// one arm, no data, or adaptive allocation (whose split changes by design).
    pub fn srm(&self) -> Option<Srm> {
        self.snapshot.as_ref().and_then(analysis::srm)
    }

    /// Takes in what the engine sent.
    pub fn apply(&mut self, event: EngineEvent) {
        match event {
            EngineEvent::Update { run, snapshot } => {
                if run != self.run {
                    return;
                }
                let alpha = self.scenario.experiment.alpha;
                if let Some(record) = self.history.record(&snapshot, alpha) {
                    let srm = analysis::srm(&snapshot);
                    self.log.observe(&snapshot, record, srm.as_ref(), alpha);
                }
                self.snapshot = Some(*snapshot);
                self.selected_arm = self.selected_arm.min(self.arm_count().saturating_sub(1));
            }
        }
    }

    fn arm_count(&self) -> usize {
        self.snapshot
            .as_ref()
            .map_or(self.scenario.arms.len(), |s| s.arms.len())
    }

    /// Does what an action asks; returns the messages for the engine.
    pub fn update(&mut self, action: Action) -> Vec<Control> {
        if let Some(Overlay::Picker(_)) = self.overlay {
            if let Some(c) = self.update_picker(action) {
                return c;
            }
        }
        match action {
            Action::Quit => self.quit = true,
            Action::ToggleHelp => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help) => None,
                    _ => Some(Overlay::Help),
                }
            }
            Action::Close => self.overlay = None,
            _ if self.overlay.is_some() => {}
            Action::TogglePause => return self.toggle_pause(),
            Action::Faster | Action::Slower => {
                self.speed = if action == Action::Faster {
                    self.speed.faster()
                } else {
                    self.speed.slower()
                };
                self.status = Some(format!("speed: {}", self.speed.label()));
                return vec![Control::Speed(self.speed)];
            }
            Action::Step => return self.step(),
            Action::Restart => {
                let scenario = self.scenario.clone();
                return self.restart(scenario, "restarted");
            }
            Action::NewSeed => {
                let mut scenario = self.scenario.clone();
                scenario.seed = scenario.seed.wrapping_add(1);
                return self.restart(scenario, "new seed");
            }
            Action::NextView => self.view = self.view.next(),
            Action::PrevView => self.view = self.view.prev(),
            Action::Show(v) => self.view = v,
            Action::Up | Action::Down | Action::Left | Action::Right => self.arrow(action),
            Action::OpenPicker => {
                self.overlay = Some(Overlay::Picker(Picker::open(
                    &self.scenario_dir,
                    &self.scenario.name,
                )))
            }
            Action::Export => self.export(),
            Action::Confirm => {}
        }
        Vec::new()
    }

    /// Picker keys; `None` lets the common handling (quit, help, close) take the action.
    fn update_picker(&mut self, action: Action) -> Option<Vec<Control>> {
        let Some(Overlay::Picker(picker)) = &mut self.overlay else {
            return None;
        };
        match action {
            Action::Up | Action::Left => picker.move_by(-1),
            Action::Down | Action::Right => picker.move_by(1),
            Action::Confirm => {
                // A broken entry keeps the popup open: its problems are already on screen.
                let Some(Ok(scenario)) = picker.current().map(|e| e.loaded.clone()) else {
                    self.status = Some("that scenario has problems; pick another".into());
                    return Some(Vec::new());
                };
                self.overlay = None;
                return Some(self.restart(*scenario, "loaded"));
            }
            _ => return None,
        }
        Some(Vec::new())
    }

    fn toggle_pause(&mut self) -> Vec<Control> {
        if self.finished() {
            self.status = Some("the run is finished: r restarts, n tries a new seed".into());
            return Vec::new();
        }
        self.paused = !self.paused;
        self.status = Some(if self.paused { "paused" } else { "running" }.into());
        vec![Control::Pause(self.paused)]
    }

    fn step(&mut self) -> Vec<Control> {
        if self.finished() {
            self.status = Some("the run is finished: nothing left to step".into());
            return Vec::new();
        }
        let mut out = Vec::new();
        if !self.paused {
            self.paused = true;
            out.push(Control::Pause(true));
        }
        self.status = Some("stepped one day (paused; space resumes)".into());
        out.push(Control::Step);
        out
    }

    fn restart(&mut self, scenario: Scenario, why: &str) -> Vec<Control> {
        self.run += 1;
        self.scenario = scenario;
        self.snapshot = None;
        self.history.clear();
        self.paused = false;
        self.log_start(why);
        self.selected_arm = usize::from(self.scenario.arms.len() > 1);
        self.status = Some(format!(
            "{why}: {} with seed {}",
            self.scenario.name, self.scenario.seed
        ));
        vec![Control::Restart {
            run: self.run,
            scenario: Box::new(self.scenario.clone()),
        }]
    }

    fn log_start(&mut self, why: &str) {
        self.log.new_run();
        let s = &self.scenario;
        self.log.push(
            Some(0),
            LogKind::Info,
            format!(
                "{why} {}, seed {}: {} arms, {} shoppers, {} days",
                s.name,
                s.seed,
                s.arms.len(),
                format::count(i64::from(s.shoppers)),
                s.days
            ),
        );
    }

    fn arrow(&mut self, action: Action) {
        let arms = self.arm_count().max(1);
        let prev = |i: usize| (i + arms - 1) % arms;
        let next = |i: usize| (i + 1) % arms;
        match (self.view, action) {
            (View::Charts, Action::Left) => {
                self.chart_kpi = (self.chart_kpi + Kpi::CHARTED.len() - 1) % Kpi::CHARTED.len()
            }
            (View::Charts, Action::Right) => {
                self.chart_kpi = (self.chart_kpi + 1) % Kpi::CHARTED.len()
            }
            (View::Log, Action::Up) => {
                let max = self.log.entries().len().saturating_sub(1);
                self.log_scroll = (self.log_scroll + 1).min(max);
            }
            (View::Log, Action::Down) => self.log_scroll = self.log_scroll.saturating_sub(1),
            (_, Action::Up | Action::Left) => self.selected_arm = prev(self.selected_arm),
            (_, _) => self.selected_arm = next(self.selected_arm),
        }
    }

    fn export(&mut self) {
        let Some(snapshot) = &self.snapshot else {
            self.status = Some("nothing to export yet".into());
            return;
        };
        let day = Some(snapshot.day);
        match export::export(&self.export_dir, &self.scenario, snapshot) {
            Ok([json, _]) => {
                let where_ = json
                    .parent()
                    .and_then(|p| p.canonicalize().ok())
                    .unwrap_or_else(|| self.export_dir.clone());
                let text = format!(
                    "exported {} and .md to {}",
                    file_name(&json),
                    where_.display()
                );
                self.log.push(day, LogKind::Info, text.clone());
                self.status = Some(text);
            }
            Err(e) => {
                let text = format!("export failed: {e}");
                self.log.push(day, LogKind::Warn, text.clone());
                self.status = Some(text);
            }
        }
    }
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Engine;

    fn tiny() -> Scenario {
        let mut s = Scenario::load("default").unwrap();
        s.shoppers = 400;
        s.days = 3;
        s
    }

    /// The snapshots of a whole tiny run, day 0 to the horizon.
    fn days() -> Vec<Snapshot> {
        let mut engine = Engine::new(tiny());
        let mut out = vec![engine.snapshot()];
        while !engine.finished() {
            engine.step();
            out.push(engine.snapshot());
        }
        out
    }

    fn feed(app: &mut App, run: u64, snapshots: &[Snapshot]) {
        for s in snapshots {
            app.apply(EngineEvent::Update {
                run,
                snapshot: Box::new(s.clone()),
            });
        }
    }

    fn app() -> App {
        App::new(tiny(), Theme::MONO)
    }

    #[test]
    fn snapshots_fill_the_history_and_the_end_is_noticed() {
        let mut app = app();
        feed(&mut app, 0, &days());
        assert_eq!(app.day(), 3);
        assert!(app.finished());
        assert_eq!(app.history.days().len(), 3);
        let last = app.log.entries().last().unwrap();
        assert!(last.text.contains("horizon reached"), "{last:?}");
    }

    /// Adaptive allocation sends newcomers to the winning arm by design: the dashboard must
    /// not read the split as a sample-ratio mismatch, as the reports do not.
    #[test]
    fn adaptive_allocation_raises_no_srm_alarm() {
        let mut scenario = Scenario::load("bandit-allocation").unwrap();
        scenario.shoppers = 3_000;
        let mut engine = Engine::new(scenario.clone());
        let mut snapshots = Vec::new();
        engine.run(|e| snapshots.push(e.snapshot()));
        let mut app = App::new(scenario, Theme::MONO);
        feed(&mut app, 0, &snapshots);
        assert!(app.finished());
        // The split is far from the planned thirds: a check against them would alarm.
        let last = app.snapshot.as_ref().unwrap();
        let shoppers: Vec<u64> = last.arms.iter().map(|a| a.moments.assigned).collect();
        let planned: Vec<f64> = last.arms.iter().map(|a| a.traffic).collect();
        let naive = crate::stats::srm_check(&shoppers, &planned).unwrap();
        assert!(naive.flagged, "{shoppers:?}: {naive:?}");
        assert_eq!(app.srm(), None);
        assert!(
            app.log.entries().iter().all(|e| !e.text.contains("SRM")),
            "{:?}",
            app.log.entries()
        );
    }

    #[test]
    fn pause_toggles_and_step_pauses_first() {
        let mut app = app();
        assert!(matches!(
            app.update(Action::TogglePause)[..],
            [Control::Pause(true)]
        ));
        assert!(app.paused);
        assert!(matches!(app.update(Action::Step)[..], [Control::Step]));
        assert!(matches!(
            app.update(Action::TogglePause)[..],
            [Control::Pause(false)]
        ));
        assert!(matches!(
            app.update(Action::Step)[..],
            [Control::Pause(true), Control::Step]
        ));
    }

    #[test]
    fn a_finished_run_ignores_pause_and_step_but_says_why() {
        let mut app = app();
        feed(&mut app, 0, &days());
        assert!(app.update(Action::TogglePause).is_empty());
        assert!(app.update(Action::Step).is_empty());
        assert!(app.status.as_deref().unwrap().contains("finished"));
    }

    #[test]
    fn speed_goes_up_and_down_and_tells_the_engine() {
        let mut app = app();
        let before = app.speed;
        let sent = app.update(Action::Faster);
        assert!(matches!(sent[..], [Control::Speed(s)] if s == before.faster()));
        app.update(Action::Slower);
        assert_eq!(app.speed, before);
        for _ in 0..20 {
            app.update(Action::Faster);
        }
        assert_eq!(app.speed, Speed::FLAT_OUT);
        assert!(app.status.as_deref().unwrap().contains("flat out"));
    }

    #[test]
    fn restart_and_new_seed_start_a_new_tagged_run_and_ignore_the_old_one() {
        let mut app = app();
        let snapshots = days();
        feed(&mut app, 0, &snapshots);
        let sent = app.update(Action::Restart);
        let [Control::Restart { run, scenario }] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!((*run, scenario.seed), (1, 42));
        assert!(app.snapshot.is_none() && app.history.days().is_empty());
        // A late snapshot of run 0 must not come back.
        feed(&mut app, 0, &snapshots[3..]);
        assert!(app.snapshot.is_none());
        feed(&mut app, 1, &snapshots[..2]);
        assert_eq!(app.day(), 1);

        let sent = app.update(Action::NewSeed);
        let [Control::Restart { run, scenario }] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!((*run, scenario.seed, app.scenario.seed), (2, 43, 43));
        assert!(!app.paused);
    }

    #[test]
    fn views_switch_by_tab_and_number() {
        let mut app = app();
        app.update(Action::NextView);
        assert_eq!(app.view, View::Charts);
        app.update(Action::PrevView);
        app.update(Action::PrevView);
        assert_eq!(app.view, View::Log);
        app.update(Action::Show(View::Funnel));
        assert_eq!(app.view, View::Funnel);
    }

    #[test]
    fn arrows_select_arms_and_chart_metrics() {
        let mut app = app();
        feed(&mut app, 0, &days()[..1]);
        assert_eq!(app.selected_arm, 1, "starts on the first treatment");
        app.update(Action::Right);
        assert_eq!(app.selected_arm, 0, "wraps around");
        app.update(Action::Up);
        assert_eq!(app.selected_arm, 1);
        app.view = View::Charts;
        app.update(Action::Right);
        assert_eq!(app.chart_kpi, 1);
        app.update(Action::Left);
        app.update(Action::Left);
        assert_eq!(app.chart_kpi, Kpi::CHARTED.len() - 1);
        assert_eq!(app.selected_arm, 1, "←/→ in Charts leave the arm alone");
    }

    #[test]
    fn help_overlay_swallows_commands_until_closed() {
        let mut app = app();
        app.update(Action::ToggleHelp);
        assert_eq!(app.mode(), Mode::Help);
        assert!(app.update(Action::Restart).is_empty());
        assert_eq!(app.run, 0);
        app.update(Action::Close);
        assert_eq!(app.mode(), Mode::Normal);
        app.update(Action::ToggleHelp);
        app.update(Action::ToggleHelp);
        assert_eq!(app.mode(), Mode::Normal);
        app.update(Action::Quit);
        assert!(app.quit);
    }

    #[test]
    fn picker_loads_a_good_scenario_and_refuses_a_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a-broken.toml"), "shoppers = 0\n").unwrap();
        std::fs::write(
            dir.path().join("b-good.toml"),
            "name = \"good\"\nshoppers = 100\ndays = 2\n[[arms]]\nname = \"only\"\n",
        )
        .unwrap();
        let mut app = app();
        app.scenario_dir = dir.path().into();
        app.update(Action::OpenPicker);
        assert_eq!(app.mode(), Mode::Picker);
        let Some(Overlay::Picker(p)) = &app.overlay else {
            unreachable!()
        };
        let builtins = crate::scenario::BUILT_INS.len();
        assert_eq!(p.entries.len(), builtins + 2);
        assert!(p.entries[builtins].loaded.is_err());
        for _ in 0..builtins {
            app.update(Action::Down);
        }
        assert!(app.update(Action::Confirm).is_empty(), "broken: no restart");
        assert_eq!(app.mode(), Mode::Picker);
        app.update(Action::Down);
        let sent = app.update(Action::Confirm);
        assert!(
            matches!(&sent[..], [Control::Restart { run: 1, scenario }] if scenario.name == "good")
        );
        assert_eq!(app.mode(), Mode::Normal);
        assert_eq!(app.scenario.name, "good");
        assert_eq!(app.selected_arm, 0, "one arm: the control is selected");
    }

    #[test]
    fn export_writes_json_and_markdown_with_deterministic_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app();
        app.export_dir = dir.path().into();
        app.update(Action::Export);
        assert!(app.status.as_deref().unwrap().contains("nothing to export"));
        feed(&mut app, 0, &days());
        app.update(Action::Export);
        let json = dir.path().join("shoplab-default-seed42-day3.json");
        let md = dir.path().join("shoplab-default-seed42-day3.md");
        let parsed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(parsed["arms"].as_array().unwrap().len(), 2);
        assert!(std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("# shoplab"));
        let status = app.status.clone().unwrap();
        assert!(
            status.contains("shoplab-default-seed42-day3.json"),
            "{status}"
        );
        assert!(app.log.entries().last().unwrap().text.contains("exported"));
        // Only the two files: no temporary left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_failed_export_is_reported_not_fatal() {
        let mut app = app();
        // A folder below a file cannot be made.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), "x").unwrap();
        app.export_dir = dir.path().join("file/export");
        feed(&mut app, 0, &days());
        app.update(Action::Export);
        assert!(app.status.as_deref().unwrap().starts_with("export failed"));
        assert_eq!(
            app.log.entries().last().unwrap().kind,
            crate::tui::log::LogKind::Warn
        );
    }
}
