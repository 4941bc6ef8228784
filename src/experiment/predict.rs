//! From a scenario to the analytical model's inputs.
//!
//! The model of seed 000 covers one exponential mix with Poisson traffic: the target flow enters
//! the mix, every candidate link leaves it, and every flow on a candidate link is Poisson and was
//! held by that mix. mixsim extends it to a timed mix whose flush period and sampling interval
//! are whole multiples of one another (behind links that do not queue), and to candidate links
//! padded with dummies of the packets' size (constant padding with a whole number of slots per
//! interval, or Poisson padding). [`correlation_params`] checks this and maps the scenario onto
//! [`MixModelParams`]; anything else is reported as "not applicable", with the reason, rather
//! than given a model that does not describe it.

use super::predictions::{
    Applicable, CorrelationModel, CorrelationPoint, PathPoint, ScenarioModel, SearchBounds,
    WatermarkAnalysis, WatermarkModel,
};
use super::semi::{predict, ModelOptions};
use crate::engine::time;
use crate::model::correlation::{
    CandidateLink, DelayPart, FlushClock, LinkPadding, MixModelParams, ModelSummary, NotApplicable,
};
use crate::net::link::{Padding, PaddingKind};
use crate::net::MixStrategy;
use crate::scenario::adversary::HopByHopAttack;
use crate::scenario::watermark::{AnchorKind, WatermarkAttack};
use crate::scenario::{ResolvedNodeKind, Scenario, Traffic};

/// A link whose utilisation is below this is treated as having no queueing stage (the model's
/// queue law at load 1e-6 is the identity to within rounding, and huge capacities per interval
/// only cost time).
const NO_QUEUE_LOAD: f64 = 1e-3;

/// The model's inputs for `scenario`, or why the model does not apply.
pub fn correlation_params(s: &Scenario) -> Result<MixModelParams, NotApplicable> {
    scenario_params(s)
}

fn scenario_params(s: &Scenario) -> Result<MixModelParams, NotApplicable> {
    let a = s
        .correlation()
        .ok_or_else(|| NotApplicable::new("the scenario has no correlation attack"))?;
    let mix = s.links[a.observe_link].to;
    if let Some(c) = s
        .flows
        .iter()
        .find(|f| f.cover.is_some() && f.links.contains(&a.observe_link))
    {
        return Err(NotApplicable::new(format!(
            "cover stream \"{}\" crosses the observed link {}: the model's input series is the target flow alone",
            c.name, s.links[a.observe_link].name
        )));
    }
    let truth = crate::experiment::runner::true_candidate(s, a)
        .ok_or_else(|| NotApplicable::new("the target flow crosses none of the candidate links"))?;
    mix_params(s, a.target, mix, &a.candidates, truth, a.interval)
}

/// The model's inputs for flow `target` entering mix `mix`, whose links `candidates` the
/// adversary compares (the target leaves on `candidates[truth]`), at sampling interval
/// `interval`; or why the model does not apply.
fn mix_params(
    s: &Scenario,
    target_index: usize,
    mix: usize,
    candidates_in: &[usize],
    truth: usize,
    interval: crate::engine::SimTime,
) -> Result<MixModelParams, NotApplicable> {
    let target = &s.flows[target_index];
    let lambda_f = match target.traffic {
        Traffic::Poisson { rate } => rate,
        _ => {
            return Err(NotApplicable::new(format!(
                "the model assumes a Poisson target flow; flow \"{}\" is not Poisson",
                target.name
            )))
        }
    };
    let (t_avg, timed) = mix_delay(s, mix)?;
    let mut order: Vec<usize> = vec![truth];
    order.extend((0..candidates_in.len()).filter(|&c| c != truth));
    let mut candidates = Vec::new();
    for c in order {
        let lambda_target = if c == truth { lambda_f } else { 0.0 };
        let link = candidate_link(
            s,
            target_index,
            mix,
            candidates_in[c],
            lambda_target,
            interval,
        )?;
        candidates.push(link);
    }
    let params = MixModelParams {
        lambda_f,
        t_avg,
        timed,
        interval: time::to_secs_f64(interval),
        earlier_hops: Vec::new(),
        candidates,
    };
    params.validate()?;
    Ok(params)
}

/// Candidate link `li` as the model sees it: it leaves `mix`; the Poisson rate of the other
/// flows on it (one packet size, none starting at the mix); its service rate when its load,
/// with the target's `lambda_target` on it, makes it queue; its padding.
fn candidate_link(
    s: &Scenario,
    target_index: usize,
    mix: usize,
    li: usize,
    lambda_target: f64,
    interval: crate::engine::SimTime,
) -> Result<CandidateLink, NotApplicable> {
    let link = &s.links[li];
    if link.from != mix {
        return Err(NotApplicable::new(format!(
            "candidate {} does not leave the mix \"{}\"",
            link.name, s.nodes[mix].name
        )));
    }
    let mut lambda_other = 0.0;
    let mut bits_per_packet = None;
    for (fi, f) in s
        .flows
        .iter()
        .enumerate()
        .filter(|(_, f)| f.links.contains(&li))
    {
        let Traffic::Poisson { rate } = f.traffic else {
            return Err(NotApplicable::new(format!(
                "the model assumes Poisson traffic; flow \"{}\" on {} is not",
                f.name, link.name
            )));
        };
        if f.route.first() == Some(&mix) {
            return Err(NotApplicable::new(format!(
                "flow \"{}\" starts at the mix and is not held by it",
                f.name
            )));
        }
        match bits_per_packet {
            None => bits_per_packet = Some(f.size as f64 * 8.0),
            Some(b) if b != f.size as f64 * 8.0 => {
                return Err(NotApplicable::new(format!(
                    "the model assumes one packet size on {} (M/D/1)",
                    link.name
                )));
            }
            _ => {}
        }
        if fi != target_index {
            lambda_other += rate;
        }
    }
    let service = bits_per_packet
        .map(|b| link.bandwidth_bps / b)
        .unwrap_or(f64::INFINITY);
    let load = (lambda_other + lambda_target) / service;
    let padding = match link.padding {
        None => None,
        Some(p) => Some(padding_law(
            &link.name,
            p,
            bits_per_packet,
            link.bandwidth_bps,
            interval,
        )?),
    };
    Ok(CandidateLink {
        lambda_other,
        service_rate: (load >= NO_QUEUE_LOAD).then_some(service),
        padding,
    })
}

/// The models of one hop of the target's route.
#[derive(Debug, Clone)]
pub struct HopModel {
    /// The path model at this hop: the mix's model with the target's packets delayed by every
    /// earlier hop (holds, link waits, transmission, propagation) before this mix's hold,
    /// which is what the walk compares them with. Its rate is the walk's at this hop given
    /// that it took the target's link at every earlier hop.
    pub path: Result<ModelSummary, NotApplicable>,
    /// The single-mix model of this mix: the target entering it afresh (not what the walk
    /// sees after the first hop; kept for comparison).
    pub single_mix: Result<ModelSummary, NotApplicable>,
}

/// Per mix on the target's route (hop 1, 2, ...), its path model and its single-mix model at
/// the table's interval and sample sizes, every link leaving the mix a candidate (the two
/// coincide at hop 1); or why a model does not apply there. The walk's rate through hop k is
/// modelled by the product of the path model's rates over hops 1..=k ([`path_point_model`]).
pub fn hop_models(s: &Scenario, h: &HopByHopAttack, opts: &ModelOptions) -> Vec<HopModel> {
    let route = &s.flows[h.target];
    let mut earlier: Result<Vec<DelayPart>, NotApplicable> = Ok(Vec::new());
    let mut out = Vec::new();
    for &mix in &h.route_mixes {
        let outputs: Vec<usize> = (0..s.links.len())
            .filter(|&l| s.links[l].from == mix)
            .collect();
        let at = route
            .route
            .iter()
            .position(|&n| n == mix)
            .expect("a route mix");
        let truth = outputs
            .iter()
            .position(|&l| l == route.links[at])
            .expect("the route's link leaves the mix");
        let params = mix_params(s, h.target, mix, &outputs, truth, h.interval);
        let single_mix = params
            .clone()
            .and_then(|p| predict(&p, &h.sample_sizes, opts));
        let path = match (&earlier, params) {
            (Ok(parts), Ok(p)) if parts.is_empty() => single_mix.clone().map(|m| (m, p)),
            (Ok(parts), Ok(mut p)) => {
                p.earlier_hops = parts.clone();
                p.validate()
                    .and_then(|()| predict(&p, &h.sample_sizes, opts))
                    .map(|m| (m, p))
            }
            (Err(e), _) => Err(e.clone()),
            (_, Err(e)) => Err(e),
        };
        earlier = earlier.and_then(|mut parts| {
            parts.extend(hop_delay(s, h.target, mix, route.links[at])?);
            Ok(parts)
        });
        out.push(HopModel {
            path: path.map(|(m, _)| m),
            single_mix,
        });
    }
    out
}

/// The delay the target's packets take from their arrival at `mix` to their arrival at the
/// next mix over `link`: the mix's hold, the link's queue wait (M/D/1 on the link's Poisson
/// input) and transmission, and its propagation; or why the path model cannot compose it.
fn hop_delay(
    s: &Scenario,
    target: usize,
    mix: usize,
    link_index: usize,
) -> Result<Vec<DelayPart>, NotApplicable> {
    let (t_avg, timed) = mix_delay(s, mix)?;
    if timed.is_some() {
        return Err(NotApplicable::new(format!(
            "the path model composes exponential holds; mix \"{}\" on the target's route is timed",
            s.nodes[mix].name
        )));
    }
    let link = &s.links[link_index];
    if link.jitter.is_some() || link.loss > 0.0 || link.outage.is_some() || link.padding.is_some() {
        return Err(NotApplicable::new(format!(
            "the path model composes a link's queue and propagation; {} on the target's route also has jitter, loss, an outage or padding",
            link.name
        )));
    }
    let bits = s.flows[target].size as f64 * 8.0;
    let service = bits / link.bandwidth_bps;
    let mut rate = 0.0;
    for f in s.flows.iter().filter(|f| f.links.contains(&link_index)) {
        match f.traffic {
            Traffic::Poisson { rate: r } if f.size as f64 * 8.0 == bits => rate += r,
            _ => {
                return Err(NotApplicable::new(format!(
                    "the path model assumes Poisson traffic of one packet size on {}; flow \"{}\" is not",
                    link.name, f.name
                )))
            }
        }
    }
    let mut parts = vec![DelayPart::Hold { mean: t_avg }];
    if rate * service >= NO_QUEUE_LOAD {
        parts.push(DelayPart::Queue {
            arrival_rate: rate,
            service,
        });
    }
    parts.push(DelayPart::Fixed { delay: service });
    parts.push(DelayPart::Fixed {
        delay: time::to_secs_f64(link.delay),
    });
    Ok(parts)
}

/// The model values of the hop-by-hop adversary's point "through hop `hop`" at sample size
/// `n`: the path model's rates multiplied over hops 1..=hop, with the per-hop values and the
/// single-mix models' product beside them. `None` where a hop has no path model.
pub fn path_point_model(hops: &[HopModel], hop: usize, n: usize) -> Option<PathPoint> {
    if hop == 0 || hop > hops.len() {
        return None;
    }
    let at = |m: &Result<ModelSummary, NotApplicable>| {
        m.as_ref()
            .ok()?
            .predictions
            .iter()
            .find(|p| p.sample_size == n)
            .map(CorrelationPoint::of)
    };
    let path: Option<Vec<_>> = hops[..hop].iter().map(|h| at(&h.path)).collect();
    let single: Option<Vec<_>> = hops[..hop].iter().map(|h| at(&h.single_mix)).collect();
    Some(PathPoint::of(path?, single))
}

/// The mix's delay law: the exponential mix's mean hold (s), or a timed mix's flush clock
/// against the taps' sampling grid (which starts at the end of the warm-up; flushes fall on
/// multiples of the period from time 0) with its mean hold P/2 for the record.
fn mix_delay(s: &Scenario, mix: usize) -> Result<(f64, Option<FlushClock>), NotApplicable> {
    match s.nodes[mix].kind {
        ResolvedNodeKind::Mix {
            strategy: MixStrategy::Exponential { mean_ns },
        } => Ok((time::ns_f64_to_secs(mean_ns), None)),
        ResolvedNodeKind::Mix {
            strategy: MixStrategy::Timed { period },
        } => {
            let phase = (period - s.warmup % period) % period;
            let clock = FlushClock {
                period: time::to_secs_f64(period),
                phase: time::to_secs_f64(phase),
            };
            Ok((clock.period / 2.0, Some(clock)))
        }
        ResolvedNodeKind::Mix { strategy } => Err(NotApplicable::new(format!(
            "the model covers the exponential and the timed mix; node \"{}\" is a {} mix, whose releases depend on how many packets it holds",
            s.nodes[mix].name,
            strategy.name()
        ))),
        ResolvedNodeKind::Host => Err(NotApplicable::new(format!(
            "the model assumes a mix; node \"{}\" is a host",
            s.nodes[mix].name
        ))),
    }
}

/// What the model knows of a padded candidate link: its slot clock, when its count per
/// interval follows the clock alone (dummies the size of the packets; constant padding with a
/// whole number of slots per interval).
fn padding_law(
    link: &str,
    p: Padding,
    bits_per_packet: Option<f64>,
    bandwidth_bps: f64,
    interval: crate::engine::SimTime,
) -> Result<LinkPadding, NotApplicable> {
    if bits_per_packet.is_some_and(|b| b != p.size as f64 * 8.0) {
        return Err(NotApplicable::new(format!(
            "the padding model assumes the real packets on {link} keep their own size on the wire (padding_size pads every packet there to {}B)", p.size
        )));
    }
    match p.kind {
        PaddingKind::Constant => {
            let slot = time::from_ns_f64(time::S as f64 / p.rate).max(1);
            if !interval.is_multiple_of(slot) {
                return Err(NotApplicable::new(format!(
                    "constant padding on {link} has a slot every {slot} ns, which does not divide the {interval} ns interval: the count per interval alternates on a fixed pattern the model does not describe"
                )));
            }
            Ok(LinkPadding::Constant {
                per_interval: interval / slot,
            })
        }
        PaddingKind::Poisson => {
            let service = bandwidth_bps / (p.size as f64 * 8.0);
            Ok(LinkPadding::Poisson {
                rate: p.rate,
                service_rate: (p.rate / service >= NO_QUEUE_LOAD).then_some(service),
            })
        }
    }
}

/// The model's predictions for a scenario at its sample sizes, or why there are none.
pub fn correlation_model(s: &Scenario, opts: &ModelOptions) -> Result<ModelSummary, NotApplicable> {
    let params = correlation_params(s)?;
    let sizes = &s
        .correlation()
        .expect("checked by correlation_params")
        .sample_sizes;
    predict(&params, sizes, opts)
}

/// The model as it appears in a run's summary: the scenario-level part (inputs, I_1, C_1,
/// flow checks; or why the model does not apply) and the predictions per sample size.
pub fn summary_model(
    s: &Scenario,
    opts: &ModelOptions,
) -> (ScenarioModel, Vec<(usize, CorrelationPoint)>) {
    let Some(a) = s.correlation() else {
        return (ScenarioModel::None, Vec::new());
    };
    let modelled = correlation_params(s).and_then(|params| {
        let m = predict(&params, &a.sample_sizes, opts)?;
        Ok((params, m))
    });
    match modelled {
        Ok((params, m)) => {
            let per_size = m
                .predictions
                .iter()
                .map(|p| (p.sample_size, CorrelationPoint::of(p)))
                .collect();
            let top = CorrelationModel::of(params, &m);
            (
                ScenarioModel::Correlation(Box::new(Applicable::Yes(top))),
                per_size,
            )
        }
        Err(e) => (
            ScenarioModel::Correlation(Box::new(Applicable::No { reason: e.reason })),
            Vec::new(),
        ),
    }
}

/// SWIRL's analysis (the paper's eqs. 6-18 and mixsim's corrections, [`crate::model::swirl`])
/// for a watermark attack, as it appears beside the measured error rates in a summary point.
///
/// Inputs from the scenario: the marked flow's mean rate (the analysis assumes Poisson counts;
/// `poisson_flow` says whether the flow is Poisson), and the law of the delay between the
/// watermarker and the first examined link the marked flow reaches: symmetric Gaussian link
/// jitter (sigma the root of the summed variances) or one exponential mix (its mean hold), not
/// both. The analysis assumes a synchronised grid: with `anchor = "first_received"` it is
/// given as the synchronised detector's, with a note; with `anchor = "search"` the search's
/// own false-positive bounds (one grid, and the union bound over its K grids) are added.
pub fn watermark_model(s: &Scenario, w: &WatermarkAttack) -> WatermarkModel {
    use crate::model::swirl;
    let na = |reason: String| Applicable::No { reason };
    let mark = &s.watermarks[w.watermark];
    let crate::watermark::WatermarkConfig::Swirl(p) = &mark.config else {
        return na(format!(
            "the analysis is SWIRL's; watermark \"{}\" is {}",
            mark.name,
            mark.config.scheme()
        ));
    };
    let flow = &s.flows[mark.flow];
    let after = &flow.links[mark.hop..];
    let Some(end) = after
        .iter()
        .position(|l| w.subjects.iter().any(|x| x.link == *l))
    else {
        return na("no examined link carries the marked flow".into());
    };
    let (var, mixes, other) = path_delays(s, flow, mark.hop, &after[..=end]);
    let lambda = flow.traffic.mean_rate();
    let mp = p.model();
    let rates = match (other, mixes.as_slice(), var > 0.0) {
        (Some(what), _, _) => {
            return na(format!(
                "the analysis covers symmetric Gaussian jitter or one exponential mix; the path has {what}"
            ))
        }
        (None, [], _) => swirl::rates(&mp, lambda, var.sqrt()),
        (None, [mean], false) => swirl::rates_exponential(&mp, lambda, *mean),
        _ => {
            return na(
                "the analysis covers symmetric Gaussian jitter or one exponential mix, not both or several mixes"
                    .into(),
            )
        }
    };
    let n = p.n as f64;
    let (note, search) = match w.anchor {
        AnchorKind::Known => (None, None),
        AnchorKind::FirstReceived => (
            Some("the analysis assumes a synchronised grid (anchor = \"known\"); a blind detector's first-packet error is not in it"),
            None,
        ),
        AnchorKind::Search { sigmas, step } => {
            let spread = w.subjects[0].spread;
            let k = crate::attack::watermark::search_anchors(0, spread, sigmas, step).len();
            let single = swirl::binom_tail(p.eta as u64, p.n as u64, rates.fp_interval_exact);
            let bounds = SearchBounds {
                search_grids: k,
                search_fp_single: single,
                search_fp_union: (k as f64 * single).min(1.0),
            };
            (None, Some(bounds))
        }
    };
    Applicable::Yes(WatermarkAnalysis {
        analysis: "SWIRL section 4 (eqs. 6-18) with mixsim's corrections",
        delay_law: if mixes.is_empty() {
            "gaussian"
        } else {
            "exponential"
        },
        poisson_flow: matches!(flow.traffic, Traffic::Poisson { .. }),
        rates,
        mean_hits_unmarked_bound: n * rates.fp_interval,
        mean_hits_unmarked_exact: n * rates.fp_interval_exact,
        sd_hits_unmarked: (n * rates.fp_interval_exact * (1.0 - rates.fp_interval_exact)).sqrt(),
        mean_hits_marked: n * (1.0 - rates.fn_interval),
        mean_hits_marked_miss: n * (1.0 - rates.fn_interval_miss),
        sd_hits_marked_miss: (n * rates.fn_interval_miss * (1.0 - rates.fn_interval_miss)).sqrt(),
        note,
        search,
    })
}

/// Along `links` of `flow` from its watermarker at `hop`: the summed variance of symmetric
/// jitter (s^2), the mean holds of the exponential mixes (s), and anything else the analysis
/// does not cover.
fn path_delays(
    s: &Scenario,
    flow: &crate::scenario::Flow,
    hop: usize,
    links: &[usize],
) -> (f64, Vec<f64>, Option<&'static str>) {
    let (mut var, mut mixes, mut other) = (0.0f64, Vec::new(), None);
    for (k, &li) in links.iter().enumerate() {
        let l = &s.links[li];
        if k > 0 {
            match s.nodes[flow.route[hop + k]].kind {
                ResolvedNodeKind::Mix {
                    strategy: MixStrategy::Exponential { mean_ns },
                } => mixes.push(time::ns_f64_to_secs(mean_ns)),
                ResolvedNodeKind::Mix { .. } => other = Some("a mix that is not exponential"),
                ResolvedNodeKind::Host => {}
            }
        }
        match (l.jitter, l.jitter_model) {
            (Some(j), crate::net::JitterModel::Symmetric) => var += time::to_secs_f64(j).powi(2),
            (Some(_), crate::net::JitterModel::Truncated) => other = Some("truncated jitter"),
            (None, _) => {}
        }
    }
    (var, mixes, other)
}

/// The analysis of the watermark attack table named `table`, if it is one.
pub fn watermark_point_model(s: &Scenario, table: &str) -> Option<WatermarkModel> {
    let a = s.attacks.iter().find(|a| a.name == table)?;
    let w = a
        .kind
        .get::<crate::scenario::watermark::WatermarkAttack>()?;
    Some(watermark_model(s, w))
}
