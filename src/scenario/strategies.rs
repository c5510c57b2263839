//! Strategy choices as a scenario file writes them (a name, or a table with `kind` and
//! parameters), checked against the strategy registry into a [`StrategySpec`].

use serde::Deserialize;

use super::{suggest, Problem};
use crate::strategy::registry::{find, infos, Family, StrategySpec};

/// A strategy as written in a file: a name, or a table with `kind` and parameters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawStrategy {
    /// `recommender = "popularity"`
    Name(String),
    /// `recommender = { kind = "popularity", half_life_days = 7 }`
    Table(toml::Table),
}

/// Checks a strategy as written in a scenario at `key`; `None` means the family's default.
pub fn check_strategy(
    family: Family,
    raw: Option<&RawStrategy>,
    key: &str,
) -> Result<StrategySpec, Vec<Problem>> {
    let mut problems = Vec::new();
    let (name, table) = match raw {
        None => return Ok(StrategySpec::default_for(family)),
        Some(RawStrategy::Name(n)) => (n.as_str(), None),
        Some(RawStrategy::Table(t)) => match t.get("kind") {
            Some(toml::Value::String(n)) => (n.as_str(), Some(t)),
            Some(other) => {
                let message =
                    format!("({other}) must be the name of a {family} strategy, as a string");
                return Err(vec![Problem {
                    key: format!("{key}.kind"),
                    message,
                }]);
            }
            None => {
                let message = format!(
                    "is missing: name the {family} strategy, e.g. kind = \"{}\"",
                    family.default_name()
                );
                return Err(vec![Problem {
                    key: format!("{key}.kind"),
                    message,
                }]);
            }
        },
    };
    let Some(info) = find(family, name) else {
        let known: Vec<_> = infos(family).iter().map(|i| i.name).collect();
        let hint = suggest::closest(name, known.iter().copied())
            .map_or_else(String::new, |best| format!(" did you mean '{best}'?"));
        let message = format!(
            "('{name}') is not a {family} strategy;{hint} known: {}",
            known.join(", ")
        );
        let key = if table.is_some() {
            format!("{key}.kind")
        } else {
            key.to_string()
        };
        return Err(vec![Problem { key, message }]);
    };
    let mut params: Vec<(&'static str, f64)> =
        info.params.iter().map(|p| (p.name, p.default)).collect();
    for (k, v) in table.into_iter().flatten() {
        if k == "kind" {
            continue;
        }
        let pkey = format!("{key}.{k}");
        let Some(slot) = info.params.iter().position(|p| p.name == k) else {
            let known: Vec<_> = info.params.iter().map(|p| p.name).collect();
            let known = match suggest::closest(k, known.iter().copied()) {
                _ if known.is_empty() => "it takes no parameters".to_string(),
                Some(best) => format!("did you mean '{best}'? known: {}", known.join(", ")),
                None => format!("known: {}", known.join(", ")),
            };
            problems.push(Problem {
                key: pkey,
                message: format!("is not a parameter of '{name}'; {known}"),
            });
            continue;
        };
        let p = &info.params[slot];
        let value = match v {
            toml::Value::String(choice) if !p.choices.is_empty() => {
                match p.choices.iter().position(|c| c == choice) {
                    Some(index) => index as f64,
                    None => {
                        let message =
                            format!("('{choice}') must be one of: {}", p.choices.join(", "));
                        problems.push(Problem { key: pkey, message });
                        continue;
                    }
                }
            }
            _ if !p.choices.is_empty() => {
                let message = format!(
                    "({v}) must be one of: {}, as a string",
                    p.choices.join(", ")
                );
                problems.push(Problem { key: pkey, message });
                continue;
            }
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) if !p.integer => *f,
            other => {
                let kind = if p.integer {
                    "a whole number"
                } else {
                    "a number"
                };
                problems.push(Problem {
                    key: pkey,
                    message: format!("({other}) must be {kind}"),
                });
                continue;
            }
        };
        if !(value >= p.min && value <= p.max) {
            problems.push(Problem {
                key: pkey,
                message: format!("({value}) must be between {} and {}", p.min, p.max),
            });
            continue;
        }
        params[slot].1 = value;
    }
    if problems.is_empty() {
        Ok(StrategySpec {
            family,
            name: info.name,
            params,
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> RawStrategy {
        RawStrategy::Table(text.parse::<toml::Table>().unwrap())
    }

    #[test]
    fn defaults_and_names() {
        let s = check_strategy(Family::Email, None, "arms[0].email").unwrap();
        assert_eq!(s.name, "fixed-hour");
        assert_eq!(s.param("hour"), 10.0);
        let s = check_strategy(
            Family::Recommender,
            Some(&RawStrategy::Name("random".into())),
            "k",
        )
        .unwrap();
        assert_eq!(s.name, "random");
    }

    #[test]
    fn parameters_are_checked() {
        let s = check_strategy(
            Family::Email,
            Some(&table("kind = \"fixed-hour\"\nhour = 20")),
            "k",
        )
        .unwrap();
        assert_eq!(s.param("hour"), 20.0);
        assert_eq!(s.label(), "fixed-hour(hour=20)");
        let e = check_strategy(
            Family::Email,
            Some(&table("kind = \"fixed-hour\"\nhour = 30\nfoo = 1")),
            "k",
        )
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].key, "k.hour");
        assert_eq!(e[1].key, "k.foo");
        let e = check_strategy(
            Family::Recommender,
            Some(&RawStrategy::Name("nope".into())),
            "k",
        )
        .unwrap_err();
        assert!(e[0].message.contains("known: "), "{}", e[0].message);
        let e = check_strategy(
            Family::Recommender,
            Some(&RawStrategy::Name("itemcf".into())),
            "arms[1].recommender",
        )
        .unwrap_err();
        assert_eq!(
            e[0].message,
            "('itemcf') is not a recommender strategy; did you mean 'item-cf'? known: popularity, random, item-cf, mf, content, user-cf, hybrid, bandit"
        );
    }
}
