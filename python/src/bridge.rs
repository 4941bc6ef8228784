//! An attack written in Python, as an ordinary [`Attack`] of the library's pipeline.
//!
//! The Python object (a subclass of `mixsim.Attack`) declares what it observes: the link where
//! the target is seen (its far end, `arrive`, as the built-in attacks do), the candidate links
//! (at `depart` unless it says otherwise), count series at an interval or raw (time, size)
//! traces, and the sample sizes N. [`PyAttack::observe`] is called by the runner on a worker
//! thread; it takes the GIL (so calls into Python are serialised while other trials go on
//! simulating), hands the observation over as numpy arrays, without labels, once per N, and
//! reads back one score per candidate. The first Python exception is kept, with its traceback,
//! and stops the run (no further trial starts); the run then raises it and writes nothing.

use crate::scenario::input_error;
use mixsim::attack::{
    argmax_strict, Attack, Identification, Needs, Observation, Packet, Point, Watch,
};
use mixsim::engine::SimTime;
use mixsim::experiment::attacks::candidate_on_route;
use mixsim::experiment::{Evaluated, Truth};
use mixsim::scenario::{CorrelationAttack, LikelihoodAttack, Scenario};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What a run's Python attacks share: the stop flag and the first error.
#[derive(Default)]
pub struct Shared {
    pub stop: Arc<AtomicBool>,
    pub error: Mutex<Option<PyErr>>,
}

impl Shared {
    /// The first error kept, if any.
    pub fn take_error(&self) -> Option<PyErr> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Keep the first error and stop the run.
    pub fn fail(&self, e: PyErr) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Count series or raw traces.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Observes {
    Counts,
    Traces,
}

/// A Python attack's declaration, as `mixsim.Attack._spec()` gives it (`None`: take it from the
/// scenario's first correlation or likelihood attack).
#[derive(Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct Spec {
    pub name: String,
    pub flow: Option<String>,
    pub observe: Option<String>,
    pub candidates: Option<Vec<String>>,
    pub point: String,
    pub interval: Option<String>,
    pub sample_sizes: Option<Vec<usize>>,
    pub observes: String,
    /// "identification" (`mixsim.Attack`) or "detection" (`mixsim.Detector`).
    pub verdict: String,
    /// Detection: the links examined, and per subject an optional reference link.
    pub subjects: Option<Vec<String>>,
    pub reference: Option<Vec<Option<String>>>,
}

/// The bridge: a Python object behind the [`Attack`] trait.
pub struct PyAttack {
    object: Py<PyAny>,
    name: String,
    target: Watch,
    candidates: Vec<Watch>,
    interval: SimTime,
    sample_sizes: Vec<usize>,
    observes: Observes,
    warmup: SimTime,
    shared: Arc<Shared>,
}

/// What a Python attack takes from the scenario when it does not say: (target flow, observed
/// link, candidates, interval, sample sizes).
type Defaults = (usize, usize, Vec<usize>, SimTime, Vec<usize>);

/// The defaults of the scenario's first correlation or likelihood attack.
fn defaults(s: &Scenario) -> Option<Defaults> {
    s.attacks.iter().find_map(|a| {
        if let Some(c) = a.kind.get::<CorrelationAttack>() {
            return Some((
                c.target,
                c.observe_link,
                c.candidates.clone(),
                c.interval,
                c.sample_sizes.clone(),
            ));
        }
        let l = a.kind.get::<LikelihoodAttack>()?;
        Some((
            l.target,
            l.observe_link,
            l.candidates.clone(),
            l.interval,
            l.sample_sizes.clone(),
        ))
    })
}

/// Resolve a Python attack's declaration against the scenario: the attack and its truth.
pub fn evaluated(
    py: Python<'_>,
    s: &Scenario,
    object: Py<PyAny>,
    spec: Spec,
    shared: Arc<Shared>,
) -> PyResult<Evaluated> {
    match spec.verdict.as_str() {
        "identification" => identification(py, s, object, spec, shared),
        "detection" => crate::detect::evaluated(py, s, object, spec, shared),
        v => Err(input_error(
            py,
            format!(
                "attack {:?}: verdict {v:?}: expected \"identification\" or \"detection\"",
                spec.name
            ),
        )),
    }
}

/// A link named in a declaration, by index; an unknown name lists the scenario's links.
pub fn link_index(
    py: Python<'_>,
    s: &Scenario,
    who: &str,
    name: &str,
    what: &str,
) -> PyResult<usize> {
    s.link_index(name).ok_or_else(|| {
        let names: Vec<&str> = s.links.iter().map(|l| l.name.as_str()).collect();
        input_error(
            py,
            format!(
                "{who}: {what} {name:?}: no such link; links are: {}",
                names.join(", ")
            ),
        )
    })
}

/// A declared counting interval ("10ms"), positive.
pub fn parse_interval(py: Python<'_>, who: &str, t: &str) -> PyResult<SimTime> {
    match t.parse::<mixsim::units::Duration>() {
        Ok(d) if d.nanos() > 0 => Ok(d.nanos()),
        Ok(_) => Err(input_error(
            py,
            format!("{who}: interval {t:?}: expected a positive duration"),
        )),
        Err(e) => Err(input_error(py, format!("{who}: interval {t:?}: {e}"))),
    }
}

/// A declared tap point.
pub fn parse_point(py: Python<'_>, who: &str, p: &str) -> PyResult<Point> {
    match p {
        "enqueue" => Ok(Point::Enqueue),
        "depart" => Ok(Point::Depart),
        "arrive" => Ok(Point::Arrive),
        p => Err(input_error(
            py,
            format!("{who}: point {p:?}: expected enqueue, depart or arrive"),
        )),
    }
}

impl Observes {
    /// A declared `observes`.
    pub fn parse(py: Python<'_>, who: &str, o: &str) -> PyResult<Observes> {
        match o {
            "counts" => Ok(Observes::Counts),
            "traces" => Ok(Observes::Traces),
            o => Err(input_error(
                py,
                format!("{who}: observes {o:?}: expected \"counts\" or \"traces\""),
            )),
        }
    }

    /// Its name, as the Python side reads it.
    pub fn name(self) -> &'static str {
        match self {
            Observes::Counts => "counts",
            Observes::Traces => "traces",
        }
    }
}

/// An identification attack (`mixsim.Attack`): the bridge and the true candidate.
fn identification(
    py: Python<'_>,
    s: &Scenario,
    object: Py<PyAny>,
    spec: Spec,
    shared: Arc<Shared>,
) -> PyResult<Evaluated> {
    let who = format!("attack {:?}", spec.name);
    let bad = |m: String| input_error(py, format!("{who}: {m}"));
    let d = defaults(s);
    let missing = |what: &str| {
        bad(format!(
            "no {what} given and the scenario has no correlation or likelihood attack to take it from"
        ))
    };
    let link = |name: &str, what: &str| link_index(py, s, &who, name, what);
    let flow = match &spec.flow {
        Some(f) => s
            .flows
            .iter()
            .position(|x| &x.name == f)
            .ok_or_else(|| bad(format!("flow {f:?}: no such flow")))?,
        None => d.as_ref().ok_or_else(|| missing("flow"))?.0,
    };
    let observe = match &spec.observe {
        Some(l) => link(l, "observe")?,
        None => d.as_ref().ok_or_else(|| missing("observe link"))?.1,
    };
    let candidates: Vec<usize> = match &spec.candidates {
        Some(c) => c
            .iter()
            .map(|l| link(l, "candidate"))
            .collect::<PyResult<_>>()?,
        None => d.as_ref().ok_or_else(|| missing("candidates"))?.2.clone(),
    };
    if candidates.is_empty() {
        return Err(bad("candidates: expected at least one link".into()));
    }
    let interval = match &spec.interval {
        Some(t) => parse_interval(py, &who, t)?,
        None => d.as_ref().ok_or_else(|| missing("interval"))?.3,
    };
    let sample_sizes = match &spec.sample_sizes {
        Some(n) => n.clone(),
        None => d.as_ref().ok_or_else(|| missing("sample_sizes"))?.4.clone(),
    };
    if sample_sizes.is_empty() || sample_sizes.contains(&0) || !sample_sizes.is_sorted() {
        return Err(bad(format!(
            "sample_sizes {sample_sizes:?}: expected ascending sizes of at least 1"
        )));
    }
    let span = interval.saturating_mul(*sample_sizes.last().expect("checked") as u64);
    if s.warmup.saturating_add(span) > s.duration {
        return Err(bad(format!(
            "sample size {} at interval {} ns needs {:.3} s after the warm-up, but the scenario runs {:.3} s",
            sample_sizes.last().expect("checked"),
            interval,
            span as f64 * 1e-9,
            (s.duration - s.warmup) as f64 * 1e-9
        )));
    }
    let point = parse_point(py, &who, &spec.point)?;
    let observes = Observes::parse(py, &who, &spec.observes)?;
    let truth = Truth::Identification {
        true_candidate: candidate_on_route(s, flow, &candidates),
    };
    let attack = PyAttack {
        object,
        name: spec.name.clone(),
        target: Watch {
            link: observe,
            point: Point::Arrive,
        },
        candidates: candidates
            .iter()
            .map(|&link| Watch { link, point })
            .collect(),
        interval,
        sample_sizes,
        observes,
        warmup: s.warmup,
        shared,
    };
    Ok(Evaluated {
        table: spec.name,
        attack: Box::new(attack),
        truth,
    })
}

/// The packets of `trace` in `[window.0, window.1)` as the tuple (times_ns int64, sizes uint32)
/// that `mixsim.Trace` is built from.
pub fn trace_arrays<'py>(
    py: Python<'py>,
    trace: &[Packet],
    window: (SimTime, SimTime),
) -> PyResult<Bound<'py, PyAny>> {
    let (times, sizes): (Vec<i64>, Vec<u32>) = trace
        .iter()
        .filter(|p| p.time >= window.0 && p.time < window.1)
        .map(|p| (p.time as i64, p.size))
        .unzip();
    Ok(
        (PyArray1::from_vec(py, times), PyArray1::from_vec(py, sizes))
            .into_pyobject(py)?
            .into_any(),
    )
}

impl PyAttack {
    /// The scores of every candidate at sample size `n`, from Python.
    fn call(&self, py: Python<'_>, obs: &Observation<'_>, n: usize) -> PyResult<Vec<f64>> {
        let (target, candidates) = match self.observes {
            Observes::Counts => {
                let target = PyArray1::from_slice(py, &obs.counts(self.target)[..n]).into_any();
                let k = self.candidates.len();
                let mut flat = Vec::with_capacity(k * n);
                for &c in &self.candidates {
                    flat.extend_from_slice(&obs.counts(c)[..n]);
                }
                let all = PyArray1::from_vec(py, flat).reshape([k, n])?.into_any();
                (target, all)
            }
            Observes::Traces => {
                let window = (self.warmup, self.warmup + self.interval * n as u64);
                let trace = |w: Watch| trace_arrays(py, obs.trace(w), window);
                let list = PyList::empty(py);
                for &c in &self.candidates {
                    list.append(trace(c)?)?;
                }
                (trace(self.target)?, list.into_any())
            }
        };
        let kind = self.observes.name();
        let scores = self.object.bind(py).call_method1(
            "_mixsim_score",
            (
                kind,
                n,
                self.interval as f64 * 1e-9,
                (
                    self.warmup as f64 * 1e-9,
                    (self.warmup + self.interval * n as u64) as f64 * 1e-9,
                ),
                target,
                candidates,
            ),
        )?;
        let scores: Vec<f64> = scores.extract()?;
        if scores.len() != self.candidates.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "attack {:?}: score() returned {} scores for {} candidates",
                self.name,
                scores.len(),
                self.candidates.len()
            )));
        }
        Ok(scores)
    }
}

impl Attack for PyAttack {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn needs(&self) -> Needs {
        let mut watches = vec![self.target];
        watches.extend_from_slice(&self.candidates);
        let (counts, traces) = match self.observes {
            Observes::Counts => (watches, Vec::new()),
            Observes::Traces => (Vec::new(), watches),
        };
        Needs {
            interval: self.interval,
            bins: match self.observes {
                Observes::Counts => *self.sample_sizes.last().expect("validated"),
                Observes::Traces => 0,
            },
            counts,
            traces,
        }
    }

    fn observe(&self, obs: &Observation<'_>) -> mixsim::attack::Verdict {
        let k = self.candidates.len();
        let scored = Python::attach(|py| -> PyResult<Vec<Vec<f64>>> {
            let mut all = Vec::with_capacity(self.sample_sizes.len());
            for &n in &self.sample_sizes {
                if self.shared.stop.load(Ordering::Relaxed) {
                    all.push(vec![f64::NAN; k]);
                    continue;
                }
                all.push(self.call(py, obs, n)?);
            }
            Ok(all)
        });
        let scored = scored.unwrap_or_else(|e| {
            self.shared.fail(e);
            vec![vec![f64::NAN; k]; self.sample_sizes.len()]
        });
        mixsim::attack::Verdict::Identification(
            self.sample_sizes
                .iter()
                .zip(scored)
                .map(|(&n, scores)| Identification {
                    sample_size: n,
                    chosen: argmax_strict(&scores),
                    scores,
                    probabilities: None,
                })
                .collect(),
        )
    }
}
