//! Scenarios: the TOML file format, units, validation and the resolved [`Scenario`] that the
//! network builder consumes.
//!
//! Loading is two steps: [`schema`] deserialises the file with serde (unknown keys and bad units
//! are caught there), then [`Scenario::from_file`] resolves names to indices and checks what
//! serde cannot (routes through missing nodes, overloaded links, ...). Every error carries the
//! file, line, column and key.

pub mod error;
pub mod schema;
pub mod units;

pub use error::ScenarioError;

use crate::engine::SimTime;
use schema::{MixStrategyKind, NodeKind, ScenarioFile, TrafficModel};
use std::path::Path;

/// A node after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub kind: ResolvedNodeKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResolvedNodeKind {
    Host,
    Mix {
        strategy: MixStrategyKind,
        t_avg: SimTime,
    },
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
    pub order_preserving: bool,
    pub loss: f64,
}

/// Traffic of a flow after validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Traffic {
    Poisson {
        rate: f64,
    },
    Constant {
        rate: f64,
    },
    OnOff {
        rate: f64,
        on: SimTime,
        off: SimTime,
    },
}

impl Traffic {
    /// Long-run mean packet rate (pkt/s).
    pub fn mean_rate(&self) -> f64 {
        match *self {
            Traffic::Poisson { rate } | Traffic::Constant { rate } => rate,
            Traffic::OnOff { rate, on, off } => rate * on as f64 / (on + off) as f64,
        }
    }
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
    pub size: u32,
    pub start: SimTime,
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
    pub attack: Option<CorrelationAttack>,
    pub watermark: Option<toml::Table>,
    /// The file as parsed (after overrides), kept for reproducibility records.
    pub file: ScenarioFile,
}

/// Estimator names the correlation attack knows.
pub const ESTIMATORS: &[&str] = &["mi", "mi-mm", "mi-z", "xcorr", "xcorr-lag"];

impl Scenario {
    /// Load, parse and validate a scenario file, applying `--set path=value` overrides.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::io(path, e))?;
        Self::parse(&text, path, overrides)
    }

    /// Parse and validate scenario text (`origin` names it in errors).
    pub fn parse(
        text: &str,
        origin: &Path,
        overrides: &[String],
    ) -> Result<Scenario, ScenarioError> {
        let text = error::apply_overrides(text, origin, overrides)?;
        let file: ScenarioFile =
            toml::from_str(&text).map_err(|e| ScenarioError::from_toml(origin, &text, e))?;
        Self::from_file(file, origin, &text)
    }

    /// Resolve names and check what serde cannot.
    pub fn from_file(
        file: ScenarioFile,
        origin: &Path,
        text: &str,
    ) -> Result<Scenario, ScenarioError> {
        let err = |span: std::ops::Range<usize>, key: &str, msg: String| {
            ScenarioError::at(origin, text, span, key, msg)
        };
        let mut nodes = Vec::new();
        for n in &file.nodes {
            if nodes.iter().any(|m: &Node| m.name == *n.name.get_ref()) {
                return Err(err(
                    n.name.span(),
                    "node.name",
                    format!("node \"{}\" is defined twice", n.name.get_ref()),
                ));
            }
            let kind = match n.kind {
                NodeKind::Host => ResolvedNodeKind::Host,
                NodeKind::Mix => {
                    let t = n.t_avg.as_ref().ok_or_else(|| {
                        err(
                            n.name.span(),
                            "node.t_avg",
                            format!(
                                "mix \"{}\" needs t_avg, the mean hold, like \"20ms\"",
                                n.name.get_ref()
                            ),
                        )
                    })?;
                    if t.get_ref().0 == 0 {
                        return Err(err(
                            t.span(),
                            "node.t_avg",
                            "expected a mean hold above zero".into(),
                        ));
                    }
                    ResolvedNodeKind::Mix {
                        strategy: n.strategy,
                        t_avg: t.get_ref().0,
                    }
                }
            };
            nodes.push(Node {
                name: n.name.get_ref().clone(),
                kind,
            });
        }
        let node_index =
            |name: &toml::Spanned<String>, key: &str| -> Result<usize, ScenarioError> {
                nodes
                    .iter()
                    .position(|n| n.name == *name.get_ref())
                    .ok_or_else(|| {
                        let known: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
                        err(
                            name.span(),
                            key,
                            format!(
                                "no node named \"{}\"{}; known nodes: {}",
                                name.get_ref(),
                                error::suggestion(name.get_ref(), &known),
                                known.join(", ")
                            ),
                        )
                    })
            };
        let mut links: Vec<Link> = Vec::new();
        for l in &file.links {
            let from = node_index(&l.from, "link.from")?;
            let to = node_index(&l.to, "link.to")?;
            let name = format!("{}->{}", nodes[from].name, nodes[to].name);
            if links.iter().any(|k| k.name == name) {
                return Err(err(
                    l.from.span(),
                    "link",
                    format!("link {name} is defined twice"),
                ));
            }
            if *l.buffer.get_ref() == 0 {
                return Err(err(
                    l.buffer.span(),
                    "link.buffer",
                    "expected a buffer of at least 1 packet".into(),
                ));
            }
            let loss = *l.loss.get_ref();
            if !(0.0..1.0).contains(&loss) {
                return Err(err(
                    l.loss.span(),
                    "link.loss",
                    format!("expected a loss probability in [0, 1), got {loss}"),
                ));
            }
            links.push(Link {
                name,
                from,
                to,
                bandwidth_bps: l.bandwidth.get_ref().0,
                delay: l.delay.0,
                buffer_packets: *l.buffer.get_ref(),
                jitter: l.jitter.map(|j| j.0).filter(|&j| j > 0),
                order_preserving: l.order_preserving,
                loss,
            });
        }
        let mut flows: Vec<Flow> = Vec::new();
        for f in &file.flows {
            if flows.iter().any(|g| g.name == *f.name.get_ref()) {
                return Err(err(
                    f.name.span(),
                    "flow.name",
                    format!("flow \"{}\" is defined twice", f.name.get_ref()),
                ));
            }
            let hops = f.route.get_ref();
            if hops.len() < 2 {
                return Err(err(
                    f.route.span(),
                    "flow.route",
                    "expected a route of at least two nodes, sender first".into(),
                ));
            }
            let mut route = Vec::new();
            for h in hops {
                route.push(node_index(h, "flow.route")?);
            }
            let mut route_links = Vec::new();
            for (w, pair) in route.windows(2).enumerate() {
                let l = links
                    .iter()
                    .position(|l| l.from == pair[0] && l.to == pair[1])
                    .ok_or_else(|| {
                        err(
                            hops[w + 1].span(),
                            "flow.route",
                            format!(
                                "no link from \"{}\" to \"{}\" for this hop",
                                nodes[pair[0]].name, nodes[pair[1]].name
                            ),
                        )
                    })?;
                route_links.push(l);
            }
            let rate = |key: &str| -> Result<f64, ScenarioError> {
                f.rate.as_ref().map(|r| r.get_ref().0).ok_or_else(|| {
                    err(
                        f.name.span(),
                        key,
                        format!(
                            "flow \"{}\" needs a rate, like \"100pps\"",
                            f.name.get_ref()
                        ),
                    )
                })
            };
            let traffic = match f.model {
                TrafficModel::Poisson => Traffic::Poisson {
                    rate: rate("flow.rate")?,
                },
                TrafficModel::Constant => Traffic::Constant {
                    rate: rate("flow.rate")?,
                },
                TrafficModel::Onoff => {
                    let (on, off) = match (f.on, f.off) {
                        (Some(on), Some(off)) if on.0 > 0 && off.0 > 0 => (on.0, off.0),
                        _ => {
                            return Err(err(
                                f.name.span(),
                                "flow.on",
                                "an onoff flow needs mean periods on and off above zero, like on = \"1s\", off = \"2s\"".into(),
                            ))
                        }
                    };
                    Traffic::OnOff {
                        rate: rate("flow.rate")?,
                        on,
                        off,
                    }
                }
            };
            flows.push(Flow {
                name: f.name.get_ref().clone(),
                route,
                links: route_links,
                traffic,
                size: f.size.unwrap_or(file.packet_size).0 as u32,
                start: f.start.0,
            });
        }
        // Offered load on every link must stay below its capacity, or its queue grows without
        // bound and no steady state exists for the model (or the adversary) to rely on.
        for (li, l) in links.iter().enumerate() {
            let bits: f64 = flows
                .iter()
                .filter(|f| f.links.contains(&li))
                .map(|f| f.traffic.mean_rate() * f.size as f64 * 8.0)
                .sum();
            let rho = bits / l.bandwidth_bps;
            if rho >= 1.0 {
                let spec = file
                    .links
                    .iter()
                    .find(|s| format!("{}->{}", s.from.get_ref(), s.to.get_ref()) == l.name)
                    .expect("link from file");
                return Err(err(
                    spec.bandwidth.span(),
                    "link.bandwidth",
                    format!(
                        "link {} is offered {:.3} Mbit/s by its flows, {:.0}% of its {} capacity: expected an offered load below capacity",
                        l.name,
                        bits / 1e6,
                        rho * 100.0,
                        spec.bandwidth.get_ref()
                    ),
                ));
            }
        }
        let attack = match &file.attack {
            None => None,
            Some(a) => {
                let target = flows
                    .iter()
                    .position(|f| f.name == *a.target.get_ref())
                    .ok_or_else(|| {
                        let known: Vec<&str> = flows.iter().map(|f| f.name.as_str()).collect();
                        err(
                            a.target.span(),
                            "attack.target",
                            format!(
                                "no flow named \"{}\"{}",
                                a.target.get_ref(),
                                error::suggestion(a.target.get_ref(), &known)
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
                            a.target.span(),
                            "attack.target",
                            format!("flow \"{}\" crosses no mix: nothing to attack", tf.name),
                        )
                    })?;
                let observe_link = tf.links[first_mix - 1];
                let candidates = match &a.candidates {
                    Some(c) => {
                        let mut out = Vec::new();
                        for name in c {
                            let known: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
                            let i = links.iter().position(|l| l.name == *name.get_ref()).ok_or_else(|| {
                                err(name.span(), "attack.candidates", format!("no link named \"{}\"{}; links are written \"from->to\"", name.get_ref(), error::suggestion(name.get_ref(), &known)))
                            })?;
                            out.push(i);
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
                        a.target.span(),
                        "attack.candidates",
                        "expected at least two candidate links".into(),
                    ));
                }
                let mut sizes: Vec<usize> = a
                    .sample_sizes
                    .get_ref()
                    .iter()
                    .map(|&n| n as usize)
                    .collect();
                if sizes.is_empty() || sizes.contains(&0) {
                    return Err(err(
                        a.sample_sizes.span(),
                        "attack.sample_sizes",
                        "expected a non-empty list of sample sizes above zero".into(),
                    ));
                }
                sizes.sort_unstable();
                sizes.dedup();
                if a.interval.0 == 0 {
                    return Err(err(
                        a.target.span(),
                        "attack.interval",
                        "expected a sampling interval above zero".into(),
                    ));
                }
                let mut estimators = Vec::new();
                for e in &a.estimators {
                    if !ESTIMATORS.contains(&e.get_ref().as_str()) {
                        return Err(err(
                            e.span(),
                            "attack.estimators",
                            format!(
                                "unknown estimator \"{}\"{}; known: {}",
                                e.get_ref(),
                                error::suggestion(e.get_ref(), ESTIMATORS),
                                ESTIMATORS.join(", ")
                            ),
                        ));
                    }
                    estimators.push(e.get_ref().clone());
                }
                Some(CorrelationAttack {
                    target,
                    observe_link,
                    candidates,
                    interval: a.interval.0,
                    sample_sizes: sizes,
                    estimators,
                })
            }
        };
        let duration = match (&file.duration, &attack) {
            (Some(d), _) => d.get_ref().0,
            (None, Some(a)) => {
                file.warmup.0 + a.interval * *a.sample_sizes.last().expect("non-empty") as u64
            }
            (None, None) => file.warmup.0 + 10_000_000_000,
        };
        if let (Some(d), Some(a)) = (&file.duration, &attack) {
            let need =
                file.warmup.0 + a.interval * *a.sample_sizes.last().expect("non-empty") as u64;
            if d.get_ref().0 < need {
                return Err(err(
                    d.span(),
                    "duration",
                    format!(
                        "expected at least warmup + largest sample size x interval = {}",
                        units::Duration(need)
                    ),
                ));
            }
        }
        let trials = *file.trials.get_ref();
        if trials == 0 {
            return Err(err(
                file.trials.span(),
                "trials",
                "expected at least one trial".into(),
            ));
        }
        Ok(Scenario {
            name: file.name.clone(),
            description: file.description.clone(),
            seed: file.seed,
            trials,
            duration,
            warmup: file.warmup.0,
            nodes,
            links,
            flows,
            attack,
            watermark: file.watermark.clone(),
            file,
        })
    }

    /// Index of the link named "from->to".
    pub fn link_index(&self, name: &str) -> Option<usize> {
        self.links.iter().position(|l| l.name == name)
    }
}
