//! Keys become [`Action`]s here, and only here; the app reacts to actions, so its behaviour
//! is testable without a terminal and the help overlay lists the same table the code uses.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::view::View;

/// Everything a person can ask the dashboard to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the dashboard.
    Quit,
    /// Pause or resume the simulation.
    TogglePause,
    /// More days per second.
    Faster,
    /// Fewer days per second.
    Slower,
    /// Simulate one day (pausing first if running).
    Step,
    /// Start the scenario again from day 0 with the same seed.
    Restart,
    /// Start again with the next seed.
    NewSeed,
    /// Next view.
    NextView,
    /// Previous view.
    PrevView,
    /// Jump to a view.
    Show(View),
    /// Arrow up: previous item.
    Up,
    /// Arrow down: next item.
    Down,
    /// Arrow left: previous item or option.
    Left,
    /// Arrow right: next item or option.
    Right,
    /// Confirm (load the scenario picked in the picker).
    Confirm,
    /// Close the open overlay.
    Close,
    /// Open the scenario picker.
    OpenPicker,
    /// Write the current results as JSON and markdown.
    Export,
    /// Show or hide the key list.
    ToggleHelp,
}

/// Which keys mean something right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The dashboard itself.
    Normal,
    /// The help overlay is open.
    Help,
    /// The scenario picker is open.
    Picker,
}

/// The key list shown by `?` and in the README: (keys, what they do).
pub const KEYS: &[(&str, &str)] = &[
    ("space", "pause / resume"),
    ("+ / -", "faster / slower (days per second, up to flat out)"),
    ("s", "step one day (pauses first)"),
    ("r", "restart from day 0, same seed"),
    ("n", "new seed: restart with seed + 1"),
    ("Tab / Shift-Tab", "next / previous view"),
    (
        "1 … 6",
        "Overview, Charts, Funnel, Strategies, Experiment, Log",
    ),
    ("← ↑ → ↓", "select arm; in Charts ←/→ metric; in Log scroll"),
    ("o", "open a scenario (built-ins and ./scenarios/*.toml)"),
    ("Enter / Esc", "load the picked scenario / close a popup"),
    ("e", "export JSON and .md into --export-dir (default: here)"),
    ("?", "this help"),
    ("q / Ctrl-C", "quit"),
];

/// The action of a key in a mode, if it has one. Key releases and repeats of non-arrow
/// keys are ignored, so a held key does not restart a run ten times.
pub fn action_for(key: KeyEvent, mode: Mode) -> Option<Action> {
    let repeat = key.kind == KeyEventKind::Repeat;
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c')).then_some(Action::Quit);
    }
    let arrow = match key.code {
        KeyCode::Up => Some(Action::Up),
        KeyCode::Down => Some(Action::Down),
        KeyCode::Left => Some(Action::Left),
        KeyCode::Right => Some(Action::Right),
        _ => None,
    };
    if arrow.is_some() {
        return arrow;
    }
    if repeat {
        return None;
    }
    let global = match key.code {
        KeyCode::Char('q') => Some(Action::Quit),
        KeyCode::Char('?') => Some(Action::ToggleHelp),
        KeyCode::Esc => Some(Action::Close),
        _ => None,
    };
    if global.is_some() {
        return global;
    }
    match mode {
        Mode::Help => None,
        Mode::Picker => match key.code {
            KeyCode::Enter => Some(Action::Confirm),
            KeyCode::Char('o') => Some(Action::Close),
            _ => None,
        },
        Mode::Normal => normal(key.code),
    }
}

fn normal(code: KeyCode) -> Option<Action> {
    Some(match code {
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('+' | '=') => Action::Faster,
        KeyCode::Char('-' | '_') => Action::Slower,
        KeyCode::Char('s') => Action::Step,
        KeyCode::Char('r') => Action::Restart,
        KeyCode::Char('n') => Action::NewSeed,
        KeyCode::Tab => Action::NextView,
        KeyCode::BackTab => Action::PrevView,
        KeyCode::Char('o') => Action::OpenPicker,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Enter => Action::Confirm,
        KeyCode::Char(c @ '1'..='9') => Action::Show(View::from_digit(c)?),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn every_documented_key_maps_to_its_action() {
        let n = Mode::Normal;
        let cases = [
            (KeyCode::Char(' '), Action::TogglePause),
            (KeyCode::Char('+'), Action::Faster),
            (KeyCode::Char('='), Action::Faster),
            (KeyCode::Char('-'), Action::Slower),
            (KeyCode::Char('s'), Action::Step),
            (KeyCode::Char('r'), Action::Restart),
            (KeyCode::Char('n'), Action::NewSeed),
            (KeyCode::Tab, Action::NextView),
            (KeyCode::BackTab, Action::PrevView),
            (KeyCode::Char('1'), Action::Show(View::Overview)),
            (KeyCode::Char('6'), Action::Show(View::Log)),
            (KeyCode::Left, Action::Left),
            (KeyCode::Up, Action::Up),
            (KeyCode::Char('o'), Action::OpenPicker),
            (KeyCode::Char('e'), Action::Export),
            (KeyCode::Char('?'), Action::ToggleHelp),
            (KeyCode::Char('q'), Action::Quit),
            (KeyCode::Esc, Action::Close),
        ];
        for (code, action) in cases {
            assert_eq!(action_for(press(code), n), Some(action), "{code:?}");
        }
        assert_eq!(action_for(press(KeyCode::Char('7')), n), None);
        assert_eq!(action_for(press(KeyCode::Char('x')), n), None);
    }

    #[test]
    fn ctrl_c_quits_in_every_mode_and_other_chords_do_nothing() {
        for mode in [Mode::Normal, Mode::Help, Mode::Picker] {
            let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
            assert_eq!(action_for(c, mode), Some(Action::Quit));
            let r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
            assert_eq!(action_for(r, mode), None);
        }
    }

    #[test]
    fn overlays_take_only_their_keys() {
        let space = press(KeyCode::Char(' '));
        assert_eq!(action_for(space, Mode::Help), None);
        assert_eq!(action_for(space, Mode::Picker), None);
        assert_eq!(
            action_for(press(KeyCode::Enter), Mode::Picker),
            Some(Action::Confirm)
        );
        assert_eq!(
            action_for(press(KeyCode::Char('o')), Mode::Picker),
            Some(Action::Close)
        );
        assert_eq!(
            action_for(press(KeyCode::Down), Mode::Picker),
            Some(Action::Down)
        );
    }

    #[test]
    fn releases_and_repeats_of_commands_are_ignored_but_arrows_repeat() {
        let mut r = press(KeyCode::Char('r'));
        r.kind = KeyEventKind::Repeat;
        assert_eq!(action_for(r, Mode::Normal), None);
        r.kind = KeyEventKind::Release;
        assert_eq!(action_for(r, Mode::Normal), None);
        let mut down = press(KeyCode::Down);
        down.kind = KeyEventKind::Repeat;
        assert_eq!(action_for(down, Mode::Normal), Some(Action::Down));
    }
}
