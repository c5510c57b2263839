//! A plan's overrides and the scenario they apply to: the base scenario found and checked,
//! the `[set]` and `[grid]` tables read as keys and values, each value checked on its own so
//! a problem names the value that caused it, and the grid crossed into checked points.

use std::path::Path;

use toml::{Table, Value};

use super::keys::{leaves, Key};
use super::plan::{label, Overrides, Point};
use crate::scenario::{Problem, Scenario, BUILT_INS};

/// Adds a problem at `key`.
pub(super) fn problem(p: &mut Vec<Problem>, key: impl Into<String>, message: impl Into<String>) {
    p.push(Problem {
        key: key.into(),
        message: message.into(),
    });
}

/// The base scenario's TOML and its name: a file beside the plan, else a built-in. Its own
/// problems are the plan's, under `scenario`.
pub(super) fn base_scenario(
    p: &mut Vec<Problem>,
    name: &str,
    dir: Option<&Path>,
) -> Option<(Value, String)> {
    let file = dir.map(|d| d.join(name)).filter(|f| f.is_file());
    let (text, origin, fallback) = match (&file, BUILT_INS.iter().find(|(n, _)| *n == name)) {
        (Some(f), _) => match std::fs::read_to_string(f) {
            Ok(text) => {
                let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
                (text, f.display().to_string(), stem.to_string())
            }
            Err(e) => {
                problem(p, "scenario", format!("cannot read '{}': {e}", f.display()));
                return None;
            }
        },
        (None, Some((n, text))) => (
            text.to_string(),
            format!("built-in scenario '{n}'"),
            n.to_string(),
        ),
        (None, None) => {
            let place = match dir {
                Some(d) if !d.as_os_str().is_empty() => {
                    format!("no file '{name}' in {}", d.display())
                }
                Some(_) => format!("no file '{name}'"),
                None => "a built-in plan names built-in scenarios only".into(),
            };
            problem(
                p,
                "scenario",
                format!("('{name}') is not a built-in scenario (try `shoplab scenarios`); {place}"),
            );
            return None;
        }
    };
    match Scenario::parse(&text, &origin, &fallback) {
        Ok(s) => {
            let doc = toml::from_str::<Table>(&text).expect("a scenario that parses is TOML");
            Some((Value::Table(doc), s.name))
        }
        Err(e) => {
            problem(
                p,
                "scenario",
                format!("('{name}') is not a valid scenario: {e}"),
            );
            None
        }
    }
}

/// A plan's overrides, read.
pub(super) struct Read {
    /// Fixed values, the plan's then the command line's.
    pub set: Vec<(Key, Value)>,
    /// Each grid key with its values.
    pub grid: Vec<(Key, Vec<Value>)>,
    /// What the command line replaced.
    pub notes: Vec<String>,
}

/// The plan's fixed overrides and grid as keys and values, with the command line's
/// overrides in, and notes on what the command line replaced.
pub(super) fn overrides_of(
    p: &mut Vec<Problem>,
    set: &Table,
    grid: &Table,
    cli: &Overrides,
) -> Read {
    let mut fixed = Vec::new();
    for (key, value) in leaves(set) {
        if key.segments() == ["seed"] {
            problem(
                p,
                "set.seed",
                "the runs' seeds come from the plan: set the plan's `seed` instead",
            );
        } else {
            fixed.push((key, value));
        }
    }
    let mut axes = Vec::new();
    for (key, value) in leaves(grid) {
        let at = format!("grid.{key}");
        match value {
            _ if key.segments() == ["seed"] => problem(
                p,
                at,
                "the runs' seeds come from the plan: use `replications` for more seeds",
            ),
            Value::Array(values) if values.is_empty() => problem(
                p,
                at,
                "is an empty list: give the values to run, e.g. [5000, 20000]",
            ),
            Value::Array(values) => {
                if fixed.iter().any(|(k, _)| *k == key) {
                    problem(
                        p,
                        at,
                        format!("is also fixed in [set] (set.{key}); give it in one place"),
                    );
                } else {
                    axes.push((key, values));
                }
            }
            other => problem(
                p,
                at,
                format!("({other}) must be a list of the values to run, e.g. [{other}]"),
            ),
        }
    }
    let mut notes = Vec::new();
    for (name, value) in [("shoppers", cli.shoppers), ("days", cli.days)] {
        let Some(value) = value else { continue };
        let key = Key::single(name);
        if let Some(at) = axes.iter().position(|(k, _)| *k == key) {
            axes.remove(at);
            notes.push(format!(
                "--{name} {value} replaces the plan's grid over {name}"
            ));
        }
        fixed.retain(|(k, _)| *k != key);
        fixed.push((key, Value::Integer(i64::from(value))));
    }
    Read {
        set: fixed,
        grid: axes,
        notes,
    }
}

/// Checks each override on its own: the fixed ones one by one, then together, then each
/// grid value on top of them, so that a problem names the value that caused it.
pub(super) fn check_each_override(
    p: &mut Vec<Problem>,
    base: &Value,
    set: &[(Key, Value)],
    grid: &[(Key, Vec<Value>)],
) {
    for (key, value) in set {
        check(p, &format!("set.{key}"), base, &[(key, value)]);
    }
    let fixed: Vec<(&Key, &Value)> = set.iter().map(|(k, v)| (k, v)).collect();
    if p.is_empty() && !set.is_empty() {
        check(p, "set", base, &fixed);
    }
    if !p.is_empty() {
        return;
    }
    for (key, values) in grid {
        for (i, value) in values.iter().enumerate() {
            let mut all = fixed.clone();
            all.push((key, value));
            check(p, &format!("grid.{key}[{i}]"), base, &all);
        }
    }
}

/// Applies `overrides` to `base` and checks the result as a scenario; problems are
/// reported as `at → scenario key: message`.
fn check(p: &mut Vec<Problem>, at: &str, base: &Value, overrides: &[(&Key, &Value)]) {
    if let Err(problems) = apply(base, overrides) {
        p.extend(problems.into_iter().map(|(key, message)| Problem {
            key: format!("{at} → {key}"),
            message,
        }));
    }
}

/// `base` with `overrides` applied, as scenario text and the checked scenario; or every
/// problem as (scenario key, message).
fn apply(
    base: &Value,
    overrides: &[(&Key, &Value)],
) -> Result<(Value, Scenario), Vec<(String, String)>> {
    let mut doc = base.clone();
    for (key, value) in overrides {
        key.set(&mut doc, (*value).clone())
            .map_err(|m| vec![(key.to_string(), m)])?;
    }
    let text = toml::to_string(&doc).expect("a TOML document serialises");
    match Scenario::parse(&text, "", "") {
        Ok(s) => Ok((doc, s)),
        Err(crate::ScenarioError::Invalid { problems, .. }) => Err(problems
            .into_iter()
            .map(|p| (p.key, without_line(p.message)))
            .collect()),
        Err(e) => Err(vec![("(scenario)".into(), e.to_string())]),
    }
}

/// A message without its `(line N)`: the line is one of the text made from the overrides,
/// which the user never sees.
fn without_line(message: String) -> String {
    match message.rsplit_once(" (line ") {
        Some((text, n))
            if n.strip_suffix(')')
                .is_some_and(|n| n.parse::<u32>().is_ok()) =>
        {
            text.to_string()
        }
        _ => message,
    }
}

/// Every grid point, the first key varying slowest, each checked.
pub(super) fn expand(
    p: &mut Vec<Problem>,
    base: &Value,
    set: &[(Key, Value)],
    grid: &[(Key, Vec<Value>)],
) -> Vec<Point> {
    let count: usize = grid.iter().map(|(_, v)| v.len()).product();
    let mut points = Vec::with_capacity(count);
    for index in 0..count {
        // The index in mixed radix, the last key's digit lowest.
        let mut rest = index;
        let mut point: Vec<(Key, Value)> = grid
            .iter()
            .rev()
            .map(|(key, options)| {
                let value = options[rest % options.len()].clone();
                rest /= options.len();
                (key.clone(), value)
            })
            .collect();
        point.reverse();
        let overrides: Vec<(&Key, &Value)> =
            set.iter().chain(&point).map(|(k, v)| (k, v)).collect();
        match apply(base, &overrides) {
            Ok((doc, scenario)) => points.push(Point {
                grid: point,
                doc,
                scenario,
            }),
            Err(problems) => {
                let at = format!("grid point {index} ({})", label(&point));
                p.extend(problems.into_iter().map(|(key, message)| Problem {
                    key: format!("{at} → {key}"),
                    message,
                }));
            }
        }
    }
    points
}
