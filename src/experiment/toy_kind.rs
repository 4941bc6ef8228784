//! An attack kind added the way `scenario::attacks` says a kind is added: this file (its typed
//! keys, their resolution, its attack and the truth it is scored against) plus its line in a
//! registry. The tests show that nothing else is needed: a scenario file takes the kind with
//! its keys (a new one among them), refuses unknown, foreign and ill-typed keys with located
//! errors that list the kind's keys, writes the table back in the effective scenario, and the
//! experiment runs and scores it like any other kind.

use crate::attack::{argmax_strict, Attack, Identification, Needs, Observation, Verdict, Watch};
use crate::engine::SimTime;
use crate::scenario::attack_build::{candidate_on_route, candidate_watches, target_watch};
use crate::scenario::attacks::{AttackKindDef, AttackTable, Err, KindKeys, Placed, Truth};
use crate::scenario::{Scenario, ScenarioError, ATTACK_REGISTRY, DEFAULT_TAP_INTERVAL};
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

/// The registry entry of `kind = "count_ratio"`.
const KIND: AttackKindDef = AttackKindDef::of::<Keys>(
    "count_ratio",
    "a toy: names the candidate whose count is closest to the target's",
    &["target", "sample_sizes", "floor"],
);

/// The registry of the shipped kinds plus this one: the one line a kind adds.
const KINDS: [AttackKindDef; ATTACK_REGISTRY.len() + 1] = {
    let mut out = [KIND; ATTACK_REGISTRY.len() + 1];
    let mut i = 0;
    while i < ATTACK_REGISTRY.len() {
        out[i] = ATTACK_REGISTRY[i];
        i += 1;
    }
    out
};

/// Its keys: two the shipped kinds have too, and `floor`, which none has.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    #[serde(default)]
    target: Option<Spanned<String>>,
    #[serde(default)]
    sample_sizes: Option<Spanned<Vec<u64>>>,
    /// The smallest count a candidate's sum is divided by. Default 1.
    #[serde(default)]
    floor: Option<Spanned<f64>>,
}

/// A validated `count_ratio` table.
#[derive(Debug, Clone, PartialEq)]
struct Table {
    target: usize,
    observe_link: usize,
    candidates: Vec<usize>,
    sample_sizes: Vec<usize>,
    floor: f64,
}

impl KindKeys for Keys {
    type Table = Table;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        _warnings: &mut Vec<ScenarioError>,
    ) -> Result<Table, ScenarioError> {
        let missing = |k: &str| err(format!("{at}.{k}"), format!("missing required key \"{k}\""));
        let name = self.target.as_ref().ok_or_else(|| missing("target"))?;
        let target = placed
            .flows
            .iter()
            .position(|f| f.name == *name.get_ref())
            .ok_or_else(|| err(format!("{at}.target"), "no such flow".into()))?;
        let observe_link = placed.flows[target].links[0];
        let mix = placed.links[observe_link].to;
        let candidates = (0..placed.links.len())
            .filter(|&l| placed.links[l].from == mix)
            .collect();
        let sizes = self
            .sample_sizes
            .as_ref()
            .ok_or_else(|| missing("sample_sizes"))?;
        Ok(Table {
            target,
            observe_link,
            candidates,
            sample_sizes: sizes.get_ref().iter().map(|&n| n as usize).collect(),
            floor: self.floor.as_ref().map_or(1.0, |f| *f.get_ref()),
        })
    }
}

impl AttackTable for Table {
    fn counting(&self) -> Option<(SimTime, usize)> {
        Some((DEFAULT_TAP_INTERVAL, *self.sample_sizes.last()?))
    }

    fn target(&self) -> Option<usize> {
        Some(self.target)
    }

    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let attack = CountRatio {
            target: target_watch(self.observe_link),
            candidates: candidate_watches(&self.candidates),
            sample_sizes: self.sample_sizes.clone(),
            floor: self.floor,
        };
        let truth = Truth::Identification {
            true_candidate: candidate_on_route(s, self.target, &self.candidates),
        };
        vec![(Box::new(attack), truth)]
    }
}

/// The attack: per sample size, the candidate whose count over the window is closest to the
/// target's (the ratio of the smaller to the larger, largest wins).
struct CountRatio {
    target: Watch,
    candidates: Vec<Watch>,
    sample_sizes: Vec<usize>,
    floor: f64,
}

impl Attack for CountRatio {
    fn name(&self) -> String {
        "count-ratio".into()
    }

    fn needs(&self) -> Needs {
        let mut counts = vec![self.target];
        counts.extend_from_slice(&self.candidates);
        Needs {
            interval: DEFAULT_TAP_INTERVAL,
            bins: *self.sample_sizes.last().expect("validated"),
            counts,
            traces: Vec::new(),
        }
    }

    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        let sum = |w: Watch, n: usize| {
            obs.counts(w)[..n]
                .iter()
                .map(|&c| c as f64)
                .sum::<f64>()
                .max(self.floor)
        };
        let ids = self.sample_sizes.iter().map(|&n| {
            let x = sum(self.target, n);
            let scores: Vec<f64> = self
                .candidates
                .iter()
                .map(|&c| {
                    let y = sum(c, n);
                    x.min(y) / x.max(y)
                })
                .collect();
            Identification {
                sample_size: n,
                chosen: argmax_strict(&scores),
                scores,
                probabilities: None,
            }
        });
        Verdict::Identification(ids.collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::{attacks, run_attacks, AttackTally, RunOptions};

    /// fig5-light with its attack table replaced by `table`.
    fn scenario_text(table: &str) -> String {
        let text = include_str!("../../scenarios/fig5-light.toml");
        let at = text
            .find("\n[attack]")
            .expect("fig5-light has an [attack] table");
        format!("{}\n[attack]\n{table}", &text[..at])
    }

    /// Where the line starting with `key` is, as errors write it.
    fn line_of(table: &str, key: &str) -> String {
        let text = scenario_text(table);
        let line = text.lines().position(|l| l.starts_with(key)).expect(key) + 1;
        format!("toy.toml:{line}:")
    }

    fn parse(table: &str, kinds: &'static [AttackKindDef]) -> Result<Scenario, ScenarioError> {
        Scenario::parse_with(&scenario_text(table), Path::new("toy.toml"), &[], kinds)
    }

    const TABLE: &str =
        "kind = \"count_ratio\"\ntarget = \"alice\"\nsample_sizes = [10, 40]\nfloor = 2.5\n";

    #[test]
    fn a_kind_is_its_file_plus_its_registry_line() {
        static REGISTRY: [AttackKindDef; KINDS.len()] = KINDS;
        let s = parse(TABLE, &REGISTRY).unwrap_or_else(|e| panic!("{e}"));
        let a = &s.attacks[0];
        assert_eq!(
            (a.name.as_str(), a.kind.kind_name()),
            ("count_ratio", "count_ratio")
        );
        let t = a.kind.get::<Table>().expect("the kind's own table");
        assert_eq!((t.floor, t.sample_sizes.clone()), (2.5, vec![10, 40]));
        // The series it counts sets the run's duration, as any counting kind's does.
        assert_eq!(s.duration, s.warmup + 40 * DEFAULT_TAP_INTERVAL);

        // The effective scenario writes the table back, and it reads back the same.
        let written = s.to_toml_string();
        assert!(written.contains("floor = 2.5"), "{written}");
        let again = Scenario::parse_with(&written, Path::new("again.toml"), &[], &REGISTRY)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.attacks, s.attacks);

        // The experiment runs and scores it with its own truth.
        let evaluated = attacks::of_scenario(&s);
        assert_eq!(evaluated.len(), 1);
        assert_eq!(evaluated[0].label(), "count_ratio/count-ratio");
        let opts = RunOptions {
            seed: 3,
            trials: 4,
            jobs: 1,
            progress: Default::default(),
            executor: Default::default(),
        };
        let result = run_attacks(&s, &evaluated, &opts);
        let AttackTally::Identification(sizes) = &result.tally.attacks[0] else {
            panic!("an identification tally");
        };
        assert_eq!(sizes.len(), 2);
        for n in sizes {
            assert_eq!(n.absent, 0, "alice's link is among the candidates");
            assert_eq!(n.correct + n.wrong + n.ties, 4);
        }
    }

    #[test]
    fn its_keys_are_checked_like_every_kinds() {
        static REGISTRY: [AttackKindDef; KINDS.len()] = KINDS;
        let error = |table: &str| parse(table, &REGISTRY).expect_err(table).to_string();
        // Without its registry line, its new key is unknown, and so is the kind.
        let unregistered =
            |table: &str| parse(table, ATTACK_REGISTRY).expect_err(table).to_string();
        assert!(unregistered(TABLE).contains("unknown key \"floor\""));
        let plain = TABLE.replace("floor = 2.5\n", "");
        assert!(unregistered(&plain).contains("unknown attack kind \"count_ratio\""));
        // Its new key is a key an attack table may hold, listed after the shipped ones.
        let flor = format!("{TABLE}flor = 1\n");
        let e = error(&flor);
        let at = line_of(&flor, "flor");
        assert!(e.contains(&format!("{at}1: key `attack.flor`: unknown key \"flor\" (did you mean \"floor\"?); expected one of: kind, name, target,")), "{e}");
        assert!(e.ends_with("scorers, mixes, links, floor"), "{e}");
        let high = TABLE.replace("2.5", "\"high\"");
        let e = error(&high);
        let at = line_of(&high, "floor");
        assert!(
            e.contains(&format!(
                "{at}9: key `attack.floor`: expected a number, got string \"high\""
            )),
            "{e}"
        );
        let e = error(&format!("{TABLE}estimators = [\"mi\"]\n"));
        assert!(e.contains("key `attack.estimators`: `estimators` does not apply to kind = \"count_ratio\"; its keys: kind, name, target, sample_sizes, floor"), "{e}");
        let e = error("target = \"alice\"\nsample_sizes = [10]\nfloor = 1.0\n");
        assert!(
            e.contains("`floor` does not apply to kind = \"correlation\""),
            "{e}"
        );
    }
}
