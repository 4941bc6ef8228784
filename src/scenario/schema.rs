//! The scenario file format, as serde types. Every struct denies unknown keys; values that later
//! validation may reject are wrapped in [`Spanned`] so the error can point at them.
//!
//! A scenario describes nodes (hosts and mixes), links between them (each a FIFO transmitter
//! with optional jitter and loss), flows with a traffic model and a route, and the attack.

use crate::units::{Bandwidth, Bytes, Duration, Rate};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name, used in summaries and plots.
    pub name: String,
    /// Free text: where the numbers come from.
    #[serde(default)]
    pub description: String,
    /// Default seed (the command line's --seed wins); an integer or a string of one.
    #[serde(default = "default_seed", with = "crate::engine::seed")]
    pub seed: u64,
    /// Default number of trials (the command line's --trials wins).
    #[serde(default = "default_trials")]
    pub trials: Spanned<u64>,
    /// Simulated time per trial. Default: warmup + largest sample size x sampling interval.
    #[serde(default)]
    pub duration: Option<Spanned<Duration>>,
    /// Time before taps start counting, so mixes and queues reach steady state. Default 1s.
    #[serde(default = "default_warmup")]
    pub warmup: Duration,
    /// Packet size for flows that do not give their own. Default 1000B (the paper does not say).
    #[serde(default = "default_packet_size")]
    pub packet_size: Bytes,
    #[serde(default, rename = "node")]
    pub nodes: Vec<NodeSpec>,
    #[serde(default, rename = "link")]
    pub links: Vec<LinkSpec>,
    #[serde(default, rename = "flow")]
    pub flows: Vec<FlowSpec>,
    /// `[attack]` (one) or `[[attack]]` (several, evaluated on the same trials).
    #[serde(default, skip_serializing_if = "Attacks::is_empty")]
    pub attack: Attacks,
    /// Watermarkers placed on flows (`[[watermark]]`).
    #[serde(default, rename = "watermark")]
    pub watermarks: Vec<WatermarkSpec>,
    /// Sender cover streams (`[[cover]]`).
    #[serde(default, rename = "cover", skip_serializing_if = "Vec::is_empty")]
    pub cover: Vec<CoverSpec>,
    /// Layers of a stratified topology (`[[layer]]`): a route naming a layer takes one of its
    /// mixes, drawn afresh for every message.
    #[serde(default, rename = "layer", skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerSpec>,
}

/// A layer of mixes: routes name it to take one of its mixes per message.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    /// Used in routes in place of a node name; distinct from every node's name.
    pub name: Spanned<String>,
    /// Its mixes (nodes of kind = "mix", each in one layer at most).
    pub mixes: Spanned<Vec<Spanned<String>>>,
    /// Relative weights of the mixes (default: equal, a uniform choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Spanned<Vec<f64>>>,
}

fn default_seed() -> u64 {
    1
}
fn default_trials() -> Spanned<u64> {
    Spanned::new(0..0, 100)
}
fn default_warmup() -> Duration {
    Duration(crate::engine::time::S)
}
fn default_packet_size() -> Bytes {
    Bytes(1000)
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A sender and/or receiver.
    Host,
    /// A mix: holds each packet, then forwards it to the next hop of its route.
    Mix,
}

/// How a mix decides when to forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MixStrategyKind {
    /// Continuous-time (stop-and-go) mix: an independent exponential hold of mean t_avg.
    #[default]
    Exponential,
    /// Timed mix: flushes everything it holds every t_avg.
    Timed,
    /// Flushes everything when `threshold` packets are held.
    Threshold,
    /// Flushes everything when `threshold` are held or every t_avg.
    ThresholdOrTimed,
    /// Every t_avg, sends all but `pool` packets chosen at random.
    TimedPool,
    /// When `threshold` + `pool` are held, sends `threshold` chosen at random.
    ThresholdPool,
    /// Every t_avg, each held packet leaves with probability Phi((n - mu)/sigma), n held.
    Binomial,
}

impl MixStrategyKind {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            MixStrategyKind::Exponential => "exponential",
            MixStrategyKind::Timed => "timed",
            MixStrategyKind::Threshold => "threshold",
            MixStrategyKind::ThresholdOrTimed => "threshold-or-timed",
            MixStrategyKind::TimedPool => "timed-pool",
            MixStrategyKind::ThresholdPool => "threshold-pool",
            MixStrategyKind::Binomial => "binomial",
        }
    }
}

fn strategy_or_default<S: serde::Serializer>(
    v: &Option<MixStrategyKind>,
    s: S,
) -> Result<S::Ok, S::Error> {
    v.unwrap_or_default().serialize(s)
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: Spanned<String>,
    pub kind: NodeKind,
    /// Mean hold (exponential) or flush period (timed kinds); mixes only.
    #[serde(default)]
    pub t_avg: Option<Spanned<Duration>>,
    /// Unset means exponential. Written back always (as "exponential" when unset), so that
    /// the provenance of earlier runs, which names it on every node, reads back the same.
    #[serde(default, serialize_with = "strategy_or_default")]
    pub strategy: Option<MixStrategyKind>,
    /// Batch size n of the threshold kinds.
    #[serde(default)]
    pub threshold: Option<Spanned<u64>>,
    /// Packets f a pool mix keeps.
    #[serde(default)]
    pub pool: Option<Spanned<u64>>,
    /// Binomial mix: the held count at which half the packets leave.
    #[serde(default)]
    pub mu: Option<Spanned<f64>>,
    /// Binomial mix: the spread of P(n), in packets.
    #[serde(default)]
    pub sigma: Option<Spanned<f64>>,
    /// Batch mixes: the order each flush is sent in. Default random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<BatchOrderSpec>,
}

/// The order a batch mix sends a flush in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchOrderSpec {
    /// A random permutation from the mix's own stream (Chaum's mix, Mixmaster).
    Random,
    /// The order the packets arrived in.
    Arrival,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub bandwidth: Spanned<Bandwidth>,
    /// Propagation delay. Default 0.
    #[serde(default)]
    pub delay: Duration,
    /// Drop-tail buffer limit in packets, counting the one in transmission. Default 1000.
    #[serde(default = "default_buffer")]
    pub buffer: Spanned<u64>,
    /// Standard deviation of Gaussian per-packet jitter. Default none.
    #[serde(default)]
    pub jitter: Option<Duration>,
    /// "truncated" (default): max(0, N(0, jitter^2)) on top of `delay`; "symmetric": N(0,
    /// jitter^2) about `delay`, which is then a fixed delay with zero-mean jitter (the model of
    /// the watermark analyses), clamped so that no packet arrives before it left.
    #[serde(default)]
    pub jitter_model: Option<Spanned<crate::net::JitterModel>>,
    /// Keep packet order through the jitter (a packet never overtakes the one before it).
    #[serde(default = "default_true")]
    pub order_preserving: bool,
    /// Independent per-packet loss probability on the path, in [0, 1). Default 0.
    #[serde(default = "default_loss")]
    pub loss: Spanned<f64>,
    /// A failure: every packet that would leave the link in [from, until) is lost, written
    /// ["from", "until"] like ["10s", "12.5s"]. Default none.
    #[serde(default)]
    pub outage: Option<Vec<Duration>>,
    /// Link padding: the link starts a transmission at every slot, "constant" (every
    /// 1/padding_rate) or "poisson", sending a dummy when no real packet waits. Default none.
    #[serde(default)]
    pub padding: Option<PaddingModel>,
    /// Slots per second of a padded link.
    #[serde(default)]
    pub padding_rate: Option<Spanned<Rate>>,
    /// Every packet's size on the wire of a padded link. Default: the size of the real packets
    /// that cross it (which must then all have one size).
    #[serde(default)]
    pub padding_size: Option<Spanned<Bytes>>,
}

/// How a padded link's slots fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PaddingModel {
    Constant,
    Poisson,
}

fn default_buffer() -> Spanned<u64> {
    Spanned::new(0..0, 1000)
}
fn default_loss() -> Spanned<f64> {
    Spanned::new(0..0, 0.0)
}
fn default_true() -> bool {
    true
}

/// A traffic model of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrafficModel {
    /// Poisson packet arrivals at `rate`.
    Poisson,
    /// Constant bit rate: one packet every 1/rate.
    Constant,
    /// Exponential on and off periods (means `on`, `off`); Poisson at `rate` while on.
    Onoff,
    /// A bulk TCP transfer (NewReno), closed-loop: ACKs return along `ack_route`.
    Tcp,
    /// Packet times (and sizes) replayed from a CSV or pcap/pcapng `file`.
    Trace,
    /// SSH-like interactive traffic at mean `rate`: lognormal keystroke gaps and capped Pareto
    /// think gaps ([`crate::traffic::interactive`]).
    Interactive,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    pub name: Spanned<String>,
    /// Node names from sender to receiver; consecutive nodes must be joined by a link.
    pub route: Spanned<Vec<Spanned<String>>>,
    pub model: TrafficModel,
    #[serde(default)]
    pub rate: Option<Spanned<Rate>>,
    /// Packet size; default the scenario's packet_size.
    #[serde(default)]
    pub size: Option<Bytes>,
    /// Mean on period (onoff).
    #[serde(default)]
    pub on: Option<Duration>,
    /// Mean off period (onoff).
    #[serde(default)]
    pub off: Option<Duration>,
    /// When the flow starts sending. Default 0.
    #[serde(default)]
    pub start: Duration,

    // ---- model = "interactive" (defaults in `traffic::interactive`) ----
    /// Probability that a gap is a think gap.
    #[serde(default)]
    pub think_prob: Option<f64>,
    /// Fraction of the mean gap carried by think gaps.
    #[serde(default)]
    pub think_share: Option<f64>,
    /// Log-standard deviation of the lognormal keystroke gaps.
    #[serde(default)]
    pub keystroke_sigma: Option<f64>,
    /// Shape of the Pareto think gaps.
    #[serde(default)]
    pub pareto_shape: Option<f64>,
    /// Truncation of think gaps, in multiples of the Pareto scale.
    #[serde(default)]
    pub pareto_cap: Option<f64>,

    // ---- model = "tcp" ----
    /// Route of the ACKs, from the receiver back to the sender (required for tcp).
    #[serde(default)]
    pub ack_route: Option<Spanned<Vec<Spanned<String>>>>,
    /// Payload bytes per segment; the segment is mss + 40 bytes on the wire. Default: size - 40.
    #[serde(default)]
    pub mss: Option<Bytes>,
    /// Receiver window: bytes ("64KiB") or segments (an integer). Default "64KiB".
    #[serde(default)]
    pub rwnd: Option<Window>,
    /// Bytes of an ACK on the wire. Default 40B.
    #[serde(default)]
    pub ack_size: Option<Bytes>,
    /// Initial congestion window in segments. Default 10.
    #[serde(default)]
    pub initial_cwnd: Option<u32>,
    /// Initial slow-start threshold in segments. Default unlimited.
    #[serde(default)]
    pub initial_ssthresh: Option<u32>,
    /// Duplicate ACKs that trigger fast retransmit. Default 3.
    #[serde(default)]
    pub dupthresh: Option<u32>,
    /// Retransmission timeout before the first RTT sample. Default 1s.
    #[serde(default)]
    pub initial_rto: Option<Duration>,
    /// Lower bound of the retransmission timeout. Default 1s (RFC 6298; Linux uses 200ms).
    #[serde(default)]
    pub min_rto: Option<Duration>,
    /// Upper bound of the retransmission timeout. Default 60s.
    #[serde(default)]
    pub max_rto: Option<Duration>,
    /// Delayed ACKs. Default false.
    #[serde(default)]
    pub delayed_ack: Option<bool>,
    /// With delayed ACKs: ACK every this many segments. Default 2.
    #[serde(default)]
    pub ack_every: Option<u32>,
    /// With delayed ACKs: the timer. Default 200ms.
    #[serde(default)]
    pub ack_timeout: Option<Duration>,
    /// Debug: the first transmission of these segments (numbered from 0) is lost.
    #[serde(default)]
    pub drop_segments: Option<Vec<u64>>,

    // ---- model = "trace" ----
    /// CSV (time_s\[,size\]) or pcap/pcapng file, relative to the scenario file's directory.
    #[serde(default)]
    pub file: Option<String>,
    /// For pcap files: the one flow to replay, "10.0.0.1:5000->10.0.0.2:22/tcp".
    #[serde(default)]
    pub filter: Option<String>,
}

/// A window given in bytes ("64KiB") or in segments (a bare integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Bytes(u64),
    Segments(u64),
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Window;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a window in bytes like \"64KiB\" or in segments like 44")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Window, E> {
                s.parse::<Bytes>()
                    .map(|b| Window::Bytes(b.0))
                    .map_err(|e| E::custom(format!("{e}, or a number of segments like 44")))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Window, E> {
                if n < 1 {
                    return Err(E::custom(format!(
                        "expected a window of at least 1 segment, got {n}"
                    )));
                }
                Ok(Window::Segments(n as u64))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Window, E> {
                self.visit_i64(n.min(i64::MAX as u64) as i64)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Window {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Window::Bytes(b) => s.serialize_str(&Bytes(b).to_string()),
            Window::Segments(n) => s.serialize_u64(n),
        }
    }
}

/// An attack table: `kind`, `name`, and the keys of its kind typed by the kind's own struct
/// (in the kind's file; see `scenario::attacks`). Serde's pass over the file only checks that
/// `attack` holds tables; the keys are read after it, through the registry of kinds.
#[derive(Debug, Clone, Default)]
pub struct AttackSpec {
    /// What the attack is (one of [`super::ATTACK_KINDS`]). Default "correlation".
    pub kind: Option<Spanned<String>>,
    /// Its name in reports and `--set attack.NAME.key` paths. Default: the kind.
    pub name: Option<Spanned<String>>,
    /// The keys it sets besides `kind` and `name`, in the order of
    /// [`super::attack_table_keys`].
    pub(crate) set: Vec<&'static str>,
    /// Those keys as its kind's struct, when the kind is known and every key is its.
    pub(crate) keys: Option<std::sync::Arc<dyn super::attacks::TableKeys>>,
}

impl AttackSpec {
    /// The keys it sets besides `kind` and `name`, in the order of
    /// [`super::attack_table_keys`].
    pub fn keys_set(&self) -> &[&'static str] {
        &self.set
    }
}

impl Serialize for AttackSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let values = self.keys.as_ref().map(|k| k.values()).unwrap_or_default();
        let mut t = s.serialize_struct("AttackSpec", 2 + values.len())?;
        if let Some(k) = &self.kind {
            t.serialize_field("kind", k)?;
        }
        if let Some(n) = &self.name {
            t.serialize_field("name", n)?;
        }
        for (k, v) in &values {
            t.serialize_field(k, v)?;
        }
        t.end()
    }
}

/// A list of links written "from->to", each with its place in the file.
pub type LinkNames = Spanned<Vec<Spanned<String>>>;

/// The `attack` entry of a scenario: absent, one `[attack]` table, or an array `[[attack]]`.
#[derive(Debug, Clone, Default)]
pub enum Attacks {
    #[default]
    None,
    One(Box<AttackSpec>),
    Many(Vec<AttackSpec>),
}

impl Attacks {
    pub fn is_empty(&self) -> bool {
        matches!(self, Attacks::None)
    }

    /// Every attack table with the key path of its table (`attack`, or `attack[i]`).
    pub fn entries(&self) -> Vec<(String, &AttackSpec)> {
        match self {
            Attacks::None => Vec::new(),
            Attacks::One(a) => vec![("attack".to_string(), a)],
            Attacks::Many(v) => v
                .iter()
                .enumerate()
                .map(|(i, a)| (format!("attack[{i}]"), a))
                .collect(),
        }
    }
}

/// Serde's pass: a table or an array of tables, each left empty for the typed pass to fill.
impl<'de> Deserialize<'de> for Attacks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Attacks;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an [attack] table or [[attack]] tables")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, m: M) -> Result<Attacks, M::Error> {
                let a = AttackShape::deserialize(serde::de::value::MapAccessDeserializer::new(m))?;
                Ok(Attacks::One(Box::new(a.0)))
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(self, s: S) -> Result<Attacks, S::Error> {
                let v: Vec<AttackShape> =
                    Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(s))?;
                Ok(Attacks::Many(v.into_iter().map(|a| a.0).collect()))
            }
        }
        d.deserialize_any(V)
    }
}

/// An attack table as serde's pass sees it: any table.
struct AttackShape(AttackSpec);

impl<'de> Deserialize<'de> for AttackShape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AttackShape;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("struct AttackSpec")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<AttackShape, M::Error> {
                while m
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(AttackShape(AttackSpec::default()))
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for Attacks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Attacks::None => s.serialize_none(),
            Attacks::One(a) => a.serialize(s),
            Attacks::Many(v) => v.serialize(s),
        }
    }
}

/// The watermark schemes a `[[watermark]]` table may place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemeKind {
    Swirl,
    Ibw,
    Icbw,
    Rainbow,
}

/// A watermarker on one flow, at one node of its route (`[[watermark]]`). Scheme parameters
/// are all optional here (each scheme has its defaults); validation refuses a key that the
/// chosen scheme does not have, like a flow's model keys.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatermarkSpec {
    /// How attacks refer to this watermark.
    pub name: Spanned<String>,
    /// The flow it marks.
    pub flow: Spanned<String>,
    /// The node of the flow's route where it acts (a host before the receiver): the flow's
    /// packets are held there before they go on.
    pub at: Spanned<String>,
    pub scheme: SchemeKind,
    /// Seed of the key the watermarker and its detectors share.
    #[serde(default)]
    pub key_seed: Option<u64>,
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub offset: Option<Spanned<Duration>>,
    // ---- swirl ----
    #[serde(default)]
    pub n: Option<Spanned<u32>>,
    #[serde(default)]
    pub r: Option<Spanned<u32>>,
    #[serde(default)]
    pub m: Option<Spanned<u32>>,
    #[serde(default)]
    pub q: Option<Spanned<f64>>,
    #[serde(default)]
    pub tau: Option<Spanned<f64>>,
    #[serde(default)]
    pub eta: Option<Spanned<u32>>,
    #[serde(default)]
    pub pairing: Option<crate::watermark::Pairing>,
    #[serde(default)]
    pub embedding: Option<crate::watermark::Embedding>,
    // ---- ibw, icbw ----
    #[serde(default)]
    pub bits: Option<Spanned<u32>>,
    #[serde(default)]
    pub redundancy: Option<Spanned<u32>>,
    #[serde(default)]
    pub hamming: Option<Spanned<u32>>,
    // ---- icbw, rainbow ----
    #[serde(default)]
    pub amplitude: Option<Spanned<Duration>>,
    // ---- rainbow ----
    #[serde(default)]
    pub length: Option<Spanned<u32>>,
    #[serde(default)]
    pub threshold: Option<Spanned<f64>>,
}

/// Sender cover (`[[cover]]`): a stream of dummy packets from the first node of `route`, which
/// look like real packets on every tap (Loopix's drop and loop cover).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CoverSpec {
    /// How reports and `--set cover.NAME.key` name it; unique among flows and cover.
    pub name: Spanned<String>,
    pub kind: CoverKindSpec,
    /// Node names from the sender. Drop cover: its dummies are absorbed at the last node (a mix
    /// or host, not the sender); loop cover: the route returns to the sender.
    pub route: Spanned<Vec<Spanned<String>>>,
    /// "poisson" or "constant".
    pub model: CoverModel,
    /// Dummies per second.
    pub rate: Spanned<Rate>,
    /// Size of a dummy. Default: the size of the sender's real packets (its flows'), else the
    /// scenario's packet_size.
    #[serde(default)]
    pub size: Option<Spanned<Bytes>>,
    /// When the stream starts. Default 0.
    #[serde(default)]
    pub start: Duration,
    /// kind = "payload": the real flow whose messages wait for this stream's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Spanned<String>>,
}

/// Where a cover dummy ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverKindSpec {
    /// Absorbed at the last node of its route.
    Drop,
    /// Back at its sender.
    Loop,
    /// Loopix's payload stream (lambda_P): each emission is a slot carrying the oldest waiting
    /// message of `flow`, or a drop dummy (absorbed at the last node) when none waits.
    Payload,
}

/// When a cover stream sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverModel {
    /// Poisson dummy arrivals at `rate`.
    Poisson,
    /// One dummy every 1/rate.
    Constant,
}
