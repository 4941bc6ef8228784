//! Records are not trusted: a chunk record read back from disk (to resume, to finish a sweep, to
//! merge shards) is checked before its counts are summed, and the sums are checked not to pass
//! 2^64.
//!
//! A record that matches its unit (sweep, point, chunk, trials, seed) may still have been edited
//! or damaged. What one trial can produce bounds what a chunk of them can hold:
//! - an identification attack scores each trial once: correct + wrong + ties + absent equals
//!   the chunk's trials, and at most that many trials have a rank or a degree of anonymity;
//! - a detection attack's hit histograms count at most the subjects they describe;
//! - no packet is delivered or dropped without being created (real and cover packets alike).
//!
//! Counts are then summed over a point's chunks with checked arithmetic: a sum beyond 2^64 is
//! refused rather than wrapped.

use super::record::{ChunkRecord, TallyRecord};
use crate::experiment::score::AttackTally;
use serde_json::Value;

/// Why a record cannot be what a run wrote (the message names the count and its bound).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordCheckError {
    #[error("{what} is {got}, but {bound}")]
    Invariant {
        what: String,
        got: u128,
        bound: String,
    },
    #[error("summed over the point's chunks, {path} passes 2^64 - 1")]
    Overflow { path: String },
}

fn at_most(what: String, got: u128, limit: u128, bound: &str) -> Result<(), RecordCheckError> {
    if got <= limit {
        return Ok(());
    }
    Err(RecordCheckError::Invariant {
        what,
        got,
        bound: format!("{bound} ({limit})"),
    })
}

fn sum(v: &[u64]) -> u128 {
    v.iter().map(|&x| x as u128).sum()
}

/// Check what one trial bounds in `rec`.
pub fn verify(rec: &ChunkRecord) -> Result<(), RecordCheckError> {
    let trials = rec.trials as u128;
    for (a, tally) in rec.tally.attacks.iter().enumerate() {
        match tally {
            AttackTally::Identification(sizes) => {
                for t in sizes {
                    let n = t.sample_size;
                    let scored =
                        t.correct as u128 + t.wrong as u128 + t.ties as u128 + t.absent as u128;
                    if scored != trials {
                        return Err(RecordCheckError::Invariant {
                            what: format!("attack {a} at N = {n}: correct + wrong + ties + absent"),
                            got: scored,
                            bound: format!("the chunk has {trials} trials, each scored once"),
                        });
                    }
                    let ranked = sum(&t.ranks);
                    at_most(
                        format!("attack {a} at N = {n}: trials with a rank"),
                        ranked,
                        trials,
                        "at most the chunk's trials",
                    )?;
                    at_most(
                        format!("attack {a} at N = {n}: degree_trials"),
                        t.degree_trials as u128,
                        trials,
                        "at most the chunk's trials",
                    )?;
                }
            }
            AttackTally::Detection(d) => {
                let marked = d.true_positives as u128 + d.false_negatives as u128;
                let unmarked = d.false_positives as u128 + d.true_negatives as u128;
                at_most(
                    format!("attack {a}: marked subjects with hits"),
                    sum(&d.marked_hits),
                    marked,
                    "at most the marked subjects",
                )?;
                at_most(
                    format!("attack {a}: unmarked subjects with hits"),
                    sum(&d.unmarked_hits),
                    unmarked,
                    "at most the unmarked subjects",
                )?;
            }
        }
    }
    let c = &rec.tally.counters;
    let gone = c.delivered as u128 + c.dropped_buffer as u128 + c.dropped_loss as u128;
    at_most(
        "packets delivered + dropped".into(),
        gone,
        c.created as u128,
        "at most the packets created",
    )?;
    for (kind, k) in [("drop", &c.cover_drop), ("loop", &c.cover_loop)] {
        at_most(
            format!("{kind} cover dummies delivered + dropped"),
            k.delivered as u128 + k.dropped as u128,
            k.created as u128,
            "at most the dummies created",
        )?;
    }
    Ok(())
}

/// Check that adding `add` to `acc` (two tallies as recorded) passes 2^64 in no count: every
/// integer of the counts (trials, attacks, packet counters, links, events, TCP), summed where
/// the two records hold it. Latency histograms are merged by the histogram, not summed here.
pub fn check_sum(acc: &TallyRecord, add: &TallyRecord) -> Result<(), RecordCheckError> {
    let a = serde_json::to_value(acc).expect("a tally serialises");
    let b = serde_json::to_value(add).expect("a tally serialises");
    for key in ["trials", "attacks", "counters", "links", "events", "tcp"] {
        if let (Some(x), Some(y)) = (a.get(key), b.get(key)) {
            walk(x, y, key)?;
        }
    }
    Ok(())
}

fn walk(x: &Value, y: &Value, path: &str) -> Result<(), RecordCheckError> {
    match (x, y) {
        (Value::Number(p), Value::Number(q)) => match (p.as_u64(), q.as_u64()) {
            (Some(p), Some(q)) if p.checked_add(q).is_none() => Err(RecordCheckError::Overflow {
                path: path.to_string(),
            }),
            _ => Ok(()),
        },
        (Value::Array(p), Value::Array(q)) => p
            .iter()
            .zip(q)
            .enumerate()
            .try_for_each(|(i, (p, q))| walk(p, q, &format!("{path}[{i}]"))),
        (Value::Object(p), Value::Object(q)) => p.iter().try_for_each(|(k, v)| match q.get(k) {
            Some(w) => walk(v, w, &format!("{path}.{k}")),
            None => Ok(()),
        }),
        _ => Ok(()),
    }
}
