//! Entering and leaving the terminal's dashboard mode. Leaving happens on quit, on error
//! (the guard's `Drop`) and on panic (a hook that restores before the panic is printed, or
//! the message would land in the alternate screen and vanish with it).

use std::io::{self, Stdout, Write};
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// The dashboard's terminal; dropping it restores the terminal.
pub struct Guard {
    /// The ratatui terminal.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

/// Whether the terminal is in dashboard mode, so that it is restored exactly once: leaving
/// the alternate screen a second time makes the terminal jump back to the cursor position
/// saved on entry, and the shell would then overwrite the panic message just printed.
static ENTERED: AtomicBool = AtomicBool::new(false);

/// Installs the panic hook, then enters raw mode and the alternate screen.
pub fn enter() -> io::Result<Guard> {
    install_panic_hook();
    enable_raw_mode()?;
    ENTERED.store(true, Ordering::SeqCst);
    let mut stdout = io::stdout();
    if let Err(e) = execute!(stdout, EnterAlternateScreen) {
        restore();
        return Err(e);
    }
    match Terminal::new(CrosstermBackend::new(stdout)) {
        Ok(terminal) => Ok(Guard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Whether the terminal is in dashboard mode (entered and not yet restored).
pub fn is_active() -> bool {
    ENTERED.load(Ordering::SeqCst)
}

/// Leaves the alternate screen and raw mode and shows the cursor, once: later calls, and
/// calls when the terminal was never entered, do nothing. Errors are ignored, as there is
/// nowhere to report them while restoring.
pub fn restore() {
    if ENTERED.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = write_restore(&mut io::stdout());
    }
}

/// The escape sequences that undo the dashboard, written to `out`.
pub fn write_restore(out: &mut impl Write) -> io::Result<()> {
    execute!(out, LeaveAlternateScreen, Show)
}

/// Chains a hook that restores the terminal before the previous hook prints the panic.
pub fn install_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restoring_leaves_the_alternate_screen_and_shows_the_cursor() {
        let mut out = Vec::new();
        write_restore(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\x1b[?1049l"), "{text:?}");
        assert!(text.contains("\x1b[?25h"), "{text:?}");
    }
}
