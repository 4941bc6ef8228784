//! Beyond the paper: a watermark through a continuous-time mix with cross traffic.
//!
//! Per flow: the marked (or unmarked) flow -> the watermarker -> an exponential mix
//! ([`MixStrategy::Exponential`], mean hold `t_avg`) shared with `cross_flows` Poisson flows of
//! total rate `cross_rate` -> the mix's releases sorted by time -> one output [`Link`] (FIFO
//! transmitter, drop-tail buffer) whose tap records what an observer after the mix sees at the
//! link's `depart` point. The detector then looks at one of two things:
//! - [`Observer::Flow`]: the target flow's packets alone, as an observer who can separate flows
//!   (by connection, say) would;
//! - [`Observer::Aggregate`]: every packet leaving on the link, as an observer who cannot.
//!
//! The network is built from the public pieces (the mix strategy's per-packet release time, [`Link`],
//! [`Tap`]) and driven feed-forward, with no event queue: the mix is memoryless per packet, so
//! its releases can be computed at arrival and sorted before the link.
//!
//! Random streams, per flow f and side (0 unmarked, 1 marked): packet times
//! `stream(seed, f, 2 side)` and watermarker `stream(seed, f, 4 + side)` (the same flows as
//! the stepping-stone experiment), mix holds of the target `stream(seed, f, 16 + side)`, cross
//! traffic `stream(seed, f, 32 + 2 side)` and its holds `stream(seed, f, 33 + 2 side)`. So a
//! flow's target timing and mix holds are the same at every cross-traffic level (common random
//! numbers), and the outcome never depends on thread count.
//!
//! A synchronised detector ([`Anchor::Known`]) anchors at the flow's first send time plus the
//! mean path delay (t_avg plus one transmission time); a blind one at the first received packet
//! of the target flow, or searches around it over +-`search.sigmas` t_avg. On the aggregate
//! only the synchronised detector is run: a blind detector has no flow start to anchor on.

use super::stepping::{
    flow_times, poisson_times, summarise, watermark_flow, Anchor, FlowTraffic, SearchParams,
    SteppingResult, START,
};
use super::{Detection, WatermarkConfig};
use crate::engine::{stream, SimRng, SimTime};
use crate::net::tap::{Tap, TapConfig, TapPoint};
use crate::net::{Link, LinkOutcome, MixStrategy, Packet};
use crate::units::{Bandwidth, Duration};
use hdrhistogram::Histogram;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Who looks at the mix's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Observer {
    /// The target flow alone (flows separable, e.g. by connection).
    Flow,
    /// Everything leaving on the output link.
    Aggregate,
}

/// One point of the mix experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixConfig {
    pub watermark: WatermarkConfig,
    pub traffic: FlowTraffic,
    /// Flows per side.
    pub flows: usize,
    pub duration: Duration,
    /// Mean hold of the exponential mix.
    pub t_avg: Duration,
    /// Total rate of the cross traffic through the mix and onto the same link, pkt/s.
    pub cross_rate: f64,
    /// Number of Poisson flows the cross traffic is split into.
    pub cross_flows: u32,
    /// Output link capacity and buffer (packets), and the packet size on it (bytes).
    pub bandwidth: Bandwidth,
    pub buffer: u64,
    pub packet_size: u32,
    pub search: SearchParams,
    pub seed: u64,
}

/// What one mix point measured.
#[derive(Debug, Clone, Serialize)]
pub struct MixResult {
    /// The target flow alone, one result per anchor (known, first_received, search).
    pub flow: Vec<SteppingResult>,
    /// The aggregate of the output link, synchronised detector.
    pub aggregate: SteppingResult,
    /// Output link utilisation (transmitting fraction of the flow's span), mean over flows.
    pub utilisation: f64,
    /// Packets dropped by the link's buffer, all flows.
    pub drops: u64,
}

/// Anchors evaluated for the flow observer, in the order of [`MixResult::flow`].
pub const FLOW_ANCHORS: [Anchor; 3] = [Anchor::Known, Anchor::FirstReceived, Anchor::Search];

struct FlowOutcome {
    flow: [Detection; 3],
    aggregate: Detection,
    packets: usize,
    busy_ns: u64,
    span_ns: u64,
    drops: u64,
    delays: Histogram<u64>,
}

fn one_flow(cfg: &MixConfig, f: u64, marked: bool) -> FlowOutcome {
    let side = marked as u64;
    let mut trng = stream(cfg.seed, f, 2 * side);
    let mut wrng = stream(cfg.seed, f, 4 + side);
    let mut mrng = stream(cfg.seed, f, 16 + side);
    let mut crng = stream(cfg.seed, f, 32 + 2 * side);
    let mut cmrng = stream(cfg.seed, f, 33 + 2 * side);
    let dur = cfg.duration.nanos();
    let times = flow_times(&cfg.traffic, &mut trng, dur);
    let (released, wm) = watermark_flow(&cfg.watermark, 0, &times, marked, &mut wrng);
    let t_avg = cfg.t_avg.nanos();
    let mut mix = MixStrategy::Exponential {
        mean_ns: t_avg as f64,
    };
    let pkt = |flow: u32, seq: u64, t: SimTime| Packet::new(flow, seq, cfg.packet_size, t);
    // (release from the mix, flow, seq)
    let mut out: Vec<(SimTime, u32, u64)> = released
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let p = pkt(0, k as u64, t);
            (hold(&mut mix, &p, t, &mut mrng), 0, k as u64)
        })
        .collect();
    let horizon = START + dur + 10 * crate::engine::time::S;
    if cfg.cross_rate > 0.0 && cfg.cross_flows > 0 {
        let per = cfg.cross_rate / cfg.cross_flows as f64;
        for c in 1..=cfg.cross_flows {
            for (k, t) in poisson_times(per, &mut crng, 0, horizon - crate::engine::time::S)
                .into_iter()
                .enumerate()
            {
                let p = pkt(c, k as u64, t);
                out.push((hold(&mut mix, &p, t, &mut cmrng), c, k as u64));
            }
        }
    }
    out.sort_unstable();
    let tap = Tap::new(TapConfig {
        points: [true; 3],
        start: 0,
        interval: horizon,
        bins: 1,
        trace: true,
    });
    let mut link = Link::new(cfg.bandwidth.bits_per_sec(), 0, cfg.buffer, tap, horizon);
    let service = link.service_time(cfg.packet_size);
    let mut lrng = stream(cfg.seed, f, 48 + side);
    let mut drops = 0u64;
    for &(t, flow, seq) in &out {
        let mut p = pkt(flow, seq, t);
        if let LinkOutcome::Dropped(_) = link.offer(t, &mut p, &mut lrng) {
            drops += 1;
        }
    }
    link.tap.finish(SimTime::MAX);
    let trace = link.tap.view().trace(TapPoint::Depart);
    let labels = &link.tap.ground_truth().flows[TapPoint::Depart as usize];
    let aggregate: Vec<SimTime> = trace.iter().map(|r| r.time).collect();
    let target: Vec<SimTime> = trace
        .iter()
        .zip(labels)
        .filter(|(_, &l)| l == 0)
        .map(|(r, _)| r.time)
        .collect();
    let det = wm.detector();
    let known = times.first().copied().unwrap_or(START) + t_avg + service;
    let first = target.first().copied().unwrap_or(known);
    let flow = FLOW_ANCHORS.map(|a| match a {
        Anchor::Known => det.detect_anchored(0, &target, known),
        Anchor::FirstReceived => det.detect(0, &target),
        Anchor::Search => super::stepping::detect_best(
            det.as_ref(),
            0,
            &target,
            &cfg.search.anchors(first, t_avg, true),
        ),
    });
    let agg = det.detect_anchored(0, &aggregate, known);
    let mut delays = super::delay_histogram();
    if marked {
        delays.add(wm.delays()).expect("auto-resizing");
    }
    let span_ns = horizon;
    FlowOutcome {
        flow,
        aggregate: agg,
        packets: times.len(),
        busy_ns: link.stats.busy_ns,
        span_ns,
        drops,
        delays,
    }
}

fn hold(mix: &mut MixStrategy, _p: &Packet, t: SimTime, rng: &mut SimRng) -> SimTime {
    mix.release_time(t, rng)
        .unwrap_or_else(|| unreachable!("an exponential mix answers per packet"))
}

impl MixConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.watermark.validate()?;
        self.search.validate()?;
        if let FlowTraffic::Interactive(p) = &self.traffic {
            p.validate()?;
        }
        if !(self.cross_rate.is_finite() && self.cross_rate >= 0.0) {
            return Err(format!(
                "mix.cross_rates: expected rates of 0 or more, got {}",
                self.cross_rate
            ));
        }
        if self.packet_size == 0 {
            return Err("mix.packet_size: must be above zero".into());
        }
        if self.bandwidth.bits_per_sec() <= 0.0 {
            return Err("mix.bandwidth: must be above zero".into());
        }
        let load = (self.cross_rate + self.traffic.rate()) * self.packet_size as f64 * 8.0
            / self.bandwidth.bits_per_sec();
        if load >= 1.0 {
            return Err(format!(
                "mix.cross_rates: offered load {:.0} % of the output link: expected below 100 %",
                100.0 * load
            ));
        }
        Ok(())
    }
}

/// Run one mix point (flows in parallel, deterministic per flow).
pub fn run(cfg: &MixConfig) -> Result<MixResult, String> {
    cfg.validate()?;
    let side = |marked: bool| -> Vec<FlowOutcome> {
        (0..cfg.flows as u64)
            .into_par_iter()
            .map(|f| one_flow(cfg, f, marked))
            .collect()
    };
    let m = side(true);
    let u = side(false);
    let mut delays = super::delay_histogram();
    for o in &m {
        delays.add(&o.delays).expect("auto-resizing");
    }
    let packets: usize = m.iter().chain(&u).map(|o| o.packets).sum();
    let mean_rate = packets as f64 / (2.0 * cfg.flows.max(1) as f64 * cfg.duration.secs());
    let scheme = cfg.watermark.scheme();
    let flow = (0..FLOW_ANCHORS.len())
        .map(|i| {
            summarise(
                scheme,
                FLOW_ANCHORS[i],
                m.iter().map(|o| o.flow[i]).collect(),
                u.iter().map(|o| o.flow[i]).collect(),
                mean_rate,
                &delays,
            )
        })
        .collect();
    let aggregate = summarise(
        scheme,
        Anchor::Known,
        m.iter().map(|o| o.aggregate).collect(),
        u.iter().map(|o| o.aggregate).collect(),
        mean_rate,
        &delays,
    );
    let busy: u64 = m.iter().chain(&u).map(|o| o.busy_ns).sum();
    let span: u64 = m.iter().chain(&u).map(|o| o.span_ns).sum();
    Ok(MixResult {
        flow,
        aggregate,
        utilisation: busy as f64 / span.max(1) as f64,
        drops: m.iter().chain(&u).map(|o| o.drops).sum(),
    })
}
