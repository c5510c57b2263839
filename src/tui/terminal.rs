//! Entering and leaving the terminal's dashboard mode. Leaving happens on quit, on error
//! (the guard's `Drop`), on panic (a hook that restores before the panic is printed, or
//! the message would land in the alternate screen and vanish with it) and on SIGINT,
//! SIGTERM and SIGHUP (a [`crate::signals`] hook that restores before the process exits).

use std::io::{self, Stdout, Write};
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, TryLockError};
use std::time::{Duration, Instant};

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

/// Held while a frame is drawn, so that a restore on a signal never lands in the middle of
/// a frame (the rest of which would then be drawn over the user's shell).
static DRAWING: Mutex<()> = Mutex::new(());

/// Installs the panic hook and the signal hook, then enters raw mode and the alternate
/// screen.
pub fn enter() -> io::Result<Guard> {
    install_panic_hook();
    crate::signals::on_signal(restore_on_signal);
    crate::signals::install()?;
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

/// Runs `draw` unless the terminal was restored meanwhile (by a panic or a signal); returns
/// whether it ran.
pub fn draw_while_active<E>(draw: impl FnOnce() -> Result<(), E>) -> Result<bool, E> {
    let _frame = DRAWING.lock().unwrap_or_else(|e| e.into_inner());
    if !is_active() {
        return Ok(false);
    }
    draw().map(|()| true)
}

/// Restores the terminal once the frame being drawn, if any, is complete. A frame that does
/// not finish within a second (a terminal that stopped reading) is not waited for.
fn restore_on_signal() {
    let deadline = Instant::now() + Duration::from_secs(1);
    let _frame = loop {
        match DRAWING.try_lock() {
            Ok(guard) => break Some(guard),
            Err(TryLockError::Poisoned(e)) => break Some(e.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(TryLockError::WouldBlock) => break None,
        }
    };
    restore();
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
