//! Writing the user's files without harming what is already there.
//!
//! `shoplab run --out` and `--plots` and the dashboard's export all write through an
//! [`Output`]:
//! - `-` is standard output;
//! - a regular file, or a missing one, is replaced atomically: the text goes into a
//!   temporary file in the same folder, is synced to disk, takes the old file's permission
//!   bits (and owner, where allowed) and is renamed over it, so a reader never sees half a
//!   file and a hard link to the old file keeps the old bytes;
//! - a symbolic link is followed and its final target replaced that way; the link stays;
//! - a character device, a FIFO, or a descriptor of this process (`/dev/stdout`,
//!   `/dev/fd/N`) is written in place and never renamed over (as root, a rename would
//!   replace the device node itself);
//! - a folder, a path ending in `/`, a block device or a socket is refused.
//!
//! [`Output::prepare`] decides all this and creates the temporary file (or opens the
//! device) before any work is done, so an unwritable path is refused before a long
//! simulation rather than after it. A missing folder is created, as `mkdir -p` would. The
//! temporary file is removed on every failure, and by [`crate::signals`] on SIGINT, SIGTERM
//! and SIGHUP.

use std::fs::{self, File, Metadata, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use tempfile::NamedTempFile;

use crate::signals::{self, Tracked};

/// Symbolic links followed before giving up, as the kernel's own limit.
const MAX_LINKS: usize = 40;

/// Why an output cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path cannot take a report (a folder, a block device…): bad input.
    #[error("{path}: {reason}")]
    Refused {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The path's folder cannot be created or written to: bad input, found before any work.
    #[error("{path}: cannot {action}: {source}")]
    Unwritable {
        /// The path or folder.
        path: String,
        /// What was tried.
        action: &'static str,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Writing the text failed (a full disk, a closed FIFO): not the user's input.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The path.
        path: String,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl OutputError {
    /// Whether the fault is in what the user asked for (exit status 2) rather than in
    /// writing (exit status 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, OutputError::Write { .. })
    }
}

/// Where a text goes, decided and checked before it is written.
#[derive(Debug)]
pub struct Output {
    /// The path as the user gave it, for messages.
    shown: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// This process's standard output.
    Stdout,
    /// A character device, opened already.
    Device(File),
    /// A FIFO, or a descriptor link to a file, opened and truncated only when written, as a
    /// shell's `>` would (opening a FIFO waits for its reader).
    InPlace(PathBuf),
    /// A regular file (or a missing one) replaced by renaming a temporary file over it.
    Replace {
        target: PathBuf,
        temp: NamedTempFile,
        /// Removes `temp` should a signal end the process; dropped once it is renamed.
        tracked: Tracked,
        /// The permission bits and owner of the file being replaced, for the new one.
        existing: Option<Keep>,
    },
}

/// What a replaced file's successor keeps of it.
#[derive(Debug, Clone, Copy)]
struct Keep {
    mode: u32,
    uid: u32,
    gid: u32,
}

impl From<&Metadata> for Keep {
    fn from(m: &Metadata) -> Self {
        Keep {
            mode: m.permissions().mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
        }
    }
}

impl Output {
    /// Decides how to write to `path` and checks that it can be written: see the module
    /// documentation for what each kind of path gets.
    pub fn prepare(path: &Path) -> Result<Output, OutputError> {
        let shown = path.display().to_string();
        let kind = kind_for(path, &shown)?;
        Ok(Output { shown, kind })
    }

    /// Standard output.
    pub fn stdout() -> Output {
        Output {
            shown: "standard output".into(),
            kind: Kind::Stdout,
        }
    }

    /// Writes `text`; for a replaced file, syncs it and renames it into place.
    pub fn write(self, text: &str) -> Result<(), OutputError> {
        let failed = |source| OutputError::Write {
            path: self.shown.clone(),
            source,
        };
        match self.kind {
            Kind::Stdout => {
                let mut out = io::stdout().lock();
                match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                    // `shoplab run … | head` closing the pipe is not an error.
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(failed(e)),
                    _ => Ok(()),
                }
            }
            Kind::Device(mut file) => file
                .write_all(text.as_bytes())
                .and_then(|()| file.flush())
                .map_err(failed),
            Kind::InPlace(ref path) => OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .map_err(failed),
            Kind::Replace {
                ref target,
                mut temp,
                tracked,
                ref existing,
            } => {
                temp.write_all(text.as_bytes()).map_err(failed)?;
                if let Some(old) = existing {
                    keep_mode_and_owner(temp.as_file(), *old).map_err(failed)?;
                }
                temp.as_file().sync_all().map_err(failed)?;
                // On failure the temporary file comes back inside the error and is removed
                // when the error is dropped.
                temp.persist(target).map_err(|e| failed(e.error))?;
                drop(tracked);
                // The rename itself is durable once the folder is synced; a folder that
                // cannot be opened or synced does not make the write fail.
                if let Ok(dir) = File::open(folder_of(target)) {
                    let _ = dir.sync_all();
                }
                Ok(())
            }
        }
    }
}

/// Writes `text` to `path` at once: [`Output::prepare`] then [`Output::write`].
pub fn write_file(path: &Path, text: &str) -> Result<(), OutputError> {
    Output::prepare(path)?.write(text)
}

/// Creates `dir` (and its parents) if missing and checks that files can be created in it,
/// for outputs written into a folder later (`--plots`).
pub fn prepare_folder(dir: &Path) -> Result<(), OutputError> {
    let shown = dir.display().to_string();
    match fs::metadata(dir) {
        Ok(m) if !m.is_dir() => {
            return Err(OutputError::Refused {
                path: shown,
                reason: "is a file, not a folder".into(),
            })
        }
        Ok(_) => {}
        Err(_) => create_folder(dir, &shown)?,
    }
    // Probe by creating (and at once removing) a temporary file.
    signals::install().map_err(|source| unwritable(&shown, "watch for signals", source))?;
    tempfile::Builder::new()
        .prefix(".shoplab-probe.")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|source| unwritable(&shown, "create files in the folder", source))
}

fn kind_for(path: &Path, shown: &str) -> Result<Kind, OutputError> {
    let refuse = |reason: String| OutputError::Refused {
        path: shown.to_string(),
        reason,
    };
    if path.as_os_str() == "-" {
        return Ok(Kind::Stdout);
    }
    if names_a_folder(path) {
        return Err(a_folder(path, shown));
    }
    match fs::metadata(path) {
        // `fs::metadata` follows every link, the kernel's descriptor links included.
        Ok(meta) => {
            let ft = meta.file_type();
            if is_our_stdout(&meta) && !(ft.is_file() && resolves_to(path, &meta)) {
                return Ok(Kind::Stdout);
            }
            if ft.is_dir() {
                return Err(a_folder(path, shown));
            }
            if ft.is_char_device() {
                return OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map(Kind::Device)
                    .map_err(|source| unwritable(shown, "open the device for writing", source));
            }
            if ft.is_fifo() {
                return Ok(Kind::InPlace(path.to_path_buf()));
            }
            if !ft.is_file() {
                let what = if ft.is_block_device() {
                    "a block device"
                } else if ft.is_socket() {
                    "a socket"
                } else {
                    "not a regular file"
                };
                return Err(refuse(format!(
                    "is {what}; shoplab writes only to files, character devices and FIFOs"
                )));
            }
            let target = final_target(path, shown)?;
            if resolves_to(&target, &meta) {
                replace(target, Some(Keep::from(&meta)), shown)
            } else {
                // A descriptor link (`/dev/fd/3` → `/proc/self/fd/3` → a file the shell
                // opened) does not lead to that file by name: write through it.
                Ok(Kind::InPlace(path.to_path_buf()))
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let target = final_target(path, shown)?;
            let folder = folder_of(&target);
            if target != path && fs::metadata(folder).is_err() {
                return Err(refuse(format!(
                    "is a link to {}, whose folder does not exist",
                    target.display()
                )));
            }
            match fs::metadata(folder) {
                Ok(m) if !m.is_dir() => Err(not_a_folder(folder, shown)),
                Ok(_) => replace(target, None, shown),
                Err(_) => {
                    create_folder(folder, shown)?;
                    replace(target, None, shown)
                }
            }
        }
        Err(e) if e.raw_os_error() == Some(NOT_A_DIRECTORY) => {
            Err(not_a_folder(folder_of(path), shown))
        }
        Err(source) => Err(unwritable(shown, "look at the path", source)),
    }
}

fn a_folder(path: &Path, shown: &str) -> OutputError {
    OutputError::Refused {
        path: shown.to_string(),
        reason: format!(
            "is a folder; give a file name, e.g. {}",
            path.join("results.json").display()
        ),
    }
}

/// `ENOTDIR` on Linux and the BSDs alike.
const NOT_A_DIRECTORY: i32 = 20;

/// A path that can only be a folder: ends in `/`, or is `.`, `..` or `/`.
fn names_a_folder(path: &Path) -> bool {
    let text = path.as_os_str().as_encoded_bytes();
    text.ends_with(b"/")
        || matches!(
            path.components().next_back(),
            None | Some(Component::CurDir | Component::ParentDir | Component::RootDir)
        )
}

/// The folder a file of `path` lives in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The path at the end of a chain of symbolic links starting at `path` (itself when it is
/// no link); the end may not exist yet.
fn final_target(path: &Path, shown: &str) -> Result<PathBuf, OutputError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = fs::read_link(&current)
                    .map_err(|source| unwritable(shown, "read the link", source))?;
                current = folder_of(&current).join(next);
            }
            _ => return Ok(current),
        }
    }
    Err(OutputError::Refused {
        path: shown.to_string(),
        reason: format!("has more than {MAX_LINKS} links in a chain (a loop?)"),
    })
}

/// Whether `path`, looked up by name, is the file `meta` describes.
fn resolves_to(path: &Path, meta: &Metadata) -> bool {
    fs::metadata(path).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
}

/// Whether `meta` describes the file this process's standard output is.
fn is_our_stdout(meta: &Metadata) -> bool {
    io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| File::from(fd).metadata())
        .is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
}

fn replace(target: PathBuf, existing: Option<Keep>, shown: &str) -> Result<Kind, OutputError> {
    signals::install().map_err(|source| unwritable(shown, "watch for signals", source))?;
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    // Created with the old file's bits (or 0666, less the umask, for a new file), so the
    // text is never readable by more people than the file it replaces.
    let mode = existing.map_or(0o666, |k| k.mode);
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(folder_of(&target))
        .map_err(|source| {
            unwritable(
                &folder_of(&target).display().to_string(),
                "create a file in the folder",
                source,
            )
        })?;
    let tracked = signals::track(temp.path());
    Ok(Kind::Replace {
        target,
        temp,
        tracked,
        existing,
    })
}

/// Gives the new file exactly the old one's permission bits (the umask may have narrowed
/// them at creation) and, where the process may, its owner and group.
fn keep_mode_and_owner(file: &File, old: Keep) -> io::Result<()> {
    file.set_permissions(Permissions::from_mode(old.mode))?;
    let new = file.metadata()?;
    if (new.uid(), new.gid()) != (old.uid, old.gid) {
        // Only root may give a file away; for anyone else the new file is theirs, as an
        // editor's save would make it.
        let _ = std::os::unix::fs::fchown(file, Some(old.uid), Some(old.gid));
    }
    Ok(())
}

fn create_folder(dir: &Path, shown: &str) -> Result<(), OutputError> {
    fs::create_dir_all(dir).map_err(|source| {
        if source.raw_os_error() == Some(NOT_A_DIRECTORY)
            || source.kind() == io::ErrorKind::AlreadyExists
        {
            not_a_folder(dir, shown)
        } else {
            unwritable(&dir.display().to_string(), "create the folder", source)
        }
    })
}

/// The error for a path whose folder part runs into a file: names the first such file.
fn not_a_folder(dir: &Path, shown: &str) -> OutputError {
    let file = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| fs::metadata(a).is_ok_and(|m| !m.is_dir()))
        .unwrap_or(dir);
    OutputError::Refused {
        path: shown.to_string(),
        reason: format!("{} is a file, not a folder", file.display()),
    }
}

fn unwritable(path: &str, action: &'static str, source: io::Error) -> OutputError {
    OutputError::Unwritable {
        path: path.to_string(),
        action,
        source,
    }
}

/// `name` made safe as part of a file name: ASCII letters, digits, `-` and `_` are kept,
/// every other character becomes `-` (so no separator, dot or control character gets in).
pub fn file_name_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_recognised() {
        for p in ["out/", ".", "..", "/", "a/b/", "a/.."] {
            assert!(names_a_folder(Path::new(p)), "{p}");
        }
        for p in ["out", "a/b.json", "-x", ".hidden"] {
            assert!(!names_a_folder(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn a_bare_name_lives_in_the_current_folder() {
        assert_eq!(folder_of(Path::new("x.json")), Path::new("."));
        assert_eq!(folder_of(Path::new("a/x.json")), Path::new("a"));
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        let out = Output::prepare(&target).unwrap();
        let Kind::Replace { temp, .. } = &out.kind else {
            panic!("a missing file is replaced atomically");
        };
        let temp_path = temp.path().to_path_buf();
        assert!(temp_path.exists(), "the temporary file is made up front");
        assert!(signals::tracked().contains(&temp_path));
        drop(out);
        assert!(!temp_path.exists());
        assert!(!signals::tracked().contains(&temp_path));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failed_rename_keeps_the_old_file_and_leaves_no_temporary_file() {
        // The old bytes stay visible under the name until the rename; when the rename fails
        // (here the name became a folder meanwhile), the temporary file goes with the error.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        fs::write(&target, "old").unwrap();
        let out = Output::prepare(&target).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        fs::remove_file(&target).unwrap();
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside"), "kept").unwrap();
        let err = out.write("new").unwrap_err();
        assert!(
            !err.is_bad_input(),
            "{err}: a failed write is not the user's input"
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["r.json"], "only the folder in the way is left");
        assert_eq!(fs::read_to_string(target.join("inside")).unwrap(), "kept");
    }

    #[test]
    fn the_old_bytes_stay_until_the_rename() {
        // Between prepare and write (the whole simulation) the name and a hard link to it
        // read the old bytes; after, the name reads the new ones and the link the old.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        let link = dir.path().join("link.json");
        fs::write(&target, "old").unwrap();
        fs::hard_link(&target, &link).unwrap();
        let out = Output::prepare(&target).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_to_string(&link).unwrap(), "old");
        out.write("new").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::read_to_string(&link).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
