//! Where a problem is in the file: the line of a key path (`arms[1].traffic`), and the key
//! on a line the TOML parser stopped at.

use std::collections::HashMap;

use toml_edit::{ArrayOfTables, ImDocument, Item, TableLike, Value};

/// The 1-based line of byte offset `at` in `text`.
pub(super) fn line_at(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// One step of a key path.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
    /// `[]`: the problem is about every element (`segments[].share`).
    Every,
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out.push(Step::Key(name));
        }
        while let Some((inside, after)) = rest.split_once(']') {
            out.push(match inside.parse() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Every,
            });
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    out
}

enum Node<'a> {
    Table(&'a dyn TableLike),
    Array(&'a toml_edit::Array),
    Tables(&'a ArrayOfTables),
    Leaf,
}

fn node_of(item: &Item) -> Node<'_> {
    match item {
        Item::ArrayOfTables(a) => Node::Tables(a),
        Item::Value(Value::Array(a)) => Node::Array(a),
        _ => item.as_table_like().map_or(Node::Leaf, Node::Table),
    }
}

fn value_node(value: &Value) -> Node<'_> {
    match value {
        Value::Array(a) => Node::Array(a),
        Value::InlineTable(t) => Node::Table(t),
        _ => Node::Leaf,
    }
}

/// The line where `path` is written in the parsed file: the deepest step of the path that
/// can be found (a missing key falls back to its table). `None` when nothing matches.
pub(super) fn line_of(doc: &ImDocument<&str>, path: &str) -> Option<usize> {
    let steps = steps(path);
    let mut node = Node::Table(doc.as_table());
    let mut span = None;
    let mut i = 0;
    while i < steps.len() {
        match (&steps[i], node) {
            (Step::Key(_), Node::Table(table)) => {
                // Names may hold dots (`costs.arms.my.arm`): the shortest run of steps that
                // is a key of this table.
                let found = (i + 1..=steps.len()).find_map(|end| {
                    let keys: Option<Vec<&str>> = steps[i..end]
                        .iter()
                        .map(|s| match s {
                            Step::Key(k) => Some(*k),
                            _ => None,
                        })
                        .collect();
                    let (key, item) = table.get_key_value(&keys?.join("."))?;
                    Some((key, item, end))
                });
                let Some((key, item, end)) = found else { break };
                span = key.span().or_else(|| item.span()).or(span);
                node = node_of(item);
                i = end;
            }
            (Step::Index(n), Node::Array(array)) => {
                let Some(value) = array.get(*n) else { break };
                span = value.span().or(span);
                node = value_node(value);
                i += 1;
            }
            (Step::Index(n), Node::Tables(tables)) => {
                let Some(table) = tables.get(*n) else { break };
                span = table.span().or(span);
                node = Node::Table(table);
                i += 1;
            }
            _ => break,
        }
    }
    span.map(|s| line_at(doc.raw(), s.start))
}

/// The dotted key written on 1-based `line`, with its table's path (`arms[1].name`), for an
/// error the parser reports with a position but no key. `None` on a line that holds no key.
pub(super) fn key_at_line(text: &str, line: usize) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut table = String::new();
    for (n, raw) in text.lines().enumerate().take(line) {
        let content = raw.trim();
        let last = n + 1 == line;
        if let Some(header) = content.strip_prefix("[[") {
            let name = header.split("]]").next().unwrap_or("").trim().to_string();
            let count = *counts
                .entry(name.clone())
                .and_modify(|c| *c += 1)
                .or_insert(1);
            table = format!("{}[{}]", qualified(&name, &counts, true), count - 1);
            if last {
                return Some(table);
            }
        } else if let Some(header) = content.strip_prefix('[') {
            let name = header.split(']').next().unwrap_or("").trim();
            table = qualified(name, &counts, false);
            if last {
                return Some(table);
            }
        } else if last {
            let (key, _) = content.split_once('=')?;
            let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
            if key.is_empty() {
                return None;
            }
            return Some(if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            });
        }
    }
    None
}

/// A table name with the element index of every array of tables it lies in:
/// `arms.recommender` after two `[[arms]]` headers is `arms[1].recommender`.
fn qualified(name: &str, counts: &HashMap<String, usize>, is_array: bool) -> String {
    let parts: Vec<&str> = name.split('.').map(str::trim).collect();
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(part);
        let so_far = parts[..=i].join(".");
        let own = is_array && i + 1 == parts.len();
        if let Some(c) = counts.get(&so_far).filter(|_| !own) {
            out.push_str(&format!("[{}]", c - 1));
        }
    }
    out
}

/// Whether `line` has nothing after its `=` but blanks and a comment.
pub(super) fn value_is_missing(text: &str, line: usize) -> bool {
    text.lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.split_once('='))
        .is_some_and(|(_, value)| {
            let value = value.trim_start();
            value.is_empty() || value.starts_with('#')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "seed = 3\n\n[world]\nslate_size = 4\n\n[[arms]]\nname = \"a\"\n\n[[arms]]\nname = \"b.c\"\ntraffic = 2\nrecommender = { kind = \"mf\", factors = 900 }\n\n[experiment]\nfactors = [{ family = \"pricing\", levels = [\"list\",\n  \"list\"] }]\n\n[costs.arms.\"b.c\"]\ndevelopment = -1\n";

    #[test]
    fn lines_of_key_paths() {
        let doc = ImDocument::parse(FILE).unwrap();
        for (path, line) in [
            ("seed", 1),
            ("world.slate_size", 4),
            ("arms[0]", 6),
            ("arms[1].traffic", 11),
            ("arms[1].recommender.factors", 12),
            ("arms[].traffic", 6),
            ("experiment.factors[0].levels[1]", 16),
            ("costs.arms.b.c.development", 19),
            ("world.missing", 3),
        ] {
            assert_eq!(line_of(&doc, path), Some(line), "{path}");
        }
        assert_eq!(line_of(&doc, "nothing.here"), None);
    }

    #[test]
    fn keys_on_lines() {
        assert_eq!(key_at_line(FILE, 1).as_deref(), Some("seed"));
        assert_eq!(key_at_line(FILE, 4).as_deref(), Some("world.slate_size"));
        assert_eq!(key_at_line(FILE, 10).as_deref(), Some("arms[1].name"));
        assert_eq!(key_at_line(FILE, 9).as_deref(), Some("arms[1]"));
        assert_eq!(key_at_line(FILE, 2), None);
        let nested = "[[arms]]\n[[arms]]\n[arms.recommender]\nkind = 3\n";
        assert_eq!(
            key_at_line(nested, 4).as_deref(),
            Some("arms[1].recommender.kind")
        );
    }

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_at("a\nb\nc", 0), 1);
        assert_eq!(line_at("a\nb\nc", 2), 2);
        assert_eq!(line_at("a\nb\nc", 99), 3);
        assert!(value_is_missing("x = 1\nseed = \n", 2));
        assert!(value_is_missing("seed =   # later\n", 1));
        assert!(!value_is_missing("seed = 1\n", 1));
    }
}
