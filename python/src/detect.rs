//! A detection attack written in Python (`mixsim.Detector`): for each link it examines (a
//! *subject*), marked (watermarked) or not, scored with false negatives and false positives as
//! the built-in watermark detectors are.
//!
//! The Python object declares the subject links (by default those of the scenario's first
//! watermark attack), optionally a reference link per subject (say the link into the
//! watermarker, as non-blind schemes and known anchors read), the tap point (`arrive` by
//! default, as the built-in detectors read) and counts or traces. [`PyDetector::observe`] calls
//! its `detect` once per subject with what that link's tap holds, no label, and reads back
//! (marked, score). Whether a subject really carries a marked flow (a watermarked flow crosses
//! the link after its watermarker) is ground truth, which stays here.

use crate::bridge::{
    link_index, parse_interval, parse_point, trace_arrays, Observes, Shared, Spec,
};
use crate::scenario::input_error;
use mixsim::attack::{Attack, Detection, Needs, Observation, Verdict, Watch};
use mixsim::engine::SimTime;
use mixsim::experiment::attacks::group_marked;
use mixsim::experiment::{Evaluated, Truth};
use mixsim::scenario::watermark::WatermarkAttack;
use mixsim::scenario::{Scenario, DEFAULT_TAP_INTERVAL};
use numpy::PyArray1;
use pyo3::prelude::*;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// One examined link: where it is read, and its reference, if any.
struct Subject {
    name: String,
    watch: Watch,
    reference: Option<Watch>,
}

/// The bridge: a Python detector behind the [`Attack`] trait.
pub struct PyDetector {
    object: Py<PyAny>,
    name: String,
    subjects: Vec<Subject>,
    interval: SimTime,
    observes: Observes,
    window: (SimTime, SimTime),
    shared: Arc<Shared>,
}

/// The links the scenario's first watermark attack examines.
fn default_subjects(s: &Scenario) -> Option<Vec<usize>> {
    s.attacks.iter().find_map(|a| {
        let w = a.kind.get::<WatermarkAttack>()?;
        Some(w.subjects.iter().map(|x| x.link).collect())
    })
}

/// Resolve a `mixsim.Detector`'s declaration against the scenario: the attack and its truth.
pub fn evaluated(
    py: Python<'_>,
    s: &Scenario,
    object: Py<PyAny>,
    spec: Spec,
    shared: Arc<Shared>,
) -> PyResult<Evaluated> {
    let who = format!("detector {:?}", spec.name);
    let bad = |m: String| input_error(py, format!("{who}: {m}"));
    let links: Vec<usize> = match &spec.subjects {
        Some(names) => names
            .iter()
            .map(|l| link_index(py, s, &who, l, "subject"))
            .collect::<PyResult<_>>()?,
        None => default_subjects(s).ok_or_else(|| {
            bad(
                "no subjects given and the scenario has no watermark attack to take them from"
                    .into(),
            )
        })?,
    };
    if links.is_empty() {
        return Err(bad("subjects: expected at least one link".into()));
    }
    let references: Vec<Option<usize>> = match &spec.reference {
        None => vec![None; links.len()],
        Some(r) if r.len() != links.len() => {
            return Err(bad(format!(
                "reference: expected one entry (a link or None) per subject, {} for {} subjects",
                r.len(),
                links.len()
            )))
        }
        Some(r) => r
            .iter()
            .map(|l| {
                l.as_deref()
                    .map(|l| link_index(py, s, &who, l, "reference"))
                    .transpose()
            })
            .collect::<PyResult<_>>()?,
    };
    let point = parse_point(py, &who, &spec.point)?;
    let observes = Observes::parse(py, &who, &spec.observes)?;
    let interval = match &spec.interval {
        Some(t) => parse_interval(py, &who, t)?,
        None => DEFAULT_TAP_INTERVAL,
    };
    let watch = |link| Watch { link, point };
    let subjects = links
        .iter()
        .zip(&references)
        .map(|(&l, r)| Subject {
            name: s.links[l].name.clone(),
            watch: watch(l),
            reference: r.map(watch),
        })
        .collect();
    let truth = Truth::Detection {
        marked: links.iter().map(|&l| group_marked(s, &[l])).collect(),
    };
    let attack = PyDetector {
        object,
        name: spec.name.clone(),
        subjects,
        interval,
        observes,
        window: (s.warmup, s.duration),
        shared,
    };
    Ok(Evaluated {
        table: spec.name,
        attack: Box::new(attack),
        truth,
    })
}

impl PyDetector {
    /// Whole intervals between the end of the warm-up and the end of the trial.
    fn bins(&self) -> usize {
        ((self.window.1 - self.window.0) / self.interval) as usize
    }

    /// What one watched point holds, as numpy: the count series or the trace.
    fn arrays<'py>(
        &self,
        py: Python<'py>,
        obs: &Observation<'_>,
        w: Watch,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.observes {
            Observes::Counts => {
                Ok(PyArray1::from_slice(py, &obs.counts(w)[..self.bins()]).into_any())
            }
            Observes::Traces => trace_arrays(py, obs.trace(w), self.window),
        }
    }

    /// (marked, score) of one subject, from Python.
    fn call(&self, py: Python<'_>, obs: &Observation<'_>, s: &Subject) -> PyResult<(bool, f64)> {
        let received = self.arrays(py, obs, s.watch)?;
        let reference = match s.reference {
            Some(r) => Some(self.arrays(py, obs, r)?),
            None => None,
        };
        let seconds = |t: SimTime| t as f64 * 1e-9;
        self.object
            .bind(py)
            .call_method1(
                "_mixsim_detect",
                (
                    self.observes.name(),
                    &s.name,
                    seconds(self.interval),
                    (seconds(self.window.0), seconds(self.window.1)),
                    received,
                    reference,
                ),
            )?
            .extract()
    }
}

impl Attack for PyDetector {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn needs(&self) -> Needs {
        let mut watches: Vec<Watch> = Vec::new();
        for s in &self.subjects {
            watches.push(s.watch);
            watches.extend(s.reference);
        }
        watches.sort();
        watches.dedup();
        match self.observes {
            Observes::Counts => Needs {
                interval: self.interval,
                bins: self.bins(),
                counts: watches,
                traces: Vec::new(),
            },
            Observes::Traces => Needs {
                traces: watches,
                ..Needs::default()
            },
        }
    }

    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        let called = Python::attach(|py| -> PyResult<Vec<(bool, f64)>> {
            let mut all = Vec::with_capacity(self.subjects.len());
            for s in &self.subjects {
                if self.shared.stop.load(Ordering::Relaxed) {
                    all.push((false, f64::NAN));
                    continue;
                }
                all.push(self.call(py, obs, s)?);
            }
            Ok(all)
        });
        // After a failure the run is discarded: these verdicts are never reported.
        let called = called.unwrap_or_else(|e| {
            self.shared.fail(e);
            vec![(false, f64::NAN); self.subjects.len()]
        });
        Verdict::Detection(
            called
                .into_iter()
                .map(|(marked, score)| Detection {
                    marked,
                    score,
                    detail: None,
                })
                .collect(),
        )
    }
}
