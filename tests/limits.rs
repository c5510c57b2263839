//! Sizes that cannot run are refused before anything is built, with the figures and the keys
//! to shrink; sizes that gain nothing (threads beyond the cores) are capped with a note.

use std::process::Command as Process;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

fn shoplab() -> Command {
    Command::cargo_bin("shoplab").unwrap()
}

/// Runs `shoplab ARGS` under `ulimit -v KIB` (as a user or a container would set it).
fn under_ulimit(kib: u64, args: &str) -> std::process::Output {
    Process::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v {kib} && exec {} {args}",
            env!("CARGO_BIN_EXE_shoplab")
        ))
        .output()
        .unwrap()
}

#[test]
fn a_run_too_big_for_the_memory_is_refused_before_building() {
    // 50M shoppers under a 4 GB address space aborted with "memory allocation of … failed"
    // and a backtrace (exit 134).
    let started = Instant::now();
    let out = under_ulimit(4_000_000, "run default --shoppers 50000000 --days 2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for fragment in [
        "default: this run needs about ",
        " GB of memory, but ",
        "available under the address-space limit (ulimit -v)",
        "shrink shoppers (or --shoppers)",
    ] {
        assert!(stderr.contains(fragment), "no {fragment:?} in {stderr}");
    }
    assert!(!stderr.contains("memory allocation") && !stderr.contains("built the world"));
    assert!(started.elapsed() < Duration::from_secs(20), "refused late");
    // The dashboard refuses the same way, before touching the terminal.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(
        &big,
        "shoppers = 50000000
[[arms]]
name = \"a\"\n",
    )
    .unwrap();
    let out = under_ulimit(4_000_000, &format!("tui {}", big.display()));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("this run needs about"));
    // What fits runs.
    let out = under_ulimit(
        4_000_000,
        "run default --shoppers 200000 --days 2 --format csv",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn arm_counts_and_catalog_sizes_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let arms: String = (0..65)
        .map(|i| format!("[[arms]]\nname = \"a{i}\"\n"))
        .collect();
    let path = dir.path().join("arms.toml");
    std::fs::write(&path, format!("shoppers = 500\ndays = 2\n{arms}")).unwrap();
    shoplab()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "arms: lists 65 arms; at most 64 are supported (line 3)",
        ));
    // 5M products × 64 dimensions validated, then aborted after 74 s at 100 shoppers.
    let path = dir.path().join("catalog.toml");
    std::fs::write(
        &path,
        "shoppers = 100\ndays = 2\n[world]\nlatent_dim = 64\n[catalog]\nproducts = 5000000\n[[arms]]\nname = \"a\"\n",
    )
    .unwrap();
    shoplab()
        .arg("run")
        .arg(&path)
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "catalog.products: (5000000) × world.latent_dim (64) is 320000000; at most 50000000",
        ));
}

#[test]
fn threads_beyond_the_cores_are_capped_with_a_note() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let out = shoplab()
        .args([
            "run",
            "default",
            "--shoppers",
            "500",
            "--days",
            "2",
            "--format",
            "json",
        ])
        .args(["--threads", "1024"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "note: --threads 1024 is more than the {cores} cores here; using {cores}"
        )),
        "{stderr}"
    );
    // The same results as any other thread count.
    let one = shoplab()
        .args([
            "run",
            "default",
            "--shoppers",
            "500",
            "--days",
            "2",
            "--format",
            "json",
        ])
        .args(["--threads", "1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(out.stdout, one);
}
