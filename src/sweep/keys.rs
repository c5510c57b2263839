//! Scenario keys as a plan writes them (`world.preference_strength`,
//! `arms.popularity.recommender.half_life_days`) and their application to a scenario's TOML.
//!
//! A key is a path of segments. In a table a segment names a key; in an array of tables
//! (`arms`, `segments`) it names the element whose `name` it equals; a strategy written as
//! a bare name (`recommender = "popularity"`) becomes `{ kind = "popularity" }` when a
//! parameter is set on it. Missing tables are created: whether the key means anything is
//! for [`Scenario::parse`](crate::Scenario::parse) to say, with the same rules as a file.

use std::fmt;

use toml::{Table, Value};

use crate::strategy::registry::Family;

/// A dotted key into a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(Vec<String>);

impl Key {
    /// The key of one segment.
    pub fn single(segment: &str) -> Self {
        Key(vec![segment.to_string()])
    }

    /// Its segments.
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    /// Sets `value` at this key in `doc` (a scenario's TOML document), replacing what is
    /// there.
    pub fn set(&self, doc: &mut Value, value: Value) -> Result<(), String> {
        self.descend(doc, 0, value)
    }

    /// Sets `value` below `node`, the value at the key's first `depth` segments.
    fn descend(&self, node: &mut Value, depth: usize, value: Value) -> Result<(), String> {
        let here = || Key(self.0[..depth].to_vec());
        let name = &self.0[depth];
        let last = depth + 1 == self.0.len();
        // A strategy given by name takes parameters once it is written as a table.
        let strategy = depth > 0 && Family::ALL.iter().any(|f| f.key() == self.0[depth - 1]);
        if let (true, Value::String(kind)) = (strategy, &*node) {
            let mut t = Table::new();
            t.insert("kind".into(), Value::String(kind.clone()));
            *node = Value::Table(t);
        }
        let child = match node {
            Value::Table(t) if last => {
                t.insert(name.clone(), value);
                return Ok(());
            }
            Value::Table(t) => t
                .entry(name.clone())
                .or_insert_with(|| Value::Table(Table::new())),
            Value::Array(items) => {
                let named = |i: &Value| i.get("name").and_then(Value::as_str) == Some(name);
                let Some(item) = items.iter_mut().find(|i| named(i)) else {
                    let names: Vec<String> = items
                        .iter()
                        .filter_map(|i| i.get("name").and_then(Value::as_str))
                        .map(|n| format!("'{n}'"))
                        .collect();
                    return Err(format!(
                        "{} has no element named '{name}' (names: {})",
                        here(),
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    ));
                };
                if last {
                    *item = value;
                    return Ok(());
                }
                item
            }
            other => return Err(format!("{} is a {}, not a table", here(), other.type_str())),
        };
        self.descend(child, depth + 1, value)
    }
}

impl fmt::Display for Key {
    /// Segments joined by dots, each quoted where TOML would need quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().map(|s| segment(s)).collect();
        f.write_str(&shown.join("."))
    }
}

/// A segment as TOML writes it in a dotted key: bare when it can be.
fn segment(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        s.to_string()
    } else {
        Value::String(s.to_string()).to_string()
    }
}

/// Every leaf of `table` with its key, in the table's order: a leaf is any value but a
/// non-empty table, so a grid's lists and a fixed array stay whole.
pub fn leaves(table: &Table) -> Vec<(Key, Value)> {
    let mut out = Vec::new();
    walk(table, &mut Vec::new(), &mut out);
    out
}

fn walk(table: &Table, prefix: &mut Vec<String>, out: &mut Vec<(Key, Value)>) {
    for (k, v) in table {
        prefix.push(k.clone());
        match v {
            Value::Table(t) if !t.is_empty() => walk(t, prefix, out),
            _ => out.push((Key(prefix.clone()), v.clone())),
        }
        prefix.pop();
    }
}
