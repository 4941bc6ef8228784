//! Analytical model of flow-correlation detection on a continuous-time mix (seed 000,
//! section 5 and appendix), with the improved and refined models mixsim adds beside it.
//!
//! Pipeline, one idea per file:
//! - [`delay`]: the M/M/inf delay stage in closed form, p(Y' | X);
//! - [`composed`]: the delay stage at a later mix of a path: every earlier hop's hold, link
//!   wait and propagation composed with this mix's hold;
//! - [`timed`]: a timed mix's delay stage (deterministic flushes), where it has one law;
//! - [`padding`]: the count on a padded candidate link (its slot clock, independent of X);
//! - [`md1`]: the stationary M/D/1 queue-length law, as printed and computed stably;
//! - [`link`]: batch link stages p(Y | Y'): none, the paper's (eqs 14-15), and a flow-conserving
//!   backlog chain;
//! - [`exact`]: the time-resolved link stage p(Y | X), from the release times within the
//!   interval and a deterministic server (the one the detection models use);
//! - [`joint`]: the joint law of (X, Y_0) and the other candidates' marginals (eq. 12);
//! - [`info`]: joint laws, mutual information I and Lemma 2's C;
//! - [`theorem1`](mod@theorem1): D = Phi(I_1 sqrt(N/C_1)) and formula (9) as printed;
//! - [`improved`](mod@improved): D = P(I^_1 > max_j I^_j) with chi-square laws for the independent links;
//! - [`refined`]: the same with exact finite-N biases and the second-order spread of I^_1;
//!
//! [`predict`] runs all of them for one parameter set and a list of sample sizes: Theorem 1 on
//! the published joint law (as published) and on the conserving one (for comparison), the
//! improved, refined and semi-analytic models on the exact one, and the refined model under
//! the decision rule's tie rule (a tie for the top is a failure) with the tie share the
//! semi-analytic repetitions measure.

pub mod composed;
pub mod delay;
pub mod dist;
pub mod exact;
pub mod improved;
pub mod info;
pub mod joint;
pub mod link;
pub mod md1;
pub mod padding;
pub mod refined;
pub mod theorem1;
pub mod timed;

pub use composed::{ComposedDelay, DelayPart};
pub use delay::DelayStage;
pub use exact::{ExactGrid, ExactLink, ExactStageReport, DEFAULT_SLOTS_PER_PACKET};
pub use improved::{improved, ImprovedTerms};
pub use info::{c_coefficient, expected_distinct, mutual_information, JointLaw};
pub use joint::{exact_laws, model_laws, LinkStage, ModelLaws, StageMeans};
pub use link::{conserving_kernel, published_kernel, LinkKernel, LinkStageReport};
pub use md1::{md1_printed, md1_stable};
pub use padding::LinkPadding;
pub use refined::{expected_plugin_mi, improved_refined, shared_covariances, RefinedTerms};
pub use theorem1::{theorem1, theorem1_as_printed};
pub use timed::{FlushClock, TimedStage};

/// Why the model does not describe a parameter set (the reason reads after "because").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct NotApplicable {
    pub reason: String,
}

impl NotApplicable {
    pub fn new(reason: impl Into<String>) -> Self {
        NotApplicable {
            reason: reason.into(),
        }
    }
}

/// Largest mean packet count per sampling interval on any port the model computes laws for:
/// its laws (and the exact stage's dynamic programme) grow with it, past this they take minutes
/// and gigabytes.
pub const MAX_MEAN_PER_INTERVAL: f64 = 1000.0;

/// One output link of the mix that the adversary considers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CandidateLink {
    /// pkt/s of OTHER traffic (not the target flow) leaving the mix on this link
    pub lambda_other: f64,
    /// link service rate in pkt/s (bandwidth / (8 * packet size)); None = no queueing (e.g. 1 Tb/s)
    pub service_rate: Option<f64>,
    /// The link's padding, if any: its counts then follow the slot clock, not the traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub padding: Option<LinkPadding>,
}

/// The model's inputs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MixModelParams {
    /// Target (Alice) Poisson rate, pkt/s.
    pub lambda_f: f64,
    /// Mean exponential mix hold, s (0 = no hold); for a timed mix its mean hold P/2, for the
    /// record only.
    pub t_avg: f64,
    /// A timed mix's flush clock (None: the exponential mix of mean `t_avg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timed: Option<FlushClock>,
    /// Sampling interval T, s.
    pub interval: f64,
    /// The delay the target's packets have already taken between the adversary's view of
    /// them (where they enter their first mix) and this mix: each earlier hop's hold, link
    /// wait, transmission and propagation (empty at the first mix). See [`composed`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_hops: Vec<DelayPart>,
    /// Index 0 carries the target flow; the rest are independent of it.
    pub candidates: Vec<CandidateLink>,
}

impl MixModelParams {
    /// Checks that the model is defined and computable: positive finite rates and interval, at
    /// least one candidate, every queueing link loaded below its capacity (also on the grid the
    /// flow-conserving stage uses), and at most [`MAX_MEAN_PER_INTERVAL`] packets per interval
    /// on a port.
    pub fn validate(&self) -> Result<(), NotApplicable> {
        self.validate_inputs()
    }

    fn validate_inputs(&self) -> Result<(), NotApplicable> {
        let finite_pos = |x: f64| x.is_finite() && x > 0.0;
        if !finite_pos(self.lambda_f) {
            return Err(NotApplicable::new(format!(
                "lambda_f must be finite and > 0, got {}",
                self.lambda_f
            )));
        }
        if !(self.t_avg.is_finite() && self.t_avg >= 0.0) {
            return Err(NotApplicable::new(format!(
                "t_avg must be finite and >= 0, got {}",
                self.t_avg
            )));
        }
        if !finite_pos(self.interval) {
            return Err(NotApplicable::new(format!(
                "interval must be finite and > 0, got {}",
                self.interval
            )));
        }
        if self.candidates.is_empty() {
            return Err(NotApplicable::new(
                "at least one candidate link (the target's) is needed",
            ));
        }
        if let Some(clock) = self.timed {
            TimedStage::new(clock.period, clock.phase, self.interval)?;
            if !self.earlier_hops.is_empty() {
                return Err(NotApplicable::new(
                    "the path model composes exponential holds; a timed mix on the path releases batches whose times are not independent across packets",
                ));
            }
        }
        for part in &self.earlier_hops {
            part.validate(self.interval)?;
        }
        for (j, c) in self.candidates.iter().enumerate() {
            self.validate_candidate(j, c)?;
        }
        Ok(())
    }

    /// Candidate `j`'s inputs: a finite load, padding that validates, and a queueing link only
    /// behind an exponential mix, loaded below its capacity (also on the link stage's grid).
    fn validate_candidate(&self, j: usize, c: &CandidateLink) -> Result<(), NotApplicable> {
        let finite_pos = |x: f64| x.is_finite() && x > 0.0;
        if !(c.lambda_other.is_finite() && c.lambda_other >= 0.0) {
            return Err(NotApplicable::new(format!(
                "candidate {j}: lambda_other must be finite and >= 0, got {}",
                c.lambda_other
            )));
        }
        if let Some(pad) = c.padding {
            pad.validate()
                .map_err(|e| NotApplicable::new(format!("candidate {j}: {e}")))?;
            return Ok(());
        }
        if self.timed.is_some() && c.service_rate.is_some() {
            return Err(NotApplicable::new(format!(
                "candidate {j}: a timed mix hands its output link a whole batch at each flush, a workload the link stages do not describe: expected a link without queueing"
            )));
        }
        let per_interval =
            (c.lambda_other + if j == 0 { self.lambda_f } else { 0.0 }) * self.interval;
        if per_interval > MAX_MEAN_PER_INTERVAL {
            return Err(NotApplicable::new(format!(
                "candidate {j}: {per_interval:.0} packets per sampling interval on average, more than the {MAX_MEAN_PER_INTERVAL} the model computes its laws for (use a shorter interval)"
            )));
        }
        if let Some(bw) = c.service_rate {
            if !finite_pos(bw) {
                return Err(NotApplicable::new(format!(
                    "candidate {j}: service_rate must be finite and > 0, got {bw}"
                )));
            }
            let lambda = c.lambda_other + if j == 0 { self.lambda_f } else { 0.0 };
            if lambda >= bw {
                return Err(NotApplicable::new(format!(
                    "candidate {j}: load {lambda} pkt/s is not below the service rate {bw} pkt/s (no stationary queue)"
                )));
            }
            let (units, m) = link::capacity_grid(bw, self.interval);
            let used = units as f64 / m as f64;
            if lambda * self.interval >= used {
                return Err(NotApplicable::new(format!(
                    "candidate {j}: {:.4} packets arrive per sampling interval but the link stage serves {used} (BW T = {:.4} on its grid of 1/{m} packet): expected a load below that capacity (use a longer interval)",
                    lambda * self.interval,
                    bw * self.interval
                )));
            }
        }
        Ok(())
    }
}

/// Predictions at one sample size N.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Prediction {
    pub sample_size: usize,
    /// D = Phi(I_1 sqrt(N / C_1)) with the paper's link stage (as published).
    pub theorem1: f64,
    /// Formula (9) with its stray factor, for the record.
    pub theorem1_as_printed: f64,
    /// Theorem 1 on the flow-conserving joint law (separates the link stage's effect from
    /// the detection formula's).
    pub theorem1_conserving: f64,
    /// Theorem 1 on the exact joint law.
    pub theorem1_exact: f64,
    /// The improved model ([`improved`](mod@improved): independent candidates' estimates as chi-square
    /// variables, not a constant) on the exact joint law ([`exact`]).
    pub improved: f64,
    /// The refined model of [`refined`] (exact finite-N bias, second-order spread of I^_1) on
    /// the exact joint law: closer to the semi-analytic estimate than `improved`.
    pub improved_refined: f64,
    /// The refined model under the decision rule's tie rule (strictly largest estimate; a tie
    /// for the top is a failure): `improved_refined` less the tie share measured on the
    /// semi-analytic repetitions (NaN without them). The refined model's estimates are
    /// continuous and never tie; where the real estimates tie (at small N they often all reach
    /// the empirical entropy of X) it splits the tied mass between the tied candidates.
    pub refined_ties: f64,
    /// The tie share subtracted for `refined_ties`.
    pub tie_share: f64,
    /// Real plugin_mi on N i.i.d. samples from the exact model joint law.
    pub semi_analytic: f64,
    /// r, s_1, s_j used by the improved model (expected distinct values in N samples).
    pub improved_terms: ImprovedTerms,
    /// Effective degrees of freedom used by the refined model.
    pub refined_terms: RefinedTerms,
}

/// Everything the model says about one parameter set: the scenario-level quantities (written
/// around the predictions, in this order, by `model --json`) and one prediction per sample size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelSummary {
    #[serde(flatten)]
    pub information: Information,
    pub predictions: Vec<Prediction>,
    #[serde(flatten)]
    pub checks: Checks,
}

/// I_1 (nats) and C_1 of the target's joint law under each link stage.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Information {
    /// For the joint law used by theorem1 (published link stage).
    pub i1: f64,
    pub c1: f64,
    /// For the flow-conserving joint law.
    pub i1_conserving: f64,
    pub c1_conserving: f64,
    /// For the exact (time-resolved) joint law, used by improved, refined and semi-analytic.
    pub i1_exact: f64,
    pub c1_exact: f64,
}

/// The flow checks of each link stage, and the semi-analytic estimate's settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Checks {
    /// Flow check per candidate with the published link stage: E[Y'] and E\[Y\] against
    /// lambda_port T (the published stage adds queue content, so E\[Y\] exceeds it).
    pub means_published: Vec<StageMeans>,
    /// The same with the flow-conserving link stage (E\[Y\] = lambda_port T).
    pub means_conserving: Vec<StageMeans>,
    /// The same with the exact link stage (E\[Y\] = lambda_port T), with its grid.
    pub means_exact: Vec<StageMeans>,
    /// Semi-analytic repetitions and seed (written as a string, as every seed).
    pub semi_reps: usize,
    #[serde(serialize_with = "seed_string")]
    pub semi_seed: u64,
}

/// A seed as a decimal string: JSON readers round integers past 2^53, and every seed mixsim
/// writes is a string.
pub fn seed_string<S: serde::Serializer>(seed: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&seed.to_string())
}

/// The semi-analytic estimate: the detection rate of the attack's real estimator on samples
/// drawn from the exact joint law, at each sample size. The model cannot compute it (it would
/// need the attack's estimator and a random stream), so the caller supplies it; the experiment
/// layer does.
#[derive(Debug, Clone)]
pub struct SemiAnalytic {
    /// Repetitions (0 = not computed).
    pub reps: usize,
    pub seed: u64,
    /// One rate per sample size, in the order given to [`predict`] (NaN when not computed).
    pub rates: Vec<f64>,
    /// Per sample size, the share of the tied mass a continuous model credits the target with
    /// (mean of 1/k over repetitions where it ties with k - 1 others for the top; NaN when not
    /// computed).
    pub tie_shares: Vec<f64>,
}

/// All model predictions for `params` at each of `sample_sizes`, or why the model does not
/// apply to them. `semi` computes the semi-analytic estimate from the exact laws.
pub fn predict(
    params: &MixModelParams,
    sample_sizes: &[usize],
    semi: impl FnOnce(&ModelLaws) -> SemiAnalytic,
) -> Result<ModelSummary, NotApplicable> {
    let published = model_laws(params, LinkStage::Published)?;
    let conserving = model_laws(params, LinkStage::Conserving)?;
    let exact = model_laws(params, LinkStage::Exact)?;
    // A padded target link's count follows its slot clock, and at a late hop of a path none
    // of an interval's entries leaves within it: X and Y are independent by construction, so
    // I_1 and C_1 are exactly 0 (not the rounding noise of a product law).
    let independent =
        params.candidates[0].padding.is_some() || joint::release_share(params)? == 0.0;
    let info = |law: &JointLaw| {
        if independent {
            (0.0, 0.0)
        } else {
            (mutual_information(law), c_coefficient(law))
        }
    };
    let (i1, c1) = info(&published.target);
    let (i1c, c1c) = info(&conserving.target);
    let (i1e, c1e) = info(&exact.target);
    let semi = semi(&exact);
    assert_eq!(
        semi.rates.len(),
        sample_sizes.len(),
        "one semi-analytic rate per size"
    );
    assert_eq!(
        semi.tie_shares.len(),
        sample_sizes.len(),
        "one tie share per size"
    );
    let mut refined_terms = RefinedTerms::for_sizes(&exact, sample_sizes).into_iter();
    let predictions = sample_sizes
        .iter()
        .zip(semi.rates)
        .zip(semi.tie_shares)
        .map(|((&n, semi_analytic), tie_share)| {
            let terms = ImprovedTerms::new(&exact.target.px, &exact.target.py, &exact.others, n);
            let refined_terms = refined_terms.next().expect("one per size");
            let refined = refined::refined_from_terms(i1e, c1e, n, &refined_terms);
            Prediction {
                sample_size: n,
                theorem1: theorem1(i1, c1, n),
                theorem1_as_printed: theorem1_as_printed(i1, c1, n),
                theorem1_conserving: theorem1(i1c, c1c, n),
                theorem1_exact: theorem1(i1e, c1e, n),
                improved: improved(i1e, c1e, n, &terms),
                improved_refined: refined,
                refined_ties: refined - tie_share,
                tie_share,
                semi_analytic,
                improved_terms: terms,
                refined_terms,
            }
        })
        .collect();
    Ok(ModelSummary {
        information: Information {
            i1,
            c1,
            i1_conserving: i1c,
            c1_conserving: c1c,
            i1_exact: i1e,
            c1_exact: c1e,
        },
        predictions,
        checks: Checks {
            means_published: published.means,
            means_conserving: conserving.means,
            means_exact: exact.means,
            semi_reps: semi.reps,
            semi_seed: semi.seed,
        },
    })
}
