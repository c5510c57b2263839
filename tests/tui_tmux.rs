//! Runs `tests/tui_tmux.sh` against the binary cargo built for the tests: the dashboard is
//! opened in tmux, driven with keys and resized, and the shell must be usable after `q`,
//! after SIGTERM, SIGHUP and SIGINT, and after a panic. Without tmux (or bash) the test
//! fails and says so: a check that cannot run must not pass (skip it explicitly with
//! `cargo test -- --skip tmux`).

use std::process::Command;

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dashboard_in_tmux_leaves_a_clean_shell() {
    assert!(
        have("tmux", "-V")
            && have("bash", "--version")
            && have("pgrep", "--version")
            && have("setsid", "--version"),
        "tmux, bash, pgrep and setsid are needed to check the dashboard in a real terminal: install \
         them (apt-get install tmux procps util-linux), or skip this test with `cargo test -- --skip tmux`"
    );
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
