//! Runs `tests/tui_tmux.sh` against the binary cargo built for the tests: the dashboard is
//! opened in tmux, driven with keys and resized, and the shell must be usable after `q` and
//! after a panic. Without tmux (or bash) it passes with a note, so CI without tmux stays
//! green while any machine with tmux runs the real check.

use std::process::Command;

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dashboard_in_tmux_leaves_a_clean_shell() {
    if !have("tmux", "-V") || !have("bash", "--version") {
        eprintln!("note: tmux or bash not installed; skipping the tmux check of the dashboard");
        return;
    }
    let out = Command::new("bash")
        .arg("tests/tui_tmux.sh")
        .arg(env!("CARGO_BIN_EXE_shoplab"))
        // Only debug builds carry the test panic; tell the script which this is.
        .env(
            "TUI_TMUX_PANIC",
            if cfg!(debug_assertions) { "1" } else { "0" },
        )
        .output()
        .expect("run tests/tui_tmux.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "tmux check failed:\n{text}");
    assert!(text.contains("all tmux checks passed"), "{text}");
}
