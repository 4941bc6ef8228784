//! What the diagnostic examples share: their command line (a scenario file, then numbers, then
//! `path=value` overrides), loading the scenario, one trial's count series at the correlation
//! attack's taps, and the mean with its standard error.

// Each example uses only part of this module.
#![allow(dead_code)]

use mixsim::experiment::runner::tap_setup;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::{CorrelationAttack, Scenario};
use std::path::PathBuf;

/// `EXAMPLE SCENARIO.toml [NUMBER]... [path=value]...`
pub struct Args {
    pub scenario: PathBuf,
    numbers: Vec<String>,
    sets: Vec<String>,
}

impl Args {
    /// The command line, or the usage line and exit 2 without a scenario.
    pub fn parse(usage: &str) -> Args {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let Some(scenario) = args.first().map(PathBuf::from) else {
            eprintln!("usage: {usage}");
            std::process::exit(2);
        };
        let (sets, numbers) = args[1..].iter().cloned().partition(|a| a.contains('='));
        Args {
            scenario,
            numbers,
            sets,
        }
    }

    /// The value of a `key=value` argument that is not a scenario override, taken out of them.
    pub fn take(&mut self, key: &str) -> Option<String> {
        let prefix = format!("{key}=");
        let i = self.sets.iter().position(|a| a.starts_with(&prefix))?;
        Some(self.sets.remove(i)[prefix.len()..].to_string())
    }

    /// The i-th number after the scenario (from 0), or `default`.
    pub fn number(&self, i: usize, default: u64) -> u64 {
        self.numbers
            .get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    }

    /// The scenario with the command line's overrides and then `extra`; a located error and
    /// exit 2 if it does not load.
    pub fn load(&self, extra: &[String]) -> Scenario {
        let mut sets = self.sets.clone();
        sets.extend_from_slice(extra);
        Scenario::load(&self.scenario, &sets).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        })
    }
}

/// The scenario's correlation attack (the examples study the plug-in MI attack).
pub fn correlation(s: &Scenario) -> &CorrelationAttack {
    s.correlation()
        .expect("the scenario has a correlation attack")
}

/// One trial's counts: the target's arrivals at the observed link, and each candidate's
/// departures, in candidate order.
pub struct Counts {
    pub x: Vec<u32>,
    pub ys: Vec<Vec<u32>>,
}

/// Simulate trial `trial` of `s` with `seed` and read its counts.
pub fn counts(s: &Scenario, seed: u64, trial: u64) -> Counts {
    let a = correlation(s);
    let (net, _) = Network::run(&s.topology(), seed, trial, tap_setup(s, false));
    let view = |l: usize, p: TapPoint| net.links[l].tap.view().counts(p).to_vec();
    Counts {
        x: view(a.observe_link, TapPoint::Arrive),
        ys: a
            .candidates
            .iter()
            .map(|&c| view(c, TapPoint::Depart))
            .collect(),
    }
}

/// Mean and standard error of the mean.
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, (var / n).sqrt())
}
