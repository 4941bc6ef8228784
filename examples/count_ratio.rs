//! Add an attack in one file: a toy identification attack plugged into the mixsim pipeline.
//!
//! The attack counts the packets the target sent and the packets each candidate link carried,
//! and names the candidate whose count is closest to the target's plus that link's share of
//! the rest (a packet-count ratio): it sees only count series, like every attack, never labels.
//! The experiment fills its observation from the taps, scores its verdicts against the ground
//! truth and writes the same summary as for the built-in attacks.
//!
//! Run: `cargo run --release --example count_ratio [SCENARIO.toml]` (default
//! scenarios/fig5-light.toml); it prints the summary table.

use mixsim::attack::{argmax_strict, Attack, Identification, Needs, Observation, Verdict, Watch};
use mixsim::experiment::attacks::{candidate_watches, target_watch, true_candidate};
use mixsim::experiment::{run_attacks, Evaluated, RunOptions, Summary, Truth};
use mixsim::scenario::Scenario;
use std::path::Path;

/// Scores each candidate by minus the distance between its packet count and the target's,
/// relative to the candidate's count: the target's traffic is a larger share of its own link.
pub struct CountRatio {
    pub target: Watch,
    pub candidates: Vec<Watch>,
    pub interval: u64,
    pub sample_sizes: Vec<usize>,
}

impl Attack for CountRatio {
    fn name(&self) -> String {
        "count-ratio".into()
    }

    fn needs(&self) -> Needs {
        let mut counts = vec![self.target];
        counts.extend_from_slice(&self.candidates);
        Needs {
            interval: self.interval,
            bins: *self.sample_sizes.last().expect("sample sizes"),
            counts,
            traces: Vec::new(),
        }
    }

    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        let x = obs.counts(self.target);
        let sum = |s: &[u32]| s.iter().map(|&c| c as f64).sum::<f64>();
        Verdict::Identification(
            self.sample_sizes
                .iter()
                .map(|&n| {
                    let sent = sum(&x[..n]);
                    let scores: Vec<f64> = self
                        .candidates
                        .iter()
                        .map(|&c| sent / sum(&obs.counts(c)[..n]).max(1.0))
                        .collect();
                    Identification {
                        sample_size: n,
                        chosen: argmax_strict(&scores),
                        scores,
                        probabilities: None,
                    }
                })
                .collect(),
        )
    }
}

/// Run `trials` trials of the scenario at `path` with the toy attack beside the scenario's own
/// correlation attack, on the same trials, and return the summary.
pub fn run_example(path: &Path, trials: u64) -> Summary {
    let s = Scenario::load(path, &[]).unwrap_or_else(|e| panic!("{e}"));
    let c = s
        .correlation()
        .expect("a correlation attack names target and candidates");
    let mut attacks = mixsim::experiment::attacks::of_scenario(&s);
    attacks.push(Evaluated {
        table: "toy".into(),
        attack: Box::new(CountRatio {
            target: target_watch(c.observe_link),
            candidates: candidate_watches(&c.candidates),
            interval: c.interval,
            sample_sizes: c.sample_sizes.clone(),
        }),
        // Ground truth stays here: the attack never sees it.
        truth: Truth::Identification {
            true_candidate: true_candidate(&s, c),
        },
    });
    let opts = RunOptions {
        seed: s.seed,
        trials,
        jobs: 1,
        progress: Default::default(),
        executor: Default::default(),
    };
    Summary::with_model(&s, &run_attacks(&s, &attacks, &opts))
}

#[allow(dead_code)] // a test includes this file for run_example
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/fig5-light.toml".into());
    print!("{}", run_example(Path::new(&path), 50).table());
}
