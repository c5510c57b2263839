//! The strategy registry: every strategy by family and name, with its parameters, their
//! defaults and ranges. Scenario files choose strategies by name (the scenario checks a
//! choice against [`find`] into a [`StrategySpec`]), and the engine builds them with
//! [`build`].

use std::fmt;

use super::{email, pricing, recommender, retention, Strategies};
use crate::world::Catalog;

/// The four strategy families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Recommenders.
    Recommender,
    /// Pricing and promotions.
    Pricing,
    /// Retention.
    Retention,
    /// Email and SMS timing.
    Email,
}

impl Family {
    /// Every family, in display order.
    pub const ALL: [Family; 4] = [
        Family::Recommender,
        Family::Pricing,
        Family::Retention,
        Family::Email,
    ];

    /// The scenario key of this family.
    pub fn key(self) -> &'static str {
        match self {
            Family::Recommender => "recommender",
            Family::Pricing => "pricing",
            Family::Retention => "retention",
            Family::Email => "email",
        }
    }

    /// The name of the family's baseline strategy, chosen where a scenario names none.
    pub fn default_name(self) -> &'static str {
        match self {
            Family::Recommender => "popularity",
            Family::Pricing => "list",
            Family::Retention => "none",
            Family::Email => "fixed-hour",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A numeric strategy parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Key in the scenario file.
    pub name: &'static str,
    /// Value when the file does not set it.
    pub default: f64,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Whether only whole numbers are allowed.
    pub integer: bool,
    /// For a choice: the allowed names; the value is the index of the chosen one.
    pub choices: &'static [&'static str],
    /// One line of help.
    pub help: &'static str,
}

impl Param {
    /// A real-valued parameter.
    pub const fn number(
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> Self {
        Param {
            name,
            default,
            min,
            max,
            integer: false,
            choices: &[],
            help,
        }
    }

    /// A whole-number parameter.
    pub const fn integer(
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> Self {
        Param {
            name,
            default,
            min,
            max,
            integer: true,
            choices: &[],
            help,
        }
    }

    /// One of several named options, written as a string; `default` is an index.
    pub const fn choice(
        name: &'static str,
        default: usize,
        choices: &'static [&'static str],
        help: &'static str,
    ) -> Self {
        Param {
            name,
            default: default as f64,
            min: 0.0,
            max: (choices.len() - 1) as f64,
            integer: true,
            choices,
            help,
        }
    }

    /// How a value of this parameter reads in a scenario file.
    pub fn show(&self, value: f64) -> String {
        match self.choices.get(value as usize) {
            Some(name) if !self.choices.is_empty() => format!("\"{name}\""),
            _ => value.to_string(),
        }
    }
}

/// A strategy's entry in the registry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrategyInfo {
    /// Family.
    pub family: Family,
    /// Name used in scenario files.
    pub name: &'static str,
    /// Whether it learns a model shared across shoppers from the arm's traffic (best
    /// sellers, neighbours, factors, prices, hours), as opposed to acting on each shopper's
    /// own history alone. Two copies of a learning strategy differ by what each learned.
    pub learns: bool,
    /// One-line description.
    pub summary: &'static str,
    /// Parameters.
    pub params: &'static [Param],
}

/// A checked strategy choice: a registered name and a value for every parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySpec {
    /// Family.
    pub family: Family,
    /// Registered name.
    pub name: &'static str,
    /// Every parameter, defaults filled in, in the registry's order.
    pub params: Vec<(&'static str, f64)>,
}

impl StrategySpec {
    /// The family's baseline strategy with default parameters.
    pub fn default_for(family: Family) -> Self {
        let info =
            find(family, family.default_name()).expect("every family has its default registered");
        StrategySpec {
            family,
            name: info.name,
            params: info.params.iter().map(|p| (p.name, p.default)).collect(),
        }
    }

    /// A parameter's value. The registry fills every declared parameter, so a missing name
    /// is a programming error in the strategy that asks for it.
    pub fn param(&self, name: &str) -> f64 {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("strategy '{}' has no parameter '{name}'", self.name))
    }

    /// The chosen name of a choice parameter.
    pub fn choice(&self, name: &str) -> &'static str {
        let info = find(self.family, self.name).expect("checked specs name registered strategies");
        let param = info
            .params
            .iter()
            .find(|p| p.name == name)
            .expect("the strategy declares the parameter");
        param.choices[self.param(name) as usize]
    }

    /// Whether the strategy learns a model shared across shoppers from its arm's traffic.
    pub fn learns(&self) -> bool {
        find(self.family, self.name).is_some_and(|i| i.learns)
    }

    /// `name` or `name(key=value, …)` for parameters that differ from their defaults.
    pub fn label(&self) -> String {
        let info = find(self.family, self.name);
        let changed: Vec<String> = self
            .params
            .iter()
            .filter(|(n, v)| {
                info.and_then(|i| i.params.iter().find(|p| p.name == *n))
                    .is_none_or(|p| p.default != *v)
            })
            .map(|(n, v)| {
                let shown = info
                    .and_then(|i| i.params.iter().find(|p| p.name == *n))
                    .map_or(v.to_string(), |p| p.show(*v));
                format!("{n}={shown}")
            })
            .collect();
        if changed.is_empty() {
            self.name.to_string()
        } else {
            format!("{}({})", self.name, changed.join(", "))
        }
    }
}

/// Every registered strategy of a family.
pub fn infos(family: Family) -> Vec<StrategyInfo> {
    match family {
        Family::Recommender => recommender::REGISTRY.iter().map(|e| e.info).collect(),
        Family::Pricing => pricing::REGISTRY.iter().map(|e| e.info).collect(),
        Family::Retention => retention::REGISTRY.iter().map(|e| e.info).collect(),
        Family::Email => email::REGISTRY.iter().map(|e| e.info).collect(),
    }
}

/// The registered strategy of a family with this name.
pub fn find(family: Family, name: &str) -> Option<StrategyInfo> {
    infos(family).into_iter().find(|i| i.name == name)
}

/// What a strategy is built from.
#[derive(Debug, Clone, Copy)]
pub struct BuildContext<'a> {
    /// The catalog (observable attributes only).
    pub catalog: &'a Catalog,
    /// Shoppers in the population.
    pub population: u32,
    /// Days in the horizon.
    pub days: u32,
    /// The scenario seed, for strategies that draw at random in their nightly batch
    /// (through `rng::stream` with `Purpose::Nightly`).
    pub seed: u64,
}

/// A registry entry: the strategy's description and how to build it.
pub struct Entry<T: ?Sized> {
    /// Name, summary and parameters.
    pub info: StrategyInfo,
    /// Builds the strategy from checked parameters.
    pub build: fn(&StrategySpec, &BuildContext) -> Box<T>,
}

fn build_one<T: ?Sized>(registry: &[Entry<T>], spec: &StrategySpec, ctx: &BuildContext) -> Box<T> {
    let entry = registry
        .iter()
        .find(|e| e.info.name == spec.name)
        .expect("checked specs name registered strategies");
    (entry.build)(spec, ctx)
}

/// Builds an arm's strategies from checked specs.
pub fn build(
    recommender: &StrategySpec,
    pricing: &StrategySpec,
    retention: &StrategySpec,
    email: &StrategySpec,
    ctx: &BuildContext,
) -> Strategies {
    Strategies {
        recommender: build_one(recommender::REGISTRY, recommender, ctx),
        pricing: build_one(pricing::REGISTRY, pricing, ctx),
        retention: build_one(retention::REGISTRY, retention, ctx),
        email: build_one(email::REGISTRY, email, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_parameters_take_names() {
        const P: Param = Param::choice("policy", 1, &["greedy", "thompson"], "how to explore");
        assert_eq!(P.default, 1.0);
        assert_eq!(P.show(0.0), "\"greedy\"");
    }
}
