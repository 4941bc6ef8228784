//! Scenarios: the TOML file format, units, validation and the resolved [`Scenario`] that the
//! network builder consumes.
//!
//! # The scenario format
//!
//! A scenario is one TOML file: a few top-level settings, then `[[node]]`, `[[link]]` and
//! `[[flow]]` entries, and optionally an `[attack]`. Every quantity with a unit is a quoted
//! string (`"20ms"`, not `20`); unknown keys are errors.
//!
//! ```toml
//! name = "testbed-poisson"
//! description = "Fig. 3 testbed of seed 000 with Poisson traffic; packet size assumed"
//! seed = 1                  # default seed; --seed wins
//! trials = 100              # default trials; --trials wins
//! warmup = "1s"             # before taps start counting (default 1s)
//! packet_size = "1000B"     # for flows without their own size (default 1000B)
//! # duration = "32s"        # per trial; default warmup + largest sample size x interval
//!
//! [[node]]
//! name = "alice"
//! kind = "host"
//!
//! [[node]]
//! name = "s2"
//! kind = "host"
//!
//! [[node]]
//! name = "mix"
//! kind = "mix"
//! t_avg = "20ms"            # mean hold (exponential) or flush period (timed kinds)
//! strategy = "exponential"  # timed, threshold, threshold-or-timed, timed-pool,
//!                           # threshold-pool, binomial
//! # threshold = 50          # threshold kinds: batch size n (1 to 10^6)
//! # pool = 13               # pool kinds: packets kept (1 to 10^6)
//! # mu = 26.0               # binomial: P(n) = Phi((n - mu)/sigma) at a flush with n held
//! # sigma = 8.0
//!
//! [[node]]
//! name = "bob"
//! kind = "host"
//!
//! [[node]]
//! name = "r2"
//! kind = "host"
//!
//! [[link]]                  # directed: a FIFO transmitter with a drop-tail buffer
//! from = "alice"
//! to = "mix"
//! bandwidth = "10Mbps"
//! delay = "1ms"             # propagation (default 0s)
//!
//! [[link]]
//! from = "s2"
//! to = "mix"
//! bandwidth = "10Mbps"
//!
//! [[link]]
//! from = "mix"
//! to = "bob"
//! bandwidth = "10Mbps"
//! buffer = 1000             # packets, counting the one in transmission (default 1000)
//! # jitter = "6ms"          # std. dev. of Gaussian per-packet jitter (default none)
//! # jitter_model = "truncated"  # max(0, N(0, jitter^2)) on top of delay (default), or
//! #                         # "symmetric": N(0, jitter^2) about delay, a fixed delay
//! # order_preserving = true # jitter never reorders (default true)
//! # loss = 0.0              # per-packet loss probability in [0, 1) (default 0)
//! # outage = ["10s", "12s"] # every packet leaving in [from, until) is lost (default none)
//!
//! [[link]]
//! from = "mix"
//! to = "r2"
//! bandwidth = "10Mbps"
//!
//! [[flow]]
//! name = "alice"
//! route = ["alice", "mix", "bob"]  # consecutive nodes must be joined by a link
//! model = "poisson"                # or "constant", or "onoff" (with on = "1s", off = "2s")
//! rate = "200pps"
//! # size = "1000B"                 # default packet_size
//! # start = "0s"
//!
//! [[flow]]
//! name = "noise-bob"
//! route = ["s2", "mix", "bob"]
//! model = "poisson"
//! rate = "450pps"
//!
//! [[flow]]
//! name = "noise-r2"
//! route = ["s2", "mix", "r2"]
//! model = "poisson"
//! rate = "650pps"
//!
//! [attack]                         # or several [[attack]] tables, on the same trials
//! # kind = "correlation"           # the default kind
//! # name = "correlation"           # default: the kind; distinct names for [[attack]] tables
//! target = "alice"                 # the flow whose sender-side trace the adversary holds
//! interval = "10ms"                # sampling interval T (default 10ms)
//! sample_sizes = [60, 480, 3000]   # N, in intervals
//! # candidates = ["mix->bob", "mix->r2"]  # default: every link leaving the first mix
//! estimators = ["mi"]              # mi, mi-mm, mi-z, xcorr, xcorr-lag (default ["mi"])
//! ```
//!
//! A TCP flow (model = "tcp", a bulk NewReno transfer whose ACKs are packets too) needs links
//! in both directions and names its ACKs' route; every other key has a default:
//!
//! ```toml
//! [[flow]]                         # a bulk TCP transfer: NewReno, ACKs as packets
//! name = "tcp"
//! route = ["s2", "mix", "r2"]
//! ack_route = ["r2", "mix", "s2"]  # required for tcp: the ACKs' route, receiver first
//! model = "tcp"                    # no rate: closed-loop
//! # size = "1000B"                 # data segment on the wire (default packet_size); or
//! # mss = "960B"                   # the payload, size = mss + 40B (not both)
//! # rwnd = "64KiB"                 # receiver window, bytes or segments (default 64KiB)
//! # ack_size = "40B"               # (default 40B)
//! # initial_cwnd = 10              # segments (default 10)
//! # initial_ssthresh = 64          # segments (default unlimited)
//! # dupthresh = 3                  # (default 3)
//! # initial_rto = "1s"             # (default 1s)
//! # min_rto = "1s"                 # (default 1s; Linux uses 200ms)
//! # max_rto = "60s"                # (default 60s)
//! # delayed_ack = false            # (default false)
//! # ack_every = 2                  # with delayed_ack (default 2)
//! # ack_timeout = "200ms"          # with delayed_ack (default 200ms)
//! # drop_segments = [500]          # debug: first transmission of these segments is lost
//! ```
//!
//! A replayed trace (model = "trace") reads packet times, and sizes when given, from a file
//! relative to the scenario file's directory, and starts at the flow's `start`:
//!
//! ```toml
//! [[flow]]
//! name = "replayed"
//! route = ["alice", "mix", "bob"]
//! model = "trace"
//! file = "traces/ssh.pcap"                   # CSV rows time_s[,size_bytes], or pcap/pcapng
//! filter = "10.0.0.1:5000->10.0.0.2:22/tcp"  # for captures: the flow to replay
//! ```
//!
//! Sender cover (`[[cover]]`, Loopix's drop and loop cover) is a stream of dummies that look
//! like real packets on every tap; ground truth marks them:
//!
//! ```toml
//! [[cover]]
//! name = "alice-drop"              # shares the flows' names; --set cover.alice-drop.rate=...
//! kind = "drop"                    # absorbed at the last node of the route (not the sender)
//! route = ["alice", "mix"]
//! model = "poisson"                # or "constant"
//! rate = "50pps"
//! # size = "1000B"                 # default: the sender's real packet size, else packet_size
//! # start = "0s"
//!
//! [[cover]]
//! name = "alice-loop"
//! kind = "loop"                    # through the mixes and back: the sender first and last
//! route = ["alice", "mix", "bob", "alice"]
//! model = "poisson"
//! rate = "20pps"
//! ```
//!
//! Units: durations `ns`, `us`, `ms`, `s`, `min`; bandwidths `bps`, `kbps`, `Mbps`, `Gbps`,
//! `Tbps`; sizes `B`, `kB`/`KB`, `KiB`, `MB`, `MiB`; rates `pps`, `kpps`, `Mpps`. Units are
//! case-sensitive; a bare number is refused.
//!
//! Besides what serde checks (unknown keys, types, units, required keys), loading refuses:
//! duplicate node, link or flow names; names containing `.`, `[` or (nodes) `->`; routes through
//! unknown nodes, visiting a node twice, or with a hop that has no link; a mix missing a key its
//! strategy needs or setting one it does not take (a host with any mix key); zero `t_avg`, rate or bandwidth; any link whose offered load (sum of
//! mean rate x packet size over the flows crossing it) is at or above its bandwidth; an attack
//! kind that is unknown, a key of another kind, two attacks with one name, counting attacks with
//! different intervals; an attack target that is not a flow or crosses no mix; unknown or duplicate candidate links,
//! unknown estimators; empty or zero sample sizes;
//! a `duration` too short for the warmup or the largest sample size; a model's keys on a flow of
//! another model (`rwnd` on a Poisson flow, `rate` on a TCP flow); a TCP flow without
//! `ack_route`, or one that does not lead from its receiver back to its sender; both `mss` and
//! `size`; a window smaller than one segment; zero windows, thresholds or timeouts;
//! `max_rto < min_rto`; `ack_every`/`ack_timeout` without `delayed_ack = true`; an `outage` that
//! is not [from, until) with from < until; a trace flow without `file`, with a file that cannot be
//! read, is truncated, is not a capture although named .pcap/.pcapng, or holds no packet for
//! `filter`, a capture without `filter`, a `filter` on a CSV; a cover name taken by a flow or
//! another cover table, a cover kind other than drop or loop, a model other than poisson or
//! constant, a drop route ending at its sender, a loop route that does not end at its sender
//! or passes through no node, cover routes through unknown nodes or missing links (the hop back
//! to the sender included), dummy sizes of 0, and no size when the sender's real flows disagree
//! on theirs. TCP flows are left out of the offered-load check; a trace counts with its mean
//! rate and size; cover counts like any flow.
//!
//! A candidate set that lacks the target's link is accepted with a warning
//! ([`Scenario::warnings`]): it models an adversary watching the wrong links, and every trial
//! of it counts as a failure of the attack.
//!
//! # Errors
//!
//! Errors name the file, line and column (1-based), the key as a path, and what was expected:
//!
//! ```text
//! x.toml:49:1: key `link[2].bandwith`: unknown key "bandwith" (did you mean "bandwidth"?); expected one of: from, to, bandwidth, delay, ...
//! x.toml:63:22: key `flow[0].route[1]`: no node named "mx" (did you mean "mix"?); known nodes: alice, s2, mix, bob, r2
//! x.toml:53:13: key `link[3].bandwidth`: link mix->r2 is offered 10.4Mbps (1300 pkt/s from flows noise-r2) but its capacity is 10Mbps (load 104%): expected an offered load below capacity
//! x.toml: value from --set node.mix.t_avg=0ms: key `node[2].t_avg`: expected a mean hold above zero, got "0s"
//! ```
//!
//! Key paths index arrays of tables from 0 in file order: `link[2]` is the third `[[link]]`.
//!
//! # Overrides
//!
//! `--set path=value` changes any value by dotted path, in the file's units, before validation:
//! `trials=50`, `warmup=2s`, `attack.interval=20ms`, `attack.sample_sizes=[60,480]`,
//! `node.mix.t_avg=50ms`, `link.mix->bob.bandwidth=5Mbps`, `flow.alice.rate=200pps`. Nodes and
//! flows are addressed by name, links by `from->to`, and any entry by index (`link[2].delay`).
//! A value that parses as TOML (number, array, boolean, quoted string) is used as such; anything
//! else is taken as a string, so units need no quotes. A key absent from the file is added.
//! Overrides apply in order (a later one sees the earlier ones). An error in an overridden value
//! names the `--set` that wrote it; an unknown path is an error with a suggestion. Other errors
//! keep the line and column of the user's file.
//!
//! Loading is three steps: overrides are spliced into the text, [`schema`] deserialises it with
//! serde, then [`Scenario::from_file`] resolves names to indices and checks what serde cannot.

pub mod adversary;
mod build;
mod cover;
pub mod error;
mod overrides;
pub mod schema;
pub mod watermark;

pub use crate::traffic::Traffic;
pub use error::ScenarioError;
pub use watermark::Watermark;

use crate::engine::SimTime;
use crate::net::link::{Padding, PaddingKind};
use crate::net::MixStrategy;
use crate::traffic::interactive::InteractiveError;
use crate::traffic::replay::{self, FlowFilter, TraceData};
use crate::traffic::tcp::{TcpParams, HEADER_BYTES};
use crate::units;
use error::Source;
use schema::{MixStrategyKind, NodeKind, ScenarioFile, TrafficModel};
use std::collections::HashMap;
use std::path::Path;
use toml::Spanned;

/// A node after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub kind: ResolvedNodeKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResolvedNodeKind {
    Host,
    Mix { strategy: MixStrategy },
}

/// A directed link after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// "from->to", the name used on the command line (`--tap`) and in summaries.
    pub name: String,
    pub from: usize,
    pub to: usize,
    pub bandwidth_bps: f64,
    pub delay: SimTime,
    pub buffer_packets: u64,
    pub jitter: Option<SimTime>,
    pub jitter_model: crate::net::JitterModel,
    pub order_preserving: bool,
    pub loss: f64,
    /// Every packet leaving in [from, until) is lost.
    pub outage: Option<(SimTime, SimTime)>,
    /// Link padding, if any.
    pub padding: Option<Padding>,
}

/// A flow after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub name: String,
    /// Node indices from sender to receiver.
    pub route: Vec<usize>,
    /// Link indices along the route (one fewer than nodes).
    pub links: Vec<usize>,
    pub traffic: Traffic,
    /// Bytes on the wire per packet (for TCP, a data segment: MSS + 40).
    pub size: u32,
    pub start: SimTime,
    /// TCP: node indices of the ACKs' route, from the receiver back to the sender; else empty.
    pub ack_route: Vec<usize>,
    /// TCP: link indices along `ack_route`; else empty.
    pub ack_links: Vec<usize>,
    /// Sender cover (a `[[cover]]` table): the kind of dummies it sends. Cover flows come
    /// after every `[[flow]]`.
    pub cover: Option<crate::net::CoverKind>,
}

/// The correlation attack after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationAttack {
    /// Index of the target flow.
    pub target: usize,
    /// The link whose `arrive` point shows the target flow entering the first mix.
    pub observe_link: usize,
    /// Candidate links, observed at their `depart` point.
    pub candidates: Vec<usize>,
    pub interval: SimTime,
    /// Sorted ascending, no duplicates.
    pub sample_sizes: Vec<usize>,
    pub estimators: Vec<String>,
}

/// An attack after validation: its name (unique in the scenario) and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct AttackConfig {
    pub name: String,
    pub kind: AttackKind,
}

/// Danezis's likelihood attack (timestamps) after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct LikelihoodAttack {
    /// Index into `Scenario::flows`.
    pub target: usize,
    /// The link whose far end shows the target entering its first mix.
    pub observe_link: usize,
    /// Candidate links (their transmission ends are observed).
    pub candidates: Vec<usize>,
    /// The window at sample size N is N intervals of this length after the warm-up.
    pub interval: SimTime,
    pub sample_sizes: Vec<usize>,
    /// Delay laws, each one of [`LIKELIHOOD_VARIANTS`].
    pub variants: Vec<String>,
    /// The mean mix hold the adversary assumes.
    pub t_avg: SimTime,
}

/// The delay laws of the likelihood attack.
pub const LIKELIHOOD_VARIANTS: &[&str] = &["paper", "queue"];

/// The attack kinds, with their validated parameters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttackKind {
    Correlation(CorrelationAttack),
    Watermark(watermark::WatermarkAttack),
    Likelihood(LikelihoodAttack),
    Mfa(adversary::MfaAttack),
    HopByHop(adversary::HopByHopAttack),
    Supermix(adversary::SupermixAttack),
}

/// The values of `kind` in an attack table.
pub const ATTACK_KINDS: &[&str] = &[
    "correlation",
    "watermark",
    "likelihood",
    "mfa",
    "hop_by_hop",
    "supermix",
];

impl AttackKind {
    /// The `kind` key's value.
    pub fn kind_name(&self) -> &'static str {
        match self {
            AttackKind::Correlation(_) => "correlation",
            AttackKind::Watermark(_) => "watermark",
            AttackKind::Likelihood(_) => "likelihood",
            AttackKind::Mfa(_) => "mfa",
            AttackKind::HopByHop(_) => "hop_by_hop",
            AttackKind::Supermix(_) => "supermix",
        }
    }

    /// Sampling interval and series length (intervals) it observes, if it is measured in
    /// intervals (the likelihood attack's windows are, so that it compares with the count
    /// attacks at equal N and shares their interval).
    pub fn counting(&self) -> Option<(SimTime, usize)> {
        match self {
            AttackKind::Correlation(a) => {
                Some((a.interval, *a.sample_sizes.last().expect("validated")))
            }
            AttackKind::Watermark(_) | AttackKind::Mfa(_) => None,
            AttackKind::Likelihood(a) => {
                Some((a.interval, *a.sample_sizes.last().expect("validated")))
            }
            AttackKind::HopByHop(a) => {
                Some((a.interval, *a.sample_sizes.last().expect("validated")))
            }
            AttackKind::Supermix(a) => {
                Some((a.interval, *a.sample_sizes.last().expect("validated")))
            }
        }
    }
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub trials: u64,
    pub duration: SimTime,
    pub warmup: SimTime,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    pub flows: Vec<Flow>,
    /// The attacks, in file order, evaluated on the same trials.
    pub attacks: Vec<AttackConfig>,
    /// Watermarkers placed on flows.
    pub watermarks: Vec<Watermark>,
    /// What loading accepted but the user should know, located like errors (a candidate set
    /// that lacks the target's link, say). `check` and `run` print them.
    pub warnings: Vec<ScenarioError>,
    /// The file as parsed (after overrides), kept for reproducibility records.
    pub file: ScenarioFile,
    /// The `--set` overrides applied, in order (for reproducibility records).
    pub overrides: Vec<String>,
}

/// Estimator names the correlation attack knows.
pub use crate::attack::correlation::ESTIMATORS;
/// The padding of link `i`: `padding` names the slot process and needs `padding_rate`; the slot
/// rate times the dummy size must fit the bandwidth (a dummy is sent whole before the next
/// constant slot); padding is refused on a link with jitter, loss or an outage (dummies would
/// need their own path model).
fn resolve_padding(
    i: usize,
    l: &schema::LinkSpec,
    packet_size: u64,
    jittered: bool,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Option<Padding>, ScenarioError> {
    let Some(model) = l.padding else {
        for (key, set) in [
            ("padding_rate", l.padding_rate.is_some()),
            ("padding_size", l.padding_size.is_some()),
        ] {
            if set {
                return Err(err(
                    format!("link[{i}].{key}"),
                    format!("{key} needs padding = \"constant\" or \"poisson\" on the link"),
                ));
            }
        }
        return Ok(None);
    };
    let rate = l.padding_rate.as_ref().ok_or_else(|| {
        err(
            format!("link[{i}].padding_rate"),
            "a padded link needs padding_rate, its slots per second, like padding_rate = \"500pps\"".into(),
        )
    })?;
    let r = rate.get_ref().per_sec();
    if !(r.is_finite() && r > 0.0) {
        return Err(err(
            format!("link[{i}].padding_rate"),
            format!("expected a slot rate above zero, got {r} pkt/s"),
        ));
    }
    let size = l
        .padding_size
        .as_ref()
        .map_or(packet_size, |s| s.get_ref().0);
    if size == 0 || size > u32::MAX as u64 {
        return Err(err(
            format!("link[{i}].padding_size"),
            format!("expected a dummy size from 1B to 4GB, got {size}B"),
        ));
    }
    let bits = r * size as f64 * 8.0;
    if bits > l.bandwidth.get_ref().0 {
        return Err(err(
            format!("link[{i}].padding_rate"),
            format!(
                "{r} slots/s of {size}B dummies need {} but the link has {}: expected padding_rate x padding_size within the bandwidth",
                units::Bandwidth(bits),
                units::Bandwidth(l.bandwidth.get_ref().0)
            ),
        ));
    }
    if jittered || *l.loss.get_ref() > 0.0 || l.outage.is_some() {
        return Err(err(
            format!("link[{i}].padding"),
            "padding on a link with jitter, loss or an outage is not supported: pad the link before the lossy path".into(),
        ));
    }
    Ok(Some(Padding {
        kind: match model {
            schema::PaddingModel::Constant => PaddingKind::Constant,
            schema::PaddingModel::Poisson => PaddingKind::Poisson,
        },
        rate: r,
        size: size as u32,
    }))
}

/// The mix keys a node sets (`t_avg`, `threshold`, `pool`, `mu`, `sigma`), in that order.
fn mix_keys(n: &schema::NodeSpec) -> Vec<&'static str> {
    [
        ("t_avg", n.t_avg.is_some()),
        ("threshold", n.threshold.is_some()),
        ("pool", n.pool.is_some()),
        ("mu", n.mu.is_some()),
        ("sigma", n.sigma.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect()
}

/// Largest threshold or pool accepted: a mix holding more is not a mix anyone deploys, and it
/// keeps counts in `u32`.
const MAX_BATCH: u64 = 1_000_000;

/// Resolve a mix node's strategy and its keys: each strategy requires its own keys and refuses
/// the others. `err(key, message)` locates an error at `node[i].key`.
fn mix_strategy(
    n: &schema::NodeSpec,
    node: &str,
    err: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<MixStrategy, ScenarioError> {
    let kind = n.strategy;
    let name = kind.name();
    let needs: &[&str] = match kind {
        MixStrategyKind::Exponential | MixStrategyKind::Timed => &["t_avg"],
        MixStrategyKind::Threshold => &["threshold"],
        MixStrategyKind::ThresholdOrTimed => &["threshold", "t_avg"],
        MixStrategyKind::TimedPool => &["t_avg", "pool"],
        MixStrategyKind::ThresholdPool => &["threshold", "pool"],
        MixStrategyKind::Binomial => &["t_avg", "mu", "sigma"],
    };
    for key in mix_keys(n) {
        if !needs.contains(&key) {
            return Err(err(
                key,
                format!(
                    "mix \"{node}\" with strategy = \"{name}\" takes no {key}; its keys are: {}",
                    needs.join(", ")
                ),
            ));
        }
    }
    let missing = |key: &str, example: &str| {
        err(
            key,
            format!("mix \"{node}\" needs {key} (strategy = \"{name}\"), like {key} = {example}"),
        )
    };
    let period = || -> Result<SimTime, ScenarioError> {
        let t = n
            .t_avg
            .as_ref()
            .ok_or_else(|| missing("t_avg", "\"20ms\""))?;
        if t.get_ref().0 == 0 {
            let what = if kind == MixStrategyKind::Exponential {
                "a mean hold"
            } else {
                "a flush period"
            };
            return Err(err(
                "t_avg",
                format!("expected {what} above zero, got \"{}\"", t.get_ref()),
            ));
        }
        Ok(t.get_ref().0)
    };
    let count = |key: &str, v: &Option<toml::Spanned<u64>>| -> Result<u32, ScenarioError> {
        let v = *v.as_ref().ok_or_else(|| missing(key, "10"))?.get_ref();
        if !(1..=MAX_BATCH).contains(&v) {
            return Err(err(
                key,
                format!("expected a number of packets from 1 to {MAX_BATCH}, got {v}"),
            ));
        }
        Ok(v as u32)
    };
    let real = |key: &str, v: &Option<toml::Spanned<f64>>, positive: bool| {
        let x = *v.as_ref().ok_or_else(|| missing(key, "10.0"))?.get_ref();
        if !x.is_finite() || (positive && x <= 0.0) {
            let what = if positive {
                "a finite number above zero"
            } else {
                "a finite number"
            };
            return Err(err(key, format!("expected {what}, got {x}")));
        }
        Ok(x)
    };
    Ok(match kind {
        MixStrategyKind::Exponential => MixStrategy::Exponential {
            mean_ns: period()? as f64,
        },
        MixStrategyKind::Timed => MixStrategy::Timed { period: period()? },
        MixStrategyKind::Threshold => MixStrategy::Threshold {
            n: count("threshold", &n.threshold)?,
        },
        MixStrategyKind::ThresholdOrTimed => MixStrategy::ThresholdOrTimed {
            n: count("threshold", &n.threshold)?,
            period: period()?,
        },
        MixStrategyKind::TimedPool => MixStrategy::TimedPool {
            period: period()?,
            pool: count("pool", &n.pool)?,
        },
        MixStrategyKind::ThresholdPool => MixStrategy::ThresholdPool {
            n: count("threshold", &n.threshold)?,
            pool: count("pool", &n.pool)?,
        },
        MixStrategyKind::Binomial => MixStrategy::Binomial {
            period: period()?,
            mu: real("mu", &n.mu, false)?,
            sigma: real("sigma", &n.sigma, true)?,
        },
    })
}

impl Scenario {
    /// Load, parse and validate a scenario file, applying `--set path=value` overrides.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let text = ScenarioError::read_text(path)?;
        Self::parse(&text, path, overrides)
    }

    /// Parse and validate scenario text (`origin` names it in errors).
    pub fn parse(
        text: &str,
        origin: &Path,
        overrides: &[String],
    ) -> Result<Scenario, ScenarioError> {
        let mut src = Source::new(origin, text);
        // Syntax first, so that a broken file is reported as such before any override.
        toml::de::DeTable::parse(text).map_err(|e| src.syntax_error(e))?;
        overrides::apply(&mut src, overrides)?;
        let file: ScenarioFile = toml::from_str(&src.text).map_err(|e| src.toml_error(e))?;
        let mut s = Self::resolve(file, &src)?;
        s.overrides = overrides.to_vec();
        Ok(s)
    }

    /// Resolve names and check what serde cannot (`text` is what `file` was parsed from).
    pub fn from_file(
        file: ScenarioFile,
        origin: &Path,
        text: &str,
    ) -> Result<Scenario, ScenarioError> {
        Self::resolve(file, &Source::new(origin, text))
    }

    fn resolve(file: ScenarioFile, src: &Source) -> Result<Scenario, ScenarioError> {
        let err = |key: String, msg: String| src.error_at(&key, msg);
        check_file_name(&file.name).map_err(|e| err("name".into(), e.to_string()))?;

        // Names are looked up in hash maps: resolution stays linear in the size of the file
        // (a generated mixnet has tens of thousands of nodes, links and flows).
        let mut nodes: Vec<Node> = Vec::new();
        let mut node_at: HashMap<&str, usize> = HashMap::with_capacity(file.nodes.len());
        for (i, n) in file.nodes.iter().enumerate() {
            let name = n.name.get_ref();
            check_name(name, "node", true)
                .map_err(|e| err(format!("node[{i}].name"), e.to_string()))?;
            if let Some(&j) = node_at.get(name.as_str()) {
                return Err(err(
                    format!("node[{i}].name"),
                    format!("node \"{name}\" is defined twice (first as node[{j}])"),
                ));
            }
            let kind = match n.kind {
                NodeKind::Host => {
                    if let Some(key) = mix_keys(n).first() {
                        return Err(err(
                            format!("node[{i}].{key}"),
                            format!("host \"{name}\" cannot have {key}: only nodes of kind = \"mix\" hold packets"),
                        ));
                    }
                    ResolvedNodeKind::Host
                }
                NodeKind::Mix => ResolvedNodeKind::Mix {
                    strategy: mix_strategy(n, name, &|key: &str, m: String| {
                        err(format!("node[{i}].{key}"), m)
                    })?,
                },
            };
            node_at.insert(name.as_str(), nodes.len());
            nodes.push(Node {
                name: name.clone(),
                kind,
            });
        }
        let node_names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        let node_index = |name: &str, key: String| -> Result<usize, ScenarioError> {
            node_at.get(name).copied().ok_or_else(|| {
                err(
                    key,
                    format!(
                        "no node named \"{name}\"{}; known nodes: {}",
                        error::suggestion(name, &node_names),
                        if node_names.is_empty() {
                            "none (add [[node]] entries)".to_string()
                        } else {
                            node_names.join(", ")
                        }
                    ),
                )
            })
        };

        let mut links: Vec<Link> = Vec::new();
        let mut link_at: HashMap<(usize, usize), usize> = HashMap::with_capacity(file.links.len());
        for (i, l) in file.links.iter().enumerate() {
            let from = node_index(l.from.get_ref(), format!("link[{i}].from"))?;
            let to = node_index(l.to.get_ref(), format!("link[{i}].to"))?;
            if from == to {
                return Err(err(
                    format!("link[{i}].to"),
                    format!("link from \"{}\" to itself", nodes[from].name),
                ));
            }
            let name = format!("{}->{}", nodes[from].name, nodes[to].name);
            if let Some(&j) = link_at.get(&(from, to)) {
                return Err(err(
                    format!("link[{i}]"),
                    format!("link {name} is defined twice (first as link[{j}])"),
                ));
            }
            if *l.buffer.get_ref() == 0 {
                return Err(err(
                    format!("link[{i}].buffer"),
                    "expected a buffer of at least 1 packet".into(),
                ));
            }
            let loss = *l.loss.get_ref();
            if !(0.0..1.0).contains(&loss) {
                return Err(err(
                    format!("link[{i}].loss"),
                    format!("expected a loss probability in [0, 1), got {loss}"),
                ));
            }
            let outage = match l.outage.as_deref() {
                None => None,
                Some([from, until]) if from < until => Some((from.0, until.0)),
                Some(other) => {
                    return Err(err(
                        format!("link[{i}].outage"),
                        format!(
                            "expected [from, until] with from before until, like outage = [\"10s\", \"12.5s\"]; got {} value(s){}",
                            other.len(),
                            if other.len() == 2 { " not in increasing order" } else { "" }
                        ),
                    ))
                }
            };
            let jitter = l.jitter.map(|j| j.0).filter(|&j| j > 0);
            if l.jitter_model.is_some() && jitter.is_none() {
                return Err(err(
                    format!("link[{i}].jitter_model"),
                    "jitter_model needs a jitter above zero, like jitter = \"9ms\"".into(),
                ));
            }
            let padding = resolve_padding(i, l, file.packet_size.0, jitter.is_some(), &err)?;
            link_at.insert((from, to), links.len());
            links.push(Link {
                padding,
                name,
                from,
                to,
                bandwidth_bps: l.bandwidth.get_ref().0,
                delay: l.delay.0,
                buffer_packets: *l.buffer.get_ref(),
                jitter,
                jitter_model: l
                    .jitter_model
                    .as_ref()
                    .map(|m| *m.get_ref())
                    .unwrap_or_default(),
                order_preserving: l.order_preserving,
                loss,
                outage,
            });
        }

        let mut flows: Vec<Flow> = Vec::new();
        let mut flow_at: HashMap<&str, usize> = HashMap::with_capacity(file.flows.len());
        for (i, f) in file.flows.iter().enumerate() {
            let name = f.name.get_ref();
            check_name(name, "flow", false)
                .map_err(|e| err(format!("flow[{i}].name"), e.to_string()))?;
            if let Some(&j) = flow_at.get(name.as_str()) {
                return Err(err(
                    format!("flow[{i}].name"),
                    format!("flow \"{name}\" is defined twice (first as flow[{j}])"),
                ));
            }
            let (route, route_links) = resolve_route(
                f.route.get_ref(),
                &format!("flow[{i}].route"),
                "sender first, like [\"alice\", \"mix\", \"bob\"]",
                &nodes,
                &link_at,
                &node_index,
                &err,
            )?;
            // Keys that belong to one model only.
            let set_keys = model_keys(f);
            let owner = |k: &str| {
                if TCP_KEYS.contains(&k) {
                    TrafficModel::Tcp
                } else if TRACE_KEYS.contains(&k) {
                    TrafficModel::Trace
                } else if k == "on" || k == "off" {
                    TrafficModel::Onoff
                } else if INTERACTIVE_KEYS.contains(&k) {
                    TrafficModel::Interactive
                } else {
                    f.model
                }
            };
            if let Some(k) = set_keys.iter().find(|k| owner(k) != f.model) {
                let m = match owner(k) {
                    TrafficModel::Tcp => "\"tcp\"",
                    TrafficModel::Trace => "\"trace\"",
                    TrafficModel::Interactive => "\"interactive\"",
                    _ => "\"onoff\"",
                };
                return Err(err(
                    format!("flow[{i}].{k}"),
                    format!("`{k}` applies only to model = {m}"),
                ));
            }
            let open_loop_rate = || {
                f.rate.as_ref().map(|r| r.get_ref().0).ok_or_else(|| {
                    err(
                        format!("flow[{i}].rate"),
                        format!("flow \"{name}\" needs a rate, like rate = \"100pps\""),
                    )
                })
            };
            let mut size = f.size.unwrap_or(file.packet_size).0;
            let mut ack = (Vec::new(), Vec::new());
            let traffic = match f.model {
                TrafficModel::Poisson => Traffic::Poisson {
                    rate: open_loop_rate()?,
                },
                TrafficModel::Constant => Traffic::Constant {
                    rate: open_loop_rate()?,
                },
                TrafficModel::Onoff => {
                    let rate = open_loop_rate()?;
                    let period = |k: &str, v: Option<units::Duration>| {
                        match v {
                        Some(d) if d.0 > 0 => Ok(d.0),
                        _ => Err(err(
                            format!("flow[{i}].{k}"),
                            "an onoff flow needs mean periods on and off above zero, like on = \"1s\", off = \"2s\"".into(),
                        )),
                    }
                    };
                    let on = period("on", f.on)?;
                    let off = period("off", f.off)?;
                    Traffic::OnOff { rate, on, off }
                }
                TrafficModel::Tcp => {
                    let (params, wire) = resolve_tcp(i, f, file.packet_size.0, &err)?;
                    size = wire;
                    let hops = f.ack_route.as_ref().ok_or_else(|| {
                        let back: Vec<String> = f
                            .route
                            .get_ref()
                            .iter()
                            .rev()
                            .map(|h| format!("\"{}\"", h.get_ref()))
                            .collect();
                        err(
                            format!("flow[{i}].ack_route"),
                            format!(
                                "tcp flow \"{name}\" needs ack_route, the route of its ACKs from the receiver back to the sender, like ack_route = [{}] (the route reversed, over links in that direction), or any other route back",
                                back.join(", ")
                            ),
                        )
                    })?;
                    ack = resolve_route(
                        hops.get_ref(),
                        &format!("flow[{i}].ack_route"),
                        "receiver first",
                        &nodes,
                        &link_at,
                        &node_index,
                        &err,
                    )?;
                    let (first, last) = (route[0], *route.last().expect("two nodes"));
                    if ack.0[0] != last || *ack.0.last().expect("two nodes") != first {
                        return Err(err(
                            format!("flow[{i}].ack_route"),
                            format!(
                                "expected an ACK route from the receiver \"{}\" back to the sender \"{}\", got one from \"{}\" to \"{}\"",
                                nodes[last].name,
                                nodes[first].name,
                                nodes[ack.0[0]].name,
                                nodes[*ack.0.last().expect("two nodes")].name
                            ),
                        ));
                    }
                    Traffic::Tcp(params)
                }
                TrafficModel::Interactive => {
                    let d = crate::traffic::interactive::InteractiveParams::default();
                    let p = crate::traffic::interactive::InteractiveParams {
                        rate: open_loop_rate()?,
                        think_prob: f.think_prob.unwrap_or(d.think_prob),
                        think_share: f.think_share.unwrap_or(d.think_share),
                        keystroke_sigma: f.keystroke_sigma.unwrap_or(d.keystroke_sigma),
                        pareto_shape: f.pareto_shape.unwrap_or(d.pareto_shape),
                        pareto_cap: f.pareto_cap.unwrap_or(d.pareto_cap),
                    };
                    p.validate().map_err(|e| {
                        let k = match &e {
                            InteractiveError::OutOfRange { key, .. } => key,
                            InteractiveError::Keystroke(_) => "keystroke_sigma",
                        };
                        err(format!("flow[{i}].{k}"), e.to_string())
                    })?;
                    Traffic::Interactive(p)
                }
                TrafficModel::Trace => {
                    let data = resolve_trace(i, f, &src.file, &err)?;
                    let span = data.times.last().copied().unwrap_or(0);
                    if span
                        .checked_add(f.start.0)
                        .is_none_or(|t| t > units::MAX_TIME)
                    {
                        return Err(err(
                            format!("flow[{i}].file"),
                            format!(
                                "the trace spans {}, which from start = {} ends beyond the largest simulated time {}",
                                units::Duration(span.min(u64::MAX / 2)),
                                f.start,
                                units::Duration(units::MAX_TIME)
                            ),
                        ));
                    }
                    if let Some(m) = data.mean_size() {
                        size = m.round() as u64;
                    }
                    Traffic::Trace(std::sync::Arc::new(data))
                }
            };
            if f.rate.is_some()
                && !matches!(
                    f.model,
                    TrafficModel::Poisson
                        | TrafficModel::Constant
                        | TrafficModel::Onoff
                        | TrafficModel::Interactive
                )
            {
                return Err(err(
                    format!("flow[{i}].rate"),
                    format!(
                        "`rate` does not apply to model = \"{}\": {}",
                        model_name(f.model),
                        if f.model == TrafficModel::Tcp {
                            "a TCP flow sends as fast as its windows allow"
                        } else {
                            "a trace sets its own times"
                        }
                    ),
                ));
            }
            let size = u32::try_from(size).map_err(|_| {
                let key = if f.size.is_some() {
                    format!("flow[{i}].size")
                } else {
                    "packet_size".to_string()
                };
                err(
                    key,
                    format!("expected a packet size below 4 GiB, got {size}B"),
                )
            })?;
            flow_at.insert(name.as_str(), flows.len());
            flows.push(Flow {
                name: name.clone(),
                route,
                links: route_links,
                traffic,
                size,
                start: f.start.0,
                ack_route: ack.0,
                ack_links: ack.1,
                cover: None,
            });
        }
        cover::resolve(
            &file.cover,
            &cover::Context {
                nodes: &nodes,
                link_at: &link_at,
                node_index: &node_index,
                err: &err,
                packet_size: file.packet_size.0,
            },
            &mut flow_at,
            &mut flows,
        )?;

        // Offered load on every link must stay below its capacity, or its queue grows without
        // bound and no steady state exists for the model (or the adversary) to rely on.
        let mut crossing_at: Vec<Vec<&Flow>> = vec![Vec::new(); links.len()];
        for f in &flows {
            for &li in &f.links {
                crossing_at[li].push(f);
            }
        }
        for (li, l) in links.iter().enumerate() {
            let crossing = &crossing_at[li];
            let bits: f64 = crossing
                .iter()
                .map(|f| f.traffic.mean_rate() * f.size as f64 * 8.0)
                .sum();
            let pps: f64 = crossing.iter().map(|f| f.traffic.mean_rate()).sum();
            if let Some(p) = &l.padding {
                // Real packets take slots: fewer slots than packets and the queue grows.
                if pps >= p.rate {
                    return Err(err(
                        format!("link[{li}].padding_rate"),
                        format!(
                            "padded link {} has {} slots/s but is offered {pps} pkt/s: expected a padding_rate above the offered packet rate",
                            l.name, p.rate
                        ),
                    ));
                }
            }
            let rho = bits / l.bandwidth_bps;
            if rho >= 1.0 {
                let names: Vec<&str> = crossing.iter().map(|f| f.name.as_str()).collect();
                return Err(err(
                    format!("link[{li}].bandwidth"),
                    format!(
                        "link {} is offered {} ({pps} pkt/s from flows {}) but its capacity is {} (load {:.0}%): expected an offered load below capacity",
                        l.name,
                        units::Bandwidth(bits),
                        names.join(", "),
                        units::Bandwidth(l.bandwidth_bps),
                        rho * 100.0
                    ),
                ));
            }
        }

        let watermarks = watermark::resolve(&file.watermarks, &nodes, &flows, &err)?;

        let mut warnings = Vec::new();
        let attacks = resolve_attacks(
            &file.attack,
            &Placed {
                nodes: &nodes,
                links: &links,
                flows: &flows,
                watermarks: &watermarks,
            },
            &err,
            &mut warnings,
        )?;

        let warmup = file.warmup.0;
        let mut need: Option<SimTime> = None;
        for ((at, _), a) in file.attack.entries().iter().zip(&attacks) {
            let Some((interval, bins)) = a.kind.counting() else {
                continue;
            };
            let span = attack_span(warmup, interval, bins).ok_or_else(|| {
                err(
                    format!("{at}.sample_sizes"),
                    format!(
                        "warmup + largest sample size x interval = {} + {} x {} is beyond the largest simulated time {} (2^53 ns): expected fewer or shorter intervals",
                        units::Duration(warmup),
                        bins,
                        units::Duration(interval),
                        units::Duration(units::MAX_TIME)
                    ),
                )
            })?;
            need = Some(need.map_or(span, |n: SimTime| n.max(span)));
        }
        let duration = match (&file.duration, need) {
            (Some(d), Some(need)) if d.get_ref().0 < need => {
                return Err(err(
                    "duration".into(),
                    format!(
                        "expected at least warmup + largest sample size x interval = {}, got {}",
                        units::Duration(need),
                        d.get_ref()
                    ),
                ))
            }
            (Some(d), _) if d.get_ref().0 <= warmup => {
                return Err(err(
                    "duration".into(),
                    format!(
                        "expected a duration longer than the warmup ({}), got {}",
                        file.warmup,
                        d.get_ref()
                    ),
                ))
            }
            (Some(d), _) => d.get_ref().0,
            (None, Some(need)) => need,
            (None, None) => warmup.saturating_add(10_000_000_000),
        };
        if duration > units::MAX_TIME {
            return Err(err(
                "warmup".into(),
                format!(
                    "warmup + 10s (the default duration without an attack) is beyond the largest simulated time {}",
                    units::Duration(units::MAX_TIME)
                ),
            ));
        }
        let mix_outputs: Vec<usize> = (0..links.len())
            .filter(|&l| matches!(nodes[links[l].from].kind, ResolvedNodeKind::Mix { .. }))
            .collect();
        check_tap_memory(&file, &attacks, &mix_outputs, duration, warmup, &err)?;
        check_transmission_times(&links, &flows, &err)?;
        let trials = *file.trials.get_ref();
        if trials == 0 {
            return Err(err("trials".into(), "expected at least one trial".into()));
        }
        Ok(Scenario {
            name: file.name.clone(),
            description: file.description.clone(),
            seed: file.seed,
            trials,
            duration,
            warmup,
            nodes,
            links,
            flows,
            attacks,
            watermarks,
            warnings,
            file,
            overrides: Vec::new(),
        })
    }

    /// The effective scenario (after overrides, with defaults filled in and the current seed,
    /// trials and duration) as TOML, for writing next to results.
    pub fn to_toml_string(&self) -> String {
        let mut file = self.file.clone();
        file.seed = self.seed;
        file.trials = toml::Spanned::new(0..0, self.trials);
        file.duration = Some(toml::Spanned::new(0..0, units::Duration(self.duration)));
        file.warmup = units::Duration(self.warmup);
        toml::to_string(&file).expect("a scenario always serialises")
    }

    /// The first correlation attack (the one the analytical model describes), if any.
    pub fn correlation(&self) -> Option<&CorrelationAttack> {
        self.attacks.iter().find_map(|a| match &a.kind {
            AttackKind::Correlation(c) => Some(c),
            _ => None,
        })
    }

    /// Index of the link named "from->to".
    pub fn link_index(&self, name: &str) -> Option<usize> {
        self.links.iter().position(|l| l.name == name)
    }
}

/// Keys of `[[flow]]` that only model = "tcp" takes.
const INTERACTIVE_KEYS: &[&str] = &[
    "think_prob",
    "think_share",
    "keystroke_sigma",
    "pareto_shape",
    "pareto_cap",
];

const TCP_KEYS: &[&str] = &[
    "ack_route",
    "mss",
    "rwnd",
    "ack_size",
    "initial_cwnd",
    "initial_ssthresh",
    "dupthresh",
    "initial_rto",
    "min_rto",
    "max_rto",
    "delayed_ack",
    "ack_every",
    "ack_timeout",
    "drop_segments",
];

/// Keys of `[[flow]]` that only model = "trace" takes.
const TRACE_KEYS: &[&str] = &["file", "filter"];

fn model_name(m: TrafficModel) -> &'static str {
    match m {
        TrafficModel::Poisson => "poisson",
        TrafficModel::Constant => "constant",
        TrafficModel::Onoff => "onoff",
        TrafficModel::Tcp => "tcp",
        TrafficModel::Trace => "trace",
        TrafficModel::Interactive => "interactive",
    }
}

/// The model-specific keys a flow sets.
fn model_keys(f: &schema::FlowSpec) -> Vec<&'static str> {
    let set = [
        ("on", f.on.is_some()),
        ("off", f.off.is_some()),
        ("ack_route", f.ack_route.is_some()),
        ("mss", f.mss.is_some()),
        ("rwnd", f.rwnd.is_some()),
        ("ack_size", f.ack_size.is_some()),
        ("initial_cwnd", f.initial_cwnd.is_some()),
        ("initial_ssthresh", f.initial_ssthresh.is_some()),
        ("dupthresh", f.dupthresh.is_some()),
        ("initial_rto", f.initial_rto.is_some()),
        ("min_rto", f.min_rto.is_some()),
        ("max_rto", f.max_rto.is_some()),
        ("delayed_ack", f.delayed_ack.is_some()),
        ("ack_every", f.ack_every.is_some()),
        ("ack_timeout", f.ack_timeout.is_some()),
        ("drop_segments", f.drop_segments.is_some()),
        ("file", f.file.is_some()),
        ("filter", f.filter.is_some()),
        ("think_prob", f.think_prob.is_some()),
        ("think_share", f.think_share.is_some()),
        ("keystroke_sigma", f.keystroke_sigma.is_some()),
        ("pareto_shape", f.pareto_shape.is_some()),
        ("pareto_cap", f.pareto_cap.is_some()),
    ];
    set.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect()
}

/// Node and link indices of a route written as node names (at least two, loop-free, each hop
/// a link). `key` is the route's key path, for errors.
fn resolve_route(
    hops: &[toml::Spanned<String>],
    key: &str,
    hint: &str,
    nodes: &[Node],
    link_at: &HashMap<(usize, usize), usize>,
    node_index: &dyn Fn(&str, String) -> Result<usize, ScenarioError>,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(Vec<usize>, Vec<usize>), ScenarioError> {
    if hops.len() < 2 {
        return Err(err(
            key.to_string(),
            format!("expected a route of at least two nodes, {hint}"),
        ));
    }
    let mut route = Vec::new();
    for (h, hop) in hops.iter().enumerate() {
        let n = node_index(hop.get_ref(), format!("{key}[{h}]"))?;
        if let Some(p) = route.iter().position(|&m| m == n) {
            return Err(err(
                format!("{key}[{h}]"),
                format!(
                    "the route visits \"{}\" twice (also at route[{p}]): expected a loop-free route",
                    nodes[n].name
                ),
            ));
        }
        route.push(n);
    }
    let mut route_links = Vec::new();
    for (w, pair) in route.windows(2).enumerate() {
        let l = link_at
            .get(&(pair[0], pair[1]))
            .copied()
            .ok_or_else(|| {
                let (a, b) = (&nodes[pair[0]].name, &nodes[pair[1]].name);
                err(
                    format!("{key}[{}]", w + 1),
                    format!("no link from \"{a}\" to \"{b}\" for this hop: add a [[link]] with from = \"{a}\", to = \"{b}\""),
                )
            })?;
        route_links.push(l);
    }
    Ok((route, route_links))
}

/// The trace of flow `i`, loaded from `file` (relative to the scenario file's directory).
fn resolve_trace(
    i: usize,
    f: &schema::FlowSpec,
    scenario_file: &Path,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<TraceData, ScenarioError> {
    let key = |k: &str| format!("flow[{i}].{k}");
    let name = f.file.as_ref().ok_or_else(|| {
        err(
            key("file"),
            "a trace flow needs `file`, a CSV of times in seconds (and sizes) or a pcap/pcapng capture, like file = \"traces/ssh.pcap\"".into(),
        )
    })?;
    let filter = match &f.filter {
        None => None,
        Some(s) => Some(
            s.parse::<FlowFilter>()
                .map_err(|e| err(key("filter"), e.to_string()))?,
        ),
    };
    let dir = scenario_file.parent().unwrap_or(Path::new(""));
    let path = dir.join(name);
    replay::load(&path, filter.as_ref()).map_err(|e| {
        let k = if e.is_filter() {
            key("filter")
        } else {
            key("file")
        };
        err(k, format!("trace file {}: {e}", path.display()))
    })
}

/// TCP parameters of flow `i` and the wire size of its data segments.
fn resolve_tcp(
    i: usize,
    f: &schema::FlowSpec,
    packet_size: u64,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(TcpParams, u64), ScenarioError> {
    let key = |k: &str| format!("flow[{i}].{k}");
    let d = TcpParams::default();
    let h = HEADER_BYTES as u64;
    let (mss, wire) = match (f.mss, f.size) {
        (Some(_), Some(_)) => {
            return Err(err(
                key("mss"),
                "give either mss (payload per segment) or size (segment on the wire, mss + 40B), not both".into(),
            ))
        }
        (Some(m), None) => (m.0, m.0 + h),
        (None, size) => {
            let wire = size.map_or(packet_size, |s| s.0);
            if wire <= h {
                let k = if size.is_some() { key("size") } else { "packet_size".into() };
                return Err(err(
                    k,
                    format!("a TCP segment of {wire}B leaves no payload after the 40B TCP/IP header: expected a size above 40B"),
                ));
            }
            (wire - h, wire)
        }
    };
    if wire > u32::MAX as u64 {
        return Err(err(
            key("mss"),
            format!("expected a segment below 4 GiB, got {wire}B"),
        ));
    }
    let rwnd = match f.rwnd {
        None => (65_536 / mss).max(1),
        Some(schema::Window::Segments(n)) => n,
        Some(schema::Window::Bytes(b)) => {
            if b < mss {
                return Err(err(
                    key("rwnd"),
                    format!("a receiver window of {b}B holds no whole segment of {mss}B: expected at least the MSS"),
                ));
            }
            b / mss
        }
    };
    let positive = |k: &str, v: Option<u32>, default: u32| -> Result<u32, ScenarioError> {
        match v {
            Some(0) => Err(err(key(k), format!("expected `{k}` of at least 1, got 0"))),
            Some(n) => Ok(n),
            None => Ok(default),
        }
    };
    let dur =
        |k: &str, v: Option<units::Duration>, default: SimTime| -> Result<SimTime, ScenarioError> {
            match v {
                Some(x) if x.0 == 0 => Err(err(key(k), format!("expected `{k}` above zero"))),
                Some(x) => Ok(x.0),
                None => Ok(default),
            }
        };
    let min_rto = dur("min_rto", f.min_rto, d.min_rto)?;
    let max_rto = dur("max_rto", f.max_rto, d.max_rto)?;
    if max_rto < min_rto {
        return Err(err(
            key("max_rto"),
            format!(
                "expected max_rto at least min_rto ({}), got {}",
                units::Duration(min_rto),
                units::Duration(max_rto)
            ),
        ));
    }
    let ack_size = f.ack_size.map_or(d.ack_size as u64, |b| b.0);
    let params = TcpParams {
        mss: mss as u32,
        ack_size: u32::try_from(ack_size)
            .map_err(|_| err(key("ack_size"), "expected an ACK below 4 GiB".into()))?,
        rwnd: u32::try_from(rwnd).unwrap_or(u32::MAX),
        initial_cwnd: positive("initial_cwnd", f.initial_cwnd, d.initial_cwnd)?,
        initial_ssthresh: match f.initial_ssthresh {
            Some(n) if n < 2 => {
                return Err(err(
                    key("initial_ssthresh"),
                    format!("expected an initial ssthresh of at least 2 segments, got {n}"),
                ))
            }
            v => v,
        },
        dupthresh: positive("dupthresh", f.dupthresh, d.dupthresh)?,
        initial_rto: dur("initial_rto", f.initial_rto, d.initial_rto)?,
        min_rto,
        max_rto,
        delayed_ack: f.delayed_ack.unwrap_or(d.delayed_ack),
        ack_every: positive("ack_every", f.ack_every, d.ack_every)?,
        ack_timeout: dur("ack_timeout", f.ack_timeout, d.ack_timeout)?,
        drop_segments: f.drop_segments.clone().unwrap_or_default(),
    };
    if !params.delayed_ack {
        for (k, set) in [
            ("ack_every", f.ack_every.is_some()),
            ("ack_timeout", f.ack_timeout.is_some()),
        ] {
            if set {
                return Err(err(
                    key(k),
                    format!("`{k}` applies only with delayed_ack = true"),
                ));
            }
        }
    }
    Ok((params, wire))
}

/// Bytes of tap counters a trial may allocate: 4 bytes per interval, per watched tap point
/// (only the points the attacks read hold counters). Past this a run would exhaust memory (or
/// abort on allocation) instead of refusing.
pub const MAX_TAP_BYTES: u64 = 1 << 30;

/// Sampling interval of the taps when the scenario has no attack.
pub const DEFAULT_TAP_INTERVAL: SimTime = 10_000_000;

/// warmup + largest sample size x interval, if it is within [`units::MAX_TIME`].
fn attack_span(warmup: SimTime, interval: SimTime, bins: usize) -> Option<SimTime> {
    interval
        .checked_mul(bins as u64)
        .and_then(|t| t.checked_add(warmup))
        .filter(|&t| t <= units::MAX_TIME)
}

impl Scenario {
    /// Intervals every tap counts: the largest sample size of the attacks that count, or the
    /// run after the warm-up in [`DEFAULT_TAP_INTERVAL`] bins without one.
    pub fn tap_bins(&self) -> usize {
        tap_bins(&self.attacks, self.duration, self.warmup).0
    }
}

/// The tap bins, and the index of the counting attack that sets them (if any).
fn tap_bins(
    attacks: &[AttackConfig],
    duration: SimTime,
    warmup: SimTime,
) -> (usize, Option<usize>) {
    let longest = attacks
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((a.kind.counting()?.1, i)))
        .max();
    match longest {
        Some((bins, i)) => (bins, Some(i)),
        None => (
            (duration.saturating_sub(warmup) / DEFAULT_TAP_INTERVAL) as usize,
            None,
        ),
    }
}

/// The tap points (link, point: 0 enqueue, 1 depart, 2 arrive) the attacks read: the only ones
/// whose taps hold counters. Identification attacks watch the target's arrivals and the
/// candidates' departures (a hop-by-hop walk may go through any mix: every mix's output links),
/// watermark and multi-flow attacks arrivals.
fn watched_points(
    attacks: &[AttackConfig],
    mix_outputs: &[usize],
) -> std::collections::HashSet<(usize, u8)> {
    let mut points = std::collections::HashSet::new();
    for a in attacks {
        match &a.kind {
            AttackKind::Correlation(CorrelationAttack {
                observe_link,
                candidates,
                ..
            })
            | AttackKind::Likelihood(LikelihoodAttack {
                observe_link,
                candidates,
                ..
            }) => {
                points.insert((*observe_link, 2));
                points.extend(candidates.iter().map(|&c| (c, 1)));
            }
            AttackKind::Watermark(w) => {
                for s in &w.subjects {
                    points.extend([s.link, s.sync].map(|l| (l, 2)));
                    points.extend(s.reference.map(|l| (l, 2)));
                }
            }
            AttackKind::Mfa(m) => {
                let links = m.baseline.iter().chain(m.groups.iter().flatten());
                points.extend(links.map(|&l| (l, 2)));
            }
            AttackKind::Supermix(m) => {
                points.insert((m.entry, 2));
                points.extend(m.exits.iter().map(|&c| (c, 1)));
            }
            AttackKind::HopByHop(h) => {
                points.insert((h.observe_link, 2));
                points.extend(mix_outputs.iter().map(|&l| (l, 1)));
            }
        }
    }
    points
}

/// Refuse a scenario whose taps would need more than [`MAX_TAP_BYTES`] per trial. Without a
/// counting attack nothing is counted.
fn check_tap_memory(
    file: &ScenarioFile,
    attacks: &[AttackConfig],
    mix_outputs: &[usize],
    duration: SimTime,
    warmup: SimTime,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let (bins, longest) = tap_bins(attacks, duration, warmup);
    if longest.is_none() {
        return Ok(());
    }
    let points = watched_points(attacks, mix_outputs).len() as u64;
    let bins = bins as u64;
    let bytes = bins.saturating_mul(points * 4);
    if bytes <= MAX_TAP_BYTES {
        return Ok(());
    }
    let (key, what) = match longest {
        Some(i) => (
            format!("{}.sample_sizes", file.attack.entries()[i].0),
            "the largest sample size",
        ),
        None if file.duration.is_some() => ("duration".into(), "the duration after the warm-up"),
        None => ("warmup".into(), "the duration after the warm-up"),
    };
    Err(err(
        key,
        format!(
            "{what} needs {bins} tap intervals at each of the {points} tap points the attacks watch ({:.1} GiB of counters per trial), more than the limit of {} GiB: expected at most {} intervals",
            bytes as f64 / (1u64 << 30) as f64,
            MAX_TAP_BYTES >> 30,
            MAX_TAP_BYTES / (points.max(1) * 4)
        ),
    ))
}

/// Refuse a link on which one packet would take longer to transmit than the largest simulated
/// time (a tiny bandwidth, a huge packet): its departure time could not be represented.
fn check_transmission_times(
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let mut biggest_at: Vec<Option<u32>> = vec![None; links.len()];
    for f in flows {
        let ack = f.traffic.tcp().map(|p| p.ack_size);
        let sized = f.links.iter().map(|&l| (l, Some(f.size)));
        for (li, size) in sized.chain(f.ack_links.iter().map(|&l| (l, ack))) {
            biggest_at[li] = biggest_at[li].max(size);
        }
    }
    for (li, l) in links.iter().enumerate() {
        let biggest = biggest_at[li];
        if let Some(size) = biggest {
            let ns = size as f64 * 8.0 / l.bandwidth_bps * 1e9;
            if ns > units::MAX_TIME as f64 {
                return Err(err(
                    format!("link[{li}].bandwidth"),
                    format!(
                        "a {size}B packet takes {:.3e} s to cross link {} at {}, beyond the largest simulated time {}: expected a higher bandwidth",
                        ns * 1e-9,
                        l.name,
                        units::Bandwidth(l.bandwidth_bps),
                        units::Duration(units::MAX_TIME)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A name that cannot be used where it is going.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// A scenario or sweep name, used as a directory under runs/.
    #[error("expected a name of letters, digits, '-', '_' and '.' (not starting with '.', at most 100 characters), used as a directory name under runs/; got {0:?}")]
    NotAFileName(String),
    #[error("expected a non-empty {0} name")]
    Empty(&'static str),
    /// A node, flow or attack name holding a separator of `--set` paths or link names.
    #[error("{what} name \"{name}\" contains {found}: names cannot contain '.', '[' {}(they are used in --set paths{})", if *.is_node { "or \"->\" " } else { "" }, if *.is_node { " and link names" } else { "" })]
    Separator {
        what: &'static str,
        name: String,
        found: &'static str,
        is_node: bool,
    },
}

/// A scenario's name names its output directory (runs/NAME), so it must be a plain file name:
/// letters, digits, '-', '_' and '.', not starting with '.', at most 100 characters.
pub fn check_file_name(name: &str) -> Result<(), NameError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(NameError::NotAFileName(name.to_string()))
    }
}

/// Names are used in `--set node.NAME.key` and `from->to` link names, so they must not contain
/// the separators.
fn check_name(name: &str, what: &'static str, is_node: bool) -> Result<(), NameError> {
    if name.trim().is_empty() {
        return Err(NameError::Empty(what));
    }
    let found = if name.contains('.') {
        "'.'"
    } else if name.contains('[') {
        "'['"
    } else if is_node && name.contains("->") {
        "\"->\""
    } else {
        return Ok(());
    };
    Err(NameError::Separator {
        what,
        name: name.to_string(),
        found,
        is_node,
    })
}

/// Validate every attack table: its kind, its name (unique), the keys its kind takes, and
/// whatever attacks that count packets must agree on (the taps count in one interval).
/// What attacks are resolved against.
pub(crate) struct Placed<'a> {
    pub nodes: &'a [Node],
    pub links: &'a [Link],
    pub flows: &'a [Flow],
    pub watermarks: &'a [Watermark],
}

fn resolve_attacks(
    attacks: &schema::Attacks,
    placed: &Placed<'_>,
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<Vec<AttackConfig>, ScenarioError> {
    let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
    let mut out: Vec<AttackConfig> = Vec::new();
    let mut counting: Option<(SimTime, String)> = None;
    for (at, a) in attacks.entries() {
        let kind = a
            .kind
            .as_ref()
            .map(|k| k.get_ref().as_str())
            .unwrap_or("correlation");
        let Some(&(_, keys)) = schema::ATTACK_KEYS.iter().find(|(k, _)| *k == kind) else {
            return Err(err(
                format!("{at}.kind"),
                format!(
                    "unknown attack kind \"{kind}\"{}; known: {}",
                    error::suggestion(kind, ATTACK_KINDS),
                    ATTACK_KINDS.join(", ")
                ),
            ));
        };
        if let Some(foreign) = attack_keys_set(a).into_iter().find(|k| !keys.contains(k)) {
            return Err(err(
                format!("{at}.{foreign}"),
                format!(
                    "`{foreign}` does not apply to kind = \"{kind}\"; its keys: kind, name, {}",
                    keys.join(", ")
                ),
            ));
        }
        let name = a
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| kind.to_string());
        if let Err(m) = check_name(&name, "attack", false) {
            return Err(err(format!("{at}.name"), m.to_string()));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(err(
                format!("{at}.name"),
                format!("two attacks are named \"{name}\": give each attack a distinct `name`"),
            ));
        }
        let resolved = match kind {
            "correlation" => AttackKind::Correlation(resolve_correlation(
                a, &at, nodes, links, flows, err, warnings,
            )?),
            "watermark" => AttackKind::Watermark(watermark::resolve_attack(a, &at, placed, err)?),
            "likelihood" => AttackKind::Likelihood(resolve_likelihood(
                a, &at, nodes, links, flows, err, warnings,
            )?),
            "mfa" => AttackKind::Mfa(adversary::resolve_mfa(a, &at, placed, err)?),
            "hop_by_hop" => AttackKind::HopByHop(adversary::resolve_hop_by_hop(
                a, &at, placed, err, warnings,
            )?),
            "supermix" => {
                AttackKind::Supermix(adversary::resolve_supermix(a, &at, placed, err, warnings)?)
            }
            _ => unreachable!("every kind of ATTACK_KEYS is resolved here"),
        };
        if let Some((interval, _)) = resolved.counting() {
            match &counting {
                Some((i, first)) if *i != interval => {
                    return Err(err(
                        format!("{at}.interval"),
                        format!(
                            "expected the interval of {first} ({}), got {}: the taps count packets in one interval for every attack",
                            units::Duration(*i),
                            units::Duration(interval)
                        ),
                    ))
                }
                Some(_) => {}
                None => counting = Some((interval, at.clone())),
            }
        }
        out.push(AttackConfig {
            name,
            kind: resolved,
        });
    }
    Ok(out)
}

/// The kind-specific keys an attack table sets.
fn attack_keys_set(a: &schema::AttackSpec) -> Vec<&'static str> {
    let mut set = Vec::new();
    for (k, present) in [
        ("target", a.target.is_some()),
        ("interval", a.interval.is_some()),
        ("sample_sizes", a.sample_sizes.is_some()),
        ("candidates", a.candidates.is_some()),
        ("estimators", a.estimators.is_some()),
        ("watermark", a.watermark.is_some()),
        ("observe", a.observe.is_some()),
        ("anchor", a.anchor.is_some()),
        ("sync", a.sync.is_some()),
        ("sync_delay", a.sync_delay.is_some()),
        ("reference", a.reference.is_some()),
        ("search_sigmas", a.search_sigmas.is_some()),
        ("search_step", a.search_step.is_some()),
        ("search_spread", a.search_spread.is_some()),
        ("variants", a.variants.is_some()),
        ("t_avg", a.t_avg.is_some()),
        ("test", a.test.is_some()),
        ("bin", a.bin.is_some()),
        ("span", a.span.is_some()),
        ("alpha", a.alpha.is_some()),
        ("permutations", a.permutations.is_some()),
        ("baseline", a.baseline.is_some()),
        ("groups", a.groups.is_some()),
        ("scorers", a.scorers.is_some()),
        ("mixes", a.mixes.is_some()),
        ("links", a.links.is_some()),
    ] {
        if present {
            set.push(k);
        }
    }
    set
}

/// A likelihood table: target, candidates, interval and sample sizes as for correlation; its
/// variants; the mean hold it assumes (by default the target's first mix's, which must then
/// be an exponential mix: the attack needs a delay law).
fn resolve_likelihood(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<LikelihoodAttack, ScenarioError> {
    let c = resolve_correlation(a, at, nodes, links, flows, err, warnings)?;
    let variants: Vec<String> = match &a.variants {
        None => LIKELIHOOD_VARIANTS.iter().map(|v| v.to_string()).collect(),
        Some(list) => {
            let mut out = Vec::new();
            for (i, v) in list.iter().enumerate() {
                let name = v.get_ref();
                if !LIKELIHOOD_VARIANTS.contains(&name.as_str()) {
                    return Err(err(
                        format!("{at}.variants[{i}]"),
                        format!(
                            "unknown variant \"{name}\"{}; expected one of: {}",
                            error::suggestion(name, LIKELIHOOD_VARIANTS),
                            LIKELIHOOD_VARIANTS.join(", ")
                        ),
                    ));
                }
                if out.contains(name) {
                    return Err(err(
                        format!("{at}.variants[{i}]"),
                        format!("variant \"{name}\" is listed twice"),
                    ));
                }
                out.push(name.clone());
            }
            if out.is_empty() {
                return Err(err(
                    format!("{at}.variants"),
                    format!(
                        "expected at least one variant of: {}",
                        LIKELIHOOD_VARIANTS.join(", ")
                    ),
                ));
            }
            out
        }
    };
    let mix = links[c.observe_link].to;
    let t_avg = match (&a.t_avg, &nodes[mix].kind) {
        (Some(t), _) if t.get_ref().0 == 0 => {
            return Err(err(
                format!("{at}.t_avg"),
                "expected a positive mean hold".to_string(),
            ))
        }
        (Some(t), _) => t.get_ref().0,
        (None, ResolvedNodeKind::Mix {
            strategy: MixStrategy::Exponential { mean_ns },
        }) => mean_ns.round() as SimTime,
        (None, _) => {
            return Err(err(
                format!("{at}.t_avg"),
                format!(
                    "the target's first mix \"{}\" is not an exponential (continuous-time) mix, so it gives no delay law: set `t_avg`, the mean hold the adversary assumes",
                    nodes[mix].name
                ),
            ))
        }
    };
    Ok(LikelihoodAttack {
        target: c.target,
        observe_link: c.observe_link,
        candidates: c.candidates,
        interval: c.interval,
        sample_sizes: c.sample_sizes,
        variants,
        t_avg,
    })
}

fn resolve_correlation(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<CorrelationAttack, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let missing = |k: &str| err(key(k), format!("missing required key \"{k}\" in {at}"));
    let target_name = a
        .target
        .as_ref()
        .ok_or_else(|| missing("target"))?
        .get_ref();
    let flow_names: Vec<&str> = flows.iter().map(|f| f.name.as_str()).collect();
    let target = flows
        .iter()
        .position(|f| f.name == *target_name)
        .ok_or_else(|| {
            err(
                key("target"),
                format!(
                    "no flow named \"{target_name}\"{}; known flows: {}",
                    error::suggestion(target_name, &flow_names),
                    if flow_names.is_empty() {
                        "none".to_string()
                    } else {
                        flow_names.join(", ")
                    }
                ),
            )
        })?;
    let tf = &flows[target];
    let first_mix = tf
        .route
        .iter()
        .position(|&n| matches!(nodes[n].kind, ResolvedNodeKind::Mix { .. }))
        .ok_or_else(|| {
            err(
                key("target"),
                format!("flow \"{}\" crosses no mix: nothing to attack", tf.name),
            )
        })?;
    if first_mix == 0 {
        return Err(err(
            key("target"),
            format!("flow \"{}\" starts at mix \"{}\": the adversary needs a link into the mix to observe", tf.name, nodes[tf.route[0]].name),
        ));
    }
    let observe_link = tf.links[first_mix - 1];
    let true_link = tf.links[first_mix];
    let link_names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let candidates = match &a.candidates {
        Some(c) => {
            let mut out = Vec::new();
            for (k, name) in c.iter().enumerate() {
                let i = links
                    .iter()
                    .position(|l| l.name == *name.get_ref())
                    .ok_or_else(|| {
                        err(
                            format!("{at}.candidates[{k}]"),
                            format!(
                                "no link named \"{}\"{}; links are written \"from->to\": {}",
                                name.get_ref(),
                                error::suggestion(name.get_ref(), &link_names),
                                link_names.join(", ")
                            ),
                        )
                    })?;
                if out.contains(&i) {
                    return Err(err(
                        format!("{at}.candidates[{k}]"),
                        format!("link {} is listed twice", links[i].name),
                    ));
                }
                out.push(i);
            }
            if !out.iter().any(|l| tf.links.contains(l)) {
                // Allowed: an adversary may watch the wrong links. The scorer finds no true
                // candidate, so every trial counts as a failure.
                warnings.push(err(
                    key("candidates"),
                    format!(
                        "none of the candidates carries flow \"{}\" (it leaves the mix by {}): the attack cannot name its link, and every trial counts as a failure",
                        tf.name, links[true_link].name
                    ),
                ));
            }
            out
        }
        None => {
            let mix = tf.route[first_mix];
            links
                .iter()
                .enumerate()
                .filter(|(_, l)| l.from == mix)
                .map(|(i, _)| i)
                .collect()
        }
    };
    if candidates.len() < 2 {
        return Err(err(
            key("candidates"),
            format!(
                "expected at least two candidate links, got {}: with one, detection is trivial",
                candidates.len()
            ),
        ));
    }
    let raw = a
        .sample_sizes
        .as_ref()
        .ok_or_else(|| missing("sample_sizes"))?
        .get_ref();
    if raw.is_empty() {
        return Err(err(
            key("sample_sizes"),
            "expected a non-empty list of sample sizes (intervals), like [60, 480, 3000]".into(),
        ));
    }
    if let Some(k) = raw.iter().position(|&n| n == 0) {
        return Err(err(
            format!("{at}.sample_sizes[{k}]"),
            "expected sample sizes above zero".into(),
        ));
    }
    let mut sizes: Vec<usize> = raw.iter().map(|&n| n as usize).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let interval = a
        .interval
        .as_ref()
        .map(|i| i.get_ref().0)
        .unwrap_or(10_000_000);
    if interval == 0 {
        return Err(err(
            key("interval"),
            "expected a sampling interval above zero".into(),
        ));
    }
    let mut estimators = Vec::new();
    let default_estimators = [Spanned::new(0..0, "mi".to_string())];
    let named = a.estimators.as_deref().unwrap_or(&default_estimators);
    for (k, e) in named.iter().enumerate() {
        let e = e.get_ref();
        if !ESTIMATORS.contains(&e.as_str()) {
            return Err(err(
                format!("{at}.estimators[{k}]"),
                format!(
                    "unknown estimator \"{e}\"{}; known: {}",
                    error::suggestion(e, ESTIMATORS),
                    ESTIMATORS.join(", ")
                ),
            ));
        }
        estimators.push(e.clone());
    }
    if estimators.is_empty() {
        return Err(err(
            key("estimators"),
            format!(
                "expected at least one estimator of: {}",
                ESTIMATORS.join(", ")
            ),
        ));
    }
    Ok(CorrelationAttack {
        target,
        observe_link,
        candidates,
        interval,
        sample_sizes: sizes,
        estimators,
    })
}
