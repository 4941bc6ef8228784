//! The model's joint law of (X, Y_j) for every candidate link (seed 000, eq. 12):
//! p(X=u, Y=v) = sum_{v'} p(X=u) p(Y'=v' | X=u) p(Y=v | Y'=v'),
//! with X ~ Poisson(lambda_f T), the delay stage of [`super::delay`] and a link stage of
//! [`super::link`]. Candidates other than the target's are independent of X, so only their
//! marginal is kept.

use super::delay::DelayStage;
use super::dist::{poisson_pmf, TAIL_EPS};
use super::info::{mean, JointLaw};
use super::link::{conserving_kernel, published_kernel, LinkKernel, LinkStageReport};
use super::{CandidateLink, MixModelParams};

/// Which output-link stage to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum LinkStage {
    /// The paper's eqs (14)-(15) (not flow conserving).
    Published,
    /// The backlog chain of [`super::link::conserving_kernel`].
    Conserving,
}

/// Per-candidate flow check: the mean count per interval entering the mix for this port
/// (lambda_port T), after the delay stage (E[Y']) and after the link stage (E[Y]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageMeans {
    pub lambda_t: f64,
    pub mean_after_delay: f64,
    pub mean_after_link: f64,
    /// None when the link does not queue.
    pub link: Option<LinkStageReport>,
}

/// The model's laws for one link stage.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelLaws {
    pub stage: LinkStage,
    /// Joint law of (X, Y_0), the target's link.
    pub target: JointLaw,
    /// Marginal law of Y_j for candidates j = 1, 2, ... (independent of X), in order.
    pub others: Vec<Vec<f64>>,
    /// Flow check per candidate (index 0 = target's link).
    pub means: Vec<StageMeans>,
}

/// Output rate of a candidate's port: lambda_other, plus lambda_f for the target's.
fn port_rate(params: &MixModelParams, j: usize) -> f64 {
    params.candidates[j].lambda_other + if j == 0 { params.lambda_f } else { 0.0 }
}

fn kernel(
    c: &CandidateLink,
    lambda_port: f64,
    interval: f64,
    n_in: usize,
    stage: LinkStage,
) -> (LinkKernel, Option<LinkStageReport>) {
    match c.service_rate {
        None => (LinkKernel::identity(n_in), None),
        Some(bw) => {
            let (k, r) = match stage {
                LinkStage::Published => published_kernel(lambda_port, bw, interval, n_in),
                LinkStage::Conserving => conserving_kernel(lambda_port, bw, interval, n_in),
            };
            (k, Some(r))
        }
    }
}

/// p(X = u) and p(Y'_0 = v' | X = u) on the target's port, rows padded to a common length.
pub fn delay_conditionals(params: &MixModelParams) -> (Vec<f64>, Vec<Vec<f64>>) {
    let delay = DelayStage::new(params.t_avg, params.interval);
    let px = poisson_pmf(params.lambda_f * params.interval, TAIL_EPS);
    let lz = params.candidates[0].lambda_other;
    let mut rows: Vec<Vec<f64>> = (0..px.len())
        .map(|u| delay.target_conditional(u as u64, params.lambda_f, lz))
        .collect();
    let n = rows.iter().map(Vec::len).max().unwrap_or(1);
    rows.iter_mut().for_each(|r| r.resize(n, 0.0));
    (px, rows)
}

/// The joint law of (X, Y_0) and the marginals of the other candidates, with `stage` on every
/// link that queues. Panics on invalid parameters (see [`MixModelParams::validate`]).
pub fn model_laws(params: &MixModelParams, stage: LinkStage) -> ModelLaws {
    if let Err(e) = params.validate() {
        panic!("invalid model parameters: {e}");
    }
    let delay = DelayStage::new(params.t_avg, params.interval);
    let t = params.interval;

    // Target's link.
    let (px, cond) = delay_conditionals(params);
    let n_in = cond[0].len();
    let lp0 = port_rate(params, 0);
    let (k0, rep0) = kernel(&params.candidates[0], lp0, t, n_in, stage);
    let mut p = Vec::with_capacity(px.len() * k0.n_out);
    let mut y_delay = vec![0.0; n_in];
    for (u, row) in cond.iter().enumerate() {
        for (a, &b) in y_delay.iter_mut().zip(row) {
            *a += px[u] * b;
        }
        p.extend(k0.apply(row).into_iter().map(|q| px[u] * q));
    }
    let target = JointLaw::from_matrix(px.len(), k0.n_out, p);
    let mut means = vec![StageMeans {
        lambda_t: lp0 * t,
        mean_after_delay: mean(&y_delay),
        mean_after_link: target.mean_y(),
        link: rep0,
    }];

    // Other candidates.
    let mut others = Vec::new();
    for (j, c) in params.candidates.iter().enumerate().skip(1) {
        let lp = port_rate(params, j);
        let yd = delay.other_marginal(lp);
        let (k, rep) = kernel(c, lp, t, yd.len(), stage);
        let y = k.apply(&yd);
        means.push(StageMeans {
            lambda_t: lp * t,
            mean_after_delay: mean(&yd),
            mean_after_link: mean(&y),
            link: rep,
        });
        others.push(y);
    }
    ModelLaws {
        stage,
        target,
        others,
        means,
    }
}
