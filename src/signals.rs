//! Ending cleanly on SIGINT, SIGTERM and SIGHUP.
//!
//! A process killed by a signal runs no destructors: a half-written temporary file would stay
//! beside the user's report, and a dashboard would leave the terminal in raw mode on the
//! alternate screen. So once [`install`]ed, a watcher thread (signal-hook, so nothing runs in
//! signal context) takes these signals, runs the registered [`on_signal`] hooks (the
//! dashboard restores the terminal), removes every temporary file still [`track`]ed, and
//! exits with status 128 + the signal's number, as a shell reports a process the signal
//! killed.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Temporary files to remove if a signal ends the process, by registration id.
static TEMP_FILES: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
/// What to undo before exiting on a signal, in registration order.
static HOOKS: Mutex<Vec<fn()>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
static INSTALLED: Mutex<bool> = Mutex::new(false);

/// The signals that end the process cleanly.
pub const HANDLED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// Starts the watcher thread, once; later calls do nothing.
pub fn install() -> io::Result<()> {
    let mut installed = lock(&INSTALLED);
    if *installed {
        return Ok(());
    }
    let mut signals = Signals::new(HANDLED)?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                end(signal);
            }
        })?;
    *installed = true;
    Ok(())
}

/// Registers `hook` to run when a handled signal arrives, before the process exits.
pub fn on_signal(hook: fn()) {
    lock(&HOOKS).push(hook);
}

/// A temporary file that a handled signal removes; dropping this stops tracking it (the
/// file was renamed into place or already removed).
#[derive(Debug)]
pub struct Tracked {
    id: u64,
}

/// Tracks `path` for removal should a handled signal end the process.
pub fn track(path: &Path) -> Tracked {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock(&TEMP_FILES).push((id, path.to_path_buf()));
    Tracked { id }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        lock(&TEMP_FILES).retain(|(id, _)| *id != self.id);
    }
}

/// The paths tracked now (for tests and diagnostics).
pub fn tracked() -> Vec<PathBuf> {
    lock(&TEMP_FILES).iter().map(|(_, p)| p.clone()).collect()
}

/// Undoes what is registered and exits. Nothing here may stop the exit: a hook that panics
/// is passed over, and a message that cannot be printed (the terminal hung up, which is
/// what SIGHUP says) is dropped.
fn end(signal: i32) -> ! {
    let hooks: Vec<fn()> = lock(&HOOKS).clone();
    for hook in hooks {
        let _ = std::panic::catch_unwind(hook);
    }
    for (_, path) in lock(&TEMP_FILES).drain(..) {
        let _ = std::fs::remove_file(path);
    }
    let _ = writeln!(io::stderr(), "shoplab: stopped by {}", name(signal));
    std::process::exit(128 + signal);
}

/// The signal's usual name.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Locks a registry even if a thread panicked while holding it: the lists stay valid.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_ends_when_the_registration_is_dropped() {
        let a = track(Path::new("/tmp/shoplab-signals-test-a"));
        let b = track(Path::new("/tmp/shoplab-signals-test-b"));
        assert!(tracked().contains(&PathBuf::from("/tmp/shoplab-signals-test-a")));
        drop(a);
        let now = tracked();
        assert!(!now.contains(&PathBuf::from("/tmp/shoplab-signals-test-a")));
        assert!(now.contains(&PathBuf::from("/tmp/shoplab-signals-test-b")));
        drop(b);
        assert!(!tracked().contains(&PathBuf::from("/tmp/shoplab-signals-test-b")));
    }

    #[test]
    fn signal_names() {
        assert_eq!(name(SIGTERM), "SIGTERM");
        assert_eq!(128 + SIGINT, 130);
    }
}
