//! The live lab: a ratatui dashboard that drives the simulator.
//!
//! The engine runs on its own thread ([`engine_thread`]) and pushes a snapshot after every
//! simulated day; the loop here drains those snapshots into the [`App`] state, turns keys
//! into [`Action`]s, sends the resulting [`Control`] messages back, and redraws up to
//! [`MAX_FPS`] times a second while the simulation runs (only on change when paused or
//! finished). It never waits on the engine.
//!
//! Nothing outside this module knows about ratatui or crossterm: the simulation core stays a
//! library that the headless reports and this dashboard both consume.
//!
//! Two environment variables help measure and test it:
//! - `SHOPLAB_FPS_LOG=PATH` appends one line per second to `PATH`: frames drawn in that
//!   second, the simulated day and the pace, to measure the redraw rate;
//! - `NO_COLOR` (any non-empty value) draws without colours.
//!
//! In debug builds only, `SHOPLAB_TUI_TEST_PANIC=DAY` panics when that day arrives, so the
//! panic hook's terminal restore can be checked from `tests/tui_tmux.sh`.

pub mod action;
pub mod app;
pub mod engine_thread;
pub mod export;
pub mod format;
pub mod history;
pub mod kpi;
pub mod log;
pub mod panels;
pub mod picker;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod view;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};

pub use action::{action_for, Action, Mode};
pub use app::App;
pub use engine_thread::{Control, EngineEvent, EngineHandle, Speed};
pub use theme::Theme;
pub use view::View;

use crate::scenario::Scenario;

/// The redraw cap: smooth for the eye, and cheap on a shared machine.
pub const MAX_FPS: u32 = 60;

/// Why the dashboard stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// Standard output is not a terminal (a pipe, a file).
    #[error("the dashboard needs a terminal; for scripts use `shoplab run SCENARIO`")]
    NotATerminal,
    /// The terminal failed.
    #[error("terminal: {0}")]
    Io(#[from] io::Error),
    /// The engine thread died.
    #[error(transparent)]
    Engine(#[from] engine_thread::EngineGone),
}

/// Opens the dashboard on a checked scenario and returns when the person quits; `e` writes
/// its exports into `export_dir`. The terminal is restored however this ends.
pub fn run(scenario: Scenario, export_dir: PathBuf) -> Result<(), TuiError> {
    if !has_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let mut app = App::new(scenario.clone(), Theme::from_env());
    app.export_dir = export_dir;
    let engine = EngineHandle::spawn(scenario, app.speed)?;
    let mut guard = terminal::enter()?;
    let result = event_loop(&mut guard, &mut app, &engine);
    drop(guard);
    result
}

/// Whether the dashboard can run here: it draws on standard output and reads keys from
/// standard input or, when that is redirected, from the controlling terminal (which a
/// process started by `setsid` or a service manager does not have).
fn has_terminal() -> bool {
    io::stdout().is_terminal()
        && (io::stdin().is_terminal()
            || std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .is_ok())
}

fn event_loop(
    guard: &mut terminal::Guard,
    app: &mut App,
    engine: &EngineHandle,
) -> Result<(), TuiError> {
    let frame = Duration::from_secs(1) / MAX_FPS;
    let mut fps = FpsCounter::new(std::env::var_os("SHOPLAB_FPS_LOG"));
    let test_panic_day = test_panic_day();
    let mut dirty = true;
    while !app.quit {
        let started = Instant::now();
        for event in engine.drain()? {
            app.apply(event);
            dirty = true;
        }
        // Only a panic hook restores the terminal while the loop runs (a signal's hook exits
        // the process too): the engine thread panicked and is still unwinding. Drawing now
        // would scribble over its message.
        if !terminal::is_active() {
            return Err(engine_thread::EngineGone.into());
        }
        if test_panic_day.is_some_and(|d| app.day() >= d) {
            panic!(
                "SHOPLAB_TUI_TEST_PANIC: deliberate panic at day {}",
                app.day()
            );
        }
        // While days are being simulated, draw every frame: the screen stays smooth even when
        // a heavy day takes longer than a frame, and the rate shows the UI is never starved.
        // Paused or finished, draw only on change, so an idle dashboard costs nothing.
        let live = !app.paused && !app.finished();
        let drew = dirty || live;
        if drew {
            terminal::draw_while_active(|| {
                guard
                    .terminal
                    .draw(|f| f.render_widget(&*app, f.area()))
                    .map(drop)
            })?;
            dirty = false;
        }
        // A new rate is news for the status line.
        dirty |= fps.tick(drew, app);
        // Wait for input until the next frame is due; snapshots are picked up then.
        let mut timeout = frame.saturating_sub(started.elapsed());
        while event::poll(timeout)? {
            match event::read()? {
                Event::Key(key) => {
                    if let Some(action) = action_for(key, app.mode()) {
                        for message in app.update(action) {
                            if !engine.send(message) {
                                return Err(engine_thread::EngineGone.into());
                            }
                        }
                        dirty = true;
                    }
                }
                Event::Resize(..) => dirty = true,
                _ => {}
            }
            timeout = Duration::ZERO;
        }
    }
    Ok(())
}

/// Counts frames actually drawn over one-second windows.
struct FpsCounter {
    window: Instant,
    frames: u32,
    log: Option<std::fs::File>,
}

impl FpsCounter {
    fn new(log_path: Option<std::ffi::OsString>) -> Self {
        let log = log_path.and_then(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .ok()
        });
        FpsCounter {
            window: Instant::now(),
            frames: 0,
            log,
        }
    }

    /// Counts a frame if one was drawn, and closes the window after a second; returns whether
    /// a new rate was set on `app`.
    fn tick(&mut self, drew: bool, app: &mut App) -> bool {
        self.frames += u32::from(drew);
        let elapsed = self.window.elapsed();
        if elapsed < Duration::from_secs(1) {
            return false;
        }
        let rate = f64::from(self.frames) / elapsed.as_secs_f64();
        if let Some(log) = &mut self.log {
            let _ = writeln!(
                log,
                "fps={rate:.1} day={} paused={} speed={}",
                app.day(),
                app.paused,
                app.speed.label()
            );
        }
        self.window = Instant::now();
        self.frames = 0;
        app.fps = Some(rate);
        true
    }
}

#[cfg(debug_assertions)]
fn test_panic_day() -> Option<u32> {
    std::env::var("SHOPLAB_TUI_TEST_PANIC").ok()?.parse().ok()
}

#[cfg(not(debug_assertions))]
fn test_panic_day() -> Option<u32> {
    None
}
