//! The model's joint law of (X, Y_j) for every candidate link (seed 000, eq. 12):
//! p(X=u, Y=v) = sum_{v'} p(X=u) p(Y'=v' | X=u) p(Y=v | Y'=v'),
//! with X ~ Poisson(lambda_f T), the delay stage of [`super::delay`] (or a timed mix's,
//! [`super::timed`]) and a link stage of [`super::link`]. Candidates other than the target's
//! are independent of X, so only their marginal is kept; so is a padded target link's
//! ([`super::padding`]), whose count follows its slot clock, with X independent of it.

use super::composed::{ComposedDelay, DelayPart};
use super::delay::DelayStage;
use super::dist::{poisson_pmf, TAIL_EPS};
use super::exact::{ExactLink, ExactStageReport, DEFAULT_SLOTS_PER_PACKET};
use super::info::{mean, JointLaw};
use super::link::{conserving_kernel, published_kernel, LinkKernel, LinkStageReport};
use super::timed::TimedStage;
use super::{CandidateLink, LinkPadding, MixModelParams, NotApplicable};

/// The mix's delay stage: exponential holds, timed flushes, or (at a later mix of a path) the
/// earlier hops' delays composed with this mix's hold.
enum Delay {
    Exponential(DelayStage),
    Timed(TimedStage),
    Composed(ComposedDelay),
}

impl Delay {
    fn of(params: &MixModelParams) -> Result<Delay, NotApplicable> {
        if !params.earlier_hops.is_empty() {
            let mut parts = params.earlier_hops.clone();
            parts.push(DelayPart::Hold { mean: params.t_avg });
            return Ok(Delay::Composed(ComposedDelay::new(
                &parts,
                params.interval,
            )?));
        }
        Ok(match params.timed {
            None => Delay::Exponential(DelayStage::new(params.t_avg, params.interval)),
            Some(c) => Delay::Timed(TimedStage::new(c.period, c.phase, params.interval)?),
        })
    }

    fn target_conditional(&self, u: u64, lambda_f: f64, lambda_z: f64) -> Vec<f64> {
        match self {
            Delay::Exponential(d) => d.target_conditional(u, lambda_f, lambda_z),
            Delay::Timed(d) => d.target_conditional(u, lambda_f, lambda_z),
            Delay::Composed(d) => d.target_conditional(u, lambda_f, lambda_z),
        }
    }

    fn p_same(&self) -> f64 {
        match self {
            Delay::Exponential(d) => d.p_same(),
            Delay::Timed(d) => d.p_same(),
            Delay::Composed(d) => d.p_same(),
        }
    }

    fn other_marginal(&self, lambda_port: f64) -> Vec<f64> {
        match self {
            Delay::Exponential(d) => d.other_marginal(lambda_port),
            Delay::Timed(d) => d.other_marginal(lambda_port),
            Delay::Composed(d) => d.other_marginal(lambda_port),
        }
    }
}

/// The probability that a target packet entering at a uniform time of an interval leaves
/// the mix toward its link within that interval (0: the target's link is independent of X
/// interval by interval, as at the later hops of a long path).
pub fn release_share(params: &MixModelParams) -> Result<f64, NotApplicable> {
    Ok(Delay::of(params)?.p_same())
}

/// X's law, Poisson(lambda_f T).
fn target_px(params: &MixModelParams) -> Vec<f64> {
    poisson_pmf(params.lambda_f * params.interval, TAIL_EPS)
}

/// The laws when candidate `j` is padded: its count's law (independent of X), and the flow
/// check entry.
fn padded(
    params: &MixModelParams,
    j: usize,
    k: usize,
) -> Result<Option<(Vec<f64>, StageMeans)>, NotApplicable> {
    let Some(pad) = params.candidates[j].padding else {
        return Ok(None);
    };
    let y = pad.marginal(params.interval, k)?;
    let m = StageMeans {
        lambda_t: port_rate(params, j) * params.interval,
        mean_after_delay: f64::NAN,
        mean_after_link: mean(&y),
        link: None,
        exact: None,
    };
    Ok(Some((y, m)))
}

/// Which output-link stage to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum LinkStage {
    /// The paper's eqs (14)-(15) (not flow conserving).
    Published,
    /// The backlog chain of [`super::link::conserving_kernel`].
    Conserving,
    /// The time-resolved stage of [`super::exact`] (not a kernel on Y': it needs the release
    /// times within the interval).
    Exact,
}

/// Per-candidate flow check: the mean count per interval entering the mix for this port
/// (lambda_port T), after the delay stage (E[Y']) and after the link stage (E\[Y\]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageMeans {
    pub lambda_t: f64,
    pub mean_after_delay: f64,
    pub mean_after_link: f64,
    /// None when the link does not queue (or the stage is the exact one).
    pub link: Option<LinkStageReport>,
    /// The exact stage's grid and workload (None for the other stages, or without queueing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<ExactStageReport>,
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
) -> Result<(LinkKernel, Option<LinkStageReport>), NotApplicable> {
    match c.service_rate {
        None => Ok((LinkKernel::identity(n_in), None)),
        Some(bw) => {
            let (k, r) = match stage {
                LinkStage::Published => published_kernel(lambda_port, bw, interval, n_in),
                LinkStage::Conserving => conserving_kernel(lambda_port, bw, interval, n_in)?,
                LinkStage::Exact => unreachable!("the exact stage is not a kernel"),
            };
            Ok((k, Some(r)))
        }
    }
}

/// p(X = u) and p(Y'_0 = v' | X = u) on the target's port, rows padded to a common length.
/// Not applicable for a timed mix whose clock [`TimedStage::new`] refuses.
pub fn delay_conditionals(
    params: &MixModelParams,
) -> Result<(Vec<f64>, Vec<Vec<f64>>), NotApplicable> {
    let delay = Delay::of(params)?;
    let px = target_px(params);
    let lz = params.candidates[0].lambda_other;
    let mut rows: Vec<Vec<f64>> = (0..px.len())
        .map(|u| delay.target_conditional(u as u64, params.lambda_f, lz))
        .collect();
    let n = rows.iter().map(Vec::len).max().unwrap_or(1);
    rows.iter_mut().for_each(|r| r.resize(n, 0.0));
    Ok((px, rows))
}

/// The joint law of (X, Y_0) and the marginals of the other candidates, with `stage` on every
/// link that queues; not applicable for parameters [`MixModelParams::validate`] refuses or a
/// link stage that has no stationary law it can compute.
pub fn model_laws(params: &MixModelParams, stage: LinkStage) -> Result<ModelLaws, NotApplicable> {
    params.validate()?;
    if stage == LinkStage::Exact {
        return exact_laws(params, DEFAULT_SLOTS_PER_PACKET);
    }
    let delay = Delay::of(params)?;
    let t = params.interval;

    // Target's link.
    let (target, mut means) = match padded(params, 0, DEFAULT_SLOTS_PER_PACKET)? {
        Some((y, m)) => (JointLaw::product(&target_px(params), &y), vec![m]),
        None => kernel_target(params, stage)?,
    };

    // Other candidates.
    let mut others = Vec::new();
    for (j, c) in params.candidates.iter().enumerate().skip(1) {
        if let Some((y, m)) = padded(params, j, DEFAULT_SLOTS_PER_PACKET)? {
            means.push(m);
            others.push(y);
            continue;
        }
        let lp = port_rate(params, j);
        let yd = delay.other_marginal(lp);
        let (k, rep) = kernel(c, lp, t, yd.len(), stage)?;
        let y = k.apply(&yd);
        means.push(StageMeans {
            lambda_t: lp * t,
            mean_after_delay: mean(&yd),
            mean_after_link: mean(&y),
            link: rep,
            exact: None,
        });
        others.push(y);
    }
    Ok(ModelLaws {
        stage,
        target,
        others,
        means,
    })
}

/// The target's joint law through the delay stage and a kernel link stage, with its flow check.
fn kernel_target(
    params: &MixModelParams,
    stage: LinkStage,
) -> Result<(JointLaw, Vec<StageMeans>), NotApplicable> {
    let t = params.interval;
    let (px, cond) = delay_conditionals(params)?;
    let n_in = cond[0].len();
    let lp0 = port_rate(params, 0);
    let (k0, rep0) = kernel(&params.candidates[0], lp0, t, n_in, stage)?;
    let mut p = Vec::with_capacity(px.len() * k0.n_out);
    let mut y_delay = vec![0.0; n_in];
    for (u, row) in cond.iter().enumerate() {
        for (a, &b) in y_delay.iter_mut().zip(row) {
            *a += px[u] * b;
        }
        p.extend(k0.apply(row).into_iter().map(|q| px[u] * q));
    }
    let target = JointLaw::from_matrix(px.len(), k0.n_out, p);
    let means = vec![StageMeans {
        lambda_t: lp0 * t,
        mean_after_delay: mean(&y_delay),
        mean_after_link: target.mean_y(),
        link: rep0,
        exact: None,
    }];
    Ok((target, means))
}

/// The laws with the exact link stage ([`super::exact`]) at about `k` slots per packet service
/// time on every queueing link (a link too fast for the grid, or without queueing, passes the
/// delay stage's output through). Results are cached per (params, k): the DP is the costly
/// part of [`super::predict`] and is asked for repeatedly with the same parameters.
/// Not applicable as for [`model_laws`].
pub fn exact_laws(params: &MixModelParams, k: usize) -> Result<ModelLaws, NotApplicable> {
    params.validate()?;
    let key = cache_key(params, k);
    if let Some(hit) = EXACT_CACHE
        .lock()
        .expect("cache lock")
        .iter()
        .find(|(kk, _)| *kk == key)
    {
        return Ok(hit.1.clone());
    }
    let laws = exact_laws_uncached(params, k)?;
    let mut cache = EXACT_CACHE.lock().expect("cache lock");
    if cache.len() >= CACHE_SIZE {
        cache.remove(0);
    }
    cache.push((key, laws.clone()));
    Ok(laws)
}

const CACHE_SIZE: usize = 64;
type CacheKey = Vec<u64>;
static EXACT_CACHE: std::sync::Mutex<Vec<(CacheKey, ModelLaws)>> =
    std::sync::Mutex::new(Vec::new());

fn cache_key(params: &MixModelParams, k: usize) -> CacheKey {
    let mut key = vec![
        k as u64,
        params.lambda_f.to_bits(),
        params.t_avg.to_bits(),
        params.interval.to_bits(),
    ];
    if let Some(c) = params.timed {
        key.extend([c.period.to_bits(), c.phase.to_bits()]);
    }
    for part in &params.earlier_hops {
        match *part {
            DelayPart::Hold { mean } => key.extend([3, mean.to_bits()]),
            DelayPart::Fixed { delay } => key.extend([4, delay.to_bits()]),
            DelayPart::Queue {
                arrival_rate,
                service,
            } => key.extend([5, arrival_rate.to_bits(), service.to_bits()]),
        }
    }
    for c in &params.candidates {
        key.push(c.lambda_other.to_bits());
        key.push(c.service_rate.map_or(u64::MAX, f64::to_bits));
        match c.padding {
            None => {}
            Some(LinkPadding::Constant { per_interval }) => key.extend([1, per_interval]),
            Some(LinkPadding::Poisson { rate, .. }) => key.extend([2, rate.to_bits()]),
        }
    }
    key
}

fn exact_laws_uncached(params: &MixModelParams, k: usize) -> Result<ModelLaws, NotApplicable> {
    let delay = Delay::of(params)?;
    let t = params.interval;

    // Target's link.
    let (target, mut means) = match padded(params, 0, k)? {
        Some((y, m)) => (JointLaw::product(&target_px(params), &y), vec![m]),
        None => exact_target(params, &delay, k)?,
    };

    // Other candidates.
    let mut others = Vec::new();
    for j in 1..params.candidates.len() {
        if let Some((y, m)) = padded(params, j, k)? {
            means.push(m);
            others.push(y);
            continue;
        }
        let lp = port_rate(params, j);
        let yd = delay.other_marginal(lp);
        let lj = exact_link(params, j, k)?;
        let y = match &lj {
            None => yd.clone(),
            Some(l) => l.marginal(lp),
        };
        means.push(StageMeans {
            lambda_t: lp * t,
            mean_after_delay: mean(&yd),
            mean_after_link: mean(&y),
            link: None,
            exact: lj.as_ref().map(ExactLink::report),
        });
        others.push(y);
    }
    Ok(ModelLaws {
        stage: LinkStage::Exact,
        target,
        others,
        means,
    })
}

/// Candidate `j`'s exact link stage (None without queueing).
fn exact_link(
    params: &MixModelParams,
    j: usize,
    k: usize,
) -> Result<Option<ExactLink>, NotApplicable> {
    match params.candidates[j].service_rate {
        None => Ok(None),
        Some(bw) => ExactLink::new(port_rate(params, j), bw, params.interval, k),
    }
}

/// The target's joint law through the delay stage and the exact link stage, with its flow check.
fn exact_target(
    params: &MixModelParams,
    delay: &Delay,
    k: usize,
) -> Result<(JointLaw, Vec<StageMeans>), NotApplicable> {
    let (px, cond_delay) = delay_conditionals(params)?;
    let lp0 = port_rate(params, 0);
    let link0 = exact_link(params, 0, k)?;
    let rows = match (&link0, delay) {
        (None, _) => cond_delay.clone(),
        (Some(l), Delay::Exponential(d)) => l.conditionals(
            d,
            params.lambda_f,
            params.candidates[0].lambda_other,
            px.len() - 1,
        ),
        (Some(l), Delay::Composed(d)) => l.conditionals_composed(
            d,
            params.lambda_f,
            params.candidates[0].lambda_other,
            px.len() - 1,
        ),
        (Some(_), Delay::Timed(_)) => {
            return Err(NotApplicable::new(
                "a timed mix's batches on a queueing link have no exact link stage",
            ))
        }
    };
    let ny = rows[0].len();
    let mut p = Vec::with_capacity(px.len() * ny);
    let mut y_delay = vec![0.0; cond_delay[0].len()];
    for (u, row) in rows.iter().enumerate() {
        for (a, &b) in y_delay.iter_mut().zip(&cond_delay[u]) {
            *a += px[u] * b;
        }
        p.extend(row.iter().map(|q| px[u] * q));
    }
    let target = JointLaw::from_matrix(px.len(), ny, p);
    let means = vec![StageMeans {
        lambda_t: lp0 * params.interval,
        mean_after_delay: mean(&y_delay),
        mean_after_link: target.mean_y(),
        link: None,
        exact: link0.as_ref().map(ExactLink::report),
    }];
    Ok((target, means))
}
