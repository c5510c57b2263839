//! Part files: `DIR/part-I.jsonl`, one [`RunRecord`] per line, appended by shard I as each
//! run finishes.
//!
//! A line is written whole and flushed, so a killed sweep leaves complete lines and at most
//! one cut-off line at the end of its part. Reading tolerates that cut in a part another
//! shard may still be writing; `--resume` removes it from the shard's own part; a merge
//! refuses it.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::record::RunRecord;

/// The part file of shard `shard`.
pub fn part_path(dir: &Path, shard: u64) -> PathBuf {
    dir.join(format!("part-{shard}.jsonl"))
}

/// A problem with a folder of parts; the message names the folder or file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartsError {
    /// The folder.
    pub dir: String,
    /// Every problem found, each naming its file where it has one.
    pub problems: Vec<String>,
}

impl fmt::Display for PartsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{}: {one}", self.dir),
            many => {
                write!(f, "{}: {} problems:", self.dir, many.len())?;
                many.iter().try_for_each(|p| write!(f, "\n  - {p}"))
            }
        }
    }
}

impl std::error::Error for PartsError {}

/// A line at the end of a part that was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Its line number, from 1.
    pub line: usize,
    /// Where it starts: the length of the part's complete lines.
    pub offset: u64,
}

/// One part file as read.
#[derive(Debug, Clone)]
pub struct Part {
    /// Its path.
    pub path: PathBuf,
    /// Its shard index, from the name.
    pub shard: u64,
    /// Its complete records with their line numbers (from 1), in file order.
    pub records: Vec<(usize, RunRecord)>,
    /// A cut-off last line, if any.
    pub cut: Option<Cut>,
}

impl Part {
    /// `part-3.jsonl`.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }
}

/// The shard index of a part's file name (`part-12.jsonl` → 12).
fn shard_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("part-")?.strip_suffix(".jsonl")?;
    let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    // `part-007` would be a second file for shard 7.
    (plain && (digits == "0" || !digits.starts_with('0')))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Every part in `dir`, by shard index. A folder that does not exist has none. Complete
/// lines that are not run records are errors; a cut-off last line is returned as such.
pub fn read_parts(dir: &Path) -> Result<Vec<Part>, PartsError> {
    let shown = dir.display().to_string();
    let fail = |problem: String| PartsError {
        dir: shown.clone(),
        problems: vec![problem],
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(fail(format!("cannot read the folder: {e}"))),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| fail(format!("cannot read the folder: {e}")))?;
        let name = entry.file_name();
        if let Some(shard) = name.to_str().and_then(shard_of) {
            found.push((shard, entry.path()));
        }
    }
    found.sort();
    let mut parts = Vec::with_capacity(found.len());
    let mut problems = Vec::new();
    for (shard, path) in found {
        match read_part(&path, shard) {
            Ok(part) => parts.push(part),
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(parts)
    } else {
        Err(PartsError {
            dir: shown,
            problems,
        })
    }
}

fn read_part(path: &Path, shard: u64) -> Result<Part, Vec<String>> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let bytes = std::fs::read(path).map_err(|e| vec![format!("{name}: cannot read: {e}")])?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let lines = bytes[..complete].iter().filter(|&&b| b == b'\n').count();
    for (i, text) in bytes[..complete]
        .split(|&b| b == b'\n')
        .take(lines)
        .enumerate()
    {
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<RunRecord>(text) {
            Ok(r) => records.push((i + 1, r)),
            Err(e) => problems.push(format!("{name}: line {} is not a run record: {e}", i + 1)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let cut = (complete < bytes.len()).then(|| Cut {
        line: lines + 1,
        offset: complete as u64,
    });
    Ok(Part {
        path: path.to_path_buf(),
        shard,
        records,
        cut,
    })
}

/// Appends records to a part, one line each, written whole and flushed as it comes.
#[derive(Debug)]
pub struct PartWriter {
    file: File,
    path: PathBuf,
}

impl PartWriter {
    /// Opens `path` for appending, creating it; `keep` cuts it to its first `keep` bytes
    /// first (dropping a cut-off last line).
    pub fn open(path: &Path, keep: Option<u64>) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        if let Some(len) = keep {
            file.set_len(len)?;
        }
        Ok(PartWriter {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The part's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line.
    pub fn append(&mut self, record: &RunRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()
    }
}

/// The runs a folder's parts hold, each with where it is: (file, line) per copy.
pub fn locations(parts: &[Part]) -> BTreeMap<u64, Vec<(String, usize)>> {
    let mut at: BTreeMap<u64, Vec<(String, usize)>> = BTreeMap::new();
    for part in parts {
        for (line, r) in &part.records {
            at.entry(r.run).or_default().push((part.file_name(), *line));
        }
    }
    at
}

/// The plans (name, fingerprint) whose records a folder holds, each with its parts' names.
pub fn plans(parts: &[Part]) -> BTreeMap<(String, String), Vec<String>> {
    let mut plans: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for part in parts {
        for (_, r) in &part.records {
            let files = plans
                .entry((r.plan.clone(), r.fingerprint.clone()))
                .or_default();
            if files.last() != Some(&part.file_name()) {
                files.push(part.file_name());
            }
        }
    }
    plans
}
