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
//! serde (the attack tables' keys through the registry of kinds, `attacks.rs`), then
//! [`Scenario::from_file`] resolves names to indices and checks what serde cannot.

pub mod adversary;
pub mod attack_build;
pub(crate) mod attacks;
pub mod bounds;
mod build;
mod correlation;
mod cover;
mod duration;
pub mod error;
mod flows;
mod hop_by_hop;
mod layers;
mod likelihood;
mod links;
mod load;
pub mod message_entropy;
mod mfa;
mod names;
mod nodes;
mod overrides;
mod presence;
pub mod schema;
mod supermix;
mod taps;
pub mod watermark;

pub use crate::traffic::Traffic;
pub use error::ScenarioError;
pub use names::{check_file_name, NameError};
pub use overrides::canonical_key;
pub use taps::{
    counter_bytes, tap_plan, tap_point, watched_points, DEFAULT_TAP_INTERVAL, MAX_TAP_BYTES,
};
pub use watermark::Watermark;

pub(crate) use attacks::Placed;
pub use attacks::{
    attack_kind, attack_table_keys, kinds_table, AttackKind, AttackKindDef, AttackTable, Truth,
    ATTACK_KINDS, ATTACK_REGISTRY,
};
pub(crate) use correlation::resolve_correlation;
pub use correlation::CorrelationAttack;
use flows::resolve_route;
pub use likelihood::{LikelihoodAttack, LIKELIHOOD_VARIANTS};
use names::check_name;

use crate::engine::SimTime;
use crate::net::link::Padding;
use crate::net::MixStrategy;
use crate::units;
use error::Source;
use schema::ScenarioFile;
use std::path::Path;

/// A node after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub kind: ResolvedNodeKind,
    /// The order a batch mix sends each flush in (random unless the file says arrival).
    pub order: crate::net::BatchOrder,
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
    /// Per-message routes (the route names a `[[layer]]`): `route` and `links` are then the
    /// first of its routes.
    pub choices: Option<crate::net::RouteChoices>,
    /// With `choices`, each link its packets may cross and the share of them that does.
    pub link_shares: Vec<(usize, f64)>,
    /// A payload stream (`kind = "payload"`): the flow whose messages ride its slots.
    pub payload_of: Option<usize>,
}

impl Flow {
    /// The links this flow's packets cross and the share of them on each: every link of the
    /// route, or with per-message routes each link some of its routes take.
    pub fn link_shares(&self) -> Vec<(usize, f64)> {
        match self.choices {
            None => self.links.iter().map(|&l| (l, 1.0)).collect(),
            Some(_) => self.link_shares.clone(),
        }
    }
}

/// An attack after validation: its name (unique in the scenario) and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct AttackConfig {
    pub name: String,
    pub kind: AttackKind,
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

/// The error for a node name that names no node.
fn no_node(name: &str, node_names: &[&str]) -> String {
    format!(
        "no node named \"{name}\"{}; known nodes: {}",
        error::suggestion(name, node_names),
        if node_names.is_empty() {
            "none (add [[node]] entries)".to_string()
        } else {
            node_names.join(", ")
        }
    )
}

/// The file as serde's pass reads it, then its attack tables read through the registry
/// (`scenario::attacks`). Of an error in each, the one serde would have met first: it reads the
/// root keys in the order of the parsed table, and reports missing keys after them.
fn read_file(src: &Source) -> Result<ScenarioFile, ScenarioError> {
    let root = toml::de::DeTable::parse(&src.text).map_err(|e| src.toml_error(e))?;
    let attacks = attacks::parse_tables(src, root.get_ref());
    match toml::from_str::<ScenarioFile>(&src.text) {
        Ok(file) => Ok(ScenarioFile {
            attack: attacks?,
            ..file
        }),
        Err(e) => {
            let path = error::path_at(root.get_ref(), &e.span().unwrap_or(0..0));
            let first = matches!(path.first(), Some(error::Elem::Key(k)) if k.as_str() <= "attack");
            match attacks {
                Err(a) if !first => Err(a),
                _ => Err(src.toml_error(e)),
            }
        }
    }
}

/// Estimator names the correlation attack knows.
pub use crate::attack::correlation::ESTIMATORS;
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
        Self::parse_with(text, origin, overrides, ATTACK_REGISTRY)
    }

    /// [`Scenario::parse`] with the attack kinds `kinds` (a test registers a kind of its own).
    pub(crate) fn parse_with(
        text: &str,
        origin: &Path,
        overrides: &[String],
        kinds: &'static [AttackKindDef],
    ) -> Result<Scenario, ScenarioError> {
        let mut src = Source::new(origin, text);
        src.kinds = kinds;
        // Syntax first, so that a broken file is reported as such before any override.
        toml::de::DeTable::parse(text).map_err(|e| src.syntax_error(e))?;
        overrides::apply(&mut src, overrides)?;
        let file = read_file(&src)?;
        let mut s = Self::resolve(file, &src)?;
        s.overrides = overrides.to_vec();
        Ok(s)
    }

    /// Resolve names and check what serde cannot (`text` is what `file` was parsed from; its
    /// attack tables are read from it).
    pub fn from_file(
        file: ScenarioFile,
        origin: &Path,
        text: &str,
    ) -> Result<Scenario, ScenarioError> {
        let src = Source::new(origin, text);
        let root = toml::de::DeTable::parse(text).map_err(|e| src.syntax_error(e))?;
        let file = ScenarioFile {
            attack: attacks::parse_tables(&src, root.get_ref())?,
            ..file
        };
        Self::resolve(file, &src)
    }

    /// Resolve `file` one concern at a time, in the order errors are reported: names, nodes,
    /// links, flows and cover, offered load, watermarks, attacks, duration, tap memory,
    /// transmission times, trials.
    fn resolve(file: ScenarioFile, src: &Source) -> Result<Scenario, ScenarioError> {
        let err = |key: String, msg: String| src.error_at(&key, msg);
        check_file_name(&file.name).map_err(|e| err("name".into(), e.to_string()))?;
        let (nodes, node_at) = nodes::resolve_nodes(&file, &err)?;
        let node_names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        let node_index = |name: &str, key: String| -> Result<usize, ScenarioError> {
            node_at
                .get(name)
                .copied()
                .ok_or_else(|| err(key, no_node(name, &node_names)))
        };
        let (links, link_at) = links::resolve_links(&file, &nodes, &node_index, &err)?;
        let layers = layers::resolve_layers(&file, &nodes, &node_at, &err)?;
        // A route resolves a layer to its first mix first; `layers::apply` widens it.
        let route_index = |name: &str, key: String| match layers.first_mix(name) {
            Some(n) => Ok(n),
            None => node_index(name, key),
        };
        let (mut flows, mut flow_at) =
            flows::resolve_flows(&file, src, &nodes, &link_at, &route_index, &err)?;
        cover::resolve(
            &file.cover,
            &cover::Context {
                nodes: &nodes,
                link_at: &link_at,
                node_index: &route_index,
                err: &err,
                packet_size: file.packet_size.0,
            },
            &mut flow_at,
            &mut flows,
        )?;
        layers::apply(&file, &layers, &nodes, &link_at, &mut flows, &err)?;
        let mut links = links;
        links::size_padding(&file, &mut links, &flows, &err)?;
        load::check_offered_load(&links, &flows, &err)?;
        let watermarks = watermark::resolve(&file.watermarks, &nodes, &flows, &err)?;
        let mut warnings = Vec::new();
        let placed = Placed {
            nodes: &nodes,
            links: &links,
            flows: &flows,
            watermarks: &watermarks,
        };
        let attacks =
            attacks::resolve_attacks(&file.attack, src.kinds, &placed, &err, &mut warnings)?;
        let duration = duration::resolve_duration(&file, &attacks, &err)?;
        let warmup = file.warmup.0;
        let trials = *file.trials.get_ref();
        let s = Scenario {
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
        };
        // The tap memory is checked on the attacks as the run builds them (one tap plan).
        taps::check_tap_memory(&s, &err)?;
        load::check_transmission_times(&s.links, &s.flows, &err)?;
        if trials == 0 {
            return Err(err("trials".into(), "expected at least one trial".into()));
        }
        bounds::check(&s, &err)?;
        Ok(s)
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
        self.attacks
            .iter()
            .find_map(|a| a.kind.get::<CorrelationAttack>())
    }

    /// Index of the link named "from->to".
    pub fn link_index(&self, name: &str) -> Option<usize> {
        self.links.iter().position(|l| l.name == name)
    }
}
