//! `--out` never replaces anything but a regular file the user asked for, keeps what it
//! replaces intact in the ways that matter (permissions, links, devices), refuses a bad path
//! before simulating, and leaves no temporary file behind, even when killed.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

fn shoplab() -> Command {
    Command::cargo_bin("shoplab").unwrap()
}

/// A quick run writing JSON to `out`.
fn run_to(out: &Path) -> assert_cmd::assert::Assert {
    shoplab()
        .args([
            "run",
            "tests/scenarios/valid/minimal.toml",
            "--format",
            "json",
            "--out",
        ])
        .arg(out)
        .assert()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn is_report(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v["arms"].is_array())
}

/// The simulation never started: `shoplab run` prints its throughput line after it.
fn not_simulated(stderr: &[u8]) -> bool {
    !String::from_utf8_lossy(stderr).contains("built the world")
}

#[test]
fn a_symlink_is_followed_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    let link = dir.path().join("link.json");
    fs::write(&real, "old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    run_to(&link).success().stdout("");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_link(&link).unwrap(), PathBuf::from("real.json"));
    assert!(is_report(&fs::read_to_string(&real).unwrap()));
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    assert_eq!(names_in(dir.path()), ["link.json", "real.json"]);
}

#[test]
fn a_dangling_link_creates_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("made.json", &link).unwrap();
    run_to(&link).success();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(is_report(
        &fs::read_to_string(dir.path().join("made.json")).unwrap()
    ));
}

#[test]
fn permissions_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o600, 0o644, 0o666, 0o400] {
        let path = dir.path().join(format!("r{mode:o}.json"));
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        run_to(&path).success();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "{mode:o}");
        assert!(is_report(&fs::read_to_string(&path).unwrap()));
    }
}

#[test]
fn a_hard_link_keeps_the_old_bytes() {
    // The new report is a new file renamed into place: another name of the old file keeps
    // what it had, as with any atomic save.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let other = dir.path().join("other-name.json");
    fs::write(&path, "old bytes").unwrap();
    fs::hard_link(&path, &other).unwrap();
    run_to(&path).success();
    assert_eq!(fs::read_to_string(&other).unwrap(), "old bytes");
    assert!(is_report(&fs::read_to_string(&path).unwrap()));
    assert_ne!(
        fs::metadata(&path).unwrap().ino(),
        fs::metadata(&other).unwrap().ino()
    );
}

#[test]
fn a_fifo_is_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Process::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let (sent, received) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            let _ = sent.send(text);
        });
    }
    run_to(&fifo).success();
    // A run that renamed a file over the FIFO never opened it: the reader would wait forever.
    let text = received
        .recv_timeout(Duration::from_secs(30))
        .expect("nothing was written to the FIFO");
    assert!(is_report(&text));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names_in(dir.path()), ["pipe"]);
}

/// Makes a character device node in `dir` (a twin of a system device), or says why not.
fn mknod(dir: &Path, name: &str, major: u32, minor: u32) -> Option<PathBuf> {
    let path = dir.join(name);
    let out = Process::new("mknod")
        .arg(&path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .output();
    match out {
        Ok(o) if o.status.success() => Some(path),
        Ok(o) => {
            eprintln!(
                "SKIPPED: mknod is not permitted here ({}); the device cases are not checked",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("SKIPPED: mknod cannot run ({e}); the device cases are not checked");
            None
        }
    }
}

#[test]
fn a_character_device_is_written_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    // A twin of /dev/full (1, 7): writing fails with "no space", and the node must survive.
    let Some(full) = mknod(dir.path(), "full", 1, 7) else {
        return;
    };
    let out = run_to(&full).code(1).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("full") && stderr.contains("No space left"),
        "{stderr}"
    );
    let meta = fs::symlink_metadata(&full).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "the device node was replaced"
    );
    assert_eq!(meta.rdev(), fs::metadata("/dev/full").unwrap().rdev());
    // A twin of /dev/null (1, 3): the write succeeds and the node stays.
    let null = mknod(dir.path(), "null", 1, 3).unwrap();
    run_to(&null).success().stdout("");
    assert!(fs::symlink_metadata(&null)
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(names_in(dir.path()), ["full", "null"]);
}

#[test]
fn standard_output_by_any_name_is_written_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    // Our own stand-in for /dev/stdout, so a failure could never replace the system's.
    let stdout_link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &stdout_link).unwrap();
    let out = run_to(&stdout_link).success().get_output().clone();
    assert!(is_report(&String::from_utf8_lossy(&out.stdout)));
    assert!(fs::symlink_metadata(&stdout_link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(names_in(dir.path()), ["stdout"]);
    // `-` is standard output too.
    let out = run_to(Path::new("-")).success().get_output().clone();
    assert!(is_report(&String::from_utf8_lossy(&out.stdout)));
}

#[test]
fn a_folder_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let slash = format!("{}/", dir.path().join("new").display());
    for path in [sub.clone(), PathBuf::from(&slash)] {
        let out = run_to(&path).code(2).get_output().clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is a folder; give a file name") && !stderr.contains("Not a directory"),
            "{stderr}"
        );
        assert!(not_simulated(&out.stderr), "{stderr}");
    }
    assert!(sub.is_dir() && names_in(&sub).is_empty());
    assert!(!dir.path().join("new").exists());
}

#[test]
fn a_missing_folder_is_created_and_a_file_in_the_way_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("a/b/r.json");
    run_to(&deep).success();
    assert!(is_report(&fs::read_to_string(&deep).unwrap()));
    let file = dir.path().join("plain.txt");
    fs::write(&file, "x").unwrap();
    let out = run_to(&file.join("r.json")).code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("plain.txt is a file, not a folder"),
        "{stderr}"
    );
    assert!(not_simulated(&out.stderr));
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
}

/// Makes `dir` unwritable, even for root (an immutable folder), or says why not; the
/// returned guard makes it writable again.
struct ReadOnly(PathBuf, bool);

impl ReadOnly {
    fn make(dir: &Path) -> Option<ReadOnly> {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
        let probe = dir.join(".probe");
        if fs::write(&probe, "").is_err() {
            return Some(ReadOnly(dir.to_path_buf(), false));
        }
        // Root writes through the mode bits: make the folder immutable instead.
        fs::remove_file(&probe).unwrap();
        let immutable = Process::new("chattr")
            .arg("+i")
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if immutable && fs::write(&probe, "").is_err() {
            return Some(ReadOnly(dir.to_path_buf(), true));
        }
        eprintln!("SKIPPED: cannot make a read-only folder here (root, and no chattr +i)");
        None
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.1 {
            let _ = Process::new("chattr").arg("-i").arg(&self.0).status();
        }
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn a_read_only_folder_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("r.json"), "old").unwrap();
    let Some(_guard) = ReadOnly::make(&locked) else {
        return;
    };
    // A long scenario: refused at once, it never gets to simulate.
    let out = shoplab()
        .args(["run", "default", "--shoppers", "2000000", "--out"])
        .arg(locked.join("r.json"))
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("locked") && stderr.contains("cannot create a file in the folder"),
        "{stderr}"
    );
    assert!(not_simulated(&out.stderr), "{stderr}");
    assert_eq!(fs::read_to_string(locked.join("r.json")).unwrap(), "old");
}

#[test]
fn plots_into_a_file_are_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plots");
    fs::write(&file, "x").unwrap();
    let out = shoplab()
        .args(["run", "tests/scenarios/valid/minimal.toml", "--plots"])
        .arg(&file)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is a file, not a folder"), "{stderr}");
    assert!(not_simulated(&out.stderr));
}

/// Starts a long run writing to `dir/r.json` and waits until its temporary file exists.
fn start_long_run(dir: &Path) -> std::process::Child {
    let child = Process::new(env!("CARGO_BIN_EXE_shoplab"))
        .args([
            "run",
            "default",
            "--shoppers",
            "400000",
            "--days",
            "60",
            "--threads",
            "1",
            "--out",
        ])
        .arg(dir.join("r.json"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !names_in(dir).iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn a_signal_during_a_run_leaves_no_temporary_file() {
    for (signal, status) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("r.json"), "old").unwrap();
        let child = start_long_run(dir.path());
        let killed = Process::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(status), "SIG{signal}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!("stopped by SIG{signal}")),
            "SIG{signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(names_in(dir.path()), ["r.json"], "SIG{signal}");
        assert_eq!(
            fs::read_to_string(dir.path().join("r.json")).unwrap(),
            "old"
        );
    }
}

#[test]
fn plots_are_written_beside_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("charts/deep");
    shoplab()
        .args(["run", "roi-card", "--shoppers", "500", "--days", "5"])
        .arg("--plots")
        .arg(&plots)
        .arg("--format")
        .arg("markdown")
        .arg("--out")
        .arg(dir.path().join("report.md"))
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    assert_eq!(names_in(&plots), ["conversion.svg", "payback.svg"]);
    assert!(fs::read_to_string(dir.path().join("report.md"))
        .unwrap()
        .contains("conversion.svg"));
}
